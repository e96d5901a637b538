package sample

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"asta/jobs/chambercsv"
)

// table is a CSV file read back with chambercsv, each row keyed by column.
type table struct {
	encoding chambercsv.Encoding
	header   []string
	rows     []map[string]string
}

// readTable reads a file with the encoding that chambercsv.Detect chooses.
func readTable(t *testing.T, path string) table {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	scan, err := chambercsv.Scan(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("scan %s: %v", path, err)
	}
	tb := table{encoding: chambercsv.Detect(scan)}

	rd, err := chambercsv.NewReader(bytes.NewReader(raw), tb.encoding)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	tb.header = slices.Clone(rd.Header())
	for {
		var rec chambercsv.Record
		err := rd.Read(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		row := make(map[string]string, len(tb.header))
		for i, name := range tb.header {
			row[name] = rec.Fields[i]
		}
		tb.rows = append(tb.rows, row)
	}
	return tb
}

// writePackage writes a package into a new folder and returns the folder.
func writePackage(t *testing.T, opts Options) (string, Summary) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	sum, err := Write(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("Write(%+v): %v", opts, err)
	}
	return dir, sum
}

// readPackage reads every file that steuerung.csv lists, keyed by file name.
func readPackage(t *testing.T, dir string) map[string]table {
	t.Helper()
	files := map[string]table{"steuerung.csv": readTable(t, filepath.Join(dir, "steuerung.csv"))}
	for _, row := range files["steuerung.csv"].rows {
		files[row["Datei"]] = readTable(t, filepath.Join(dir, row["Datei"]))
	}
	return files
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// headers are the columns of each file in their documented order.
var headers = map[string][]string{
	"steuerung.csv": {"Exportart", "Erstellt", "Datei", "Saetze", "SHA256"},
	"berufe.csv":    {"Berufsnummer", "Bezeichnung", "Dauer", "Gestreckt"},
	"betriebe.csv": {
		"Identnummer", "UebergeordneteIdentnummer", "Name1", "Name2", "Strasse", "PLZ", "Ort",
		"Telefon", "EMail", "Aktivierungscode", "Status",
	},
	"ausbilder.csv": {
		"AusbilderNr", "Identnummer", "Anrede", "Titel", "Vorname", "Nachname", "EMail",
		"EignungSeit", "Status",
	},
	"vertraege.csv": {
		"Vertragsnummer", "AzubiNr", "Identnummer", "AusbilderNr", "Anrede", "Vorname", "Nachname",
		"Geburtsdatum", "EMail", "Berufsnummer", "Fachrichtung", "Beginn", "Ende", "Probezeit",
		"Teilzeit", "Status", "Loesungsdatum",
	},
	"pruefungen.csv": {
		"AnmeldungsNr", "Vertragsnummer", "Pruefungsart", "Zeitraum", "Anmeldeschluss", "Status",
	},
}

// dataFiles are the data files of a full package in the order of the
// control file.
var dataFiles = []string{
	"berufe.csv", "betriebe.csv", "ausbilder.csv", "vertraege.csv", "pruefungen.csv",
}

func TestWriteControlFile(t *testing.T) {
	created := time.Date(2027, 7, 1, 1, 30, 5, 0, time.UTC)
	tests := []struct {
		name       string
		opts       Options
		wantType   string
		wantFiles  []string
		wantCreate string
	}{
		{"windows-1252 full", Options{Companies: 30, Contracts: 120, Seed: 1},
			"VOLL", dataFiles, "04.12.2026 03:00:00"},
		{"utf-8 with BOM", Options{Companies: 30, Contracts: 120, Seed: 2, Encoding: chambercsv.UTF8,
			BOM: true},
			"VOLL", dataFiles, "04.12.2026 03:00:00"},
		{"changed share", Options{Companies: 30, Contracts: 120, Seed: 1, ChangedShare: 0.2},
			"VOLL", dataFiles, "05.12.2026 03:00:00"},
		{"delta", Options{Companies: 30, Contracts: 120, Seed: 1, ExportType: ExportDelta},
			"DELTA", []string{"vertraege.csv"}, "05.12.2026 03:00:00"},
		{"created set", Options{Companies: 5, Contracts: 10, Created: created},
			"VOLL", dataFiles, "01.07.2027 03:30:05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, sum := writePackage(t, tt.opts)
			control := readTable(t, filepath.Join(dir, "steuerung.csv"))

			if got, want := control.header, headers["steuerung.csv"]; !slices.Equal(got, want) {
				t.Errorf("steuerung.csv header = %q, want %q", got, want)
			}
			var names []string
			for _, row := range control.rows {
				names = append(names, row["Datei"])
			}
			if !slices.Equal(names, tt.wantFiles) {
				t.Fatalf("steuerung.csv lists %q, want %q", names, tt.wantFiles)
			}
			controlSHA := fileSHA256(t, filepath.Join(dir, "steuerung.csv"))
			if got, want := sum.Control.SHA256, controlSHA; got != want {
				t.Errorf("Summary.Control.SHA256 = %s, want %s", got, want)
			}

			for i, row := range control.rows {
				name := row["Datei"]
				data := readTable(t, filepath.Join(dir, name))
				if got, want := row["Exportart"], tt.wantType; got != want {
					t.Errorf("%s: Exportart = %q, want %q", name, got, want)
				}
				if got, want := row["Erstellt"], tt.wantCreate; got != want {
					t.Errorf("%s: Erstellt = %q, want %q", name, got, want)
				}
				if got, want := row["Saetze"], strconv.Itoa(len(data.rows)); got != want {
					t.Errorf("%s: Saetze = %s, file has %s records", name, got, want)
				}
				if got, want := row["SHA256"], fileSHA256(t, filepath.Join(dir, name)); got != want {
					t.Errorf("%s: SHA256 = %s, file has %s", name, got, want)
				}
				if got, want := data.header, headers[name]; !slices.Equal(got, want) {
					t.Errorf("%s header = %q, want %q", name, got, want)
				}
				if got, want := sum.Files[i].Records, len(data.rows); got != want {
					t.Errorf("Summary.Files[%d].Records = %d, file has %d", i, got, want)
				}
				if got, want := sum.Files[i].SHA256, row["SHA256"]; got != want {
					t.Errorf("Summary.Files[%d].SHA256 = %s, steuerung.csv has %s", i, got, want)
				}
			}
		})
	}
}

func TestWriteDeterministic(t *testing.T) {
	opts := Options{Companies: 40, Contracts: 300, Seed: 7}
	first, sum1 := writePackage(t, opts)
	second, sum2 := writePackage(t, opts)
	for _, name := range append([]string{"steuerung.csv"}, dataFiles...) {
		if fileSHA256(t, filepath.Join(first, name)) != fileSHA256(t, filepath.Join(second, name)) {
			t.Errorf("%s differs between two writes with the same options", name)
		}
	}
	if sum1.Control.SHA256 != sum2.Control.SHA256 {
		t.Errorf("package SHA-256 %s != %s", sum1.Control.SHA256, sum2.Control.SHA256)
	}

	opts.Seed = 8
	other, _ := writePackage(t, opts)
	if fileSHA256(t, filepath.Join(first, "vertraege.csv")) ==
		fileSHA256(t, filepath.Join(other, "vertraege.csv")) {
		t.Error("seeds 7 and 8 wrote the same vertraege.csv")
	}
}

func TestWriteWindows1252HardText(t *testing.T) {
	dir, _ := writePackage(t, Options{Companies: 20, Contracts: 40, Seed: 3})

	var text strings.Builder
	var fields []string
	for name, tb := range readPackage(t, dir) {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if name != "steuerung.csv" && tb.encoding != chambercsv.Windows1252 {
			t.Errorf("%s detected as %v, want windows-1252", name, tb.encoding)
		}
		if bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
			t.Errorf("%s starts with a byte order mark", name)
		}
		if !bytes.HasSuffix(raw, []byte("\r\n")) {
			t.Errorf("%s does not end with CRLF", name)
		}
		for _, row := range tb.rows {
			for _, v := range row {
				text.WriteString(v)
				fields = append(fields, v)
			}
		}
	}

	hard := []string{"ä", "ö", "ü", "Ä", "Ö", "Ü", "ß", "–", "€", "é", "è", "ç", "Ç", "Á", "ë", "'"}
	for _, want := range hard {
		if !strings.Contains(text.String(), want) {
			t.Errorf("package lacks %q", want)
		}
	}
	for _, want := range []string{";", `"`, "\n"} {
		if !slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(f, want) }) {
			t.Errorf("no field contains %q", want)
		}
	}
}

func TestWriteUTF8(t *testing.T) {
	tests := []struct {
		name    string
		bom     bool
		wantBOM bool
	}{
		{"with byte order mark", true, true},
		{"without byte order mark", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := writePackage(t, Options{
				Companies: 100, Contracts: 1000, Seed: 4, Encoding: chambercsv.UTF8, BOM: tt.bom,
			})
			raw, err := os.ReadFile(filepath.Join(dir, "vertraege.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")); got != tt.wantBOM {
				t.Errorf("byte order mark in vertraege.csv: %v, want %v", got, tt.wantBOM)
			}
			if !utf8.Valid(raw) {
				t.Error("vertraege.csv is not valid UTF-8")
			}
			got := readTable(t, filepath.Join(dir, "vertraege.csv")).encoding
			if got != chambercsv.UTF8 {
				t.Errorf("vertraege.csv detected as %v, want utf-8", got)
			}
			if !bytes.ContainsAny(raw, "ễịọşığłřđ") {
				t.Error("vertraege.csv lacks names with characters outside Windows-1252")
			}
		})
	}
}

func TestWriteReferencesResolve(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"base", Options{Companies: 200, Contracts: 2000, Seed: 5}},
		{"changed", Options{Companies: 200, Contracts: 2000, Seed: 5, ChangedShare: 0.3}},
		{"single company", Options{Companies: 1, Contracts: 50, Seed: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := writePackage(t, tt.opts)
			files := readPackage(t, dir)

			occupations := keys(t, files["berufe.csv"], "Berufsnummer")
			companies := keys(t, files["betriebe.csv"], "Identnummer")
			trainers := keys(t, files["ausbilder.csv"], "AusbilderNr")
			contracts := keys(t, files["vertraege.csv"], "Vertragsnummer")
			keys(t, files["pruefungen.csv"], "AnmeldungsNr")

			for _, row := range files["betriebe.csv"].rows {
				if p := row["UebergeordneteIdentnummer"]; p != "" && !companies[p] {
					t.Errorf("company %s: head company %s not found", row["Identnummer"], p)
				}
			}
			for _, row := range files["ausbilder.csv"].rows {
				if !companies[row["Identnummer"]] {
					t.Errorf("trainer %s: company %s not found",
						row["AusbilderNr"], row["Identnummer"])
				}
			}
			for _, row := range files["vertraege.csv"].rows {
				id := row["Vertragsnummer"]
				if !companies[row["Identnummer"]] {
					t.Errorf("contract %s: company %s not found", id, row["Identnummer"])
				}
				if tr := row["AusbilderNr"]; tr != "" && !trainers[tr] {
					t.Errorf("contract %s: trainer %s not found", id, tr)
				}
				if !occupations[row["Berufsnummer"]] {
					t.Errorf("contract %s: occupation %s not found", id, row["Berufsnummer"])
				}
			}
			for _, row := range files["pruefungen.csv"].rows {
				if !contracts[row["Vertragsnummer"]] {
					t.Errorf("registration %s: contract %s not found",
						row["AnmeldungsNr"], row["Vertragsnummer"])
				}
			}
		})
	}
}

// keys returns the values of a key column and reports empty and duplicate keys.
func keys(t *testing.T, tb table, column string) map[string]bool {
	t.Helper()
	seen := make(map[string]bool, len(tb.rows))
	for i, row := range tb.rows {
		k := row[column]
		if k == "" {
			t.Errorf("record %d: %s is empty", i+1, column)
		}
		if seen[k] {
			t.Errorf("%s %q appears twice", column, k)
		}
		seen[k] = true
	}
	return seen
}

func TestWriteValuesValid(t *testing.T) {
	dir, _ := writePackage(t, Options{Companies: 300, Contracts: 3000, Seed: 6})
	files := readPackage(t, dir)

	formats := []struct {
		file, column string
		pattern      *regexp.Regexp
	}{
		{"berufe.csv", "Berufsnummer", regexp.MustCompile(`^\d{4}$`)},
		{"berufe.csv", "Dauer", regexp.MustCompile(`^(24|36|42)$`)},
		{"berufe.csv", "Gestreckt", regexp.MustCompile(`^[JN]$`)},
		{"betriebe.csv", "Identnummer", regexp.MustCompile(`^\d{1,10}$`)},
		{"betriebe.csv", "PLZ", regexp.MustCompile(`^\d{5}$`)},
		{"betriebe.csv", "Aktivierungscode", regexp.MustCompile(`^([A-Z0-9]{4}(-[A-Z0-9]{4}){2})?$`)},
		{"betriebe.csv", "EMail", regexp.MustCompile(`^([a-z0-9.-]+@[a-z0-9-]+\.example)?$`)},
		{"betriebe.csv", "Status", regexp.MustCompile(`^(AKTIV|GELOESCHT)$`)},
		{"ausbilder.csv", "AusbilderNr", regexp.MustCompile(`^A-\d+$`)},
		{"ausbilder.csv", "Anrede", regexp.MustCompile(`^(Frau|Herr|divers|)$`)},
		{"ausbilder.csv", "EignungSeit", regexp.MustCompile(`^(\d\d\.\d\d\.\d{4})?$`)},
		{"ausbilder.csv", "Status", regexp.MustCompile(`^(AKTIV|AUSGESCHIEDEN)$`)},
		{"vertraege.csv", "Vertragsnummer", regexp.MustCompile(`^\d{4}-\d{6,}$`)},
		{"vertraege.csv", "AzubiNr", regexp.MustCompile(`^Z-\d+$`)},
		{"vertraege.csv", "Anrede", regexp.MustCompile(`^(Frau|Herr|divers|)$`)},
		{"vertraege.csv", "EMail", regexp.MustCompile(`^([a-z0-9.-]+@example\.(org|net))?$`)},
		{"vertraege.csv", "Probezeit", regexp.MustCompile(`^[1-4]?$`)},
		{"vertraege.csv", "Teilzeit", regexp.MustCompile(`^[JN]$`)},
		{"vertraege.csv", "Status", regexp.MustCompile(`^(EINGETRAGEN|GELOEST|BEENDET)$`)},
		{"pruefungen.csv", "AnmeldungsNr", regexp.MustCompile(`^P-\d{4}-\d{4,}$`)},
		{"pruefungen.csv", "Pruefungsart", regexp.MustCompile(`^(ZP|AP|AP1|AP2|WP)$`)},
		{"pruefungen.csv", "Zeitraum",
			regexp.MustCompile(`^((Sommer|Frühjahr|Herbst) \d{4}|Winter \d{4}/\d\d)$`)},
		{"pruefungen.csv", "Status",
			regexp.MustCompile(`^(OFFEN|BETRIEB_BESTAETIGT|EINGEREICHT|ZUGELASSEN|ABGELEHNT)$`)},
	}
	for _, f := range formats {
		for _, row := range files[f.file].rows {
			if v := row[f.column]; !f.pattern.MatchString(v) {
				t.Errorf("%s %s = %q, want a match of %s", f.file, f.column, v, f.pattern)
			}
		}
	}

	for _, row := range files["vertraege.csv"].rows {
		checkContractDates(t, row)
	}
	for _, row := range files["pruefungen.csv"].rows {
		parseDate(t, row["Anmeldeschluss"])
	}
}

func parseDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("02.01.2006", s)
	if err != nil {
		t.Errorf("invalid date %q: %v", s, err)
	}
	return d
}

// checkContractDates checks a contract's dates: valid, Beginn before Ende,
// the trainee 15 to 28 years old at the start, and a Loesungsdatum within
// the contract exactly when it was dissolved. A trainee's second contract
// starts up to 14 months after the first.
func checkContractDates(t *testing.T, row map[string]string) {
	t.Helper()
	id := row["Vertragsnummer"]
	birth := parseDate(t, row["Geburtsdatum"])
	start, end := parseDate(t, row["Beginn"]), parseDate(t, row["Ende"])
	if !start.Before(end) {
		t.Errorf("contract %s: Beginn %s is not before Ende %s", id, row["Beginn"], row["Ende"])
	}
	if age := start.Sub(birth).Hours() / 24 / 365.25; age < 15 || age > 28 {
		t.Errorf("contract %s: trainee is %.1f years old at the start", id, age)
	}
	if !strings.HasPrefix(id, row["Beginn"][6:]+"-") {
		t.Errorf("contract %s: number does not start with the year of Beginn %s", id, row["Beginn"])
	}

	dissolved := row["Loesungsdatum"]
	if got, want := dissolved != "", row["Status"] == "GELOEST"; got != want {
		t.Errorf("contract %s: status %s with Loesungsdatum %q", id, row["Status"], dissolved)
	}
	if dissolved != "" {
		if d := parseDate(t, dissolved); !d.After(start) || !d.Before(end) {
			t.Errorf("contract %s: Loesungsdatum %s outside %s to %s",
				id, dissolved, row["Beginn"], row["Ende"])
		}
	}
}

func TestWriteCoversCases(t *testing.T) {
	dir, _ := writePackage(t, Options{Companies: 300, Contracts: 3000, Seed: 6})
	files := readPackage(t, dir)

	tests := []struct {
		name, file, column string
		want               []string
	}{
		{"company status", "betriebe.csv", "Status", []string{"AKTIV", "GELOESCHT"}},
		{"trainer salutation", "ausbilder.csv", "Anrede", []string{"Frau", "Herr", "divers", ""}},
		{"trainer status", "ausbilder.csv", "Status", []string{"AKTIV", "AUSGESCHIEDEN"}},
		{"trainee salutation", "vertraege.csv", "Anrede", []string{"Frau", "Herr", "divers", ""}},
		{"contract status", "vertraege.csv", "Status",
			[]string{"EINGETRAGEN", "GELOEST", "BEENDET"}},
		{"probation", "vertraege.csv", "Probezeit", []string{"1", "2", "3", "4"}},
		{"part-time", "vertraege.csv", "Teilzeit", []string{"J", "N"}},
		{"exam kind", "pruefungen.csv", "Pruefungsart", []string{"ZP", "AP", "AP1", "AP2", "WP"}},
		{"registration status", "pruefungen.csv", "Status",
			[]string{"OFFEN", "BETRIEB_BESTAETIGT", "EINGEREICHT", "ZUGELASSEN", "ABGELEHNT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, row := range files[tt.file].rows {
				seen[row[tt.column]] = true
			}
			for _, v := range tt.want {
				if !seen[v] {
					t.Errorf("%s %s never %q", tt.file, tt.column, v)
				}
			}
		})
	}

	nonEmpty := func(v string) bool { return v != "" }
	prefix := func(p string) func(string) bool {
		return func(v string) bool { return strings.HasPrefix(v, p) }
	}
	contains := func(s string) func(string) bool {
		return func(v string) bool { return strings.Contains(v, s) }
	}
	checks := []struct {
		name, file, column string
		match              func(value string) bool
	}{
		{"site", "betriebe.csv", "UebergeordneteIdentnummer", nonEmpty},
		{"ident with leading zero", "betriebe.csv", "Identnummer", prefix("0")},
		{"postcode with leading zero", "betriebe.csv", "PLZ", prefix("0")},
		{"activation code", "betriebe.csv", "Aktivierungscode", nonEmpty},
		{"trainer title", "ausbilder.csv", "Titel", nonEmpty},
		{"aptitude date", "ausbilder.csv", "EignungSeit", nonEmpty},
		{"born on 29 February", "vertraege.csv", "Geburtsdatum", prefix("29.02.")},
		{"specialisation", "vertraege.csv", "Fachrichtung", nonEmpty},
		{"particle", "vertraege.csv", "Nachname", prefix("von der ")},
		{"apostrophe", "vertraege.csv", "Nachname", contains("'")},
		{"double name", "vertraege.csv", "Nachname", contains("-")},
		{"winter period", "pruefungen.csv", "Zeitraum", prefix("Winter ")},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			found := slices.ContainsFunc(files[c.file].rows, func(row map[string]string) bool {
				return c.match(row[c.column])
			})
			if !found {
				t.Errorf("%s has no record with %s", c.file, c.name)
			}
		})
	}

	t.Run("trainee with two contracts", func(t *testing.T) {
		count := map[string]int{}
		for _, row := range files["vertraege.csv"].rows {
			count[row["AzubiNr"]]++
		}
		if slices.Max(slices.Collect(maps.Values(count))) < 2 {
			t.Error("no AzubiNr has more than one contract")
		}
	})
}

// contractsByNumber returns the rows of vertraege.csv keyed by Vertragsnummer.
func contractsByNumber(t *testing.T, dir string) map[string]map[string]string {
	t.Helper()
	rows := map[string]map[string]string{}
	for _, row := range readTable(t, filepath.Join(dir, "vertraege.csv")).rows {
		rows[row["Vertragsnummer"]] = row
	}
	return rows
}

// differingColumns returns the columns in which two rows differ.
func differingColumns(a, b map[string]string) []string {
	var cols []string
	for _, col := range headers["vertraege.csv"] {
		if a[col] != b[col] {
			cols = append(cols, col)
		}
	}
	return cols
}

func isContracts(name string) bool { return name == "vertraege.csv" }

func TestWriteChangedShare(t *testing.T) {
	const contracts = 5000
	base := Options{Companies: 500, Contracts: contracts, Seed: 9}
	baseDir, _ := writePackage(t, base)
	baseRows := contractsByNumber(t, baseDir)
	changeable := []string{"Ende", "AusbilderNr", "EMail"}

	for _, share := range []float64{0.01, 0.1, 0.5} {
		t.Run(strconv.FormatFloat(share, 'f', -1, 64), func(t *testing.T) {
			opts := base
			opts.ChangedShare = share
			dir, sum := writePackage(t, opts)

			for _, name := range slices.DeleteFunc(slices.Clone(dataFiles), isContracts) {
				if fileSHA256(t, filepath.Join(dir, name)) != fileSHA256(t, filepath.Join(baseDir, name)) {
					t.Errorf("%s differs from the base package", name)
				}
			}

			changed := 0
			rows := contractsByNumber(t, dir)
			if len(rows) != len(baseRows) {
				t.Fatalf("%d contracts, base has %d", len(rows), len(baseRows))
			}
			for number, row := range rows {
				baseRow, ok := baseRows[number]
				if !ok {
					t.Fatalf("contract %s not in the base package", number)
				}
				cols := differingColumns(baseRow, row)
				if len(cols) == 0 {
					continue
				}
				changed++
				if len(cols) != 1 || !slices.Contains(changeable, cols[0]) {
					t.Errorf("contract %s differs in %q, want one of %q", number, cols, changeable)
				}
			}

			if sum.Changed != changed {
				t.Errorf("Summary.Changed = %d, %d contracts differ", sum.Changed, changed)
			}
			want := share * contracts
			if tolerance := 4*math.Sqrt(want) + 2; math.Abs(float64(changed)-want) > tolerance {
				t.Errorf("%d contracts differ, want %.0f ± %.0f", changed, want, tolerance)
			}
		})
	}
}

func TestWriteDelta(t *testing.T) {
	opts := Options{Companies: 100, Contracts: 2000, Seed: 10}
	baseDir, _ := writePackage(t, opts)
	opts.ChangedShare = 0.05
	fullDir, _ := writePackage(t, opts)
	opts.ExportType = ExportDelta
	deltaDir, sum := writePackage(t, opts)

	baseRows, fullRows := contractsByNumber(t, baseDir), contractsByNumber(t, fullDir)
	deltaRows := contractsByNumber(t, deltaDir)
	for number, row := range fullRows {
		_, inDelta := deltaRows[number]
		if changed := len(differingColumns(baseRows[number], row)) > 0; changed != inDelta {
			t.Errorf("contract %s: changed %v, in delta %v", number, changed, inDelta)
		}
	}
	for number, row := range deltaRows {
		if cols := differingColumns(fullRows[number], row); len(cols) > 0 {
			t.Errorf("contract %s: delta differs from the full package in %q", number, cols)
		}
	}
	if got, want := sum.Changed, len(deltaRows); got != want {
		t.Errorf("Summary.Changed = %d, delta has %d contracts", got, want)
	}

	opts.ChangedShare = 0
	_, sum = writePackage(t, opts)
	if want := int(DefaultDeltaShare * 2000); sum.Changed < want/3 || sum.Changed > want*3 {
		t.Errorf("delta without ChangedShare has %d contracts, want about %d", sum.Changed, want)
	}
}

func TestWriteOptionsErrors(t *testing.T) {
	valid := Options{Companies: 1, Contracts: 1}
	early := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		modify func(o *Options)
		want   string
	}{
		{"no companies", func(o *Options) { o.Companies = 0 },
			"--companies must be at least 1, got 0"},
		{"too many companies", func(o *Options) { o.Companies = MaxCompanies + 1 },
			"--companies must be at most"},
		{"no contracts", func(o *Options) { o.Contracts = 0 },
			"--contracts must be at least 1, got 0"},
		{"negative contracts", func(o *Options) { o.Contracts = -5 }, "got -5"},
		{"unknown encoding", func(o *Options) { o.Encoding = 9 },
			"--encoding must be utf-8 or windows-1252, got Encoding(9)"},
		{"BOM with windows-1252", func(o *Options) { o.BOM = true },
			"--bom needs --encoding utf-8, got windows-1252"},
		{"unknown export type", func(o *Options) { o.ExportType = "FULL" },
			`must be VOLL or DELTA, got "FULL"`},
		{"share above 1", func(o *Options) { o.ChangedShare = 1.5 }, "--changed must be between 0 and 1, got 1.5"},
		{"negative share", func(o *Options) { o.ChangedShare = -0.1 }, "between 0 and 1, got -0.1"},
		{"share NaN", func(o *Options) { o.ChangedShare = math.NaN() }, "got NaN"},
		{"created too early", func(o *Options) { o.Created = early },
			"between the years 1970 and 9900"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := valid
			tt.modify(&opts)
			dir := filepath.Join(t.TempDir(), "export")
			_, err := Write(context.Background(), dir, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write error = %v, want one containing %q", err, tt.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Write created %s despite invalid options", dir)
			}
		})
	}
}

func TestWriteRejectsNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "vertraege.csv")
	if err := os.WriteFile(keep, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}

	_, err := Write(context.Background(), dir, Options{Companies: 1, Contracts: 1})
	if err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Fatalf("Write error = %v, want one saying the directory is not empty", err)
	}
	if raw, _ := os.ReadFile(keep); string(raw) != "keep" {
		t.Errorf("Write overwrote %s", keep)
	}
}

func TestWriteCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := filepath.Join(t.TempDir(), "export")

	_, err := Write(ctx, dir, Options{Companies: 10, Contracts: 10})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write error = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "steuerung.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a cancelled Write left steuerung.csv")
	}
}

// TestNameListsEncoding checks that the lists for Windows-1252 packages
// encode in that code page and that each name kept for UTF-8 packages
// needs UTF-8.
func TestNameListsEncoding(t *testing.T) {
	var latin1 [][]string
	var unicode []string
	for _, p := range []namePool{femaleNames, maleNames, unisexNames, surnames, particleSurnames} {
		latin1 = append(latin1, p.latin1)
		unicode = append(unicode, p.unicode...)
	}
	for _, o := range occupations {
		latin1 = append(latin1, append([]string{o.title}, o.specialisations...))
	}
	for _, tw := range towns {
		latin1 = append(latin1, []string{tw.name})
	}
	latin1 = append(latin1, streets, multilineStreets, companyBranches, specialCompanyNames,
		secondLines, siteLines, titles)

	w, err := chambercsv.NewWriter(io.Discard, chambercsv.Windows1252, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range latin1 {
		for _, s := range list {
			if err := w.Write([]string{s}); err != nil {
				t.Errorf("%q: %v", s, err)
			}
		}
	}
	for _, s := range unicode {
		if err := w.Write([]string{s}); err == nil {
			t.Errorf("%q encodes in Windows-1252, move it to the latin1 list", s)
		}
	}
}

func TestFoldSpellsEveryLetter(t *testing.T) {
	var all []string
	for _, p := range []namePool{femaleNames, maleNames, unisexNames, surnames, particleSurnames} {
		all = append(all, p.join(true)...)
	}
	valid := regexp.MustCompile(`^[a-z0-9-]+$`)
	for _, name := range all {
		for _, c := range strings.ToLower(name) {
			if c >= utf8.RuneSelf && asciiLetters[c] == "" {
				t.Errorf("fold(%q) drops %q: add it to asciiLetters", name, c)
			}
		}
		if got := fold(name); !valid.MatchString(got) {
			t.Errorf("fold(%q) = %q, want lower-case ASCII", name, got)
		}
	}

	tests := []struct{ input, want string }{
		{"Müller-Lüdenscheidt", "mueller-luedenscheidt"},
		{"D'Angelo", "dangelo"},
		{"von der Heide", "vonderheide"},
		{"Nguyễn", "nguyen"},
		{"Groß", "gross"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			if got := fold(tt.input); got != tt.want {
				t.Errorf("fold(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func BenchmarkWrite(b *testing.B) {
	opts := Options{Companies: 10_000, Contracts: 100_000, Seed: 1}
	root := b.TempDir()
	var size int64
	i := 0
	for b.Loop() {
		dir := filepath.Join(root, strconv.Itoa(i))
		sum, err := Write(context.Background(), dir, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		size = 0
		for _, f := range sum.Files {
			size += f.Size
		}
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		i++
		b.StartTimer()
	}
	b.SetBytes(size)
}
