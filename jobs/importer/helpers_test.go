package importer

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/text/encoding/charmap"

	"asta/schema"
)

// testHeaders contains the header line of each data file as the core system writes it.
var testHeaders = map[string]string{
	"berufe.csv": "Berufsnummer;Bezeichnung;Dauer;Gestreckt",
	"betriebe.csv": "Identnummer;UebergeordneteIdentnummer;Name1;Name2;Strasse;PLZ;Ort;Telefon;EMail;" +
		"Aktivierungscode;Status",
	"ausbilder.csv": "AusbilderNr;Identnummer;Anrede;Titel;Vorname;Nachname;EMail;EignungSeit;Status",
	"vertraege.csv": "Vertragsnummer;AzubiNr;Identnummer;AusbilderNr;Anrede;Vorname;Nachname;Geburtsdatum;" +
		"EMail;Berufsnummer;Fachrichtung;Beginn;Ende;Probezeit;Teilzeit;Status;Loesungsdatum",
	"pruefungen.csv": "AnmeldungsNr;Vertragsnummer;Pruefungsart;Zeitraum;Anmeldeschluss;Status",
}

// baseCreated is the Erstellt time of [basePackage].
const baseCreated = "04.12.2026 03:00:12"

// testFile is one data file of a [testPackage].
type testFile struct {
	name   string
	header string   // testHeaders[name] when empty
	rows   []string // one record each, written as given and ended by CRLF
}

// testPackage describes an export package that [writePackage] writes.
// Left at their zero values, the fields after files build a sound
// package. Set, they damage it on purpose.
type testPackage struct {
	exportType  string // ExportFull when empty
	created     string // baseCreated when empty
	files       []testFile
	windows1252 bool // encode the data files as Windows-1252, else UTF-8
	bom         bool // start the data files with a UTF-8 byte order mark
	lf          bool // end lines with LF instead of CRLF

	countOffset map[string]int // added to a file's Saetze in steuerung.csv
	wrongSum    string         // a data file whose SHA256 is that of other bytes
	unwritten   string         // a data file listed in steuerung.csv but not written
	noControl   bool           // write no steuerung.csv
	unlisted    []testFile     // data files written but not listed in steuerung.csv
}

// basePackage returns a small, valid full export. Appended rows start on
// line 4 of berufe.csv, ausbilder.csv and vertraege.csv, line 5 of
// betriebe.csv and line 3 of pruefungen.csv.
func basePackage() testPackage {
	return testPackage{
		files: []testFile{
			{name: "berufe.csv", rows: []string{
				"0101;Kaufmann für Büromanagement / Kauffrau für Büromanagement;36;J",
				"0412;Verkäufer / Verkäuferin;24;N",
			}},
			{name: "betriebe.csv", rows: []string{
				"0004711;;Müller & Söhne Feinmechanik GmbH;;Königsbrücker Str. 12;01099;Dresden;0351 123456;" +
					"ausbildung@mueller-soehne.example;K7QM-2XHD-9PLA;AKTIV",
				"20931;;Bäckerei Weiß e. K.;;Große Gasse 3;04109;Leipzig;;;;AKTIV",
				"31007;;Café Anker GmbH;;Am Hafen 1;53111;Bonn;;;;GELOESCHT",
			}},
			{name: "ausbilder.csv", rows: []string{
				"A-1001;0004711;Frau;Dr.;Anna-Lena;Groß;;15.03.2011;AKTIV",
				"A-2001;20931;divers;;Maxi;Weiß;;;AUSGESCHIEDEN",
			}},
			{name: "vertraege.csv", rows: []string{
				"2024-000123;Z-50001;0004711;A-1001;Herr;Lukas;von der Heide;29.02.2008;lukas.vdh@example.org;" +
					"0101;;01.09.2024;28.02.2027;4;N;EINGETRAGEN;",
				"2023-000789;Z-50004;20931;;Frau;Jana;Kowalski;03.05.2005;;0412;;01.08.2023;31.07.2025;;;BEENDET;",
			}},
			{name: "pruefungen.csv", rows: []string{
				"P-2027-0001;2024-000123;AP;Winter 2026/27;01.09.2026;OFFEN",
			}},
		},
	}
}

// clone returns a copy of p that shares no slice with it.
func (p testPackage) clone() testPackage {
	files := make([]testFile, len(p.files))
	for i, f := range p.files {
		f.rows = append([]string(nil), f.rows...)
		files[i] = f
	}
	p.files = files
	return p
}

// file returns the named file of p, or fails the test.
func (p *testPackage) file(t *testing.T, name string) *testFile {
	t.Helper()
	for i := range p.files {
		if p.files[i].name == name {
			return &p.files[i]
		}
	}
	t.Fatalf("package has no %s", name)
	return nil
}

// with returns a copy of p with rows appended to the named file, which
// is added if p lacks it.
func (p testPackage) with(name string, rows ...string) testPackage {
	p = p.clone()
	for i := range p.files {
		if p.files[i].name == name {
			p.files[i].rows = append(p.files[i].rows, rows...)
			return p
		}
	}
	p.files = append(p.files, testFile{name: name, rows: rows})
	return p
}

// replace returns a copy of p whose named file contains only rows.
func (p testPackage) replace(name string, rows ...string) testPackage {
	return p.without(name).with(name, rows...)
}

// only returns a copy of p with only the named files.
func (p testPackage) only(names ...string) testPackage {
	p = p.clone()
	var files []testFile
	for _, f := range p.files {
		for _, n := range names {
			if f.name == n {
				files = append(files, f)
			}
		}
	}
	p.files = files
	return p
}

// without returns a copy of p without the named file.
func (p testPackage) without(name string) testPackage {
	p = p.clone()
	for i, f := range p.files {
		if f.name == name {
			p.files = append(p.files[:i], p.files[i+1:]...)
			break
		}
	}
	return p
}

// delta returns a copy of p as a delta export created at created.
func (p testPackage) delta(created string) testPackage {
	p = p.clone()
	p.exportType, p.created = ExportDelta, created
	return p
}

// full returns a copy of p as a full export created at created.
func (p testPackage) full(created string) testPackage {
	p = p.clone()
	p.exportType, p.created = ExportFull, created
	return p
}

// writePackage writes p into a new folder and returns its path. It
// counts the records and computes the checksums for steuerung.csv.
func writePackage(t *testing.T, p testPackage) string {
	t.Helper()
	dir := t.TempDir()
	exportType, created := p.exportType, p.created
	if exportType == "" {
		exportType = ExportFull
	}
	if created == "" {
		created = baseCreated
	}

	control := []string{"Exportart;Erstellt;Datei;Saetze;SHA256"}
	for _, f := range p.files {
		b := p.encode(t, f)
		sum := sha256.Sum256(b)
		if f.name == p.wrongSum {
			sum = sha256.Sum256(append(b, '\n'))
		}
		control = append(control, fmt.Sprintf("%s;%s;%s;%d;%s",
			exportType, created, f.name, len(f.rows)+p.countOffset[f.name], hex.EncodeToString(sum[:])))
		if f.name != p.unwritten {
			writeFile(t, filepath.Join(dir, f.name), b)
		}
	}
	for _, f := range p.unlisted {
		writeFile(t, filepath.Join(dir, f.name), p.encode(t, f))
	}
	if !p.noControl {
		writeFile(t, filepath.Join(dir, ControlFile), []byte(strings.Join(control, "\r\n")+"\r\n"))
	}
	return dir
}

// encode returns the bytes of a data file in p's encoding and line ends.
func (p testPackage) encode(t *testing.T, f testFile) []byte {
	t.Helper()
	header := f.header
	if header == "" {
		header = testHeaders[f.name]
	}
	eol := "\r\n"
	if p.lf {
		eol = "\n"
	}
	text := header + eol
	for _, r := range f.rows {
		text += r + eol
	}
	if p.bom {
		text = "\ufeff" + text
	}
	if !p.windows1252 {
		return []byte(text)
	}
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatalf("encode %s as Windows-1252: %v", f.name, err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// zipPackage packs the files of the folder dir into a new .zip file,
// each name preceded by prefix, and returns its path.
func zipPackage(t *testing.T, dir, prefix string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), filepath.Base(dir)+".zip")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()

	zw := zip.NewWriter(out)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(prefix + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// importPackage writes p and imports it. It fails the test if Import
// returns an error, which happens only when the import fails for a cause
// other than the package.
func importPackage(t *testing.T, im *Importer, p testPackage) *Result {
	t.Helper()
	path := writePackage(t, p)
	res, err := im.Import(context.Background(), Request{Path: path})
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return res
}

// importPackageAs writes and imports p and fails the test unless the
// outcome is want.
func importPackageAs(t *testing.T, im *Importer, p testPackage, want string) *Result {
	t.Helper()
	res := importPackage(t, im, p)
	if res.Outcome != want {
		t.Fatalf("import: outcome %s (%s), want %s", res.Outcome, res.Reason, want)
	}
	return res
}

// fixClock makes im stamp every row with the same time, so that table
// dumps compare equal across runs and dialects.
func fixClock(im *Importer) {
	at := time.Date(2026, 12, 4, 2, 10, 0, 0, time.UTC)
	im.opts.Now = func() time.Time { return at }
}

// activationCode is a row of activation_codes, a table without a model
// in package schema.
type activationCode struct {
	bun.BaseModel `bun:"table:activation_codes"`

	CompanyIdent string
	CodeHash     string
	CreatedAt    time.Time
}

// dumpTables returns the rows of every table that an import fills, one
// line a row sorted by key, with dates as YYYY-MM-DD and times in UTC.
// Run records are left out.
func dumpTables(t *testing.T, db *bun.DB) string {
	t.Helper()
	var b strings.Builder
	section := func(table string, rows []string) {
		sort.Strings(rows)
		fmt.Fprintf(&b, "%s\n", table)
		for _, r := range rows {
			fmt.Fprintf(&b, "  %s\n", r)
		}
	}

	var occupations []schema.Occupation
	selectAll(t, db, &occupations)
	var rows []string
	for _, o := range occupations {
		rows = append(rows, dumpRow(o.Number, o.Name, o.DurationMonths, o.SplitExam, o.MissingSince,
			o.CreatedAt, o.UpdatedAt))
	}
	section("occupations", rows)

	var companies []schema.Company
	selectAll(t, db, &companies)
	rows = nil
	for _, c := range companies {
		rows = append(rows, dumpRow(c.Ident, c.HeadIdent, c.Name1, c.Name2, c.Street, c.Postcode, c.Town,
			c.Phone, c.Email, c.Status, c.ActivationCodeHash, c.ActivationCodeUsedAt, c.MissingSince,
			c.CreatedAt, c.UpdatedAt))
	}
	section("companies", rows)

	var codes []activationCode
	selectAll(t, db, &codes)
	rows = nil
	for _, c := range codes {
		rows = append(rows, dumpRow(c.CompanyIdent, c.CodeHash, c.CreatedAt))
	}
	section("activation_codes", rows)

	var trainers []schema.Trainer
	selectAll(t, db, &trainers)
	rows = nil
	for _, r := range trainers {
		rows = append(rows, dumpRow(r.Number, r.CompanyIdent, r.Salutation, r.Title, r.FirstName, r.LastName,
			r.Email, r.AptitudeSince, r.Status, r.MissingSince, r.CreatedAt, r.UpdatedAt))
	}
	section("trainers", rows)

	var trainees []schema.Trainee
	selectAll(t, db, &trainees)
	rows = nil
	for _, r := range trainees {
		rows = append(rows, dumpRow(r.Number, r.Salutation, r.FirstName, r.LastName, r.BirthDate, r.Email,
			r.CreatedAt, r.UpdatedAt))
	}
	section("trainees", rows)

	var contracts []schema.Contract
	selectAll(t, db, &contracts)
	rows = nil
	for _, c := range contracts {
		rows = append(rows, dumpRow(c.Number, c.TraineeNumber, c.CompanyIdent, c.TrainerNumber,
			c.OccupationNumber, c.Specialisation, c.StartDate, c.EndDate, c.ProbationMonths, c.PartTime,
			c.Status, c.TerminatedOn, c.MissingSince, c.CreatedAt, c.UpdatedAt))
	}
	section("contracts", rows)

	var exams []schema.ExamRegistration
	selectAll(t, db, &exams)
	rows = nil
	for _, e := range exams {
		rows = append(rows, dumpRow(e.Number, e.ContractNumber, e.ExamType, e.Period, e.Deadline, e.Status,
			e.MissingSince, e.CreatedAt, e.UpdatedAt))
	}
	section("exam_registrations", rows)
	return b.String()
}

func selectAll(t *testing.T, db *bun.DB, models any) {
	t.Helper()
	if err := db.NewSelect().Model(models).Scan(context.Background()); err != nil {
		t.Fatalf("dump %T: %v", models, err)
	}
}

// dumpRow formats the values of one row, separated by "|". Strings are
// quoted, so that line breaks and spaces show.
func dumpRow(values ...any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = dumpValue(v)
	}
	return strings.Join(parts, "|")
}

func dumpValue(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case schema.Date:
		if v.IsZero() {
			return "NULL"
		}
		return v.String()
	case *int:
		if v == nil {
			return "NULL"
		}
		return fmt.Sprint(*v)
	case *bool:
		if v == nil {
			return "NULL"
		}
		return fmt.Sprint(*v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if v == nil {
			return "NULL"
		}
		return v.UTC().Format(time.RFC3339Nano)
	}
	panic(fmt.Sprintf("dumpValue: unexpected type %T", v))
}

// countRows returns the number of rows in table.
func countRows(t *testing.T, db *bun.DB, table string) int {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

// company returns the stored company with the ident.
func company(t *testing.T, db *bun.DB, ident string) schema.Company {
	t.Helper()
	var c schema.Company
	if err := db.NewSelect().Model(&c).Where("ident = ?", ident).Scan(context.Background()); err != nil {
		t.Fatalf("read company %s: %v", ident, err)
	}
	return c
}

// importRuns returns the recorded import runs in the order they started.
func importRuns(t *testing.T, db *bun.DB) []schema.ImportRun {
	t.Helper()
	var runs []schema.ImportRun
	if err := db.NewSelect().Model(&runs).Order("id").Scan(context.Background()); err != nil {
		t.Fatalf("read import runs: %v", err)
	}
	return runs
}
