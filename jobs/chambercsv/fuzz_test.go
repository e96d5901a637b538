package chambercsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzReader checks two properties on arbitrary bytes. First, read as a
// file in either encoding, they never make the reader panic, and every
// field it returns is valid, trimmed NFC text on a line after the last
// record's. Second, the bytes after the first are cut into fields at each
// ',' and into records of 1 to 4 fields, as the first byte chooses.
// Written by a Writer and read back, the fields come out as written,
// except that the reader trims them, normalises them to NFC and turns a
// CRLF inside a quoted field into LF.
func FuzzReader(f *testing.F) {
	seeds := []string{
		"a;b\r\n1;2\r\n",
		"a;b\n\"x;y\";\"say \"\"hi\"\"\"\n",
		"a;b\r\n\"line 1\r\nline 2\";2\r\n3;4\r\n",
		"\ufeffIdentnummer;Name1\r\n0004711;Mu\u0308ller\r\n",
		"Name\r\nM\xfcller & S\xf6hne \x80\r\n",
		"a;b\r\n1;x\"y\r\n",
		"a;b\r\n1;\"open\r\n",
		"a;a\r\n",
		"a;b;c\r\n1;2\r\n3;4;5;6\r\n",
		"\x02 a , b;c\r\n,\",\r\n x ,",
		"\x03Zoë,D'Angelo,\"quoted\",semi;colon,line\nbreak, spaced ,",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, data)
		checkRoundTrip(t, data)
	})
}

// checkRead scans data and reads it as a file in each encoding that
// [Detect] can choose.
func checkRead(t *testing.T, data []byte) {
	res, err := Scan(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if enc := Detect(res); enc != UTF8 && enc != Windows1252 {
		t.Fatalf("Detect = %v, want utf-8 or windows-1252", enc)
	}
	for _, enc := range []Encoding{UTF8, Windows1252} {
		rd, err := NewReader(bytes.NewReader(data), enc)
		if err != nil {
			continue
		}
		for _, name := range rd.Header() {
			checkText(t, "header", name)
		}

		last := 1
		var rec Record
		for {
			err := rd.Read(&rec)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil && !errors.Is(err, ErrFieldCount) {
				break
			}
			if rec.Line <= last {
				t.Fatalf("%v: record on line %d after a record on line %d", enc, rec.Line, last)
			}
			last = rec.Line
			if err == nil && len(rec.Fields) != len(rd.Header()) {
				t.Fatalf("%v line %d: %d fields without an error, the header has %d",
					enc, rec.Line, len(rec.Fields), len(rd.Header()))
			}
			for _, field := range rec.Fields {
				checkText(t, fmt.Sprintf("%v line %d", enc, rec.Line), field)
			}
		}
	}
}

func checkText(t *testing.T, where, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s: field %q is not valid UTF-8", where, s)
	}
	if !norm.NFC.IsNormalString(s) {
		t.Fatalf("%s: field %q is not in NFC", where, s)
	}
	if strings.TrimSpace(s) != s {
		t.Fatalf("%s: field %q is not trimmed", where, s)
	}
}

// checkRoundTrip writes records made from data and reads them back.
func checkRoundTrip(t *testing.T, data []byte) {
	if len(data) == 0 {
		return
	}
	columns := 1 + int(data[0]%4)
	bom := data[0]&4 != 0
	fields := strings.Split(strings.ToValidUTF8(string(data[1:]), "\ufffd"), ",")
	for len(fields)%columns != 0 {
		fields = append(fields, "")
	}
	header := make([]string, columns)
	for i := range header {
		header[i] = fmt.Sprintf("c%d", i)
	}
	var records [][]string
	for i := 0; i < len(fields); i += columns {
		records = append(records, fields[i:i+columns])
	}

	for _, enc := range []Encoding{UTF8, Windows1252} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, enc, bom)
		if err != nil {
			t.Fatal(err)
		}
		if !writeAll(t, w, enc, append([][]string{header}, records...)) {
			continue // a character that Windows-1252 lacks
		}

		rd, err := NewReader(bytes.NewReader(buf.Bytes()), enc)
		if err != nil {
			t.Fatalf("%v: read back header of %q: %v", enc, buf.Bytes(), err)
		}
		line := 2
		var rec Record
		for i, want := range records {
			if err := rd.Read(&rec); err != nil {
				t.Fatalf("%v: read back record %d of %q: %v", enc, i, buf.Bytes(), err)
			}
			if rec.Line != line {
				t.Errorf("%v: record %d read back on line %d, want %d", enc, i, rec.Line, line)
			}
			for j, field := range want {
				if got, want := rec.Fields[j], readForm(field); got != want {
					t.Errorf("%v: record %d field %d = %q, want %q (written %q)", enc, i, j, got, want, field)
				}
				line += strings.Count(field, "\n")
			}
			line++
		}
		if err := rd.Read(&rec); !errors.Is(err, io.EOF) {
			t.Errorf("%v: after the last record Read = %v, want io.EOF", enc, err)
		}
	}
}

// writeAll writes records and reports false if enc cannot encode them.
func writeAll(t *testing.T, w *Writer, enc Encoding, records [][]string) bool {
	t.Helper()
	for _, r := range records {
		if err := w.Write(r); err != nil {
			if enc == Windows1252 && strings.Contains(err.Error(), "has no windows-1252 code") {
				return false
			}
			t.Fatalf("%v: write %q: %v", enc, r, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return true
}

// readForm returns a written field as a Reader returns it.
func readForm(field string) string {
	return strings.TrimSpace(norm.NFC.String(strings.ReplaceAll(field, "\r\n", "\n")))
}
