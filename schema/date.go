package schema

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar date without time of day or time zone. It is stored
// as an SQL DATE on PostgreSQL and as "YYYY-MM-DD" text on SQLite, so that
// both databases return the same day whatever their time zone. The zero
// Date is NULL.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses the chamber's date format TT.MM.JJJJ and rejects days
// that do not exist, such as 31.02.2027.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[2] != '.' || s[5] != '.' {
		return Date{}, fmt.Errorf("invalid date %q: want TT.MM.JJJJ", s)
	}
	day, ok1 := digits(s[0:2])
	month, ok2 := digits(s[3:5])
	year, ok3 := digits(s[6:10])
	if !ok1 || !ok2 || !ok3 || month < 1 || month > 12 || day < 1 || year < 1 {
		return Date{}, fmt.Errorf("invalid date %q: want TT.MM.JJJJ", s)
	}
	// time.Date normalises 31.02. to 03.03., so a changed day means the
	// date does not exist.
	if t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC); t.Day() != day {
		return Date{}, fmt.Errorf("invalid date %q: no such day", s)
	}
	return Date{year, time.Month(month), day}, nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool {
	return d == Date{}
}

// String returns d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// German returns d as TT.MM.JJJJ, or "" for the zero Date.
func (d Date) German() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d.%02d.%04d", d.Day, d.Month, d.Year)
}

// Time returns midnight UTC of d.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool {
	return d.Time().Before(e.Time())
}

// Value implements [driver.Valuer].
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan implements [database/sql.Scanner] for DATE columns, which the
// PostgreSQL driver returns as time.Time and SQLite as text.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = DateOf(v)
	case string:
		return d.parseISO(v)
	case []byte:
		return d.parseISO(string(v))
	default:
		return fmt.Errorf("schema: cannot scan %T into Date", src)
	}
	return nil
}

func (d *Date) parseISO(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("schema: invalid stored date %q", s)
	}
	*d = DateOf(t)
	return nil
}
