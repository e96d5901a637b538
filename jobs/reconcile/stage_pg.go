package reconcile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

const copySQL = "COPY " + stageTable +
	" (trainee_number, status, email, last_sign_in) FROM STDIN (FORMAT csv)"

// stagePostgres streams the accounts to COPY into a temporary table on
// the run's connection. The directory is read while the server stores
// the rows, and a failed read aborts the COPY.
func stagePostgres(ctx context.Context, conn bun.Conn, src Source) (int64, error) {
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE "+stageTable+` (
		trainee_number TEXT COLLATE "C" PRIMARY KEY,
		status         TEXT NOT NULL,
		email          TEXT,
		last_sign_in   TIMESTAMPTZ)`); err != nil {
		return 0, fmt.Errorf("create staging table: %w", err)
	}

	var n int64
	err := conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("stage accounts: connection is a %T, not a pgx connection", driverConn)
		}
		var err error
		n, err = copyAccounts(ctx, c.Conn().PgConn(), src)
		return err
	})
	if err != nil {
		return n, err
	}
	// Temporary tables are never analysed automatically, and the plan of
	// the comparison depends on the table's size.
	if _, err := conn.ExecContext(ctx, "ANALYZE "+stageTable); err != nil {
		return n, fmt.Errorf("analyze staging table: %w", err)
	}
	return n, nil
}

func copyAccounts(ctx context.Context, pc *pgconn.PgConn, src Source) (int64, error) {
	pr, pw := io.Pipe()
	var (
		n       int64
		readErr error
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := bufio.NewWriterSize(pw, 256<<10)
		var line []byte
		readErr = src.Read(ctx, func(a *Account) error {
			line = appendCopyRow(line[:0], a)
			n++
			_, err := w.Write(line)
			return err
		})
		if readErr == nil {
			readErr = w.Flush()
		}
		_ = pw.CloseWithError(readErr) // nil ends the COPY's input
	}()

	_, copyErr := pc.CopyFrom(ctx, pr, copySQL)
	_ = pr.CloseWithError(io.ErrClosedPipe) // stops the reader if COPY failed first
	<-done

	if readErr != nil && !errors.Is(readErr, io.ErrClosedPipe) {
		return n, readErr
	}
	var pgErr *pgconn.PgError
	if errors.As(copyErr, &pgErr) && pgErr.Code == "23505" {
		return n, fmt.Errorf("read %s: %w: %s", src, errDuplicate, pgErr.Detail)
	}
	if copyErr != nil {
		return n, fmt.Errorf("copy accounts: %w", copyErr)
	}
	return n, readErr
}

// appendCopyRow appends an account as a line of PostgreSQL's CSV format,
// where an unquoted empty field is NULL.
func appendCopyRow(b []byte, a *Account) []byte {
	b = quoteCSV(b, a.TraineeNumber)
	b = append(b, ',')
	b = quoteCSV(b, a.Status)
	b = append(b, ',')
	if a.Email != "" {
		b = quoteCSV(b, a.Email)
	}
	b = append(b, ',')
	if !a.LastSignIn.IsZero() {
		b = a.LastSignIn.UTC().AppendFormat(b, time.RFC3339Nano)
	}
	return append(b, '\n')
}
