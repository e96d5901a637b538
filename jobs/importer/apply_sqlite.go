package importer

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"asta/schema"
)

// runSQLite validates the whole package without touching the database,
// then applies it in one write transaction that reads the files again.
func (p *plan) runSQLite(ctx context.Context) error {
	if err := p.prepareFiles(ctx); err != nil {
		return err
	}
	for _, fs := range p.files {
		if _, err := p.validateFile(ctx, fs, drain); err != nil {
			return err
		}
	}
	if err := p.judge(); err != nil || p.dryRun {
		return err
	}

	tx, err := p.im.opts.DB.BeginTx(ctx, nil) // takes the write lock
	if err != nil {
		return fmt.Errorf("begin import transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	if err := p.recheckOrder(func(q string, args ...any) scanner {
		return tx.QueryRowContext(ctx, q, args...)
	}); err != nil {
		return err
	}
	now := p.im.opts.Now().UTC()
	for _, fs := range p.files {
		if err := p.applySQLiteFile(ctx, tx.Tx, fs, now); err != nil {
			return err
		}
	}
	if err := markApplied(ctx, tx.Tx, p.res.RunID); err != nil {
		return err
	}
	for _, q := range schema.TombstonedSQL {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("delete data of tombstoned trainees: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, schema.RaiseTraineeListVersionSQL); err != nil {
		return fmt.Errorf("raise trainee list version: %w", err)
	}
	if p.im.opts.failAfterApply != nil {
		return p.im.opts.failAfterApply
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit import: %w", err)
	}
	return nil
}

// applySQLiteFile writes the valid records of one file and ends the
// records that a full export lacks.
func (p *plan) applySQLiteFile(ctx context.Context, tx *sql.Tx, fs *fileState, now time.Time) error {
	main, trainee := fs.kind.targets()
	upsert, err := tx.PrepareContext(ctx, main.sqliteUpsert())
	if err != nil {
		return fmt.Errorf("prepare %s: %w", main.table, err)
	}
	defer upsert.Close()
	var traineeUpsert *sql.Stmt
	if trainee != nil {
		if traineeUpsert, err = tx.PrepareContext(ctx, trainee.sqliteUpsert()); err != nil {
			return fmt.Errorf("prepare trainees: %w", err)
		}
		defer traineeUpsert.Close()
	}
	codes := newSQLiteCodes(ctx, tx, fs.kind.codeIndex(), now)
	if err := codes.err; err != nil {
		return err
	}
	defer codes.close()

	rr, err := newRowReader(ctxSource{ctx, p.src}, fs, p.keys, false)
	if err != nil {
		return fmt.Errorf("read %s again: %w", fs.kind.file, err)
	}
	defer func() { _ = rr.close() }()

	args := make([]any, 0, len(fs.kind.columns)+2)
	var written int64
	for {
		ok, err := rr.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		n, err := execRow(ctx, upsert, &main, rr.row, args, now)
		if err != nil {
			return fmt.Errorf("write %s line %d: %w", fs.kind.file, rr.row[0], err)
		}
		written += n
		if traineeUpsert != nil {
			if _, err := execRow(ctx, traineeUpsert, trainee, rr.row, args, now); err != nil {
				return fmt.Errorf("write trainee of %s line %d: %w", fs.kind.file, rr.row[0], err)
			}
		}
		if err := codes.apply(rr.row); err != nil {
			return fmt.Errorf("write activation code of %s line %d: %w", fs.kind.file, rr.row[0], err)
		}
	}
	if err := rr.verify(); err != nil {
		return err
	}

	fs.inserted = fs.fresh
	fs.changed = written - fs.inserted
	return p.endSQLite(ctx, tx, fs, now)
}

func execRow(ctx context.Context, stmt *sql.Stmt, t *target, row, args []any, now time.Time) (int64, error) {
	args = args[:0]
	for _, i := range t.pos {
		args = append(args, plainValue(row[1+i]))
	}
	args = append(args, now, now)
	r, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

// endSQLite marks the records that a full export lacks as missing.
func (p *plan) endSQLite(ctx context.Context, tx *sql.Tx, fs *fileState, now time.Time) error {
	if len(fs.ended) == 0 {
		return nil
	}
	k := fs.kind
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf(
		"UPDATE %s SET missing_since = ?, updated_at = ? WHERE %s = ? AND missing_since IS NULL",
		k.table, k.columns[0].db))
	if err != nil {
		return fmt.Errorf("prepare ending %s: %w", k.table, err)
	}
	defer stmt.Close()
	day := p.missingDate()
	for _, key := range fs.ended {
		if _, err := stmt.ExecContext(ctx, day, now, key); err != nil {
			return fmt.Errorf("end %s %s: %w", k.table, key, err)
		}
	}
	return nil
}

// sqliteCodes stores the activation codes of companies: a code that the
// company had never been given replaces its current one.
type sqliteCodes struct {
	ctx      context.Context
	pos      int
	now      time.Time
	insert   *sql.Stmt
	activate *sql.Stmt
	err      error
}

func newSQLiteCodes(ctx context.Context, tx *sql.Tx, pos int, now time.Time) *sqliteCodes {
	c := &sqliteCodes{ctx: ctx, pos: pos, now: now}
	if pos < 0 {
		return c
	}
	c.insert, c.err = tx.PrepareContext(ctx, "INSERT INTO activation_codes (company_ident, code_hash, created_at) "+
		"VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
	if c.err == nil {
		c.activate, c.err = tx.PrepareContext(ctx, "UPDATE companies SET activation_code_hash = ?, "+
			"activation_code_used_at = NULL, updated_at = ? WHERE ident = ?")
	}
	return c
}

func (c *sqliteCodes) apply(row []any) error {
	if c.pos < 0 || row[1+c.pos] == nil {
		return nil
	}
	ident, hash := textOf(row[1]), textOf(row[1+c.pos])
	r, err := c.insert.ExecContext(c.ctx, ident, hash, c.now)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return nil // the export brought this code before
	}
	_, err = c.activate.ExecContext(c.ctx, hash, c.now, ident)
	return err
}

func (c *sqliteCodes) close() {
	for _, s := range []*sql.Stmt{c.insert, c.activate} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// markApplied sets the run's outcome inside the apply transaction. The
// unique index on applied packages makes a second apply fail here.
func markApplied(ctx context.Context, tx *sql.Tx, runID int64) error {
	if runID == 0 {
		return nil
	}
	q := "UPDATE import_runs SET outcome = ? WHERE id = ?"
	if _, err := tx.ExecContext(ctx, q, schema.OutcomeApplied, runID); err != nil {
		return fmt.Errorf("mark import run %d applied: %w", runID, err)
	}
	return nil
}
