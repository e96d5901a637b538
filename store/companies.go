package store

import (
	"context"
	"fmt"
	"time"

	"asta/schema"
)

// maxHeadDepth bounds the walk up the head-company links, which the
// chamber's data could make circular.
const maxHeadDepth = 16

// Company returns the company with the Identnummer, or [ErrNotFound].
func (s *Store) Company(ctx context.Context, ident string) (*schema.Company, error) {
	c := new(schema.Company)
	if err := s.q().NewSelect().Model(c).Where("ident = ?", ident).Scan(ctx); err != nil {
		return nil, notFound(err, "read company "+ident)
	}
	return c, nil
}

// HeadIdents returns the Identnummern above the company, nearest first.
func (s *Store) HeadIdents(ctx context.Context, ident string) ([]string, error) {
	var heads []string
	seen := map[string]bool{ident: true}
	for range maxHeadDepth {
		var head []string
		err := s.q().NewSelect().Model((*schema.Company)(nil)).Column("head_ident").
			Where("ident = ?", ident).Where("head_ident IS NOT NULL").Scan(ctx, &head)
		if err != nil {
			return nil, fmt.Errorf("read head company of %s: %w", ident, err)
		}
		if len(head) == 0 || seen[head[0]] {
			break
		}
		ident = head[0]
		seen[ident] = true
		heads = append(heads, ident)
	}
	return heads, nil
}

// CompanySummary counts what the start page of a company shows.
type CompanySummary struct {
	Trainees      int // with a running contract (EINGETRAGEN)
	Trainers      int // AKTIV
	OpenExams     int // exam registrations OFFEN
	NextDeadline  schema.Date
	LastImportAt  *time.Time // when the newest applied import finished
	ImportRunning *schema.ImportRun
}

// Summary returns the counts of the company's start page: for an Ausbilder
// (trainer set) only their own trainees and registrations. Open
// registrations count while their deadline is today or later and the
// company has not confirmed them.
func (s *Store) Summary(ctx context.Context, ident, trainer string, today schema.Date) (CompanySummary, error) {
	var sum CompanySummary
	own, args := "", []any{ident}
	if trainer != "" {
		own, args = " AND trainer_number = ?", append(args, trainer)
	}
	trainers := `(SELECT count(*) FROM trainers WHERE company_ident = ? AND status = 'AKTIV'
		AND missing_since IS NULL)`
	if trainer != "" {
		trainers = "1"
	} else {
		args = append(args, ident)
	}
	err := s.q().NewRaw(`SELECT (SELECT count(*) FROM contracts WHERE company_ident = ? AND status = 'EINGETRAGEN'
			AND missing_since IS NULL`+own+`), `+trainers, args...).Scan(ctx, &sum.Trainees, &sum.Trainers)
	if err != nil {
		return sum, fmt.Errorf("count records of %s: %w", ident, err)
	}

	var deadlines []struct{ Deadline schema.Date }
	args = []any{ident, schema.ExamOpen, today}
	q := `SELECT r.deadline FROM exam_registrations r
		JOIN contracts c ON c.number = r.contract_number
		WHERE c.company_ident = ? AND r.status = ? AND r.missing_since IS NULL AND r.deadline >= ?
		AND NOT EXISTS (SELECT 1 FROM exam_confirmations ec WHERE ec.registration_number = r.number)`
	if trainer != "" {
		q, args = q+" AND c.trainer_number = ?", append(args, trainer)
	}
	err = s.q().NewRaw(q+" ORDER BY r.deadline", args...).Scan(ctx, &deadlines)
	if err != nil {
		return sum, fmt.Errorf("count exam registrations of %s: %w", ident, err)
	}
	sum.OpenExams = len(deadlines)
	if len(deadlines) > 0 {
		sum.NextDeadline = deadlines[0].Deadline
	}

	if sum.LastImportAt, err = s.lastApplied(ctx); err != nil {
		return sum, err
	}
	sum.ImportRunning, err = s.RunningImport(ctx)
	return sum, err
}

func (s *Store) lastApplied(ctx context.Context) (*time.Time, error) {
	var runs []schema.ImportRun
	err := s.q().NewSelect().Model(&runs).Where("outcome = ?", schema.OutcomeApplied).
		Order("finished_at DESC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read last import: %w", err)
	}
	if len(runs) == 0 {
		return nil, nil
	}
	return runs[0].FinishedAt, nil
}

// RunningImport returns the import run in progress, or nil. A run that
// started more than a day ago without finishing belongs to a process that
// died and counts as none.
func (s *Store) RunningImport(ctx context.Context) (*schema.ImportRun, error) {
	var runs []schema.ImportRun
	err := s.q().NewSelect().Model(&runs).Where("outcome = ?", schema.OutcomeRunning).
		Where("started_at > ?", time.Now().Add(-24*time.Hour).UTC()).
		Order("started_at DESC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read running import: %w", err)
	}
	if len(runs) == 0 {
		return nil, nil
	}
	return &runs[0], nil
}

// RecentImportRuns returns the newest import runs, up to limit.
func (s *Store) RecentImportRuns(ctx context.Context, limit int) ([]schema.ImportRun, error) {
	var runs []schema.ImportRun
	err := s.q().NewSelect().Model(&runs).Order("started_at DESC", "id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read import runs: %w", err)
	}
	return runs, nil
}
