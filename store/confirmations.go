package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"asta/schema"
)

// ErrAlreadyConfirmed is returned by [Store.ConfirmExam] for a registration
// that has a confirmation.
var ErrAlreadyConfirmed = errors.New("exam registration already confirmed")

// ExamDetail is an exam registration with its trainee, contract and the
// company's confirmation, if any.
type ExamDetail struct {
	ExamRow
	CompanyIdent  string
	TrainerNumber string
	AccountStatus string
	Confirmation  *schema.ExamConfirmation
}

// ExamDetail returns the registration with the number if it belongs to a
// contract of the company, or [ErrNotFound].
func (s *Store) ExamDetail(ctx context.Context, company, number string) (*ExamDetail, error) {
	var rows []ExamDetail
	err := s.q().NewRaw(`SELECT r.number, r.contract_number, c.trainee_number, t.first_name, t.last_name,
			COALESCE(o.name, c.occupation_number) AS occupation, r.exam_type, r.period, r.deadline, r.status,
			c.company_ident, COALESCE(c.trainer_number, '') AS trainer_number,
			COALESCE(a.status, '') AS account_status
		FROM exam_registrations r
		JOIN contracts c ON c.number = r.contract_number
		JOIN trainees t ON t.number = c.trainee_number
		LEFT JOIN occupations o ON o.number = c.occupation_number
		LEFT JOIN trainee_accounts a ON a.trainee_number = c.trainee_number
		WHERE r.number = ? AND c.company_ident = ? AND r.missing_since IS NULL`, number, company).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read exam registration %s: %w", number, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("read exam registration %s: %w", number, ErrNotFound)
	}
	d := &rows[0]
	var cs []schema.ExamConfirmation
	if err := s.q().NewSelect().Model(&cs).Where("registration_number = ?", number).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read confirmation of %s: %w", number, err)
	}
	if len(cs) > 0 {
		d.Confirmation = &cs[0]
	}
	return d, nil
}

// ConfirmExam records the company's confirmation, or returns
// [ErrAlreadyConfirmed] when the registration has one.
func (s *Store) ConfirmExam(ctx context.Context, c *schema.ExamConfirmation) error {
	res, err := s.q().NewInsert().Model(c).On("CONFLICT (registration_number) DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("confirm exam registration %s: %w", c.RegistrationNumber, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return ErrAlreadyConfirmed
	}
	return nil
}

// AssignReturnFile assigns every confirmation that no return file holds yet
// to the file, and returns how many. Of two runs at once, each
// confirmation goes to one.
func (s *Store) AssignReturnFile(ctx context.Context, file string) (int64, error) {
	res, err := s.q().NewUpdate().Model((*schema.ExamConfirmation)(nil)).
		Set("return_file = ?", file).Where("return_file IS NULL").Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("assign confirmations to %s: %w", file, err)
	}
	return res.RowsAffected()
}

// PendingReturnFiles returns the files that confirmations were assigned to
// but that are not yet known to be complete, oldest first.
func (s *Store) PendingReturnFiles(ctx context.Context) ([]string, error) {
	var files []string
	err := s.q().NewRaw(`SELECT DISTINCT return_file FROM exam_confirmations
		WHERE return_file IS NOT NULL AND reported_at IS NULL ORDER BY return_file`).Scan(ctx, &files)
	if err != nil {
		return nil, fmt.Errorf("read pending return files: %w", err)
	}
	return files, nil
}

// ReturnFileConfirmations returns the confirmations assigned to the file,
// in registration order.
func (s *Store) ReturnFileConfirmations(ctx context.Context, file string) ([]schema.ExamConfirmation, error) {
	var cs []schema.ExamConfirmation
	err := s.q().NewSelect().Model(&cs).Where("return_file = ?", file).Order("registration_number").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read confirmations of %s: %w", file, err)
	}
	return cs, nil
}

// ReturnFileUsed reports whether confirmations were assigned to the file.
func (s *Store) ReturnFileUsed(ctx context.Context, file string) (bool, error) {
	ok, err := s.q().NewSelect().Model((*schema.ExamConfirmation)(nil)).Where("return_file = ?", file).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("check return file %s: %w", file, err)
	}
	return ok, nil
}

// MarkReported records that the file is complete in the return folder.
func (s *Store) MarkReported(ctx context.Context, file string, at time.Time) error {
	_, err := s.q().NewUpdate().Model((*schema.ExamConfirmation)(nil)).
		Set("reported_at = ?", at.UTC()).Where("return_file = ?", file).Where("reported_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark %s reported: %w", file, err)
	}
	return nil
}

// UnreportedConfirmations counts the confirmations not yet reported and
// returns when the oldest of them was made (zero for none).
func (s *Store) UnreportedConfirmations(ctx context.Context) (int64, time.Time, error) {
	var cs []schema.ExamConfirmation
	err := s.q().NewSelect().Model(&cs).Where("reported_at IS NULL").Order("confirmed_at").Limit(1).Scan(ctx)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("read unreported confirmations: %w", err)
	}
	if len(cs) == 0 {
		return 0, time.Time{}, nil
	}
	n, err := s.q().NewSelect().Model((*schema.ExamConfirmation)(nil)).Where("reported_at IS NULL").Count(ctx)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count unreported confirmations: %w", err)
	}
	return int64(n), cs[0].ConfirmedAt, nil
}
