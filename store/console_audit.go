package store

import (
	"context"
	"fmt"
	"time"
)

// AuditFilter selects entries of the audit log; empty fields select all.
type AuditFilter struct {
	Company string
	Action  string
	// ActorEmail is the lookup form of the acting user's address.
	ActorEmail string
	// From and To bound the time of the entries; To is exclusive.
	From, To time.Time
	Limit    int
	Offset   int
}

// AuditRow is an entry of the audit log with the acting user's address.
type AuditRow struct {
	ID           int64
	At           time.Time
	ActorID      *int64
	ActorEmail   string
	Action       string
	CompanyIdent string
	ClientIP     string
	Detail       string
}

// SearchAudit returns the entries of the audit log that f selects, the
// newest first, and whether more follow after f.Limit.
func (s *Store) SearchAudit(ctx context.Context, f AuditFilter) ([]AuditRow, bool, error) {
	q := s.q().NewSelect().TableExpr("audit_log AS a").
		Join("LEFT JOIN users AS u ON u.id = a.actor_id").
		ColumnExpr("a.id, a.at, a.actor_id, coalesce(u.email, '') AS actor_email, a.action").
		ColumnExpr("coalesce(a.company_ident, '') AS company_ident, coalesce(a.client_ip, '') AS client_ip").
		ColumnExpr("coalesce(a.detail, '') AS detail")
	if f.Company != "" {
		q = q.Where("a.company_ident = ?", f.Company)
	}
	if f.Action != "" {
		q = q.Where("a.action = ?", f.Action)
	}
	if f.ActorEmail != "" {
		q = q.Where("u.email_key = ?", f.ActorEmail)
	}
	if !f.From.IsZero() {
		q = q.Where("a.at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("a.at < ?", f.To.UTC())
	}

	var rows []AuditRow
	err := q.OrderExpr("a.at DESC, a.id DESC").Limit(int64(f.Limit+1)).Offset(int64(f.Offset)).Scan(ctx, &rows)
	if err != nil {
		return nil, false, fmt.Errorf("search audit log: %w", err)
	}
	more := len(rows) > f.Limit
	if more {
		rows = rows[:f.Limit]
	}
	return rows, more, nil
}

// AuditActions returns the distinct actions of the audit log, sorted.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	var actions []string
	err := s.q().NewSelect().TableExpr("audit_log").ColumnExpr("DISTINCT action").OrderExpr("action").
		Scan(ctx, &actions)
	if err != nil {
		return nil, fmt.Errorf("read audit actions: %w", err)
	}
	return actions, nil
}
