// Package inbox runs the import job on the inbox folder: it imports the
// packages found there in the order in which the chamber created them,
// and moves each to archive/ or rejected/ beside a report file.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"asta/jobs/importer"
	"asta/schema"
)

// Folders inside the inbox that hold the packages already dealt with.
const (
	ArchiveDir  = "archive"
	RejectedDir = "rejected"
)

// Options configures an [Inbox].
type Options struct {
	Dir             string
	Importer        *importer.Importer
	Location        *time.Location
	IncompleteAfter time.Duration // an incomplete package younger than this is left for the next run
	Logger          *slog.Logger
	Now             func() time.Time
	// Paused, when set, reports whether an operator has paused the
	// import; Run then imports nothing.
	Paused func(ctx context.Context) (bool, error)
}

// Inbox imports the packages of one folder. Its Run must not be called
// concurrently; the scheduler ensures that.
type Inbox struct {
	opts Options
	log  *slog.Logger
}

// New returns an Inbox.
func New(opts Options) *Inbox {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Inbox{opts: opts, log: opts.Logger}
}

// candidate is a package waiting in the inbox.
type candidate struct {
	path     string
	created  time.Time // zero when the control file cannot be read yet
	modified time.Time // the latest change of any of its files
}

// Run imports every package waiting in the inbox, oldest first. It stops
// at a package that is held for an operator, because later packages must
// wait for it, and at a failure, which the next run retries. While an
// operator has paused the import, it imports nothing.
func (ib *Inbox) Run(ctx context.Context) error {
	if ib.opts.Paused != nil {
		paused, err := ib.opts.Paused(ctx)
		if err != nil {
			return fmt.Errorf("read import pause: %w", err)
		}
		if paused {
			ib.log.Info("import paused by an operator, run skipped")
			return nil
		}
	}
	if err := os.MkdirAll(ib.opts.Dir, 0o750); err != nil {
		return fmt.Errorf("create inbox %s: %w", ib.opts.Dir, err)
	}
	cands, err := ib.list()
	if err != nil {
		return err
	}
	for _, c := range cands {
		if err := ctx.Err(); err != nil {
			return err
		}
		stop, err := ib.importOne(ctx, c)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

func (ib *Inbox) importOne(ctx context.Context, c candidate) (stop bool, err error) {
	young := ib.opts.Now().Sub(c.modified) < ib.opts.IncompleteAfter
	res, err := ib.opts.Importer.Import(ctx, importer.Request{Path: c.path, Waiting: young})
	if err != nil {
		return true, fmt.Errorf("import %s: %w", filepath.Base(c.path), err)
	}

	switch res.Outcome {
	case schema.OutcomeIncomplete:
		// Later packages wait: applying them first would make this one
		// stale once its transfer completes.
		ib.log.Info("package incomplete, left for the next run; later packages wait",
			"package", res.Package, "error", res.Reason)
		return true, nil
	case schema.OutcomeHeld:
		ib.log.Warn("package held for an operator", "package", res.Package, "run_id", res.RunID, "error", res.Reason)
		return true, nil
	case schema.OutcomeApplied, schema.OutcomeAlreadyApplied:
		return false, ib.move(c.path, ArchiveDir, res)
	default:
		return false, ib.move(c.path, RejectedDir, res)
	}
}

// list returns the packages in the inbox in the order of their creation
// time; packages whose control file cannot be read yet come last.
func (ib *Inbox) list() ([]candidate, error) {
	entries, err := os.ReadDir(ib.opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("read inbox %s: %w", ib.opts.Dir, err)
	}
	var cands []candidate
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || name == ArchiveDir || name == RejectedDir {
			continue
		}
		zip := e.Type().IsRegular() && strings.EqualFold(filepath.Ext(name), ".zip")
		if !e.IsDir() && !zip {
			ib.log.Warn("inbox entry ignored: not a package folder or .zip file", "package", name)
			continue
		}
		path := filepath.Join(ib.opts.Dir, name)
		c := candidate{path: path, modified: lastModified(path)}
		if created, err := importer.PeekCreated(path, ib.opts.Location); err == nil {
			c.created = created
		}
		cands = append(cands, c)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.created.IsZero() != b.created.IsZero() {
			return !a.created.IsZero()
		}
		if !a.created.Equal(b.created) {
			return a.created.Before(b.created)
		}
		return a.path < b.path
	})
	return cands, nil
}

// lastModified returns the latest modification time of path or, for a
// folder, of any file in it.
func lastModified(path string) time.Time {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	latest := st.ModTime()
	if !st.IsDir() {
		return latest
	}
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.ModTime().After(latest) {
			latest = info.ModTime()
		}
	}
	return latest
}

// move puts a package into archive/ or rejected/ and writes its report
// beside it. A name already taken there gets the current time appended.
func (ib *Inbox) move(path, dir string, res *importer.Result) error {
	target := filepath.Join(ib.opts.Dir, dir)
	if err := os.MkdirAll(target, 0o750); err != nil {
		return fmt.Errorf("create %s: %w", target, err)
	}
	name := filepath.Base(path)
	dest, report, err := ib.destination(target, name)
	if err != nil {
		return err
	}

	if err := os.Rename(path, dest); err != nil {
		return fmt.Errorf("move package %s to %s: %w", name, dir, err)
	}
	if err := os.WriteFile(report, []byte(importer.Report(res, ib.opts.Location)), 0o640); err != nil {
		return fmt.Errorf("write report %s: %w", report, err)
	}
	ib.log.Info("package moved", "package", name, "run_id", res.RunID, "outcome", res.Outcome, "folder", dir)
	return nil
}

// destination returns the path in folder for the package name and the
// path of its report, <name>.report.txt with a zip file's extension
// dropped. When either is taken, the name gets the current time appended
// and then a counter, because rename(2) would replace a file of that name.
func (ib *Inbox) destination(folder, name string) (dest, report string, err error) {
	ext := filepath.Ext(name)
	if !strings.EqualFold(ext, ".zip") {
		ext = "" // a folder keeps every dot of its name
	}
	base := strings.TrimSuffix(name, ext)
	stamp := ib.opts.Now().Format("20060102-150405")
	for i := range 1000 {
		candidate := base
		if i == 1 {
			candidate += "-" + stamp
		} else if i > 1 {
			candidate += fmt.Sprintf("-%s-%d", stamp, i)
		}
		dest = filepath.Join(folder, candidate+ext)
		report = filepath.Join(folder, candidate+".report.txt")
		free, err := allFree(dest, report)
		if err != nil || free {
			return dest, report, err
		}
	}
	return "", "", fmt.Errorf("move package %s: no free name in %s", name, folder)
}

// allFree reports whether none of paths exists.
func allFree(paths ...string) (bool, error) {
	for _, p := range paths {
		_, err := os.Lstat(p)
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	return true, nil
}
