package importer

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"asta/schema"
)

// fingerprintVersion starts the bytes of every fingerprint. Changing how
// values are hashed needs a new version, so that no old fingerprint can
// match a record by chance.
const fingerprintVersion = 1

// rowHash returns the fingerprint of the values that t writes from row:
// a 64-bit xxHash of the values at t.pos and of the activation code, each
// with its type and length, so that different values hash differently.
// buf is scratch space kept between calls.
//
// NOTE: a changed record whose fingerprint equals the old one would be
// taken for unchanged. With 64 bits the chance is below 1e-12 for a
// million changed records.
func (t *target) rowHash(row []any, buf *[]byte) uint64 {
	b := append((*buf)[:0], fingerprintVersion)
	for _, i := range t.pos {
		b = appendHashValue(b, row[1+i])
	}
	if t.codePos >= 0 {
		b = appendHashValue(b, row[1+t.codePos])
	}
	*buf = b
	return xxhash.Sum64(b)
}

func appendHashValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, 0)
	case *string:
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(len(*v)))
		return append(b, *v...)
	case *schema.Date:
		return append(b, 2, byte(v.Year>>8), byte(v.Year), byte(v.Month), byte(v.Day))
	case bool:
		if v {
			return append(b, 3)
		}
		return append(b, 4)
	case int:
		b = append(b, 5)
		return binary.AppendVarint(b, int64(v))
	}
	panic(fmt.Sprintf("importer: no fingerprint for %T", v))
}

// unchanged reports whether the database holds the record of e as
// current and with the fingerprint h, so that writing it changes nothing.
func unchanged(e keyEntry, h uint64) bool {
	stored, ok := e.storedHash()
	return ok && stored == h && e.bits&keyCurrent != 0
}

// copyColumns returns the columns of t that a COPY fills: the target's
// columns, the activation code hash and the fingerprint. A staging table
// names the code column as the data file's kind does.
func (t *target) copyColumns(k *kind, direct bool) []string {
	cols := append([]string(nil), t.cols...)
	switch {
	case t.codePos >= 0 && direct:
		cols = append(cols, "activation_code_hash")
	case t.codePos >= 0:
		cols = append(cols, k.columns[t.codePos].db)
	}
	return append(cols, "import_hash")
}

// stagingDefs returns the column definitions of a staging table for t:
// the line, the target's columns and the fingerprint.
func (t *target) stagingDefs(k *kind) string {
	defs := []string{"line integer NOT NULL"}
	for j, i := range t.pos {
		defs = append(defs, t.cols[j]+" "+k.columns[i].pgType())
	}
	if t.codePos >= 0 {
		defs = append(defs, k.columns[t.codePos].db+" "+k.columns[t.codePos].pgType())
	}
	return strings.Join(append(defs, "import_hash bigint"), ", ")
}

// rowFormat writes rows of one target in PostgreSQL's CSV format, either
// for a staging table (led by the line) or for the table itself.
type rowFormat struct {
	t      *target
	direct bool
}

func (f rowFormat) append(b []byte, row []any, h uint64) []byte {
	if !f.direct {
		b = strconv.AppendInt(b, int64(row[0].(int)), 10)
		b = append(b, ',')
	}
	for _, i := range f.t.pos {
		b = appendCSVValue(b, row[1+i])
		b = append(b, ',')
	}
	if f.t.codePos >= 0 {
		b = appendCSVValue(b, row[1+f.t.codePos])
		b = append(b, ',')
	}
	b = strconv.AppendInt(b, int64(h), 10)
	return append(b, '\n')
}

// copyCSV runs COPY copySQL with the CSV text that produce writes, in a
// goroutine of its own, and returns the rows copied. Text costs less to
// produce than pgx's binary encoding of each value, and the server parses
// it on a core of its own. produce's error comes first, because a failed
// COPY may only echo it; a failure of the COPY itself names what.
func copyCSV(ctx context.Context, conn *pgconn.PgConn, copySQL, what string, produce func(w *bufio.Writer) error) (int64, error) {
	pr, pw := io.Pipe()
	var prodErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := bufio.NewWriterSize(pw, 256<<10)
		if prodErr = produce(w); prodErr != nil {
			_ = pw.CloseWithError(prodErr)
			return
		}
		_ = pw.CloseWithError(w.Flush())
	}()

	tag, err := conn.CopyFrom(ctx, pr, copySQL)
	_ = pr.CloseWithError(io.ErrClosedPipe) // stops the producer if COPY failed first
	<-done
	if prodErr != nil && !errors.Is(prodErr, io.ErrClosedPipe) {
		return 0, prodErr
	}
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", what, err)
	}
	return tag.RowsAffected(), nil
}

// appendCSVValue appends one value in PostgreSQL's CSV format: text
// always quoted, NULL as an empty unquoted field, dates as YYYY-MM-DD.
func appendCSVValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
	case *string:
		s := *v
		b = append(b, '"')
		for {
			i := strings.IndexByte(s, '"')
			if i < 0 {
				break
			}
			b = append(b, s[:i+1]...)
			b = append(b, '"') // a quote inside doubles
			s = s[i+1:]
		}
		b = append(b, s...)
		b = append(b, '"')
	case *schema.Date:
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
	return b
}
