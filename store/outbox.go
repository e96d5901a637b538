package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
)

// DefaultMessageIDDomain is the right-hand side of the Message-IDs that
// [Store.EnqueueMail] generates for mails that bring none.
//
// NOTE: .invalid is reserved (RFC 2606) and never resolves. A caller that
// knows the sender's domain should set MessageID with [NewMessageID].
const DefaultMessageIDDomain = "asta.invalid"

// NewMessageID returns a new Message-ID, without angle brackets, whose
// left-hand side is 160 random bits and whose right-hand side is domain.
func NewMessageID(domain string) string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // never returns an error
	left := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
	return strings.ToLower(left) + "@" + domain
}

// EnqueueMail inserts m into the outbox as a pending mail due now, on db,
// which may be a transaction of the caller, or, if db is nil, on the
// store's transaction (see [Store.InTx]) or database. It sets m's ID,
// State, Attempts, NextAttemptAt and CreatedAt, and MessageID if empty.
//
// inserted is false, with no error, when a mail with m's DedupKey exists:
// then m is left unsent and its ID is zero.
func (s *Store) EnqueueMail(ctx context.Context, db bun.IDB, m *schema.OutboxMail) (inserted bool, err error) {
	if db == nil {
		db = s.q()
	}
	if m.MessageID == "" {
		m.MessageID = NewMessageID(DefaultMessageIDDomain)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	m.State = schema.MailPending
	m.Attempts = 0
	m.NextAttemptAt = now
	m.CreatedAt = now

	res, err := db.NewInsert().Model(m).
		On("CONFLICT (dedup_key) DO NOTHING").
		Returning("id").
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("enqueue mail %s: %w", m.MessageID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("enqueue mail %s: %w", m.MessageID, err)
	}
	return n > 0, nil
}

// DueMails returns up to limit pending mails whose next attempt is due at
// now, the longest waiting first.
//
// NOTE: two callers at once would both receive the same mails. The mail
// job relies on the scheduler, which runs a job on one instance at a time.
func (s *Store) DueMails(ctx context.Context, now time.Time, limit int) ([]schema.OutboxMail, error) {
	var mails []schema.OutboxMail
	err := s.db.NewSelect().Model(&mails).
		Where("state = ?", schema.MailPending).
		Where("next_attempt_at <= ?", now.UTC()).
		Order("next_attempt_at", "id").
		Limit(int64(limit)).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read due mails: %w", err)
	}
	return mails, nil
}

// MarkMailSent records that the SMTP server accepted mail id at sentAt:
// state sent, one more attempt, no error.
func (s *Store) MarkMailSent(ctx context.Context, id int64, sentAt time.Time) error {
	q := s.db.NewUpdate().Model((*schema.OutboxMail)(nil)).
		Set("state = ?", schema.MailSent).
		Set("attempts = attempts + 1").
		Set("sent_at = ?", sentAt.UTC().Truncate(time.Microsecond)).
		Set("last_error = NULL")
	return s.updateMail(ctx, q, id, "mark mail %d sent")
}

// MarkMailRetry records a failed attempt at mail id that is to be
// repeated at nextAt, with the reason errText.
func (s *Store) MarkMailRetry(ctx context.Context, id int64, nextAt time.Time, errText string) error {
	q := s.db.NewUpdate().Model((*schema.OutboxMail)(nil)).
		Set("attempts = attempts + 1").
		Set("next_attempt_at = ?", nextAt.UTC().Truncate(time.Microsecond)).
		Set("last_error = ?", errText)
	return s.updateMail(ctx, q, id, "mark mail %d for retry")
}

// MarkMailFailed records a final failed attempt at mail id: state failed,
// with the reason errText.
func (s *Store) MarkMailFailed(ctx context.Context, id int64, errText string) error {
	q := s.db.NewUpdate().Model((*schema.OutboxMail)(nil)).
		Set("state = ?", schema.MailFailed).
		Set("attempts = attempts + 1").
		Set("last_error = ?", errText)
	return s.updateMail(ctx, q, id, "mark mail %d failed")
}

// updateMail runs q on the pending mail id. op is the error's prefix, with
// a %d for id.
func (s *Store) updateMail(ctx context.Context, q *bun.UpdateQuery, id int64, op string) error {
	res, err := q.Where("id = ?", id).Where("state = ?", schema.MailPending).Exec(ctx)
	if err != nil {
		return fmt.Errorf(op+": %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf(op+": no pending mail with this id", id)
	}
	return nil
}

// OutboxStats are counts of the outbox for monitoring.
type OutboxStats struct {
	// Mails is the number of mails in each state; a state without mails
	// is missing.
	Mails map[string]int64

	// OldestPending is the creation time of the oldest pending mail, or
	// the zero time if none is pending.
	OldestPending time.Time
}

// OutboxStats counts the outbox's mails by state and finds the oldest
// pending one.
func (s *Store) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var rows []struct {
		State string
		N     int64
	}
	err := s.db.NewSelect().Model((*schema.OutboxMail)(nil)).
		Column("state").
		ColumnExpr("count(*) AS n").
		Group("state").
		Scan(ctx, &rows)
	if err != nil {
		return OutboxStats{}, fmt.Errorf("count outbox mails: %w", err)
	}
	stats := OutboxStats{Mails: make(map[string]int64, len(rows))}
	for _, r := range rows {
		stats.Mails[r.State] = r.N
	}
	if stats.Mails[schema.MailPending] == 0 {
		return stats, nil
	}

	var oldest schema.OutboxMail
	err = s.db.NewSelect().Model(&oldest).
		Column("created_at").
		Where("state = ?", schema.MailPending).
		Order("created_at").
		Limit(1).
		Scan(ctx)
	if err != nil {
		return OutboxStats{}, fmt.Errorf("read oldest pending mail: %w", err)
	}
	stats.OldestPending = oldest.CreatedAt.UTC()
	return stats, nil
}

// RequeueFailedMails puts the failed mails back into the queue with
// their attempts reset, for an operator who has fixed the cause, such as
// the mail configuration. It returns how many it requeued.
func (s *Store) RequeueFailedMails(ctx context.Context) (int64, error) {
	res, err := s.db.NewUpdate().Model((*schema.OutboxMail)(nil)).
		Set("state = ?", schema.MailPending).Set("attempts = 0").Set("next_attempt_at = ?", time.Now().UTC()).
		Where("state = ?", schema.MailFailed).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("requeue failed mails: %w", err)
	}
	return res.RowsAffected()
}

// MailDiscarded is the state of a failed mail that an operator gave up;
// it is never sent.
const MailDiscarded = "discarded"

// FailedMail is a failed outbox mail as the operators' console lists it,
// without its bodies, which may hold one-time links.
type FailedMail struct {
	ID        int64
	Recipient string
	Subject   string
	Attempts  int
	LastError string
	CreatedAt time.Time
}

// FailedMails returns up to limit failed mails, the newest first.
func (s *Store) FailedMails(ctx context.Context, limit int) ([]FailedMail, error) {
	var mails []FailedMail
	err := s.q().NewSelect().Model((*schema.OutboxMail)(nil)).
		Column("id", "recipient", "subject", "attempts", "created_at").
		ColumnExpr("coalesce(last_error, '') AS last_error").
		Where("state = ?", schema.MailFailed).
		Order("created_at DESC", "id DESC").Limit(int64(limit)).Scan(ctx, &mails)
	if err != nil {
		return nil, fmt.Errorf("read failed mails: %w", err)
	}
	return mails, nil
}

// RequeueMail puts the failed mail id back into the queue with its
// attempts reset. It returns [ErrNotPending] unless the mail is failed.
func (s *Store) RequeueMail(ctx context.Context, id int64) error {
	q := s.q().NewUpdate().Model((*schema.OutboxMail)(nil)).
		Set("state = ?", schema.MailPending).Set("attempts = 0").Set("next_attempt_at = ?", time.Now().UTC())
	return s.updateFailedMail(ctx, q, id, "requeue mail %d")
}

// DiscardMail marks the failed mail id as discarded, so that it is never
// retried, and clears its bodies, whose one-time links stay unused.
// It returns [ErrNotPending] unless the mail is failed.
func (s *Store) DiscardMail(ctx context.Context, id int64) error {
	q := s.q().NewUpdate().Model((*schema.OutboxMail)(nil)).Set("state = ?", MailDiscarded).
		Set("text_body = ''").Set("html_body = NULL")
	return s.updateFailedMail(ctx, q, id, "discard mail %d")
}

// updateFailedMail runs q on the failed mail id. op is the error's prefix,
// with a %d for id.
func (s *Store) updateFailedMail(ctx context.Context, q *bun.UpdateQuery, id int64, op string) error {
	res, err := q.Where("id = ?", id).Where("state = ?", schema.MailFailed).Exec(ctx)
	if err != nil {
		return fmt.Errorf(op+": %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf(op+": no failed mail with this id: %w", id, ErrNotPending)
	}
	return nil
}
