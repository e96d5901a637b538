// Package sample writes synthetic export packages of the chamber's core
// system, for tests, benchmarks and demonstrations of the import.
//
// A package is a folder with the data files berufe.csv, betriebe.csv,
// ausbilder.csv, vertraege.csv and pruefungen.csv and the control file
// steuerung.csv, which lists each data file with its record count and
// SHA-256. Files use ";" as separator, quote fields that contain ";", a
// quote or a line break, end lines with CRLF and are encoded in
// Windows-1252 or UTF-8.
//
// The data look real: German names with umlauts, accents, particles and
// apostrophes, real training occupations, towns and postcodes, head
// companies with sites, trainees who change companies, and exam
// registrations in every status. Every reference resolves within the
// package. Each record is derived from the seed and its index alone, so
// [Write] streams packages of any size in constant memory, and the same
// [Options] give the same bytes.
package sample

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"asta/jobs/chambercsv"
)

// The export types of the control file.
const (
	ExportFull  = "VOLL"  // every current record of each file
	ExportDelta = "DELTA" // only the records changed since the last export
)

// DefaultDeltaShare is the share of contracts that a DELTA package holds
// when [Options.ChangedShare] is zero.
const DefaultDeltaShare = 0.01

// MaxCompanies is the largest number of companies in a package, so that
// every Identnummer fits in 10 digits.
const MaxCompanies = 1_000_000_000

// Options describes the package that [Write] generates.
type Options struct {
	// Companies is the number of companies in betriebe.csv, sites included.
	// Each has 1 to 4 trainers.
	Companies int

	// Contracts is the number of training contracts in a full package.
	Contracts int

	// Seed selects the data. Equal options give byte-identical packages.
	Seed int64

	// Encoding is chambercsv.UTF8 or chambercsv.Windows1252. The zero value
	// means Windows-1252. UTF-8 packages also contain names with characters that
	// Windows-1252 lacks (Nguyễn, Şahin), so the data differ by encoding.
	Encoding chambercsv.Encoding

	// BOM starts every file with a UTF-8 byte order mark. It requires
	// Encoding chambercsv.UTF8.
	BOM bool

	// Created is the export's timestamp, written in Europe/Berlin time to
	// the Erstellt column. Contract statuses and exam periods are computed
	// relative to its day. The zero value means 4 December 2026, 03:00
	// Europe/Berlin, or a day later for a DELTA package or one with ChangedShare above 0,
	// so that such a package is newer than its base but has the same data.
	Created time.Time

	// ExportType is ExportFull (the default) or ExportDelta. A DELTA
	// package holds only vertraege.csv with the changed contracts.
	ExportType string

	// ChangedShare is the share of contracts, from 0 to 1, that differ from
	// the base package with the same seed, in one field each: Ende, the
	// AusbilderNr or the EMail. The other files stay byte-identical. A
	// DELTA package holds exactly these contracts, and there zero means
	// DefaultDeltaShare. Compare packages written with the same Created,
	// or with both Created zero.
	ChangedShare float64
}

// Summary describes a package that [Write] wrote.
type Summary struct {
	ExportType string
	Created    time.Time
	Files      []FileSummary // data files, in the order steuerung.csv lists them
	Control    FileSummary   // steuerung.csv, whose SHA-256 identifies the package
	Changed    int           // contracts that differ from the base package
}

// FileSummary describes one written file.
type FileSummary struct {
	Name    string
	Records int // records after the header line
	Size    int64
	SHA256  string // lower-case hex
}

// Write creates the folder dir, which must not exist or be empty, and
// writes a package into it. The control file comes last, so a folder left
// by a failed or cancelled Write has no steuerung.csv and is no package.
func Write(ctx context.Context, dir string, opts Options) (Summary, error) {
	g, err := newGenerator(opts)
	if err != nil {
		return Summary{}, err
	}
	if err := createDir(dir); err != nil {
		return Summary{}, err
	}

	files := []dataFile{
		{"berufe.csv", occupationHeader, g.writeOccupations},
		{"betriebe.csv", companyHeader, g.writeCompanies},
		{"ausbilder.csv", trainerHeader, g.writeTrainers},
		{"vertraege.csv", contractHeader, g.writeContracts},
		{"pruefungen.csv", registrationHeader, g.writeRegistrations},
	}
	if g.exportType == ExportDelta {
		files = files[3:4]
	}

	sum := Summary{ExportType: g.exportType, Created: g.created}
	for _, df := range files {
		fs, err := g.writeFile(ctx, dir, df)
		if err != nil {
			return Summary{}, err
		}
		sum.Files = append(sum.Files, fs)
	}
	sum.Changed = g.changedCount

	sum.Control, err = g.writeControl(ctx, dir, sum.Files)
	if err != nil {
		return Summary{}, err
	}
	return sum, nil
}

func createDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sample: create output directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("sample: read output directory: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("sample: output directory %s is not empty: choose an empty one", dir)
	}
	return nil
}

// generator holds the validated options and the buffers reused for every
// record. It is not safe for concurrent use.
type generator struct {
	seed             int64
	companies        int
	contracts        int
	encoding         chambercsv.Encoding
	bom              bool
	exportType       string
	changedShare     float64
	created          time.Time // Erstellt, in Europe/Berlin
	today            time.Time // the day that statuses refer to, at midnight UTC
	names            names
	occupationWeight int // sum of the occupations' weights

	fields       []string
	exams        []registration
	changedCount int
}

var berlin = sync.OnceValues(func() (*time.Location, error) {
	return time.LoadLocation("Europe/Berlin")
})

func newGenerator(opts Options) (*generator, error) {
	g := &generator{
		seed:         opts.Seed,
		companies:    opts.Companies,
		contracts:    opts.Contracts,
		encoding:     opts.Encoding,
		bom:          opts.BOM,
		exportType:   opts.ExportType,
		changedShare: opts.ChangedShare,
	}
	if err := g.validate(); err != nil {
		return nil, err
	}
	if err := g.setCreated(opts.Created); err != nil {
		return nil, err
	}

	g.names = newNames(g.encoding == chambercsv.UTF8)
	for _, o := range occupations {
		g.occupationWeight += o.weight
	}
	return g, nil
}

// validate checks the options and fills in the defaults.
func (g *generator) validate() error {
	switch {
	case g.companies < 1:
		return fmt.Errorf("sample: --companies must be at least 1, got %d", g.companies)
	case g.companies > MaxCompanies:
		return fmt.Errorf("sample: --companies must be at most %d, got %d",
			MaxCompanies, g.companies)
	case g.contracts < 1:
		return fmt.Errorf("sample: --contracts must be at least 1, got %d", g.contracts)
	}

	if g.encoding == chambercsv.Auto {
		g.encoding = chambercsv.Windows1252
	}
	if g.encoding != chambercsv.UTF8 && g.encoding != chambercsv.Windows1252 {
		return fmt.Errorf("sample: --encoding must be utf-8 or windows-1252, got %v", g.encoding)
	}
	if g.bom && g.encoding != chambercsv.UTF8 {
		return fmt.Errorf("sample: --bom needs --encoding utf-8, got %v", g.encoding)
	}

	switch g.exportType {
	case "":
		g.exportType = ExportFull
	case ExportFull, ExportDelta:
	default:
		return fmt.Errorf("sample: export type must be %s or %s, got %q",
			ExportFull, ExportDelta, g.exportType)
	}
	if math.IsNaN(g.changedShare) || g.changedShare < 0 || g.changedShare > 1 {
		return fmt.Errorf("sample: --changed must be between 0 and 1, got %v", g.changedShare)
	}
	if g.exportType == ExportDelta && g.changedShare == 0 {
		g.changedShare = DefaultDeltaShare
	}
	return nil
}

// setCreated sets the Erstellt timestamp and the day that the data refer to.
func (g *generator) setCreated(created time.Time) error {
	loc, err := berlin()
	if err != nil {
		return fmt.Errorf("sample: load time zone Europe/Berlin: %w", err)
	}

	base := created
	if created.IsZero() {
		base = time.Date(2026, time.December, 4, 3, 0, 0, 0, loc)
		created = base
		if g.changedShare > 0 {
			created = base.AddDate(0, 0, 1)
		}
	}
	if y := created.In(loc).Year(); y < 1970 || y > 9900 {
		return fmt.Errorf("sample: created must lie between the years 1970 and 9900, got %s",
			created.Format(time.RFC3339))
	}

	g.created = created.In(loc)
	y, m, d := base.In(loc).Date()
	g.today = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return nil
}

var occupationHeader = []string{"Berufsnummer", "Bezeichnung", "Dauer", "Gestreckt"}

func (g *generator) writeOccupations(_ context.Context, f *csvFile) error {
	for _, o := range occupations {
		split := "N"
		if o.split {
			split = "J"
		}
		g.fields = append(g.fields[:0], o.number, o.title, strconv.Itoa(o.months), split)
		if err := f.write(g.fields); err != nil {
			return err
		}
	}
	return nil
}

var controlHeader = []string{"Exportart", "Erstellt", "Datei", "Saetze", "SHA256"}

// writeControl writes steuerung.csv, one row per data file.
func (g *generator) writeControl(ctx context.Context, dir string,
	files []FileSummary) (FileSummary, error) {
	created := g.created.Format("02.01.2006 15:04:05")
	rows := func(_ context.Context, f *csvFile) error {
		for _, fs := range files {
			row := []string{g.exportType, created, fs.Name, strconv.Itoa(fs.Records), fs.SHA256}
			if err := f.write(row); err != nil {
				return err
			}
		}
		return nil
	}
	return g.writeFile(ctx, dir, dataFile{"steuerung.csv", controlHeader, rows})
}

// dataFile is a file of the package and the function that writes its
// records.
type dataFile struct {
	name   string
	header []string
	write  func(context.Context, *csvFile) error
}

func (g *generator) writeFile(ctx context.Context, dir string, df dataFile) (FileSummary, error) {
	f, err := createCSV(dir, df.name, g.encoding, g.bom)
	if err != nil {
		return FileSummary{}, err
	}
	err = f.w.Write(df.header)
	if err == nil {
		err = df.write(ctx, f)
	}
	if err != nil {
		f.discard()
		return FileSummary{}, fmt.Errorf("sample: write %s: %w", df.name, err)
	}
	return f.close()
}

// csvFile is a file being written. It counts the records and computes the
// SHA-256 and size of the bytes as they are written.
type csvFile struct {
	name    string
	file    *os.File
	sha     hash.Hash
	size    byteCounter
	w       *chambercsv.Writer
	records int
}

func createCSV(dir, name string, enc chambercsv.Encoding, bom bool) (*csvFile, error) {
	file, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	f := &csvFile{name: name, file: file, sha: sha256.New()}
	f.w, err = chambercsv.NewWriter(io.MultiWriter(file, f.sha, &f.size), enc, bom)
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("sample: write %s: %w", name, err)
	}
	return f, nil
}

// write writes one record after the header line.
func (f *csvFile) write(fields []string) error {
	f.records++
	return f.w.Write(fields)
}

func (f *csvFile) close() (FileSummary, error) {
	err := f.w.Flush()
	if cerr := f.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return FileSummary{}, fmt.Errorf("sample: write %s: %w", f.name, err)
	}
	return FileSummary{
		Name:    f.name,
		Records: f.records,
		Size:    int64(f.size),
		SHA256:  hex.EncodeToString(f.sha.Sum(nil)),
	}, nil
}

// discard closes a file after a failed write. The write error is the one
// to report, so the close error is dropped.
func (f *csvFile) discard() {
	_ = f.file.Close()
}

type byteCounter int64

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

// checkContext returns the context's error at every 4096th record i, so
// that a cancelled Write stops within milliseconds.
func checkContext(ctx context.Context, i int) error {
	if i%4096 != 0 {
		return nil
	}
	return ctx.Err()
}

// formatDate formats t as TT.MM.JJJJ. The year must have four digits.
func formatDate(t time.Time) string {
	y, m, d := t.Date()
	b := [10]byte{
		byte('0' + d/10), byte('0' + d%10), '.',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '.',
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10),
	}
	return string(b[:])
}
