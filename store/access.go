package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"asta/schema"
)

// CompanyGrant is a company with a user's own grant in it, as one query
// reads them for every company page.
type CompanyGrant struct {
	Company *schema.Company
	// Grant is the user's own grant in the company, or nil.
	Grant *schema.Grant
	// Trainer is the trainer record of an Ausbilder grant, or nil when
	// there is none or the record does not exist.
	Trainer *schema.Trainer
}

// companyGrantRow is the row of [Store.CompanyGrant]: the company's columns
// and the grant's and trainer's with prefixes.
type companyGrantRow struct {
	schema.Company

	GrantID            *int64
	GrantRole          *string
	GrantTrainerNumber *string
	TrainerCompany     *string
	TrainerStatus      *string
	TrainerMissing     schema.Date `bun:",nullzero"`
	TrainerFound       bool
}

// CompanyGrant returns the company with the Identnummer, the user's own
// grant in it and the trainer record that an Ausbilder grant names, or
// [ErrNotFound] when the company does not exist.
func (s *Store) CompanyGrant(ctx context.Context, userID int64, ident string) (*CompanyGrant, error) {
	var rows []companyGrantRow
	err := s.q().NewRaw(`SELECT `+s.columns((*schema.Company)(nil), "co")+`, g.id AS grant_id, g.role AS grant_role,
			g.trainer_number AS grant_trainer_number,
			tr.company_ident AS trainer_company, tr.status AS trainer_status,
			tr.missing_since AS trainer_missing, tr.number IS NOT NULL AS trainer_found
		FROM companies co
		LEFT JOIN grants g ON g.company_ident = co.ident AND g.user_id = ?
		LEFT JOIN trainers tr ON tr.number = g.trainer_number
		WHERE co.ident = ?`, userID, ident).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read company %s with the grant of user %d: %w", ident, userID, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("read company %s: %w", ident, ErrNotFound)
	}

	r := rows[0]
	out := &CompanyGrant{Company: &r.Company}
	if r.GrantID == nil {
		return out, nil
	}
	uid := userID
	out.Grant = &schema.Grant{ID: *r.GrantID, CompanyIdent: ident, UserID: &uid, Role: *r.GrantRole}
	if r.GrantTrainerNumber != nil {
		out.Grant.TrainerNumber = *r.GrantTrainerNumber
	}
	if r.TrainerFound {
		out.Trainer = &schema.Trainer{Number: out.Grant.TrainerNumber, CompanyIdent: *r.TrainerCompany,
			Status: *r.TrainerStatus, MissingSince: r.TrainerMissing}
	}
	return out, nil
}

// columns returns the model's columns, each with the table alias, for a
// query that joins the model's table with others. Unlike alias.*, it
// leaves out columns that a later migration adds before the model has
// a field for them.
func (s *Store) columns(model any, alias string) string {
	table := s.db.Dialect().Tables().Get(reflect.TypeOf(model).Elem())
	cols := make([]string, len(table.Fields))
	for i, f := range table.Fields {
		cols[i] = alias + "." + string(f.SQLName)
	}
	return strings.Join(cols, ", ")
}
