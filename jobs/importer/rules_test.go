package importer

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"asta/schema"
	"asta/schema/dbtest"
)

// validRows contains one valid record of each data file that basePackage
// lacks, for [rowOf] to vary.
var validRows = map[string]string{
	"berufe.csv":    "0330;Fachinformatiker / Fachinformatikerin;36;J",
	"betriebe.csv":  "40001;;Neue Werkstatt GmbH;;Hauptstraße 1;01067;Dresden;;;;AKTIV",
	"ausbilder.csv": "A-3001;0004711;Herr;;Can;Çelik;;01.09.2019;AKTIV",
	"vertraege.csv": "2025-000456;Z-50002;0004711;A-1001;Frau;Zoë;D'Angelo;07.11.2006;;0101;;" +
		"01.08.2025;31.07.2028;3;J;EINGETRAGEN;",
	"pruefungen.csv": "P-2027-0002;2024-000123;ZP;Frühjahr 2027;15.02.2027;OFFEN",
}

// rowOf returns the valid record of file from validRows with the columns
// given as "Column=value" replaced. A value is written as given, so that
// it may carry quotes.
func rowOf(t *testing.T, file string, set ...string) string {
	t.Helper()
	header := strings.Split(testHeaders[file], ";")
	fields := strings.Split(validRows[file], ";")
	if len(fields) != len(header) {
		t.Fatalf("valid row of %s has %d fields, the header %d", file, len(fields), len(header))
	}
	for _, s := range set {
		name, value, _ := strings.Cut(s, "=")
		i := indexOf(header, name)
		if i < 0 {
			t.Fatalf("%s has no column %s", file, name)
		}
		fields[i] = value
	}
	return strings.Join(fields, ";")
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// wantRejection is an expected rejection. reason is a fragment of the
// reason, which must also contain a non-empty value.
type wantRejection struct {
	file   string
	line   int
	column string
	value  string
	reason string
}

func TestImportRejectsBadRecords(t *testing.T) {
	type rows = map[string][]string
	oneRow := func(file string, set ...string) rows {
		return rows{file: {rowOf(t, file, set...)}}
	}
	tests := []struct {
		name string
		rows rows // records appended to basePackage, by file
		want []wantRejection
		// hidden must appear in no rejection's value or reason.
		hidden string
	}{
		// Missing required values.
		{
			name: "occupation without Bezeichnung",
			rows: oneRow("berufe.csv", "Bezeichnung="),
			want: []wantRejection{{"berufe.csv", 4, "Bezeichnung", "", "required value is missing"}},
		},
		{
			name: "company without Name1",
			rows: oneRow("betriebe.csv", "Name1=  "),
			want: []wantRejection{{"betriebe.csv", 5, "Name1", "", "required value is missing"}},
		},
		{
			name: "company without Status",
			rows: oneRow("betriebe.csv", "Status="),
			want: []wantRejection{{"betriebe.csv", 5, "Status", "", "required value is missing"}},
		},
		{
			name: "trainer without Nachname",
			rows: oneRow("ausbilder.csv", "Nachname="),
			want: []wantRejection{{"ausbilder.csv", 4, "Nachname", "", "required value is missing"}},
		},
		{
			name: "contract without Geburtsdatum",
			rows: oneRow("vertraege.csv", "Geburtsdatum="),
			want: []wantRejection{{"vertraege.csv", 4, "Geburtsdatum", "", "required value is missing"}},
		},
		{
			name: "contract without key",
			rows: oneRow("vertraege.csv", "Vertragsnummer="),
			want: []wantRejection{{"vertraege.csv", 4, "Vertragsnummer", "", "required value is missing"}},
		},
		{
			name: "registration without Zeitraum",
			rows: oneRow("pruefungen.csv", "Zeitraum="),
			want: []wantRejection{{"pruefungen.csv", 3, "Zeitraum", "", "required value is missing"}},
		},

		// Dates.
		{
			name: "31 February",
			rows: oneRow("vertraege.csv", "Beginn=31.02.2027"),
			want: []wantRejection{{"vertraege.csv", 4, "Beginn", "31.02.2027", "invalid date"}},
		},
		{
			name: "29 February outside a leap year",
			rows: oneRow("vertraege.csv", "Ende=29.02.2027"),
			want: []wantRejection{{"vertraege.csv", 4, "Ende", "29.02.2027", "invalid date"}},
		},
		{
			name: "ISO date",
			rows: oneRow("pruefungen.csv", "Anmeldeschluss=2027-02-01"),
			want: []wantRejection{{"pruefungen.csv", 3, "Anmeldeschluss", "2027-02-01", "TT.MM.JJJJ"}},
		},
		{
			name: "date without leading zeros",
			rows: oneRow("ausbilder.csv", "EignungSeit=1.9.2019"),
			want: []wantRejection{{"ausbilder.csv", 4, "EignungSeit", "1.9.2019", "invalid date"}},
		},
		{
			name: "optional date that does not exist",
			rows: oneRow("vertraege.csv", "Status=GELOEST", "Loesungsdatum=31.04.2026"),
			want: []wantRejection{{"vertraege.csv", 4, "Loesungsdatum", "31.04.2026", "invalid date"}},
		},

		// Flags.
		{
			name: "flag ja",
			rows: oneRow("berufe.csv", "Gestreckt=ja"),
			want: []wantRejection{{"berufe.csv", 4, "Gestreckt", "ja", "invalid flag"}},
		},
		{
			name: "flag in lower case",
			rows: oneRow("vertraege.csv", "Teilzeit=j"),
			want: []wantRejection{{"vertraege.csv", 4, "Teilzeit", "j", "want J or N"}},
		},

		// Unknown values of an enumeration.
		{
			name: "company Status",
			rows: oneRow("betriebe.csv", "Status=AKTIF"),
			want: []wantRejection{{"betriebe.csv", 5, "Status", "AKTIF", "unknown Status"}},
		},
		{
			name: "trainer Status",
			rows: oneRow("ausbilder.csv", "Status=INAKTIV"),
			want: []wantRejection{{"ausbilder.csv", 4, "Status", "INAKTIV", "unknown Status"}},
		},
		{
			name: "contract Status of a company",
			rows: oneRow("vertraege.csv", "Status=GELOESCHT"),
			want: []wantRejection{{"vertraege.csv", 4, "Status", "GELOESCHT",
				"EINGETRAGEN, GELOEST, BEENDET"}},
		},
		{
			name: "registration Status",
			rows: oneRow("pruefungen.csv", "Status=ANGEMELDET"),
			want: []wantRejection{{"pruefungen.csv", 3, "Status", "ANGEMELDET", "unknown Status"}},
		},
		{
			name: "trainer Anrede",
			rows: oneRow("ausbilder.csv", "Anrede=Fräulein"),
			want: []wantRejection{{"ausbilder.csv", 4, "Anrede", "Fräulein", "Frau, Herr, divers"}},
		},
		{
			name: "contract Anrede",
			rows: oneRow("vertraege.csv", "Anrede=Dr."),
			want: []wantRejection{{"vertraege.csv", 4, "Anrede", "Dr.", "unknown Anrede"}},
		},
		{
			name: "Pruefungsart",
			rows: oneRow("pruefungen.csv", "Pruefungsart=GP"),
			want: []wantRejection{{"pruefungen.csv", 3, "Pruefungsart", "GP", "ZP, AP, AP1, AP2, WP"}},
		},
		{
			name: "Dauer",
			rows: oneRow("berufe.csv", "Dauer=30"),
			want: []wantRejection{{"berufe.csv", 4, "Dauer", "30", "24, 36, 42"}},
		},

		// Probation period.
		{
			name: "Probezeit 0",
			rows: oneRow("vertraege.csv", "Probezeit=0"),
			want: []wantRejection{{"vertraege.csv", 4, "Probezeit", "0", "from 1 to 4"}},
		},
		{
			name: "Probezeit 5",
			rows: oneRow("vertraege.csv", "Probezeit=5"),
			want: []wantRejection{{"vertraege.csv", 4, "Probezeit", "5", "from 1 to 4"}},
		},
		{
			name: "Probezeit as a word",
			rows: oneRow("vertraege.csv", "Probezeit=drei"),
			want: []wantRejection{{"vertraege.csv", 4, "Probezeit", "drei", "whole number"}},
		},

		// Identnummer.
		{
			name: "Identnummer with a letter",
			rows: oneRow("betriebe.csv", "Identnummer=4711a"),
			want: []wantRejection{{"betriebe.csv", 5, "Identnummer", "4711a", "1 to 10 digits"}},
		},
		{
			name: "Identnummer of 11 digits",
			rows: oneRow("betriebe.csv", "Identnummer=12345678901"),
			want: []wantRejection{{"betriebe.csv", 5, "Identnummer", "12345678901", "1 to 10 digits"}},
		},
		{
			name: "trainer Identnummer with a dash",
			rows: oneRow("ausbilder.csv", "Identnummer=0004711-1"),
			want: []wantRejection{{"ausbilder.csv", 4, "Identnummer", "0004711-1", "1 to 10 digits"}},
		},
		{
			name: "contract Identnummer of 11 digits",
			rows: oneRow("vertraege.csv", "Identnummer=00000004711"),
			want: []wantRejection{{"vertraege.csv", 4, "Identnummer", "00000004711", "1 to 10 digits"}},
		},
		{
			name: "UebergeordneteIdentnummer with a letter",
			rows: oneRow("betriebe.csv", "UebergeordneteIdentnummer=K4711"),
			want: []wantRejection{{"betriebe.csv", 5, "UebergeordneteIdentnummer", "K4711",
				"1 to 10 digits"}},
		},
		{
			name: "Identnummer of 10 digits",
			rows: oneRow("betriebe.csv", "Identnummer=1234567890"),
		},
		{
			name: "Identnummer differing only in leading zeros",
			rows: oneRow("betriebe.csv", "Identnummer=4711"),
		},

		// References.
		{
			name: "contract at unknown company",
			rows: oneRow("vertraege.csv", "Identnummer=99999"),
			want: []wantRejection{{"vertraege.csv", 4, "Identnummer", "99999",
				"neither in betriebe.csv nor already imported"}},
		},
		{
			name: "contract with unknown trainer",
			rows: oneRow("vertraege.csv", "AusbilderNr=A-9999"),
			want: []wantRejection{{"vertraege.csv", 4, "AusbilderNr", "A-9999", "neither in ausbilder.csv"}},
		},
		{
			name: "contract with unknown occupation",
			rows: oneRow("vertraege.csv", "Berufsnummer=9999"),
			want: []wantRejection{{"vertraege.csv", 4, "Berufsnummer", "9999", "neither in berufe.csv"}},
		},
		{
			name: "occupation number without its leading zero",
			rows: oneRow("vertraege.csv", "Berufsnummer=101"),
			want: []wantRejection{{"vertraege.csv", 4, "Berufsnummer", "101", "neither in berufe.csv"}},
		},
		{
			name: "trainer at unknown company",
			rows: oneRow("ausbilder.csv", "Identnummer=88888"),
			want: []wantRejection{{"ausbilder.csv", 4, "Identnummer", "88888", "neither in betriebe.csv"}},
		},
		{
			name: "registration under unknown contract",
			rows: oneRow("pruefungen.csv", "Vertragsnummer=2099-000001"),
			want: []wantRejection{{"pruefungen.csv", 3, "Vertragsnummer", "2099-000001",
				"neither in vertraege.csv"}},
		},
		{
			name: "site with unknown head company",
			rows: oneRow("betriebe.csv", "UebergeordneteIdentnummer=77777"),
			want: []wantRejection{{"betriebe.csv", 5, "UebergeordneteIdentnummer", "77777",
				"neither in betriebe.csv"}},
		},
		{
			name: "site before its head company",
			rows: rows{"betriebe.csv": {
				rowOf(t, "betriebe.csv", "Identnummer=40002", "UebergeordneteIdentnummer=40001"),
				rowOf(t, "betriebe.csv"),
			}},
		},
		{
			name: "site of a site with unknown head company",
			rows: rows{"betriebe.csv": {
				rowOf(t, "betriebe.csv", "Identnummer=40002", "UebergeordneteIdentnummer=40001"),
				rowOf(t, "betriebe.csv", "UebergeordneteIdentnummer=77777"),
			}},
			want: []wantRejection{
				{"betriebe.csv", 5, "UebergeordneteIdentnummer", "40001", "neither in betriebe.csv"},
				{"betriebe.csv", 6, "UebergeordneteIdentnummer", "77777", "neither in betriebe.csv"},
			},
		},
		{
			name: "company as its own head company",
			rows: oneRow("betriebe.csv", "UebergeordneteIdentnummer=40001"),
			want: []wantRejection{{"betriebe.csv", 5, "UebergeordneteIdentnummer", "40001", "names itself"}},
		},
		{
			name: "contract at a company rejected in the package",
			rows: rows{
				"betriebe.csv":  {rowOf(t, "betriebe.csv", "Status=AKTIF")},
				"vertraege.csv": {rowOf(t, "vertraege.csv", "Identnummer=40001", "AusbilderNr=")},
			},
			want: []wantRejection{
				{"betriebe.csv", 5, "Status", "AKTIF", "unknown Status"},
				{"vertraege.csv", 4, "Identnummer", "40001", "neither in betriebe.csv"},
			},
		},
		{
			name: "contract at deleted company with departed trainer",
			rows: oneRow("vertraege.csv", "Identnummer=31007", "AusbilderNr=A-2001"),
		},
		{
			name: "references to records new in the package",
			rows: rows{
				"berufe.csv":    {rowOf(t, "berufe.csv")},
				"betriebe.csv":  {rowOf(t, "betriebe.csv")},
				"ausbilder.csv": {rowOf(t, "ausbilder.csv", "Identnummer=40001")},
				"vertraege.csv": {rowOf(t, "vertraege.csv", "Identnummer=40001", "AusbilderNr=A-3001",
					"Berufsnummer=0330")},
				"pruefungen.csv": {rowOf(t, "pruefungen.csv", "Vertragsnummer=2025-000456")},
			},
		},

		// Keys, lines and fields.
		{
			name: "duplicate key",
			rows: oneRow("vertraege.csv", "Vertragsnummer=2024-000123"),
			want: []wantRejection{{"vertraege.csv", 4, "Vertragsnummer", "2024-000123", "first at line 2"}},
		},
		{
			name: "duplicate key twice",
			rows: rows{"betriebe.csv": {
				rowOf(t, "betriebe.csv", "Identnummer=20931"),
				rowOf(t, "betriebe.csv"),
				rowOf(t, "betriebe.csv", "Identnummer=20931", "Name1=Dritte"),
			}},
			want: []wantRejection{
				{"betriebe.csv", 5, "Identnummer", "20931", "first at line 3"},
				{"betriebe.csv", 7, "Identnummer", "20931", "first at line 3"},
			},
		},
		{
			name: "bad record after record on three lines",
			rows: rows{"betriebe.csv": {
				rowOf(t, "betriebe.csv", "Name2=\"Lager\r\nSüd\"",
					"Strasse=\"Hinterhaus\r\nMarienstraße 5\""),
				rowOf(t, "betriebe.csv", "Identnummer=40002", "Status=AKTIF"),
			}},
			want: []wantRejection{{"betriebe.csv", 8, "Status", "AKTIF", "unknown Status"}},
		},
		{
			name: "wrong field count",
			rows: rows{"vertraege.csv": {strings.TrimSuffix(rowOf(t, "vertraege.csv"), ";")}},
			want: []wantRejection{{"vertraege.csv", 4, "", "",
				"record has 16 fields, the header line has 17"}},
		},
		{
			name: "wrong field count after record on two lines",
			rows: rows{"ausbilder.csv": {
				rowOf(t, "ausbilder.csv", "Titel=\"Dipl.-Ing.\nM. Sc.\""),
				rowOf(t, "ausbilder.csv", "AusbilderNr=A-3002") + ";zu viel",
			}},
			want: []wantRejection{{"ausbilder.csv", 6, "", "",
				"record has 10 fields, the header line has 9"}},
		},
		{
			name: "Ende before Beginn",
			rows: oneRow("vertraege.csv", "Beginn=01.08.2025", "Ende=31.07.2024"),
			want: []wantRejection{{"vertraege.csv", 4, "Ende", "31.07.2024", "before Beginn 01.08.2025"}},
		},
		{
			name: "Ende on Beginn",
			rows: oneRow("vertraege.csv", "Beginn=01.08.2025", "Ende=01.08.2025"),
		},
		{
			name:   "invalid activation code",
			rows:   oneRow("betriebe.csv", "Aktivierungscode=K7QM-2XHD-9PL!"),
			want:   []wantRejection{{"betriebe.csv", 5, "Aktivierungscode", "", "invalid activation code"}},
			hidden: "9PL!",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pkg := basePackage()
			for file, rows := range tt.rows {
				pkg = pkg.with(file, rows...)
			}

			dialects(t, func(t *testing.T, tdb testDB) {
				im := newTestImporter(t, tdb.db, tdb.dsn)
				res := importPackageAs(t, im, pkg, schema.OutcomeApplied)

				checkRejections(t, res.Rejections, tt.want)
				for _, r := range res.Rejections {
					if tt.hidden != "" && strings.Contains(r.Value+r.Reason, tt.hidden) {
						t.Errorf("rejection %s shows %q", r, tt.hidden)
					}
				}

				rejected := map[string]int{}
				for _, w := range tt.want {
					rejected[w.file]++
				}
				for _, f := range basePackage().files {
					want := len(f.rows) + len(tt.rows[f.name]) - rejected[f.name]
					if got := countRows(t, tdb.db, kindsByFile[f.name].table); got != want {
						t.Errorf("%s: %d rows stored, want %d", f.name, got, want)
					}
				}
			})
		})
	}
}

// checkRejections compares the rejections of an import with want.
func checkRejections(t *testing.T, got []Rejection, want []wantRejection) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("rejections = %v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.File != w.file || g.Line != w.line || g.Column != w.column || g.Value != w.value {
			t.Errorf("rejection %d = %s line %d column %q value %q, want %s line %d column %q value %q",
				i, g.File, g.Line, g.Column, g.Value, w.file, w.line, w.column, w.value)
		}
		if !strings.Contains(g.Reason, w.reason) {
			t.Errorf("rejection %d reason %q does not contain %q", i, g.Reason, w.reason)
		}
		if !strings.Contains(g.Reason, w.value) {
			t.Errorf("rejection %d reason %q does not name the value %q", i, g.Reason, w.value)
		}
	}
}

func TestImportReferencesToEarlierPackages(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, basePackage(), schema.OutcomeApplied)

		// A later full export lacks company 31007, which goes missing but
		// stays a valid target of references.
		base := basePackage()
		companies := base.file(t, "betriebe.csv").rows
		full := base.replace("betriebe.csv", companies[0], companies[1]).full("05.12.2026 03:00:00")
		importPackageAs(t, im, full, schema.OutcomeApplied)
		if c := company(t, tdb.db, "31007"); c.MissingSince.IsZero() {
			t.Fatalf("company 31007 missing_since is NULL, want the date of the full export")
		}

		tests := []struct {
			name string
			file string
			row  string
		}{
			{name: "contract at company of earlier package", file: "vertraege.csv",
				row: rowOf(t, "vertraege.csv", "Identnummer=20931", "AusbilderNr=A-2001",
					"Berufsnummer=0412")},
			{name: "contract at missing deleted company", file: "vertraege.csv",
				row: rowOf(t, "vertraege.csv", "Vertragsnummer=2026-000101", "AzubiNr=Z-50006",
					"Identnummer=31007", "AusbilderNr=")},
			{name: "trainer at company of earlier package", file: "ausbilder.csv",
				row: rowOf(t, "ausbilder.csv", "Identnummer=20931")},
			{name: "registration under contract of earlier package", file: "pruefungen.csv",
				row: rowOf(t, "pruefungen.csv", "Vertragsnummer=2023-000789")},
			{name: "site of company of earlier package", file: "betriebe.csv",
				row: rowOf(t, "betriebe.csv", "UebergeordneteIdentnummer=0004711")},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				created := fmt.Sprintf("06.12.2026 03:00:%02d", i)
				delta := testPackage{}.with(tt.file, tt.row).delta(created)
				res := importPackageAs(t, im, delta, schema.OutcomeApplied)
				if len(res.Rejections) != 0 {
					t.Errorf("rejections = %v, want none", res.Rejections)
				}
				if n := res.Files[0].Inserted; n != 1 {
					t.Errorf("inserted = %d, want 1", n)
				}
			})
		}
	})
}

func TestImportKeepsIdentifiersAndText(t *testing.T) {
	pkg := basePackage().
		with("betriebe.csv", rowOf(t, "betriebe.csv", "Identnummer=0000000001", "PLZ=01067",
			"Name1=Mu\u0308ller-Lu\u0308denscheidt GmbH & Co. KG", "Name2=\"von der Heide; de la Cruz\"",
			"Strasse=  Straße des 17. Juni 1  ")).
		with("vertraege.csv", rowOf(t, "vertraege.csv", "AzubiNr=00042", "Vorname=Zoe\u0308",
			"Nachname=N\u0301guyen O'Brien"))

	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, pkg, schema.OutcomeApplied)

		c := company(t, tdb.db, "0000000001")
		var tr schema.Trainee
		if err := tdb.db.NewSelect().Model(&tr).Where("number = ?", "00042").Scan(ctx); err != nil {
			t.Fatalf("read trainee 00042: %v", err)
		}
		tests := []struct {
			name string
			got  string
			want string
		}{
			{name: "ident", got: c.Ident, want: "0000000001"},
			{name: "postcode", got: c.Postcode, want: "01067"},
			{name: "postcode of base company", got: company(t, tdb.db, "0004711").Postcode, want: "01099"},
			{name: "decomposed umlauts", got: c.Name1, want: "Müller-Lüdenscheidt GmbH & Co. KG"},
			{name: "quoted separator", got: c.Name2, want: "von der Heide; de la Cruz"},
			{name: "trimmed", got: c.Street, want: "Straße des 17. Juni 1"},
			{name: "trainee number", got: tr.Number, want: "00042"},
			{name: "trainee first name", got: tr.FirstName, want: "Zoë"},
			{name: "trainee last name", got: tr.LastName, want: "Ńguyen O'Brien"},
		}
		for _, tt := range tests {
			if tt.got != tt.want {
				t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
			}
		}

		var o schema.Occupation
		if err := tdb.db.NewSelect().Model(&o).Where("number = ?", "0101").Scan(ctx); err != nil {
			t.Errorf("occupation 0101 with leading zero not found: %v", err)
		}
	})
}

func TestImportDeltaClearsEmptyValues(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, basePackage(), schema.OutcomeApplied)

		delta := testPackage{}.
			with("betriebe.csv", "0004711;;Müller & Söhne Feinmechanik GmbH;;;01099;Dresden;;;;AKTIV").
			with("vertraege.csv", "2024-000123;Z-50001;0004711;;;Lukas;von der Heide;29.02.2008;;0101;;"+
				"01.09.2024;28.02.2027;;;EINGETRAGEN;").
			delta("05.12.2026 03:00:00")
		res := importPackageAs(t, im, delta, schema.OutcomeApplied)
		if len(res.Rejections) != 0 {
			t.Fatalf("rejections = %v, want none", res.Rejections)
		}

		c := company(t, tdb.db, "0004711")
		if c.Street != "" || c.Phone != "" || c.Email != "" {
			t.Errorf("company street %q phone %q email %q after delta, want all cleared",
				c.Street, c.Phone, c.Email)
		}
		if c.ActivationCodeHash != HashActivationCode("K7QM2XHD9PLA") {
			t.Errorf("activation code hash = %q after a delta without code, want the stored one kept",
				c.ActivationCodeHash)
		}

		var k schema.Contract
		if err := tdb.db.NewSelect().Model(&k).Where("number = ?", "2024-000123").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if k.TrainerNumber != "" || k.ProbationMonths != nil || k.PartTime != nil {
			t.Errorf("contract trainer %q probation %v part time %v after delta, want all cleared",
				k.TrainerNumber, k.ProbationMonths, k.PartTime)
		}
		var tr schema.Trainee
		if err := tdb.db.NewSelect().Model(&tr).Where("number = ?", "Z-50001").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if tr.Salutation != "" || tr.Email != "" {
			t.Errorf("trainee salutation %q email %q after delta, want both cleared", tr.Salutation, tr.Email)
		}

		// The delta lacks the other companies, which stay current.
		if got := company(t, tdb.db, "20931"); !got.MissingSince.IsZero() {
			t.Errorf("company 20931 missing since %v after a delta that lacks it, want current",
				got.MissingSince)
		}
	})
}

func TestImportHeaderVariants(t *testing.T) {
	// Columns in another order, names in other case with spaces, an unknown
	// column, and an optional column left out.
	pkg := basePackage().only("berufe.csv")
	pkg.files[0].header = " STATUSX ;gestreckt; bezeichnung ;BERUFSNUMMER"
	pkg.files[0].rows = []string{"neu;J;Kaufmann für Büromanagement / Kauffrau für Büromanagement;0101"}

	dialects(t, func(t *testing.T, tdb testDB) {
		im := newTestImporter(t, tdb.db, tdb.dsn)
		res := importPackageAs(t, im, pkg, schema.OutcomeApplied)
		if len(res.Rejections) != 0 {
			t.Errorf("rejections = %v, want none", res.Rejections)
		}
		var o schema.Occupation
		err := tdb.db.NewSelect().Model(&o).Where("number = ?", "0101").Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if o.SplitExam == nil || !*o.SplitExam || o.DurationMonths != nil {
			t.Errorf("occupation 0101 split exam %v duration %v, want true and NULL",
				o.SplitExam, o.DurationMonths)
		}
	})
}

func TestImportRejectsInvisibleAndLongValues(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		column string
		reason string
	}{
		{"nul in name", "0101;Kauf\x00mann;36;J", "Bezeichnung", "control character U+0000"},
		{"bom in key", "\ufeff0102;Kaufmann;36;J", "Berufsnummer", "U+FEFF"},
		{"space in key", "01 03;Kaufmann;36;J", "Berufsnummer", "contains a space"},
		{"long key", strings.Repeat("9", 65) + ";Kaufmann;36;J", "Berufsnummer", "more than the 64 allowed"},
		{"long text", "0104;" + strings.Repeat("x", 1001) + ";36;J", "Bezeichnung", "more than the 1000 allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im := newTestImporter(t, dbtest.SQLite(t), "")
			pkg := testPackage{}.with("berufe.csv", "0100;Gut;36;J", tt.line).full("04.12.2026 03:00:00")
			res := importPackageAs(t, im, pkg, schema.OutcomeApplied)
			if len(res.Rejections) != 1 {
				t.Fatalf("rejections = %v, want one", res.Rejections)
			}
			r := res.Rejections[0]
			if r.Line != 3 || r.Column != tt.column || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("rejection = %+v, want line 3 column %s reason containing %q", r, tt.column, tt.reason)
			}
		})
	}
}
