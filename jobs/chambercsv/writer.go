package chambercsv

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Writer writes records in the chamber's CSV format: fields separated by
// ";", quoted where they contain ";", a quote or a line break or are a
// record's only field and empty, and lines ended by CRLF. A Writer
// buffers its output; call [Writer.Flush] when done.
type Writer struct {
	w   *bufio.Writer
	enc Encoding
	buf []byte
}

// NewWriter returns a Writer that encodes text as enc, which must be
// [UTF8] or [Windows1252]. With bom set and enc [UTF8] it first writes a
// UTF-8 byte order mark.
func NewWriter(w io.Writer, enc Encoding, bom bool) (*Writer, error) {
	if enc != UTF8 && enc != Windows1252 {
		return nil, fmt.Errorf("chambercsv: writer needs encoding utf-8 or windows-1252, not %v", enc)
	}
	cw := &Writer{w: bufio.NewWriterSize(w, 64<<10), enc: enc}
	if bom && enc == UTF8 {
		if _, err := cw.w.WriteString("\ufeff"); err != nil {
			return nil, err
		}
	}
	return cw, nil
}

// Write writes one record. With [Windows1252] it fails on a character that
// the code page lacks and names it.
func (cw *Writer) Write(fields []string) error {
	cw.buf = cw.buf[:0]
	for i, f := range fields {
		if i > 0 {
			cw.buf = append(cw.buf, ';')
		}
		// A lone empty field is quoted, because a reader skips an empty line.
		if strings.ContainsAny(f, ";\"\r\n") || len(fields) == 1 && f == "" {
			cw.buf = append(cw.buf, '"')
			cw.buf = append(cw.buf, strings.ReplaceAll(f, `"`, `""`)...)
			cw.buf = append(cw.buf, '"')
		} else {
			cw.buf = append(cw.buf, f...)
		}
	}
	cw.buf = append(cw.buf, '\r', '\n')

	if cw.enc == UTF8 {
		_, err := cw.w.Write(cw.buf)
		return err
	}
	for _, r := range string(cw.buf) {
		b, ok := charmap.Windows1252.EncodeRune(r)
		if !ok {
			return fmt.Errorf("chambercsv: character %q has no windows-1252 code", r)
		}
		if err := cw.w.WriteByte(b); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes any buffered data to the underlying writer.
func (cw *Writer) Flush() error {
	return cw.w.Flush()
}
