// Package dbtest gives tests a fresh, migrated database on each dialect:
// a SQLite file in a temporary folder always, and a PostgreSQL schema of
// its own when ASTA_TEST_DATABASE_URL names a server.
//
// With ASTA_TEST_REQUIRE_ALL set, a missing PostgreSQL URL fails the test
// instead of skipping it, so that CI never passes without PostgreSQL.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"

	"asta/schema"
)

// EnvURL is the environment variable with the PostgreSQL test server's URL.
const EnvURL = "ASTA_TEST_DATABASE_URL"

// Dialects runs fn as a subtest named "sqlite" and one named "postgres",
// each with its own fresh migrated database.
func Dialects(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Postgres(t))
	})
}

// DialectsURL is [Dialects] for code that opens connections of its own,
// such as the PostgreSQL import: fn also gets the URL of the database,
// the file path for SQLite.
func DialectsURL(t *testing.T, fn func(t *testing.T, db *bun.DB, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "asta.db")
		fn(t, open(t, path), path)
	})
	t.Run("postgres", func(t *testing.T) {
		url := PostgresURL(t)
		fn(t, open(t, url), url)
	})
}

// SQLite returns a migrated database in a new file under t.TempDir.
func SQLite(t testing.TB) *bun.DB {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "asta.db"))
}

// SQLitePath returns a migrated database at path, for tests that open the
// same file twice.
func SQLitePath(t testing.TB, path string) *bun.DB {
	t.Helper()
	return open(t, path)
}

// Postgres returns a migrated database in a new PostgreSQL schema that is
// dropped when the test ends. It skips the test when no server is set.
func Postgres(t testing.TB) *bun.DB {
	t.Helper()
	return open(t, PostgresURL(t))
}

// PostgresURL creates a new empty schema and returns a URL whose
// connections use it. The schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("ASTA_TEST_REQUIRE_ALL") != "" {
			t.Fatalf("%s is not set, but ASTA_TEST_REQUIRE_ALL requires PostgreSQL tests", EnvURL)
		}
		t.Skipf("%s is not set: skipping the PostgreSQL variant", EnvURL)
	}

	ctx := context.Background()
	admin, err := schema.Open(ctx, base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvURL, err)
	}
	t.Cleanup(func() { _ = admin.Close() })

	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+name+" CASCADE")
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens and migrates the database at dsn and closes it when the
// test ends.
func Open(t testing.TB, dsn string) *bun.DB {
	t.Helper()
	return open(t, dsn)
}

func open(t testing.TB, dsn string) *bun.DB {
	t.Helper()
	ctx := context.Background()
	db, err := schema.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := schema.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}
