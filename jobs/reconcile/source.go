package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"asta/jobs/chambercsv"
	"asta/schema"
)

// Account is one account of the directory.
type Account struct {
	TraineeNumber string
	Status        string // schema.AccountActive, AccountInvited or AccountLocked
	Email         string // empty when unknown
	LastSignIn    time.Time
}

// Source is a trainee account directory.
type Source interface {
	// Read calls fn for each account of the directory and returns nil
	// only when it has read the directory completely. It stops at the
	// first error that fn returns and returns it.
	Read(ctx context.Context, fn func(*Account) error) error
	// String names the source in runs and logs, without secrets.
	String() string
}

// FileName is the name of the directory's export file.
const FileName = "konten.csv"

// ErrTruncated is wrapped by the error of a file whose last record has no
// line end: the identity system was still writing it, or it was cut
// short in transfer.
var ErrTruncated = errors.New("the last record has no line end, so the file is incomplete")

// File is the directory as the export file konten.csv in Folder: the
// chamber's CSV dialect, columns AzubiNr, Status (both required), EMail
// and LetzteAnmeldung (TT.MM.JJJJ HH:MM:SS). The file lists every
// account. A record that cannot be read fails the whole read.
type File struct {
	Folder   string
	Encoding chambercsv.Encoding // Auto detects it from the file
	Location *time.Location      // of LetzteAnmeldung; nil means Europe/Berlin
}

// String returns the file's path.
func (f File) String() string {
	return filepath.Join(f.Folder, FileName)
}

// Read reads the file twice: once to check that it is complete and to
// detect its encoding, then to pass its accounts to fn.
func (f File) Read(ctx context.Context, fn func(*Account) error) error {
	loc := f.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation("Europe/Berlin"); err != nil {
			return fmt.Errorf("read %s: load time zone of LetzteAnmeldung: %w", FileName, err)
		}
	}
	fh, err := os.Open(f.String())
	if err != nil {
		return fmt.Errorf("read %s: %w", FileName, err)
	}
	defer fh.Close()

	scan, err := chambercsv.Scan(fh)
	if err != nil {
		return fmt.Errorf("read %s: %w", FileName, err)
	}
	if !scan.EndsWithLine {
		return fmt.Errorf("read %s: %w", FileName, ErrTruncated)
	}
	enc := f.Encoding
	if enc == chambercsv.Auto {
		enc = chambercsv.Detect(scan)
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read %s: %w", FileName, err)
	}
	rd, err := chambercsv.NewReader(fh, enc)
	if err != nil {
		return fmt.Errorf("read %s: %w", FileName, err)
	}
	cols, err := findColumns(rd)
	if err != nil {
		return fmt.Errorf("read %s: %w", FileName, err)
	}
	return readRecords(ctx, rd, cols, loc, fn)
}

// columns holds the index of each column of konten.csv, -1 for a missing
// optional one.
type columns struct {
	number, status, email, lastSignIn int
}

func findColumns(rd *chambercsv.Reader) (columns, error) {
	c := columns{
		number:     rd.Column("AzubiNr"),
		status:     rd.Column("Status"),
		email:      rd.Column("EMail"),
		lastSignIn: rd.Column("LetzteAnmeldung"),
	}
	for name, i := range map[string]int{"AzubiNr": c.number, "Status": c.status} {
		if i < 0 {
			return c, fmt.Errorf("header line: required column %s is missing", name)
		}
	}
	return c, nil
}

func readRecords(ctx context.Context, rd *chambercsv.Reader, c columns, loc *time.Location,
	fn func(*Account) error) error {
	var (
		rec chambercsv.Record
		acc Account
	)
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		err := rd.Read(&rec)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &dataError{fmt.Errorf("read %s: %w", FileName, err)}
		}
		if err := parseRecord(rec, c, loc, &acc); err != nil {
			return &dataError{fmt.Errorf("read %s line %d: %w", FileName, rec.Line, err)}
		}
		if err := fn(&acc); err != nil {
			return err
		}
	}
}

func parseRecord(rec chambercsv.Record, c columns, loc *time.Location, acc *Account) error {
	*acc = Account{TraineeNumber: rec.Fields[c.number]}
	if acc.TraineeNumber == "" {
		return errors.New("AzubiNr is missing")
	}
	status, err := parseStatus(rec.Fields[c.status])
	if err != nil {
		return fmt.Errorf("trainee %s: %w", acc.TraineeNumber, err)
	}
	acc.Status = status
	if c.email >= 0 {
		acc.Email = rec.Fields[c.email]
	}
	if c.lastSignIn >= 0 && rec.Fields[c.lastSignIn] != "" {
		v := rec.Fields[c.lastSignIn]
		t, err := time.ParseInLocation("02.01.2006 15:04:05", v, loc)
		if err != nil {
			return fmt.Errorf("trainee %s: invalid LetzteAnmeldung %q: use TT.MM.JJJJ HH:MM:SS", acc.TraineeNumber, v)
		}
		acc.LastSignIn = t
	}
	return nil
}

// parseStatus maps the directory's status values to asta's.
func parseStatus(v string) (string, error) {
	switch strings.ToUpper(v) {
	case "AKTIV":
		return schema.AccountActive, nil
	case "EINGELADEN":
		return schema.AccountInvited, nil
	case "GESPERRT":
		return schema.AccountLocked, nil
	case "":
		return "", errors.New("status is missing")
	}
	return "", fmt.Errorf("invalid status %q: use AKTIV, EINGELADEN or GESPERRT", v)
}

// dataError is an invalid record of the directory. Its text may quote
// personal data, such as an e-mail address, so it is stored with the run
// for operators but kept out of logs.
type dataError struct{ err error }

func (e *dataError) Error() string { return e.err.Error() }
func (e *dataError) Unwrap() error { return e.err }
