package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"sort"
	"strings"

	"asta/jobs/chambercsv"
)

// Rejection is a record that the import does not take, with the reason.
type Rejection struct {
	File   string
	Line   int
	Column string
	Value  string
	Reason string
}

func (r Rejection) String() string {
	if r.Column == "" {
		return fmt.Sprintf("%s line %d: %s", r.File, r.Line, r.Reason)
	}
	return fmt.Sprintf("%s line %d column %s: %s", r.File, r.Line, r.Column, r.Reason)
}

// fileState is the import's record of one data file: its counts, rejections and ended keys.
type fileState struct {
	kind     *kind
	entry    controlEntry
	enc      chambercsv.Encoding
	records  int64
	rejected []Rejection // in line order once the file is done; at most maxListedRejections
	badLines []int32     // lines of all rejected records
	ended    []string    // keys of current records that a full export lacks
	current  int64       // current records of the kind before the import
	fresh    int64       // valid records that the database does not hold yet
	// seenCurrent counts the current records of the database that the
	// file lists; when it equals current, a full export ends nothing.
	seenCurrent int64
	sum         string // SHA-256 of the file as validated
	inserted    int64
	changed     int64
}

// maxListedRejections bounds the rejected records that a file keeps in
// detail for reports; all are counted, and their lines kept.
const maxListedRejections = 10_000

// rejectedLines returns the sorted lines of the file's rejected records.
func (fs *fileState) rejectedLines() []int {
	lines := make([]int, len(fs.badLines))
	for i, l := range fs.badLines {
		lines[i] = int(l)
	}
	sort.Ints(lines)
	return lines
}

// addRejection records a rejected record.
func (fs *fileState) addRejection(r Rejection) {
	fs.badLines = append(fs.badLines, int32(r.Line))
	if len(fs.rejected) < maxListedRejections {
		fs.rejected = append(fs.rejected, r)
	}
}

// rowReader reads one data file and yields the database values of its
// records. In validation mode it checks every record, records rejections
// and fills the key sets. In apply mode it skips the lines rejected
// before and trusts the rest.
type rowReader struct {
	fs       *fileState
	keys     map[string]*keySet // by file name
	validate bool

	file    io.ReadCloser
	hash    hash.Hash
	csv     *chambercsv.Reader
	ahead   *readAhead
	index   []int // CSV column index of each kind column, -1 if absent
	rec     chambercsv.Record
	skip    []int    // apply mode: rejected lines still ahead
	row     []any    // line, then the kind's columns in order
	entry   keyEntry // validation mode: the key set's entry of the row's key
	heads   []headRef
	applied int64 // apply mode: records read, to compare with the validation
	onCount func(n int64)
}

// headRef is a company's link to its head company, checked when the
// whole file is read because the head may come later in the file.
type headRef struct {
	line  int
	ident string
	head  string
}

func newRowReader(src source, fs *fileState, keys map[string]*keySet, validate bool) (*rowReader, error) {
	f, err := src.open(fs.kind.file)
	if errors.Is(err, fsErrNotExist) {
		return nil, fmt.Errorf("%w: data file %s is listed in %s but missing", errIncomplete, fs.kind.file, ControlFile)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", fs.kind.file, err)
	}
	h := sha256.New()
	rd, err := chambercsv.NewReader(io.TeeReader(f, h), fs.enc)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", fs.kind.file, err)
	}

	rr := &rowReader{fs: fs, keys: keys, validate: validate, file: f, hash: h, csv: rd}
	for _, c := range fs.kind.columns {
		i := rd.Column(c.csv)
		if i < 0 && c.required {
			f.Close()
			return nil, fmt.Errorf("%s: required column %s is missing from the header line", fs.kind.file, c.csv)
		}
		rr.index = append(rr.index, i)
	}
	if !validate {
		rr.skip = fs.rejectedLines()
	}
	rr.ahead = newReadAhead(rd, converter{columns: fs.kind.columns, index: rr.index})
	return rr, nil
}

var fsErrNotExist = fs.ErrNotExist

func (rr *rowReader) close() error {
	if rr.ahead != nil {
		rr.ahead.stop()
	}
	return rr.file.Close()
}

// next advances to the next record that the import takes and returns
// false at the end of the file. The values stay valid until the next call.
func (rr *rowReader) next() (bool, error) {
	for {
		countErr, err := rr.ahead.read(&rr.rec)
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("%s %w", rr.fs.kind.file, err)
		}
		if rr.validate {
			rr.fs.records++
			if rr.onCount != nil {
				rr.onCount(rr.fs.records)
			}
		}

		if !rr.validate {
			rr.applied++
			if len(rr.skip) > 0 && rr.skip[0] == rr.rec.Line {
				rr.skip = rr.skip[1:]
				continue
			}
			if err := rr.fill(); err != nil {
				return false, fmt.Errorf("%w: %s line %d changed since it was validated", errIncomplete,
					rr.fs.kind.file, rr.rec.Line)
			}
			return true, nil
		}

		if countErr != nil {
			rr.markSeen()
			rr.reject("", "", fmt.Sprintf("record has %d fields, the header line has %d",
				len(rr.rec.Fields), len(rr.csv.Header())))
		} else if rr.check() {
			return true, nil
		}
	}
}

// fill takes the record's values, which the read-ahead goroutine
// converted, into rr.row.
func (rr *rowReader) fill() *fieldError {
	var ferr *fieldError
	rr.row, ferr = rr.ahead.converted()
	return ferr
}

// check validates the current record, records it in the key set and
// reports whether the import takes it.
func (rr *rowReader) check() bool {
	k := rr.fs.kind
	ferr := rr.fill()

	key := ""
	if j := rr.index[0]; j >= 0 {
		key = rr.rec.Fields[j]
	}
	ks := rr.keys[k.file]
	if key == "" {
		rr.reject(ferr.column, ferr.value, ferr.reason) // a missing key is a missing required value
		return false
	}
	ep := ks.entry(digest(key))
	e := *ep
	if first := int(e.bits & lineMask); first != 0 {
		rr.reject(k.columns[0].csv, key, fmt.Sprintf("duplicate %s %q: first at line %d", k.columns[0].csv, key, first))
		return false
	}
	if e.bits&keyCurrent != 0 {
		rr.fs.seenCurrent++
	}
	e.bits |= uint32(rr.rec.Line) & lineMask
	valid := ferr == nil && rr.checkRecord(key)
	if ferr != nil {
		rr.reject(ferr.column, ferr.value, ferr.reason)
	}
	if valid {
		e.bits |= keyValid
	}
	*ep = e
	rr.entry = e
	return valid
}

// checkRecord checks references and rules across fields.
func (rr *rowReader) checkRecord(key string) bool {
	k := rr.fs.kind
	for i, c := range k.columns {
		if c.ref == "" || rr.row[1+i] == nil {
			continue
		}
		ref := textOf(rr.row[1+i])
		if c.ref == k.file { // a company's head company, checked at the end of the file
			if ref == key {
				rr.reject(c.csv, ref, fmt.Sprintf("company %s names itself as its head company", key))
				return false
			}
			rr.heads = append(rr.heads, headRef{line: rr.rec.Line, ident: key, head: strings.Clone(ref)})
			continue
		}
		if !rr.keys[c.ref].known(ref) {
			rr.reject(c.csv, ref, fmt.Sprintf("%s %q is neither in %s nor already imported", c.csv, ref, c.ref))
			return false
		}
	}

	if k.file == "vertraege.csv" {
		start, end := dateOf(rr.value("start_date")), dateOf(rr.value("end_date"))
		if end.Before(start) {
			rr.reject("Ende", end.German(), fmt.Sprintf("Ende %s is before Beginn %s", end.German(), start.German()))
			return false
		}
	}
	return true
}

func (rr *rowReader) value(db string) any {
	for i, c := range rr.fs.kind.columns {
		if c.db == db {
			return rr.row[1+i]
		}
	}
	return nil
}

// markSeen records the key of a record that cannot be read as a whole,
// so that a full export does not take the record for missing.
func (rr *rowReader) markSeen() {
	j := rr.index[0]
	if j < 0 || j >= len(rr.rec.Fields) || rr.rec.Fields[j] == "" {
		return
	}
	ks := rr.keys[rr.fs.kind.file]
	key := rr.rec.Fields[j]
	if v := ks.get(key); v&lineMask == 0 {
		ks.set(key, v|uint32(rr.rec.Line)&lineMask)
	}
}

func (rr *rowReader) reject(column, value, reason string) {
	rr.fs.addRejection(Rejection{
		File: rr.fs.kind.file, Line: rr.rec.Line, Column: column, Value: value, Reason: reason,
	})
}

// finish checks the links to head companies and sorts the rejections.
// It returns the companies rejected only now.
func (rr *rowReader) finish() []headRef {
	late := rr.checkHeads()
	sort.SliceStable(rr.fs.rejected, func(i, j int) bool { return rr.fs.rejected[i].Line < rr.fs.rejected[j].Line })
	return late
}

// checkHeads rejects companies whose head company is unknown, repeating
// until no more fall, because a site of a rejected site falls too.
func (rr *rowReader) checkHeads() []headRef {
	ks := rr.keys[rr.fs.kind.file]
	var late []headRef
	for changed := true; changed; {
		changed = false
		kept := rr.heads[:0]
		for _, h := range rr.heads {
			if ks.get(h.ident)&keyValid == 0 {
				continue // rejected for another reason meanwhile
			}
			if ks.known(h.head) {
				kept = append(kept, h)
				continue
			}
			ks.set(h.ident, ks.get(h.ident)&^keyValid)
			rr.fs.addRejection(Rejection{
				File: rr.fs.kind.file, Line: h.line, Column: "UebergeordneteIdentnummer", Value: h.head,
				Reason: fmt.Sprintf("UebergeordneteIdentnummer %q is neither in %s nor already imported",
					h.head, rr.fs.kind.file),
			})
			late = append(late, h)
			changed = true
		}
		rr.heads = kept
	}
	return late
}

// checksum returns the SHA-256 of the bytes read so far, after draining
// the rest of the file.
func (rr *rowReader) checksum() (string, error) {
	if _, err := io.Copy(io.Discard, rr.file); err != nil {
		return "", err
	}
	return hex.EncodeToString(rr.hash.Sum(nil)), nil
}

// verify compares the file's count and checksum with the control file
// and, when the file is read a second time to apply it, with the first
// reading, so that a file changed in between is not applied.
func (rr *rowReader) verify() error {
	sum, err := rr.checksum()
	if err != nil {
		return fmt.Errorf("read %s: %w", rr.fs.kind.file, err)
	}
	e := rr.fs.entry
	if e.sha256 != "" && sum != e.sha256 {
		return fmt.Errorf("%w: %s has SHA-256 %s, but %s lists %s", errIncomplete, e.file, sum, ControlFile, e.sha256)
	}
	if !rr.validate {
		if sum != rr.fs.sum || rr.applied != rr.fs.records {
			return fmt.Errorf("%w: %s changed since it was validated", errIncomplete, e.file)
		}
		return nil
	}
	rr.fs.sum = sum
	if rr.fs.records != e.records {
		return fmt.Errorf("%w: %s contains %d records, but %s lists %d", errIncomplete, e.file, rr.fs.records, ControlFile, e.records)
	}
	return nil
}

// scanFile checks a data file's checksum and chooses its encoding before
// it is parsed.
func scanFile(ctx context.Context, src source, fs *fileState, enc chambercsv.Encoding) error {
	f, err := src.open(fs.kind.file)
	if errors.Is(err, fsErrNotExist) {
		return fmt.Errorf("%w: data file %s is listed in %s but missing", errIncomplete, fs.kind.file, ControlFile)
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", fs.kind.file, err)
	}
	defer f.Close()

	res, err := chambercsv.Scan(ctxReader{ctx, f})
	if err != nil {
		return fmt.Errorf("read %s: %w", fs.kind.file, err)
	}
	if !res.EndsWithLine {
		return fmt.Errorf("%w: %s was cut short: its last line has no line end", errIncomplete, fs.kind.file)
	}
	if fs.entry.sha256 != "" && res.SHA256 != fs.entry.sha256 {
		return fmt.Errorf("%w: %s has SHA-256 %s, but %s lists %s", errIncomplete, fs.kind.file, res.SHA256,
			ControlFile, fs.entry.sha256)
	}
	fs.enc = enc
	if enc == chambercsv.Auto && !res.BOM && res.Mixed {
		return fmt.Errorf("%w: %s mixes UTF-8 text with bytes that are not UTF-8 (the first at byte %d): "+
			"convert the file to one encoding or set import.encoding", errRejected, fs.kind.file, res.InvalidAt)
	}
	if enc == chambercsv.Auto || res.BOM {
		fs.enc = chambercsv.Detect(res)
	}
	return nil
}

// ctxReader stops a long read when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
