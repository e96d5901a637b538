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
	// Mixed reports a file that is not valid UTF-8 although it contains
	// valid multi-byte UTF-8 sequences before its first invalid byte, as
	// when a Windows-1252 line was pasted into a UTF-8 file. Read as
	// Windows-1252, its UTF-8 text would turn into mojibake such as "Ã¶".
	Mixed bool
	// InvalidAt is the offset of the first byte that is not valid UTF-8,
	// or -1.
	InvalidAt int64
}

// Scan reads r to its end and returns the checksum, the size and what
// [Detect] needs to choose the encoding. It holds at most 64 KiB in memory.
func Scan(r io.Reader) (ScanResult, error) {
	h := sha256.New()
	res := ScanResult{ValidUTF8: true, EndsWithLine: true, InvalidAt: -1}
	var offset int64   // of the start of carry+chunk in the file
	var multiByte bool // a valid multi-byte sequence was seen
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
				b := append(carry, chunk...)
				start := offset
				carry = checkUTF8(b, &res.ValidUTF8)
				offset = start + int64(len(b)-len(carry))
				if !res.ValidUTF8 {
					res.InvalidAt, multiByte = firstInvalid(b, multiByte)
					res.InvalidAt += start
					res.Mixed = multiByte
				} else if !multiByte {
					multiByte = hasHighByte(b[:len(b)-len(carry)])
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return ScanResult{}, err
		}
	}
	if len(carry) > 0 && res.ValidUTF8 {
		res.ValidUTF8, res.InvalidAt, res.Mixed = false, offset, multiByte
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

// firstInvalid returns the offset of the first invalid UTF-8 byte in b
// and whether a valid multi-byte sequence comes before it.
func firstInvalid(b []byte, multiByte bool) (int64, bool) {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return int64(i), multiByte
		}
		multiByte = multiByte || size > 1
		i += size
	}
	return int64(len(b)), multiByte
}

func hasHighByte(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
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
