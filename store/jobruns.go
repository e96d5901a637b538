package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"asta/schema"
)

// JobRunRunning is the outcome of a job run that is claimed but not yet
// finished. A row keeps it if its instance stopped before the run ended.
const JobRunRunning = "running"

// ClaimJobRun inserts the run of job scheduled at scheduledAt with outcome
// [JobRunRunning] and returns its id. ok is false, with no error, when a
// run of job at that time exists. Of several instances claiming one tick,
// only the one whose insert succeeds runs the job. scheduledAt is stored
// in UTC, so instances in different time zones match on the same instant.
func (s *Store) ClaimJobRun(ctx context.Context, job string, scheduledAt time.Time) (id int64, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `INSERT INTO job_runs (job, scheduled_at, started_at, outcome)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (job, scheduled_at) DO NOTHING
		RETURNING id`,
		job, scheduledAt.UTC(), time.Now().UTC(), JobRunRunning).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("claim run of job %q at %s: %w", job, scheduledAt.UTC().Format(time.RFC3339), err)
	}
	return id, true, nil
}

// FinishJobRun records the end of run id: the current time, the outcome
// and, unless errText is empty, the error text.
func (s *Store) FinishJobRun(ctx context.Context, id int64, outcome, errText string) error {
	var errValue any
	if errText != "" {
		errValue = errText
	}
	res, err := s.db.NewUpdate().Model((*schema.JobRun)(nil)).
		Set("finished_at = ?", time.Now().UTC()).
		Set("outcome = ?", outcome).
		Set("error = ?", errValue).
		Where("id = ?", id).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("finish job run %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("finish job run %d: run not found", id)
	}
	return nil
}

// LastJobRun returns the latest scheduled time, in UTC, among the recorded
// runs of job, whatever their outcome. ok is false when job has no run.
func (s *Store) LastJobRun(ctx context.Context, job string) (scheduledAt time.Time, ok bool, err error) {
	var run schema.JobRun
	err = s.db.NewSelect().Model(&run).
		Column("scheduled_at").
		Where("job = ?", job).
		Order("scheduled_at DESC").
		Limit(1).
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read last run of job %q: %w", job, err)
	}
	return run.ScheduledAt.UTC(), true, nil
}

// LastJobSuccess returns when the latest run of job with outcome ok
// finished, or ok false if there is none.
func (s *Store) LastJobSuccess(ctx context.Context, job string) (finishedAt time.Time, ok bool, err error) {
	var run schema.JobRun
	err = s.db.NewSelect().Model(&run).Where("job = ? AND outcome = 'ok' AND finished_at IS NOT NULL", job).
		Order("finished_at DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil || run.FinishedAt == nil {
		return time.Time{}, false, err
	}
	return *run.FinishedAt, true, nil
}
