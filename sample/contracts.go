package sample

import (
	"context"
	"strconv"
	"time"
)

var contractHeader = []string{
	"Vertragsnummer", "AzubiNr", "Identnummer", "AusbilderNr", "Anrede", "Vorname", "Nachname",
	"Geburtsdatum", "EMail", "Berufsnummer", "Fachrichtung", "Beginn", "Ende", "Probezeit",
	"Teilzeit", "Status", "Loesungsdatum",
}

// switchShare is the share of trainees who leave their first company early
// and sign a second contract with another one.
const switchShare = 0.06

// trainee is the person behind one or two contracts, with the dates that
// link them. The trainee of contract t is trainee t. When trainee t
// switches companies, contract t+1 is its second contract.
type trainee struct {
	number     string // AzubiNr
	person     person
	birth      time.Time
	email      string
	occupation *occupation
	start      time.Time // Beginn of the first contract
	switches   bool
	dissolved  time.Time // Loesungsdatum of the first contract, when switches
	restart    time.Time // Beginn of the second contract, when switches
}

// switches reports whether trainee t has a second contract, t+1. Among the
// first eight trainees only trainee 2 switches, so that every package with
// at least eight contracts has such a trainee and all showcase trainees.
func (g *generator) switches(t int) bool {
	if t%2 == 1 || t+1 >= g.contracts {
		return false
	}
	if t < len(showcaseTrainees) {
		return t == 2
	}
	return hashChance(hashIndex(g.seed, streamSwitch, t), switchShare)
}

// showcaseTrainees overwrite the names of the first trainees, for accents,
// particles, an apostrophe, double names and every salutation. Contract 3
// belongs to trainee 2, so there is no trainee 3. Trainee 0 is born on
// 29 February.
var showcaseTrainees = []person{
	{"Herr", "Lukas", "von der Heide"},
	{"Frau", "Zoë", "D'Angelo"},
	{"", "Sören", "Meyer-Lüdenscheidt"},
	{},
	{"Frau", "Marie-Thérèse", "Öztürk-Weiß"},
	{"Herr", "José", "Çelik"},
	{"divers", "Kim", "de la Cruz"},
	{"Frau", "Ángela", "Gonçalves"},
}

func (g *generator) trainee(t int) trainee {
	r := newRNG(g.seed, streamTrainee, t)
	tr := trainee{number: "Z-" + strconv.Itoa(50001+t), switches: g.switches(t)}
	tr.person = g.names.person(&r)
	if t < len(showcaseTrainees) && showcaseTrainees[t].first != "" {
		tr.person = showcaseTrainees[t]
	}
	if r.chance(0.55) {
		tr.email = traineeAddress(&r, tr.person)
	}
	tr.occupation = g.pickOccupation(&r)

	// A switch must lie in the past, so trainees who switch started at
	// least one summer ago.
	year := g.today.Year() - r.intn(4)
	if tr.switches {
		year = g.today.Year() - 1 - r.intn(3)
	}
	tr.start = startDate(&r, year, tr.switches)
	tr.birth = birthDate(&r, tr.start)
	if t == 0 {
		tr.birth = leapBirthDate(tr.start)
	}

	if tr.switches {
		// The first contract ends within 11 months of its start, so before
		// the end of even a 12-month contract. The second one starts at most
		// three months later.
		from := tr.start.AddDate(0, 1, 0)
		days := min(300, int(g.today.Sub(from).Hours()/24))
		tr.dissolved = from.AddDate(0, 0, r.intn(days))
		tr.restart = firstOfMonth(tr.dissolved).AddDate(0, 1+r.intn(3), 0)
	}
	return tr
}

// pickOccupation draws an occupation by the weights in [occupations].
func (g *generator) pickOccupation(r *rng) *occupation {
	v := r.intn(g.occupationWeight)
	for i := range occupations {
		if v < occupations[i].weight {
			return &occupations[i]
		}
		v -= occupations[i].weight
	}
	return &occupations[len(occupations)-1]
}

// startDate draws the Beginn of a contract in the given year: mostly 1
// August or 1 September, sometimes another month.
func startDate(r *rng, year int, summerOnly bool) time.Time {
	month := time.August
	switch v := r.intn(10); {
	case v == 7 || v == 8:
		month = time.September
	case v == 9 && !summerOnly:
		month = time.Month(r.between(1, 12))
	}
	return time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
}

// birthDate draws a birth date for a trainee who is 15 to 25 years old at
// start, mostly 16 to 20.
func birthDate(r *rng, start time.Time) time.Time {
	age := pick(r, []int{15, 16, 16, 16, 17, 17, 17, 18, 18, 19, 19, 20, 21, 22, 23, 24})
	jan1 := time.Date(start.Year()-age-1, 1, 1, 0, 0, 0, 0, time.UTC)
	return jan1.AddDate(0, 0, r.intn(365))
}

// leapBirthDate returns 29 February of the last leap year at least 16
// years before start.
func leapBirthDate(start time.Time) time.Time {
	year := start.Year() - 16
	for year%4 != 0 || (year%100 == 0 && year%400 != 0) {
		year--
	}
	return time.Date(year, time.February, 29, 0, 0, 0, 0, time.UTC)
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// dayBetween returns a day drawn from [from, to]. The day to must not be
// before from.
func dayBetween(r *rng, from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, r.intn(days+1))
}

// contract is one row of vertraege.csv.
type contract struct {
	index          int
	number         string
	trainee        trainee
	company        int
	trainerIndex   int // -1: no trainer named
	occupation     *occupation
	specialisation string
	email          string
	start          time.Time
	end            time.Time
	probation      string
	partTime       bool
	status         string
	dissolved      time.Time // zero unless status is GELOEST
}

func (g *generator) contractCompany(n int) int {
	// Squaring the draw gives the first companies more contracts than the
	// last, as large companies train more.
	r := newRNG(g.seed, streamContractCompany, n)
	u := float64(r.next()>>11) / (1 << 53)
	return int(u * u * float64(g.companies))
}

// contract returns contract n as the base package has it, without changes.
func (g *generator) contract(n int) contract {
	t, second := n, false
	if n%2 == 1 && g.switches(n-1) {
		t, second = n-1, true
	}
	r := newRNG(g.seed, streamContract, n)
	c := contract{index: n, trainee: g.trainee(t), company: g.contractCompany(n), trainerIndex: -1}
	c.occupation, c.email = c.trainee.occupation, c.trainee.email

	if second && g.companies > 1 && c.company == g.contractCompany(n-1) {
		c.company = (c.company + 1) % g.companies
	}
	if r.chance(0.9) {
		c.trainerIndex = r.intn(g.trainerCount(c.company))
	}
	if specs := c.occupation.specialisations; len(specs) > 0 && r.chance(0.95) {
		c.specialisation = pick(&r, specs)
	}
	c.probation = pick(&r, []string{"4", "4", "4", "3", "3", "2", "1", ""})
	c.partTime = r.chance(0.05)

	if second {
		g.secondTerm(&c)
	} else {
		g.firstTerm(&c, &r)
	}
	c.number = strconv.Itoa(c.start.Year()) + "-" + pad(strconv.Itoa(n+1), 6)
	return c
}

// firstTerm sets the dates and status of a trainee's first contract.
func (g *generator) firstTerm(c *contract, r *rng) {
	months := c.occupation.months
	switch v := r.intn(100); {
	case v < 10:
		months -= 6 // shortened, for example after the Abitur
	case v < 13:
		months -= 12
	}
	if c.partTime && r.chance(0.5) {
		months += 6
	}
	c.start = c.trainee.start
	c.end = c.start.AddDate(0, months, -1)
	c.status = "EINGETRAGEN"

	switch {
	case c.trainee.switches:
		c.status, c.dissolved = "GELOEST", c.trainee.dissolved
	case c.end.Before(g.today):
		c.status = "BEENDET"
		if r.chance(0.08) {
			c.status = "GELOEST"
			c.dissolved = dayBetween(r, c.start.AddDate(0, 1, 0), c.end.AddDate(0, -1, 0))
		}
	case c.start.Before(g.today.AddDate(0, -1, 0)) && r.chance(0.07):
		c.status = "GELOEST"
		c.dissolved = dayBetween(r, c.start.AddDate(0, 0, 7), g.today.AddDate(0, 0, -1))
	}
}

// secondTerm sets the dates and status of the contract that follows a
// switch. It runs for the rest of the training period, at least 12 months.
func (g *generator) secondTerm(c *contract) {
	tr := &c.trainee
	served := (tr.dissolved.Year()-tr.start.Year())*12 + int(tr.dissolved.Month()-tr.start.Month())
	c.start = tr.restart
	c.end = c.start.AddDate(0, max(c.occupation.months-served, 12), -1)
	c.status = "EINGETRAGEN"
	if c.end.Before(g.today) {
		c.status = "BEENDET"
	}
}

func (c *contract) trainer() string {
	if c.trainerIndex < 0 {
		return ""
	}
	return trainerNumber(c.company, c.trainerIndex)
}

func (g *generator) contractFields(c *contract, dst []string) []string {
	p := &c.trainee.person
	partTime := "N"
	if c.partTime {
		partTime = "J"
	}
	dissolved := ""
	if !c.dissolved.IsZero() {
		dissolved = formatDate(c.dissolved)
	}
	return append(dst, c.number, c.trainee.number, g.ident(c.company), c.trainer(),
		p.salutation, p.first, p.last, formatDate(c.trainee.birth), c.email,
		c.occupation.number, c.specialisation, formatDate(c.start), formatDate(c.end),
		c.probation, partTime, c.status, dissolved)
}

// changed reports whether contract n differs from the base package, which
// is true for a share of about [Options.ChangedShare] of the contracts.
func (g *generator) changed(n int) bool {
	return g.changedShare > 0 && hashChance(hashIndex(g.seed, streamChange, n), g.changedShare)
}

// applyChange changes one field of contract c. It extends a running
// contract by six months, names another trainer of the same company, or
// gives the trainee a new e-mail address.
func (g *generator) applyChange(c *contract) {
	r := newRNG(g.seed, streamChangeValue, c.index)
	trainers := g.trainerCount(c.company)
	switch {
	case c.status == "EINGETRAGEN" && r.intn(2) == 0:
		c.end = c.end.AddDate(0, 0, 1).AddDate(0, 6, -1)
	case c.trainerIndex >= 0 && trainers > 1:
		c.trainerIndex = (c.trainerIndex + 1 + r.intn(trainers-1)) % trainers
	default:
		// No unchanged address uses example.com, so the new one always differs.
		p := &c.trainee.person
		suffix := strconv.Itoa(r.between(10, 99))
		c.email = fold(p.first) + "." + fold(p.last) + "." + suffix + "@example.com"
	}
}

func (g *generator) writeContracts(ctx context.Context, f *csvFile) error {
	for n := range g.contracts {
		if err := checkContext(ctx, n); err != nil {
			return err
		}
		changed := g.changed(n)
		if g.exportType == ExportDelta && !changed {
			continue
		}
		c := g.contract(n)
		if changed {
			g.applyChange(&c)
			g.changedCount++
		}
		g.fields = g.contractFields(&c, g.fields[:0])
		if err := f.write(g.fields); err != nil {
			return err
		}
	}
	return nil
}
