package importer

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// keyReader reads key sets on a second connection, one after the other,
// while the import's connection scans and copies the files. Its transaction takes the
// snapshot of the import transaction and so reads what that transaction
// would read: the import writes a table only after it read its keys.
type keyReader struct {
	ctx    context.Context // every query's context, cancelled by close
	cancel context.CancelFunc
	dialed chan struct{}
	conn   *pgx.Conn
	err    error // the connect's error
	tx     pgx.Tx
	worker *pgWorker
}

// dialKeyReader starts to connect in the background.
func dialKeyReader(ctx context.Context, url string) *keyReader {
	kr := &keyReader{dialed: make(chan struct{})}
	kr.ctx, kr.cancel = context.WithCancel(ctx)
	go func() {
		defer close(kr.dialed)
		kr.conn, kr.err = pgx.Connect(kr.ctx, url)
	}()
	return kr
}

// begin waits for the connection and starts its read-only transaction on
// the exported snapshot.
func (kr *keyReader) begin(ctx context.Context, snapshot string) error {
	<-kr.dialed
	if kr.err != nil {
		return kr.err
	}
	// SET TRANSACTION SNAPSHOT takes no parameters, so the name is checked
	// instead: it consists of hex digits and dashes.
	if snapshot == "" || strings.Trim(snapshot, "0123456789ABCDEFabcdef-") != "" {
		return fmt.Errorf("invalid snapshot name %q: want hex digits and dashes", snapshot)
	}
	tx, err := kr.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+snapshot+"'"); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	kr.tx, kr.worker = tx, newPGWorker()
	return nil
}

// read queues load and returns its result to wait for. The queries of
// load run with the reader's context, so that close stops them.
func (kr *keyReader) read(load func(scan keyScanner) (keyLoad, error)) *pendingKeys {
	pk := &pendingKeys{done: make(chan struct{})}
	kr.worker.submit(func() error {
		defer close(pk.done)
		pk.load, pk.err = load(func(_ context.Context, query string, fn func(key []byte, current bool, hash []byte)) error {
			return scanRows(kr.ctx, kr.tx, query, fn)
		})
		return pk.err
	})
	return pk
}

// close stops the reads still running, such as after the import failed,
// and closes the connection. It may be called again.
func (kr *keyReader) close(ctx context.Context) {
	kr.cancel()
	if kr.worker != nil {
		kr.worker.stop()
		kr.worker = nil
	}
	<-kr.dialed
	if kr.conn != nil {
		_ = kr.conn.Close(context.WithoutCancel(ctx))
		kr.conn = nil
	}
}

// scanRows runs a key query on tx in text format and calls fn for each
// row, as keyScanner describes.
func scanRows(ctx context.Context, tx pgx.Tx, query string, fn func(key []byte, current bool, hash []byte)) error {
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

// prefetchKeys has the key reader read the key sets that staging fs
// needs and that are neither read nor being read. Without a key reader
// it does nothing, and the sets are read when they are needed.
func (a *pgApply) prefetchKeys(ctx context.Context, fs *fileState) {
	if a.reader == nil {
		return
	}
	ask := func(table string, load func(scan keyScanner) (keyLoad, error)) {
		if a.pending[table] == nil {
			a.pending[table] = a.reader.read(load)
		}
	}
	needed := []*kind{fs.kind}
	for _, c := range fs.kind.columns {
		if c.ref != "" {
			needed = append(needed, kindsByFile[c.ref])
		}
	}
	for _, k := range needed {
		if _, done := a.current[k.file]; !done {
			ask(k.table, func(scan keyScanner) (keyLoad, error) { return a.readKeys(ctx, scan, k) })
		}
	}
	if _, trainee := fs.kind.targets(); trainee != nil && !a.dryRun {
		ask(trainee.table, func(scan keyScanner) (keyLoad, error) { return a.readTraineeKeys(ctx, scan, trainee, fs) })
	}
}
