package scheduler

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
)

// daily is the spec of jobs that tests run by Trigger: with the test clock
// at 10:00 its next tick is a day away.
const daily = "0 7 * * *"

func TestTriggerRecordsOutcome(t *testing.T) {
	tests := []struct {
		name        string
		run         func(context.Context) error
		wantOutcome string
		wantErr     string
	}{
		{
			name:        "ok",
			run:         func(context.Context) error { return nil },
			wantOutcome: OutcomeOK,
		},
		{
			name:        "error",
			run:         func(context.Context) error { return errors.New("read package: file not found") },
			wantOutcome: OutcomeError,
			wantErr:     "read package: file not found",
		},
		{
			name:        "panic",
			run:         func(context.Context) error { panic("boom") },
			wantOutcome: OutcomePanic,
			wantErr:     "panic: boom",
		},
	}
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				clock := newTestClock(t, "2027-06-15T10:00:00+02:00")
				s := newTestScheduler(t, db, Options{Now: clock.Now})
				s.add(t, Job{Name: tt.name, Spec: daily, Run: tt.run})
				if err := s.Trigger(tt.name); err != nil {
					t.Fatalf("Trigger: %v", err)
				}
				s.start(t)

				fin := receive(t, s.store.finishes, "the run to finish")
				if fin.outcome != tt.wantOutcome {
					t.Errorf("outcome = %q, want %q", fin.outcome, tt.wantOutcome)
				}
				runs := jobRuns(t, db, tt.name)
				if len(runs) != 1 {
					t.Fatalf("job_runs has %d rows, want 1", len(runs))
				}
				if want := clock.Now(); !runs[0].ScheduledAt.Equal(want) {
					t.Errorf("scheduled_at = %v, want %v", runs[0].ScheduledAt, want)
				}
				if runs[0].Outcome != tt.wantOutcome {
					t.Errorf("row outcome = %q, want %q", runs[0].Outcome, tt.wantOutcome)
				}
				if runs[0].Error != tt.wantErr {
					t.Errorf("row error = %q, want %q", runs[0].Error, tt.wantErr)
				}
				s.logs.waitFor(t, "job finished") // logged after the metrics are updated
				if got := testutil.ToFloat64(s.metrics.runs.WithLabelValues(tt.name, tt.wantOutcome)); got != 1 {
					t.Errorf("asta_job_runs_total{outcome=%q} = %v, want 1", tt.wantOutcome, got)
				}
				if got := testutil.ToFloat64(s.metrics.running.WithLabelValues(tt.name)); got != 0 {
					t.Errorf("asta_job_running = %v, want 0", got)
				}
			})
		}
	})
}

func TestPanicRecovered(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		clock := newTestClock(t, "2027-06-15T10:00:00+02:00")
		s := newTestScheduler(t, db, Options{Now: clock.Now})
		var calls atomic.Int32
		s.add(t, Job{Name: "import", Spec: daily, Run: func(context.Context) error {
			if calls.Add(1) == 1 {
				panic(errors.New("nil map"))
			}
			return nil
		}})
		if err := s.Trigger("import"); err != nil {
			t.Fatalf("Trigger: %v", err)
		}
		s.start(t)

		if fin := receive(t, s.store.finishes, "the panicking run"); fin.outcome != OutcomePanic {
			t.Fatalf("first run outcome = %q, want %q", fin.outcome, OutcomePanic)
		}
		// The end of a run is logged after its metrics are updated.
		rec := s.logs.waitFor(t, "job finished")
		if got := testutil.ToFloat64(s.metrics.panics.WithLabelValues("import")); got != 1 {
			t.Errorf("asta_job_panics_total = %v, want 1", got)
		}
		if rec["level"] != "ERROR" {
			t.Errorf("level of the panic's log line = %v, want ERROR", rec["level"])
		}
		if rec["error"] != "panic: nil map" {
			t.Errorf("error of the panic's log line = %v, want %q", rec["error"], "panic: nil map")
		}
		if stack, _ := rec["stack"].(string); !strings.Contains(stack, "TestPanicRecovered") {
			t.Errorf("stack of the panic's log line does not name the panicking function:\n%s", stack)
		}

		clock.Add(time.Second)
		if err := s.Trigger("import"); err != nil {
			t.Fatalf("second Trigger: %v", err)
		}
		if fin := receive(t, s.store.finishes, "the run after the panic"); fin.outcome != OutcomeOK {
			t.Errorf("run after the panic: outcome = %q, want %q", fin.outcome, OutcomeOK)
		}
	})
}

func TestOverlapSkipped(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		clock := newTestClock(t, "2027-06-15T10:00:00+02:00")
		s := newTestScheduler(t, db, Options{Now: clock.Now})
		started, release := make(chan struct{}), make(chan struct{})
		s.add(t, Job{Name: "import", Spec: daily, Run: func(context.Context) error {
			close(started)
			<-release
			return nil
		}})
		if err := s.Trigger("import"); err != nil {
			t.Fatalf("Trigger: %v", err)
		}
		s.start(t)
		receive(t, started, "the first run to start")

		clock.Add(time.Second)
		if err := s.Trigger("import"); err != nil {
			t.Fatalf("second Trigger: %v", err)
		}
		fin := receive(t, s.store.finishes, "the overlapping tick")
		if fin.outcome != OutcomeSkipped {
			t.Errorf("overlapping tick outcome = %q, want %q", fin.outcome, OutcomeSkipped)
		}
		if got := testutil.ToFloat64(s.metrics.overlaps.WithLabelValues("import")); got != 1 {
			t.Errorf("asta_job_overlaps_skipped_total = %v, want 1", got)
		}
		if rec := s.logs.waitFor(t, "job run skipped: previous run still running"); rec["level"] != "WARN" {
			t.Errorf("level of the skip's log line = %v, want WARN", rec["level"])
		}

		close(release)
		if fin := receive(t, s.store.finishes, "the first run to finish"); fin.outcome != OutcomeOK {
			t.Errorf("first run outcome = %q, want %q", fin.outcome, OutcomeOK)
		}
		runs := jobRuns(t, db, "import")
		if len(runs) != 2 {
			t.Fatalf("job_runs has %d rows, want 2", len(runs))
		}
		if runs[1].Outcome != OutcomeSkipped || runs[1].Error != errPreviousRunning {
			t.Errorf("second row = (%q, %q), want (%q, %q)",
				runs[1].Outcome, runs[1].Error, OutcomeSkipped, errPreviousRunning)
		}
	})
}

// TestClaimOnceAcrossInstances runs two schedulers, each with its own
// database handle, on one database with real time and a tick every second.
func TestClaimOnceAcrossInstances(t *testing.T) {
	tests := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{name: "sqlite", dsn: func(t *testing.T) string { return filepath.Join(t.TempDir(), "asta.db") }},
		{name: "postgres", dsn: func(t *testing.T) string { return dbtest.PostgresURL(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn := tt.dsn(t)
			var executions atomic.Int32
			job := Job{Name: "import", Spec: "@every 1s", Run: func(context.Context) error {
				executions.Add(1)
				return nil
			}}

			var instances []*testScheduler
			var db *bun.DB
			claims := make(chan claimEvent, 1000)
			for range 2 {
				db = openMigrated(t, dsn)
				s := newTestScheduler(t, db, Options{})
				s.store.claims = claims
				s.add(t, job)
				instances = append(instances, s)
			}
			var stops []func() error
			for _, s := range instances {
				stops = append(stops, s.start(t))
			}

			// Keyed by RFC 3339 text, because each instance has its own
			// *time.Location and time.Time keys would then differ.
			attempts := map[string][]bool{}
			for range 6 {
				c := receive(t, claims, "claims of both instances")
				key := c.scheduledAt.Format(time.RFC3339)
				attempts[key] = append(attempts[key], c.ok)
			}
			for _, stop := range stops {
				if err := stop(); err != nil {
					t.Errorf("Run: %v", err)
				}
			}
			close(claims)
			for c := range claims {
				key := c.scheduledAt.Format(time.RFC3339)
				attempts[key] = append(attempts[key], c.ok)
			}

			checkClaimedOnce(t, attempts)
			runs := jobRuns(t, db, "import")
			if got := int(executions.Load()); got != len(runs) {
				t.Errorf("job ran %d times for %d recorded ticks, want one run per tick", got, len(runs))
			}
		})
	}
}

func checkClaimedOnce(t *testing.T, attempts map[string][]bool) {
	t.Helper()
	contested := 0
	for at, oks := range attempts {
		won := 0
		for _, ok := range oks {
			if ok {
				won++
			}
		}
		if won != 1 {
			t.Errorf("tick %s: %d of %d claims succeeded, want 1", at, won, len(oks))
		}
		if len(oks) == 2 {
			contested++
		}
	}
	if contested == 0 {
		t.Errorf("no tick was claimed by both instances, so the test proved nothing: %v", attempts)
	}
}

func openMigrated(t *testing.T, dsn string) *bun.DB {
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

// TestMisfireRunsOnce triggers the job before Run starts. Run handles the
// trigger after the check for missed ticks, so the trigger's claim marks
// the end of what the check started.
func TestMisfireRunsOnce(t *testing.T) {
	const now = "2027-06-17T12:00:00+02:00"
	tests := []struct {
		name string
		last string // scheduled time of the recorded run; "" for none
		want []string
	}{
		{
			name: "three missed ticks",
			last: "2027-06-14T07:00:00+02:00",
			want: []string{"2027-06-17T07:00:00+02:00", now},
		},
		{
			name: "no missed tick",
			last: "2027-06-17T07:00:00+02:00",
			want: []string{now},
		},
		{
			name: "never ran",
			want: []string{now},
		},
	}
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				clock := newTestClock(t, now)
				s := newTestScheduler(t, db, Options{Now: clock.Now})
				job := strings.ReplaceAll(tt.name, " ", "_")
				if tt.last != "" {
					recordRun(t, s.store.RunStore, job, mustTime(t, tt.last))
				}
				var executions atomic.Int32
				s.add(t, Job{Name: job, Spec: daily, Run: func(context.Context) error {
					executions.Add(1)
					return nil
				}})
				if err := s.Trigger(job); err != nil {
					t.Fatalf("Trigger: %v", err)
				}
				s.start(t)

				var got []string
				for range tt.want {
					c := receive(t, s.store.claims, "a claim")
					got = append(got, c.scheduledAt.Format(time.RFC3339))
					receive(t, s.store.finishes, "a run to finish")
				}
				if strings.Join(got, " ") != strings.Join(tt.want, " ") {
					t.Errorf("claimed ticks = %v, want %v", got, tt.want)
				}
			})
		}
	})
}

func recordRun(t *testing.T, st RunStore, job string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	id, _, err := st.ClaimJobRun(ctx, job, at)
	if err != nil {
		t.Fatalf("record run: %v", err)
	}
	if err := st.FinishJobRun(ctx, id, OutcomeOK, ""); err != nil {
		t.Fatalf("record run: %v", err)
	}
}

func TestMissedTick(t *testing.T) {
	tests := []struct {
		name string
		spec string
		last string
		now  string
		want string // "" for no missed tick
	}{
		{
			name: "three missed daily ticks",
			spec: daily,
			last: "2027-06-14T07:00:00+02:00",
			now:  "2027-06-17T12:00:00+02:00",
			want: "2027-06-17T07:00:00+02:00",
		},
		{
			name: "none missed",
			spec: daily,
			last: "2027-06-17T07:00:00+02:00",
			now:  "2027-06-17T12:00:00+02:00",
		},
		{
			name: "tick at now",
			spec: daily,
			last: "2027-06-16T07:00:00+02:00",
			now:  "2027-06-17T07:00:00+02:00",
			want: "2027-06-17T07:00:00+02:00",
		},
		{
			name: "last run after now",
			spec: daily,
			last: "2027-06-18T07:00:00+02:00",
			now:  "2027-06-17T12:00:00+02:00",
		},
		{
			name: "every 5 minutes for a month",
			spec: "*/5 * * * *",
			last: "2027-05-17T12:00:00+02:00",
			now:  "2027-06-17T12:03:10+02:00",
			want: "2027-06-17T12:00:00+02:00",
		},
		{
			name: "yearly",
			spec: "0 0 1 1 *",
			last: "2026-01-01T00:00:00+01:00",
			now:  "2027-06-17T12:00:00+02:00",
			want: "2027-01-01T00:00:00+01:00",
		},
		{
			name: "skipped local time",
			spec: "30 2 * * *",
			last: "2027-03-27T02:30:00+01:00",
			now:  "2027-03-28T09:00:00+02:00",
			want: "2027-03-28T03:00:00+02:00",
		},
	}
	loc := berlin(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.spec, loc)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, ok := missedTick(s, mustTime(t, tt.last), mustTime(t, tt.now))
			if tt.want == "" {
				if ok {
					t.Errorf("missedTick = %v, want none", got)
				}
				return
			}
			if !ok {
				t.Fatalf("missedTick found none, want %s", tt.want)
			}
			if got.Format(time.RFC3339) != tt.want {
				t.Errorf("missedTick = %s, want %s", got.Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestShutdownWaitsForRun(t *testing.T) {
	db := dbtest.SQLite(t)
	clock := newTestClock(t, "2027-06-15T10:00:00+02:00")
	s := newTestScheduler(t, db, Options{Now: clock.Now})
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	s.add(t, Job{Name: "import", Spec: daily, Run: func(context.Context) error {
		close(started)
		<-release
		finished.Store(true)
		return nil
	}})
	if err := s.Trigger("import"); err != nil {
		t.Fatalf("Trigger: %v", err)
	}
	stop := s.start(t)
	receive(t, started, "the run to start")

	errc := make(chan error, 1)
	go func() { errc <- stop() }()
	s.logs.waitFor(t, "scheduler stopping")
	close(release)

	if err := receive(t, errc, "Run to return"); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if !finished.Load() {
		t.Error("Run returned before the run in progress finished")
	}
	if err := s.Trigger("import"); !errors.Is(err, ErrStopped) {
		t.Errorf("Trigger after stop = %v, want ErrStopped", err)
	}
}

func TestShutdownCancelsAfterTimeout(t *testing.T) {
	db := dbtest.SQLite(t)
	clock := newTestClock(t, "2027-06-15T10:00:00+02:00")
	s := newTestScheduler(t, db, Options{Now: clock.Now, ShutdownTimeout: 100 * time.Millisecond})
	started := make(chan struct{})
	s.add(t, Job{Name: "import", Spec: daily, Run: func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}})
	s.add(t, Job{Name: "notify", Spec: daily, Run: func(context.Context) error { return nil }})
	if err := s.Trigger("import"); err != nil {
		t.Fatalf("Trigger: %v", err)
	}
	stop := s.start(t)
	receive(t, started, "the run to start")

	err := stop()
	if !errors.Is(err, ErrShutdownTimeout) {
		t.Fatalf("Run = %v, want ErrShutdownTimeout", err)
	}
	if !strings.HasSuffix(err.Error(), ": import") {
		t.Errorf("Run = %q, want it to name import only", err)
	}
	runs := jobRuns(t, db, "import")
	if len(runs) != 1 {
		t.Fatalf("job_runs has %d rows, want 1", len(runs))
	}
	if runs[0].Outcome != OutcomeError || runs[0].Error != context.Canceled.Error() {
		t.Errorf("row = (%q, %q), want (%q, %q)", runs[0].Outcome, runs[0].Error, OutcomeError, context.Canceled)
	}
}

func TestAddErrors(t *testing.T) {
	noop := func(context.Context) error { return nil }
	tests := []struct {
		name string
		job  Job
		want string
	}{
		{
			name: "invalid spec",
			job:  Job{Name: "import", Spec: "*/x * * * *", Run: noop},
			want: `job "import": invalid schedule "*/x * * * *": `,
		},
		{
			name: "duplicate name",
			job:  Job{Name: "report", Spec: daily, Run: noop},
			want: `job "report": a job with this name exists`,
		},
		{
			name: "empty name",
			job:  Job{Spec: daily, Run: noop},
			want: "add job: name is empty",
		},
		{
			name: "no Run",
			job:  Job{Name: "import", Spec: daily},
			want: `job "import": Run is nil`,
		},
	}
	s := newTestScheduler(t, dbtest.SQLite(t), Options{})
	s.add(t, Job{Name: "report", Spec: daily, Run: noop})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Add(tt.job)
			if err == nil {
				t.Fatal("Add succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Add = %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestTriggerUnknownJob(t *testing.T) {
	s := newTestScheduler(t, dbtest.SQLite(t), Options{})
	if err := s.Trigger("import"); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("Trigger = %v, want ErrUnknownJob", err)
	}
}

func TestNewWithoutStore(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without a store succeeded, want an error")
	}
}

// TestMetricsLint applies the checks of `promtool check metrics` to the
// metrics after one run.
func TestMetricsLint(t *testing.T) {
	s := newTestScheduler(t, dbtest.SQLite(t), Options{})
	s.add(t, Job{Name: "import", Spec: daily, Run: func(context.Context) error { return nil }})
	if err := s.Trigger("import"); err != nil {
		t.Fatalf("Trigger: %v", err)
	}
	s.start(t)
	s.logs.waitFor(t, "job finished") // logged after the metrics are updated

	families, err := s.reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	if len(families) != 6 {
		t.Errorf("gathered %d metric families, want 6", len(families))
	}
	problems, err := promlint.NewWithMetricFamilies(families).Lint()
	if err != nil {
		t.Fatalf("Lint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}
