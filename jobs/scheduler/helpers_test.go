package scheduler

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"asta/schema"
	"asta/store"
)

// waitTimeout bounds every wait in these tests. Only a failing test waits
// that long, so it is generous for runs under the race detector.
const waitTimeout = 20 * time.Second

// testClock is a settable clock for Options.Now.
type testClock struct {
	mu  sync.Mutex
	now time.Time // guarded by mu
}

func newTestClock(t *testing.T, rfc3339 string) *testClock {
	t.Helper()
	return &testClock{now: mustTime(t, rfc3339)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type claimEvent struct {
	job         string
	scheduledAt time.Time
	id          int64
	ok          bool
}

type finishEvent struct {
	id      int64
	outcome string
	errText string
}

// recordingStore is a RunStore that reports each successful claim and
// finish on its channels, so that tests wait for events instead of time.
type recordingStore struct {
	RunStore
	claims   chan claimEvent
	finishes chan finishEvent
}

func newRecordingStore(db *bun.DB) *recordingStore {
	return &recordingStore{
		RunStore: store.New(db),
		claims:   make(chan claimEvent, 1000),
		finishes: make(chan finishEvent, 1000),
	}
}

func (r *recordingStore) ClaimJobRun(ctx context.Context, job string, at time.Time) (int64, bool, error) {
	id, ok, err := r.RunStore.ClaimJobRun(ctx, job, at)
	if err == nil {
		r.claims <- claimEvent{job: job, scheduledAt: at, id: id, ok: ok}
	}
	return id, ok, err
}

func (r *recordingStore) FinishJobRun(ctx context.Context, id int64, outcome, errText string) error {
	err := r.RunStore.FinishJobRun(ctx, id, outcome, errText)
	if err == nil {
		r.finishes <- finishEvent{id: id, outcome: outcome, errText: errText}
	}
	return err
}

func receive[T any](t *testing.T, ch <-chan T, event string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out after %s waiting for %s", waitTimeout, event)
		panic("unreachable")
	}
}

// logRecorder collects the JSON log records of a scheduler and copies them
// to the test output.
type logRecorder struct {
	out     io.Writer
	mu      sync.Mutex
	records []map[string]any // guarded by mu
	changed chan struct{}
}

func newLogRecorder(t *testing.T) *logRecorder {
	return &logRecorder{out: t.Output(), changed: make(chan struct{}, 1)}
}

// Write receives one record per call, as slog.JSONHandler writes them.
func (l *logRecorder) Write(p []byte) (int, error) {
	var rec map[string]any
	if err := json.Unmarshal(p, &rec); err != nil {
		return 0, err
	}
	l.mu.Lock()
	l.records = append(l.records, rec)
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return l.out.Write(p)
}

func (l *logRecorder) find(msg string) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, rec := range l.records {
		if rec["msg"] == msg {
			return rec
		}
	}
	return nil
}

// waitFor returns the first record with message msg, waiting for it.
func (l *logRecorder) waitFor(t *testing.T, msg string) map[string]any {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		if rec := l.find(msg); rec != nil {
			return rec
		}
		select {
		case <-l.changed:
		case <-deadline:
			t.Fatalf("timed out after %s waiting for log message %q", waitTimeout, msg)
		}
	}
}

type testScheduler struct {
	*Scheduler
	store *recordingStore
	reg   *prometheus.Registry
	logs  *logRecorder
}

// newTestScheduler returns a scheduler on db whose options are opts with
// a recording store, a fresh registry and a recorded logger.
func newTestScheduler(t *testing.T, db *bun.DB, opts Options) *testScheduler {
	t.Helper()
	ts := &testScheduler{
		store: newRecordingStore(db),
		reg:   prometheus.NewRegistry(),
		logs:  newLogRecorder(t),
	}
	opts.Store = ts.store
	opts.Registerer = ts.reg
	opts.Logger = slog.New(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opts.Location == nil {
		opts.Location = berlin(t)
	}

	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts.Scheduler = s
	return ts
}

func (ts *testScheduler) add(t *testing.T, j Job) {
	t.Helper()
	if err := ts.Add(j); err != nil {
		t.Fatalf("Add: %v", err)
	}
}

// start runs ts until the returned stop function is called, or until the
// test ends. stop returns the error of Run.
func (ts *testScheduler) start(t *testing.T) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- ts.Run(ctx) }()

	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-errc:
			case <-time.After(waitTimeout):
				t.Errorf("Run did not return within %s of the cancellation", waitTimeout)
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// jobRuns returns the rows of job in order of scheduled time.
func jobRuns(t *testing.T, db *bun.DB, job string) []schema.JobRun {
	t.Helper()
	var runs []schema.JobRun
	err := db.NewSelect().Model(&runs).Where("job = ?", job).Order("scheduled_at").Scan(context.Background())
	if err != nil {
		t.Fatalf("read job_runs: %v", err)
	}
	return runs
}
