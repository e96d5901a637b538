package sample

import (
	"context"
	"strconv"
	"strings"
)

var companyHeader = []string{
	"Identnummer", "UebergeordneteIdentnummer", "Name1", "Name2", "Strasse", "PLZ", "Ort",
	"Telefon", "EMail", "Aktivierungscode", "Status",
}

var trainerHeader = []string{
	"AusbilderNr", "Identnummer", "Anrede", "Titel", "Vorname", "Nachname", "EMail", "EignungSeit",
	"Status",
}

// groupSize is the number of consecutive companies that form a group: the
// first is a head company and the next ones may be its sites.
const groupSize = 8

// maxTrainers is the maximum number of trainers per company. AusbilderNr
// reserves this many numbers for each company.
const maxTrainers = 4

// company is one row of betriebe.csv.
type company struct {
	ident    string
	parent   string
	name1    string
	name2    string
	street   string
	postcode string
	town     string
	phone    string
	email    string
	code     string
	status   string
	domain   string // mail domain derived from name1, not a column
}

func (c *company) fields(dst []string) []string {
	return append(dst, c.ident, c.parent, c.name1, c.name2, c.street, c.postcode, c.town,
		c.phone, c.email, c.code, c.status)
}

// ident returns the Identnummer of company i. Numbers are unique across the
// package: the first nine companies get 1 to 9, the others numbers from
// 20000 up with gaps. Three in eight are padded with leading zeros to 7 or
// 10 digits.
func (g *generator) ident(i int) string {
	h := hashIndex(g.seed, streamIdent, i)
	n := uint64(i + 1)
	if i >= 9 {
		n = 20000 + uint64(i-9)*3 + h%3
	}
	s := strconv.FormatUint(n, 10)
	switch (h >> 8) % 8 {
	case 0, 1:
		return pad(s, 7)
	case 2:
		return pad(s, 10)
	}
	return s
}

func pad(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}

// head returns the index of the head company of site i, or -1 if company i
// is a head company.
func (g *generator) head(i int) int {
	first := i - i%groupSize
	if i == first || i%groupSize > g.siteCount(first/groupSize) {
		return -1
	}
	return first
}

// siteCount returns how many sites follow the head company of a group.
// Group 0 always has one, so that small packages contain a site too.
func (g *generator) siteCount(group int) int {
	if group == 0 {
		return 1
	}
	switch h := hashIndex(g.seed, streamSites, group) % 100; {
	case h < 70:
		return 0
	case h < 85:
		return 1
	case h < 95:
		return 2
	}
	return groupSize - 1
}

// trainerCount returns how many trainers company i has, 1 to maxTrainers.
func (g *generator) trainerCount(i int) int {
	switch h := hashIndex(g.seed, streamTrainerCount, i) % 100; {
	case h < 55:
		return 1
	case h < 85:
		return 2
	case h < 95:
		return 3
	}
	return maxTrainers
}

// trainerNumber returns the AusbilderNr of trainer j of company i.
func trainerNumber(i, j int) string {
	return "A-" + strconv.FormatInt(1001+maxTrainers*int64(i)+int64(j), 10)
}

// companyName returns the name of head company i. Sites repeat the name of
// their head company.
func (g *generator) companyName(i int) string {
	r := newRNG(g.seed, streamCompanyName, i)
	last := pick(&r, g.names.surnames)
	branch := pick(&r, companyBranches)
	switch r.intn(16) {
	case 0, 1, 2:
		return last + " " + branch + " GmbH"
	case 3:
		return last + " & " + pick(&r, g.names.surnames) + " " + branch + " GmbH & Co. KG"
	case 4:
		return last + " & Söhne " + branch + " GmbH"
	case 5:
		return "Bäckerei " + last + " e. K."
	case 6:
		return "Autohaus " + last + " GmbH"
	case 7:
		return "Stadtwerke " + pick(&r, towns).name + " GmbH"
	case 8:
		return "Hotel " + last + " KG"
	case 9:
		return last + " Logistik – " + pick(&r, towns).name + " GmbH"
	case 10:
		return "Spedition " + last + " GmbH"
	case 11:
		return last + " IT-Service GmbH"
	case 12:
		return "Drogeriemarkt " + last + " OHG"
	case 13:
		return last + " " + branch + " AG"
	case 14:
		return strings.Replace(pick(&r, specialCompanyNames), "%s", last, 1)
	}
	return last + " " + branch + " GmbH & Co. KG"
}

// company returns company i. It is a site when [generator.head] returns a
// head company for it. A site has its own address but the name of its head
// company.
func (g *generator) company(i int) company {
	r := newRNG(g.seed, streamCompany, i)
	c := company{ident: g.ident(i), status: "AKTIV"}
	t := pick(&r, towns)
	c.postcode, c.town = t.postcode, t.name

	if h := g.head(i); h >= 0 {
		c.parent = g.ident(h)
		c.name1 = g.companyName(h)
		c.name2 = pick(&r, siteLines) + " " + t.name
	} else {
		c.name1 = g.companyName(i)
		if r.chance(0.1) {
			c.name2 = pick(&r, secondLines)
		}
	}
	c.street = street(&r)

	if r.chance(0.8) {
		c.phone = phone(&r, t.areaCode)
	}
	mailbox := ""
	if r.chance(0.6) {
		mailbox = pick(&r, mailboxes)
	}
	if r.chance(0.06) {
		c.status = "GELOESCHT"
	}
	if c.status == "AKTIV" && r.chance(0.75) {
		c.code = activationCode(&r)
	}
	if i < len(showcaseCompanies) {
		showcaseCompanies[i](&c)
	}

	c.domain = domain(c.name1)
	if mailbox != "" {
		c.email = mailbox + "@" + c.domain
	}
	return c
}

// DemoActivationCode is the activation code of the first company of every
// generated package, so that the demo can be tried without the letter.
const DemoActivationCode = "K7QM-2XHD-9PLA"

// showcaseCompanies overwrite fields of the first companies, so that every
// package with at least five companies contains each hard case. These are
// all umlauts, ß, the en dash, the euro sign, and quoted fields with a
// separator, a quote and a line break. Company 1 is a site of company 0.
var showcaseCompanies = []func(c *company){
	func(c *company) {
		c.name1, c.name2 = "Müller & Söhne Feinmechanik GmbH", ""
		c.street, c.postcode, c.town = "Königsbrücker Str. 12", "01099", "Dresden"
		c.phone = "0351 4711000"
		c.code = DemoActivationCode
	},
	func(c *company) {
		c.name1, c.name2 = "Müller & Söhne Feinmechanik GmbH", "Niederlassung Süd; Lager"
		c.street, c.postcode, c.town = "Hinterhaus\nMarienstraße 5", "01067", "Dresden"
		c.phone = ""
	},
	func(c *company) {
		c.name1, c.name2 = "Bäckerei Weiß e. K.", "Backstube – Ausbildung"
		c.street, c.postcode, c.town = "Große Gasse 3", "04109", "Leipzig"
		c.phone = "0341 209310"
	},
	func(c *company) {
		c.name1, c.name2, c.status, c.code = `Café "Zum Anker" GmbH`, "", "GELOESCHT", ""
		c.street, c.postcode, c.town = "Am Hafen 1", "53111", "Bonn"
		c.phone = ""
	},
	func(c *company) {
		c.name1, c.name2 = "Özdemir & Ünal Ärztebedarf OHG", "1-€-Shop – Filiale Überlingen"
		c.street, c.postcode, c.town = "Hafenstraße 5–7", "88662", "Überlingen"
		c.phone = "+49 7551 310070"
	},
}

// street draws a street and house number. About one in forty streets spans
// two lines.
func street(r *rng) string {
	name := pick(r, streets)
	n := r.between(1, 120)
	switch r.intn(40) {
	case 0:
		return pick(r, multilineStreets)
	case 1, 2:
		return name + " " + strconv.Itoa(n) + string(rune('a'+r.intn(3)))
	case 3:
		return name + " " + strconv.Itoa(n) + "–" + strconv.Itoa(n+2)
	}
	return name + " " + strconv.Itoa(n)
}

func phone(r *rng, areaCode string) string {
	number := strconv.Itoa(r.between(100000, 9999999))
	switch r.intn(4) {
	case 0:
		return "+49 " + areaCode[1:] + " " + number
	case 1:
		return areaCode + "/" + number
	}
	return areaCode + " " + number
}

// codeAlphabet leaves out 0, 1, I and O, which are easily confused in print.
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// activationCode returns a code of three groups of four, like K7QM-2XHD-9PLA.
func activationCode(r *rng) string {
	var b [14]byte
	for i := range b {
		if i%5 == 4 {
			b[i] = '-'
			continue
		}
		b[i] = codeAlphabet[r.intn(len(codeAlphabet))]
	}
	return string(b[:])
}

func (g *generator) writeCompanies(ctx context.Context, f *csvFile) error {
	for i := range g.companies {
		if err := checkContext(ctx, i); err != nil {
			return err
		}
		c := g.company(i)
		g.fields = c.fields(g.fields[:0])
		if err := f.write(g.fields); err != nil {
			return err
		}
	}
	return nil
}

// trainer is one row of ausbilder.csv.
type trainer struct {
	number   string
	ident    string
	person   person
	title    string
	email    string
	aptitude string // EignungSeit
	status   string
}

func (t *trainer) fields(dst []string) []string {
	return append(dst, t.number, t.ident, t.person.salutation, t.title, t.person.first,
		t.person.last, t.email, t.aptitude, t.status)
}

// trainer returns trainer j of company c, which is company i.
func (g *generator) trainer(c *company, i, j int) trainer {
	r := newRNG(g.seed, streamTrainer, maxTrainers*i+j)
	t := trainer{number: trainerNumber(i, j), ident: c.ident, status: "AKTIV"}
	t.person = g.names.person(&r)
	if r.chance(0.12) {
		t.title = pick(&r, titles)
	}
	if r.chance(0.7) {
		t.email = workAddress(&r, t.person, c.domain)
	}
	if r.chance(0.8) {
		since := g.today.AddDate(-r.between(0, 35), 0, -r.intn(365))
		t.aptitude = formatDate(since)
	}
	if c.status == "GELOESCHT" || r.chance(0.1) {
		t.status = "AUSGESCHIEDEN"
	}
	return t
}

func (g *generator) writeTrainers(ctx context.Context, f *csvFile) error {
	for i := range g.companies {
		if err := checkContext(ctx, i); err != nil {
			return err
		}
		c := g.company(i)
		for j := range g.trainerCount(i) {
			t := g.trainer(&c, i, j)
			g.fields = t.fields(g.fields[:0])
			if err := f.write(g.fields); err != nil {
				return err
			}
		}
	}
	return nil
}
