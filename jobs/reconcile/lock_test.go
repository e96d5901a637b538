package reconcile

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"asta/schema"
	"asta/schema/dbtest"
)

// pausingSource passes one account, then waits until release is closed.
type pausingSource struct {
	paused  chan struct{}
	release chan struct{}
}

func (s pausingSource) String() string { return "pausing" }

func (s pausingSource) Read(ctx context.Context, fn func(*Account) error) error {
	if err := fn(&Account{TraineeNumber: "Z-1", Status: schema.AccountActive}); err != nil {
		return err
	}
	close(s.paused)
	<-s.release
	return fn(&Account{TraineeNumber: "Z-2", Status: schema.AccountInvited})
}

// TestStageSQLiteTakesNoWriteLock checks that another connection can
// write while a run reads the directory on SQLite.
func TestStageSQLiteTakesNoWriteLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "asta.db")
	db := dbtest.SQLitePath(t, path)
	other := dbtest.SQLitePath(t, path)
	src := pausingSource{paused: make(chan struct{}), release: make(chan struct{})}
	r := newTestReconciler(t, db, src, newClock())

	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()
	<-src.paused

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := other.ExecContext(ctx,
		"INSERT INTO job_runs (job, scheduled_at, started_at, outcome) VALUES (?, ?, ?, ?)",
		"other", start.UTC(), start.UTC(), "running")
	close(src.release)
	if err != nil {
		t.Fatalf("write during staging: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("write during staging waited %v, want no wait", d)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := countStatus(t, db, schema.AccountActive); got != 1 {
		t.Errorf("active accounts = %d, want 1", got)
	}
}
