package importer

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
)

// nextPackage returns a full export created a day after basePackage that
// would change the database: it adds a company and lacks company 31007.
func nextPackage(t *testing.T) testPackage {
	t.Helper()
	base := basePackage()
	companies := base.file(t, "betriebe.csv").rows
	return base.replace("betriebe.csv", companies[0], companies[1], rowOf(t, "betriebe.csv")).
		full("05.12.2026 03:00:00")
}

// otherDB returns a second, empty database of the same dialect as tdb.
func otherDB(t *testing.T, tdb testDB) testDB {
	t.Helper()
	if tdb.dsn == "" {
		return testDB{dbtest.SQLite(t), ""}
	}
	dsn := dbtest.PostgresURL(t)
	return testDB{dbtest.Open(t, dsn), dsn}
}

func TestImportBrokenPackage(t *testing.T) {
	tests := []struct {
		name       string
		pkg        func(t *testing.T) testPackage
		waiting    bool
		want       string // outcome
		incomplete bool
		reason     string
	}{
		{
			name: "missing control file",
			pkg: func(t *testing.T) testPackage {
				p := nextPackage(t)
				p.noControl = true
				return p
			},
			want: schema.OutcomeRejected, incomplete: true, reason: "control file steuerung.csv is missing",
		},
		{
			name: "missing control file while in transfer",
			pkg: func(t *testing.T) testPackage {
				p := nextPackage(t)
				p.noControl = true
				return p
			},
			waiting: true,
			want:    schema.OutcomeIncomplete, incomplete: true,
			reason: "control file steuerung.csv is missing",
		},
		{
			name: "listed data file missing",
			pkg: func(t *testing.T) testPackage {
				p := nextPackage(t)
				p.unwritten = "ausbilder.csv"
				return p
			},
			want: schema.OutcomeRejected, incomplete: true,
			reason: "ausbilder.csv is listed in steuerung.csv but missing",
		},
		{
			name: "count too high",
			pkg: func(t *testing.T) testPackage {
				p := nextPackage(t)
				p.countOffset = map[string]int{"pruefungen.csv": 1}
				return p
			},
			want: schema.OutcomeRejected, incomplete: true,
			reason: "pruefungen.csv contains 1 records, but steuerung.csv lists 2",
		},
		{
			name: "count too low",
			pkg: func(t *testing.T) testPackage {
				p := nextPackage(t)
				p.countOffset = map[string]int{"betriebe.csv": -1}
				return p
			},
			want: schema.OutcomeRejected, incomplete: true,
			reason: "betriebe.csv contains 3 records, but steuerung.csv lists 2",
		},
		{
			name: "checksum mismatch",
			pkg: func(t *testing.T) testPackage {
				p := nextPackage(t)
				p.wrongSum = "pruefungen.csv"
				return p
			},
			want: schema.OutcomeRejected, incomplete: true, reason: "pruefungen.csv has SHA-256",
		},
		{
			name: "unknown data file listed",
			pkg: func(t *testing.T) testPackage {
				return nextPackage(t).with("adressen.csv", "1;x")
			},
			want: schema.OutcomeRejected, reason: `unknown data file "adressen.csv"`,
		},
		{
			name: "required column missing",
			pkg: func(t *testing.T) testPackage {
				p := nextPackage(t)
				f := p.file(t, "betriebe.csv")
				f.header = strings.TrimSuffix(testHeaders["betriebe.csv"], ";Status")
				for i, r := range f.rows {
					f.rows[i] = r[:strings.LastIndex(r, ";")]
				}
				return p
			},
			want: schema.OutcomeRejected, reason: "required column Status is missing",
		},
		{
			name: "invalid UTF-8 after byte order mark",
			pkg: func(t *testing.T) testPackage {
				p := nextPackage(t).with("berufe.csv", "0330;Fachinformatiker f\xfcr Daten;36;J")
				p.bom = true
				return p
			},
			want: schema.OutcomeRejected, reason: "invalid utf-8",
		},
		{
			name: "bare quote",
			pkg: func(t *testing.T) testPackage {
				return nextPackage(t).with("berufe.csv", `0330;Fachinformatiker "Daten;36;J`)
			},
			want: schema.OutcomeRejected, reason: "berufe.csv line 4 column 23",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dialects(t, func(t *testing.T, tdb testDB) {
				ctx := context.Background()
				im := newTestImporter(t, tdb.db, tdb.dsn)
				importPackageAs(t, im, basePackage(), schema.OutcomeApplied)
				before := dumpTables(t, tdb.db)
				runsBefore := len(importRuns(t, tdb.db))

				path := writePackage(t, tt.pkg(t))
				res, err := im.Import(ctx, Request{Path: path, Waiting: tt.waiting})
				if err != nil {
					t.Fatalf("import: %v", err)
				}
				if res.Outcome != tt.want {
					t.Errorf("outcome = %s (%s), want %s", res.Outcome, res.Reason, tt.want)
				}
				if res.Incomplete != tt.incomplete {
					t.Errorf("Incomplete = %v, want %v", res.Incomplete, tt.incomplete)
				}
				if !strings.Contains(res.Reason, tt.reason) {
					t.Errorf("reason %q does not contain %q", res.Reason, tt.reason)
				}
				if after := dumpTables(t, tdb.db); after != before {
					t.Errorf("tables changed by a %s package:\nbefore:\n%s\nafter:\n%s",
						tt.want, before, after)
				}

				runs := importRuns(t, tdb.db)
				if tt.waiting {
					if len(runs) != runsBefore {
						t.Errorf("%d runs recorded for a package in transfer, want none",
							len(runs)-runsBefore)
					}
					return
				}
				if len(runs) != runsBefore+1 {
					t.Fatalf("%d runs recorded, want 1", len(runs)-runsBefore)
				}
				if last := runs[len(runs)-1]; last.Outcome != tt.want || last.Message != res.Reason {
					t.Errorf("run recorded with outcome %s message %q, want %s %q",
						last.Outcome, last.Message, tt.want, res.Reason)
				}
			})
		})
	}
}

func TestImportPackageFormats(t *testing.T) {
	tests := []struct {
		name string
		pkg  func(t *testing.T) testPackage
		// contains is a fragment of the table dump. When it is empty, the
		// dump must equal that of the first package, written in UTF-8.
		contains string
	}{
		{name: "UTF-8 with CRLF", pkg: func(t *testing.T) testPackage { return basePackage() }},
		{name: "Windows-1252", pkg: func(t *testing.T) testPackage {
			p := basePackage()
			p.windows1252 = true
			return p
		}},
		{name: "byte order mark and LF", pkg: func(t *testing.T) testPackage {
			p := basePackage()
			p.bom, p.lf = true, true
			return p
		}},
		{name: "unlisted file ignored", pkg: func(t *testing.T) testPackage {
			p := basePackage()
			p.unlisted = []testFile{{name: "adressen.csv", header: "a;b", rows: []string{"1;2"}}}
			return p
		}},
		{
			name: "record on several lines counts once",
			pkg: func(t *testing.T) testPackage {
				p := basePackage()
				p.file(t, "betriebe.csv").rows[1] = "20931;;Bäckerei Weiß e. K.;\"Backstube\r\nAusbildung\";" +
					"\"Hof\r\nGroße Gasse 3\";04109;Leipzig;;;;AKTIV"
				return p
			},
			contains: `"Backstube\nAusbildung"|"Hof\nGroße Gasse 3"`,
		},
	}
	var want string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dialects(t, func(t *testing.T, tdb testDB) {
				im := newTestImporter(t, tdb.db, tdb.dsn)
				fixClock(im)
				res := importPackageAs(t, im, tt.pkg(t), schema.OutcomeApplied)
				if len(res.Rejections) != 0 {
					t.Errorf("rejections = %v, want none", res.Rejections)
				}

				got := dumpTables(t, tdb.db)
				if tt.contains != "" {
					if !strings.Contains(got, tt.contains) {
						t.Errorf("tables lack %s:\n%s", tt.contains, got)
					}
					return
				}
				if want == "" {
					want = got
				}
				if got != want {
					t.Errorf("tables differ from those of a UTF-8 package:\ngot:\n%s\nwant:\n%s", got, want)
				}
			})
		})
	}
}

func TestImportRejectThreshold(t *testing.T) {
	tests := []struct {
		name     string
		valid    int
		rejected int
		want     string
	}{
		{name: "11 of 219 rejected", valid: 208, rejected: 11, want: schema.OutcomeRejected},
		{name: "11 of 220 rejected", valid: 209, rejected: 11, want: schema.OutcomeApplied},
		{name: "10 of 20 rejected", valid: 10, rejected: 10, want: schema.OutcomeApplied},
		{name: "11 of 21 rejected", valid: 10, rejected: 11, want: schema.OutcomeRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []string
			for i := range tt.valid {
				rows = append(rows, fmt.Sprintf("1%03d;Beruf %d;36;J", i, i))
			}
			for i := range tt.rejected {
				rows = append(rows, fmt.Sprintf("2%03d;Beruf %d;30;J", i, i))
			}
			pkg := testPackage{}.with("berufe.csv", rows...)

			dialects(t, func(t *testing.T, tdb testDB) {
				ctx := context.Background()
				im := newTestImporter(t, tdb.db, tdb.dsn)
				res := importPackageAs(t, im, pkg, tt.want)

				wantStored := tt.valid
				if tt.want == schema.OutcomeRejected {
					wantStored = 0
					if !strings.Contains(res.Reason, fmt.Sprintf("berufe.csv has %d rejected records of %d",
						tt.rejected, tt.valid+tt.rejected)) {
						t.Errorf("reason %q does not give the counts", res.Reason)
					}
				}
				if got := countRows(t, tdb.db, "occupations"); got != wantStored {
					t.Errorf("%d occupations stored, want %d", got, wantStored)
				}

				if len(res.Rejections) != tt.rejected {
					t.Fatalf("%d rejections, want %d", len(res.Rejections), tt.rejected)
				}
				r := res.Rejections[0]
				if r.Line != tt.valid+2 || r.Column != "Dauer" || r.Value != "30" {
					t.Errorf("first rejection = %s, want line %d column Dauer value 30", r, tt.valid+2)
				}

				var stored []schema.RejectedRecord
				if err := tdb.db.NewSelect().Model(&stored).Order("line").Scan(ctx); err != nil {
					t.Fatal(err)
				}
				if len(stored) != len(res.Rejections) {
					t.Fatalf("%d rejected records stored, want %d", len(stored), len(res.Rejections))
				}
				for i, s := range stored {
					want := res.Rejections[i]
					got := Rejection{File: s.File, Line: s.Line, Column: s.ColumnName, Value: s.Value,
						Reason: s.Reason}
					if s.RunID != res.RunID || got != want {
						t.Errorf("stored rejection run %d %+v, want run %d %+v",
							s.RunID, got, res.RunID, want)
					}
				}
			})
		})
	}
}

func TestImportRejectThresholdPerFile(t *testing.T) {
	// 12 records are rejected in all, but neither file has more than 10.
	var occupations, companies []string
	for i := range 16 {
		dauer, status := "36", "AKTIV"
		if i >= 10 {
			dauer, status = "30", "AKTIF"
		}
		occupations = append(occupations, fmt.Sprintf("1%03d;Beruf %d;%s;J", i, i, dauer))
		companies = append(companies, fmt.Sprintf("6%04d;;Betrieb %d GmbH;;;01067;Dresden;;;;%s", i, i, status))
	}
	pkg := testPackage{}.with("berufe.csv", occupations...).with("betriebe.csv", companies...)

	dialects(t, func(t *testing.T, tdb testDB) {
		im := newTestImporter(t, tdb.db, tdb.dsn)
		res := importPackageAs(t, im, pkg, schema.OutcomeApplied)
		if len(res.Rejections) != 12 {
			t.Errorf("%d rejections, want 12", len(res.Rejections))
		}
		if n := countRows(t, tdb.db, "rejected_records"); n != 12 {
			t.Errorf("%d rejected records stored, want 12", n)
		}
		for _, table := range []string{"occupations", "companies"} {
			if n := countRows(t, tdb.db, table); n != 10 {
				t.Errorf("%d %s stored, want 10", n, table)
			}
		}
	})
}

func TestImportSamePackageTwice(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		path := writePackage(t, basePackage())
		first := mustImport(t, im, path, schema.OutcomeApplied)
		before := dumpTables(t, tdb.db)

		// A copy in another folder is the same package, because its control
		// file has the same bytes.
		copyPath := filepath.Join(t.TempDir(), "export-copy")
		if err := os.CopyFS(copyPath, os.DirFS(path)); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, copyPath} {
			res := mustImport(t, im, p, schema.OutcomeAlreadyApplied)
			if res.PackageID != first.PackageID {
				t.Errorf("package id = %s, want %s", res.PackageID, first.PackageID)
			}
		}

		if after := dumpTables(t, tdb.db); after != before {
			t.Errorf("tables changed by a second import:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		n, err := tdb.db.NewSelect().Model((*schema.ImportRun)(nil)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d import runs recorded, want 1", n)
		}
	})
}

func TestImportStalePackage(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, nextPackage(t), schema.OutcomeApplied)
		before := dumpTables(t, tdb.db)

		res := importPackageAs(t, im, basePackage(), schema.OutcomeRejected)
		wants := []string{"stale", "created 04.12.2026 03:00:12", "(created 05.12.2026 03:00:00)"}
		for _, want := range wants {
			if !strings.Contains(res.Reason, want) {
				t.Errorf("reason %q does not contain %q", res.Reason, want)
			}
		}
		if after := dumpTables(t, tdb.db); after != before {
			t.Errorf("tables changed by a stale package:\nbefore:\n%s\nafter:\n%s", before, after)
		}

		// A delta is stale too when it is older.
		stale := testPackage{}.with("berufe.csv", rowOf(t, "berufe.csv")).delta("05.12.2026 02:59:59")
		importPackageAs(t, im, stale, schema.OutcomeRejected)
	})
}

func TestImportFullAfterDelta(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		base := basePackage()
		importPackageAs(t, im, base, schema.OutcomeApplied)

		delta := testPackage{}.
			with("betriebe.csv", rowOf(t, "betriebe.csv")).
			with("vertraege.csv", rowOf(t, "vertraege.csv", "Identnummer=40001", "AusbilderNr=")).
			delta("05.12.2026 03:00:00")
		importPackageAs(t, im, delta, schema.OutcomeApplied)

		// At 00:30 in Berlin it is still the day before in UTC, and the
		// missing date must be the day in Berlin.
		companies, contracts := base.file(t, "betriebe.csv").rows, base.file(t, "vertraege.csv").rows
		full := base.
			replace("betriebe.csv", companies[0], companies[1]).
			replace("vertraege.csv", contracts[0]).
			without("pruefungen.csv").
			full("07.12.2026 00:30:00")
		res := importPackageAs(t, im, full, schema.OutcomeApplied)
		wantEnded := map[string]int64{"betriebe.csv": 2, "vertraege.csv": 2}
		for _, f := range res.Files {
			if f.Ended != wantEnded[f.File] {
				t.Errorf("%s: %d ended, want %d", f.File, f.Ended, wantEnded[f.File])
			}
		}

		day := schema.Date{Year: 2026, Month: 12, Day: 7}
		wantMissing := map[string]schema.Date{
			"companies 0004711": {}, "companies 20931": {}, "companies 31007": day, "companies 40001": day,
			"contracts 2024-000123": {}, "contracts 2023-000789": day, "contracts 2025-000456": day,
			"exam_registrations P-2027-0001": {},
		}
		checkMissing(t, tdb, wantMissing)
		if n := countRows(t, tdb.db, "companies"); n != 4 {
			t.Errorf("%d companies stored, want all 4 kept", n)
		}

		// A delta that brings a missing record makes it current again.
		back := testPackage{}.with("betriebe.csv", base.file(t, "betriebe.csv").rows[2]).
			delta("07.12.2026 12:00:00")
		importPackageAs(t, im, back, schema.OutcomeApplied)
		wantMissing["companies 31007"] = schema.Date{}
		checkMissing(t, tdb, wantMissing)

		// A later full export that lists them again brings them back.
		again := base.
			with("betriebe.csv", rowOf(t, "betriebe.csv")).
			with("vertraege.csv", rowOf(t, "vertraege.csv", "Identnummer=40001", "AusbilderNr=")).
			full("08.12.2026 03:00:00")
		res = importPackageAs(t, im, again, schema.OutcomeApplied)
		for key := range wantMissing {
			wantMissing[key] = schema.Date{}
		}
		checkMissing(t, tdb, wantMissing)
		for _, f := range res.Files {
			if f.Ended != 0 || f.Inserted != 0 {
				t.Errorf("%s: %d ended and %d inserted, want none", f.File, f.Ended, f.Inserted)
			}
		}

		var c schema.Company
		if err := tdb.db.NewSelect().Model(&c).Where("ident = ?", "31007").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if c.Name1 != "Café Anker GmbH" {
			t.Errorf("company 31007 name %q after it came back", c.Name1)
		}
	})
}

// checkMissing compares missing_since of records, given as "table key",
// with want. The zero Date means NULL.
func checkMissing(t *testing.T, tdb testDB, want map[string]schema.Date) {
	t.Helper()
	for key, wantDate := range want {
		table, id, _ := strings.Cut(key, " ")
		k := kindByTable(t, table)
		var got schema.Date
		err := tdb.db.NewSelect().Table(table).Column("missing_since").
			Where("? = ?", bun.Ident(k.columns[0].db), id).Scan(context.Background(), &got)
		if err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		if got != wantDate {
			t.Errorf("%s missing_since = %q, want %q", key, got, wantDate)
		}
	}
}

func kindByTable(t *testing.T, table string) *kind {
	t.Helper()
	for _, k := range kinds {
		if k.table == table {
			return k
		}
	}
	t.Fatalf("no kind fills table %s", table)
	return nil
}

func TestImportSafetyHold(t *testing.T) {
	var extra []string
	for i := 1; i <= 30; i++ {
		extra = append(extra, fmt.Sprintf("4%04d;;Betrieb %d GmbH;;;01067;Dresden;;;;AKTIV", i, i))
	}
	base := basePackage().with("betriebe.csv", extra...)
	short := basePackage().only("betriebe.csv").full("05.12.2026 03:00:00")
	later := testPackage{}.with("berufe.csv", rowOf(t, "berufe.csv")).delta("06.12.2026 03:00:00")

	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, base, schema.OutcomeApplied)
		before := dumpTables(t, tdb.db)

		shortPath := writePackage(t, short)
		heldResult := mustImport(t, im, shortPath, schema.OutcomeHeld)
		if want := "betriebe.csv lacks 30 of 33 current records"; !strings.Contains(heldResult.Reason, want) {
			t.Errorf("reason %q does not contain %q", heldResult.Reason, want)
		}
		var holds []schema.PackageHold
		if err := tdb.db.NewSelect().Model(&holds).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(holds) != 1 || holds[0].PackageID != heldResult.PackageID || holds[0].RunID != heldResult.RunID ||
			holds[0].Decision != "" || holds[0].Reason != heldResult.Reason {
			t.Fatalf("package holds = %+v, want one undecided hold of run %d", holds, heldResult.RunID)
		}
		if runs := importRuns(t, tdb.db); runs[len(runs)-1].Outcome != schema.OutcomeHeld {
			t.Errorf("held run recorded with outcome %s", runs[len(runs)-1].Outcome)
		}

		laterPath := writePackage(t, later)
		res := mustImport(t, im, laterPath, schema.OutcomeHeld)
		if !strings.Contains(res.Reason, "held for an operator and comes first") {
			t.Errorf("later package reason %q does not name the hold", res.Reason)
		}
		res = mustImport(t, im, shortPath, schema.OutcomeHeld)
		if !strings.Contains(res.Reason, "waiting for an operator") {
			t.Errorf("held package reason %q on a second try", res.Reason)
		}
		if after := dumpTables(t, tdb.db); after != before {
			t.Fatalf("tables changed while a package is held:\nbefore:\n%s\nafter:\n%s", before, after)
		}

		if _, err := tdb.db.NewUpdate().Model((*schema.PackageHold)(nil)).
			Set("decision = ?", schema.HoldConfirmed).Set("decided_at = ?", time.Now().UTC()).
			Where("package_id = ?", heldResult.PackageID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		res = mustImport(t, im, shortPath, schema.OutcomeApplied)
		if res.Files[0].Ended != 30 {
			t.Errorf("confirmed package ended %d companies, want 30", res.Files[0].Ended)
		}
		checkMissing(t, tdb, map[string]schema.Date{
			"companies 40001": {Year: 2026, Month: 12, Day: 5},
			"companies 40030": {Year: 2026, Month: 12, Day: 5},
			"companies 20931": {},
		})
		mustImport(t, im, laterPath, schema.OutcomeApplied)
	})
}

func TestImportDiscardedHold(t *testing.T) {
	var extra []string
	for i := 1; i <= 30; i++ {
		extra = append(extra, fmt.Sprintf("4%04d;;Betrieb %d GmbH;;;01067;Dresden;;;;AKTIV", i, i))
	}
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, basePackage().with("betriebe.csv", extra...), schema.OutcomeApplied)
		shortPath := writePackage(t, basePackage().only("betriebe.csv").full("05.12.2026 03:00:00"))
		heldResult := mustImport(t, im, shortPath, schema.OutcomeHeld)

		if _, err := tdb.db.NewUpdate().Model((*schema.PackageHold)(nil)).
			Set("decision = ?", schema.HoldDiscarded).
			Where("package_id = ?", heldResult.PackageID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		res := mustImport(t, im, shortPath, schema.OutcomeRejected)
		if !strings.Contains(res.Reason, "discarded") {
			t.Errorf("reason %q does not say the package was discarded", res.Reason)
		}
		later := testPackage{}.with("berufe.csv", rowOf(t, "berufe.csv")).delta("06.12.2026 03:00:00")
		importPackageAs(t, im, later, schema.OutcomeApplied)
	})
}

func TestImportHoldThreshold(t *testing.T) {
	tests := []struct {
		name    string
		current int // companies before the full export
		ended   int // companies the full export lacks
		want    string
	}{
		{name: "20 of 33 ended", current: 33, ended: 20, want: schema.OutcomeApplied},
		{name: "21 of 210 ended", current: 210, ended: 21, want: schema.OutcomeApplied},
		{name: "21 of 209 ended", current: 209, ended: 21, want: schema.OutcomeHeld},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []string
			for i := range tt.current {
				rows = append(rows, fmt.Sprintf("5%04d;;Betrieb %d GmbH;;;01067;Dresden;;;;AKTIV", i, i))
			}
			first := testPackage{}.with("betriebe.csv", rows...)
			second := testPackage{}.with("betriebe.csv", rows[tt.ended:]...).full("05.12.2026 03:00:00")

			dialects(t, func(t *testing.T, tdb testDB) {
				im := newTestImporter(t, tdb.db, tdb.dsn)
				importPackageAs(t, im, first, schema.OutcomeApplied)
				res := importPackageAs(t, im, second, tt.want)
				if tt.want == schema.OutcomeApplied && res.Files[0].Ended != int64(tt.ended) {
					t.Errorf("ended = %d, want %d", res.Files[0].Ended, tt.ended)
				}
			})
		})
	}
}

func TestImportActivationCodes(t *testing.T) {
	const (
		oldCode = "K7QM-2XHD-9PLA"
		newCode = "N3WC-0DE2-XY7Q"
	)
	withCode := func(code, created string) testPackage {
		p := basePackage().full(created)
		f := p.file(t, "betriebe.csv")
		f.rows[0] = strings.Replace(f.rows[0], oldCode, code, 1)
		return p
	}

	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, basePackage(), schema.OutcomeApplied)
		oldHash := HashActivationCode(NormalizeActivationCode(oldCode))
		c := company(t, tdb.db, "0004711")
		if c.ActivationCodeHash != oldHash || c.ActivationCodeUsedAt != nil {
			t.Fatalf("company 0004711 code hash %q used %v, want %q unused", c.ActivationCodeHash,
				c.ActivationCodeUsedAt, oldHash)
		}

		used := time.Date(2026, 12, 4, 10, 15, 0, 0, time.UTC)
		if _, err := tdb.db.NewUpdate().Model((*schema.Company)(nil)).
			Set("activation_code_used_at = ?", used).Where("ident = ?", "0004711").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		before := dumpTables(t, tdb.db)

		// The same code again, spelled as a user might type it.
		importPackageAs(t, im, withCode("k7qm 2xhd9pla", "05.12.2026 03:00:00"), schema.OutcomeApplied)
		if after := dumpTables(t, tdb.db); after != before {
			t.Errorf("a repeated code changed the tables:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		c = company(t, tdb.db, "0004711")
		if c.ActivationCodeUsedAt == nil || !c.ActivationCodeUsedAt.Equal(used) {
			t.Errorf("used-up code has used_at %v after the export repeated it, want %v",
				c.ActivationCodeUsedAt, used)
		}

		importPackageAs(t, im, withCode(newCode, "06.12.2026 03:00:00"), schema.OutcomeApplied)
		newHash := HashActivationCode(NormalizeActivationCode(newCode))
		c = company(t, tdb.db, "0004711")
		if c.ActivationCodeHash != newHash || c.ActivationCodeUsedAt != nil {
			t.Errorf("new code: hash %q used %v, want %q unused",
				c.ActivationCodeHash, c.ActivationCodeUsedAt, newHash)
		}
		before = dumpTables(t, tdb.db)

		importPackageAs(t, im, withCode(oldCode, "07.12.2026 03:00:00"), schema.OutcomeApplied)
		if after := dumpTables(t, tdb.db); after != before {
			t.Errorf("an old code came back:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		if c := company(t, tdb.db, "0004711"); c.ActivationCodeHash != newHash {
			t.Errorf("code hash %q after the export repeated the old code, want the new %q",
				c.ActivationCodeHash, newHash)
		}
	})
}

func TestImportZipPackage(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		dir := writePackage(t, basePackage())
		im := newTestImporter(t, tdb.db, tdb.dsn)
		fixClock(im)
		fromDir := mustImport(t, im, dir, schema.OutcomeApplied)

		other := otherDB(t, tdb)
		imZip := newTestImporter(t, other.db, other.dsn)
		fixClock(imZip)
		fromZip := mustImport(t, imZip, zipPackage(t, dir, ""), schema.OutcomeApplied)

		if fromZip.PackageID != fromDir.PackageID {
			t.Errorf("zip package id = %s, want the folder's %s", fromZip.PackageID, fromDir.PackageID)
		}
		if got, want := fmt.Sprint(fromZip.Files), fmt.Sprint(fromDir.Files); got != want {
			t.Errorf("zip file counts = %s, want %s", got, want)
		}
		if got, want := dumpTables(t, other.db), dumpTables(t, tdb.db); got != want {
			t.Errorf("tables after the zip package:\n%s\nwant those after the folder:\n%s", got, want)
		}
	})
}

func TestImportBrokenZip(t *testing.T) {
	tests := []struct {
		name       string
		zip        func(t *testing.T) string
		reason     string
		incomplete bool
	}{
		{
			name: "not a zip file", incomplete: true,
			zip: func(t *testing.T) string {
				path := filepath.Join(t.TempDir(), "export.zip")
				writeFile(t, path, []byte("PK\x03\x04 cut short"))
				return path
			},
			reason: "cannot read zip file",
		},
		{
			name: "files in a folder",
			zip: func(t *testing.T) string {
				return zipPackage(t, writePackage(t, basePackage()), "export/")
			},
			// Waiting would not help: the folder stays a folder.
			reason: "zip the files themselves, not their folder",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dialects(t, func(t *testing.T, tdb testDB) {
				im := newTestImporter(t, tdb.db, tdb.dsn)
				res := mustImport(t, im, tt.zip(t), schema.OutcomeRejected)
				if res.Incomplete != tt.incomplete {
					t.Errorf("Incomplete = %v, want %v", res.Incomplete, tt.incomplete)
				}
				if !strings.Contains(res.Reason, tt.reason) {
					t.Errorf("reason %q does not contain %q", res.Reason, tt.reason)
				}
			})
		})
	}
}

func TestImportFailureBeforeCommit(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, basePackage(), schema.OutcomeApplied)
		before := dumpTables(t, tdb.db)

		crash := errors.New("simulated crash")
		im.opts.failAfterApply = crash
		path := writePackage(t, nextPackage(t))
		res, err := im.Import(ctx, Request{Path: path})
		if !errors.Is(err, crash) {
			t.Errorf("Import error = %v, want %v", err, crash)
		}
		if res.Outcome != schema.OutcomeFailed {
			t.Errorf("outcome = %s, want %s", res.Outcome, schema.OutcomeFailed)
		}
		if after := dumpTables(t, tdb.db); after != before {
			t.Errorf("a failed apply left changes:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		runs := importRuns(t, tdb.db)
		last := runs[len(runs)-1]
		if last.ID != res.RunID || last.Outcome != schema.OutcomeFailed ||
			!strings.Contains(last.Message, "simulated crash") || last.FinishedAt == nil {
			t.Errorf("last run = %+v, want run %d finished with outcome failed", last, res.RunID)
		}

		// The failed run does not count as applied, so the package applies now.
		im.opts.failAfterApply = nil
		mustImport(t, im, path, schema.OutcomeApplied)
		if c := company(t, tdb.db, "31007"); c.MissingSince.IsZero() {
			t.Error("company 31007 still current after the package applied")
		}
	})
}

func TestImportDryRun(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, basePackage(), schema.OutcomeApplied)
		before := dumpTables(t, tdb.db)
		runsBefore := len(importRuns(t, tdb.db))

		pkg := nextPackage(t).with("berufe.csv", rowOf(t, "berufe.csv", "Dauer=30"))
		res, err := im.Import(ctx, Request{Path: writePackage(t, pkg), DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != schema.OutcomeValidated {
			t.Errorf("outcome = %s (%s), want %s", res.Outcome, res.Reason, schema.OutcomeValidated)
		}
		if res.RunID != 0 {
			t.Errorf("run id = %d, want 0 for a dry run", res.RunID)
		}
		checkRejections(t, res.Rejections, []wantRejection{{"berufe.csv", 4, "Dauer", "30", "unknown Dauer"}})
		for _, f := range res.Files {
			if f.File == "betriebe.csv" && f.Ended != 1 {
				t.Errorf("betriebe.csv: ended = %d, want 1", f.Ended)
			}
		}

		if after := dumpTables(t, tdb.db); after != before {
			t.Errorf("a dry run changed the tables:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		if n := len(importRuns(t, tdb.db)); n != runsBefore {
			t.Errorf("%d runs recorded by a dry run, want none", n-runsBefore)
		}
		if n := countRows(t, tdb.db, "rejected_records"); n != 0 {
			t.Errorf("%d rejected records stored by a dry run, want none", n)
		}
	})
}

// update rewrites the golden files from the current results.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenSamplesFile holds the table dump after the sample packages in
// testdata/export-small and testdata/export-delta-utf8 and a full export
// of occupations that lacks 0412, all imported at the time fixClock sets.
// Columns follow dumpTables.
const goldenSamplesFile = "testdata/samples.golden"

// checkGolden compares got with the golden file, or rewrites the file
// with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("tables differ from %s:\n%s\nwant:\n%s", path, got, want)
	}
}

// importSamples imports the sample packages and a full export of
// occupations created at 23:30 in Berlin, which is the next day in
// Auckland and the same day in UTC.
func importSamples(t *testing.T, im *Importer) {
	t.Helper()
	fixClock(im)
	mustImport(t, im, "../../testdata/export-small", schema.OutcomeApplied)
	mustImport(t, im, "../../testdata/export-delta-utf8", schema.OutcomeApplied)
	occupations := testPackage{}.with("berufe.csv",
		"0101;Kaufmann für Büromanagement / Kauffrau für Büromanagement;36;J",
		"0214;Industriemechaniker / Industriemechanikerin;42;J",
		"0330;Fachinformatiker / Fachinformatikerin;36;J",
	).full("06.12.2026 23:30:00")
	importPackageAs(t, im, occupations, schema.OutcomeApplied)
}

func TestImportSameRecordsOnBothDialects(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importSamples(t, im)
		checkGolden(t, goldenSamplesFile, dumpTables(t, tdb.db))
	})
}

func TestImportUnderServerTimeZone(t *testing.T) {
	// SQLite has no server time zone and stores dates as text, so this
	// test runs on PostgreSQL only.
	for _, zone := range []string{"Pacific/Auckland", "America/Los_Angeles"} {
		t.Run(zone, func(t *testing.T) {
			u, err := url.Parse(dbtest.PostgresURL(t))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("timezone", zone)
			u.RawQuery = q.Encode()
			dsn := u.String()
			db := dbtest.Open(t, dsn)

			var got string
			if err := db.QueryRowContext(context.Background(), "SHOW TimeZone").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != zone {
				t.Fatalf("server time zone = %s, want %s", got, zone)
			}

			im := newTestImporter(t, db, dsn)
			importSamples(t, im)
			checkGolden(t, goldenSamplesFile, dumpTables(t, db))
			runs := importRuns(t, db)
			wantCreated := time.Date(2026, 12, 4, 3, 0, 12, 0, berlin)
			if len(runs) == 0 || runs[0].ExportedAt == nil || !runs[0].ExportedAt.Equal(wantCreated) {
				t.Errorf("first run exported at %v, want %v", runs[0].ExportedAt, wantCreated)
			}
		})
	}
}

func TestImportRejectsPackageFromFuture(t *testing.T) {
	im := newTestImporter(t, dbtest.SQLite(t), "")
	im.opts.MaxAhead = 24 * time.Hour
	im.opts.Now = func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, berlin) }

	future := testPackage{}.with("berufe.csv", "0101;Kaufmann;36;J").full("01.01.2099 00:00:00")
	res := importPackageAs(t, im, future, schema.OutcomeRejected)
	if !strings.Contains(res.Reason, "01.01.2099") || !strings.Contains(res.Reason, "clock") {
		t.Errorf("reason %q does not name the time and the clock", res.Reason)
	}
	tomorrow := testPackage{}.with("berufe.csv", "0101;Kaufmann;36;J").full("05.12.2026 03:00:00")
	importPackageAs(t, im, tomorrow, schema.OutcomeApplied)
}

func TestImportRejectsSymlinkInPackage(t *testing.T) {
	im := newTestImporter(t, dbtest.SQLite(t), "")
	outside := filepath.Join(t.TempDir(), "berufe.csv")
	pkg := testPackage{}.with("berufe.csv", "0101;Kaufmann;36;J").full("04.12.2026 03:00:00")
	path := writePackage(t, pkg)
	if err := os.Rename(filepath.Join(path, "berufe.csv"), outside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(path, "berufe.csv")); err != nil {
		t.Fatal(err)
	}
	res, err := im.Import(context.Background(), Request{Path: path})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res.Outcome != schema.OutcomeRejected || !strings.Contains(res.Reason, "berufe.csv is L") {
		t.Errorf("outcome %s (%s), want rejected naming the link", res.Outcome, res.Reason)
	}
}

// TestConcurrentImportsKeepNewerState runs an older full export and a
// newer delta at once, as astad import beside astad serve may: whatever
// the order, the newer package's values must win.
func TestConcurrentImportsKeepNewerState(t *testing.T) {
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, dsn string) {
		concurrentImports(t, db, dsn)
	})
}

func concurrentImports(t *testing.T, db *bun.DB, dsn string) {
	other := dbtest.Open(t, dsn)
	first := newTestImporter(t, db, dsn)
	second := newTestImporter(t, other, dsn)
	importPackageAs(t, first, basePackage().full("01.12.2026 03:00:00"), schema.OutcomeApplied)

	contract := func(email string) string {
		return "2024-000123;Z-50001;0004711;A-1001;Herr;Lukas;von der Heide;29.02.2008;" + email +
			";0101;;01.09.2024;28.02.2027;4;N;EINGETRAGEN;"
	}
	for round := range 5 {
		day := 2 + 2*round
		older := basePackage().replace("vertraege.csv", contract(fmt.Sprintf("older%d@example.org", round)),
			"2023-000789;Z-50004;20931;;Frau;Jana;Kowalski;03.05.2005;;0412;;01.08.2023;31.07.2025;;;BEENDET;").
			full(fmt.Sprintf("%02d.12.2026 03:00:00", day))
		newer := testPackage{}.with("vertraege.csv", contract(fmt.Sprintf("newer%d@example.org", round))).
			delta(fmt.Sprintf("%02d.12.2026 03:00:00", day+1))
		olderPath, newerPath := writePackage(t, older), writePackage(t, newer)

		var wg sync.WaitGroup
		wg.Go(func() { _, _ = first.Import(context.Background(), Request{Path: olderPath}) })
		wg.Go(func() { _, _ = second.Import(context.Background(), Request{Path: newerPath}) })
		wg.Wait()

		var email string
		if err := db.NewSelect().Table("trainees").Column("email").Where("number = 'Z-50001'").
			Scan(context.Background(), &email); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("newer%d@example.org", round); email != want {
			t.Errorf("round %d: trainee e-mail %q, want the newer package's %q", round, email, want)
		}
	}
}
