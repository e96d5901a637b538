package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
)

// TestBackupRestorePostgres backs a database up with pg_dump, restores it
// into a new database with pg_restore, and checks that astad is ready on
// the copy with the same data.
func TestBackupRestorePostgres(t *testing.T) {
	base := os.Getenv(dbtest.EnvURL)
	if base == "" {
		if os.Getenv("ASTA_TEST_REQUIRE_ALL") != "" {
			t.Fatalf("%s is not set, but ASTA_TEST_REQUIRE_ALL requires PostgreSQL tests", dbtest.EnvURL)
		}
		t.Skipf("%s is not set: skipping the backup test", dbtest.EnvURL)
	}
	ctx := context.Background()
	source := dbtest.PostgresURL(t)
	var out bytes.Buffer
	if code := run(ctx, []string{"import", "../testdata/export-small"}, &out, &out,
		[]string{"ASTA_DATABASE_URL=" + source}); code != exitOK {
		t.Fatalf("import = %d:\n%s", code, out.String())
	}

	u, err := url.Parse(source)
	if err != nil {
		t.Fatal(err)
	}
	schemaName := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	dump := filepath.Join(t.TempDir(), "asta.dump")
	pgTool(t, "pg_dump", "--format=custom", "--schema="+schemaName, "--file="+dump, "--dbname="+u.String())

	target := newDatabase(t, base)
	pgTool(t, "pg_restore", "--no-owner", "--dbname="+target, dump)
	tu, _ := url.Parse(target)
	tq := tu.Query()
	tq.Set("search_path", schemaName)
	tu.RawQuery = tq.Encode()
	restored := tu.String()

	for _, table := range []string{"companies", "contracts", "trainees", "exam_registrations", "import_runs",
		"schema_migrations"} {
		if got, want := rowCount(t, restored, table), rowCount(t, source, table); got != want {
			t.Errorf("%s: %d rows in the copy, want %d", table, got, want)
		}
	}

	d := startServe(t, []string{"ASTA_DATABASE_URL=" + restored, "ASTA_INBOX=" + t.TempDir(),
		"ASTA_LISTEN=127.0.0.1:0", "ASTA_REPORT_FOLDER=" + t.TempDir(), "ASTA_MAIL_MAILBOX=" + t.TempDir()})
	status, body := get(t, "http://"+d.address(t)+"/readyz")
	if status != http.StatusOK {
		t.Errorf("readyz on the restored database = %d %q", status, body)
	}
}

// pgTool runs a PostgreSQL client program and fails the test on an error.
func pgTool(t *testing.T, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed: install the PostgreSQL client programs", name)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// newDatabase creates an empty database on the server of base, dropped
// when the test ends, and returns its URL.
func newDatabase(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := schema.Open(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "restore_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func rowCount(t *testing.T, dsn, table string) int {
	t.Helper()
	db, err := schema.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.NewRaw("SELECT count(*) FROM ?", bun.Ident(table)).Scan(context.Background(), &n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
