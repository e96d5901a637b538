package scheduler

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a cron spec evaluated in one location with the daylight
// saving rules of Vixie cron's cron(8) manual, which robfig/cron v3.0.1
// lacks. It implements [cron.Schedule].
//
// A spec is a wall-clock time when neither its minute nor its hour field
// starts with "*" or "?" (so "30 2 * * *", "0 7 * * 1-5" and "@daily").
// Such a time that a forward change skips runs once, at the first instant
// after the gap (02:30 becomes 03:00 summer time), and several times in
// one gap run once together. A time that a backward change repeats
// runs once, at its first occurrence.
//
// Every other spec ("*/5 * * * *", "0 * * * *", "@hourly") follows
// elapsed time: it runs at each matching local time that exists. So it
// runs at neither 02:00 nor 02:30 on the day the clock jumps from 02:00 to
// 03:00, and it runs in both 02:xx hours on the day the clock goes back.
//
// "@every d" runs at the multiples of d counted from 0001-01-01 00:00 UTC,
// the alignment of [time.Time.Truncate], so that instances started at
// different times agree on the ticks.
type Schedule struct {
	spec  string
	loc   *time.Location
	wall  *cron.SpecSchedule // matched against local times written as UTC
	every time.Duration      // non-zero for "@every", which leaves wall nil
	fixed bool               // wall-clock time: no wildcard in minute or hour
}

// Parse parses a five-field cron spec (minute, hour, day of month, month,
// day of week) or a descriptor such as "@daily" or "@every 5m", as
// [cron.ParseStandard] accepts them, to be evaluated in loc. It rejects a
// "CRON_TZ=" or "TZ=" prefix, because all jobs share the scheduler's
// location, and "@every" intervals that are not a whole number of seconds.
func Parse(spec string, loc *time.Location) (*Schedule, error) {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("invalid schedule %q: a time zone prefix is not supported, "+
			"all jobs run in the scheduler's location %s", spec, loc)
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		return parseEvery(spec, d, loc)
	}

	parsed, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w", spec, err)
	}
	cs, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("invalid schedule %q: unsupported schedule type %T", spec, parsed)
	}

	wall := *cs
	wall.Location = time.UTC
	return &Schedule{spec: spec, loc: loc, wall: &wall, fixed: isFixedTime(spec)}, nil
}

func parseEvery(spec, interval string, loc *time.Location) (*Schedule, error) {
	d, err := time.ParseDuration(strings.TrimSpace(interval))
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w", spec, err)
	}
	if d < time.Second || d%time.Second != 0 {
		return nil, fmt.Errorf("invalid schedule %q: interval must be a whole number of seconds, at least 1s", spec)
	}
	return &Schedule{spec: spec, loc: loc, every: d}, nil
}

// isFixedTime reports whether spec names wall-clock times, that is whether
// neither its minute nor its hour field is a wildcard.
func isFixedTime(spec string) bool {
	if strings.HasPrefix(spec, "@") {
		return spec != "@hourly"
	}
	fields := strings.Fields(spec)
	wildcard := func(f string) bool {
		return strings.HasPrefix(f, "*") || strings.HasPrefix(f, "?")
	}
	return len(fields) >= 2 && !wildcard(fields[0]) && !wildcard(fields[1])
}

// String returns the spec that s was parsed from.
func (s *Schedule) String() string {
	return s.spec
}

// Next returns the first activation after t, in s's location, or the zero
// time if the spec matches no time in the five years after t.
func (s *Schedule) Next(t time.Time) time.Time {
	switch {
	case s.every > 0:
		return t.Truncate(s.every).Add(s.every).In(s.loc)
	case s.fixed:
		return s.nextFixed(t)
	default:
		return s.nextElapsed(t)
	}
}

// nextFixed walks the local clock readings that the spec matches and
// returns the first one whose first instant is after t. A reading that
// already occurred before t is passed over, so the second occurrence of a
// repeated hour never runs.
func (s *Schedule) nextFixed(t time.Time) time.Time {
	w := localAsUTC(t, s.loc)
	for {
		w = s.wall.Next(w)
		if w.IsZero() {
			return time.Time{}
		}
		if at := firstInstant(w, s.loc); at.After(t) {
			return at
		}
	}
}

// nextElapsed searches one zone period (a span with a constant UTC
// offset) at a time, so that local clock readings that a change skips are
// never matched and readings that it repeats are matched in both periods.
func (s *Schedule) nextElapsed(t time.Time) time.Time {
	period, from := t, t
	for {
		local := period.In(s.loc)
		_, offset := local.Zone()
		_, end := local.ZoneBounds()

		w := s.wall.Next(from.UTC().Add(time.Duration(offset) * time.Second))
		if w.IsZero() {
			return time.Time{}
		}
		at := w.Add(-time.Duration(offset) * time.Second)
		if end.IsZero() || at.Before(end) {
			return at.In(s.loc)
		}

		// Continue in the next period. Searching from just before its
		// start lets its first second match.
		period, from = end, end.Add(-time.Nanosecond)
	}
}

// localAsUTC returns the clock reading of t in loc as a UTC time, so that
// cron matching on it is free of offset changes.
func localAsUTC(t time.Time, loc *time.Location) time.Time {
	_, offset := t.In(loc).Zone()
	return t.UTC().Add(time.Duration(offset) * time.Second)
}

// firstInstant returns the earliest instant whose clock reading in loc is
// w, a reading written as UTC. For a reading that a forward change skips
// it returns the instant of the change, the first valid one after the
// gap.
//
// NOTE: the result is right only if loc changes its offset at most once
// within a day of w, as Europe/Berlin does.
func firstInstant(w time.Time, loc *time.Location) time.Time {
	_, before := w.Add(-24 * time.Hour).In(loc).Zone()
	_, after := w.Add(24 * time.Hour).In(loc).Zone()

	var first time.Time
	for _, offset := range []int{before, after} {
		at := w.Add(-time.Duration(offset) * time.Second)
		if localAsUTC(at, loc).Equal(w) && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if first.IsZero() {
		// In a gap, w read with the earlier offset lands just after the
		// change, in the new zone period, which starts at the change.
		first, _ = w.Add(-time.Duration(before) * time.Second).In(loc).ZoneBounds()
	}
	return first.In(loc)
}
