package inbox

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/jobs/chambercsv"
	"asta/jobs/importer"
	"asta/sample"
	"asta/schema"
	"asta/schema/dbtest"
)

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// testDB is the database of one dialect variant with the URL it was
// opened with, which the PostgreSQL import needs for its own connection.
type testDB struct {
	db  *bun.DB
	dsn string
}

// eachDialect runs fn as the subtests "sqlite" and "postgres", each on a
// fresh migrated database.
func eachDialect(t *testing.T, fn func(t *testing.T, tdb testDB)) {
	t.Helper()
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) { fn(t, testDB{db, url}) })
}

// newInbox returns an Inbox on dir with the default import limits. now
// may be nil for the current time.
func newInbox(t *testing.T, tdb testDB, dir string, now func() time.Time) *Inbox {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	im := importer.New(importer.Options{
		DB: tdb.db, DatabaseURL: tdb.dsn, Location: berlin,
		RejectShare: 0.05, RejectCount: 10, HoldShare: 0.10, HoldCount: 20,
		Logger: log,
	})
	return New(Options{
		Dir: dir, Importer: im, Location: berlin, IncompleteAfter: time.Hour, Logger: log, Now: now,
	})
}

// twoHoursLater is a clock two hours ahead, past IncompleteAfter of
// [newInbox].
func twoHoursLater() time.Time { return time.Now().Add(2 * time.Hour) }

// runInbox runs ib once and fails the test on an error.
func runInbox(t *testing.T, ib *Inbox) {
	t.Helper()
	if err := ib.Run(context.Background()); err != nil {
		t.Fatalf("inbox run: %v", err)
	}
}

// day returns 03:00 Berlin time on the given day of December 2026.
func day(d int) time.Time {
	return time.Date(2026, time.December, d, 3, 0, 0, 0, berlin)
}

// writePackage writes a generated UTF-8 package of 40 companies and 100
// contracts, changed by opts where set, to dir/name and returns its path.
func writePackage(t *testing.T, dir, name string, opts sample.Options) string {
	t.Helper()
	if opts.Companies == 0 {
		opts.Companies = 40
	}
	if opts.Contracts == 0 {
		opts.Contracts = 100
	}
	if opts.Encoding == chambercsv.Auto {
		opts.Encoding = chambercsv.UTF8
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	path := filepath.Join(dir, name)
	if _, err := sample.Write(context.Background(), path, opts); err != nil {
		t.Fatalf("write package %s: %v", name, err)
	}
	return path
}

// editDataFile changes a data file of the package at pkg with edit and
// writes its new SHA-256 into the control file, so that the package stays
// complete.
func editDataFile(t *testing.T, pkg, file string, edit func(string) string) {
	t.Helper()
	path := filepath.Join(pkg, file)
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := []byte(edit(string(old)))
	if err := os.WriteFile(path, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	editControl(t, pkg, func(s string) string {
		return strings.Replace(s, sha256Hex(old), sha256Hex(changed), 1)
	})
}

// editControl changes the control file of the package at pkg with edit.
func editControl(t *testing.T, pkg string, edit func(string) string) {
	t.Helper()
	path := filepath.Join(pkg, importer.ControlFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := edit(string(b))
	if changed == string(b) {
		t.Fatalf("edit of %s changed nothing", path)
	}
	if err := os.WriteFile(path, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// zipPackage writes the files of the package folder pkg into the zip file
// path, at its top level.
func zipPackage(t *testing.T, pkg, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	entries, err := os.ReadDir(pkg)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		w, err := zw.Create(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(pkg, e.Name()))
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
}

// recordedRun is the part of an import_runs row that the tests check.
type recordedRun struct {
	PackageName string
	Outcome     string
}

// recordedRuns returns the recorded import runs in the order they started.
func recordedRuns(t *testing.T, db *bun.DB) []recordedRun {
	t.Helper()
	var runs []schema.ImportRun
	if err := db.NewSelect().Model(&runs).Order("id").Scan(context.Background()); err != nil {
		t.Fatalf("read import runs: %v", err)
	}
	out := make([]recordedRun, len(runs))
	for i, r := range runs {
		out[i] = recordedRun{r.PackageName, r.Outcome}
	}
	return out
}

func checkRuns(t *testing.T, db *bun.DB, want ...recordedRun) {
	t.Helper()
	if got := recordedRuns(t, db); !slices.Equal(got, want) {
		t.Errorf("import runs = %v, want %v", got, want)
	}
}

// entries returns the names in dir, without archive/ and rejected/.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		if e.Name() != ArchiveDir && e.Name() != RejectedDir {
			names = append(names, e.Name())
		}
	}
	return names
}

// checkEntries checks the names in dir, apart from archive/ and rejected/.
func checkEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	got := entries(t, dir)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s contains %q, want %q", dir, got, want)
	}
}

// checkFiled checks that folder (archive/ or rejected/) of the inbox contains
// the package name and its report, and that the report names the outcome
// and contains each of mention.
func checkFiled(t *testing.T, inbox, folder, name, reportName, outcome string, mention ...string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(inbox, folder, name)); err != nil {
		t.Errorf("package %s is not in %s/: %v", name, folder, err)
	}
	b, err := os.ReadFile(filepath.Join(inbox, folder, reportName))
	if err != nil {
		t.Errorf("report of %s: %v", name, err)
		return
	}
	report := string(b)
	if !strings.Contains(report, "package:  ") {
		t.Errorf("report %s lacks the package line:\n%s", reportName, report)
	}
	if want := "outcome:  " + outcome + "\n"; !strings.Contains(report, want) {
		t.Errorf("report %s does not contain %q:\n%s", reportName, want, report)
	}
	for _, m := range mention {
		if !strings.Contains(report, m) {
			t.Errorf("report %s does not contain %q:\n%s", reportName, m, report)
		}
	}
}

func TestInboxEmpty(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := filepath.Join(t.TempDir(), "inbox") // created by Run
		runInbox(t, newInbox(t, tdb, dir, nil))
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("inbox folder not created: %v", err)
		}
		checkRuns(t, tdb.db)
	})
}

func TestInboxOrderOfCreation(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		// The delta sorts first by name but was created a day after the
		// full export that it changes.
		writePackage(t, dir, "a-delta", sample.Options{ExportType: sample.ExportDelta, Created: day(5)})
		writePackage(t, dir, "b-full", sample.Options{Created: day(4)})
		if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("no package"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(dir, ".c-in-transfer"), 0o750); err != nil {
			t.Fatal(err)
		}

		runInbox(t, newInbox(t, tdb, dir, nil))

		checkRuns(t, tdb.db,
			recordedRun{"b-full", schema.OutcomeApplied},
			recordedRun{"a-delta", schema.OutcomeApplied})
		checkFiled(t, dir, ArchiveDir, "b-full", "b-full.report.txt", schema.OutcomeApplied,
			"export:   VOLL, created 04.12.2026 03:00:00", "vertraege.csv")
		checkFiled(t, dir, ArchiveDir, "a-delta", "a-delta.report.txt", schema.OutcomeApplied,
			"export:   DELTA, created 05.12.2026 03:00:00")
		checkEntries(t, dir, "notes.txt", ".c-in-transfer")
	})
}

func TestInboxAppliedReport(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		writePackage(t, dir, "export-1", sample.Options{})

		runInbox(t, newInbox(t, tdb, dir, nil))

		checkRuns(t, tdb.db, recordedRun{"export-1", schema.OutcomeApplied})
		checkEntries(t, dir)
		counts := regexp.MustCompile(`(?m)^vertraege\.csv +100 +100 +0 +0 +0$`)
		b, err := os.ReadFile(filepath.Join(dir, ArchiveDir, "export-1.report.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if !counts.Match(b) {
			t.Errorf("report lacks the counts of vertraege.csv (100 records, 100 inserted):\n%s", b)
		}
	})
}

func TestInboxRejectsBadRecords(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		pkg := writePackage(t, dir, "bad-status", sample.Options{})
		// 15 of 40 companies: beyond 5 % of the file and beyond 10 records.
		editDataFile(t, pkg, "betriebe.csv", func(s string) string {
			return strings.Replace(s, ";AKTIV\r\n", ";AKTUELL\r\n", 15)
		})

		runInbox(t, newInbox(t, tdb, dir, nil))

		checkRuns(t, tdb.db, recordedRun{"bad-status", schema.OutcomeRejected})
		checkEntries(t, dir)
		checkFiled(t, dir, RejectedDir, "bad-status", "bad-status.report.txt", schema.OutcomeRejected,
			"betriebe.csv has 15 rejected records of 40", `column Status: `, `"AKTUELL"`)
		companies, err := tdb.db.NewSelect().Model((*schema.Company)(nil)).Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if companies != 0 {
			t.Errorf("companies = %d after a rejected package, want 0", companies)
		}
	})
}

func TestInboxRejectsStalePackage(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		writePackage(t, dir, "newer", sample.Options{Created: day(5)})
		runInbox(t, newInbox(t, tdb, dir, nil))

		writePackage(t, dir, "older", sample.Options{Created: day(4), Seed: 2})
		runInbox(t, newInbox(t, tdb, dir, nil))

		checkRuns(t, tdb.db,
			recordedRun{"newer", schema.OutcomeApplied},
			recordedRun{"older", schema.OutcomeRejected})
		checkEntries(t, dir)
		checkFiled(t, dir, ArchiveDir, "newer", "newer.report.txt", schema.OutcomeApplied)
		checkFiled(t, dir, RejectedDir, "older", "older.report.txt", schema.OutcomeRejected, "stale")
	})
}

func TestInboxIncompletePackage(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, pkg string)
		mention string // in the report once the package is rejected
	}{
		{
			name: "control file missing",
			damage: func(t *testing.T, pkg string) {
				if err := os.Remove(filepath.Join(pkg, importer.ControlFile)); err != nil {
					t.Fatal(err)
				}
			},
			mention: "steuerung.csv is missing",
		},
		{
			name: "record count not matching",
			damage: func(t *testing.T, pkg string) {
				editControl(t, pkg, func(s string) string {
					return strings.Replace(s, ";vertraege.csv;100;", ";vertraege.csv;101;", 1)
				})
			},
			mention: "vertraege.csv contains 100 records, but steuerung.csv lists 101",
		},
		{
			name: "data file missing",
			damage: func(t *testing.T, pkg string) {
				if err := os.Remove(filepath.Join(pkg, "pruefungen.csv")); err != nil {
					t.Fatal(err)
				}
			},
			mention: "pruefungen.csv is listed in steuerung.csv but missing",
		},
		{
			name: "data file cut short",
			damage: func(t *testing.T, pkg string) {
				path := filepath.Join(pkg, "vertraege.csv")
				st, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(path, st.Size()/2); err != nil {
					t.Fatal(err)
				}
			},
			mention: "vertraege.csv was cut short",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, tdb testDB) {
				dir := t.TempDir()
				pkg := writePackage(t, dir, "export", sample.Options{})
				tt.damage(t, pkg)

				runInbox(t, newInbox(t, tdb, dir, nil))
				checkEntries(t, dir, "export")
				checkRuns(t, tdb.db) // a package in transfer leaves no trace
				if names := entries(t, filepath.Join(dir, RejectedDir)); len(names) > 0 {
					t.Errorf("rejected/ contains %q while the package is young", names)
				}

				runInbox(t, newInbox(t, tdb, dir, twoHoursLater))
				checkEntries(t, dir)
				checkRuns(t, tdb.db, recordedRun{"export", schema.OutcomeRejected})
				checkFiled(t, dir, RejectedDir, "export", "export.report.txt", schema.OutcomeRejected, tt.mention)
			})
		})
	}
}

func TestInboxIncompleteZip(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		pkg := writePackage(t, t.TempDir(), "export", sample.Options{})
		zipPath := filepath.Join(dir, "export.zip")
		zipPackage(t, pkg, zipPath)
		st, err := os.Stat(zipPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(zipPath, st.Size()/2); err != nil { // as during the upload
			t.Fatal(err)
		}

		runInbox(t, newInbox(t, tdb, dir, nil))
		checkEntries(t, dir, "export.zip")
		checkRuns(t, tdb.db)

		runInbox(t, newInbox(t, tdb, dir, twoHoursLater))
		checkEntries(t, dir)
		checkFiled(t, dir, RejectedDir, "export.zip", "export.report.txt", schema.OutcomeRejected, "zip")
	})
}

func TestInboxIncompleteWaitsForLaterPackages(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		pkg := writePackage(t, dir, "a-in-transfer", sample.Options{Created: day(4)})
		if err := os.Remove(filepath.Join(pkg, importer.ControlFile)); err != nil {
			t.Fatal(err)
		}
		writePackage(t, dir, "b-complete", sample.Options{Created: day(5)})

		runInbox(t, newInbox(t, tdb, dir, nil))

		// A package without control file has no creation time yet, so it
		// does not block a complete one.
		checkEntries(t, dir, "a-in-transfer")
		checkRuns(t, tdb.db, recordedRun{"b-complete", schema.OutcomeApplied})
	})
}

func TestInboxHeldPackageBlocksLaterOnes(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		dir := t.TempDir()
		writePackage(t, dir, "1-large", sample.Options{Companies: 60, Contracts: 300, Created: day(4)})
		runInbox(t, newInbox(t, tdb, dir, nil))
		checkFiled(t, dir, ArchiveDir, "1-large", "1-large.report.txt", schema.OutcomeApplied)

		// 20 of 60 companies and 200 of 300 contracts: a full export that
		// ends more than 10 % and more than 20 records of a kind.
		writePackage(t, dir, "2-small", sample.Options{Companies: 20, Contracts: 100, Created: day(5)})
		writePackage(t, dir, "3-next", sample.Options{Companies: 20, Contracts: 100, Created: day(6)})
		runInbox(t, newInbox(t, tdb, dir, twoHoursLater))

		checkEntries(t, dir, "2-small", "3-next")
		checkRuns(t, tdb.db,
			recordedRun{"1-large", schema.OutcomeApplied},
			recordedRun{"2-small", schema.OutcomeHeld})
		var holds []schema.PackageHold
		if err := tdb.db.NewSelect().Model(&holds).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(holds) != 1 || holds[0].PackageName != "2-small" || holds[0].Decision != "" {
			t.Fatalf("package holds = %+v, want one undecided hold of 2-small", holds)
		}
		if !strings.Contains(holds[0].Reason, "betriebe.csv lacks 40 of 60 current records") {
			t.Errorf("hold reason = %q, want it to name betriebe.csv and its counts", holds[0].Reason)
		}

		// Another run changes nothing while the operator has not decided.
		runInbox(t, newInbox(t, tdb, dir, twoHoursLater))
		checkEntries(t, dir, "2-small", "3-next")
		if got := len(recordedRuns(t, tdb.db)); got != 2 {
			t.Errorf("import runs = %d after a second run, want still 2", got)
		}

		if _, err := tdb.db.NewUpdate().Model((*schema.PackageHold)(nil)).
			Set("decision = ?", schema.HoldConfirmed).Where("package_id = ?", holds[0].PackageID).
			Exec(ctx); err != nil {
			t.Fatal(err)
		}
		runInbox(t, newInbox(t, tdb, dir, twoHoursLater))
		checkEntries(t, dir)
		checkRuns(t, tdb.db,
			recordedRun{"1-large", schema.OutcomeApplied},
			recordedRun{"2-small", schema.OutcomeHeld},
			recordedRun{"2-small", schema.OutcomeApplied},
			recordedRun{"3-next", schema.OutcomeApplied})
		checkFiled(t, dir, ArchiveDir, "2-small", "2-small.report.txt", schema.OutcomeApplied)
		checkFiled(t, dir, ArchiveDir, "3-next", "3-next.report.txt", schema.OutcomeApplied)
	})
}

func TestInboxZipPackage(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		pkg := writePackage(t, t.TempDir(), "export", sample.Options{Encoding: chambercsv.Windows1252})
		zipPackage(t, pkg, filepath.Join(dir, "export-2026-12-04.ZIP"))

		runInbox(t, newInbox(t, tdb, dir, nil))

		checkEntries(t, dir)
		checkRuns(t, tdb.db, recordedRun{"export-2026-12-04.ZIP", schema.OutcomeApplied})
		checkFiled(t, dir, ArchiveDir, "export-2026-12-04.ZIP", "export-2026-12-04.report.txt",
			schema.OutcomeApplied)
	})
}

func TestInboxReportNameOfDottedFolder(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		writePackage(t, dir, "export.2026-12-04", sample.Options{Created: day(4)})
		writePackage(t, dir, "export.2026-12-05", sample.Options{Created: day(5)})

		runInbox(t, newInbox(t, tdb, dir, nil))

		checkFiled(t, dir, ArchiveDir, "export.2026-12-04", "export.2026-12-04.report.txt",
			schema.OutcomeApplied, "created 04.12.2026")
		checkFiled(t, dir, ArchiveDir, "export.2026-12-05", "export.2026-12-05.report.txt",
			schema.OutcomeApplied, "created 05.12.2026")
	})
}

func TestInboxNameClashInArchive(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		now := time.Date(2026, time.December, 4, 17, 30, 5, 0, berlin)
		clock := func() time.Time { return now }
		writePackage(t, dir, "export", sample.Options{})
		runInbox(t, newInbox(t, tdb, dir, clock))

		// The core system delivers the same package again, twice within
		// one second of the clock.
		writePackage(t, dir, "export", sample.Options{})
		runInbox(t, newInbox(t, tdb, dir, clock))
		writePackage(t, dir, "export", sample.Options{})
		runInbox(t, newInbox(t, tdb, dir, clock))

		checkEntries(t, dir)
		checkRuns(t, tdb.db, recordedRun{"export", schema.OutcomeApplied})
		checkFiled(t, dir, ArchiveDir, "export", "export.report.txt", schema.OutcomeApplied)
		archived := entries(t, filepath.Join(dir, ArchiveDir))
		var copies []string
		for _, name := range archived {
			if name != "export" && !strings.HasSuffix(name, ".report.txt") {
				copies = append(copies, name)
				checkFiled(t, dir, ArchiveDir, name, name+".report.txt", schema.OutcomeAlreadyApplied)
			}
		}
		if len(copies) != 2 {
			t.Fatalf("archive/ contains %q, want the package and two copies, each with its report", archived)
		}
		for _, name := range copies {
			if !strings.HasPrefix(name, "export-20261204-173005") {
				t.Errorf("archived copy %q, want the name with the time appended: export-20261204-173005…", name)
			}
		}
	})
}

func TestInboxNameClashOfZipInArchive(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		now := time.Date(2026, time.December, 4, 17, 30, 5, 0, berlin)
		clock := func() time.Time { return now }
		pkg := writePackage(t, t.TempDir(), "export", sample.Options{})
		for range 3 {
			zipPackage(t, pkg, filepath.Join(dir, "export.zip"))
			runInbox(t, newInbox(t, tdb, dir, clock))
		}

		checkEntries(t, dir)
		checkFiled(t, dir, ArchiveDir, "export.zip", "export.report.txt", schema.OutcomeApplied)
		var zips []string
		for _, name := range entries(t, filepath.Join(dir, ArchiveDir)) {
			if strings.HasSuffix(name, ".zip") {
				zips = append(zips, name)
			}
			if name != "export.zip" && strings.HasSuffix(name, ".zip") {
				checkFiled(t, dir, ArchiveDir, name, strings.TrimSuffix(name, ".zip")+".report.txt",
					schema.OutcomeAlreadyApplied)
			}
		}
		if len(zips) != 3 {
			t.Errorf("archive/ contains the zip files %q, want three: none may replace another", zips)
		}
	})
}

func TestInboxFolderAndZipOfOneName(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		now := time.Date(2026, time.December, 4, 17, 30, 5, 0, berlin)
		clock := func() time.Time { return now }
		writePackage(t, dir, "export", sample.Options{})
		runInbox(t, newInbox(t, tdb, dir, clock))

		// export.zip is free in archive/, but its report name is taken.
		zipPackage(t, writePackage(t, t.TempDir(), "export", sample.Options{}), filepath.Join(dir, "export.zip"))
		runInbox(t, newInbox(t, tdb, dir, clock))

		checkEntries(t, dir)
		checkFiled(t, dir, ArchiveDir, "export", "export.report.txt", schema.OutcomeApplied)
		checkFiled(t, dir, ArchiveDir, "export-20261204-173005.zip", "export-20261204-173005.report.txt",
			schema.OutcomeAlreadyApplied)
	})
}

func TestInboxFailureLeavesPackage(t *testing.T) {
	tdb := testDB{db: dbtest.SQLite(t)}
	dir := t.TempDir()
	writePackage(t, dir, "export", sample.Options{})
	ib := newInbox(t, tdb, dir, nil)
	if err := tdb.db.Close(); err != nil {
		t.Fatal(err)
	}

	err := ib.Run(context.Background())
	if err == nil {
		t.Fatal("inbox run on a closed database succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "export") {
		t.Errorf("error %q does not name the package", err)
	}
	checkEntries(t, dir, "export")
}

func TestInboxStopsWhenCancelled(t *testing.T) {
	tdb := testDB{db: dbtest.SQLite(t)}
	dir := t.TempDir()
	writePackage(t, dir, "export", sample.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err := newInbox(t, tdb, dir, nil).Run(ctx)
	if err == nil {
		t.Fatal("inbox run with a cancelled context succeeded, want an error")
	}
	checkEntries(t, dir, "export")
	checkRuns(t, tdb.db)
}

func TestInboxIncompleteBlocksNewerPackages(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		pkg := writePackage(t, dir, "a-in-transfer", sample.Options{Created: day(4)})
		if err := os.Remove(filepath.Join(pkg, "pruefungen.csv")); err != nil {
			t.Fatal(err)
		}
		writePackage(t, dir, "b-complete", sample.Options{Created: day(5)})

		runInbox(t, newInbox(t, tdb, dir, nil))

		// The older package's creation time is known, so the newer one
		// waits. Applied first, it would make the older one stale.
		checkEntries(t, dir, "a-in-transfer", "b-complete")
		checkRuns(t, tdb.db)
	})
}
