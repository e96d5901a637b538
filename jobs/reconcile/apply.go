package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
)

// The run's temporary tables. They belong to the run's connection, so
// every statement of a run goes through that one connection.
const (
	stageTable = "reconcile_stage"
	diffTable  = "reconcile_diff"
)

// reconcile reads the directory into the staging table and applies it.
func (r *Reconciler) reconcile(ctx context.Context, runID int64) (result, error) {
	var res result
	confirmed, err := r.store.ConfirmedReconcileHold(ctx)
	if err != nil {
		return res, err
	}

	db := r.store.DB()
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("connect to database: %w", err)
	}
	defer conn.Close()
	defer dropTemp(ctx, conn)

	t0 := r.now()
	if schema.IsPostgres(db) {
		res.read, err = stagePostgres(ctx, conn, r.src)
	} else {
		res.read, err = stageSQLite(ctx, conn, r.src)
	}
	if err != nil {
		return res, err
	}
	r.log.Debug("directory staged", "run_id", runID, "accounts_read", res.read,
		"duration_ms", r.now().Sub(t0).Milliseconds())

	err = r.apply(ctx, conn, runID, confirmed, &res)
	return res, err
}

// dropTemp drops the temporary tables, so that the pooled connection
// does not keep them for the next run.
func dropTemp(ctx context.Context, conn bun.Conn) {
	ctx = context.WithoutCancel(ctx)
	_, _ = conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+diffTable)
	_, _ = conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+stageTable)
}

// apply writes the changed rows in one transaction, or nothing when the
// safety hold stops the run.
func (r *Reconciler) apply(ctx context.Context, conn bun.Conn, runID int64, confirmed *schema.ReconcileHold,
	res *result) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin apply: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	now := r.now().UTC()
	first, err := firstRead(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, diffSQL(schema.IsPostgres(r.store.DB()))); err != nil {
		return fmt.Errorf("compare accounts: %w", err)
	}

	before, lost, err := countActive(ctx, tx)
	if err != nil {
		return err
	}
	if reason := r.holdReason(before, lost, confirmed); reason != "" {
		res.hold = &schema.ReconcileHold{RunID: runID, Reason: reason, ActiveBefore: before, ActiveLost: lost,
			HeldAt: now}
		return nil
	}

	if res.statusChanges, err = countStatusChanges(ctx, tx); err != nil {
		return err
	}
	if !first {
		if err := recordStatusChanges(ctx, tx, runID, now); err != nil {
			return err
		}
	}
	if res.changed, err = writeAccounts(ctx, tx, now); err != nil {
		return err
	}
	if err := finishApplied(ctx, tx, runID, confirmed, res, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, schema.RaiseTraineeListVersionSQL); err != nil {
		return fmt.Errorf("raise trainee list version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit apply: %w", err)
	}
	return nil
}

// firstRead reports whether no run has applied a complete read yet.
func firstRead(ctx context.Context, tx bun.Tx) (bool, error) {
	n, err := tx.NewSelect().Model((*schema.ReconcileRun)(nil)).
		Where("outcome = ?", schema.OutcomeApplied).Limit(1).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("read reconcile runs: %w", err)
	}
	return n == 0, nil
}

// diffSQL returns the statement that fills the diff table with the rows
// to write. Candidates are every staged account, every recorded account
// that the directory no longer lists, and every trainee without a row.
// A candidate is kept when no row exists or its values differ, together
// with the old status and the time since which it has held.
func diffSQL(postgres bool) string {
	distinct := "IS NOT"
	if postgres {
		distinct = "IS DISTINCT FROM"
	}
	return fmt.Sprintf(`CREATE TEMP TABLE %[1]s AS
SELECT t.trainee_number, t.status, t.email, t.last_sign_in,
       a.status AS old_status, a.status_since AS old_since
FROM (
    SELECT trainee_number, status, email, last_sign_in FROM %[2]s
    UNION ALL
    SELECT a.trainee_number, 'none', NULL, NULL FROM trainee_accounts a
    WHERE a.status <> 'none'
      AND NOT EXISTS (SELECT 1 FROM %[2]s s WHERE s.trainee_number = a.trainee_number)
    UNION ALL
    SELECT t.number, 'none', NULL, NULL FROM trainees t
    WHERE NOT EXISTS (SELECT 1 FROM %[2]s s WHERE s.trainee_number = t.number)
      AND NOT EXISTS (SELECT 1 FROM trainee_accounts a WHERE a.trainee_number = t.number)
) t
LEFT JOIN trainee_accounts a ON a.trainee_number = t.trainee_number
WHERE a.trainee_number IS NULL
   OR a.status <> t.status
   OR a.email %[3]s t.email
   OR a.last_sign_in %[3]s t.last_sign_in`, diffTable, stageTable, distinct)
}

// countActive returns the number of trainees recorded as active and the
// number of them that the diff takes that status from. Accounts of
// numbers that are not trainees of the chamber do not count, so that
// they cannot dilute the safety hold.
func countActive(ctx context.Context, tx bun.Tx) (before, lost int64, err error) {
	err = tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM trainee_accounts a WHERE a.status = 'active'
			AND EXISTS (SELECT 1 FROM trainees t WHERE t.number = a.trainee_number)),
		(SELECT count(*) FROM `+diffTable+` d WHERE d.old_status = 'active' AND d.status <> 'active'
			AND EXISTS (SELECT 1 FROM trainees t WHERE t.number = d.trainee_number))`).
		Scan(&before, &lost)
	if err != nil {
		return 0, 0, fmt.Errorf("count active accounts: %w", err)
	}
	return before, lost, nil
}

// statusChanged selects the diff rows whose status changes. A trainee
// without a row had the status none.
const statusChanged = "COALESCE(old_status, 'none') <> status"

func countStatusChanges(ctx context.Context, tx bun.Tx) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT status, count(*) FROM "+diffTable+
		" WHERE "+statusChanged+" GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("count status changes: %w", err)
	}
	defer rows.Close()

	counts := make(map[string]int64)
	for rows.Next() {
		var (
			status string
			n      int64
		)
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("count status changes: %w", err)
		}
		counts[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count status changes: %w", err)
	}
	return counts, nil
}

func recordStatusChanges(ctx context.Context, tx bun.Tx, runID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO account_status_changes
		(run_id, trainee_number, old_status, new_status, changed_at)
		SELECT ?, trainee_number, COALESCE(old_status, 'none'), status, ? FROM `+diffTable+
		" WHERE "+statusChanged, runID, now)
	if err != nil {
		return fmt.Errorf("record status changes: %w", err)
	}
	return nil
}

// writeAccounts inserts or updates the rows of the diff and returns their
// number. A row keeps its status_since unless its status changes. The
// WHERE true lets SQLite parse the upsert after a SELECT.
func writeAccounts(ctx context.Context, tx bun.Tx, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO trainee_accounts
		(trainee_number, status, email, last_sign_in, status_since, updated_at)
		SELECT trainee_number, status, email, last_sign_in,
		       CASE WHEN old_status = status THEN old_since ELSE ? END, ?
		FROM `+diffTable+` WHERE true
		ON CONFLICT (trainee_number) DO UPDATE SET
		    status = excluded.status, email = excluded.email, last_sign_in = excluded.last_sign_in,
		    status_since = excluded.status_since, updated_at = excluded.updated_at`, now, now)
	if err != nil {
		return 0, fmt.Errorf("write trainee accounts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("write trainee accounts: %w", err)
	}
	return n, nil
}

// finishApplied records the applied run, uses up a confirmed hold and
// supersedes a hold that still waits.
func finishApplied(ctx context.Context, tx bun.Tx, runID int64, confirmed *schema.ReconcileHold, res *result,
	now time.Time) error {
	var changes int64
	for _, n := range res.statusChanges {
		changes += n
	}
	_, err := tx.NewUpdate().Model((*schema.ReconcileRun)(nil)).
		Set("finished_at = ?", now).
		Set("outcome = ?", schema.OutcomeApplied).
		Set("accounts_read = ?", res.read).
		Set("changed = ?", res.changed).
		Set("status_changes = ?", changes).
		Where("id = ?", runID).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("record reconcile run: %w", err)
	}
	if confirmed != nil {
		if _, err := tx.NewUpdate().Model((*schema.ReconcileHold)(nil)).
			Set("applied_run_id = ?", runID).
			Where("run_id = ?", confirmed.RunID).
			Exec(ctx); err != nil {
			return fmt.Errorf("record use of reconcile hold of run %d: %w", confirmed.RunID, err)
		}
	}
	if _, err := tx.NewUpdate().Model((*schema.ReconcileHold)(nil)).
		Set("decision = ?", schema.HoldSuperseded).
		Set("decided_at = ?", now).
		Where("decision IS NULL").
		Exec(ctx); err != nil {
		return fmt.Errorf("supersede reconcile holds: %w", err)
	}
	return nil
}

// nullString returns nil for an empty string, so that it is stored as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime returns nil for the zero time, else t in UTC.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// stageSQLite inserts the accounts into a temporary table in one
// deferred transaction. Writing only the temporary database, it takes no
// lock on the main database, so other writers go on meanwhile.
func stageSQLite(ctx context.Context, conn bun.Conn, src Source) (int64, error) {
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE "+stageTable+` (
		trainee_number TEXT PRIMARY KEY,
		status         TEXT NOT NULL,
		email          TEXT,
		last_sign_in   TIMESTAMP)`); err != nil {
		return 0, fmt.Errorf("create staging table: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return 0, fmt.Errorf("begin staging: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()

	stmt, err := conn.PrepareContext(ctx, "INSERT INTO "+stageTable+
		" VALUES (?, ?, ?, ?) ON CONFLICT (trainee_number) DO NOTHING")
	if err != nil {
		return 0, fmt.Errorf("prepare staging: %w", err)
	}
	defer stmt.Close()

	var n int64
	err = src.Read(ctx, func(a *Account) error {
		res, err := stmt.ExecContext(ctx, a.TraineeNumber, a.Status, nullString(a.Email), nullTime(a.LastSignIn))
		if err != nil {
			return fmt.Errorf("stage account of trainee %s: %w", a.TraineeNumber, err)
		}
		if k, err := res.RowsAffected(); err == nil && k == 0 {
			return fmt.Errorf("read %s: %w: %s", src, errDuplicate, a.TraineeNumber)
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return n, fmt.Errorf("commit staging: %w", err)
	}
	committed = true
	return n, nil
}

// errDuplicate is wrapped by the error of a directory that lists a
// trainee number twice.
var errDuplicate = errors.New("the directory lists a trainee number twice")

// quoteCSV appends s to b as a quoted field of PostgreSQL's CSV format.
func quoteCSV(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}
