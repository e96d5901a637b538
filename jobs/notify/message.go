package notify

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"asta/schema"
	"asta/store"
)

//go:embed templates/digest.txt templates/digest.html
var templateFiles embed.FS

// templates are the digest mail's bodies, parsed once.
type templates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

func parseTemplates() (*templates, error) {
	text, err := texttemplate.ParseFS(templateFiles, "templates/digest.txt")
	if err != nil {
		return nil, fmt.Errorf("parse digest text template: %w", err)
	}
	html, err := htmltemplate.ParseFS(templateFiles, "templates/digest.html")
	if err != nil {
		return nil, fmt.Errorf("parse digest HTML template: %w", err)
	}
	return &templates{text: text, html: html}, nil
}

// examTypes are the German names of the chamber's exam type codes.
var examTypes = map[string]string{
	"ZP":  "Zwischenprüfung",
	"AP":  "Abschlussprüfung",
	"AP1": "Abschlussprüfung Teil 1",
	"AP2": "Abschlussprüfung Teil 2",
	"WP":  "Wiederholungsprüfung",
}

// examTypeName returns the German name of code followed by the code, or
// the code alone if it is not known.
func examTypeName(code string) string {
	if name, ok := examTypes[code]; ok {
		return name + " (" + code + ")"
	}
	return code
}

// digestData is the data that the digest templates render.
type digestData struct {
	Subject     string
	CompanyName string
	Intro       string
	Rows        []digestRow
	Request     string
	Link        string
	From        string
}

type digestRow struct {
	Number   string
	Trainee  string
	Exam     string
	Period   string
	Deadline string // TT.MM.JJJJ
}

// digest is the mail to one company about the registrations in notices,
// all of which belong to that company.
type digest struct {
	reason          string
	today           schema.Date
	notices         []store.ExamNotice
	link            string
	from            string
	messageIDDomain string
}

// build returns the outbox mail that lists the notices whose numbers are
// in numbers.
func (d digest) build(t *templates, numbers []string) (*schema.OutboxMail, error) {
	keep := make(map[string]bool, len(numbers))
	for _, n := range numbers {
		keep[n] = true
	}
	var rows []digestRow
	var first store.ExamNotice
	for _, n := range d.notices {
		if !keep[n.RegistrationNumber] {
			continue
		}
		if len(rows) == 0 || n.Deadline.Before(first.Deadline) {
			first = n
		}
		rows = append(rows, digestRow{
			Number:   n.RegistrationNumber,
			Trainee:  strings.TrimSpace(n.TraineeFirstName + " " + n.TraineeLastName),
			Exam:     examTypeName(n.ExamType),
			Period:   n.Period,
			Deadline: n.Deadline.German(),
		})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("digest for company %s lists no registration", d.notices[0].CompanyIdent)
	}

	data := digestData{
		CompanyName: first.CompanyName1,
		Rows:        rows,
		Link:        d.link,
		From:        d.from,
	}
	d.texts(&data, first)

	var text, html bytes.Buffer
	if err := t.text.Execute(&text, data); err != nil {
		return nil, fmt.Errorf("render digest text: %w", err)
	}
	if err := t.html.Execute(&html, data); err != nil {
		return nil, fmt.Errorf("render digest HTML: %w", err)
	}
	m := &schema.OutboxMail{
		Recipient: first.Email,
		Subject:   data.Subject,
		TextBody:  text.String(),
		HTMLBody:  html.String(),
		DedupKey:  dedupKey(first.CompanyIdent, d.reason, numbers),
	}
	if d.messageIDDomain != "" {
		m.MessageID = store.NewMessageID(d.messageIDDomain)
	}
	return m, nil
}

// texts sets the subject, introduction and request of data for the
// digest's reason. first is the listed registration with the earliest
// deadline.
func (d digest) texts(data *digestData, first store.ExamNotice) {
	n := len(data.Rows)
	company := fmt.Sprintf("Ihres Betriebs (Identnummer %s)", first.CompanyIdent)
	them := "die Anmeldungen"
	if n == 1 {
		them = "die Anmeldung"
	}
	if d.reason == schema.NotifyRemind {
		data.Subject = "Erinnerung: Anmeldeschluss " + daysText(d.today, first.Deadline)
		data.Intro = "der Anmeldeschluss der folgenden Prüfungsanmeldung " + company +
			" steht bevor, und sie ist noch nicht bestätigt:"
		if n > 1 {
			data.Intro = "der Anmeldeschluss der folgenden Prüfungsanmeldungen " + company +
				" steht bevor, und sie sind noch nicht bestätigt:"
		}
		data.Request = "Bitte bestätigen Sie " + them + " vor dem Anmeldeschluss im Ausbildungsportal:"
		return
	}

	data.Subject = fmt.Sprintf("Prüfungsanmeldungen warten auf Ihre Bestätigung (%d)", n)
	data.Intro = "die folgende Prüfungsanmeldung " + company + " wartet auf Ihre Bestätigung:"
	if n == 1 {
		data.Subject = "Eine Prüfungsanmeldung wartet auf Ihre Bestätigung"
	} else {
		data.Intro = fmt.Sprintf("die folgenden %d Prüfungsanmeldungen %s warten auf Ihre Bestätigung:", n, company)
	}
	data.Request = "Bitte prüfen und bestätigen Sie " + them + " im Ausbildungsportal:"
}

// daysText returns when deadline comes, seen from today, in German:
// "heute", "morgen" or "in N Tagen".
func daysText(today, deadline schema.Date) string {
	days := int(deadline.Time().Sub(today.Time()).Hours() / 24)
	switch {
	case days <= 0:
		return "heute"
	case days == 1:
		return "morgen"
	default:
		return fmt.Sprintf("in %d Tagen", days)
	}
}

// dedupKey returns the outbox dedup key of the digest about numbers, which
// must be sorted: notify/<company>/<reason>/<hash of the numbers>.
func dedupKey(company, reason string, numbers []string) string {
	h := sha256.Sum256([]byte(strings.Join(numbers, "\n")))
	return "notify/" + company + "/" + reason + "/" + hex.EncodeToString(h[:16])
}
