package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// finishTimeout bounds the write of a run's outcome, which must succeed
// even after the run's context was cancelled.
const finishTimeout = 10 * time.Second

// errPreviousRunning is the error text of a tick skipped because of a run
// in progress.
const errPreviousRunning = "previous run still running"

// dispatch claims the tick of e at scheduledAt and, if this instance won
// the claim, starts the run in its own goroutine. A run already in
// progress turns the tick into a skipped one.
func (s *Scheduler) dispatch(ctx, runCtx context.Context, e *entry, scheduledAt time.Time) {
	name := e.job.Name
	id, ok, err := s.store.ClaimJobRun(ctx, name, scheduledAt)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("job run not started: claim failed",
				"job", name, "scheduled_at", scheduledAt, "error", err)
		}
		return
	}
	if !ok {
		s.log.Debug("job run claimed by another instance", "job", name, "scheduled_at", scheduledAt)
		return
	}

	// The flag keeps runs of this instance apart; the store's lock those
	// of different instances, whose ticks differ.
	log := s.log.With("job", name, "run_id", id, "scheduled_at", scheduledAt)
	if !e.running.CompareAndSwap(false, true) {
		s.metrics.observeOverlap(name)
		log.Warn("job run skipped: previous run still running")
		s.finish(ctx, log, id, OutcomeSkipped, errPreviousRunning)
		return
	}
	unlock, ok, err := s.store.LockJob(runCtx, name)
	if err != nil || !ok {
		e.running.Store(false)
		s.metrics.observeOverlap(name)
		if err != nil {
			log.Error("job run skipped: lock failed", "error", err)
		} else {
			log.Warn("job run skipped: previous run still running on another instance")
		}
		s.finish(ctx, log, id, OutcomeSkipped, errPreviousRunning)
		return
	}

	s.runs.Go(func() { s.execute(runCtx, log, e, id, unlock) })
}

// execute runs e as run id, records its outcome, releases the job's lock
// with unlock and clears e.running.
func (s *Scheduler) execute(ctx context.Context, log *slog.Logger, e *entry, id int64, unlock func()) {
	name := e.job.Name
	log.Info("job started")
	s.metrics.running.WithLabelValues(name).Set(1)

	start := time.Now()
	res := call(ctx, e.job.Run)
	elapsed := time.Since(start)

	s.metrics.running.WithLabelValues(name).Set(0)
	errText := ""
	if res.err != nil {
		errText = res.err.Error()
	}
	s.finish(ctx, log, id, res.outcome, errText)
	s.metrics.observeRun(name, res.outcome, elapsed, s.now())
	// Released before the end is logged, so that once "job finished" is
	// logged the next tick can run on any instance.
	unlock()
	e.running.Store(false)

	attrs := []any{"outcome", res.outcome, "duration_ms", elapsed.Milliseconds()}
	switch res.outcome {
	case OutcomeOK:
		log.Info("job finished", attrs...)
	case OutcomePanic:
		log.Error("job finished", append(attrs, "error", res.err, "stack", string(res.stack))...)
	default:
		log.Error("job finished", append(attrs, "error", res.err)...)
	}
}

// result is the end of a run: its outcome, its error and, for a panic,
// the stack.
type result struct {
	outcome string
	err     error
	stack   []byte
}

// call runs the job function run and returns its result. A panic is
// recovered and returned as an error, with the stack of the panicking
// goroutine.
func call(ctx context.Context, run func(context.Context) error) (res result) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		res = result{outcome: OutcomePanic, stack: debug.Stack()}
		if err, ok := v.(error); ok {
			res.err = fmt.Errorf("panic: %w", err)
		} else {
			res.err = fmt.Errorf("panic: %v", v)
		}
	}()

	if err := run(ctx); err != nil {
		return result{outcome: OutcomeError, err: err}
	}
	return result{outcome: OutcomeOK}
}

// finish records the outcome of run id. It writes even when ctx is
// cancelled, because a cancelled run must still be recorded.
func (s *Scheduler) finish(ctx context.Context, log *slog.Logger, id int64, outcome, errText string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if err := s.store.FinishJobRun(ctx, id, outcome, errText); err != nil {
		log.Error("record job run outcome failed", "outcome", outcome, "error", err)
	}
}

// catchUp runs e once if a tick after its last recorded run and not after
// now passed while no instance ran it. A job without recorded runs is left
// to its schedule.
func (s *Scheduler) catchUp(ctx, runCtx context.Context, e *entry, now time.Time) {
	last, ok, err := s.store.LastJobRun(ctx, e.job.Name)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("missed runs not checked: reading last run failed", "job", e.job.Name, "error", err)
		}
		return
	}
	if !ok {
		return
	}

	tick, ok := missedTick(e.schedule, last, now)
	if !ok {
		return
	}
	s.log.Info("job missed a run while no instance was running: running it now",
		"job", e.job.Name, "scheduled_at", tick)
	s.dispatch(ctx, runCtx, e, tick)
}

// missedTick returns the latest tick of sched after last and not after
// now. It looks back from now over doubling windows, so that a schedule
// with many ticks since last is not walked tick by tick.
func missedTick(sched *Schedule, last, now time.Time) (time.Time, bool) {
	for back := time.Minute; ; back *= 2 {
		from := now.Add(-back)
		if from.Before(last) {
			from = last
		}

		if tick := sched.Next(from); !tick.IsZero() && !tick.After(now) {
			for {
				next := sched.Next(tick)
				if next.IsZero() || next.After(now) {
					return tick, true
				}
				tick = next
			}
		}
		if from.Equal(last) {
			return time.Time{}, false
		}
	}
}
