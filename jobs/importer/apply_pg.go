package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	p.scanKeys = func(ctx context.Context, query string, fn func(key []byte, current bool, hash []byte)) error {
		rows, err := tx.Query(ctx, query, pgx.QueryResultFormats{pgx.TextFormatCode, pgx.TextFormatCode, pgx.TextFormatCode})
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v := rows.RawValues()
			fn(v[0], len(v[1]) == 1 && v[1][0] == 't', v[2])
		}
		return rows.Err()
	}
	if err := p.prepareFiles(ctx); err != nil {
		return err
	}
	ap := &pgApply{plan: p, tx: tx, now: p.im.opts.Now().UTC(), direct: map[*fileState]bool{}}
	for _, fs := range p.files {
		if err := ap.stage(ctx, fs); err != nil {
			return err
		}
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
	if p.im.opts.failAfterApply != nil {
		return p.im.opts.failAfterApply
	}
	if err := tx.Commit(ctx); err != nil {
		return appliedConflict(err, p.res.RunID)
	}
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

// withoutSecondaryIndexes drops the table's indexes other than its
// primary key, runs fill, and builds them again, which is several times
// faster than updating them row by row. It is used to fill an empty
// table; unless empty is set it only runs fill. NOTE: dropping an index
// locks the table until the transaction ends, so readers of the table
// wait for the first import to commit.
func withoutSecondaryIndexes(ctx context.Context, tx pgx.Tx, table string, empty bool, fill func() error) error {
	if !empty {
		return fill()
	}
	rows, err := tx.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = to_regnamespace(i.schemaname)
		JOIN pg_index x ON x.indexrelid = c.oid
		WHERE i.schemaname = current_schema() AND i.tablename = $1 AND NOT x.indisprimary`, table)
	if err != nil {
		return fmt.Errorf("list indexes of %s: %w", table, err)
	}
	type index struct{ name, def string }
	indexes, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (index, error) {
		var ix index
		err := row.Scan(&ix.name, &ix.def)
		return ix, err
	})
	if err != nil {
		return fmt.Errorf("list indexes of %s: %w", table, err)
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, "DROP INDEX "+pgx.Identifier{ix.name}.Sanitize()); err != nil {
			return fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	if err := fill(); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, ix.def); err != nil {
			return fmt.Errorf("build index %s: %w", ix.name, err)
		}
	}
	return nil
}
