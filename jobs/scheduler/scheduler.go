// Package scheduler runs asta's named jobs on cron schedules inside the
// long-running daemon, where several instances may share one database.
//
// Specs are parsed by github.com/robfig/cron/v3 and evaluated by
// [Schedule], which fixes that library's handling of daylight saving
// changes. The scheduler runs its own timer per job instead of cron.Cron,
// because each run needs the time of its tick, for the claim below, and a
// shutdown with a deadline.
//
// Before each run the scheduler claims the tick in the job_runs table,
// whose rows are unique per job and scheduled time. Only the instance
// whose claim succeeds runs the job, and it records the outcome on the
// row. A run never starts while the previous run of the same job on the
// same instance is still in progress: that tick is recorded as skipped.
// At start, a job whose last recorded tick is followed by ticks that
// passed while no instance ran it is run once, for the latest of them.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // Europe/Berlin must load on hosts without a zoneinfo database.

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a job run, as recorded in job_runs and in the outcome label
// of asta_job_runs_total.
const (
	OutcomeOK      = "ok"
	OutcomeError   = "error"
	OutcomePanic   = "panic"
	OutcomeSkipped = "skipped" // the previous run was still in progress
)

// DefaultLocation is the time zone of schedules when [Options.Location]
// is nil.
const DefaultLocation = "Europe/Berlin"

// DefaultShutdownTimeout is how long [Scheduler.Run] waits for running
// jobs after its context is cancelled when [Options.ShutdownTimeout] is
// zero.
const DefaultShutdownTimeout = 30 * time.Second

// cancelGrace is how long Run waits, after cancelling the jobs' context,
// for them to return so that their runs are recorded.
const cancelGrace = 5 * time.Second

var (
	// ErrUnknownJob is returned by [Scheduler.Trigger] for a name that no
	// job has.
	ErrUnknownJob = errors.New("unknown job")

	// ErrStopped is returned by [Scheduler.Trigger] and [Scheduler.Run]
	// once the context of Run is cancelled.
	ErrStopped = errors.New("scheduler stopped")

	// ErrShutdownTimeout is returned, wrapped with the job names, by
	// [Scheduler.Run] when jobs were still running at the shutdown timeout.
	ErrShutdownTimeout = errors.New("jobs did not stop within the shutdown timeout")
)

// Job is a named task run on a schedule.
type Job struct {
	// Name identifies the job in logs, metrics and the job_runs table.
	Name string

	// Spec is the schedule, in a form that [Parse] accepts.
	Spec string

	// Run does the work. Its context is cancelled only when a shutdown's
	// timeout expires, and Run should then roll back and return.
	Run func(ctx context.Context) error
}

// RunStore records job runs in the database that all instances share.
// [asta/store.Store] implements it.
type RunStore interface {
	// ClaimJobRun inserts a run of job at scheduledAt and returns its id,
	// or ok false if a run of job at that time exists.
	ClaimJobRun(ctx context.Context, job string, scheduledAt time.Time) (id int64, ok bool, err error)

	// FinishJobRun records the outcome and error text of run id.
	FinishJobRun(ctx context.Context, id int64, outcome, errText string) error

	// LockJob takes the lock that keeps runs of job from overlapping
	// across instances, or returns ok false if another instance holds it.
	LockJob(ctx context.Context, job string) (unlock func(), ok bool, err error)

	// LastJobSuccess returns when job's latest successful run finished,
	// or ok false if it has none.
	LastJobSuccess(ctx context.Context, job string) (finishedAt time.Time, ok bool, err error)

	// LastJobRun returns the latest scheduled time among job's runs, or
	// ok false if there is none.
	LastJobRun(ctx context.Context, job string) (scheduledAt time.Time, ok bool, err error)
}

// Options configure a [Scheduler].
type Options struct {
	// Location is the time zone of all schedules. Nil means
	// [DefaultLocation].
	Location *time.Location

	// Store records the runs. It is required.
	Store RunStore

	// Logger receives the scheduler's and the runs' log lines. Nil
	// discards them.
	Logger *slog.Logger

	// Registerer receives the metrics. Nil leaves them unregistered.
	Registerer prometheus.Registerer

	// ShutdownTimeout is how long Run waits for running jobs once its
	// context is cancelled. Zero means [DefaultShutdownTimeout].
	ShutdownTimeout time.Duration

	// Now returns the current time. Nil means [time.Now]. Tests set it.
	Now func() time.Time
}

// Scheduler runs jobs on their schedules. Add the jobs, then call Run
// once. Its methods are safe for concurrent use.
type Scheduler struct {
	loc     *time.Location
	store   RunStore
	log     *slog.Logger
	metrics *metrics
	timeout time.Duration
	now     func() time.Time

	mu    sync.Mutex
	jobs  []*entry // guarded by mu, and no longer changed once Run starts
	state state    // guarded by mu

	runs sync.WaitGroup // job runs in progress
}

type state int

const (
	stateNew state = iota
	stateRunning
	stateStopped
)

// entry is a job with its parsed schedule and run state.
type entry struct {
	job      Job
	schedule *Schedule
	trigger  chan struct{} // capacity 1: a pending Trigger
	running  atomic.Bool   // a run of the job is in progress
}

// New returns a Scheduler without jobs. It fails if opts has no store,
// the default location cannot be loaded or the metrics cannot be
// registered.
func New(opts Options) (*Scheduler, error) {
	if opts.Store == nil {
		return nil, errors.New("new scheduler: Options.Store is required")
	}
	s := &Scheduler{
		loc:     opts.Location,
		store:   opts.Store,
		log:     opts.Logger,
		timeout: opts.ShutdownTimeout,
		now:     opts.Now,
	}
	if s.loc == nil {
		loc, err := time.LoadLocation(DefaultLocation)
		if err != nil {
			return nil, fmt.Errorf("new scheduler: %w", err)
		}
		s.loc = loc
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.timeout <= 0 {
		s.timeout = DefaultShutdownTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}

	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	s.metrics = m
	return s, nil
}

// Add adds j. It fails if j has no name or no Run function, if its name
// is taken, if its spec is invalid or if Run has started.
func (s *Scheduler) Add(j Job) error {
	if j.Name == "" {
		return errors.New("add job: name is empty")
	}
	if j.Run == nil {
		return fmt.Errorf("job %q: Run is nil", j.Name)
	}
	sched, err := Parse(j.Spec, s.loc)
	if err != nil {
		return fmt.Errorf("job %q: %w", j.Name, err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateNew {
		return fmt.Errorf("job %q: cannot add a job after Run has started", j.Name)
	}
	if slices.ContainsFunc(s.jobs, func(e *entry) bool { return e.job.Name == j.Name }) {
		return fmt.Errorf("job %q: a job with this name exists", j.Name)
	}
	s.jobs = append(s.jobs, &entry{job: j, schedule: sched, trigger: make(chan struct{}, 1)})
	s.metrics.addJob(j.Name)
	return nil
}

// Names returns the names of the jobs in the order they were added.
func (s *Scheduler) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, len(s.jobs))
	for i, e := range s.jobs {
		names[i] = e.job.Name
	}
	return names
}

// Trigger requests a run of the job named name as soon as possible,
// claimed for the current time truncated to the second. A run still in
// progress makes it a skipped tick, as on schedule. Before Run starts the
// request waits for it, and requests made while one is pending are merged
// into it.
func (s *Scheduler) Trigger(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateStopped {
		return fmt.Errorf("trigger job %q: %w", name, ErrStopped)
	}
	i := slices.IndexFunc(s.jobs, func(e *entry) bool { return e.job.Name == name })
	if i < 0 {
		return fmt.Errorf("trigger job %q: %w", name, ErrUnknownJob)
	}

	select {
	case s.jobs[i].trigger <- struct{}{}:
	default: // one is pending already
	}
	return nil
}

// Run runs the jobs on their schedules until ctx is cancelled. Then it
// starts no more runs and waits up to the shutdown timeout for those in
// progress. When the timeout expires it cancels their context and waits
// up to 5 s more for them to return. It returns nil when all runs ended
// in time, and otherwise an error that wraps [ErrShutdownTimeout] and
// names the jobs. Run may be called once.
func (s *Scheduler) Run(ctx context.Context) error {
	jobs, err := s.start()
	if err != nil {
		return err
	}
	s.log.Info("scheduler started", "jobs", len(jobs), "location", s.loc.String())
	for _, e := range jobs {
		// The gauge survives a restart, so that an alert on its age does
		// not fire only because the process is new.
		if at, ok, err := s.store.LastJobSuccess(ctx, e.job.Name); err != nil {
			s.log.Warn("read last successful run", "job", e.job.Name, "error", err)
		} else if ok {
			s.metrics.lastSuccess.WithLabelValues(e.job.Name).Set(float64(at.UnixNano()) / 1e9)
		}
	}

	// Runs keep the values of ctx but not its cancellation, so that they
	// can finish during the shutdown timeout.
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()

	var loops sync.WaitGroup
	for _, e := range jobs {
		loops.Go(func() { s.loop(ctx, runCtx, e) })
	}
	<-ctx.Done()
	s.setState(stateStopped)
	loops.Wait()

	s.log.Info("scheduler stopping", "running", len(s.runningJobs(jobs)))
	err = s.waitRuns(jobs, cancelRuns)
	s.log.Info("scheduler stopped")
	return err
}

// start moves s from new to running and returns its jobs.
func (s *Scheduler) start() ([]*entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateRunning:
		return nil, errors.New("run scheduler: Run is already running")
	case stateStopped:
		return nil, fmt.Errorf("run scheduler: %w", ErrStopped)
	}
	s.state = stateRunning
	return s.jobs, nil
}

func (s *Scheduler) setState(st state) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = st
}

// loop runs the missed tick of e, if any, then dispatches e's ticks and
// triggers until ctx is cancelled.
func (s *Scheduler) loop(ctx, runCtx context.Context, e *entry) {
	// Ticks up to start count as missed and later ones as scheduled, so
	// that a tick passing during the check is neither lost nor run twice.
	start := s.now()
	s.catchUp(ctx, runCtx, e, start)

	next := e.schedule.Next(start)
	for {
		timer := s.timerUntil(next)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-e.trigger:
			timer.Stop()
			s.dispatch(ctx, runCtx, e, s.now().In(s.loc).Truncate(time.Second))
		case <-timer.C:
			s.dispatch(ctx, runCtx, e, next)
			next = e.schedule.Next(later(next, s.now()))
		}
	}
}

// timerUntil returns a timer that fires at next, or never if next is zero
// because the schedule matches no more times.
func (s *Scheduler) timerUntil(next time.Time) *time.Timer {
	if next.IsZero() {
		t := time.NewTimer(time.Hour)
		t.Stop() // since Go 1.23 a stopped timer's channel stays empty
		return t
	}
	return time.NewTimer(next.Sub(s.now()))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// waitRuns waits for the runs in progress up to the shutdown timeout, then
// cancels them and waits up to cancelGrace for them to return.
func (s *Scheduler) waitRuns(jobs []*entry, cancelRuns context.CancelFunc) error {
	done := make(chan struct{})
	go func() {
		s.runs.Wait()
		close(done)
	}()

	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
	}

	late := s.runningJobs(jobs)
	cancelRuns()
	grace := time.NewTimer(cancelGrace)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
	}
	if len(late) == 0 {
		return nil
	}
	return fmt.Errorf("%w (%s): %s", ErrShutdownTimeout, s.timeout, strings.Join(late, ", "))
}

// runningJobs returns the names of the jobs with a run in progress.
func (s *Scheduler) runningJobs(jobs []*entry) []string {
	var names []string
	for _, e := range jobs {
		if e.running.Load() {
			names = append(names, e.job.Name)
		}
	}
	return names
}
