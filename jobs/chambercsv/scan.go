package chambercsv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"unicode/utf8"
)

// ScanResult describes a file's bytes as [Scan] found them.
type ScanResult struct {
	SHA256       string // lower-case hex
	Size         int64
	BOM          bool // starts with a UTF-8 byte order mark
	ValidUTF8    bool
	EndsWithLine bool // the last byte is a line feed, or the file is empty
}

// Scan reads r to its end and returns the checksum, the size and what
// [Detect] needs to choose the encoding. It holds at most 64 KiB in memory.
func Scan(r io.Reader) (ScanResult, error) {
	h := sha256.New()
	res := ScanResult{ValidUTF8: true, EndsWithLine: true}
	buf := make([]byte, 64<<10)
	var carry []byte // an incomplete UTF-8 sequence at the end of the last chunk

	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			h.Write(chunk)
			if res.Size == 0 && bytes.HasPrefix(chunk, bom) {
				res.BOM = true
			}
			res.Size += int64(n)
			res.EndsWithLine = chunk[n-1] == '\n'
			if res.ValidUTF8 {
				carry = checkUTF8(append(carry, chunk...), &res.ValidUTF8)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return ScanResult{}, err
		}
	}
	if len(carry) > 0 {
		res.ValidUTF8 = false
	}
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	return res, nil
}

// checkUTF8 validates b and returns a trailing incomplete sequence to be
// joined to the next chunk.
func checkUTF8(b []byte, valid *bool) []byte {
	cut := len(b)
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(b[:cut]) {
		*valid = false
		return nil
	}
	return append([]byte(nil), b[cut:]...)
}

// Detect chooses the encoding of a scanned file: a byte order mark means
// UTF-8, otherwise a file that is valid UTF-8 throughout is UTF-8, and any
// other file is Windows-1252.
func Detect(res ScanResult) Encoding {
	if res.BOM || res.ValidUTF8 {
		return UTF8
	}
	return Windows1252
}
