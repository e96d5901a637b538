package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/jobs/chambercsv"
	"asta/sample"
	"asta/schema"
	"asta/schema/dbtest"
)

// exportSmall is the small full export in Windows-1252 with 4 companies,
// 3 trainers, 4 contracts and 3 exam registrations.
const exportSmall = "../testdata/export-small"

// exportDelta is a UTF-8 delta export that changes exportSmall.
const exportDelta = "../testdata/export-delta-utf8"

// unreachableDatabase is a PostgreSQL URL on a port where no server
// listens.
const unreachableDatabase = "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"

// result is what one astad command returned and printed.
type result struct {
	code   int
	stdout string
	stderr string
}

// astad runs one astad command in-process with environ as its whole
// environment.
func astad(t *testing.T, environ []string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	// The test packages are dated December 2026, ahead of the clock
	// before then, so the check of creation times in the future is off.
	environ = append([]string{"ASTA_IMPORT_MAX_AHEAD=0"}, environ...)
	code := run(context.Background(), args, &stdout, &stderr, environ)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// check fails the test unless r has exit status code, printing the output
// so that the cause is visible.
func (r result) check(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// eachDatabase runs fn as the subtests "sqlite" and "postgres", each with
// the environment of a new empty database, which astad migrates.
func eachDatabase(t *testing.T, fn func(t *testing.T, environ []string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, []string{"ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db")})
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, []string{"ASTA_DATABASE_URL=" + dbtest.PostgresURL(t)})
	})
}

// openDatabase opens the database that environ names, for checks beside
// astad.
func openDatabase(t *testing.T, environ []string) *bun.DB {
	t.Helper()
	for _, kv := range environ {
		if dsn, ok := strings.CutPrefix(kv, "ASTA_DATABASE_URL="); ok {
			return dbtest.Open(t, dsn)
		}
	}
	t.Fatal("environment has no ASTA_DATABASE_URL")
	return nil
}

// countRows returns the number of rows of model's table.
func countRows(t *testing.T, db *bun.DB, model any) int64 {
	t.Helper()
	n, err := db.NewSelect().Model(model).Count(context.Background())
	if err != nil {
		t.Fatalf("count rows: %v", err)
	}
	return n
}

// writeSample writes a generated package to dir/name and returns its path.
func writeSample(t *testing.T, dir, name string, opts sample.Options) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if _, err := sample.Write(context.Background(), path, opts); err != nil {
		t.Fatalf("write package %s: %v", name, err)
	}
	return path
}

// writeRejectedPackage writes a package whose betriebe.csv has an invalid
// Status in 15 of its 40 records, beyond 5 % and beyond 10 records, so
// that the import rejects it whole. It is created after the packages in
// testdata, so that it is not stale after them.
func writeRejectedPackage(t *testing.T, dir string) string {
	t.Helper()
	pkg := writeSample(t, dir, "bad-status", sample.Options{Companies: 40, Contracts: 100,
		Encoding: chambercsv.UTF8, Created: time.Date(2026, time.December, 6, 3, 0, 0, 0, time.UTC)})
	data := filepath.Join(pkg, "betriebe.csv")
	old, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(old, []byte(";AKTIV\r\n"), []byte(";AKTUELL\r\n"), 15)
	if err := os.WriteFile(data, changed, 0o600); err != nil {
		t.Fatal(err)
	}

	control := filepath.Join(pkg, "steuerung.csv")
	ctl, err := os.ReadFile(control)
	if err != nil {
		t.Fatal(err)
	}
	ctl = bytes.Replace(ctl, []byte(hexSHA256(old)), []byte(hexSHA256(changed)), 1)
	if err := os.WriteFile(control, ctl, 0o600); err != nil {
		t.Fatal(err)
	}
	return pkg
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// writeHeldPackages writes a full export of 60 companies and 300 contracts
// and a later one of 20 and 100, which ends too many records and is held.
func writeHeldPackages(t *testing.T) (large, small string) {
	t.Helper()
	dir := t.TempDir()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	large = writeSample(t, dir, "large", sample.Options{Companies: 60, Contracts: 300,
		Created: time.Date(2026, time.December, 4, 3, 0, 0, 0, berlin)})
	small = writeSample(t, dir, "small", sample.Options{Companies: 20, Contracts: 100,
		Created: time.Date(2026, time.December, 5, 3, 0, 0, 0, berlin)})
	return large, small
}

var packageIDLine = regexp.MustCompile(`(?m)^id: +([0-9a-f]{64})$`)

// packageID returns the package id from the report that astad import
// printed.
func packageID(t *testing.T, report string) string {
	t.Helper()
	m := packageIDLine.FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("report has no package id:\n%s", report)
	}
	return m[1]
}

// checkContains fails the test unless s, the output named source,
// contains each of want.
func checkContains(t *testing.T, source, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q:\n%s", source, w, s)
		}
	}
}

// countLine matches the row of a file in the report of astad import.
func countLine(file string, records, inserted, changed, ended, rejected int) *regexp.Regexp {
	pattern := `(?m)^` + regexp.QuoteMeta(file)
	for _, n := range []int{records, inserted, changed, ended, rejected} {
		pattern += ` +` + strconv.Itoa(n)
	}
	return regexp.MustCompile(pattern + `$`)
}

func TestRunUnknownCommand(t *testing.T) {
	r := astad(t, nil, "frobnicate")
	r.check(t, exitUsage)
	checkContains(t, "stderr", r.stderr, `unknown command "frobnicate"`, "serve, migrate, import")
}

func TestImportUsage(t *testing.T) {
	environ := []string{"ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db")}
	missing := filepath.Join(t.TempDir(), "no-such-package")
	tests := []struct {
		name    string
		args    []string
		code    int
		mention string // in stderr
	}{
		{"no path", []string{"import"}, exitUsage, "usage: astad import PATH"},
		{"only a flag", []string{"import", "--dry-run"}, exitUsage, "usage: astad import PATH"},
		{"unknown flag", []string{"import", "--force", exportSmall}, exitUsage, "-force"},
		{"two paths", []string{"import", exportSmall, exportDelta}, exitUsage, "usage: astad import PATH"},
		{"nonexistent path", []string{"import", missing}, exitUsage, missing},
		{"help", []string{"import", "-h"}, exitOK, "exit status: 0 applied, 1 rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := astad(t, environ, tt.args...)
			r.check(t, tt.code)
			checkContains(t, "stderr", r.stderr, tt.mention)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

func TestImportExitCodes(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		r := astad(t, environ, "import", exportSmall)
		r.check(t, exitOK)
		checkContains(t, "report", r.stdout, "package:  export-small", "outcome:  applied")
		for _, line := range []*regexp.Regexp{
			countLine("berufe.csv", 4, 4, 0, 0, 0),
			countLine("betriebe.csv", 4, 4, 0, 0, 0),
			countLine("ausbilder.csv", 3, 3, 0, 0, 0),
			countLine("vertraege.csv", 4, 4, 0, 0, 0),
			countLine("pruefungen.csv", 3, 3, 0, 0, 0),
		} {
			if !line.MatchString(r.stdout) {
				t.Errorf("report has no line matching %s:\n%s", line, r.stdout)
			}
		}

		r = astad(t, environ, "import", exportSmall)
		r.check(t, exitApplied)
		checkContains(t, "report", r.stdout, "outcome:  already_applied")

		r = astad(t, environ, "import", exportDelta)
		r.check(t, exitOK)
		if line := countLine("vertraege.csv", 3, 2, 0, 0, 0); !line.MatchString(r.stdout) {
			t.Errorf("delta report has no line matching %s:\n%s", line, r.stdout)
		}

		r = astad(t, environ, "import", writeRejectedPackage(t, t.TempDir()))
		r.check(t, exitRejected)
		checkContains(t, "report", r.stdout, "outcome:  rejected",
			"betriebe.csv has 15 rejected records of 40", `"AKTUELL"`)
	})
}

func TestImportProgressLines(t *testing.T) {
	r := astad(t, []string{"ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db")}, "import", exportSmall)
	r.check(t, exitOK)
	for _, line := range []string{
		"berufe.csv: 4 of 4 records read\n",
		"vertraege.csv: 4 of 4 records read\n",
		"pruefungen.csv: 3 of 3 records read\n",
	} {
		if n := strings.Count(r.stderr, line); n != 1 {
			t.Errorf("stderr has %q %d times, want once:\n%s", line, n, r.stderr)
		}
	}
}

func TestImportFailedDatabase(t *testing.T) {
	r := astad(t, []string{"ASTA_DATABASE_URL=" + unreachableDatabase}, "import", exportSmall)
	r.check(t, exitFailed)
	checkContains(t, "stderr", r.stderr, "astad import: ", "127.0.0.1:1")
}

func TestImportDryRun(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		db := openDatabase(t, environ)

		r := astad(t, environ, "import", "--dry-run", exportSmall)
		r.check(t, exitOK)
		checkContains(t, "report", r.stdout, "outcome:  validated")
		if strings.Contains(r.stdout, "run:") {
			t.Errorf("dry-run report names a run:\n%s", r.stdout)
		}
		if n := countRows(t, db, (*schema.ImportRun)(nil)); n != 0 {
			t.Errorf("import runs after a dry run = %d, want 0", n)
		}
		if n := countRows(t, db, (*schema.Company)(nil)); n != 0 {
			t.Errorf("companies after a dry run = %d, want 0", n)
		}

		// Flags may follow the path.
		r = astad(t, environ, "import", exportSmall, "--dry-run")
		r.check(t, exitOK)
		checkContains(t, "report", r.stdout, "outcome:  validated")

		r = astad(t, environ, "import", exportSmall)
		r.check(t, exitOK)
		checkContains(t, "report", r.stdout, "outcome:  applied")
		if n := countRows(t, db, (*schema.Company)(nil)); n != 4 {
			t.Errorf("companies after the import = %d, want 4", n)
		}

		r = astad(t, environ, "import", "--dry-run", exportSmall)
		r.check(t, exitApplied)
	})
}

func TestImportDryRunRejected(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		db := openDatabase(t, environ)
		pkg := writeRejectedPackage(t, t.TempDir())

		r := astad(t, environ, "import", pkg, "--dry-run")
		r.check(t, exitRejected)
		checkContains(t, "report", r.stdout, "outcome:  rejected", "betriebe.csv has 15 rejected records")
		if n := countRows(t, db, (*schema.ImportRun)(nil)); n != 0 {
			t.Errorf("import runs after a dry run = %d, want 0", n)
		}
		if n := countRows(t, db, (*schema.RejectedRecord)(nil)); n != 0 {
			t.Errorf("rejected records after a dry run = %d, want 0", n)
		}
	})
}

func TestImportDryRunHeld(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		db := openDatabase(t, environ)
		large, small := writeHeldPackages(t)
		astad(t, environ, "import", large).check(t, exitOK)

		r := astad(t, environ, "import", "--dry-run", small)
		r.check(t, exitHeld)
		if n := countRows(t, db, (*schema.PackageHold)(nil)); n != 0 {
			t.Errorf("package holds after a dry run = %d, want 0", n)
		}
		astad(t, environ, "hold", "list").check(t, exitOK)
	})
}

func TestSampleThenImport(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		out := filepath.Join(t.TempDir(), "generated")
		r := astad(t, environ, "sample", "--out", out, "--companies", "30", "--contracts", "80",
			"--encoding", "utf-8", "--seed", "7")
		r.check(t, exitOK)
		checkContains(t, "stdout", r.stdout, "wrote "+out)

		r = astad(t, environ, "import", out)
		r.check(t, exitOK)
		if line := countLine("vertraege.csv", 80, 80, 0, 0, 0); !line.MatchString(r.stdout) {
			t.Errorf("report has no line matching %s:\n%s", line, r.stdout)
		}
		if line := countLine("betriebe.csv", 30, 30, 0, 0, 0); !line.MatchString(r.stdout) {
			t.Errorf("report has no line matching %s:\n%s", line, r.stdout)
		}

		delta := filepath.Join(t.TempDir(), "delta")
		astad(t, environ, "sample", "--out", delta, "--companies", "30", "--contracts", "80",
			"--encoding", "utf-8", "--seed", "7", "--delta").check(t, exitOK)
		r = astad(t, environ, "import", delta)
		r.check(t, exitOK)
		checkContains(t, "report", r.stdout, "export:   DELTA")
	})
}

func TestSampleUsage(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		mention string
	}{
		{"no output folder", []string{"sample", "--contracts", "10"}, "usage: astad sample"},
		{"unknown encoding", []string{"sample", "--out", filepath.Join(t.TempDir(), "p"), "--encoding", "latin1"},
			`invalid --encoding "latin1"`},
		{"output folder not empty", []string{"sample", "--out", full}, "not empty"},
		{"no contracts", []string{"sample", "--out", filepath.Join(t.TempDir(), "p"), "--contracts", "0"},
			"--contracts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := astad(t, nil, tt.args...)
			r.check(t, exitUsage)
			checkContains(t, "stderr", r.stderr, tt.mention)
		})
	}
}

func TestMigrateTwice(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		r := astad(t, environ, "migrate")
		r.check(t, exitOK)
		checkContains(t, "stdout", r.stdout, "database is up to date")
		checkContains(t, "stderr", r.stderr, "migrations applied")

		r = astad(t, environ, "migrate")
		r.check(t, exitOK)
		checkContains(t, "stdout", r.stdout, "database is up to date")
		if strings.Contains(r.stderr, "migrations applied") {
			t.Errorf("second migrate applied migrations again:\n%s", r.stderr)
		}

		pending, err := schema.Pending(context.Background(), openDatabase(t, environ))
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 0 {
			t.Errorf("pending migrations after migrate = %v, want none", pending)
		}
	})
}

func TestMigrateUnexpectedArgument(t *testing.T) {
	r := astad(t, []string{"ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db")}, "migrate", "--now")
	r.check(t, exitUsage)
}

func TestHoldConfirm(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		large, small := writeHeldPackages(t)
		astad(t, environ, "import", large).check(t, exitOK)

		r := astad(t, environ, "import", small)
		r.check(t, exitHeld)
		checkContains(t, "report", r.stdout, "outcome:  held", "betriebe.csv lacks 40 of 60 current records")
		id := packageID(t, r.stdout)

		r = astad(t, environ, "hold", "list")
		r.check(t, exitOK)
		checkContains(t, "hold list", r.stdout, id[:12]+"  small  held ")

		// The held package blocks itself until an operator decides.
		astad(t, environ, "import", small).check(t, exitHeld)

		r = astad(t, environ, "hold", "confirm", id[:3])
		r.check(t, exitUsage)
		checkContains(t, "stderr", r.stderr, "at least 6 hex digits")

		// LIKE wildcards would match any id.
		r = astad(t, environ, "hold", "confirm", "______")
		r.check(t, exitUsage)
		checkContains(t, "stderr", r.stderr, `invalid package id "______"`)

		r = astad(t, environ, "hold", "confirm", "ffffff0000")
		r.check(t, exitUsage)
		checkContains(t, "stderr", r.stderr, "ffffff0000")

		r = astad(t, environ, "hold", "confirm", strings.ToUpper(id[:8]))
		r.check(t, exitOK)
		checkContains(t, "stdout", r.stdout, "confirmed")

		r = astad(t, environ, "hold", "list")
		r.check(t, exitOK)
		checkContains(t, "hold list", r.stdout, "no package is held")

		r = astad(t, environ, "import", small)
		r.check(t, exitOK)
		if line := countLine("betriebe.csv", 20, 0, 0, 40, 0); !line.MatchString(r.stdout) {
			t.Errorf("report has no line matching %s:\n%s", line, r.stdout)
		}
	})
}

func TestHoldDiscard(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		large, small := writeHeldPackages(t)
		astad(t, environ, "import", large).check(t, exitOK)
		r := astad(t, environ, "import", small)
		r.check(t, exitHeld)
		id := packageID(t, r.stdout)

		r = astad(t, environ, "hold", "discard", id[:6])
		r.check(t, exitOK)
		checkContains(t, "stdout", r.stdout, "discarded")

		// A decided hold cannot be decided again.
		astad(t, environ, "hold", "confirm", id[:6]).check(t, exitUsage)

		r = astad(t, environ, "import", small)
		r.check(t, exitRejected)
		checkContains(t, "report", r.stdout, "discarded")

		r = astad(t, environ, "hold", "list")
		r.check(t, exitOK)
		checkContains(t, "hold list", r.stdout, "no package is held")
	})
}

func TestHoldAmbiguousPrefix(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		ctx := context.Background()
		db := openDatabase(t, environ)
		now := time.Now().UTC()
		for _, id := range []string{"abcdef01" + strings.Repeat("0", 56), "abcdef02" + strings.Repeat("0", 56)} {
			run := &schema.ImportRun{PackageID: id, PackageName: "p-" + id[:8], StartedAt: now,
				Outcome: schema.OutcomeHeld}
			if _, err := db.NewInsert().Model(run).Returning("id").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			hold := &schema.PackageHold{PackageID: id, RunID: run.ID, PackageName: run.PackageName,
				ExportedAt: now, Reason: "test hold", HeldAt: now}
			if _, err := db.NewInsert().Model(hold).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}

		r := astad(t, environ, "hold", "list")
		r.check(t, exitOK)
		checkContains(t, "hold list", r.stdout, "abcdef010000  p-abcdef01", "abcdef020000  p-abcdef02")

		r = astad(t, environ, "hold", "confirm", "abcdef")
		r.check(t, exitUsage)
		checkContains(t, "stderr", r.stderr, `"abcdef" matches 2 held packages`)

		astad(t, environ, "hold", "discard", "abcdef02").check(t, exitOK)
		var decided schema.PackageHold
		if err := db.NewSelect().Model(&decided).Where("package_id LIKE ?", "abcdef02%").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if decided.Decision != schema.HoldDiscarded {
			t.Errorf("decision of abcdef02… = %q, want %q", decided.Decision, schema.HoldDiscarded)
		}
		var other schema.PackageHold
		if err := db.NewSelect().Model(&other).Where("package_id LIKE ?", "abcdef01%").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if other.Decision != "" {
			t.Errorf("decision of abcdef01… = %q, want none", other.Decision)
		}
	})
}

func TestHoldUsage(t *testing.T) {
	environ := []string{"ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db")}
	tests := []struct {
		name string
		args []string
	}{
		{"no verb", []string{"hold"}},
		{"unknown verb", []string{"hold", "approve", "abcdef"}},
		{"confirm without id", []string{"hold", "confirm"}},
		{"list with argument", []string{"hold", "list", "all"}},
		{"two ids", []string{"hold", "discard", "abcdef", "012345"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := astad(t, environ, tt.args...)
			r.check(t, exitUsage)
			checkContains(t, "stderr", r.stderr, "usage: astad hold")
		})
	}
}

func TestRunInvalidConfiguration(t *testing.T) {
	database := "ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db")
	file := filepath.Join(t.TempDir(), "astad.yaml")
	if err := os.WriteFile(file, []byte("import:\n  hold_percent: 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	configs := []struct {
		name    string
		environ []string
		flags   []string
		mention string
	}{
		{"invalid value", []string{database, "ASTA_LOG_LEVEL=loud"}, nil, `log_level "loud"`},
		{"unknown variable", []string{database, "ASTA_LISTEN_PORT=80"}, nil, "ASTA_LISTEN_PORT"},
		{"unknown option in file", []string{database}, []string{"--config", file}, "import.hold_percent"},
		{"file from ASTA_CONFIG", []string{database, "ASTA_CONFIG=" + file}, nil, "import.hold_percent"},
		{"missing file", []string{database}, []string{"--config", file + ".missing"}, file + ".missing"},
	}
	commands := [][]string{{"serve"}, {"migrate"}, {"import", exportSmall}, {"hold", "list"}}
	for _, cfg := range configs {
		for _, cmd := range commands {
			t.Run(cfg.name+"/"+cmd[0], func(t *testing.T) {
				args := append(append([]string{}, cmd...), cfg.flags...)
				r := astad(t, cfg.environ, args...)
				r.check(t, exitFailed)
				checkContains(t, "stderr", r.stderr, "astad "+cmd[0]+": ", cfg.mention)
			})
		}
	}
}

func TestAccountsHoldCommand(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		astad(t, environ, "accounts", "hold").check(t, exitOK)
		astad(t, environ, "accounts", "confirm").check(t, exitUsage) // nothing held
		astad(t, environ, "accounts", "confirm", "x").check(t, exitUsage)
		astad(t, environ, "accounts", "confirm", "99").check(t, exitUsage)
		astad(t, environ, "accounts").check(t, exitUsage)

		dsn := strings.TrimPrefix(environ[len(environ)-1], "ASTA_DATABASE_URL=")
		db, err := schema.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "INSERT INTO reconcile_runs (source, started_at, outcome) VALUES ('konten.csv', ?, 'held')",
			time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO reconcile_holds (run_id, reason, active_before, active_lost, held_at) "+
			"VALUES (1, 'test', 40, 30, ?)", time.Now().UTC()); err != nil {
			t.Fatal(err)
		}

		r := astad(t, environ, "accounts", "hold")
		r.check(t, exitOK)
		if !strings.Contains(r.stdout, "run 1 held") || !strings.Contains(r.stdout, "30 of 40") {
			t.Errorf("accounts hold printed %q, want run 1 with 30 of 40", r.stdout)
		}
		astad(t, environ, "accounts", "confirm").check(t, exitOK)         // the read held now
		astad(t, environ, "accounts", "confirm", "1").check(t, exitUsage) // decided already
		astad(t, environ, "accounts", "discard").check(t, exitUsage)      // nothing held any more
	})
}

func TestMailRequeueFailed(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		astad(t, environ, "mail").check(t, exitUsage)
		r := astad(t, environ, "mail", "requeue-failed")
		r.check(t, exitOK)
		if !strings.Contains(r.stdout, "0 failed mails requeued") {
			t.Errorf("mail requeue-failed printed %q, want 0 requeued", r.stdout)
		}
	})
}
