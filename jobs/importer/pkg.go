package importer

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"asta/jobs/chambercsv"
)

// ControlFile is the name of the file that lists a package's data files.
const ControlFile = "steuerung.csv"

// Export types of the control file.
const (
	ExportFull  = "VOLL"
	ExportDelta = "DELTA"
)

// errIncomplete marks a package that looks cut short: a missing control
// or data file, or counts and checksums that do not match. In the inbox
// such a package may still be in transfer.
var errIncomplete = errors.New("package incomplete")

// source gives access to the files of a package, a folder or a zip file.
type source interface {
	open(name string) (io.ReadCloser, error)
	names() ([]string, error)
	close() error
}

type dirSource string

// open opens a regular file of the folder. A symbolic link or a device
// is refused: it could lead outside the package or never end.
func (d dirSource) open(name string) (io.ReadCloser, error) {
	path := filepath.Join(string(d), name)
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is %s: copy the file itself into the package", errRejected, name, st.Mode().Type())
	}
	return os.Open(path)
}

func (d dirSource) names() ([]string, error) {
	entries, err := os.ReadDir(string(d))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func (d dirSource) close() error { return nil }

type zipSource struct {
	zr     *zip.ReadCloser
	files  map[string]*zip.File
	nested string // a control file in a folder of the zip, if any
}

func openZip(path string) (*zipSource, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read zip file: %w", errIncomplete, err)
	}
	zs := &zipSource{zr: zr, files: make(map[string]*zip.File)}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.Contains(f.Name, "/") {
			if strings.HasSuffix(f.Name, "/"+ControlFile) && zs.nested == "" {
				zs.nested = f.Name
			}
			continue // only files at the top level belong to the package
		}
		zs.files[f.Name] = f
	}
	return zs, nil
}

func (z *zipSource) open(name string) (io.ReadCloser, error) {
	f, ok := z.files[name]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return f.Open()
}

func (z *zipSource) names() ([]string, error) {
	var names []string
	for n := range z.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func (z *zipSource) close() error { return z.zr.Close() }

func openSource(path string) (source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return dirSource(path), nil
	}
	if strings.EqualFold(filepath.Ext(path), ".zip") {
		return openZip(path)
	}
	return nil, fmt.Errorf("package %s is neither a folder nor a .zip file", path)
}

// controlEntry is one row of the control file.
type controlEntry struct {
	file    string
	records int64
	sha256  string // empty when the control file gives none
}

// control is the parsed control file of a package.
type control struct {
	id         string // SHA-256 of the control file's bytes
	exportType string
	created    time.Time
	entries    map[string]controlEntry
}

// readControl reads and checks the control file.
func readControl(src source, enc chambercsv.Encoding, loc *time.Location) (*control, error) {
	b, err := readAll(src, ControlFile)
	if zs, ok := src.(*zipSource); ok && errors.Is(err, fs.ErrNotExist) && zs.nested != "" {
		return nil, fmt.Errorf("%w: the zip file holds %s, not %s at its top level: zip the files themselves, "+
			"not their folder", errRejected, zs.nested, ControlFile)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: control file %s is missing", errIncomplete, ControlFile)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ControlFile, err)
	}
	sum := sha256.Sum256(b)
	ctl := &control{id: hex.EncodeToString(sum[:]), entries: make(map[string]controlEntry)}

	res, err := chambercsv.Scan(strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	if enc == chambercsv.Auto {
		enc = chambercsv.Detect(res)
	}
	rd, err := chambercsv.NewReader(strings.NewReader(string(b)), enc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ControlFile, err)
	}
	cols := map[string]int{}
	for _, name := range []string{"Exportart", "Erstellt", "Datei", "Saetze", "SHA256"} {
		cols[name] = rd.Column(name)
		if cols[name] < 0 && name != "SHA256" {
			return nil, fmt.Errorf("%s: required column %s is missing", ControlFile, name)
		}
	}

	var rec chambercsv.Record
	for {
		err := rd.Read(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s %w", ControlFile, err)
		}
		if err := ctl.addRow(rec, cols, loc); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", ControlFile, rec.Line, err)
		}
	}
	if len(ctl.entries) == 0 {
		return nil, fmt.Errorf("%w: %s lists no data file", errIncomplete, ControlFile)
	}
	return ctl, nil
}

func (ctl *control) addRow(rec chambercsv.Record, cols map[string]int, loc *time.Location) error {
	field := func(name string) string {
		if i := cols[name]; i >= 0 && i < len(rec.Fields) {
			return rec.Fields[i]
		}
		return ""
	}

	typ := field("Exportart")
	if typ != ExportFull && typ != ExportDelta {
		return fmt.Errorf("invalid Exportart %q: want VOLL or DELTA", typ)
	}
	created, err := time.ParseInLocation("02.01.2006 15:04:05", field("Erstellt"), loc)
	if err != nil {
		return fmt.Errorf("invalid Erstellt %q: want TT.MM.JJJJ HH:MM:SS", field("Erstellt"))
	}
	if ctl.exportType == "" {
		ctl.exportType, ctl.created = typ, created
	} else if typ != ctl.exportType || !created.Equal(ctl.created) {
		return fmt.Errorf("columns Exportart and Erstellt differ from the first row (%s %s)",
			ctl.exportType, ctl.created.Format("02.01.2006 15:04:05"))
	}

	name := field("Datei")
	if _, ok := kindsByFile[name]; !ok {
		return fmt.Errorf("unknown data file %q: want one of berufe.csv, betriebe.csv, ausbilder.csv, "+
			"vertraege.csv, pruefungen.csv", name)
	}
	if _, dup := ctl.entries[name]; dup {
		return fmt.Errorf("data file %s is listed twice", name)
	}
	n, err := strconv.ParseInt(field("Saetze"), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("invalid Saetze %q: want the number of records", field("Saetze"))
	}
	sum := strings.ToLower(field("SHA256"))
	if sum != "" && (len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "") {
		return fmt.Errorf("invalid SHA256 %q: want 64 hex digits", field("SHA256"))
	}
	ctl.entries[name] = controlEntry{file: name, records: n, sha256: sum}
	return nil
}

func readAll(src source, name string) ([]byte, error) {
	f, err := src.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 1<<20))
}

// packageName returns the name by which reports and logs refer to a
// package: its folder or zip file name.
func packageName(path string) string {
	return filepath.Base(filepath.Clean(path))
}

// PeekCreated returns the Erstellt time of the package at path from its
// control file, without checking the rest of the package.
func PeekCreated(path string, loc *time.Location) (time.Time, error) {
	src, err := openSource(path)
	if err != nil {
		return time.Time{}, err
	}
	defer func() { _ = src.close() }()
	ctl, err := readControl(src, chambercsv.Auto, loc)
	if err != nil {
		return time.Time{}, err
	}
	return ctl.created, nil
}
