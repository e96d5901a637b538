package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

func TestClaimJobRunOncePerTick(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := store.New(db)
		tick := time.Date(2027, 3, 28, 3, 0, 0, 0, time.FixedZone("CEST", 2*3600))

		id, ok, err := st.ClaimJobRun(ctx, "import", tick)
		if err != nil || !ok {
			t.Fatalf("first claim = (%d, %v, %v), want a new run", id, ok, err)
		}
		again, ok, err := st.ClaimJobRun(ctx, "import", tick.UTC())
		if err != nil {
			t.Fatalf("second claim: %v", err)
		}
		if ok {
			t.Errorf("second claim of the same tick = run %d, want no run", again)
		}
		other, ok, err := st.ClaimJobRun(ctx, "notify", tick)
		if err != nil || !ok {
			t.Errorf("claim of another job = (%d, %v, %v), want a new run", other, ok, err)
		}

		var run schema.JobRun
		if err := db.NewSelect().Model(&run).Where("id = ?", id).Scan(ctx); err != nil {
			t.Fatalf("read run: %v", err)
		}
		if !run.ScheduledAt.Equal(tick) {
			t.Errorf("scheduled_at = %v, want %v", run.ScheduledAt, tick)
		}
		if run.Outcome != store.JobRunRunning {
			t.Errorf("outcome = %q, want %q", run.Outcome, store.JobRunRunning)
		}
		if run.FinishedAt != nil {
			t.Errorf("finished_at = %v, want NULL", run.FinishedAt)
		}
	})
}

func TestFinishJobRun(t *testing.T) {
	tests := []struct {
		name    string
		outcome string
		errText string
	}{
		{name: "ok", outcome: "ok"},
		{name: "error", outcome: "error", errText: "read package: file not found"},
	}
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := store.New(db)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tick := time.Date(2027, 6, 15, 7, i, 0, 0, time.UTC)
				id, _, err := st.ClaimJobRun(ctx, "import", tick)
				if err != nil {
					t.Fatalf("claim: %v", err)
				}
				if err := st.FinishJobRun(ctx, id, tt.outcome, tt.errText); err != nil {
					t.Fatalf("FinishJobRun: %v", err)
				}

				var run schema.JobRun
				if err := db.NewSelect().Model(&run).Where("id = ?", id).Scan(ctx); err != nil {
					t.Fatalf("read run: %v", err)
				}
				if run.Outcome != tt.outcome {
					t.Errorf("outcome = %q, want %q", run.Outcome, tt.outcome)
				}
				if run.Error != tt.errText {
					t.Errorf("error = %q, want %q", run.Error, tt.errText)
				}
				if run.FinishedAt == nil || run.FinishedAt.Before(run.StartedAt) {
					t.Errorf("finished_at = %v, want a time not before started_at %v", run.FinishedAt, run.StartedAt)
				}
			})
		}
	})
}

func TestFinishJobRunNotFound(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		err := store.New(db).FinishJobRun(context.Background(), 999, "ok", "")
		if err == nil {
			t.Fatal("FinishJobRun of a missing run succeeded, want an error")
		}
	})
}

func TestLastJobRun(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := store.New(db)

		if _, ok, err := st.LastJobRun(ctx, "import"); err != nil || ok {
			t.Fatalf("LastJobRun without runs = (%v, %v), want none", ok, err)
		}

		ticks := []time.Time{
			time.Date(2027, 6, 15, 5, 0, 0, 0, time.UTC),
			time.Date(2027, 6, 17, 5, 0, 0, 0, time.UTC),
			time.Date(2027, 6, 16, 5, 0, 0, 0, time.UTC),
		}
		for _, tick := range ticks {
			if _, _, err := st.ClaimJobRun(ctx, "import", tick); err != nil {
				t.Fatalf("claim %v: %v", tick, err)
			}
		}
		if _, _, err := st.ClaimJobRun(ctx, "notify", time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatalf("claim notify: %v", err)
		}

		got, ok, err := st.LastJobRun(ctx, "import")
		if err != nil || !ok {
			t.Fatalf("LastJobRun = (%v, %v, %v), want a run", got, ok, err)
		}
		if want := ticks[1]; !got.Equal(want) {
			t.Errorf("LastJobRun = %v, want %v", got, want)
		}
		if got.Location() != time.UTC {
			t.Errorf("LastJobRun location = %v, want UTC", got.Location())
		}
	})
}

func TestLastJobSuccess(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := store.New(db)
		if _, ok, err := st.LastJobSuccess(ctx, "import"); err != nil || ok {
			t.Fatalf("LastJobSuccess before any run = %v, %v; want none", ok, err)
		}
		base := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
		for i, outcome := range []string{"ok", "error"} {
			id, _, err := st.ClaimJobRun(ctx, "import", base.Add(time.Duration(i)*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if err := st.FinishJobRun(ctx, id, outcome, ""); err != nil {
				t.Fatal(err)
			}
		}
		at, ok, err := st.LastJobSuccess(ctx, "import")
		if err != nil || !ok {
			t.Fatalf("LastJobSuccess = %v, %v; want the ok run", ok, err)
		}
		if time.Since(at) > time.Minute {
			t.Errorf("last success finished at %v, want about now", at)
		}
	})
}
