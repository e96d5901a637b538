package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"asta/schema"
)

// plan carries one import from validation to apply.
type plan struct {
	im        *Importer
	src       source
	ctl       *control
	res       *Result
	confirmed bool // an operator confirmed the safety hold of this package
	dryRun    bool
	progress  Progress

	files     []*fileState
	scanKeys  keyScanner       // nil: through the database/sql handle
	tableRows map[string]int64 // rows by table, counted before the first file; nil: count when needed
	keys      map[string]*keySet
	pending   map[string]*pendingKeys // key sets read in the background, by table
	current   map[string]int64        // current records in the database by file
	dbRecords map[string]int64        // all records in the database by file
}

// missingDate is the date a full export marks absent records with: the
// day the chamber created the export.
func (p *plan) missingDate() schema.Date {
	return schema.DateOf(p.ctl.created.In(p.im.opts.Location))
}

func (p *plan) full() bool { return p.ctl.exportType == ExportFull }

// prepareFiles lists the package's data files in apply order and scans
// each for its checksum and encoding.
func (p *plan) prepareFiles(ctx context.Context) error {
	p.listFiles()
	return p.scanFiles(ctx)
}

// listFiles lists the package's data files in apply order.
func (p *plan) listFiles() {
	p.keys = make(map[string]*keySet)
	p.pending = make(map[string]*pendingKeys)
	p.current = make(map[string]int64)
	p.dbRecords = make(map[string]int64)
	for _, k := range kinds {
		if e, ok := p.ctl.entries[k.file]; ok {
			p.files = append(p.files, &fileState{kind: k, entry: e})
		}
	}
}

// scanFiles scans each data file for its checksum and encoding.
func (p *plan) scanFiles(ctx context.Context) error {
	for _, fs := range p.files {
		if err := scanFile(ctx, p.src, fs, p.im.opts.Encoding); err != nil {
			return err
		}
	}
	return nil
}

// keyScanner runs a query that returns a key, a boolean and a
// fingerprint or NULL per row, and calls fn for each. The bytes of key
// and hash are valid only during the call; hash is nil for NULL.
type keyScanner func(ctx context.Context, query string, fn func(key []byte, current bool, hash []byte)) error

// scanKeysSQL is the keyScanner on the database/sql handle.
func (p *plan) scanKeysSQL(ctx context.Context, query string, fn func(key []byte, current bool, hash []byte)) error {
	rows, err := p.im.opts.DB.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		key, hash sql.RawBytes
		current   bool
	)
	for rows.Next() {
		if err := rows.Scan(&key, &current, &hash); err != nil {
			return err
		}
		fn(key, current, hash)
	}
	return rows.Err()
}

// parseHash parses a fingerprint in the decimal text of a BIGINT.
func parseHash(b []byte) (uint64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// loadKeys reads, once per import, the keys of the records the database
// holds of a kind, marking those which are current. A read started
// before by prefetchKeys is waited for instead.
func (p *plan) loadKeys(ctx context.Context, k *kind) error {
	if _, done := p.current[k.file]; done {
		return nil
	}
	kl, err := p.takeKeys(k.table, func(scan keyScanner) (keyLoad, error) { return p.readKeys(ctx, scan, k) })
	if err != nil {
		return err
	}
	p.keys[k.file], p.dbRecords[k.file], p.current[k.file] = kl.set, kl.records, kl.current
	return nil
}

// takeKeys returns the key set of table that prefetchKeys had read in
// the background, or else reads it now with read.
func (p *plan) takeKeys(table string, read func(scan keyScanner) (keyLoad, error)) (keyLoad, error) {
	pending := p.pending[table]
	if pending == nil {
		return read(p.keyScanner())
	}
	delete(p.pending, table)
	return pending.wait()
}

// keyLoad is the key set of a table as read from the database, with the
// number of rows read and of those which are current. Empty is set when
// the table had no rows.
type keyLoad struct {
	set              *keySet
	records, current int64
	empty            bool
}

// pendingKeys is a key set being read in the background.
type pendingKeys struct {
	done chan struct{}
	load keyLoad
	err  error
}

func (pk *pendingKeys) wait() (keyLoad, error) {
	<-pk.done
	return pk.load, pk.err
}

// readKeys reads the keys of k's table with scan. It touches no state of
// p except to read, so that it may run beside the import's goroutine.
func (p *plan) readKeys(ctx context.Context, scan keyScanner, k *kind) (keyLoad, error) {
	query := fmt.Sprintf("SELECT %s, missing_since IS NULL, import_hash FROM %s", k.columns[0].db, k.table)
	return p.readKeySet(ctx, scan, k.table, query, p.ctl.entries[k.file].records)
}

// readKeySet runs query, which returns a key, whether its record is
// current and its fingerprint, on table, into a set sized for the table's
// rows and the file's records. It may run beside the import's goroutine.
func (p *plan) readKeySet(ctx context.Context, scan keyScanner, table, query string, records int64) (keyLoad, error) {
	// Sized once for the database's keys and the file's, the set does not
	// grow step by step while a large package is read.
	n, err := p.countRows(ctx, scan, table)
	if err != nil {
		return keyLoad{}, err
	}
	kl := keyLoad{set: newKeySet(max(n, records) + 1024), empty: n == 0}
	if n == 0 {
		return kl, nil
	}
	start := time.Now()
	err = scan(ctx, query, func(key []byte, current bool, hash []byte) {
		e := keyEntry{bits: keyInDB}
		kl.records++
		if current {
			e.bits |= keyCurrent
			kl.current++
		}
		if h, ok := parseHash(hash); ok {
			e.setStoredHash(h)
		}
		*kl.set.entry(digestBytes(key)) = e
	})
	if err != nil {
		return keyLoad{}, fmt.Errorf("read keys of %s: %w", table, err)
	}
	p.im.log.Debug("keys read", "run_id", p.res.RunID, "table", table, "keys", kl.records,
		"duration_ms", time.Since(start).Milliseconds())
	return kl, nil
}

// countTables estimates the rows of the tables that the package's files
// fill, so that the keys of an empty table need no query and each key set
// is sized once. Only emptiness is exact: the number of rows comes from
// PostgreSQL's statistics, because counting them took longer than reading
// the changes of a re-import of 100,000 contracts. It runs on PostgreSQL
// only.
func (p *plan) countTables(ctx context.Context) error {
	counts := map[string]int64{}
	for _, fs := range p.files {
		main, trainee := fs.kind.targets()
		for _, t := range []*target{&main, trainee} {
			if t == nil {
				continue
			}
			query := "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM " + t.table + ") THEN greatest(reltuples, 1) " +
				"ELSE 0 END AS bigint), true, NULL FROM pg_class WHERE oid = to_regclass('" + t.table + "')"
			n, err := scanNumber(ctx, p.keyScanner(), query)
			if err != nil {
				return fmt.Errorf("estimate rows of %s: %w", t.table, err)
			}
			counts[t.table] = n
		}
	}
	p.tableRows = counts
	return nil
}

// countRows returns the number of rows of table, counting them with
// scan unless countTables estimated them.
func (p *plan) countRows(ctx context.Context, scan keyScanner, table string) (int64, error) {
	if n, ok := p.tableRows[table]; ok {
		return n, nil
	}
	n, err := scanNumber(ctx, scan, "SELECT CAST(count(*) AS TEXT), true, NULL FROM "+table)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

// scanNumber runs query through scan and returns the number in the first
// column of its row.
func scanNumber(ctx context.Context, scan keyScanner, query string) (int64, error) {
	var n int64
	err := scan(ctx, query, func(key []byte, _ bool, _ []byte) {
		n, _ = strconv.ParseInt(string(key), 10, 64)
	})
	return n, err
}

// keyScanner returns the scanner of the import's connection.
func (p *plan) keyScanner() keyScanner {
	if p.scanKeys != nil {
		return p.scanKeys
	}
	return p.scanKeysSQL
}

// validateFile reads a data file once, checking every record. stage
// receives the reader and must drain it; it may write the valid rows to
// the database. It returns the records rejected only after stage
// finished, which must then be dropped from where stage wrote them.
func (p *plan) validateFile(ctx context.Context, fs *fileState, stage func(rr *rowReader) error) ([]headRef, error) {
	if err := p.loadKeys(ctx, fs.kind); err != nil {
		return nil, err
	}
	fs.current = p.current[fs.kind.file]
	for _, c := range fs.kind.columns {
		if c.ref == "" {
			continue
		}
		if err := p.loadKeys(ctx, kindsByFile[c.ref]); err != nil {
			return nil, err
		}
	}
	rr, err := newRowReader(ctxSource{ctx, p.src}, fs, p.keys, true)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errRejected, err)
	}
	defer func() { _ = rr.close() }()

	m := p.im.opts.Metrics
	m.startFile(fs.kind.file, fs.entry.records)
	rr.onCount = func(n int64) {
		if n%1024 == 0 || n == fs.entry.records {
			m.progress(fs.kind.file, n)
			if p.progress != nil {
				p.progress(fs.kind.file, n, fs.entry.records)
			}
		}
	}
	if err := stage(rr); err != nil {
		return nil, err
	}
	m.progress(fs.kind.file, fs.records)
	if p.progress != nil {
		p.progress(fs.kind.file, fs.records, fs.entry.records)
	}

	late := rr.finish()
	if err := rr.verify(); err != nil {
		return nil, err
	}
	if p.full() && fs.seenCurrent < fs.current {
		if err := p.collectEnded(ctx, fs); err != nil {
			return nil, err
		}
	}
	fs.fresh = p.keys[fs.kind.file].countFresh()
	for i, f := range p.files {
		if f == fs {
			p.releaseKeys(i)
		}
	}
	return late, nil
}

// drain reads every row of rr without staging it.
func drain(rr *rowReader) error {
	for {
		ok, err := rr.next()
		if err != nil {
			return classify(err)
		}
		if !ok {
			return nil
		}
	}
}

// classify turns a file that cannot be read into a rejection and leaves
// other errors, such as a cancelled context, as they are.
func classify(err error) error {
	if err == nil || isContextErr(err) || errors.Is(err, errRejected) || errors.Is(err, errIncomplete) {
		return err
	}
	return fmt.Errorf("%w: %w", errRejected, err)
}

// judge applies the package-wide rules after validation: too many
// rejected records reject the package, and a full export that would end
// too many records is held for an operator.
func (p *plan) judge() error {
	opts := p.im.opts
	for _, fs := range p.files {
		n := int64(len(fs.badLines))
		if exceeds(n, fs.records, opts.RejectShare, opts.RejectCount) {
			return fmt.Errorf("%w: %s has %d rejected records of %d, more than %.0f %% and more than %d",
				errRejected, fs.kind.file, n, fs.records, opts.RejectShare*100, opts.RejectCount)
		}
	}
	if p.confirmed || !p.full() {
		return nil
	}
	var reasons []string
	for _, fs := range p.files {
		n := int64(len(fs.ended))
		if exceeds(n, fs.current, opts.HoldShare, opts.HoldCount) {
			reasons = append(reasons, fmt.Sprintf("%s lacks %d of %d current records, more than %.0f %% and more than %d",
				fs.kind.file, n, fs.current, opts.HoldShare*100, opts.HoldCount))
		}
	}
	if len(reasons) > 0 {
		return fmt.Errorf("%w for an operator: %s", errHeld, strings.Join(reasons, "; "))
	}
	return nil
}

// collect copies the counts and rejections into the result. Only an
// applied package has inserted and changed records.
func (p *plan) collect(applied bool) {
	p.res.Files, p.res.Rejections = nil, nil
	for _, fs := range p.files {
		p.res.Files = append(p.res.Files, FileResult{
			File: fs.kind.file, Records: fs.records, Inserted: fs.inserted, Changed: fs.changed,
			Ended: int64(len(fs.ended)), Rejected: int64(len(fs.badLines)),
		})
		p.res.Rejections = append(p.res.Rejections, fs.rejected...)
	}
	if !applied {
		for i, fs := range p.files {
			// A dry run counts the records it would insert, not those it
			// would change, which only the apply compares.
			p.res.Files[i].Inserted, p.res.Files[i].Changed = 0, 0
			if p.dryRun {
				p.res.Files[i].Inserted = fs.fresh
			}
		}
	}
}

// scanner is a row that a query returned.
type scanner interface{ Scan(dest ...any) error }

// recheckOrder repeats, under the lock that serialises applies, the
// checks that another process's import may have overtaken since the
// package was read: applied before, or older than the last one applied.
func (p *plan) recheckOrder(queryRow func(q string, args ...any) scanner) error {
	var applied int
	if err := queryRow("SELECT count(*) FROM import_runs WHERE outcome = 'applied' AND package_id = ?",
		p.ctl.id).Scan(&applied); err != nil {
		return fmt.Errorf("check import runs: %w", err)
	}
	if applied > 0 {
		return errAppliedMeanwhile
	}
	// Compared in Go: SQLite keeps timestamps as text, which compares
	// reliably only with text that the same code wrote.
	var last sql.NullTime
	err := queryRow("SELECT exported_at FROM import_runs WHERE outcome = 'applied' AND package_id <> ? "+
		"ORDER BY exported_at DESC LIMIT 1", p.ctl.id).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("check import runs: %w", err)
	}
	if last.Valid && p.ctl.created.Before(last.Time) {
		return fmt.Errorf("%w: stale: a newer package was applied while this one was read", errRejected)
	}
	return nil
}

// collectEnded lists the current records of the kind that a full
// export lacks.
func (p *plan) collectEnded(ctx context.Context, fs *fileState) error {
	k := fs.kind
	ks := p.keys[k.file]
	query := fmt.Sprintf("SELECT %s, true, NULL FROM %s WHERE missing_since IS NULL", k.columns[0].db, k.table)
	err := p.keyScanner()(ctx, query, func(key []byte, _ bool, _ []byte) {
		if ks.getBytes(key)&lineMask == 0 {
			fs.ended = append(fs.ended, string(key))
		}
	})
	if err != nil {
		return fmt.Errorf("read current keys of %s: %w", k.table, err)
	}
	sort.Strings(fs.ended)
	return nil
}

// releaseKeys drops the key sets that no file after p.files[done] refers
// to, so that memory holds only the sets still needed.
func (p *plan) releaseKeys(done int) {
	needed := map[string]bool{}
	for _, fs := range p.files[done+1:] {
		needed[fs.kind.file] = true
		for _, c := range fs.kind.columns {
			if c.ref != "" {
				needed[c.ref] = true
			}
		}
	}
	for file := range p.keys {
		if !needed[file] {
			p.keys[file] = nil
		}
	}
}

// ctxSource makes every file read of a package stop when ctx is done.
type ctxSource struct {
	ctx context.Context
	source
}

func (c ctxSource) open(name string) (io.ReadCloser, error) {
	f, err := c.source.open(name)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{ctxReader{c.ctx, f}, f}, nil
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
