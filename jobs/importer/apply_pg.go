package importer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
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
	p.scanKeys = func(ctx context.Context, query string, fn func(key []byte, current bool)) error {
		rows, err := tx.Query(ctx, query, pgx.QueryResultFormats{pgx.TextFormatCode, pgx.TextFormatCode})
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v := rows.RawValues()
			fn(v[0], len(v[1]) == 1 && v[1][0] == 't')
		}
		return rows.Err()
	}
	if err := p.prepareFiles(ctx); err != nil {
		return err
	}
	for _, fs := range p.files {
		if err := p.stagePostgres(ctx, tx, fs); err != nil {
			return err
		}
	}
	if err := p.judge(); err != nil || p.dryRun {
		return err
	}

	now := p.im.opts.Now().UTC()
	for _, fs := range p.files {
		if err := p.mergePostgres(ctx, tx, fs, now); err != nil {
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

func stagingTable(fs *fileState) string { return "stage_" + fs.kind.table }

// stagePostgres creates the file's staging table and fills it with COPY
// from the validating reader.
func (p *plan) stagePostgres(ctx context.Context, tx pgx.Tx, fs *fileState) error {
	k := fs.kind
	defs := []string{"line integer NOT NULL"}
	names := []string{"line"}
	for _, c := range k.columns {
		defs = append(defs, c.db+" "+c.pgType())
		names = append(names, c.db)
	}
	table := stagingTable(fs)
	if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TEMPORARY TABLE %s (%s) ON COMMIT DROP",
		table, strings.Join(defs, ", "))); err != nil {
		return fmt.Errorf("create %s: %w", table, err)
	}

	start := time.Now()
	defer func() {
		p.im.log.Debug("file staged", "run_id", p.res.RunID, "file", k.file,
			"duration_ms", time.Since(start).Milliseconds())
	}()
	copySQL := fmt.Sprintf("COPY %s (%s) FROM STDIN WITH (FORMAT csv)", table, strings.Join(names, ", "))
	late, err := p.validateFile(ctx, fs, func(rr *rowReader) error {
		return copyRows(ctx, tx.Conn().PgConn(), copySQL, rr)
	})
	if err != nil {
		return err
	}
	if len(late) > 0 {
		if _, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE line = ANY($1)", late); err != nil {
			return fmt.Errorf("drop rejected rows of %s: %w", table, err)
		}
	}
	return nil
}

// mergePostgres writes the new and changed rows of a staging table and
// ends the records that a full export lacks.
func (p *plan) mergePostgres(ctx context.Context, tx pgx.Tx, fs *fileState, now time.Time) error {
	main, trainee := fs.kind.targets()
	stage := stagingTable(fs)

	if trainee != nil {
		// The last contract of a trainee in the file brings the trainee's
		// data. The rows come sorted by trainee, which also makes the
		// inserts into the primary key index sequential.
		latest := fmt.Sprintf("(SELECT DISTINCT ON (trainee_number) trainee_number AS number, %s FROM %s "+
			"ORDER BY trainee_number, line DESC)", strings.Join(fs.kind.trainee, ", "), stage)
		q := trainee.pgMerge(latest)
		if empty, err := tableEmpty(ctx, tx, trainee.table); err != nil {
			return err
		} else if empty {
			q = trainee.pgInsert(latest + " s")
		}
		t0 := time.Now()
		if _, err := tx.Exec(ctx, q, now); err != nil {
			return fmt.Errorf("merge trainees: %w", err)
		}
		p.im.log.Debug("table merged", "run_id", p.res.RunID, "table", trainee.table,
			"duration_ms", time.Since(t0).Milliseconds())
	}
	t0 := time.Now()
	var (
		tag pgconn.CommandTag
		err error
	)
	if p.dbRecords[fs.kind.file] == 0 {
		err = withoutSecondaryIndexes(ctx, tx, main.table, func() error {
			var err error
			tag, err = tx.Exec(ctx, main.pgInsert(stage), now)
			return err
		})
	} else {
		tag, err = tx.Exec(ctx, main.pgMerge(stage), now)
	}
	p.im.log.Debug("table merged", "run_id", p.res.RunID, "table", main.table,
		"duration_ms", time.Since(t0).Milliseconds())
	if err != nil {
		return fmt.Errorf("merge %s: %w", main.table, err)
	}
	fs.inserted = fs.fresh
	fs.changed = tag.RowsAffected() - fs.inserted

	if main.code != "" {
		if err := mergeCodes(ctx, tx, stage, p.dbRecords[fs.kind.file] == 0, now); err != nil {
			return err
		}
	}

	if len(fs.ended) > 0 {
		q := fmt.Sprintf("UPDATE %s SET missing_since = $1, updated_at = $2 WHERE %s = ANY($3) AND missing_since IS NULL",
			main.table, main.cols[0])
		if _, err := tx.Exec(ctx, q, p.missingDate().Time(), now, fs.ended); err != nil {
			return fmt.Errorf("end %s: %w", main.table, err)
		}
	}
	return nil
}

// mergeCodes records the activation codes of the staged companies. A
// code that a company had never been given replaces its current one.
// With inserted set, the companies went into an empty table with their
// codes, which then only need recording.
func mergeCodes(ctx context.Context, tx pgx.Tx, stage string, inserted bool, now time.Time) error {
	q := `WITH fresh AS (
			INSERT INTO activation_codes (company_ident, code_hash, created_at)
			SELECT ident, code_hash, $1 FROM ` + stage + ` WHERE code_hash IS NOT NULL
			ON CONFLICT DO NOTHING RETURNING company_ident, code_hash)
		UPDATE companies c SET activation_code_hash = fresh.code_hash,
			activation_code_used_at = NULL, updated_at = $1
		FROM fresh WHERE c.ident = fresh.company_ident`
	if inserted {
		q = `INSERT INTO activation_codes (company_ident, code_hash, created_at)
			SELECT ident, code_hash, $1 FROM ` + stage + ` WHERE code_hash IS NOT NULL
			ON CONFLICT DO NOTHING`
	}
	if _, err := tx.Exec(ctx, q, now); err != nil {
		return fmt.Errorf("merge activation codes: %w", err)
	}
	return nil
}

// withoutSecondaryIndexes drops the table's indexes other than its
// primary key, runs fill, and builds them again, which is several times
// faster than updating them row by row. It is used to fill an empty
// table. NOTE: dropping an index locks the table until the transaction
// ends, so readers of the table wait for the first import to commit.
func withoutSecondaryIndexes(ctx context.Context, tx pgx.Tx, table string, fill func() error) error {
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

func tableEmpty(ctx context.Context, tx pgx.Tx, table string) (bool, error) {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+")").Scan(&exists); err != nil {
		return false, fmt.Errorf("check %s: %w", table, err)
	}
	return !exists, nil
}

// copyRows streams the reader's rows to COPY in CSV form. Text costs
// less to produce than pgx's binary encoding of each value, and the
// server parses it on a core of its own.
func copyRows(ctx context.Context, conn *pgconn.PgConn, copySQL string, rr *rowReader) error {
	pr, pw := io.Pipe()
	var readErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := bufio.NewWriterSize(pw, 256<<10)
		var line []byte
		for {
			ok, err := rr.next()
			if err != nil {
				readErr = err
				_ = pw.CloseWithError(err)
				return
			}
			if !ok {
				break
			}
			line = appendCSVRow(line[:0], rr.row)
			if _, err := w.Write(line); err != nil {
				return // the COPY ended early and reports why
			}
		}
		_ = pw.CloseWithError(w.Flush())
	}()

	_, err := conn.CopyFrom(ctx, pr, copySQL)
	_ = pr.CloseWithError(io.ErrClosedPipe) // stops the writer if COPY failed first
	<-done
	if readErr != nil {
		return classify(readErr)
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", rr.fs.kind.file, err)
	}
	return nil
}

// appendCSVRow appends one row in PostgreSQL's CSV format: text always
// quoted, NULL as an empty unquoted field, dates as YYYY-MM-DD.
func appendCSVRow(b []byte, row []any) []byte {
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := v.(type) {
		case nil:
		case string:
			b = append(b, '"')
			for j := 0; j < len(v); j++ {
				if v[j] == '"' {
					b = append(b, '"')
				}
				b = append(b, v[j])
			}
			b = append(b, '"')
		case schema.Date:
			for y := 1000; y > 1 && v.Year < y; y /= 10 {
				b = append(b, '0')
			}
			b = strconv.AppendInt(b, int64(v.Year), 10)
			b = append(b, '-', byte('0'+v.Month/10), byte('0'+v.Month%10), '-', byte('0'+v.Day/10), byte('0'+v.Day%10))
		case bool:
			if v {
				b = append(b, 't')
			} else {
				b = append(b, 'f')
			}
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		default:
			panic(fmt.Sprintf("importer: no CSV form for %T", v))
		}
	}
	return append(b, '\n')
}
