package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
)

// Outcomes of [Store.Activate] besides success.
var (
	ErrActivationWrong     = errors.New("identnummer and activation code do not match")
	ErrActivationLocked    = errors.New("too many wrong activation codes")
	ErrAlreadyActivated    = errors.New("company already activated")
	ErrAlreadyAdministered = errors.New("user already has a role in the company")
)

// Activation is a try to activate a company with its code.
type Activation struct {
	UserID       int64
	CompanyIdent string
	CodeHash     string // hex SHA-256 of the normalised code
	ClientIP     string
	Now          time.Time
	Window       time.Duration // lock-out window
	MaxFailures  int           // wrong tries allowed per window, per user and per company
}

// Activate makes the user Administrator of the company if the code is the
// company's current, unused code, and uses the code up. A wrong pair
// returns [ErrActivationWrong]; once MaxFailures wrong tries of the user or
// at the company fall in the window, [ErrActivationLocked] until retryAt.
// A right code of a company that has an administrator or whose code is used
// returns [ErrAlreadyActivated]. Every try is audited.
func (s *Store) Activate(ctx context.Context, a Activation) (retryAt time.Time, err error) {
	var outcome error
	err = s.InTx(ctx, func(tx *Store) error {
		retryAt, outcome = tx.activate(ctx, a)
		if outcome != nil && !isActivationOutcome(outcome) {
			return outcome
		}
		if err := tx.auditActivation(ctx, a, outcome); err != nil {
			return err
		}
		if errors.Is(outcome, ErrActivationWrong) {
			return tx.recordActivationFailure(ctx, a)
		}
		return nil
	})
	if err != nil {
		return retryAt, err
	}
	return retryAt, outcome
}

func isActivationOutcome(err error) bool {
	return errors.Is(err, ErrActivationWrong) || errors.Is(err, ErrActivationLocked) ||
		errors.Is(err, ErrAlreadyActivated) || errors.Is(err, ErrAlreadyAdministered)
}

func (s *Store) activate(ctx context.Context, a Activation) (time.Time, error) {
	if retryAt, locked, err := s.activationLocked(ctx, a); err != nil || locked {
		if err == nil {
			err = ErrActivationLocked
		}
		return retryAt, err
	}

	c := new(schema.Company)
	err := s.q().NewSelect().Model(c).Where("ident = ?", a.CompanyIdent).Scan(ctx)
	if err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			return time.Time{}, ErrActivationWrong
		}
		return time.Time{}, fmt.Errorf("read company %s: %w", a.CompanyIdent, err)
	}
	known, err := s.q().NewSelect().Table("activation_codes").
		Where("company_ident = ?", a.CompanyIdent).Where("code_hash = ?", a.CodeHash).Exists(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("read activation codes of %s: %w", a.CompanyIdent, err)
	}
	if !known || c.Status != "AKTIV" {
		return time.Time{}, ErrActivationWrong
	}
	return time.Time{}, s.grantFirstAdmin(ctx, a, c)
}

// grantFirstAdmin makes the user Administrator of c, whose code matched a
// code it was ever given.
func (s *Store) grantFirstAdmin(ctx context.Context, a Activation, c *schema.Company) error {
	role, err := s.Role(ctx, a.UserID, c.Ident)
	if err != nil {
		return err
	}
	if role != "" {
		return ErrAlreadyAdministered
	}
	admins, err := s.q().NewSelect().Model((*schema.Grant)(nil)).
		Where("company_ident = ?", c.Ident).Where("role = ?", schema.RoleAdmin).Where("user_id IS NOT NULL").
		Count(ctx)
	if err != nil {
		return fmt.Errorf("count administrators of %s: %w", c.Ident, err)
	}
	if admins > 0 || c.ActivationCodeUsedAt != nil || c.ActivationCodeHash != a.CodeHash {
		return ErrAlreadyActivated
	}

	res, err := s.q().NewUpdate().Model((*schema.Company)(nil)).
		Set("activation_code_used_at = ?", a.Now.UTC()).
		Where("ident = ?", c.Ident).Where("activation_code_used_at IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("use activation code of %s: %w", c.Ident, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return ErrAlreadyActivated
	}
	uid := a.UserID
	g := &schema.Grant{
		CompanyIdent: c.Ident, UserID: &uid, Role: schema.RoleAdmin, CreatedBy: &uid,
		CreatedAt: a.Now.UTC(), UpdatedAt: a.Now.UTC(),
	}
	if _, err := s.q().NewInsert().Model(g).Exec(ctx); err != nil {
		return fmt.Errorf("grant administrator of %s to user %d: %w", c.Ident, a.UserID, err)
	}
	return nil
}

// activationLocked reports whether the user or the company has used up
// its wrong tries, and until when.
func (s *Store) activationLocked(ctx context.Context, a Activation) (time.Time, bool, error) {
	since := a.Now.Add(-a.Window).UTC()
	var retryAt time.Time
	for _, by := range []struct {
		col string
		val any
	}{{"user_id", a.UserID}, {"company_ident", a.CompanyIdent}} {
		var fails []schema.ActivationFailure
		err := s.q().NewSelect().Model(&fails).
			Where("? = ?", bun.Ident(by.col), by.val).Where("at > ?", since).
			Order("at DESC").Limit(int64(a.MaxFailures)).Scan(ctx)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("count wrong activation codes: %w", err)
		}
		if len(fails) >= a.MaxFailures {
			if until := fails[len(fails)-1].At.Add(a.Window); until.After(retryAt) {
				retryAt = until
			}
		}
	}
	return retryAt, !retryAt.IsZero(), nil
}

func (s *Store) recordActivationFailure(ctx context.Context, a Activation) error {
	f := &schema.ActivationFailure{UserID: a.UserID, CompanyIdent: a.CompanyIdent, At: a.Now.UTC()}
	if _, err := s.q().NewInsert().Model(f).Exec(ctx); err != nil {
		return fmt.Errorf("record wrong activation code: %w", err)
	}
	return nil
}

func (s *Store) auditActivation(ctx context.Context, a Activation, outcome error) error {
	action := "activation.succeeded"
	switch {
	case errors.Is(outcome, ErrActivationWrong):
		action = "activation.wrong_code"
	case errors.Is(outcome, ErrActivationLocked):
		action = "activation.locked"
	case errors.Is(outcome, ErrAlreadyActivated):
		action = "activation.already_activated"
	case errors.Is(outcome, ErrAlreadyAdministered):
		action = "activation.already_granted"
	}
	uid := a.UserID
	return s.AddAudit(ctx, &schema.AuditEntry{
		At: a.Now.UTC(), ActorID: &uid, Action: action, CompanyIdent: a.CompanyIdent, ClientIP: a.ClientIP,
	})
}

// Role returns the user's own role in the company, or "" for none.
func (s *Store) Role(ctx context.Context, userID int64, company string) (string, error) {
	var roles []string
	err := s.q().NewSelect().Model((*schema.Grant)(nil)).Column("role").
		Where("user_id = ?", userID).Where("company_ident = ?", company).Scan(ctx, &roles)
	if err != nil {
		return "", fmt.Errorf("read role of user %d in %s: %w", userID, company, err)
	}
	if len(roles) == 0 {
		return "", nil
	}
	return roles[0], nil
}

// UserGrants returns the user's own grants, ordered by company.
func (s *Store) UserGrants(ctx context.Context, userID int64) ([]schema.Grant, error) {
	var gs []schema.Grant
	err := s.q().NewSelect().Model(&gs).Where("user_id = ?", userID).Order("company_ident").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read grants of user %d: %w", userID, err)
	}
	return gs, nil
}

// IsLastAdmin reports whether the user is the only own Administrator of a
// company, and names the first such company.
func (s *Store) IsLastAdmin(ctx context.Context, userID int64) (string, bool, error) {
	var companies []string
	err := s.q().NewRaw(`SELECT g.company_ident FROM grants g
		WHERE g.user_id = ? AND g.role = ?
		AND NOT EXISTS (SELECT 1 FROM grants o WHERE o.company_ident = g.company_ident
			AND o.role = ? AND o.user_id IS NOT NULL AND o.user_id <> g.user_id)
		ORDER BY g.company_ident`, userID, schema.RoleAdmin, schema.RoleAdmin).Scan(ctx, &companies)
	if err != nil {
		return "", false, fmt.Errorf("check last administrator %d: %w", userID, err)
	}
	if len(companies) == 0 {
		return "", false, nil
	}
	return companies[0], true, nil
}

// ClaimInvitations gives the user the grants that wait for the address key.
func (s *Store) ClaimInvitations(ctx context.Context, userID int64, emailKey string) (int64, error) {
	res, err := s.q().NewUpdate().Model((*schema.Grant)(nil)).
		Set("user_id = ?", userID).Set("invite_email_key = NULL").Set("updated_at = ?", time.Now().UTC()).
		Where("invite_email_key = ?", emailKey).Where("user_id IS NULL").
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("claim invitations of user %d: %w", userID, err)
	}
	return res.RowsAffected()
}

// UserGrant returns the user's own grant in the company, or nil.
func (s *Store) UserGrant(ctx context.Context, userID int64, company string) (*schema.Grant, error) {
	var gs []schema.Grant
	err := s.q().NewSelect().Model(&gs).Where("user_id = ?", userID).Where("company_ident = ?", company).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read grant of user %d in %s: %w", userID, company, err)
	}
	if len(gs) == 0 {
		return nil, nil
	}
	return &gs[0], nil
}
