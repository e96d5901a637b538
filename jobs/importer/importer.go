// Package importer applies the chamber's export packages to the database:
// it reads a package (a folder or a .zip file), checks its control file,
// validates every record, and applies the records it takes in one
// transaction, or nothing at all.
//
// On PostgreSQL the records are copied into staging tables with COPY and
// merged with set-based statements that write only changed rows. On
// SQLite the package is validated before the write transaction begins,
// and then applied with prepared statements, so that the write lock is
// held only while the rows are written.
package importer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"asta/jobs/chambercsv"
	"asta/schema"
)

// Options configures an [Importer].
type Options struct {
	DB          *bun.DB
	DatabaseURL string // the URL DB was opened with; the PostgreSQL bulk path opens its own connection
	Location    *time.Location
	Encoding    chambercsv.Encoding
	RejectShare float64 // a file's rejected records beyond this share ...
	RejectCount int     // ... and this number reject the package
	HoldShare   float64 // a full export ending more than this share ...
	HoldCount   int     // ... and this number of a kind's records is held
	Logger      *slog.Logger
	Metrics     *Metrics // may be nil
	// MaxAhead rejects a package created further in the future than
	// this; 0 accepts any creation time.
	MaxAhead time.Duration
	Now      func() time.Time

	// failAfterApply, set by tests, fails the apply after the rows are
	// written and before the commit, as a crash would.
	failAfterApply error
	// keyReaderURL, set by tests, replaces DatabaseURL for the second
	// connection that reads keys ahead.
	keyReaderURL string
}

// Importer imports packages. It is safe for concurrent use, but imports
// of one database must not run at once: the scheduler serialises them.
type Importer struct {
	opts Options
	log  *slog.Logger
}

// New returns an Importer.
func New(opts Options) *Importer {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Importer{opts: opts, log: opts.Logger}
}

// FileResult holds the counts of one data file.
type FileResult struct {
	File     string
	Records  int64
	Inserted int64
	Changed  int64
	Ended    int64
	Rejected int64
}

// Result is the outcome of one import.
type Result struct {
	RunID      int64 // 0 when no run was recorded
	PackageID  string
	Package    string
	ExportType string
	Created    time.Time
	Outcome    string // one of the schema.Outcome* constants
	Reason     string // the cause of a rejection, a hold or a failure
	Incomplete bool   // rejected because files are missing or do not match the control file
	Files      []FileResult
	Rejections []Rejection
	Duration   time.Duration
}

// Request is one import: the package and how to treat it.
type Request struct {
	Path     string
	DryRun   bool     // validate and report only, change nothing
	Progress Progress // may be nil
	// Waiting leaves an incomplete package unrecorded with outcome
	// incomplete, for a package that may still be in transfer.
	Waiting bool
}

// Progress receives the records read so far of a file and the number the
// control file announces.
type Progress func(file string, done, expected int64)

// errRejected and errHeld end an import before the apply.
var (
	errRejected = errors.New("package rejected")
	errHeld     = errors.New("package held")

	// errAppliedMeanwhile ends an apply that another run committed first.
	errAppliedMeanwhile = errors.New("the package was applied meanwhile by another run")
)

// Import imports the package at path. With dryRun set it validates the
// package and reports what an import would do, changing nothing. The
// error is non-nil only when the import failed for a cause other than
// the package, such as the database. The Result then has outcome failed.
func (im *Importer) Import(ctx context.Context, req Request) (*Result, error) {
	start := im.opts.Now()
	res := &Result{Package: packageName(req.Path)}
	err := im.run(ctx, req, res)
	res.Duration = im.opts.Now().Sub(start)

	switch {
	case err == nil:
	case errors.Is(err, errIncomplete) && req.Waiting:
		res.Outcome, res.Reason, res.Incomplete = schema.OutcomeIncomplete, reason(err), true
	case errors.Is(err, errIncomplete):
		res.Outcome, res.Reason, res.Incomplete = schema.OutcomeRejected, reason(err), true
	case errors.Is(err, errRejected):
		res.Outcome, res.Reason = schema.OutcomeRejected, reason(err)
	case errors.Is(err, errAppliedMeanwhile):
		res.Outcome, res.Reason = schema.OutcomeAlreadyApplied, err.Error()
	case errors.Is(err, errHeld):
		res.Outcome, res.Reason = schema.OutcomeHeld, reason(err)
	default:
		res.Outcome, res.Reason = schema.OutcomeFailed, err.Error()
	}
	if res.Outcome == schema.OutcomeIncomplete && res.RunID != 0 {
		// A package still in transfer leaves no run behind, although its
		// data files are checked only after the run was recorded.
		if derr := im.discardRun(context.WithoutCancel(ctx), res.RunID); derr != nil {
			res.Outcome, res.Reason, err = schema.OutcomeFailed, derr.Error(), derr
		} else {
			res.RunID = 0
		}
	}
	if !req.DryRun && res.Outcome != schema.OutcomeIncomplete && res.Outcome != schema.OutcomeAlreadyApplied &&
		res.Outcome != schema.OutcomeHeld {
		if res.RunID == 0 {
			if res.RunID, err = im.startRun(context.WithoutCancel(ctx), res); err != nil {
				res.Outcome, res.Reason = schema.OutcomeFailed, err.Error()
			}
		}
	}
	if !req.DryRun {
		if ferr := im.finishRun(context.WithoutCancel(ctx), res); ferr != nil && err == nil {
			err = ferr
		}
	}
	im.opts.Metrics.observe(res)
	im.logResult(res)
	if res.Outcome == schema.OutcomeFailed {
		return res, err
	}
	return res, nil
}

func (im *Importer) run(ctx context.Context, req Request, res *Result) error {
	src, err := openSource(req.Path)
	if err != nil {
		return fmt.Errorf("%w: %w", errIncomplete, err)
	}
	defer func() { _ = src.close() }()

	ctl, err := readControl(src, im.opts.Encoding, im.opts.Location)
	if err != nil {
		if errors.Is(err, errIncomplete) {
			return err
		}
		return fmt.Errorf("%w: %w", errRejected, err)
	}
	res.PackageID, res.ExportType, res.Created = ctl.id, ctl.exportType, ctl.created
	im.warnUnlisted(src, ctl, res)

	confirmed, err := im.checkOrder(ctx, ctl, res)
	if err != nil || res.Outcome == schema.OutcomeAlreadyApplied {
		return err
	}
	if !req.DryRun {
		if res.RunID, err = im.startRun(ctx, res); err != nil {
			return err
		}
	}
	im.log.Info("import started", "package", res.Package, "package_id", short(ctl.id), "run_id", res.RunID,
		"export_type", ctl.exportType)

	im.opts.Metrics.startRun()
	p := &plan{im: im, src: src, ctl: ctl, res: res, confirmed: confirmed, dryRun: req.DryRun, progress: req.Progress}
	if schema.IsPostgres(im.opts.DB) {
		err = p.runPostgres(ctx)
	} else {
		err = p.runSQLite(ctx)
	}
	p.collect(err == nil && !req.DryRun)
	if err == nil {
		res.Outcome = schema.OutcomeApplied
		if req.DryRun {
			res.Outcome = schema.OutcomeValidated
		}
	}
	return err
}

// warnUnlisted logs the data files that the control file does not list.
func (im *Importer) warnUnlisted(src source, ctl *control, res *Result) {
	names, err := src.names()
	if err != nil {
		return
	}
	for _, n := range names {
		if _, listed := ctl.entries[n]; !listed && n != ControlFile {
			im.log.Warn("file not listed in control file, ignored", "package", res.Package, "file", n)
		}
	}
}

// checkOrder rejects a stale package, notices an applied one, and waits
// while a held package blocks the queue. It reports whether an operator
// confirmed a hold of this package.
func (im *Importer) checkOrder(ctx context.Context, ctl *control, res *Result) (bool, error) {
	db := im.opts.DB
	n, err := db.NewSelect().Model((*schema.ImportRun)(nil)).
		Where("package_id = ? AND outcome = ?", ctl.id, schema.OutcomeApplied).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("read import runs: %w", err)
	}
	if n > 0 {
		res.Outcome, res.Reason = schema.OutcomeAlreadyApplied, "the package was applied before"
		return false, nil
	}

	var holds []schema.PackageHold
	if err := db.NewSelect().Model(&holds).Where("decision IS NULL OR package_id = ?", ctl.id).
		Scan(ctx); err != nil {
		return false, fmt.Errorf("read package holds: %w", err)
	}
	confirmed := false
	for _, h := range holds {
		switch {
		case h.PackageID == ctl.id && h.Decision == schema.HoldConfirmed:
			confirmed = true // still stale if a newer package was applied meanwhile
		case h.PackageID == ctl.id && h.Decision == schema.HoldDiscarded:
			return false, fmt.Errorf("%w: an operator discarded the package", errRejected)
		case h.PackageID == ctl.id:
			return false, fmt.Errorf("%w: waiting for an operator (astad hold confirm %s): %s", errHeld, short(ctl.id), h.Reason)
		default:
			return false, fmt.Errorf("%w: package %s is held for an operator and comes first", errHeld, h.PackageName)
		}
	}

	if ahead := im.opts.MaxAhead; ahead > 0 && ctl.created.After(im.opts.Now().Add(ahead)) {
		return false, fmt.Errorf("%w: created %s, more than %s in the future: check the clock of the core "+
			"system, because a package from the future would make every later one stale",
			errRejected, germanTime(ctl.created, im.opts.Location), ahead)
	}

	var last schema.ImportRun
	err = db.NewSelect().Model(&last).Where("outcome = ?", schema.OutcomeApplied).
		Order("exported_at DESC").Limit(1).Scan(ctx)
	if err == nil && last.ExportedAt != nil && ctl.created.Before(*last.ExportedAt) {
		return false, fmt.Errorf("%w: stale: created %s, before the last applied package %s (created %s)",
			errRejected, germanTime(ctl.created, im.opts.Location), last.PackageName,
			germanTime(*last.ExportedAt, im.opts.Location))
	}
	return confirmed, nil
}

func (im *Importer) startRun(ctx context.Context, res *Result) (int64, error) {
	created := res.Created
	run := &schema.ImportRun{
		PackageID: res.PackageID, PackageName: res.Package, ExportType: res.ExportType,
		ExportedAt: &created, StartedAt: im.opts.Now().UTC(), Outcome: schema.OutcomeRunning,
	}
	if _, err := im.opts.DB.NewInsert().Model(run).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("record import run: %w", err)
	}
	return run.ID, nil
}

// discardRun deletes run id, which has no files, rejections or hold
// recorded yet.
func (im *Importer) discardRun(ctx context.Context, id int64) error {
	if _, err := im.opts.DB.NewDelete().Model((*schema.ImportRun)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("delete import run %d of an incomplete package: %w", id, err)
	}
	return nil
}

// finishRun records the outcome, counts and rejections of a run. The
// apply transaction has already set an applied run's outcome.
func (im *Importer) finishRun(ctx context.Context, res *Result) error {
	if res.RunID == 0 {
		return nil
	}
	return im.opts.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		finished := im.opts.Now().UTC()
		run := &schema.ImportRun{ID: res.RunID, FinishedAt: &finished, Outcome: res.Outcome, Message: res.Reason}
		for _, f := range res.Files {
			run.Records += f.Records
			run.Inserted += f.Inserted
			run.Changed += f.Changed
			run.Ended += f.Ended
			run.Rejected += f.Rejected
		}
		if _, err := tx.NewUpdate().Model(run).
			Column("finished_at", "outcome", "message", "records", "inserted", "changed", "ended", "rejected").
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("record import run %d: %w", res.RunID, err)
		}
		return im.recordDetails(ctx, tx, res)
	})
}

func (im *Importer) recordDetails(ctx context.Context, tx bun.Tx, res *Result) error {
	for _, f := range res.Files {
		row := &schema.ImportRunFile{RunID: res.RunID, File: f.File, Records: f.Records,
			Inserted: f.Inserted, Changed: f.Changed, Ended: f.Ended, Rejected: f.Rejected}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return fmt.Errorf("record import run files: %w", err)
		}
	}
	const batch = 500
	for i := 0; i < len(res.Rejections); i += batch {
		part := res.Rejections[i:min(i+batch, len(res.Rejections))]
		rows := make([]schema.RejectedRecord, len(part))
		for j, r := range part {
			rows[j] = schema.RejectedRecord{RunID: res.RunID, File: r.File, Line: r.Line,
				ColumnName: r.Column, Value: r.Value, Reason: r.Reason}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return fmt.Errorf("record rejected records: %w", err)
		}
	}
	if res.Outcome == schema.OutcomeHeld && res.PackageID != "" {
		hold := &schema.PackageHold{PackageID: res.PackageID, RunID: res.RunID, PackageName: res.Package,
			ExportedAt: res.Created, Reason: res.Reason, HeldAt: im.opts.Now().UTC()}
		if _, err := tx.NewInsert().Model(hold).On("CONFLICT (package_id) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("record package hold: %w", err)
		}
	}
	return nil
}

// reason returns the text of an error that ends an import, without the
// prefixes of the sentinels that classify it, which the outcome states.
func reason(err error) string {
	text := err.Error()
	for _, sentinel := range []error{errIncomplete, errRejected, errHeld} {
		text = strings.ReplaceAll(text, sentinel.Error()+": ", "")
	}
	return text
}

// logResult writes the run's end line: its outcome and counts, and the
// reason of a failure. Reasons may quote record values, so only a failure
// for another cause than the package, such as the database, logs it.
func (im *Importer) logResult(res *Result) {
	var total FileResult
	for _, f := range res.Files {
		total.Records += f.Records
		total.Inserted += f.Inserted
		total.Changed += f.Changed
		total.Ended += f.Ended
		total.Rejected += f.Rejected
	}
	attrs := []any{"package", res.Package, "run_id", res.RunID, "outcome", res.Outcome,
		"records", total.Records, "inserted", total.Inserted, "changed", total.Changed,
		"ended", total.Ended, "rejected", total.Rejected, "duration_ms", res.Duration.Milliseconds()}
	switch res.Outcome {
	case schema.OutcomeFailed:
		im.log.Error("import failed", append(attrs, "error", res.Reason)...)
	case schema.OutcomeApplied, schema.OutcomeValidated, schema.OutcomeAlreadyApplied:
		im.log.Info("import finished", attrs...)
	default:
		im.log.Warn("import finished", attrs...)
	}
}

// exceeds reports whether n is beyond both share of total and count.
func exceeds(n, total int64, share float64, count int) bool {
	return n > int64(count) && float64(n) > share*float64(total)+1e-9*math.Max(1, float64(total))
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func germanTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("02.01.2006 15:04:05")
}
