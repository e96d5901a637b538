// Package reconcile sets each trainee's account status from the trainee
// account directory, which the identity system of the trainee portal
// keeps: a konten.csv export in a folder ([File]) or a SCIM 2.0 service
// ([SCIM]).
//
// A run reads the directory completely into a temporary staging table
// (PostgreSQL: COPY; SQLite: prepared inserts before the write
// transaction begins) and then applies it with set-based statements in
// one transaction that write only the rows whose values change. Memory
// therefore does not grow with the number of accounts. A read that fails
// part way changes nothing. A read that would take the active status
// from more than a configured share of the trainees who have it is held
// until an operator confirms it with [store.Store.ConfirmReconcileHold].
//
// The staging and apply SQL lives in this package, as the import's does
// in package importer, because it works on the run's temporary tables.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"asta/schema"
	"asta/store"
)

// DefaultHoldShare is the share of the trainees with an active account
// that a run may take the active status from without a hold.
const DefaultHoldShare = 0.10

// ErrHeld is wrapped by the error of a run that the safety hold stopped.
var ErrHeld = errors.New("reconcile held for an operator")

// ErrInvalidDirectory reports a directory read that failed on an invalid
// record; the run's message in reconcile_runs describes it.
var ErrInvalidDirectory = errors.New("invalid account directory")

// Options configures a [Reconciler].
type Options struct {
	Store  *store.Store
	Source Source // a [File] or a *[SCIM]
	// HoldShare is the share of the trainees with an active account that
	// a run may take the active status from. A run that would take it
	// from more is held. Zero means [DefaultHoldShare], and 1 turns the
	// hold off.
	HoldShare float64
	// HoldCount is the number of trainees that a run may always take the
	// active status from, whatever the share. Zero means none.
	HoldCount  int
	Logger     *slog.Logger          // nil discards the logs
	Registerer prometheus.Registerer // nil leaves the metrics unregistered
	Now        func() time.Time      // nil means time.Now
}

// Reconciler sets the trainees' account statuses from a directory. Runs
// of one database must not overlap: the scheduler serialises them.
type Reconciler struct {
	store     *store.Store
	src       Source
	holdShare float64
	holdCount int
	log       *slog.Logger
	metrics   *Metrics
	now       func() time.Time
}

// New returns a Reconciler. It fails when a required option is missing
// or HoldShare is outside 0 to 1.
func New(opts Options) (*Reconciler, error) {
	if opts.Store == nil {
		return nil, errors.New("reconcile: Options.Store is nil")
	}
	if opts.Source == nil {
		return nil, errors.New("reconcile: Options.Source is nil: set a File or a SCIM source")
	}
	if opts.HoldShare < 0 || opts.HoldShare > 1 {
		return nil, fmt.Errorf("reconcile: invalid hold share %g: use a value from 0 to 1", opts.HoldShare)
	}
	if opts.HoldShare == 0 {
		opts.HoldShare = DefaultHoldShare
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if s, ok := opts.Source.(*SCIM); ok && s.Logger == nil {
		withLog := *s
		withLog.Logger = opts.Logger
		opts.Source = &withLog
	}
	return &Reconciler{
		store:     opts.Store,
		src:       opts.Source,
		holdShare: opts.HoldShare,
		holdCount: opts.HoldCount,
		log:       opts.Logger.With("job", "reconcile"),
		metrics:   NewMetrics(opts.Registerer),
		now:       opts.Now,
	}, nil
}

// result holds the counts of one run, and its hold if it was held.
type result struct {
	read          int64
	changed       int64
	statusChanges map[string]int64 // by new status
	hold          *schema.ReconcileHold
}

// Run reads the directory once and applies it. It returns an error when
// the read or the apply failed, and an error wrapping [ErrHeld] when the
// safety hold stopped the run. In both cases no status changed, and the
// run is recorded with its outcome.
func (r *Reconciler) Run(ctx context.Context) error {
	start := r.now()
	runID, err := r.store.StartReconcileRun(ctx, r.src.String(), start)
	if err != nil {
		r.log.Error("reconcile failed", "error", err)
		r.metrics.observeRun(schema.OutcomeFailed, 0)
		return err
	}
	r.log.Info("reconcile started", "run_id", runID, "directory", r.src.String())

	res, err := r.reconcile(ctx, runID)
	duration := r.now().Sub(start)
	attrs := []any{"run_id", runID, "accounts_read", res.read, "duration_ms", duration.Milliseconds()}
	switch {
	case err != nil:
		err = fmt.Errorf("reconcile run %d: %w", runID, err)
		if ferr := r.store.FailReconcileRun(context.WithoutCancel(ctx), runID, res.read, err.Error(),
			r.now()); ferr != nil {
			err = errors.Join(err, ferr)
		}
		var invalid *dataError
		if errors.As(err, &invalid) {
			// Logs and the job's error name the run, not the record's values.
			err = fmt.Errorf("reconcile run %d: %w: the directory holds an invalid record, "+
				"described in reconcile_runs.message of the run", runID, ErrInvalidDirectory)
		}
		r.log.Error("reconcile failed", append(attrs, "error", err)...)
		r.metrics.observeRun(schema.OutcomeFailed, duration)
		return err

	case res.hold != nil:
		if herr := r.store.HoldReconcileRun(context.WithoutCancel(ctx), res.hold, res.read); herr != nil {
			r.log.Error("reconcile failed", append(attrs, "error", herr)...)
			r.metrics.observeRun(schema.OutcomeFailed, duration)
			return fmt.Errorf("reconcile run %d: %w", runID, herr)
		}
		r.log.Warn("reconcile held", append(attrs, "active_before", res.hold.ActiveBefore,
			"active_lost", res.hold.ActiveLost)...)
		r.metrics.observeRun(schema.OutcomeHeld, duration)
		return fmt.Errorf("reconcile run %d: %w: %s", runID, ErrHeld, res.hold.Reason)
	}

	var changes int64
	for _, n := range res.statusChanges {
		changes += n
	}
	r.log.Info("reconcile finished", append(attrs, "changed", res.changed, "status_changes", changes)...)
	r.metrics.observeRun(schema.OutcomeApplied, duration)
	r.metrics.observeApplied(res)
	r.updateStatusGauge(ctx, runID)
	return nil
}

// updateStatusGauge sets the gauge of trainees by status. A failure to
// count leaves the gauge as it was, because the run itself succeeded.
func (r *Reconciler) updateStatusGauge(ctx context.Context, runID int64) {
	counts, err := r.store.AccountStatusCounts(ctx)
	if err != nil {
		r.log.Warn("account status count failed", "run_id", runID, "error", err)
		return
	}
	r.metrics.setStatuses(counts)
}

// holdReason returns why a run that takes the active status from lost of
// before trainees must wait, or "" when it may go on. A confirmed hold
// allows as many more as it counted.
func (r *Reconciler) holdReason(before, lost int64, confirmed *schema.ReconcileHold) string {
	allowed := r.holdShare * float64(before)
	if confirmed != nil {
		allowed += float64(confirmed.ActiveLost)
	}
	if lost <= int64(r.holdCount) || float64(lost) <= allowed+1e-9 {
		return ""
	}
	return fmt.Sprintf("the directory would take the active status from %d of %d trainees, more than %g %%: "+
		"check the directory and confirm the hold if this is right", lost, before, r.holdShare*100)
}
