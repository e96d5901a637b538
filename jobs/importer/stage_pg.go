package importer

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgApply writes a package's records on the import's connection. A file
// whose table is empty is validated into a spool, which the worker copies
// into the table itself while the next file is validated. Any other file
// is copied into a staging table, leaving out the records that the
// database holds unchanged, and merged after all files are read.
type pgApply struct {
	*plan
	tx     pgx.Tx
	now    time.Time
	worker *pgWorker

	reader         *keyReader          // reads the key sets ahead, or nil
	direct         map[*fileState]bool // files copied into their empty tables
	traineesStaged bool                // stage_trainees holds trainees to merge
}

func stagingTable(table string) string { return "stage_" + table }

// stage validates one file and copies the records that the import
// writes. A dry run only validates.
func (a *pgApply) stage(ctx context.Context, fs *fileState) error {
	if a.dryRun {
		_, err := a.validateFile(ctx, fs, drain)
		return err
	}
	if err := a.loadKeys(ctx, fs.kind); err != nil {
		return err
	}
	main, trainee := fs.kind.targets()
	var trainees *traineeRows
	if trainee != nil {
		var err error
		if trainees, err = a.openTrainees(ctx, trainee, fs); err != nil {
			return err
		}
	}
	if a.dbRecords[fs.kind.file] == 0 {
		return a.stageDirect(ctx, fs, &main, trainees)
	}
	if trainees != nil {
		defer trainees.close()
	}
	return a.stageChanges(ctx, fs, &main, trainees)
}

// stageDirect validates a file whose table is empty into a spool and
// has the worker copy the spool into the table.
func (a *pgApply) stageDirect(ctx context.Context, fs *fileState, t *target, trainees *traineeRows) error {
	sp, err := newSpool()
	if err != nil {
		if trainees != nil {
			trainees.close()
		}
		return err
	}
	format := rowFormat{t: t, direct: true}
	a.worker.submit(func() error {
		defer sp.close()
		if trainees != nil {
			defer trainees.close()
		}
		return a.copyDirect(ctx, fs, format, sp, trainees)
	})

	start := time.Now()
	late, err := a.validateFile(ctx, fs, func(rr *rowReader) error {
		w := bufio.NewWriterSize(sp, 256<<10)
		if err := writeRows(w, rr, format, trainees); err != nil {
			return err
		}
		return w.Flush()
	})
	sp.finish(late, err)
	if err != nil {
		return err
	}
	a.im.log.Debug("file validated", "run_id", a.res.RunID, "file", fs.kind.file,
		"duration_ms", time.Since(start).Milliseconds())
	a.direct[fs] = true
	fs.inserted = fs.fresh
	return nil
}

// copyDirect runs in the worker: it copies the spool into the empty
// table, drops the companies rejected at the end of the file, records
// activation codes and copies the trainees of a contracts file.
func (a *pgApply) copyDirect(ctx context.Context, fs *fileState, format rowFormat, sp *spool, trainees *traineeRows) error {
	start := time.Now()
	t := format.t
	copySQL := fmt.Sprintf("COPY %s (%s) FROM STDIN WITH (FORMAT csv)", t.table,
		strings.Join(t.copyColumns(fs.kind, true), ", "))
	var copied int64
	err := withoutIndexes(ctx, a.tx, t.table, true, a.now, func() error {
		tag, err := a.tx.Conn().PgConn().CopyFrom(ctx, sp.reader(), copySQL)
		late, verr := sp.result()
		if verr != nil {
			return verr // the validation failed, which the caller reports
		}
		if err != nil {
			return fmt.Errorf("copy %s: %w", fs.kind.file, err)
		}
		copied = tag.RowsAffected()
		return a.dropLate(ctx, t.table, true, t, late)
	})
	if err == nil && t.code != "" {
		err = recordCopiedCodes(ctx, a.tx, a.now)
	}
	if err == nil && trainees != nil {
		err = a.copyTrainees(ctx, trainees)
	}
	a.im.log.Debug("file copied", "run_id", a.res.RunID, "file", fs.kind.file, "rows", copied,
		"duration_ms", time.Since(start).Milliseconds())
	return err
}

// stageChanges copies the file's new, changed and missing records into a
// staging table while it validates them, and drops those rejected at the
// end of the file.
func (a *pgApply) stageChanges(ctx context.Context, fs *fileState, t *target, trainees *traineeRows) error {
	if err := a.worker.wait(); err != nil {
		return err
	}
	start := time.Now()
	k := fs.kind
	table := stagingTable(t.table)
	if _, err := a.tx.Exec(ctx, fmt.Sprintf("CREATE TEMPORARY TABLE %s (%s) ON COMMIT DROP",
		table, t.stagingDefs(k))); err != nil {
		return fmt.Errorf("create %s: %w", table, err)
	}
	cols := append([]string{"line"}, t.copyColumns(k, false)...)
	copySQL := fmt.Sprintf("COPY %s (%s) FROM STDIN WITH (FORMAT csv)", table, strings.Join(cols, ", "))

	format := rowFormat{t: t}
	var copied int64
	late, err := a.validateFile(ctx, fs, func(rr *rowReader) error {
		var err error
		copied, err = copyCSV(ctx, a.tx.Conn().PgConn(), copySQL, k.file, func(w *bufio.Writer) error {
			return writeRows(w, rr, format, trainees)
		})
		return err
	})
	if err != nil {
		return err
	}
	if err := a.dropLate(ctx, table, false, t, late); err != nil {
		return err
	}
	if trainees != nil {
		if err := a.copyTrainees(ctx, trainees); err != nil {
			return err
		}
	}
	a.im.log.Debug("file staged", "run_id", a.res.RunID, "file", fs.kind.file, "rows", copied,
		"duration_ms", time.Since(start).Milliseconds())
	return nil
}

// writeRows writes the valid rows of rr that the import must write:
// every row for an empty table, else the rows that are new, changed or
// not current in the database.
func writeRows(w *bufio.Writer, rr *rowReader, format rowFormat, trainees *traineeRows) error {
	var scratch, line []byte
	for {
		ok, err := rr.next()
		if err != nil {
			return classify(err)
		}
		if !ok {
			return nil
		}
		if trainees != nil {
			if err := trainees.add(rr.row); err != nil {
				return err
			}
		}
		h := format.t.rowHash(rr.row, &scratch)
		if unchanged(rr.entry, h) {
			continue
		}
		line = format.append(line[:0], rr.row, h)
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
}

// dropLate deletes the companies rejected at the end of the file from
// where they were copied: by key from the table itself, else by line
// from the staging table.
func (a *pgApply) dropLate(ctx context.Context, table string, direct bool, t *target, late []headRef) error {
	if len(late) == 0 {
		return nil
	}
	var err error
	if direct {
		keys := make([]string, len(late))
		for i, h := range late {
			keys[i] = h.ident
		}
		_, err = a.tx.Exec(ctx, "DELETE FROM "+table+" WHERE "+t.cols[0]+" = ANY($1)", keys)
	} else {
		lines := make([]int, len(late))
		for i, h := range late {
			lines[i] = h.line
		}
		_, err = a.tx.Exec(ctx, "DELETE FROM "+table+" WHERE line = ANY($1)", lines)
	}
	if err != nil {
		return fmt.Errorf("drop rejected rows of %s: %w", table, err)
	}
	return nil
}

// recordCopiedCodes records the activation codes of the companies
// copied into the empty table, which went in with their codes. Into an
// empty activation_codes, it writes without the primary key and builds
// it afterwards.
func recordCopiedCodes(ctx context.Context, tx pgx.Tx, now time.Time) error {
	insert := func() error {
		if _, err := tx.Exec(ctx, `INSERT INTO activation_codes (company_ident, code_hash, created_at)
			SELECT ident, activation_code_hash, $1 FROM companies WHERE activation_code_hash IS NOT NULL
			ON CONFLICT DO NOTHING`, now); err != nil {
			return fmt.Errorf("record activation codes: %w", err)
		}
		return nil
	}
	var empty bool
	if err := tx.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM activation_codes)").Scan(&empty); err != nil {
		return fmt.Errorf("read activation codes: %w", err)
	}
	if !empty {
		return insert()
	}
	return rebuildIndexes(ctx, tx, "activation_codes", insert)
}

// openTrainees takes the trainees' fingerprints and starts collecting
// the trainee rows of a contracts file.
func (a *pgApply) openTrainees(ctx context.Context, t *target, fs *fileState) (*traineeRows, error) {
	kl, err := a.takeKeys(t.table, func(scan keyScanner) (keyLoad, error) { return a.readTraineeKeys(ctx, scan, t, fs) })
	if err != nil {
		return nil, err
	}
	return newTraineeRows(kl.set, rowFormat{t: t, direct: kl.empty})
}

// readTraineeKeys reads the trainees' numbers and fingerprints with
// scan. Like readKeys, it may run beside the import's goroutine.
func (a *pgApply) readTraineeKeys(ctx context.Context, scan keyScanner, t *target, fs *fileState) (keyLoad, error) {
	return a.readKeySet(ctx, scan, t.table, "SELECT number, true, import_hash FROM "+t.table, fs.entry.records)
}

// copyTrainees copies the trainee rows of the last contract of each
// trainee whose data changed: into the table itself when it is empty,
// else into stage_trainees.
func (a *pgApply) copyTrainees(ctx context.Context, trainees *traineeRows) error {
	k := kindsByFile["vertraege.csv"]
	t := trainees.format.t
	table := t.table
	cols := t.copyColumns(k, trainees.format.direct)
	if !trainees.format.direct {
		table = stagingTable(t.table)
		if _, err := a.tx.Exec(ctx, fmt.Sprintf("CREATE TEMPORARY TABLE %s (%s) ON COMMIT DROP",
			table, t.stagingDefs(k))); err != nil {
			return fmt.Errorf("create %s: %w", table, err)
		}
		cols = append([]string{"line"}, cols...)
		a.traineesStaged = true
	}
	start := time.Now()
	copySQL := fmt.Sprintf("COPY %s (%s) FROM STDIN WITH (FORMAT csv)", table, strings.Join(cols, ", "))
	var n int64
	err := withoutIndexes(ctx, a.tx, table, trainees.format.direct, a.now, func() error {
		var err error
		n, err = copyCSV(ctx, a.tx.Conn().PgConn(), copySQL, t.table, trainees.writeLast)
		return err
	})
	if err != nil {
		return err
	}
	a.im.log.Debug("trainees copied", "run_id", a.res.RunID, "direct", trainees.format.direct, "candidates", trainees.count,
		"rows", n, "duration_ms", time.Since(start).Milliseconds())
	return nil
}

// merge writes the new and changed rows of a staged file and ends the
// records that a full export lacks.
func (a *pgApply) merge(ctx context.Context, fs *fileState) error {
	main, trainee := fs.kind.targets()
	if trainee != nil && a.traineesStaged {
		if _, err := a.mergeTable(ctx, trainee); err != nil {
			return err
		}
	}
	if a.direct[fs] {
		return a.endMissing(ctx, fs)
	}
	tag, err := a.mergeTable(ctx, &main)
	if err != nil {
		return err
	}
	fs.inserted = fs.fresh
	fs.changed = tag - fs.inserted

	if main.code != "" {
		if err := mergeCodes(ctx, a.tx, stagingTable(main.table), a.now); err != nil {
			return err
		}
	}
	return a.endMissing(ctx, fs)
}

// mergeTable merges the staging table of t into t and stores the
// fingerprints of the rows that the merge left as they were. It returns
// the rows the merge wrote.
func (a *pgApply) mergeTable(ctx context.Context, t *target) (int64, error) {
	start := time.Now()
	stage := stagingTable(t.table)
	tag, err := a.tx.Exec(ctx, t.pgMerge(stage), a.now)
	if err != nil {
		return 0, fmt.Errorf("merge %s: %w", t.table, err)
	}
	if _, err := a.tx.Exec(ctx, t.pgSetHashes(stage)); err != nil {
		return 0, fmt.Errorf("store fingerprints of %s: %w", t.table, err)
	}
	a.im.log.Debug("table merged", "run_id", a.res.RunID, "table", t.table,
		"duration_ms", time.Since(start).Milliseconds())
	return tag.RowsAffected(), nil
}

// endMissing marks the records that a full export lacks as missing.
func (a *pgApply) endMissing(ctx context.Context, fs *fileState) error {
	if len(fs.ended) == 0 {
		return nil
	}
	k := fs.kind
	q := fmt.Sprintf("UPDATE %s SET missing_since = $1, updated_at = $2 WHERE %s = ANY($3) AND missing_since IS NULL",
		k.table, k.columns[0].db)
	if _, err := a.tx.Exec(ctx, q, a.missingDate().Time(), a.now, fs.ended); err != nil {
		return fmt.Errorf("end %s: %w", k.table, err)
	}
	return nil
}

// mergeCodes records the activation codes of the staged companies. A
// code that a company had never been given replaces its current one.
func mergeCodes(ctx context.Context, tx pgx.Tx, stage string, now time.Time) error {
	q := `WITH fresh AS (
			INSERT INTO activation_codes (company_ident, code_hash, created_at)
			SELECT ident, code_hash, $1 FROM ` + stage + ` WHERE code_hash IS NOT NULL
			ON CONFLICT DO NOTHING RETURNING company_ident, code_hash)
		UPDATE companies c SET activation_code_hash = fresh.code_hash,
			activation_code_used_at = NULL, updated_at = $1
		FROM fresh WHERE c.ident = fresh.company_ident`
	if _, err := tx.Exec(ctx, q, now); err != nil {
		return fmt.Errorf("merge activation codes: %w", err)
	}
	return nil
}
