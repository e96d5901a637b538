package sample

import (
	"strconv"
	"strings"
)

// person is the salutation and name of a trainer or trainee.
type person struct {
	salutation string // Frau, Herr, divers or empty
	first      string
	last       string
}

// names holds the name lists for one package. Lists for Windows-1252
// packages contain only names that the code page can encode.
type names struct {
	female    []string
	male      []string
	unisex    []string
	surnames  []string
	particles []string
}

func newNames(unicode bool) names {
	return names{
		female:    femaleNames.join(unicode),
		male:      maleNames.join(unicode),
		unisex:    unisexNames.join(unicode),
		surnames:  surnames.join(unicode),
		particles: particleSurnames.join(unicode),
	}
}

// person draws a salutation and a first name that goes with it. About one
// in twelve persons has the salutation divers or none.
func (n *names) person(r *rng) person {
	var p person
	switch v := r.intn(100); {
	case v < 46:
		p.salutation, p.first = "Frau", pick(r, n.female)
	case v < 92:
		p.salutation, p.first = "Herr", pick(r, n.male)
	case v < 95:
		p.salutation, p.first = "divers", pick(r, n.unisex)
	default:
		p.first = pick(r, [][]string{n.female, n.male, n.unisex}[r.intn(3)])
	}
	p.last = n.surname(r)
	return p
}

// surname draws a plain surname, a double name or one with a particle.
func (n *names) surname(r *rng) string {
	switch v := r.intn(100); {
	case v < 8:
		first, second := pick(r, n.surnames), pick(r, n.surnames)
		if first == second {
			return first
		}
		return first + "-" + second
	case v < 14:
		return pick(r, n.particles)
	default:
		return pick(r, n.surnames)
	}
}

// traineeAddress returns a private e-mail address for a trainee.
func traineeAddress(r *rng, p person) string {
	first, last := fold(p.first), fold(p.last)
	switch r.intn(4) {
	case 0:
		return first + "." + last + "@example.org"
	case 1:
		return first + "." + last + strconv.Itoa(r.between(1, 99)) + "@example.net"
	case 2:
		return first[:1] + "." + last + "@example.org"
	default:
		return last + "." + first + "@example.net"
	}
}

// workAddress returns a trainer's e-mail address at the company's domain.
func workAddress(r *rng, p person, domain string) string {
	if r.intn(2) == 0 {
		return fold(p.first)[:1] + "." + fold(p.last) + "@" + domain
	}
	return fold(p.first) + "." + fold(p.last) + "@" + domain
}

// asciiLetters spells the lower-case letters of the name lists in ASCII,
// the way German e-mail addresses and domains commonly do.
var asciiLetters = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss",
	'á': "a", 'à': "a", 'â': "a", 'ą': "a", 'ç': "c", 'č': "c", 'ć': "c", 'đ': "d",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ễ': "e", 'ğ': "g",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ı': "i", 'ị': "i", 'ł': "l", 'ñ': "n",
	'ó': "o", 'ò': "o", 'ô': "o", 'ọ': "o", 'ř': "r", 'ş': "s", 'š': "s", 'ś': "s",
	'ú': "u", 'ù': "u", 'û': "u", 'ũ': "u", 'ứ': "u", 'ạ': "a", 'ầ': "a", 'ã': "a", 'ý': "y",
}

// fold spells a name in lower-case ASCII for an e-mail address: umlauts
// become ae, oe, ue, accents are dropped and so is every character other
// than a letter, a digit or a hyphen. A name with none of these folds to x.
func fold(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			b.WriteRune(c)
		default:
			b.WriteString(asciiLetters[c])
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

// legalForms are words of company names that domains usually leave out.
var legalForms = map[string]bool{
	"gmbh": true, "co": true, "kg": true, "ag": true, "e": true, "k": true, "ohg": true,
	"eg": true, "mbh": true, "partner": true, "und": true,
}

// domain derives a company's mail domain from its name, for example
// mueller-soehne-feinmechanik.example. The .example top-level domain is
// reserved, so no generated address reaches anyone.
func domain(companyName string) string {
	words := strings.FieldsFunc(companyName, func(c rune) bool {
		return c == ' ' || c == '-' || c == '&' || c == '"' || c == '.' || c == '„' || c == '“'
	})
	var b strings.Builder
	n := 0
	for _, w := range words {
		f := strings.Trim(fold(w), "-")
		if f == "x" || f == "" || legalForms[f] {
			continue
		}
		if n > 0 {
			b.WriteByte('-')
		}
		b.WriteString(f)
		if n++; n == 3 {
			break
		}
	}
	if n == 0 {
		b.WriteString("betrieb")
	}
	b.WriteString(".example")
	return b.String()
}
