package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"asta/schema"
)

// ConsoleCompany is a company as the operators' console lists it: its
// address for a letter and its activation state.
type ConsoleCompany struct {
	Ident                string
	Name1                string
	Name2                string
	Street               string
	Postcode             string
	Town                 string
	Status               string
	HasCode              bool       // an activation code is stored
	ActivationCodeUsedAt *time.Time // when the stored code was used
	Admins               int64      // own administrators with an account
}

// consoleCompanyColumns selects the columns of [ConsoleCompany] from
// companies AS c.
const consoleCompanyColumns = `c.ident, c.name1, coalesce(c.name2, '') AS name2,
	coalesce(c.street, '') AS street, coalesce(c.postcode, '') AS postcode, coalesce(c.town, '') AS town,
	c.status, c.activation_code_hash IS NOT NULL AS has_code, c.activation_code_used_at,
	(SELECT count(*) FROM grants AS g WHERE g.company_ident = c.ident AND g.role = 'admin'
		AND g.user_id IS NOT NULL) AS admins`

// SearchCompanies returns up to limit companies whose Identnummer starts
// with term or whose name contains it, ignoring case, ordered by name.
//
// NOTE: SQLite's lower() folds ASCII letters only, so there a name with
// an upper-case umlaut (Ö) matches only a term typed the same way.
func (s *Store) SearchCompanies(ctx context.Context, term string, limit int) ([]ConsoleCompany, error) {
	term = strings.TrimSpace(term)
	if term == "" {
		return nil, nil
	}
	escaped := likeEscaper.Replace(strings.ToLower(term))
	var out []ConsoleCompany
	err := s.q().NewSelect().TableExpr("companies AS c").ColumnExpr(consoleCompanyColumns).
		Where("c.ident LIKE ? ESCAPE '\\' OR lower(c.name1) LIKE ? ESCAPE '\\' OR lower(c.name2) LIKE ? ESCAPE '\\'",
			escaped+"%", "%"+escaped+"%", "%"+escaped+"%").
		Where("c.missing_since IS NULL").
		OrderExpr("c.name1, c.ident").Limit(int64(limit)).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("search companies for %q: %w", term, err)
	}
	return out, nil
}

// likeEscaper escapes the wildcards of a LIKE pattern, with \ as escape.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ConsoleCompany returns the company with the Identnummer, or
// [ErrNotFound].
func (s *Store) ConsoleCompany(ctx context.Context, ident string) (*ConsoleCompany, error) {
	var out []ConsoleCompany
	err := s.q().NewSelect().TableExpr("companies AS c").ColumnExpr(consoleCompanyColumns).
		Where("c.ident = ?", ident).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("read company %s: %w", ident, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read company %s: %w", ident, ErrNotFound)
	}
	return &out[0], nil
}

// CompaniesWithoutAdmin returns the active companies (status AKTIV, still
// in the exports) that have no own administrator with an account, ordered
// by postcode and name, as the letters are posted.
func (s *Store) CompaniesWithoutAdmin(ctx context.Context) ([]ConsoleCompany, error) {
	var out []ConsoleCompany
	err := s.q().NewSelect().TableExpr("companies AS c").ColumnExpr(consoleCompanyColumns).
		Where("c.status = 'AKTIV'").Where("c.missing_since IS NULL").
		Where(`NOT EXISTS (SELECT 1 FROM grants AS g WHERE g.company_ident = c.ident AND g.role = 'admin'
			AND g.user_id IS NOT NULL)`).
		OrderExpr("c.postcode, c.name1, c.ident").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("read companies without administrator: %w", err)
	}
	return out, nil
}

// IssueActivationCode makes codeHash the company's activation code: it
// replaces the stored hash, marks the code unused and remembers it in
// activation_codes, so that the code the company held before no longer
// activates it.
func (s *Store) IssueActivationCode(ctx context.Context, ident, codeHash string, at time.Time) error {
	res, err := s.q().NewUpdate().Model((*schema.Company)(nil)).
		Set("activation_code_hash = ?", codeHash).Set("activation_code_used_at = NULL").
		Set("updated_at = ?", at.UTC()).
		Where("ident = ?", ident).Exec(ctx)
	if err != nil {
		return fmt.Errorf("issue activation code of %s: %w", ident, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("issue activation code of %s: %w", ident, ErrNotFound)
	}
	_, err = s.q().NewRaw("INSERT INTO activation_codes (company_ident, code_hash, created_at) VALUES (?, ?, ?)",
		ident, codeHash, at.UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("remember activation code of %s: %w", ident, err)
	}
	return nil
}
