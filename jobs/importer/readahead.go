package importer

import (
	"errors"
	"io"

	"asta/jobs/chambercsv"
)

// readAhead reads and decodes a file's records in one goroutine and
// converts them in another, each a few batches ahead of the next step, so
// that reading, converting and validating a large file run at once.
type readAhead struct {
	parsed  chan *recordBatch // read, not yet converted
	batches chan *recordBatch // converted, for the validation
	free    chan *recordBatch // batches read to the end, for reuse
	done    chan struct{}
	conv    converter
	batch   *recordBatch
	pos     int
	err     error // the error that ended the file, io.EOF at its end
}

// recordBatch is a run of records whose fields share one backing slice,
// with the values converted from them.
type recordBatch struct {
	recs   []chambercsv.Record
	errs   []error // per record: nil or a field-count error
	fields []string
	rows   []any         // per record: the line, then the kind's columns
	slots  []valueSlot   // per record and column: the text or date that rows point to
	ferrs  []*fieldError // per record: the first value that failed to convert
	err    error         // the error after the last record, if any
}

const batchRecords = 256

// converter turns the fields of a record into the database values of a
// kind's columns, in row[1:].
type converter struct {
	columns []column
	index   []int // CSV column index of each kind column, -1 if absent
}

func (c converter) width() int { return 1 + len(c.columns) }

// convert fills row with the record's line and values, keeping texts
// and dates in slots, and returns the first value that fails its
// column's check.
func (c converter) convert(rec *chambercsv.Record, row []any, slots []valueSlot) *fieldError {
	row[0] = rec.Line
	for i := range c.columns {
		v := ""
		if j := c.index[i]; j >= 0 {
			v = rec.Fields[j]
		}
		val, ferr := c.columns[i].convert(v, &slots[i])
		if ferr != nil {
			return ferr
		}
		row[1+i] = val
	}
	return nil
}

func newReadAhead(rd *chambercsv.Reader, conv converter) *readAhead {
	ra := &readAhead{parsed: make(chan *recordBatch, 2), batches: make(chan *recordBatch, 2),
		free: make(chan *recordBatch, 6), done: make(chan struct{}), conv: conv}
	go ra.produce(rd)
	go ra.convertAll()
	return ra
}

// produce reads the file's records in batches and passes them on to
// convertAll.
func (ra *readAhead) produce(rd *chambercsv.Reader) {
	defer close(ra.parsed)
	var rec chambercsv.Record
	for {
		b := ra.newBatch()
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
		case ra.parsed <- b:
		case <-ra.done:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// convertAll converts the batches that produce read and passes them on
// in their order. After stop it drops them, until produce has ended.
func (ra *readAhead) convertAll() {
	defer close(ra.batches)
	for b := range ra.parsed {
		ra.convertBatch(b)
		select {
		case ra.batches <- b:
		case <-ra.done:
		}
	}
}

// newBatch returns an empty batch, reusing one that was read to the end
// if there is one.
func (ra *readAhead) newBatch() *recordBatch {
	select {
	case b := <-ra.free:
		b.recs, b.errs, b.fields, b.err = b.recs[:0], b.errs[:0], b.fields[:0], nil
		return b
	default:
		return &recordBatch{}
	}
}

// convertBatch converts the records of b that have as many fields as
// the header. A reused batch keeps the values of its last use where a
// conversion failed, which no caller reads.
func (ra *readAhead) convertBatch(b *recordBatch) {
	w := ra.conv.width()
	if n := len(b.recs) * w; cap(b.rows) < n {
		b.rows = make([]any, n)
	} else {
		b.rows = b.rows[:n]
	}
	if n := len(b.recs) * len(ra.conv.columns); cap(b.slots) < n {
		b.slots = make([]valueSlot, n)
	} else {
		b.slots = b.slots[:n]
	}
	if cap(b.ferrs) < len(b.recs) {
		b.ferrs = make([]*fieldError, len(b.recs))
	} else {
		b.ferrs = b.ferrs[:len(b.recs)]
	}
	c := len(ra.conv.columns)
	for i := range b.recs {
		if b.errs[i] == nil {
			b.ferrs[i] = ra.conv.convert(&b.recs[i], b.rows[i*w:(i+1)*w:(i+1)*w], b.slots[i*c:(i+1)*c:(i+1)*c])
		}
	}
}

// converted returns the values of the record that read returned last and
// the first value that failed to convert. It is valid only for a record
// without a field-count error.
func (ra *readAhead) converted() ([]any, *fieldError) {
	i, w := ra.pos-1, ra.conv.width()
	return ra.batch.rows[i*w : (i+1)*w : (i+1)*w], ra.batch.ferrs[i]
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
		if ra.batch != nil {
			select {
			case ra.free <- ra.batch: // its values are no longer valid
			default:
			}
		}
		ra.batch, ra.pos = b, 0
	}
	*rec = ra.batch.recs[ra.pos]
	countErr = ra.batch.errs[ra.pos]
	ra.pos++
	return countErr, nil
}

// stop ends the goroutines and waits until they no longer read the file.
func (ra *readAhead) stop() {
	select {
	case <-ra.done:
		return
	default:
		close(ra.done)
	}
	for range ra.batches { // drain, so that both goroutines end
	}
}
