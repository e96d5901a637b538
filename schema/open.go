package schema

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLiteBusyTimeout is how long a SQLite connection waits for another
// writer's lock before it fails with "database is locked".
const SQLiteBusyTimeout = 60 * time.Second

// IsPostgresURL reports whether s names a PostgreSQL database rather than
// a SQLite file.
func IsPostgresURL(s string) bool {
	lower := strings.ToLower(s)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// pgMaxConns bounds the connections of one process to PostgreSQL. Jobs
// that hold a lock keep one each, and the import opens two of its own
// besides.
const pgMaxConns = 20

// Open connects to the database that dsn names: a postgres:// URL or the
// path of a SQLite file, which is created with its folder if missing. It
// checks the connection before it returns.
func Open(ctx context.Context, dsn string) (*bun.DB, error) {
	var db *bun.DB
	if IsPostgresURL(dsn) {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("invalid database URL %s: %w", Redact(dsn), err)
		}
		sqldb := stdlib.OpenDB(*cfg)
		// A bounded pool keeps a burst of panel requests from opening more
		// connections than the server allows (100 by default). Requests
		// beyond it wait for a connection.
		sqldb.SetMaxOpenConns(pgMaxConns)
		sqldb.SetMaxIdleConns(pgMaxConns)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = bun.NewDB(sqldb, pgdialect.New())
	} else {
		sqldb, err := openSQLite(dsn)
		if err != nil {
			return nil, err
		}
		db = bun.NewDB(sqldb, sqlitedialect.New())
	}

	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to database %s: %w", Redact(dsn), err)
	}
	return db, nil
}

func openSQLite(path string) (*sql.DB, error) {
	path = strings.TrimPrefix(path, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path == "" {
		return nil, fmt.Errorf("empty SQLite path: set database to a file such as data/asta.db")
	}
	if strings.Contains(path, "://") || strings.Contains(path, "=") {
		return nil, fmt.Errorf("database %q is neither a postgres:// URL nor a SQLite file path: "+
			"write PostgreSQL settings as postgres://user:password@host:5432/dbname", Redact(path))
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}

	// Write transactions take the write lock when they begin, so that two
	// writers queue on the busy timeout instead of failing on upgrade.
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", SQLiteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_txlock", "immediate")
	q.Add("_time_format", "sqlite") // "2006-01-02 15:04:05.999999999-07:00", not Go's String form
	sqldb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	return sqldb, nil
}

// IsPostgres reports whether db is a PostgreSQL database.
func IsPostgres(db bun.IDB) bool {
	return db.Dialect().Name() == dialect.PG
}

// Redact returns dsn with any password replaced, for logs and errors.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		// Hide everything between the scheme and the host, where a
		// password that the URL parser rejects may stand.
		scheme, rest, ok := strings.Cut(dsn, "://")
		if at := strings.LastIndex(rest, "@"); ok && at >= 0 {
			return scheme + "://xxxxx" + rest[at:]
		}
		return dsn
	}
	if u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
