package panel

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"asta/panel/credential"
	"asta/store"
)

// auditPageSize is the number of audit entries per page.
const auditPageSize = 50

// consoleAudit is the data of the audit log page.
type consoleAudit struct {
	Nav     consoleNav
	Query   url.Values
	Actions []string
	Entries []store.AuditRow
	Page    int
	More    bool
}

// showAudit lists the audit log, filtered by company, action, actor and
// date range (days in the panel's time zone, both inclusive), 50 entries
// a page.
func (s *Server) showAudit(c *fiber.Ctx) error {
	nav, err := s.consoleNavOf(c, "audit")
	if err != nil {
		return err
	}
	f := newForm()
	filter, pageNo := auditFilter(c, f)
	data := consoleAudit{Nav: nav, Query: auditQuery(c), Page: pageNo}
	if data.Actions, err = s.store.AuditActions(c.UserContext()); err != nil {
		return err
	}
	status := fiber.StatusOK
	if f.ok() {
		data.Entries, data.More, err = s.store.SearchAudit(c.UserContext(), filter)
		if err != nil {
			return err
		}
	} else {
		f.fail("", "console.form_invalid")
		status = fiber.StatusUnprocessableEntity
	}
	return s.render(c, status, "console_audit", page{Title: msg("console.audit.title"), Form: f, Data: data})
}

// auditFilter reads the filter and page number of the query into a
// store filter, recording invalid values in f.
func auditFilter(c *fiber.Ctx, f *form) (store.AuditFilter, int) {
	filter := store.AuditFilter{
		Company: strings.TrimSpace(c.Query("betrieb")),
		Action:  strings.TrimSpace(c.Query("aktion")),
		Limit:   auditPageSize,
	}
	if actor := strings.TrimSpace(c.Query("akteur")); actor != "" {
		key, err := credential.NormalizeEmail(actor)
		if err != nil {
			f.fail("akteur", "console.audit.actor_invalid")
		}
		filter.ActorEmail = key
	}
	for k, v := range map[string]string{"betrieb": filter.Company, "akteur": c.Query("akteur")} {
		f.Values[k] = strings.TrimSpace(v)
	}
	filter.From = auditDay(c, f, "von", 0)
	filter.To = auditDay(c, f, "bis", 1)
	if !filter.From.IsZero() && !filter.To.IsZero() && !filter.From.Before(filter.To) {
		f.fail("bis", "console.audit.range_invalid")
	}

	pageNo, err := strconv.Atoi(c.Query("seite", "1"))
	if err != nil || pageNo < 1 {
		pageNo = 1
	}
	filter.Offset = (pageNo - 1) * auditPageSize
	return filter, pageNo
}

// auditDay parses the date of the query parameter name (YYYY-MM-DD, as
// date inputs send it). It returns the start of that day plus addDays in
// the panel's time zone, or the zero time for an empty value.
func auditDay(c *fiber.Ctx, f *form, name string, addDays int) time.Time {
	raw := strings.TrimSpace(c.Query(name))
	f.Values[name] = raw
	if raw == "" {
		return time.Time{}
	}
	d, err := time.ParseInLocation("2006-01-02", raw, berlin)
	if err != nil {
		f.fail(name, "console.audit.date_invalid")
		return time.Time{}
	}
	return d.AddDate(0, 0, addDays)
}

// auditQuery returns the filter parameters of the request for the paging
// links.
func auditQuery(c *fiber.Ctx) url.Values {
	q := url.Values{}
	for _, k := range []string{"betrieb", "aktion", "akteur", "von", "bis"} {
		if v := strings.TrimSpace(c.Query(k)); v != "" {
			q.Set(k, v)
		}
	}
	return q
}
