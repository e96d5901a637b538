package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
)

// ErrHoldNotFound is returned when no reconcile hold with the given run id
// waits for a decision.
var ErrHoldNotFound = errors.New("no waiting reconcile hold with this run id")

// AccountStatus is a trainee's account status for the panel.
type AccountStatus struct {
	// Status is one of the schema.Account* constants.
	Status string
	// Since is when the status was first read. It is zero while the
	// status is unknown, and for a trainee imported after the last
	// complete read, who has no row yet.
	Since      time.Time
	Email      string
	LastSignIn *time.Time
	// ReadAt is the end of the last complete read of the directory, zero
	// before the first.
	ReadAt time.Time
}

// TraineeAccountStatus returns the account status of the trainee with
// the given number: [schema.AccountUnknown] until a reconcile run has
// applied a complete read, then the status that the runs recorded, and
// [schema.AccountNone] for a number without a recorded account.
func (s *Store) TraineeAccountStatus(ctx context.Context, traineeNumber string) (AccountStatus, error) {
	readAt, ok, err := s.LastAccountRead(ctx)
	if err != nil || !ok {
		return AccountStatus{Status: schema.AccountUnknown}, err
	}

	var row schema.TraineeAccount
	err = s.db.NewSelect().Model(&row).Where("trainee_number = ?", traineeNumber).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return AccountStatus{Status: schema.AccountNone, ReadAt: readAt}, nil
	}
	if err != nil {
		return AccountStatus{}, fmt.Errorf("read account status of trainee %s: %w", traineeNumber, err)
	}
	return AccountStatus{
		Status:     row.Status,
		Since:      row.StatusSince.UTC(),
		Email:      row.Email,
		LastSignIn: row.LastSignIn,
		ReadAt:     readAt,
	}, nil
}

// LastAccountRead returns the end, in UTC, of the last reconcile run that
// applied a complete read of the directory. ok is false before the first.
func (s *Store) LastAccountRead(ctx context.Context) (finishedAt time.Time, ok bool, err error) {
	var run schema.ReconcileRun
	err = s.db.NewSelect().Model(&run).
		Column("finished_at").
		Where("outcome = ?", schema.OutcomeApplied).
		Order("finished_at DESC").
		Limit(1).
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read last reconcile run: %w", err)
	}
	if run.FinishedAt == nil {
		return time.Time{}, false, fmt.Errorf("read last reconcile run: applied run %d has no finish time", run.ID)
	}
	return run.FinishedAt.UTC(), true, nil
}

// AccountStatusCounts returns the number of trainees of each account
// status. Trainees without a recorded account count as
// [schema.AccountNone], or all as [schema.AccountUnknown] before the
// first complete read.
func (s *Store) AccountStatusCounts(ctx context.Context) (map[string]int64, error) {
	_, read, err := s.LastAccountRead(ctx)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Status string
		N      int64
	}
	err = s.db.NewSelect().
		TableExpr("trainees AS t").
		Join("LEFT JOIN trainee_accounts AS a ON a.trainee_number = t.number").
		ColumnExpr("COALESCE(a.status, ?) AS status", schema.AccountNone).
		ColumnExpr("count(*) AS n").
		GroupExpr("1").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count account statuses: %w", err)
	}

	counts := make(map[string]int64, len(rows))
	for _, r := range rows {
		if !read {
			counts[schema.AccountUnknown] += r.N
			continue
		}
		counts[r.Status] += r.N
	}
	return counts, nil
}

// StartReconcileRun records a run reading the directory from source, with
// outcome running, and returns its id.
func (s *Store) StartReconcileRun(ctx context.Context, source string, startedAt time.Time) (int64, error) {
	run := &schema.ReconcileRun{Source: source, StartedAt: startedAt.UTC(), Outcome: schema.OutcomeRunning}
	if _, err := s.db.NewInsert().Model(run).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("record reconcile run: %w", err)
	}
	return run.ID, nil
}

// FailReconcileRun records that run id failed after reading accountsRead
// accounts, with the error message.
func (s *Store) FailReconcileRun(ctx context.Context, id, accountsRead int64, message string,
	finishedAt time.Time) error {
	_, err := s.db.NewUpdate().Model((*schema.ReconcileRun)(nil)).
		Set("finished_at = ?", finishedAt.UTC()).
		Set("outcome = ?", schema.OutcomeFailed).
		Set("accounts_read = ?", accountsRead).
		Set("message = ?", message).
		Where("id = ?", id).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("record failed reconcile run %d: %w", id, err)
	}
	return nil
}

// HoldReconcileRun records that the run of hold.RunID read accountsRead
// accounts and is held, and supersedes any other hold that still waits.
func (s *Store) HoldReconcileRun(ctx context.Context, hold *schema.ReconcileHold, accountsRead int64) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*schema.ReconcileHold)(nil)).
			Set("decision = ?", schema.HoldSuperseded).
			Set("decided_at = ?", hold.HeldAt.UTC()).
			Where("decision IS NULL").
			Exec(ctx); err != nil {
			return fmt.Errorf("supersede reconcile holds: %w", err)
		}
		if _, err := tx.NewInsert().Model(hold).Exec(ctx); err != nil {
			return fmt.Errorf("record reconcile hold of run %d: %w", hold.RunID, err)
		}
		_, err := tx.NewUpdate().Model((*schema.ReconcileRun)(nil)).
			Set("finished_at = ?", hold.HeldAt.UTC()).
			Set("outcome = ?", schema.OutcomeHeld).
			Set("accounts_read = ?", accountsRead).
			Set("message = ?", hold.Reason).
			Where("id = ?", hold.RunID).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("record held reconcile run %d: %w", hold.RunID, err)
		}
		return nil
	})
}

// WaitingReconcileHold returns the hold that waits for an operator's
// decision, or nil when none waits.
func (s *Store) WaitingReconcileHold(ctx context.Context) (*schema.ReconcileHold, error) {
	return s.reconcileHold(ctx, "decision IS NULL")
}

// ConfirmedReconcileHold returns the confirmed hold that no run has used
// yet, or nil. The next run may take the active status from as many
// trainees as that hold counted, beyond the share that needs no hold.
func (s *Store) ConfirmedReconcileHold(ctx context.Context) (*schema.ReconcileHold, error) {
	return s.reconcileHold(ctx, "decision = 'confirmed' AND applied_run_id IS NULL")
}

func (s *Store) reconcileHold(ctx context.Context, where string) (*schema.ReconcileHold, error) {
	var hold schema.ReconcileHold
	err := s.db.NewSelect().Model(&hold).Where(where).Order("run_id DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read reconcile holds: %w", err)
	}
	return &hold, nil
}

// ConfirmReconcileHold records an operator's confirmation of the hold of
// run runID. The next reconcile run then applies what it reads, unless it
// takes the active status from more trainees than the held run would.
// It returns [ErrHoldNotFound] when that hold does not wait.
func (s *Store) ConfirmReconcileHold(ctx context.Context, runID int64) error {
	return s.decideReconcileHold(ctx, runID, schema.HoldConfirmed)
}

// DiscardReconcileHold records that an operator discarded the hold of run
// runID, so that later runs are held again by the same loss. It returns
// [ErrHoldNotFound] when that hold does not wait.
func (s *Store) DiscardReconcileHold(ctx context.Context, runID int64) error {
	return s.decideReconcileHold(ctx, runID, schema.HoldDiscarded)
}

func (s *Store) decideReconcileHold(ctx context.Context, runID int64, decision string) error {
	res, err := s.db.NewUpdate().Model((*schema.ReconcileHold)(nil)).
		Set("decision = ?", decision).
		Set("decided_at = ?", time.Now().UTC()).
		Where("run_id = ? AND decision IS NULL", runID).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("record decision %s on reconcile hold of run %d: %w", decision, runID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("decide reconcile hold of run %d: %w", runID, ErrHoldNotFound)
	}
	return nil
}
