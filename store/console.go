package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
)

// Jobs that an operator can pause.
const (
	PauseMail   = "mail"
	PauseImport = "import"
)

// JobPause is an operator's pause of one job: while the row exists, the
// job skips its runs.
type JobPause struct {
	bun.BaseModel `bun:"table:job_pauses"`

	Job      string `bun:",pk"`
	Reason   string
	PausedBy *int64 `bun:",nullzero"`
	PausedAt time.Time
}

// ErrNotPending is returned for a held package or an outbox mail that is
// no longer in the state the operation requires.
var ErrNotPending = errors.New("not pending")

// ImportRun returns the import run with the id, or [ErrNotFound].
func (s *Store) ImportRun(ctx context.Context, id int64) (*schema.ImportRun, error) {
	r := new(schema.ImportRun)
	if err := s.q().NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("read import run %d", id))
	}
	return r, nil
}

// RejectedRecords returns the rejected records of the import run in file
// and line order.
func (s *Store) RejectedRecords(ctx context.Context, runID int64) ([]schema.RejectedRecord, error) {
	var recs []schema.RejectedRecord
	err := s.q().NewSelect().Model(&recs).Where("run_id = ?", runID).Order("file", "line", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read rejected records of import run %d: %w", runID, err)
	}
	return recs, nil
}

// HeldPackages returns the packages that wait for an operator's decision,
// the oldest export first.
func (s *Store) HeldPackages(ctx context.Context) ([]schema.PackageHold, error) {
	var holds []schema.PackageHold
	err := s.q().NewSelect().Model(&holds).Where("decision IS NULL").Order("exported_at").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read held packages: %w", err)
	}
	return holds, nil
}

// HeldPackageIDs returns the ids of the held packages that start with
// prefix, which must contain hex digits only.
func (s *Store) HeldPackageIDs(ctx context.Context, prefix string) ([]string, error) {
	if strings.Trim(prefix, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("find held package %q: the id prefix may contain lower case hex digits only", prefix)
	}
	var ids []string
	err := s.q().NewSelect().Model((*schema.PackageHold)(nil)).Column("package_id").
		Where("decision IS NULL AND package_id LIKE ?", prefix+"%").Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("find held package %q: %w", prefix, err)
	}
	return ids, nil
}

// DecideHold records decision ([schema.HoldConfirmed] or
// [schema.HoldDiscarded]) for the held package, which the next import run
// applies. It returns [ErrNotPending] when the package is not waiting for
// a decision.
func (s *Store) DecideHold(ctx context.Context, packageID, decision string, at time.Time) error {
	if decision != schema.HoldConfirmed && decision != schema.HoldDiscarded {
		return fmt.Errorf("decide held package %s: invalid decision %q", packageID, decision)
	}
	res, err := s.q().NewUpdate().Model((*schema.PackageHold)(nil)).
		Set("decision = ?", decision).Set("decided_at = ?", at.UTC()).
		Where("package_id = ? AND decision IS NULL", packageID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("decide held package %s: %w", packageID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("decide held package %s: %w", packageID, ErrNotPending)
	}
	return nil
}

// Pause pauses the job (PauseMail or PauseImport) with the reason, or
// updates the reason of a pause in place.
func (s *Store) Pause(ctx context.Context, p *JobPause) error {
	p.PausedAt = p.PausedAt.UTC()
	_, err := s.q().NewInsert().Model(p).
		On("CONFLICT (job) DO UPDATE").
		Set("reason = EXCLUDED.reason").Set("paused_by = EXCLUDED.paused_by").Set("paused_at = EXCLUDED.paused_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("pause job %s: %w", p.Job, err)
	}
	return nil
}

// Resume ends the pause of the job; resuming a running job does nothing.
func (s *Store) Resume(ctx context.Context, job string) error {
	if _, err := s.q().NewDelete().Model((*JobPause)(nil)).Where("job = ?", job).Exec(ctx); err != nil {
		return fmt.Errorf("resume job %s: %w", job, err)
	}
	return nil
}

// Pauses returns the paused jobs by name.
func (s *Store) Pauses(ctx context.Context) (map[string]JobPause, error) {
	var ps []JobPause
	if err := s.q().NewSelect().Model(&ps).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read job pauses: %w", err)
	}
	out := make(map[string]JobPause, len(ps))
	for _, p := range ps {
		out[p.Job] = p
	}
	return out, nil
}

// Paused returns the pause of the job, or nil when it runs.
func (s *Store) Paused(ctx context.Context, job string) (*JobPause, error) {
	p := new(JobPause)
	err := s.q().NewSelect().Model(p).Where("job = ?", job).Scan(ctx)
	if err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("read pause of job %s: %w", job, err)
	}
	return p, nil
}
