package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"asta/schema"
)

// runPostgres copies each file's valid records into a temporary staging
// table while it validates them, and merges the staging tables into the
// real ones, all in one transaction on a connection of its own.
func (p *plan) runPostgres(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.im.opts.DatabaseURL)
	if err != nil {
		return fmt.Errorf("connect for import: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	// The key reader connects second, so that it never takes the last
	// connection the server allows from the import.
	readerURL := p.im.opts.DatabaseURL
	if p.im.opts.keyReaderURL != "" {
		readerURL = p.im.opts.keyReaderURL
	}
	reader := dialKeyReader(ctx, readerURL)
	defer reader.close(ctx)

	// Staging tables are temporary; with enough local buffers for them
	// they stay in memory instead of being written out.
	if _, err := conn.Exec(ctx, "SET temp_buffers = '256MB'"); err != nil {
		return fmt.Errorf("configure import connection: %w", err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin import transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	// The import's sorts, hashes and index builds run in memory. The
	// advisory lock makes imports of several processes, such as astad
	// import beside astad serve, wait for each other.
	if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '256MB'; "+
		"SELECT pg_advisory_xact_lock(4712000002)"); err != nil {
		return fmt.Errorf("configure import transaction: %w", err)
	}
	if err := p.recheckOrder(func(q string, args ...any) scanner {
		return tx.QueryRow(ctx, strings.ReplaceAll(q, "?", "$1"), args...)
	}); err != nil {
		return err
	}
	var snapshot string
	if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
		return fmt.Errorf("export snapshot of import transaction: %w", err)
	}
	ap := &pgApply{plan: p, tx: tx, now: p.im.opts.Now().UTC(), worker: newPGWorker(), direct: map[*fileState]bool{}}
	defer ap.worker.stop()
	p.scanKeys = func(ctx context.Context, query string, fn func(key []byte, current bool, hash []byte)) error {
		if err := ap.worker.wait(); err != nil {
			return err
		}
		return scanRows(ctx, tx, query, fn)
	}
	// The second connection reads the keys while the files are scanned.
	p.listFiles()
	if err := p.countTables(ctx); err != nil {
		return err
	}
	if err := ap.startKeyReader(ctx, reader, snapshot); err != nil {
		return err
	}
	for _, fs := range p.files {
		ap.prefetchKeys(ctx, fs)
	}
	if err := p.scanFiles(ctx); err != nil {
		return err
	}
	for _, fs := range p.files {
		if err := ap.stage(ctx, fs); err != nil {
			return err
		}
	}
	reader.close(ctx)
	if err := ap.worker.wait(); err != nil {
		return err
	}
	if err := p.judge(); err != nil || p.dryRun {
		return err
	}

	for _, fs := range p.files {
		if err := ap.merge(ctx, fs); err != nil {
			return err
		}
	}
	if p.res.RunID != 0 {
		if _, err := tx.Exec(ctx, "UPDATE import_runs SET outcome = $1 WHERE id = $2",
			schema.OutcomeApplied, p.res.RunID); err != nil {
			return appliedConflict(err, p.res.RunID)
		}
	}
	for _, q := range schema.TombstonedSQL {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("delete data of tombstoned trainees: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, schema.RaiseTraineeListVersionSQL); err != nil {
		return fmt.Errorf("raise trainee list version: %w", err)
	}
	if p.im.opts.failAfterApply != nil {
		return p.im.opts.failAfterApply
	}
	if err := tx.Commit(ctx); err != nil {
		return appliedConflict(err, p.res.RunID)
	}
	return nil
}

// startKeyReader begins the key reader's transaction on the import
// transaction's snapshot, so that the key sets are read while the files
// are scanned and copied. A first import reads no keys and closes the
// reader. A reader that fails to start is logged and closed, and the keys
// are read on the import's connection.
func (a *pgApply) startKeyReader(ctx context.Context, reader *keyReader, snapshot string) error {
	filled := false
	for _, n := range a.tableRows {
		filled = filled || n > 0
	}
	if !filled {
		reader.close(ctx)
		return nil
	}
	err := reader.begin(ctx, snapshot)
	if isContextErr(err) {
		return err
	}
	if err != nil {
		a.im.log.Warn("second import connection failed, so keys are read on the slower import connection: "+
			"check the database's max_connections",
			"run_id", a.res.RunID, "error", err)
		reader.close(ctx)
		return nil
	}
	a.reader = reader
	return nil
}

// appliedConflict explains the unique violation that a second apply of
// the same package meets, as when another instance applied it meanwhile.
func appliedConflict(err error, runID int64) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return errAppliedMeanwhile
	}
	return fmt.Errorf("mark import run %d applied: %w", runID, err)
}

// withoutIndexes drops the table's indexes and its primary key, runs
// fill, and builds them again, which is faster than updating them row by
// row. It is used to fill an empty table; unless empty is set it only
// runs fill. Indexes that a foreign key needs are kept. NOTE: dropping an
// index locks the table until the transaction ends, so readers of the
// table wait for the first import to commit.
//
// An empty table also gets now as the default of created_at and
// updated_at while fill runs, so that the rows copied into it carry no
// timestamps: parsing two timestamps a row took about 30 % of the
// server's time for a COPY of 97,000 trainees.
func withoutIndexes(ctx context.Context, tx pgx.Tx, table string, empty bool, now time.Time, fill func() error) error {
	if !empty {
		return fill()
	}
	stamp := "'" + now.UTC().Format("2006-01-02 15:04:05.999999Z07:00") + "'::timestamptz"
	if _, err := tx.Exec(ctx, "ALTER TABLE "+table+" ALTER created_at SET DEFAULT "+stamp+
		", ALTER updated_at SET DEFAULT "+stamp); err != nil {
		return fmt.Errorf("set timestamp defaults of %s: %w", table, err)
	}
	if err := rebuildIndexes(ctx, tx, table, fill); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "ALTER TABLE "+table+" ALTER created_at DROP DEFAULT, ALTER updated_at DROP DEFAULT"); err != nil {
		return fmt.Errorf("drop timestamp defaults of %s: %w", table, err)
	}
	return nil
}

// rebuildIndexes drops the indexes of table, runs fill and builds them
// again.
func rebuildIndexes(ctx context.Context, tx pgx.Tx, table string, fill func() error) error {
	indexes, err := listIndexes(ctx, tx, table)
	if err != nil {
		return err
	}
	for _, ix := range indexes {
		q := "DROP INDEX " + pgx.Identifier{ix.name}.Sanitize()
		if ix.constraint != "" {
			q = "ALTER TABLE " + table + " DROP CONSTRAINT " + pgx.Identifier{ix.name}.Sanitize()
		}
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	if err := fill(); err != nil {
		return err
	}
	for _, ix := range indexes {
		q := ix.def
		if ix.constraint != "" {
			q = "ALTER TABLE " + table + " ADD CONSTRAINT " + pgx.Identifier{ix.name}.Sanitize() + " " + ix.constraint
		}
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("build index %s: %w", ix.name, err)
		}
	}
	return nil
}

// tableIndex is an index to build again: its name and definition, and
// for the index of a primary key or unique constraint, the constraint's
// definition.
type tableIndex struct{ name, def, constraint string }

// listIndexes returns the indexes of table that no foreign key needs,
// the primary key first.
func listIndexes(ctx context.Context, tx pgx.Tx, table string) ([]tableIndex, error) {
	rows, err := tx.Query(ctx, `SELECT c.relname, pg_get_indexdef(x.indexrelid),
			COALESCE(pg_get_constraintdef(con.oid), '')
		FROM pg_index x
		JOIN pg_class c ON c.oid = x.indexrelid
		LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.contype IN ('p', 'u')
		WHERE x.indrelid = to_regclass($1)
			AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.indexrelid)
		ORDER BY x.indisprimary DESC, c.relname`, table)
	if err != nil {
		return nil, fmt.Errorf("list indexes of %s: %w", table, err)
	}
	indexes, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tableIndex, error) {
		var ix tableIndex
		err := row.Scan(&ix.name, &ix.def, &ix.constraint)
		return ix, err
	})
	if err != nil {
		return nil, fmt.Errorf("list indexes of %s: %w", table, err)
	}
	return indexes, nil
}
