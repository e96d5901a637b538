package importer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// traineeRows collects, while the contracts are read, the trainee rows
// that may need writing. The last contract of a trainee in the file
// brings the trainee's data, but which contract is the last is known only
// at the end of the file. So every contract whose trainee data differ
// from the trainee's fingerprint in the database is kept as a candidate
// in a temporary file, and only the candidates of each trainee's last
// contract are written.
type traineeRows struct {
	set     *keySet // by trainee number: the line of the last contract, the stored fingerprint
	format  rowFormat
	file    *os.File
	w       *bufio.Writer
	count   int64 // candidates written to the file
	scratch []byte
	row     []byte
}

// candidate header: the contract's line, the trainee's digest and the
// length of the CSV row that follows.
const candidateHeader = 4 + len(keyDigest{}) + 4

func newTraineeRows(set *keySet, format rowFormat) (*traineeRows, error) {
	f, err := os.CreateTemp("", "asta-trainees-*.bin")
	if err != nil {
		return nil, fmt.Errorf("create temporary file of trainees: %w", err)
	}
	// The file stays open and readable after its name is removed.
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("remove name of temporary file %s: %w", f.Name(), err)
	}
	return &traineeRows{set: set, format: format, file: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (tr *traineeRows) close() { _ = tr.file.Close() }

// add records the trainee of a valid contract row and keeps the row's
// trainee data as a candidate if they differ from the stored ones.
func (tr *traineeRows) add(row []any) error {
	t := tr.format.t
	line := uint32(row[0].(int)) & lineMask
	d := digest(textOf(row[1+t.pos[0]]))
	ep := tr.set.entry(d)
	ep.bits = ep.bits&^lineMask | line
	e := *ep

	h := t.rowHash(row, &tr.scratch)
	if stored, ok := e.storedHash(); ok && stored == h {
		return nil
	}
	tr.row = tr.format.append(tr.row[:0], row, h)
	var head [candidateHeader]byte
	binary.LittleEndian.PutUint32(head[:4], line)
	copy(head[4:], d[:])
	binary.LittleEndian.PutUint32(head[4+len(d):], uint32(len(tr.row)))
	if _, err := tr.w.Write(head[:]); err != nil {
		return fmt.Errorf("write temporary file of trainees: %w", err)
	}
	if _, err := tr.w.Write(tr.row); err != nil {
		return fmt.Errorf("write temporary file of trainees: %w", err)
	}
	tr.count++
	return nil
}

// writeLast writes to w the candidates that come from the last contract
// of their trainee.
func (tr *traineeRows) writeLast(w *bufio.Writer) error {
	if err := tr.w.Flush(); err != nil {
		return fmt.Errorf("write temporary file of trainees: %w", err)
	}
	if _, err := tr.file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read temporary file of trainees: %w", err)
	}
	r := bufio.NewReaderSize(tr.file, 256<<10)
	var head [candidateHeader]byte
	for {
		if _, err := io.ReadFull(r, head[:]); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read temporary file of trainees: %w", err)
		}
		var d keyDigest
		copy(d[:], head[4:])
		n := int(binary.LittleEndian.Uint32(head[4+len(d):]))
		if cap(tr.row) < n {
			tr.row = make([]byte, n)
		}
		tr.row = tr.row[:n]
		if _, err := io.ReadFull(r, tr.row); err != nil {
			return fmt.Errorf("read temporary file of trainees: %w", err)
		}
		if tr.set.lookup(d).bits&lineMask != binary.LittleEndian.Uint32(head[:4]) {
			continue // a later contract of the trainee follows
		}
		if _, err := w.Write(tr.row); err != nil {
			return err
		}
	}
}
