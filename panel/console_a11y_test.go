package panel

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"asta/schema"
)

func init() {
	// The status of a running import is an htmx fragment of its page, and
	// the rejected records download as CSV.
	fragmentRoutes = append(fragmentRoutes, "/konsole/importe/:run/status")
	operationsRoutes = append(operationsRoutes, "/konsole/importe/:run/abgelehnt.csv")
}

// consolePageStates are the states of the operators' console for the
// accessibility audit, shown to the fixture's operator past the second
// factor.
func consolePageStates() []pageState {
	return []pageState{
		{"console start", "/konsole", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole", http.StatusOK)
		}},
		{"console pause without reason", "/konsole", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole", http.StatusOK)
			f.submit(t, action("/konsole/pause/mail"), nil, http.StatusUnprocessableEntity)
		}},
		{"console mail paused", "/konsole", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole", http.StatusOK)
			f.submit(t, action("/konsole/pause/mail"), map[string]string{"reason": "Umstellung des Mailservers"},
				http.StatusOK)
			t.Cleanup(func() { f.exec(t, "DELETE FROM job_pauses") })
		}},
		{"console import run", "/konsole/importe/:run", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole/importe/1", http.StatusOK)
		}},
		{"console outbox", "/konsole/postausgang", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.exec(t, "INSERT INTO outbox (message_id, recipient, subject, text_body, state, attempts, "+
				"next_attempt_at, last_error, created_at) VALUES ('a11y@asta.invalid', 'azubi@example.org', "+
				"'Erinnerung', 'Text', ?, 5, ?, '550 unbekannt', ?)", schema.MailFailed, f.h.clock.Now(), f.h.clock.Now())
			f.open(t, "/konsole/postausgang", http.StatusOK)
		}},
		{"console company search", "/konsole/betriebe", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole/betriebe?suche=0004", http.StatusOK)
		}},
		{"console company", "/konsole/betriebe/:ident", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole/betriebe/0004712", http.StatusOK)
		}},
		{"console company code unconfirmed", "/konsole/betriebe/:ident", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole/betriebe/0004712", http.StatusOK)
			f.submit(t, action("/konsole/betriebe/0004712/code"), nil, http.StatusUnprocessableEntity)
		}},
		{"console company new code", "/konsole/betriebe/:ident", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole/betriebe/0004712", http.StatusOK)
			evaluate[chromedp.Void](t, f.c, `document.querySelector('#f-confirm').checked = true`)
			f.submit(t, action("/konsole/betriebe/0004712/code"), nil, http.StatusOK)
		}},
		{"console letters", "/konsole/anschreiben", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole/anschreiben", http.StatusOK)
		}},
		{"console letters unconfirmed", "/konsole/anschreiben", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole/anschreiben", http.StatusOK)
			f.submit(t, action("/konsole/anschreiben"), nil, http.StatusUnprocessableEntity)
		}},
		{"console audit log", "/konsole/protokoll", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole/protokoll", http.StatusOK)
		}},
		{"console audit log invalid date", "/konsole/protokoll", func(t *testing.T, f *auditFixture) {
			f.asOperator(t)
			f.open(t, "/konsole/protokoll?von=gestern", http.StatusUnprocessableEntity)
		}},
	}
}

// asOperator continues the session of the fixture's operator, marked as
// past the second factor.
func (f *auditFixture) asOperator(t *testing.T) {
	t.Helper()
	f.exec(t, "UPDATE sessions SET second_factor = ? WHERE user_id = "+
		"(SELECT id FROM users WHERE email_key = 'ops@kammer.example')", true)
	f.as(t, f.operator)
}

func (f *auditFixture) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	// Not t.Context(), which is cancelled before the cleanups run.
	if _, err := f.h.db.NewRaw(query, args...).Exec(context.Background()); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
