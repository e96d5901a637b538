package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
)

// ExamNotice is an open exam registration that a company is to be
// notified about, with what the notification shows.
type ExamNotice struct {
	CompanyIdent string
	CompanyName1 string
	Email        string // the company's notification address

	RegistrationNumber string
	ExamType           string
	Period             string
	Deadline           schema.Date
	TraineeFirstName   string
	TraineeLastName    string
}

// examNoticeQuery selects the open registrations of the companies that
// want notifications, with their company and trainee. A registration
// belongs to the company of its contract. Registrations that the company
// has confirmed in the panel, and registrations, contracts and companies
// that the last full export no longer listed are left out.
const examNoticeQuery = `SELECT c.ident AS company_ident, c.name1 AS company_name1, c.notification_email AS email,
	r.number AS registration_number, r.exam_type, r.period, r.deadline,
	t.first_name AS trainee_first_name, t.last_name AS trainee_last_name
FROM exam_registrations r
JOIN contracts k ON k.number = r.contract_number
JOIN companies c ON c.ident = k.company_ident
JOIN trainees t ON t.number = k.trainee_number
WHERE r.status = ? AND r.missing_since IS NULL AND k.missing_since IS NULL
	AND c.missing_since IS NULL AND c.online_registration
	AND c.notification_email IS NOT NULL AND c.notification_email <> ''
	AND NOT EXISTS (SELECT 1 FROM exam_confirmations ec WHERE ec.registration_number = r.number)
	AND NOT EXISTS (SELECT 1 FROM exam_notifications n
		WHERE n.registration_number = r.number AND n.reason = ?)`

const examNoticeOrder = ` ORDER BY c.ident, r.deadline, r.number`

// UnannouncedExamRegistrations returns the open registrations with a
// deadline on or after from that no [schema.NotifyAnnounce] decision
// covers yet, of the companies that have online registration on and a
// notification address, ordered by company ident, deadline and
// registration number. A registration past its deadline waits for
// nobody's confirmation any more.
func (s *Store) UnannouncedExamRegistrations(ctx context.Context, from schema.Date) ([]ExamNotice, error) {
	var notices []ExamNotice
	err := s.db.NewRaw(examNoticeQuery+" AND r.deadline >= ?"+examNoticeOrder,
		schema.ExamOpen, schema.NotifyAnnounce, from).Scan(ctx, &notices)
	if err != nil {
		return nil, fmt.Errorf("read unannounced exam registrations: %w", err)
	}
	return notices, nil
}

// ExamRegistrationsToRemind returns the open registrations whose deadline
// lies between from and until, both included, that were announced before
// announcedBefore and that no [schema.NotifyRemind] decision covers yet,
// of the companies that have online registration on and a notification
// address. The order is that of [Store.UnannouncedExamRegistrations].
func (s *Store) ExamRegistrationsToRemind(ctx context.Context, from, until schema.Date,
	announcedBefore time.Time) ([]ExamNotice, error) {
	q := examNoticeQuery + `
	AND r.deadline >= ? AND r.deadline <= ?
	AND EXISTS (SELECT 1 FROM exam_notifications a
		WHERE a.registration_number = r.number AND a.reason = ? AND a.created_at < ?)` + examNoticeOrder

	var notices []ExamNotice
	err := s.db.NewRaw(q, schema.ExamOpen, schema.NotifyRemind, from, until,
		schema.NotifyAnnounce, announcedBefore.UTC()).Scan(ctx, &notices)
	if err != nil {
		return nil, fmt.Errorf("read exam registrations to remind of: %w", err)
	}
	return notices, nil
}

// ExamDigest is a decision to notify one company about several exam
// registrations for one reason.
type ExamDigest struct {
	Reason       string // [schema.NotifyAnnounce] or [schema.NotifyRemind]
	CompanyIdent string
	Email        string
	Numbers      []string // registration numbers, in any order
	At           time.Time
}

// QueueExamDigest records the decisions of d and queues the mail that
// build returns, in one transaction.
//
// A registration for which a decision for d.Reason exists already, made
// by an earlier run or a concurrent one, is left out: build receives the
// numbers that remain, in ascending order, and is not called if none
// remains. It returns those numbers and the mail's outbox id. If the
// mail's DedupKey is in the outbox already, no mail is added and the
// decisions point to the existing one.
func (s *Store) QueueExamDigest(ctx context.Context, d ExamDigest,
	build func(numbers []string) (*schema.OutboxMail, error)) (numbers []string, outboxID int64, err error) {
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		numbers, err = insertExamNotifications(ctx, tx, d)
		if err != nil || len(numbers) == 0 {
			return err
		}
		m, err := build(numbers)
		if err != nil {
			return err
		}
		outboxID, err = s.enqueueOrFind(ctx, tx, m)
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*schema.ExamNotification)(nil)).
			Set("outbox_id = ?", outboxID).
			Where("reason = ?", d.Reason).
			Where("registration_number IN (?)", bun.List(numbers)).
			Exec(ctx)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("queue %s digest for company %s: %w", d.Reason, d.CompanyIdent, err)
	}
	return numbers, outboxID, nil
}

// insertExamNotifications inserts the decisions of d, skipping those that
// exist, and returns the registration numbers inserted, in ascending
// order. The rows are inserted in ascending order, so that two
// transactions on PostgreSQL wait for each other instead of deadlocking.
func insertExamNotifications(ctx context.Context, tx bun.Tx, d ExamDigest) ([]string, error) {
	sorted := sortedUnique(d.Numbers)
	if len(sorted) == 0 {
		return nil, nil
	}
	at := d.At.UTC().Truncate(time.Microsecond)
	values := make([]string, len(sorted))
	args := make([]any, 0, 5*len(sorted))
	for i, n := range sorted {
		values[i] = "(?, ?, ?, ?, ?)"
		args = append(args, n, d.Reason, d.CompanyIdent, d.Email, at)
	}
	q := `INSERT INTO exam_notifications (registration_number, reason, company_ident, email, created_at)
		VALUES ` + strings.Join(values, ", ") + `
		ON CONFLICT (registration_number, reason) DO NOTHING
		RETURNING registration_number`

	var inserted []string
	if err := tx.NewRaw(q, args...).Scan(ctx, &inserted); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("insert exam notifications: %w", err)
	}
	return sortedUnique(inserted), nil
}

// enqueueOrFind queues m on tx and returns its id, or the id of the mail
// with m's DedupKey if there is one.
func (s *Store) enqueueOrFind(ctx context.Context, tx bun.Tx, m *schema.OutboxMail) (int64, error) {
	inserted, err := s.EnqueueMail(ctx, tx, m)
	if err != nil || inserted {
		return m.ID, err
	}
	var id int64
	err = tx.NewSelect().Model((*schema.OutboxMail)(nil)).
		Column("id").
		Where("dedup_key = ?", m.DedupKey).
		Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("read outbox mail with dedup key %s: %w", m.DedupKey, err)
	}
	return id, nil
}

// ExamNotifications returns the decisions recorded for registration
// number, ordered by reason.
func (s *Store) ExamNotifications(ctx context.Context, number string) ([]schema.ExamNotification, error) {
	var ns []schema.ExamNotification
	err := s.db.NewSelect().Model(&ns).
		Where("registration_number = ?", number).
		Order("reason").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read exam notifications of %s: %w", number, err)
	}
	return ns, nil
}

// sortedUnique returns a sorted copy of numbers without repeats.
func sortedUnique(numbers []string) []string {
	s := slices.Clone(numbers)
	slices.Sort(s)
	return slices.Compact(s)
}
