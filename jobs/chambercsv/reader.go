// Package chambercsv reads and writes the CSV dialect of the chamber's core
// system: ";" as separator, RFC 4180 quoting, CRLF or LF line ends, and
// text in UTF-8 or Windows-1252.
//
// A [Reader] finds columns by name, decodes every field to UTF-8 in
// Unicode NFC with surrounding spaces trimmed, and reports the line on
// which each record starts.
package chambercsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Encoding is the character encoding of a file.
type Encoding int

// The encodings that the core system writes. Auto detects the encoding
// from the file itself, see [Detect].
const (
	Auto Encoding = iota
	UTF8
	Windows1252
)

var bom = []byte{0xef, 0xbb, 0xbf}

// String returns the name used in configuration files and reports.
func (e Encoding) String() string {
	switch e {
	case Auto:
		return "auto"
	case UTF8:
		return "utf-8"
	case Windows1252:
		return "windows-1252"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// ParseEncoding parses the names that [Encoding.String] returns.
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return Auto, nil
	case "utf-8", "utf8":
		return UTF8, nil
	case "windows-1252", "cp1252":
		return Windows1252, nil
	}
	return Auto, fmt.Errorf("unknown encoding %q: use auto, utf-8 or windows-1252", s)
}

// MaxRecordBytes bounds the size of one record, so that a quote left open
// or a runaway field cannot make the reader hold a whole file in memory.
// Reads buffer up to 64 KiB ahead, so a record fails a little above it.
const MaxRecordBytes = 1 << 20

// ErrRecordTooLong reports a record larger than [MaxRecordBytes].
var ErrRecordTooLong = errors.New("record longer than 1 MiB: a quote may be left open")

// recordLimit fails a read once the current record has used its budget.
type recordLimit struct {
	r    io.Reader
	left int
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, ErrRecordTooLong
	}
	if len(p) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= n
	return n, err
}

// ErrFieldCount reports a record whose number of fields differs from the
// header's. The record is still returned, so that a caller can report it
// and go on.
var ErrFieldCount = errors.New("wrong number of fields")

// Reader reads records from a file with a header line. It is not safe for
// concurrent use.
type Reader struct {
	csv     *csv.Reader
	enc     Encoding
	limit   *recordLimit
	line    int // the line of the last record read
	header  []string
	columns map[string]int
	fields  []string
}

// Record is one record of a file. Fields are indexed like the header;
// Line is the line on which the record starts, the header being line 1.
// A Reader reuses a Record's Fields slice on the next call to Read.
type Record struct {
	Line   int
	Fields []string
}

// NewReader reads the header line of r and returns a Reader for the
// records after it. A leading UTF-8 byte order mark is skipped and then
// forces UTF-8. enc must not be [Auto] unless r starts with that mark:
// detect the encoding with [Scan] and [Detect] first.
func NewReader(r io.Reader, enc Encoding) (*Reader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	if head, err := br.Peek(3); err == nil && bytes.Equal(head, bom) {
		if _, err := br.Discard(3); err != nil {
			return nil, err
		}
		enc = UTF8
	}
	if enc == Auto {
		return nil, errors.New("chambercsv: encoding not detected: call Scan and Detect first")
	}

	limit := &recordLimit{r: br, left: MaxRecordBytes}
	cr := csv.NewReader(bufio.NewReaderSize(limit, 64<<10))
	cr.Comma = ';'
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rd := &Reader{csv: cr, enc: enc, columns: make(map[string]int), limit: limit}

	names, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("file is empty: the header line is missing")
	}
	if err != nil {
		return nil, rd.wrap(err)
	}
	for i, name := range names {
		name, err := rd.decode(name)
		if err != nil {
			return nil, fmt.Errorf("header line: %w", err)
		}
		rd.header = append(rd.header, name)
		key := strings.ToLower(name)
		if _, dup := rd.columns[key]; dup {
			return nil, fmt.Errorf("header line: column %q appears twice", name)
		}
		rd.columns[key] = i
	}
	return rd, nil
}

// Header returns the column names as the file spells them, trimmed.
func (rd *Reader) Header() []string {
	return rd.header
}

// Encoding returns the encoding the Reader decodes.
func (rd *Reader) Encoding() Encoding {
	return rd.enc
}

// Column returns the index of the named column, matched without regard
// to case and surrounding spaces, or -1 if the file lacks it.
func (rd *Reader) Column(name string) int {
	i, ok := rd.columns[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return -1
	}
	return i
}

// Read returns the next record, or io.EOF after the last. A record with
// another number of fields than the header comes with an error wrapping
// [ErrFieldCount]; any other error means that the rest of the file cannot
// be read.
func (rd *Reader) Read(rec *Record) error {
	rd.limit.left = MaxRecordBytes
	raw, err := rd.csv.Read()
	if errors.Is(err, ErrRecordTooLong) {
		return fmt.Errorf("record after line %d: %w", rd.line, err)
	}
	if err != nil {
		return rd.wrap(err)
	}
	rec.Line, _ = rd.csv.FieldPos(0)
	rd.line = rec.Line

	rd.fields = rd.fields[:0]
	for i, f := range raw {
		v, err := rd.decode(f)
		if err != nil {
			line, col := rd.csv.FieldPos(i)
			return fmt.Errorf("line %d column %d: %w", line, col, err)
		}
		rd.fields = append(rd.fields, v)
	}
	rec.Fields = rd.fields

	if len(raw) != len(rd.header) {
		return fmt.Errorf("line %d: %w: %d, the header has %d", rec.Line, ErrFieldCount, len(raw), len(rd.header))
	}
	return nil
}

func (rd *Reader) wrap(err error) error {
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) && pe.StartLine != pe.Line {
		return fmt.Errorf("record at line %d: line %d column %d: %w", pe.StartLine, pe.Line, pe.Column, pe.Err)
	}
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d column %d: %w", pe.Line, pe.Column, pe.Err)
	}
	return err
}

// decode turns a raw field into trimmed UTF-8 text in NFC.
func (rd *Reader) decode(raw string) (string, error) {
	s := raw
	switch {
	case isASCII(s):
	case rd.enc == Windows1252:
		// Windows-1252 has no combining marks and only characters that
		// NFC keeps, so its text is in NFC already.
		d, err := decode1252(s)
		if err != nil {
			return "", err
		}
		s = d
	case !utf8.ValidString(s):
		return "", fmt.Errorf("invalid utf-8 in %q: set the encoding to windows-1252 or fix the file",
			strings.ToValidUTF8(s, "\ufffd"))
	case !norm.NFC.IsNormalString(s):
		s = norm.NFC.String(s)
	}
	return strings.TrimSpace(s), nil
}

// cp1252 maps each byte of Windows-1252 to its character; the five bytes
// that the code page leaves undefined map to utf8.RuneError.
var cp1252 = func() (t [256]rune) {
	for i := range t {
		t[i] = charmap.Windows1252.DecodeByte(byte(i))
	}
	return t
}()

// decode1252 decodes Windows-1252 text. It fails on a byte that the code
// page leaves undefined, where a decoder would put U+FFFD silently.
func decode1252(s string) (string, error) {
	b := make([]byte, 0, len(s)+len(s)/2)
	for i := 0; i < len(s); i++ {
		r := cp1252[s[i]]
		if r == utf8.RuneError {
			d, _ := charmap.Windows1252.NewDecoder().String(s)
			return "", fmt.Errorf("cannot decode %q as windows-1252: byte 0x%02x is undefined in it", d, s[i])
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
