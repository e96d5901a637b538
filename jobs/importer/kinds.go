package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"asta/schema"
)

// fieldType is the kind of value a column holds, which decides how its
// text is checked and converted.
type fieldType int

const (
	fText fieldType = iota
	fIdent
	fDigits // 1 to 10 digits, kept as text
	fDate
	fFlag
	fInt
	fEnum
	fCode // activation code, stored as a hash
)

// column is one CSV column of a data file and the database column it
// fills. An empty db means the value is only checked.
type column struct {
	csv      string
	db       string
	typ      fieldType
	required bool
	enum     []string
	min, max int    // range of an fInt
	ref      string // file name of the kind this column refers to
}

// kind describes one data file of a package.
type kind struct {
	file    string
	table   string
	columns []column // the first is the key
	// trainee holds the columns of vertraege.csv that also fill trainees.
	trainee []string
}

var (
	salutations = []string{"Frau", "Herr", "divers"}
	kindsByFile = map[string]*kind{}
)

// kinds lists the data files in the order a package is applied, because
// later files refer to earlier ones.
var kinds = []*kind{
	{
		file: "berufe.csv", table: "occupations",
		columns: []column{
			{csv: "Berufsnummer", db: "number", typ: fIdent, required: true},
			{csv: "Bezeichnung", db: "name", typ: fText, required: true},
			{csv: "Dauer", db: "duration_months", typ: fEnum, enum: []string{"24", "36", "42"}},
			{csv: "Gestreckt", db: "split_exam", typ: fFlag},
		},
	},
	{
		file: "betriebe.csv", table: "companies",
		columns: []column{
			{csv: "Identnummer", db: "ident", typ: fDigits, required: true},
			{csv: "UebergeordneteIdentnummer", db: "head_ident", typ: fDigits, ref: "betriebe.csv"},
			{csv: "Name1", db: "name1", typ: fText, required: true},
			{csv: "Name2", db: "name2", typ: fText},
			{csv: "Strasse", db: "street", typ: fText},
			{csv: "PLZ", db: "postcode", typ: fIdent},
			{csv: "Ort", db: "town", typ: fText},
			{csv: "Telefon", db: "phone", typ: fText},
			{csv: "EMail", db: "email", typ: fText},
			{csv: "Aktivierungscode", db: "code_hash", typ: fCode},
			{csv: "Status", db: "status", typ: fEnum, required: true, enum: []string{"AKTIV", "GELOESCHT"}},
		},
	},
	{
		file: "ausbilder.csv", table: "trainers",
		columns: []column{
			{csv: "AusbilderNr", db: "number", typ: fIdent, required: true},
			{csv: "Identnummer", db: "company_ident", typ: fDigits, required: true, ref: "betriebe.csv"},
			{csv: "Anrede", db: "salutation", typ: fEnum, enum: salutations},
			{csv: "Titel", db: "title", typ: fText},
			{csv: "Vorname", db: "first_name", typ: fText, required: true},
			{csv: "Nachname", db: "last_name", typ: fText, required: true},
			{csv: "EMail", db: "email", typ: fText},
			{csv: "EignungSeit", db: "aptitude_since", typ: fDate},
			{csv: "Status", db: "status", typ: fEnum, required: true, enum: []string{"AKTIV", "AUSGESCHIEDEN"}},
		},
	},
	{
		file: "vertraege.csv", table: "contracts",
		columns: []column{
			{csv: "Vertragsnummer", db: "number", typ: fIdent, required: true},
			{csv: "AzubiNr", db: "trainee_number", typ: fIdent, required: true},
			{csv: "Identnummer", db: "company_ident", typ: fDigits, required: true, ref: "betriebe.csv"},
			{csv: "AusbilderNr", db: "trainer_number", typ: fIdent, ref: "ausbilder.csv"},
			{csv: "Anrede", db: "salutation", typ: fEnum, enum: salutations},
			{csv: "Vorname", db: "first_name", typ: fText, required: true},
			{csv: "Nachname", db: "last_name", typ: fText, required: true},
			{csv: "Geburtsdatum", db: "birth_date", typ: fDate, required: true},
			{csv: "EMail", db: "email", typ: fText},
			{csv: "Berufsnummer", db: "occupation_number", typ: fIdent, required: true, ref: "berufe.csv"},
			{csv: "Fachrichtung", db: "specialisation", typ: fText},
			{csv: "Beginn", db: "start_date", typ: fDate, required: true},
			{csv: "Ende", db: "end_date", typ: fDate, required: true},
			{csv: "Probezeit", db: "probation_months", typ: fInt, min: 1, max: 4},
			{csv: "Teilzeit", db: "part_time", typ: fFlag},
			{csv: "Status", db: "status", typ: fEnum, required: true,
				enum: []string{"EINGETRAGEN", "GELOEST", "BEENDET"}},
			{csv: "Loesungsdatum", db: "terminated_on", typ: fDate},
		},
		trainee: []string{"salutation", "first_name", "last_name", "birth_date", "email"},
	},
	{
		file: "pruefungen.csv", table: "exam_registrations",
		columns: []column{
			{csv: "AnmeldungsNr", db: "number", typ: fIdent, required: true},
			{csv: "Vertragsnummer", db: "contract_number", typ: fIdent, required: true, ref: "vertraege.csv"},
			{csv: "Pruefungsart", db: "exam_type", typ: fEnum, required: true,
				enum: []string{"ZP", "AP", "AP1", "AP2", "WP"}},
			{csv: "Zeitraum", db: "period", typ: fText, required: true},
			{csv: "Anmeldeschluss", db: "deadline", typ: fDate, required: true},
			{csv: "Status", db: "status", typ: fEnum, required: true,
				enum: []string{"OFFEN", "BETRIEB_BESTAETIGT", "EINGEREICHT", "ZUGELASSEN", "ABGELEHNT"}},
		},
	},
}

func init() {
	for _, k := range kinds {
		kindsByFile[k.file] = k
	}
}

func (k *kind) isTraineeColumn(db string) bool {
	for _, t := range k.trainee {
		if t == db {
			return true
		}
	}
	return false
}

// fieldError is a problem with one value of a record.
type fieldError struct {
	column string
	value  string
	reason string
}

// valueSlot is the storage of one converted text or date, to which a row
// points. A pointer fits in an interface value without an allocation of
// its own, unlike a string or a date.
type valueSlot struct {
	text string
	date schema.Date
}

// convert checks one value and returns what the database stores: nil for
// an empty value, else text (a *string into slot, which textOf reads), a
// date (a *schema.Date into slot, which dateOf reads), a bool or an int.
func (c *column) convert(v string, slot *valueSlot) (any, *fieldError) {
	if v == "" {
		if c.required {
			return nil, &fieldError{c.csv, v, "required value is missing"}
		}
		return nil, nil
	}
	if ferr := c.checkText(v); ferr != nil {
		return nil, ferr
	}

	switch c.typ {
	case fDigits:
		if len(v) > 10 || strings.Trim(v, "0123456789") != "" {
			return nil, &fieldError{c.csv, v, fmt.Sprintf("invalid %s %q: want 1 to 10 digits", c.csv, v)}
		}
	case fDate:
		d, err := schema.ParseDate(v)
		if err != nil {
			return nil, &fieldError{c.csv, v, fmt.Sprintf("invalid date %q: want an existing day as TT.MM.JJJJ", v)}
		}
		slot.date = d
		return &slot.date, nil
	case fFlag:
		switch v {
		case "J":
			return true, nil
		case "N":
			return false, nil
		}
		return nil, &fieldError{c.csv, v, fmt.Sprintf("invalid flag %q: want J or N", v)}
	case fInt:
		n, err := strconv.Atoi(v)
		if err != nil || n < c.min || n > c.max {
			return nil, &fieldError{c.csv, v, fmt.Sprintf("invalid %s %q: want a whole number from %d to %d",
				c.csv, v, c.min, c.max)}
		}
		return n, nil
	case fEnum:
		for _, e := range c.enum {
			if v == e {
				if c.db == "duration_months" {
					n, _ := strconv.Atoi(v)
					return n, nil
				}
				slot.text = v
				return &slot.text, nil
			}
		}
		return nil, &fieldError{c.csv, v, fmt.Sprintf("unknown %s %q: want one of %s",
			c.csv, v, strings.Join(c.enum, ", "))}
	case fCode:
		code := NormalizeActivationCode(v)
		if code == "" || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			// The value stays out of the report, because no user may see an
			// activation code.
			return nil, &fieldError{c.csv, "", "invalid activation code: want letters and digits in groups such as K7QM-2XHD-9PLA"}
		}
		slot.text = HashActivationCode(code)
		return &slot.text, nil
	}
	slot.text = v
	return &slot.text, nil
}

// textOf returns the text of a value that convert returned, or "" for
// any other value.
func textOf(v any) string {
	if p, ok := v.(*string); ok {
		return *p
	}
	return ""
}

// dateOf returns the date of a value that convert returned, or the zero
// date for any other value.
func dateOf(v any) schema.Date {
	if p, ok := v.(*schema.Date); ok {
		return *p
	}
	return schema.Date{}
}

// plainValue returns a value that convert returned as a string or date
// instead of a pointer to one, for database/sql.
func plainValue(v any) any {
	switch p := v.(type) {
	case *string:
		return *p
	case *schema.Date:
		return *p
	}
	return v
}

// Limits on the length of values, in characters: identifiers are short
// codes, and no name or address line of the register comes near the
// limit for text.
const (
	maxIdentLen = 64
	maxTextLen  = 1000
)

// checkText rejects control characters, which no value of the register
// contains (a line break only in text, such as a two-line street), and
// values beyond the length limits. Identifiers must consist of visible
// characters, so that an invisible one cannot make two keys look alike.
func (c *column) checkText(v string) *fieldError {
	ident := c.typ == fIdent || c.typ == fDigits
	limit := maxTextLen
	if ident {
		limit = maxIdentLen
	}
	if len(v) > limit { // a rune has at least one byte
		if n := utf8.RuneCountInString(v); n > limit {
			return &fieldError{c.csv, v[:min(len(v), 80)] + "…",
				fmt.Sprintf("%s has %d characters, more than the %d allowed", c.csv, n, limit)}
		}
	}
	if plainASCII(v, ident && c.db != "postcode") {
		return nil // the common case, checked byte by byte
	}
	for _, r := range v {
		switch {
		case r == '\n' && !ident, r == '\t' && !ident:
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			// The value is shown escaped: a NUL byte cannot even be stored.
			shown := strings.Trim(strconv.QuoteToGraphic(v), `"`)
			return &fieldError{c.csv, shown, fmt.Sprintf("%s contains the invisible or control character %U", c.csv, r)}
		case ident && c.db != "postcode" && unicode.IsSpace(r): // foreign postcodes have spaces
			return &fieldError{c.csv, v, fmt.Sprintf("%s %q contains a space", c.csv, v)}
		}
	}
	return nil
}

// plainASCII reports whether v consists of printable ASCII only, without
// spaces when noSpace is set.
func plainASCII(v string, noSpace bool) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c >= 0x7f || noSpace && c == ' ' {
			return false
		}
	}
	return true
}

// NormalizeActivationCode returns code in upper case without the dashes
// and spaces that group it, so that "k7qm 2xhd-9pla" matches
// "K7QM-2XHD-9PLA". Hyphens and spaces of other kinds, such as a
// non-breaking space pasted from a letter, count as well.
func NormalizeActivationCode(code string) string {
	code = strings.ToUpper(code)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '\u2010' || r == '\u2011' || r == '\u2013' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
}

// HashActivationCode returns the stored form of a normalised activation
// code: the hex SHA-256 of its text.
func HashActivationCode(normalized string) string {
	sum := sha256.Sum256([]byte(normalized))
	return hex.EncodeToString(sum[:])
}
