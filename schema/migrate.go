package schema

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations of several instances starting at once.
const migrationLockKey = 4_712_000_001

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	sql     string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".sql")
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration file %s: name must start with a version number", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Migrate applies the migrations that db lacks, each in its own
// transaction, and returns the names of those it applied. Instances that
// migrate at once queue on a lock, so each migration runs once.
func Migrate(ctx context.Context, db *bun.DB) (applied []string, err error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()

	if IsPostgres(db) {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
			return nil, fmt.Errorf("lock migrations: %w", err)
		}
		defer func() {
			if _, uerr := conn.ExecContext(context.WithoutCancel(ctx),
				"SELECT pg_advisory_unlock(?)", migrationLockKey); uerr != nil && err == nil {
				err = fmt.Errorf("unlock migrations: %w", uerr)
			}
		}()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}

	for _, m := range ms {
		done, err := applyMigration(ctx, conn, m)
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if done {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

func applyMigration(ctx context.Context, conn bun.Conn, m Migration) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil) // on SQLite this takes the write lock at once
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()

	var n int
	if err := tx.QueryRowContext(ctx,
		"SELECT count(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}

	for _, stmt := range splitStatements(dialectSQL(conn, m.sql)) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("%w in %s", err, firstLine(stmt))
		}
	}
	if _, err := tx.ExecContext(ctx,
		"INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// Pending returns the names of the migrations that db lacks.
func Pending(ctx context.Context, db bun.IDB) ([]string, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	var versions []int
	if err := db.NewSelect().Table("schema_migrations").Column("version").Scan(ctx, &versions); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	have := make(map[int]bool, len(versions))
	for _, v := range versions {
		have[v] = true
	}
	var pending []string
	for _, m := range ms {
		if !have[m.Version] {
			pending = append(pending, m.Name)
		}
	}
	return pending, nil
}

func dialectSQL(db bun.IDB, s string) string {
	id, ts, key := "INTEGER PRIMARY KEY AUTOINCREMENT", "TIMESTAMP", "TEXT"
	if IsPostgres(db) {
		id, ts, key = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ", `TEXT COLLATE "C"`
	}
	return strings.NewReplacer("{{id}}", id, "{{ts}}", ts, "{{key}}", key).Replace(s)
}

// splitStatements splits a migration at semicolons that end a line and
// drops comment lines. Migrations must not put such a semicolon inside a
// string or a function body.
func splitStatements(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	var stmts []string
	for _, part := range strings.Split(strings.Join(lines, "\n"), ";\n") {
		part = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(part), ";"))
		if part != "" {
			stmts = append(stmts, part)
		}
	}
	return stmts
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
