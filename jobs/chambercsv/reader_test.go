package chambercsv

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// readResult is the outcome of reading a whole file: each record with its
// line, and the errors that Read returned.
type readResult struct {
	header  []string
	records []readRecord
	errs    []string // messages of Read errors that wrap ErrFieldCount
	err     error    // the error that ended reading, nil at io.EOF
}

type readRecord struct {
	line   int
	fields []string
}

func (r readRecord) String() string {
	return fmt.Sprintf("line %d %q", r.line, r.fields)
}

// readAll reads every record of input, going on after ErrFieldCount as
// the importer does.
func readAll(t *testing.T, input string, enc Encoding) readResult {
	t.Helper()
	rd, err := NewReader(strings.NewReader(input), enc)
	if err != nil {
		return readResult{err: err}
	}
	res := readResult{header: rd.Header()}
	var rec Record
	for {
		err := rd.Read(&rec)
		if errors.Is(err, io.EOF) {
			return res
		}
		if err != nil && !errors.Is(err, ErrFieldCount) {
			res.err = err
			return res
		}
		if err != nil {
			res.errs = append(res.errs, err.Error())
		}
		res.records = append(res.records, readRecord{rec.Line, append([]string(nil), rec.Fields...)})
	}
}

func TestReaderFormat(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		enc    Encoding
		header []string
		want   []readRecord
	}{
		{
			name:   "semicolon separator",
			enc:    UTF8,
			input:  "a;b;c\r\n1;2;3\r\n",
			header: []string{"a", "b", "c"},
			want:   []readRecord{{2, []string{"1", "2", "3"}}},
		},
		{
			name:   "comma is no separator",
			enc:    UTF8,
			input:  "a;b\r\n1,5;2\r\n",
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"1,5", "2"}}},
		},
		{
			name:   "quoted field with separator",
			enc:    UTF8,
			input:  "a;b\r\n\"Süd; Lager\";2\r\n",
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"Süd; Lager", "2"}}},
		},
		{
			name:   "doubled quote",
			enc:    UTF8,
			input:  "a;b\r\n\"Café \"\"Zum Anker\"\" GmbH\";\"\"\"\"\r\n",
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{`Café "Zum Anker" GmbH`, `"`}}},
		},
		{
			name:   "empty quoted field",
			enc:    UTF8,
			input:  "a;b\r\n\"\";x\r\n",
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"", "x"}}},
		},
		{
			name:   "line break in quoted field",
			enc:    UTF8,
			input:  "a;b\r\n1;\"Hinterhaus\r\nMarienstraße 5\"\r\n2;x\r\n",
			header: []string{"a", "b"},
			want: []readRecord{
				{2, []string{"1", "Hinterhaus\nMarienstraße 5"}},
				{4, []string{"2", "x"}},
			},
		},
		{
			name:   "several line breaks shift later lines",
			enc:    UTF8,
			input:  "a;b\r\n\"x\r\n\r\ny\";\"1\n2\n3\"\r\n3;z\r\n4;w\r\n",
			header: []string{"a", "b"},
			want: []readRecord{
				{2, []string{"x\n\ny", "1\n2\n3"}},
				{7, []string{"3", "z"}},
				{8, []string{"4", "w"}},
			},
		},
		{
			name:   "LF line ends",
			enc:    UTF8,
			input:  "a;b\n1;2\n3;\"4\n5\"\n6;7\n",
			header: []string{"a", "b"},
			want: []readRecord{
				{2, []string{"1", "2"}},
				{3, []string{"3", "4\n5"}},
				{5, []string{"6", "7"}},
			},
		},
		{
			name:   "mixed line ends",
			enc:    UTF8,
			input:  "a;b\r\n1;2\n3;4\r\n",
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"1", "2"}}, {3, []string{"3", "4"}}},
		},
		{
			name:   "last line without line end",
			enc:    UTF8,
			input:  "a;b\r\n1;2",
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"1", "2"}}},
		},
		{
			name:   "empty line skipped but counted",
			enc:    UTF8,
			input:  "a;b\r\n\r\n1;2\r\n",
			header: []string{"a", "b"},
			want:   []readRecord{{3, []string{"1", "2"}}},
		},
		{
			name:   "header only",
			enc:    UTF8,
			input:  "a;b\r\n",
			header: []string{"a", "b"},
		},
		{
			name:   "values trimmed",
			enc:    UTF8,
			input:  " a ;\tb\r\n  01067 ;\" x \"\r\n",
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"01067", "x"}}},
		},
		{
			name:   "leading zeros kept",
			enc:    UTF8,
			input:  "Identnummer;PLZ\r\n0004711;01067\r\n",
			header: []string{"Identnummer", "PLZ"},
			want:   []readRecord{{2, []string{"0004711", "01067"}}},
		},
		{
			name:   "decomposed umlaut normalised to NFC",
			enc:    UTF8,
			input:  "a;b\r\nMu\u0308ller;Zoe\u0308\r\n",
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"Müller", "Zoë"}}},
		},
		{
			name:   "decomposed header normalised to NFC",
			enc:    UTF8,
			input:  "Gru\u0308n;b\r\n1;2\r\n",
			header: []string{"Grün", "b"},
			want:   []readRecord{{2, []string{"1", "2"}}},
		},
		{
			name:   "byte order mark skipped",
			enc:    UTF8,
			input:  "\ufeffa;b\r\n1;2\r\n",
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"1", "2"}}},
		},
		{
			name:   "byte order mark forces UTF-8",
			input:  "\ufeffa;b\r\nStraße;Zoë\r\n",
			enc:    Windows1252,
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"Straße", "Zoë"}}},
		},
		{
			name:   "byte order mark with auto detection",
			input:  "\ufeffa;b\r\n1;2\r\n",
			enc:    Auto,
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"1", "2"}}},
		},
		{
			name:   "Windows-1252 decoded",
			input:  "Name;Betrag\r\nM\xfcller & S\xf6hne;\x80 5\r\nStra\xdfe;\x93x\x94 \x96 y\r\n",
			enc:    Windows1252,
			header: []string{"Name", "Betrag"},
			want: []readRecord{
				{2, []string{"Müller & Söhne", "€ 5"}},
				{3, []string{"Straße", "\u201cx\u201d \u2013 y"}},
			},
		},
		{
			name:   "Windows-1252 quoted field with line break",
			input:  "a;b\r\n\"Gro\xdfe\r\nGasse\";1\r\n2;3\r\n",
			enc:    Windows1252,
			header: []string{"a", "b"},
			want:   []readRecord{{2, []string{"Große\nGasse", "1"}}, {4, []string{"2", "3"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAll(t, tt.input, tt.enc)
			if got.err != nil {
				t.Fatalf("read: %v", got.err)
			}
			if !reflect.DeepEqual(got.header, tt.header) {
				t.Errorf("header = %q, want %q", got.header, tt.header)
			}
			if !reflect.DeepEqual(got.records, tt.want) {
				t.Errorf("records = %v, want %v", got.records, tt.want)
			}
			if len(got.errs) > 0 {
				t.Errorf("field count errors = %q, want none", got.errs)
			}
		})
	}
}

func TestReaderEncoding(t *testing.T) {
	tests := []struct {
		name  string
		input string
		enc   Encoding
		want  Encoding
	}{
		{name: "UTF-8", input: "a\r\n", enc: UTF8, want: UTF8},
		{name: "Windows-1252", input: "a\r\n", enc: Windows1252, want: Windows1252},
		{name: "byte order mark over Windows-1252", input: "\ufeffa\r\n", enc: Windows1252, want: UTF8},
		{name: "byte order mark over auto", input: "\ufeffa\r\n", enc: Auto, want: UTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := NewReader(strings.NewReader(tt.input), tt.enc)
			if err != nil {
				t.Fatal(err)
			}
			if got := rd.Encoding(); got != tt.want {
				t.Errorf("Encoding() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReaderColumn(t *testing.T) {
	input := " Identnummer ;NAME1;Unbekannt;  eMail\t\r\n0004711;Müller;x;a@example.org\r\n"
	rd, err := NewReader(strings.NewReader(input), UTF8)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"Identnummer", "NAME1", "Unbekannt", "eMail"}
	if got := rd.Header(); !reflect.DeepEqual(got, wantHeader) {
		t.Errorf("Header() = %q, want %q", got, wantHeader)
	}

	tests := []struct {
		name   string
		column string
		want   int
	}{
		{name: "same spelling", column: "Identnummer", want: 0},
		{name: "other case", column: "identNUMMER", want: 0},
		{name: "surrounding spaces", column: "  Name1 ", want: 1},
		{name: "header in other case", column: "EMail", want: 3},
		{name: "unknown column present", column: "Unbekannt", want: 2},
		{name: "missing column", column: "Status", want: -1},
		{name: "empty name", column: "", want: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rd.Column(tt.column); got != tt.want {
				t.Errorf("Column(%q) = %d, want %d", tt.column, got, tt.want)
			}
		})
	}

	var rec Record
	if err := rd.Read(&rec); err != nil {
		t.Fatal(err)
	}
	if got := rec.Fields[rd.Column("email")]; got != "a@example.org" {
		t.Errorf("email field = %q, want a@example.org", got)
	}
}

func TestReaderFieldCount(t *testing.T) {
	input := "a;b;c\r\n1;2;3\r\n4;5\r\n6;7;8;9\r\n\"x\r\ny\";z\r\n10;11;12\r\n"
	got := readAll(t, input, UTF8)
	if got.err != nil {
		t.Fatalf("read: %v", got.err)
	}

	want := []readRecord{
		{2, []string{"1", "2", "3"}},
		{3, []string{"4", "5"}},
		{4, []string{"6", "7", "8", "9"}},
		{5, []string{"x\ny", "z"}},
		{7, []string{"10", "11", "12"}},
	}
	if !reflect.DeepEqual(got.records, want) {
		t.Errorf("records = %v, want %v", got.records, want)
	}
	wantErrs := []string{
		"line 3: wrong number of fields: 2, the header has 3",
		"line 4: wrong number of fields: 4, the header has 3",
		"line 5: wrong number of fields: 2, the header has 3",
	}
	if !reflect.DeepEqual(got.errs, wantErrs) {
		t.Errorf("errors = %q, want %q", got.errs, wantErrs)
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		enc     Encoding
		records int      // records read before the error
		want    []string // fragments of the error message
		is      error    // the error must wrap this, if set
	}{
		{
			name:    "bare quote",
			enc:     UTF8,
			input:   "a;b\r\n1;2\r\n3;x\"y\r\n4;5\r\n",
			records: 1,
			want:    []string{"line 3 column 4", "bare"},
			is:      csv.ErrBareQuote,
		},
		{
			name:    "bare quote after multi-line record",
			enc:     UTF8,
			input:   "a;b\r\n\"1\r\n2\";3\r\n4;5 \"6\"\r\n",
			records: 1,
			want:    []string{"line 4 column 5", "bare"},
			is:      csv.ErrBareQuote,
		},
		{
			name:  "text after closing quote",
			enc:   UTF8,
			input: "a;b\r\n\"1\"x;2\r\n",
			want:  []string{"line 2 column 3"},
			is:    csv.ErrQuote,
		},
		{
			name:    "unterminated quote",
			enc:     UTF8,
			input:   "a;b\r\n1;2\r\n3;\"open\r\n4;5\r\n",
			records: 1,
			want:    []string{"record at line 3: line 4 column 5", "quote"},
			is:      csv.ErrQuote,
		},
		{
			name:  "bare quote in header",
			enc:   UTF8,
			input: "a;b\"c\r\n1;2\r\n",
			want:  []string{"line 1 column 4", "bare"},
			is:    csv.ErrBareQuote,
		},
		{
			name:  "duplicate header column",
			enc:   UTF8,
			input: "Identnummer;Name1; identnummer \r\n1;2;3\r\n",
			want:  []string{"header line", `"identnummer"`, "twice"},
		},
		{
			name:  "empty file",
			enc:   UTF8,
			input: "",
			want:  []string{"empty"},
		},
		{
			name:  "byte order mark only",
			enc:   UTF8,
			input: "\ufeff",
			want:  []string{"empty"},
		},
		{
			name:  "auto without byte order mark",
			input: "a;b\r\n",
			enc:   Auto,
			want:  []string{"encoding not detected"},
		},
		{
			name:    "invalid UTF-8",
			input:   "a;b\r\n1;2\r\n3;M\xfcller\r\n",
			enc:     UTF8,
			records: 1,
			want:    []string{"line 3 column 3", "invalid utf-8", "M\ufffdller"},
		},
		{
			name:  "invalid UTF-8 in header",
			input: "a;Gr\xfcn\r\n",
			enc:   UTF8,
			want:  []string{"header line", "invalid utf-8"},
		},
		{
			name:    "byte undefined in Windows-1252",
			input:   "a;b\r\n1;2\r\n3;x\x81y\r\n",
			enc:     Windows1252,
			records: 1,
			want:    []string{"line 3 column 3", "windows-1252", `0x81`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAll(t, tt.input, tt.enc)
			if got.err == nil {
				t.Fatalf("read %q: no error, want one containing %q", tt.input, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(got.err.Error(), w) {
					t.Errorf("error %q does not contain %q", got.err, w)
				}
			}
			if tt.is != nil && !errors.Is(got.err, tt.is) {
				t.Errorf("error %q does not wrap %v", got.err, tt.is)
			}
			if errors.Is(got.err, ErrFieldCount) {
				t.Errorf("error %q wraps ErrFieldCount, want a file-level error", got.err)
			}
			if len(got.records) != tt.records {
				t.Errorf("records before the error = %d, want %d", len(got.records), tt.records)
			}
		})
	}
}

func TestReaderReusesFields(t *testing.T) {
	rd, err := NewReader(strings.NewReader("a\r\n1\r\n2\r\n"), UTF8)
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := rd.Read(&rec); err != nil {
		t.Fatal(err)
	}
	first := rec.Fields[0]
	if err := rd.Read(&rec); err != nil {
		t.Fatal(err)
	}
	if first != "1" || rec.Fields[0] != "2" {
		t.Errorf("fields = %q then %q, want 1 then 2", first, rec.Fields[0])
	}
}

func TestScanDetect(t *testing.T) {
	const chunk = 64 << 10
	pad := func(n int) string { return strings.Repeat("a", n) }

	tests := []struct {
		name      string
		input     string
		oneByte   bool // read through iotest.OneByteReader
		bom       bool
		validUTF8 bool
		endsLine  bool
		want      Encoding
	}{
		{name: "empty", input: "", validUTF8: true, endsLine: true, want: UTF8},
		{name: "ASCII", input: "a;b\r\n", validUTF8: true, endsLine: true, want: UTF8},
		{name: "valid UTF-8", input: "Müller;Zoë\r\n", validUTF8: true, endsLine: true, want: UTF8},
		{name: "Windows-1252", input: "M\xfcller\r\n", endsLine: true, want: Windows1252},
		{name: "Windows-1252 euro sign", input: "\x80 5", want: Windows1252},
		{name: "byte order mark", input: "\ufeffa\r\n", bom: true, validUTF8: true, endsLine: true,
			want: UTF8},
		{name: "byte order mark before invalid UTF-8", input: "\ufeffM\xfcller", bom: true, want: UTF8},
		{name: "byte order mark later in file", input: "a\ufeff", validUTF8: true, want: UTF8},
		{name: "truncated sequence at end", input: "abc\xc3", want: Windows1252},
		{name: "overlong encoding", input: "\xc0\xaf", want: Windows1252},
		{name: "surrogate", input: "\xed\xa0\x80", want: Windows1252},
		{name: "two bytes across chunks", input: pad(chunk-1) + "ü" + pad(10), validUTF8: true, want: UTF8},
		{name: "three bytes across chunks after one", input: pad(chunk-1) + "€", validUTF8: true, want: UTF8},
		{name: "three bytes across chunks after two", input: pad(chunk-2) + "€", validUTF8: true, want: UTF8},
		{name: "four bytes across chunks", input: pad(chunk-3) + "😀\n", validUTF8: true, endsLine: true,
			want: UTF8},
		{name: "character ends chunk", input: pad(chunk-2) + "ü" + "x", validUTF8: true, want: UTF8},
		{name: "invalid byte after chunk boundary", input: pad(chunk-1) + "\xc3a", want: Windows1252},
		{name: "invalid byte in second chunk", input: pad(chunk+100) + "\xfc\n", endsLine: true,
			want: Windows1252},
		{name: "byte by byte", input: "Grüße €😀\n", oneByte: true, validUTF8: true, endsLine: true,
			want: UTF8},
		{name: "byte by byte invalid", input: "Gr\xfc\xdfe", oneByte: true, want: Windows1252},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader = strings.NewReader(tt.input)
			if tt.oneByte {
				r = iotest.OneByteReader(r)
			}
			res, err := Scan(r)
			if err != nil {
				t.Fatal(err)
			}

			sum := sha256.Sum256([]byte(tt.input))
			if want := hex.EncodeToString(sum[:]); res.SHA256 != want {
				t.Errorf("SHA256 = %s, want %s", res.SHA256, want)
			}
			if res.Size != int64(len(tt.input)) {
				t.Errorf("Size = %d, want %d", res.Size, len(tt.input))
			}
			if res.BOM != tt.bom {
				t.Errorf("BOM = %v, want %v", res.BOM, tt.bom)
			}
			if res.ValidUTF8 != tt.validUTF8 {
				t.Errorf("ValidUTF8 = %v, want %v", res.ValidUTF8, tt.validUTF8)
			}
			if res.EndsWithLine != tt.endsLine {
				t.Errorf("EndsWithLine = %v, want %v", res.EndsWithLine, tt.endsLine)
			}
			if got := Detect(res); got != tt.want {
				t.Errorf("Detect = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScanReadError(t *testing.T) {
	boom := errors.New("disk gone")
	_, err := Scan(io.MultiReader(strings.NewReader("a;b\r\n"), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Errorf("Scan error = %v, want %v", err, boom)
	}
}

func TestParseEncoding(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    Encoding
		wantErr bool
	}{
		{name: "empty means auto", input: "", want: Auto},
		{name: "auto", input: "auto", want: Auto},
		{name: "utf-8", input: "UTF-8", want: UTF8},
		{name: "utf8", input: " utf8 ", want: UTF8},
		{name: "windows-1252", input: "Windows-1252", want: Windows1252},
		{name: "cp1252", input: "cp1252", want: Windows1252},
		{name: "latin1 unknown", input: "latin1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEncoding(tt.input)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseEncoding(%q) error = %v, want error %v", tt.input, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseEncoding(%q) = %v, want %v", tt.input, got, tt.want)
			}
			if !tt.wantErr && tt.input != "" {
				back, err := ParseEncoding(got.String())
				if err != nil || back != got {
					t.Errorf("ParseEncoding(%q.String()) = %v, %v, want %v", got, back, err, got)
				}
			}
		})
	}
}

func TestWriterOutput(t *testing.T) {
	records := [][]string{
		{"AnmeldungsNr", "Angaben"},
		{"P-1", "Ausbildungsnachweise=J,Zustimmung=J"},
		{"P;2", `Café "Zum Anker"`},
		{"P-3", "Zeile 1\nZeile 2"},
		{"", "Müller"},
	}
	tests := []struct {
		name string
		enc  Encoding
		bom  bool
		want string
	}{
		{
			name: "UTF-8 with byte order mark",
			enc:  UTF8,
			bom:  true,
			want: "\ufeffAnmeldungsNr;Angaben\r\nP-1;Ausbildungsnachweise=J,Zustimmung=J\r\n" +
				"\"P;2\";\"Café \"\"Zum Anker\"\"\"\r\nP-3;\"Zeile 1\nZeile 2\"\r\n;Müller\r\n",
		},
		{
			name: "UTF-8 without byte order mark",
			enc:  UTF8,
			want: "AnmeldungsNr;Angaben\r\nP-1;Ausbildungsnachweise=J,Zustimmung=J\r\n" +
				"\"P;2\";\"Café \"\"Zum Anker\"\"\"\r\nP-3;\"Zeile 1\nZeile 2\"\r\n;Müller\r\n",
		},
		{
			name: "Windows-1252 ignores byte order mark",
			enc:  Windows1252,
			bom:  true,
			want: "AnmeldungsNr;Angaben\r\nP-1;Ausbildungsnachweise=J,Zustimmung=J\r\n" +
				"\"P;2\";\"Caf\xe9 \"\"Zum Anker\"\"\"\r\nP-3;\"Zeile 1\nZeile 2\"\r\n;M\xfcller\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, tt.enc, tt.bom)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range records {
				if err := w.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("output = %q, want %q", got, tt.want)
			}

			got := readAll(t, buf.String(), tt.enc)
			if got.err != nil {
				t.Fatalf("read back: %v", got.err)
			}
			if !reflect.DeepEqual(got.header, records[0]) {
				t.Errorf("header read back = %q, want %q", got.header, records[0])
			}
			var fields [][]string
			for _, r := range got.records {
				fields = append(fields, r.fields)
			}
			if !reflect.DeepEqual(fields, records[1:]) {
				t.Errorf("records read back = %q, want %q", fields, records[1:])
			}
		})
	}
}

func TestWriterErrors(t *testing.T) {
	t.Run("character missing from Windows-1252", func(t *testing.T) {
		w, err := NewWriter(io.Discard, Windows1252, false)
		if err != nil {
			t.Fatal(err)
		}
		err = w.Write([]string{"Nguyễn"})
		if err == nil || !strings.Contains(err.Error(), `'ễ'`) {
			t.Errorf("Write error = %v, want one naming 'ễ'", err)
		}
	})
	t.Run("auto encoding", func(t *testing.T) {
		if _, err := NewWriter(io.Discard, Auto, false); err == nil {
			t.Error("NewWriter(Auto) succeeded, want an error")
		}
	})
}

func TestWriterSingleEmptyField(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, UTF8, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]string{{"a"}, {""}, {"b"}} {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}

	got := readAll(t, buf.String(), UTF8)
	want := []readRecord{{2, []string{""}}, {3, []string{"b"}}}
	if !reflect.DeepEqual(got.records, want) {
		t.Errorf("records read back = %v, want %v (output %q)", got.records, want, buf.String())
	}
}

func TestReaderRejectsHugeRecord(t *testing.T) {
	huge := "a;b\r\n1;2\r\n3;\"" + strings.Repeat("x", 3*MaxRecordBytes) + "\"\r\n"
	rd, err := NewReader(strings.NewReader(huge), UTF8)
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := rd.Read(&rec); err != nil {
		t.Fatalf("first record: %v", err)
	}
	err = rd.Read(&rec)
	if !errors.Is(err, ErrRecordTooLong) {
		t.Fatalf("Read of a 3 MiB record = %v, want ErrRecordTooLong", err)
	}
	if !strings.Contains(err.Error(), "after line 2") {
		t.Errorf("error %q does not name line 2", err)
	}
}

func TestScanMixedEncoding(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		mixed     bool
		invalidAt int64
	}{
		{"utf-8 only", "Sören;Müller\r\n", false, -1},
		{"windows-1252 only", "S\xf6ren;M\xfcller\r\n", false, 1},
		{"utf-8 with a windows-1252 byte", "Sören\r\nK\xf6hler\r\n", true, 9},
		{"ascii then windows-1252", "Soren\r\nK\xf6hler\r\n", false, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Scan(strings.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if res.Mixed != tt.mixed {
				t.Errorf("Mixed = %v, want %v", res.Mixed, tt.mixed)
			}
			if res.InvalidAt != tt.invalidAt {
				t.Errorf("InvalidAt = %d, want %d", res.InvalidAt, tt.invalidAt)
			}
		})
	}
}

// TestWindows1252IsNFC checks what the reader relies on to skip the
// normalisation of Windows-1252 text: no character combines (class 0)
// and every pair of characters is in NFC, so every text is.
func TestWindows1252IsNFC(t *testing.T) {
	var chars []string
	for b := range 256 {
		r := cp1252[b]
		if r == utf8.RuneError {
			continue
		}
		chars = append(chars, string(r))
		if ccc := norm.NFC.PropertiesString(string(r)).CCC(); ccc != 0 {
			t.Errorf("%U has combining class %d", r, ccc)
		}
	}
	for _, a := range chars {
		for _, b := range chars {
			if s := a + b; !norm.NFC.IsNormalString(s) {
				t.Errorf("%q (%U %U) is not in NFC", s, []rune(a)[0], []rune(b)[0])
			}
		}
	}
}
