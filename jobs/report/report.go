// Package report writes the companies' confirmations of exam registrations
// into return files that the chamber's core system collects from a
// folder: UTF-8 with byte order mark, separator ";", CRLF, one file a run,
// named rueckmeldung-JJJJMMTT-HHMMSS.csv after the local time of the run.
//
// Each confirmation appears in exactly one file. A run first assigns the
// unreported confirmations to a file name in the database. It then writes
// the file under a temporary name and links it to its final name, a link
// that fails rather than replace an existing file. Last it marks the
// confirmations reported. A run that stops between the steps leaves the
// assignment behind, and the next run, on any instance, finishes that file
// with the same confirmations.
package report

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"asta/jobs/chambercsv"
	"asta/schema"
	"asta/store"
)

// Columns of a return file, in order.
var columns = []string{"AnmeldungsNr", "Vertragsnummer", "Status", "BestaetigtAm", "BestaetigtVon", "Angaben"}

// StatusConfirmed is the status a return file reports for a confirmation.
const StatusConfirmed = "BETRIEB_BESTAETIGT"

// Options configures a [Reporter]. Store, Folder, Location, Logger and
// Registerer are required.
type Options struct {
	Store      *store.Store
	Folder     string
	Location   *time.Location
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now defaults to time.Now.
	Now func() time.Time
}

// Reporter is the report job.
type Reporter struct {
	opts    Options
	metrics *metrics
	mu      sync.Mutex // serialises the runs of this process
}

// New returns a Reporter and registers its metrics.
func New(opts Options) (*Reporter, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m, err := newMetrics(opts.Registerer, opts.Store)
	if err != nil {
		return nil, err
	}
	return &Reporter{opts: opts, metrics: m}, nil
}

// Run finishes the files that an earlier run left unfinished, then writes
// the confirmations not yet assigned to a file into a new one. A folder
// that cannot be written fails the run and loses nothing: the next run
// tries again.
func (r *Reporter) Run(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Runs on several instances must not pick the same file name for
	// different confirmations.
	unlock, ok, err := r.opts.Store.LockJob(ctx, "report files")
	if err != nil || !ok {
		if err == nil {
			r.opts.Logger.Info("return files are written by another instance", "job", "report")
		}
		return err
	}
	defer unlock()

	if err := r.run(ctx); err != nil {
		r.metrics.failures.Inc()
		return err
	}
	return nil
}

func (r *Reporter) run(ctx context.Context) error {
	if err := os.MkdirAll(r.opts.Folder, 0o750); err != nil {
		return fmt.Errorf("create return folder: %w", err)
	}
	pending, err := r.opts.Store.PendingReturnFiles(ctx)
	if err != nil {
		return err
	}
	for _, name := range pending {
		if err := r.finish(ctx, name); err != nil {
			return err
		}
	}

	name, err := r.freeName(ctx)
	if err != nil {
		return err
	}
	n, err := r.opts.Store.AssignReturnFile(ctx, name)
	if err != nil || n == 0 {
		return err
	}
	return r.finish(ctx, name)
}

// freeName returns a file name after the current local time that neither
// the folder nor the database uses.
func (r *Reporter) freeName(ctx context.Context) (string, error) {
	t := r.opts.Now().In(r.opts.Location)
	for range 3600 {
		name := "rueckmeldung-" + t.Format("20060102-150405") + ".csv"
		used, err := r.opts.Store.ReturnFileUsed(ctx, name)
		if err != nil {
			return "", err
		}
		if _, statErr := os.Stat(filepath.Join(r.opts.Folder, name)); !used && errors.Is(statErr, fs.ErrNotExist) {
			return name, nil
		}
		t = t.Add(time.Second)
	}
	return "", errors.New("find a free return file name: every second of the next hour is taken")
}

// finish writes the file with its assigned confirmations, unless it is
// complete in the folder already, and marks them reported.
func (r *Reporter) finish(ctx context.Context, name string) error {
	cs, err := r.opts.Store.ReturnFileConfirmations(ctx, name)
	if err != nil {
		return err
	}
	final := filepath.Join(r.opts.Folder, name)
	if _, err := os.Stat(final); errors.Is(err, fs.ErrNotExist) {
		if err := r.write(final, cs); err != nil {
			return err
		}
		r.metrics.files.Inc()
		r.opts.Logger.Info("return file written", "job", "report", "file", name, "confirmations", len(cs))
	} else if err != nil {
		return fmt.Errorf("check return file %s: %w", name, err)
	}
	return r.opts.Store.MarkReported(ctx, name, r.opts.Now())
}

// write writes the confirmations to a temporary file beside final and
// links it to final, which fails if final exists.
func (r *Reporter) write(final string, cs []schema.ExamConfirmation) error {
	tmp, err := os.CreateTemp(filepath.Dir(final), ".rueckmeldung-*.tmp")
	if err != nil {
		return fmt.Errorf("write return file: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // the final name links to the same file
	if err := r.encode(tmp, cs); err != nil {
		tmp.Close()
		return fmt.Errorf("write return file %s: %w", filepath.Base(final), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write return file %s: %w", filepath.Base(final), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write return file %s: %w", filepath.Base(final), err)
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return fmt.Errorf("write return file %s: %w", filepath.Base(final), err)
	}
	if err := os.Link(tmp.Name(), final); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("publish return file %s: %w", filepath.Base(final), err)
	}
	return nil
}

// encode writes the header and one record per confirmation.
func (r *Reporter) encode(f *os.File, cs []schema.ExamConfirmation) error {
	w, err := chambercsv.NewWriter(f, chambercsv.UTF8, true)
	if err != nil {
		return err
	}
	if err := w.Write(columns); err != nil {
		return err
	}
	for _, c := range cs {
		rec := []string{
			c.RegistrationNumber, c.ContractNumber, StatusConfirmed,
			c.ConfirmedAt.In(r.opts.Location).Format("02.01.2006 15:04:05"), c.ConfirmedBy,
			"Ausbildungsnachweise=" + flag(c.RecordBook) + ",Zustimmung=" + flag(c.TraineeConsent),
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	return w.Flush()
}

func flag(b bool) string {
	if b {
		return "J"
	}
	return "N"
}
