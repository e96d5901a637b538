package importer

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/sample"
	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

// TestImportSQLiteWriteLockWaits checks that writes of another connection
// during an import on SQLite wait for the import's write lock and then
// succeed, instead of failing with "database is locked".
func TestImportSQLiteWriteLockWaits(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 50,000 contracts")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "asta.db")
	db := dbtest.SQLitePath(t, path)
	other := dbtest.SQLitePath(t, path) // a pool of its own, as a second process or the panel has

	pkg := filepath.Join(t.TempDir(), "export")
	if _, err := sample.Write(ctx, pkg, sample.Options{Companies: 3000, Contracts: 50_000, Seed: 1}); err != nil {
		t.Fatal(err)
	}

	// The probe does not wait for the lock, so it shows when another
	// connection, mostly the import's apply transaction, has taken it.
	probe, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = probe.Close() }()
	probe.SetMaxOpenConns(1)

	im := New(Options{DB: db, Location: berlin,
		RejectShare: 0.05, RejectCount: 10, HoldShare: 0.10, HoldCount: 20})
	var (
		res       *Result
		importErr error
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, importErr = im.Import(ctx, Request{Path: pkg})
	}()

	st := store.New(other)
	scheduled := time.Date(2026, time.December, 4, 0, 0, 0, 0, time.UTC)
	var writes, afterBusyProbe int
	for running := true; running; writes++ {
		select {
		case <-done:
			running = false // one more write after the import
		default:
		}
		locked := sqliteLocked(t, probe)
		if err := writeJobRun(ctx, st, other, writes, scheduled.Add(time.Duration(writes)*time.Second)); err != nil {
			t.Fatalf("write %d during the import: %v", writes, err)
		}
		if locked {
			afterBusyProbe++
		}
		// A pause lets the import's busy handler, which polls, find the
		// lock free between two writes.
		time.Sleep(5 * time.Millisecond)
	}

	if importErr != nil {
		t.Fatalf("import: %v", importErr)
	}
	if res.Outcome != schema.OutcomeApplied {
		t.Fatalf("import outcome = %s (%s), want applied", res.Outcome, res.Reason)
	}
	n, err := other.NewSelect().Model((*schema.JobRun)(nil)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(writes) {
		t.Errorf("job runs = %d, want the %d written", n, writes)
	}
	contracts, err := other.NewSelect().Model((*schema.Contract)(nil)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if contracts != 50_000 {
		t.Errorf("contracts = %d, want 50000", contracts)
	}
	if afterBusyProbe == 0 {
		t.Errorf("none of %d writes followed a moment at which the write lock was held, "+
			"so the test did not check waiting for it", writes)
	}
	t.Logf("%d writes during the import, %d right after the write lock was seen held", writes, afterBusyProbe)
}

// writeJobRun writes one job run: with an autocommit INSERT on even i, in
// a transaction that reads before it writes on odd i.
func writeJobRun(ctx context.Context, st *store.Store, db *bun.DB, i int, scheduled time.Time) error {
	if i%2 == 0 {
		_, _, err := st.ClaimJobRun(ctx, "lock-test", scheduled)
		return err
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewSelect().Model((*schema.JobRun)(nil)).Count(ctx); err != nil {
			return err
		}
		run := &schema.JobRun{Job: "lock-test", ScheduledAt: scheduled, StartedAt: time.Now().UTC(), Outcome: "ok"}
		_, err := tx.NewInsert().Model(run).Exec(ctx)
		return err
	})
}

// sqliteLocked reports whether another connection has taken the write lock of
// the database that probe, opened with busy_timeout 0, connects to.
func sqliteLocked(t *testing.T, probe *sql.DB) bool {
	t.Helper()
	tx, err := probe.Begin()
	if err != nil {
		if strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked") {
			return true
		}
		t.Fatalf("probe the write lock: %v", err)
	}
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		t.Fatalf("probe the write lock: %v", err)
	}
	return false
}
