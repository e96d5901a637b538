package importer

import (
	"errors"
	"io"

	"asta/jobs/chambercsv"
)

// readAhead reads and decodes a file's records in a goroutine of its
// own, a batch ahead of the validation, so that reading and validating a
// large file use two cores.
type readAhead struct {
	batches chan *recordBatch
	done    chan struct{}
	batch   *recordBatch
	pos     int
	err     error // the error that ended the file, io.EOF at its end
}

// recordBatch is a run of records whose fields share one backing slice.
type recordBatch struct {
	recs   []chambercsv.Record
	errs   []error // per record: nil or a field-count error
	fields []string
	err    error // the error after the last record, if any
}

const batchRecords = 256

func newReadAhead(rd *chambercsv.Reader) *readAhead {
	ra := &readAhead{batches: make(chan *recordBatch, 2), done: make(chan struct{})}
	go ra.produce(rd)
	return ra
}

func (ra *readAhead) produce(rd *chambercsv.Reader) {
	defer close(ra.batches)
	var rec chambercsv.Record
	for {
		b := &recordBatch{}
		for len(b.recs) < batchRecords {
			err := rd.Read(&rec)
			if err != nil && !errors.Is(err, chambercsv.ErrFieldCount) {
				b.err = err
				break
			}
			start := len(b.fields)
			b.fields = append(b.fields, rec.Fields...)
			b.recs = append(b.recs, chambercsv.Record{Line: rec.Line, Fields: b.fields[start:len(b.fields):len(b.fields)]})
			b.errs = append(b.errs, err)
		}
		// Record slices point into b.fields, which append may have moved.
		off := 0
		for i := range b.recs {
			n := len(b.recs[i].Fields)
			b.recs[i].Fields = b.fields[off : off+n : off+n]
			off += n
		}
		select {
		case ra.batches <- b:
		case <-ra.done:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// read returns the next record and its field-count error, or the error
// that ended the file (io.EOF at its end).
func (ra *readAhead) read(rec *chambercsv.Record) (countErr, err error) {
	for ra.batch == nil || ra.pos >= len(ra.batch.recs) {
		if ra.batch != nil && ra.batch.err != nil {
			return nil, ra.batch.err
		}
		if ra.err != nil {
			return nil, ra.err
		}
		b, ok := <-ra.batches
		if !ok {
			ra.err = io.EOF
			return nil, io.EOF
		}
		ra.batch, ra.pos = b, 0
	}
	*rec = ra.batch.recs[ra.pos]
	countErr = ra.batch.errs[ra.pos]
	ra.pos++
	return countErr, nil
}

// stop ends the goroutine and waits until it no longer reads the file.
func (ra *readAhead) stop() {
	select {
	case <-ra.done:
		return
	default:
		close(ra.done)
	}
	for range ra.batches { // drain, so that the goroutine ends
	}
}
