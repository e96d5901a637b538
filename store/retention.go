package store

import (
	"context"
	"fmt"
	"time"

	"asta/schema"
)

// RetentionCounts counts what [Store.ApplyRetention] deleted.
type RetentionCounts struct {
	Trainees        int64 // trainees deleted, each leaving a tombstone
	RejectedRecords int64
	MailBodies      int64
	AuditDetails    int64
}

// RetentionCutoffs are the moments before which data is deleted.
type RetentionCutoffs struct {
	// ContractsEnded: trainees whose every contract ended before it.
	ContractsEnded schema.Date
	// RejectedRecords: rejected records of import runs started before it.
	RejectedRecords time.Time
	// MailBodies: bodies of mails sent before it.
	MailBodies time.Time
	// AuditDetails: details and client addresses of audit entries before it.
	AuditDetails time.Time
}

// endedTrainees selects the trainees all of whose contracts ended before
// the cutoff: by their end date, or by the day they were terminated.
const endedTrainees = `SELECT t.number FROM trainees t
	WHERE NOT EXISTS (SELECT 1 FROM contracts c WHERE c.trainee_number = t.number
		AND (c.status = 'EINGETRAGEN' OR COALESCE(c.terminated_on, c.end_date) >= ?))`

// ApplyRetention deletes the data that the cutoffs make due, in one
// transaction. Trainees whose contracts all ended before the cutoff go
// with their contracts, exam registrations, confirmations, account status
// and search keys, and leave a tombstone. Old rejected records, the bodies
// of sent mails and the details of old audit entries go too.
func (s *Store) ApplyRetention(ctx context.Context, cut RetentionCutoffs, today schema.Date) (RetentionCounts, error) {
	var n RetentionCounts
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		if n.Trainees, err = tx.deleteEndedTrainees(ctx, cut.ContractsEnded, today); err != nil {
			return err
		}
		if n.RejectedRecords, err = tx.exec(ctx, "delete old rejected records",
			"DELETE FROM rejected_records WHERE run_id IN (SELECT id FROM import_runs WHERE started_at < ?)",
			cut.RejectedRecords.UTC()); err != nil {
			return err
		}
		if n.MailBodies, err = tx.exec(ctx, "clear bodies of sent mails",
			"UPDATE outbox SET text_body = '', html_body = NULL WHERE state = ? AND sent_at < ? AND text_body <> ''",
			schema.MailSent, cut.MailBodies.UTC()); err != nil {
			return err
		}
		n.AuditDetails, err = tx.exec(ctx, "clear old audit details",
			"UPDATE audit_log SET detail = NULL, client_ip = NULL WHERE at < ? AND (detail IS NOT NULL OR client_ip IS NOT NULL)",
			cut.AuditDetails.UTC())
		return err
	})
	return n, err
}

// deleteEndedTrainees leaves tombstones for the trainees all of whose
// contracts ended before cutoff and deletes everything that names them.
func (s *Store) deleteEndedTrainees(ctx context.Context, cutoff, today schema.Date) (int64, error) {
	n, err := s.exec(ctx, "write tombstones",
		"INSERT INTO trainee_tombstones (trainee_number, deleted_on) SELECT number, ? FROM ("+endedTrainees+") e WHERE true "+
			"ON CONFLICT (trainee_number) DO NOTHING", today, cutoff)
	if err != nil || n == 0 {
		return n, err
	}
	return n, s.ForgetTombstoned(ctx)
}

// ForgetTombstoned deletes every record that names a tombstoned trainee.
func (s *Store) ForgetTombstoned(ctx context.Context) error {
	for _, q := range schema.TombstonedSQL {
		if _, err := s.exec(ctx, "delete data of tombstoned trainees", q); err != nil {
			return err
		}
	}
	_, err := s.exec(ctx, "raise trainee list version", schema.RaiseTraineeListVersionSQL)
	return err
}

func (s *Store) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := s.q().NewRaw(query, args...).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return res.RowsAffected()
}
