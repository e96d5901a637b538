package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"asta/schema"
)

// TrainerRow is a trainer of a company with the trainees of their running
// contracts there.
type TrainerRow struct {
	schema.Trainer
	Trainees []TraineeRef
}

// TraineeRef names a trainee under one contract.
type TraineeRef struct {
	TrainerNumber  string
	ContractNumber string
	TraineeNumber  string
	FirstName      string
	LastName       string
	Occupation     string
}

// Trainers returns the company's trainers (only the one numbered only, if
// set) in German name order, each with their trainees.
func (s *Store) Trainers(ctx context.Context, company, only string) ([]TrainerRow, error) {
	var trainers []schema.Trainer
	q := s.q().NewSelect().Model(&trainers).
		Join("LEFT JOIN sort_keys AS sk ON sk.kind = 'trainer' AND sk.number = trainer.number").
		Where("trainer.company_ident = ?", company).Where("trainer.missing_since IS NULL").
		OrderExpr("trainer.status, COALESCE(sk.sort_key, trainer.last_name), trainer.number")
	if only != "" {
		q = q.Where("trainer.number = ?", only)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("read trainers of %s: %w", company, err)
	}

	var refs []TraineeRef
	err := s.q().NewRaw(`SELECT c.trainer_number, c.number AS contract_number, c.trainee_number, t.first_name,
			t.last_name, COALESCE(o.name, c.occupation_number) AS occupation
		FROM contracts c JOIN trainees t ON t.number = c.trainee_number
		LEFT JOIN occupations o ON o.number = c.occupation_number
		LEFT JOIN sort_keys sk ON sk.kind = 'trainee' AND sk.number = c.trainee_number
		WHERE c.company_ident = ? AND c.status = 'EINGETRAGEN' AND c.missing_since IS NULL
			AND c.trainer_number IS NOT NULL
		ORDER BY COALESCE(sk.sort_key, t.last_name), c.number`, company).Scan(ctx, &refs)
	if err != nil {
		return nil, fmt.Errorf("read trainees of the trainers of %s: %w", company, err)
	}
	byTrainer := map[string][]TraineeRef{}
	for _, r := range refs {
		byTrainer[r.TrainerNumber] = append(byTrainer[r.TrainerNumber], r)
	}
	rows := make([]TrainerRow, len(trainers))
	for i, t := range trainers {
		rows[i] = TrainerRow{Trainer: t, Trainees: byTrainer[t.Number]}
	}
	return rows, nil
}

// ExamRow is an exam registration of a company's trainee.
type ExamRow struct {
	Number         string
	ContractNumber string
	TraineeNumber  string
	FirstName      string
	LastName       string
	Occupation     string
	ExamType       string
	Period         string
	Deadline       schema.Date
	Status         string
	// ConfirmedBy and ConfirmedAt name the company's confirmation, if any.
	ConfirmedBy string     `bun:",nullzero"`
	ConfirmedAt *time.Time `bun:",nullzero"`
}

// WaitsForChamber reports whether the company confirmed the registration
// and no import has brought the chamber's decision yet.
func (r *ExamRow) WaitsForChamber() bool {
	return r.ConfirmedAt != nil && r.Status == schema.ExamOpen
}

// ExamRegistrations returns the registrations under the company's
// contracts (only those of the trainer's contracts, if trainer is set),
// the open ones that the company has not confirmed first, nearest
// deadline first.
func (s *Store) ExamRegistrations(ctx context.Context, company, trainer string) ([]ExamRow, error) {
	q := `SELECT r.number, r.contract_number, c.trainee_number, t.first_name, t.last_name,
			COALESCE(o.name, c.occupation_number) AS occupation, r.exam_type, r.period, r.deadline, r.status,
			ec.confirmed_by, ec.confirmed_at
		FROM exam_registrations r
		JOIN contracts c ON c.number = r.contract_number
		JOIN trainees t ON t.number = c.trainee_number
		LEFT JOIN occupations o ON o.number = c.occupation_number
		LEFT JOIN exam_confirmations ec ON ec.registration_number = r.number
		WHERE c.company_ident = ? AND r.missing_since IS NULL`
	args := []any{company}
	if trainer != "" {
		q += " AND c.trainer_number = ?"
		args = append(args, trainer)
	}
	q += " ORDER BY CASE WHEN r.status = 'OFFEN' AND ec.registration_number IS NULL THEN 0 ELSE 1 END, " +
		"r.deadline, r.number"
	var rows []ExamRow
	if err := s.q().NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read exam registrations of %s: %w", company, err)
	}
	return rows, nil
}

// CompanyRole is a company that a user may administer, with the role.
type CompanyRole struct {
	Ident     string
	Name1     string
	Name2     string
	Status    string
	Role      string
	Inherited bool
}

// UserCompanies returns the companies where the user has a role of their
// own, and the sites below the companies they administer, ordered by
// Identnummer. A company with an own and an inherited role lists the own.
func (s *Store) UserCompanies(ctx context.Context, userID int64) ([]CompanyRole, error) {
	var rows []CompanyRole
	err := s.q().NewRaw(`WITH RECURSIVE tree(ident, role, inherited, depth) AS (
			SELECT company_ident, role, false, 0 FROM grants WHERE user_id = ?
			UNION
			SELECT c.ident, 'admin', true, t.depth + 1 FROM companies c JOIN tree t ON c.head_ident = t.ident
			WHERE t.role = 'admin' AND t.depth < ?
		)
		SELECT c.ident, c.name1, COALESCE(c.name2, '') AS name2, c.status, t.role, t.inherited
		FROM tree t JOIN companies c ON c.ident = t.ident
		ORDER BY c.ident, t.inherited`, userID, maxHeadDepth).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read companies of user %d: %w", userID, err)
	}
	out := rows[:0]
	for _, r := range rows {
		if len(out) > 0 && out[len(out)-1].Ident == r.Ident {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// GrantRow is a grant with the name and address of its user, or the
// address of the invitation that waits.
type GrantRow struct {
	ID            int64
	UserID        *int64
	Name          string
	Email         string
	Role          string
	TrainerNumber string
	TrainerName   string
	Pending       bool
}

// CompanyGrants returns the grants of the company, administrators first.
func (s *Store) CompanyGrants(ctx context.Context, company string) ([]GrantRow, error) {
	var rows []GrantRow
	err := s.q().NewRaw(`SELECT g.id, g.user_id, COALESCE(u.name, '') AS name,
			COALESCE(u.email, g.invite_email_key) AS email, g.role, COALESCE(g.trainer_number, '') AS trainer_number,
			COALESCE(tr.last_name || ', ' || tr.first_name, '') AS trainer_name, g.user_id IS NULL AS pending
		FROM grants g LEFT JOIN users u ON u.id = g.user_id
		LEFT JOIN trainers tr ON tr.number = g.trainer_number
		WHERE g.company_ident = ?
		ORDER BY CASE g.role WHEN 'admin' THEN 0 WHEN 'verwalter' THEN 1 ELSE 2 END, email`, company).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read grants of %s: %w", company, err)
	}
	return rows, nil
}

// Grant returns the grant with id in the company, or [ErrNotFound].
func (s *Store) Grant(ctx context.Context, company string, id int64) (*schema.Grant, error) {
	g := new(schema.Grant)
	err := s.q().NewSelect().Model(g).Where("id = ?", id).Where("company_ident = ?", company).Scan(ctx)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("read grant %d", id))
	}
	return g, nil
}

// AddGrant inserts g. It returns [ErrGrantExists] when the user or the
// invited address has a role in the company already.
func (s *Store) AddGrant(ctx context.Context, g *schema.Grant) error {
	q := s.q().NewSelect().Model((*schema.Grant)(nil)).Where("company_ident = ?", g.CompanyIdent)
	if g.UserID != nil {
		q = q.Where("user_id = ?", *g.UserID)
	} else {
		q = q.Where("invite_email_key = ?", g.InviteEmailKey)
	}
	exists, err := q.Exists(ctx)
	if err != nil {
		return fmt.Errorf("check grants of %s: %w", g.CompanyIdent, err)
	}
	if exists {
		return ErrGrantExists
	}
	if _, err := s.q().NewInsert().Model(g).Exec(ctx); err != nil {
		return fmt.Errorf("add grant in %s: %w", g.CompanyIdent, err)
	}
	return nil
}

// ErrGrantExists is returned by [Store.AddGrant] for a second role of one
// person in one company.
var ErrGrantExists = errors.New("user already has a role in the company")

// UpdateGrant writes the role and trainer of g.
func (s *Store) UpdateGrant(ctx context.Context, g *schema.Grant) error {
	g.UpdatedAt = time.Now().UTC()
	_, err := s.q().NewUpdate().Model(g).Column("role", "trainer_number", "updated_at").WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("update grant %d: %w", g.ID, err)
	}
	return nil
}

// DeleteGrant deletes the grant with id.
func (s *Store) DeleteGrant(ctx context.Context, id int64) error {
	if _, err := s.q().NewDelete().Model((*schema.Grant)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("delete grant %d: %w", id, err)
	}
	return nil
}

// OwnAdmins counts the company's own administrators with an account.
func (s *Store) OwnAdmins(ctx context.Context, company string) (int64, error) {
	n, err := s.q().NewSelect().Model((*schema.Grant)(nil)).Where("company_ident = ?", company).
		Where("role = ?", schema.RoleAdmin).Where("user_id IS NOT NULL").Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count administrators of %s: %w", company, err)
	}
	return n, nil
}

// Trainer returns the trainer with the number, or [ErrNotFound].
func (s *Store) Trainer(ctx context.Context, number string) (*schema.Trainer, error) {
	t := new(schema.Trainer)
	if err := s.q().NewSelect().Model(t).Where("number = ?", number).Scan(ctx); err != nil {
		return nil, notFound(err, "read trainer "+number)
	}
	return t, nil
}

// KnownAddresses returns the e-mail addresses known for the company: its
// own from the chamber, those of its active trainers and of its users.
func (s *Store) KnownAddresses(ctx context.Context, company string) ([]string, error) {
	var addrs []string
	err := s.q().NewRaw(`SELECT email FROM companies WHERE ident = ? AND email IS NOT NULL
		UNION SELECT email FROM trainers WHERE company_ident = ? AND status = 'AKTIV' AND email IS NOT NULL
			AND missing_since IS NULL
		UNION SELECT u.email FROM grants g JOIN users u ON u.id = g.user_id WHERE g.company_ident = ?
		ORDER BY 1`, company, company, company).Scan(ctx, &addrs)
	if err != nil {
		return nil, fmt.Errorf("read addresses of %s: %w", company, err)
	}
	return addrs, nil
}

// UpdateCompanySettings writes the company's online exam registration
// switch and notification address.
func (s *Store) UpdateCompanySettings(ctx context.Context, company string, online bool, email string) error {
	var addr any
	if email != "" {
		addr = email
	}
	_, err := s.q().NewUpdate().Model((*schema.Company)(nil)).
		Set("online_registration = ?", online).Set("notification_email = ?", addr).
		Where("ident = ?", company).Exec(ctx)
	if err != nil {
		return fmt.Errorf("update settings of %s: %w", company, err)
	}
	return nil
}
