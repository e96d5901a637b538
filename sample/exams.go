package sample

import (
	"context"
	"strconv"
	"time"
)

var registrationHeader = []string{
	"AnmeldungsNr", "Vertragsnummer", "Pruefungsart", "Zeitraum", "Anmeldeschluss", "Status",
}

// maxRegistrations is the maximum number of exam registrations per
// contract. AnmeldungsNr reserves this many numbers for each contract.
const maxRegistrations = 3

// registration is one row of pruefungen.csv.
type registration struct {
	number   string
	contract string
	kind     string // Pruefungsart
	period   string // Zeitraum
	deadline time.Time
	status   string
}

func (e *registration) fields(dst []string) []string {
	return append(dst, e.number, e.contract, e.kind, e.period, formatDate(e.deadline), e.status)
}

// registrations appends the exam registrations of contract c to dst. A
// running contract gets its intermediate exam (ZP, or AP1 where the final
// exam is split) and final exam (AP or AP2) where the exam falls between two
// months ago and 15 months ahead, and sometimes a repeat exam (WP). A
// contract dissolved in the last half year sometimes keeps a rejected
// registration. Completed contracts get none.
func (g *generator) registrations(c *contract, dst []registration) []registration {
	r := newRNG(g.seed, streamRegistration, c.index)
	from, to := g.today.AddDate(0, -2, 0), g.today.AddDate(0, 15, 0)
	first, final := "ZP", "AP"
	if c.occupation.split {
		first, final = "AP1", "AP2"
	}
	middle := c.start.AddDate(0, c.occupation.months/2, 0)
	last := c.end.AddDate(0, -1, 0)

	start := len(dst)
	add := func(kind string, day time.Time) {
		dst = append(dst, g.registration(&r, c, kind, day, len(dst)-start))
	}
	switch c.status {
	case "EINGETRAGEN":
		if inRange(middle, from, to) && r.chance(0.8) {
			add(first, middle)
		}
		if inRange(last, from, to) && r.chance(0.8) {
			add(final, last)
		}
		if inRange(last, from, g.today.AddDate(1, 0, 0)) && r.chance(0.04) {
			add("WP", last.AddDate(0, 6, 0))
		}
	case "GELOEST":
		if c.dissolved.After(g.today.AddDate(0, -6, 0)) && r.chance(0.1) {
			add(final, c.dissolved.AddDate(0, 2, 0))
			dst[len(dst)-1].status = "ABGELEHNT"
		}
	}
	return dst
}

func inRange(t, from, to time.Time) bool {
	return !t.Before(from) && !t.After(to)
}

// registration returns registration k of contract c, for the exam period
// that holds day.
func (g *generator) registration(r *rng, c *contract, kind string, day time.Time,
	k int) registration {
	period, deadline := examPeriod(day)
	serial := strconv.FormatInt(maxRegistrations*int64(c.index)+int64(k)+1, 10)
	return registration{
		number:   "P-" + strconv.Itoa(day.Year()) + "-" + pad(serial, 4),
		contract: c.number,
		kind:     kind,
		period:   period,
		deadline: deadline,
		status:   registrationStatus(r, deadline, g.today),
	}
}

// examPeriod returns the exam period that holds day and the registration
// deadline for it. Winter periods span the turn of the year.
func examPeriod(day time.Time) (string, time.Time) {
	y := day.Year()
	date := func(year int, month time.Month, d int) time.Time {
		return time.Date(year, month, d, 0, 0, 0, 0, time.UTC)
	}
	switch m := day.Month(); {
	case m <= time.February:
		return winter(y - 1), date(y-1, time.September, 1)
	case m <= time.April:
		return "Frühjahr " + strconv.Itoa(y), date(y-1, time.November, 15)
	case m <= time.July:
		return "Sommer " + strconv.Itoa(y), date(y, time.February, 1)
	case m <= time.October:
		return "Herbst " + strconv.Itoa(y), date(y, time.May, 15)
	}
	return winter(y), date(y, time.September, 1)
}

// winter names the winter period that starts in year, like "Winter 2026/27".
func winter(year int) string {
	return "Winter " + strconv.Itoa(year) + "/" + pad(strconv.Itoa((year+1)%100), 2)
}

// registrationStatus draws a status that fits the deadline. Before the
// deadline the company still has to act or has confirmed. After it the
// chamber has mostly decided, and a few registrations are still open.
func registrationStatus(r *rng, deadline, today time.Time) string {
	if !deadline.Before(today) {
		if r.chance(0.65) {
			return "OFFEN"
		}
		return "BETRIEB_BESTAETIGT"
	}
	switch v := r.intn(100); {
	case v < 5:
		return "OFFEN"
	case v < 10:
		return "BETRIEB_BESTAETIGT"
	case v < 35:
		return "EINGEREICHT"
	case v < 90:
		return "ZUGELASSEN"
	}
	return "ABGELEHNT"
}

// writeRegistrations writes the registrations of every contract. It
// derives them from the base contracts, so pruefungen.csv is the same
// with and without changed contracts.
func (g *generator) writeRegistrations(ctx context.Context, f *csvFile) error {
	for n := range g.contracts {
		if err := checkContext(ctx, n); err != nil {
			return err
		}
		c := g.contract(n)
		g.exams = g.registrations(&c, g.exams[:0])
		for i := range g.exams {
			g.fields = g.exams[i].fields(g.fields[:0])
			if err := f.write(g.fields); err != nil {
				return err
			}
		}
	}
	return nil
}
