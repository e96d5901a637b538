package panel

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"asta/jobs/importer/importtest"
	"asta/panel/credential"
	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

// axeScript is axe-core, which the audit injects into each page; see
// testdata/axe/README.md for its version and source.
const axeScript = "testdata/axe/axe.min.js"

// axeRun runs axe-core on the whole document with the rules of WCAG 2.0
// and 2.1, levels A and AA. It returns the violations and the results
// that axe-core could not decide and marks for review, such as an id that
// two elements share, in a short form.
const axeRun = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
	resultTypes: ['violations', 'incomplete'],
}).then(r => {
	const short = review => v => ({
		id: v.id, impact: v.impact || '', help: v.help, review,
		nodes: v.nodes.map(n => ({target: n.target.map(String), summary: n.failureSummary || ''})),
	});
	return r.violations.map(short(false)).concat(r.incomplete.map(short(true)));
})`

// axeViolation is one rule that a page breaks, or may break if Review is
// set, with the elements concerned.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Review bool   `json:"review"`
	Nodes  []struct {
		Target  []string `json:"target"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// operationsRoutes are the GET routes that serve machines, not pages.
var operationsRoutes = []string{"/healthz", "/readyz", "/metrics", "/static/:file"}

// fragmentRoutes are the GET routes that respond to htmx requests with a
// fragment of a page. The audit checks each inside the page that loads
// it.
var fragmentRoutes = []string{"/betrieb/:ident/import-status"}

// pageState is one page of the panel in one state for the audit.
type pageState struct {
	name string
	// route is the GET route of routes.go that shows the page, or "" for
	// the error pages that any path can lead to.
	route string
	// show brings the tab to the page in this state.
	show func(t *testing.T, f *auditFixture)
}

// pageStates lists every page of the panel in each state that renders
// differently: each GET route, and the pages that a form submission or an
// error shows. The audit runs them in this order, each with its own data.
func pageStates() []pageState {
	return append([]pageState{
		{"home signed out", "/", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/", http.StatusOK)
			f.c.wantLocation(t, "/anmelden")
		}},
		{"sign-in", "/anmelden", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/anmelden", http.StatusOK)
		}},
		{"sign-in after sign-out", "/anmelden", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/anmelden?abgemeldet=1", http.StatusOK)
		}},
		{"sign-in wrong password", "/anmelden", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/anmelden", http.StatusOK)
			f.submit(t, action("/anmelden"), map[string]string{"email": f.memberEmail, "password": "falsches Passwort"},
				http.StatusUnauthorized)
		}},
		{"register", "/registrieren", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/registrieren", http.StatusOK)
		}},
		{"register field errors", "/registrieren", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/registrieren", http.StatusOK)
			f.submit(t, action("/registrieren"), map[string]string{"email": "keine Adresse", "password": "kurz"},
				http.StatusUnprocessableEntity)
		}},
		{"register mail sent", "/registrieren", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/registrieren", http.StatusOK)
			f.submit(t, action("/registrieren"), map[string]string{
				"name": "Neue Nutzerin", "email": "neu@example.org", "password": testPassword,
			}, http.StatusOK)
		}},
		{"confirm valid link", "/bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/bestaetigen?t="+f.token(t, schema.TokenConfirm, "", linkValid), http.StatusOK)
		}},
		{"confirm done", "/bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/bestaetigen?t="+f.token(t, schema.TokenConfirm, "", linkValid), http.StatusOK)
			f.submit(t, action("/bestaetigen"), nil, http.StatusOK)
		}},
		{"confirm expired link", "/bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/bestaetigen?t="+f.token(t, schema.TokenConfirm, "", linkExpired), http.StatusGone)
		}},
		{"confirm new link sent", "/bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/bestaetigen?t="+f.token(t, schema.TokenConfirm, "", linkExpired), http.StatusGone)
			f.submit(t, action("/bestaetigen/neu"), nil, http.StatusOK)
		}},
		{"confirm used link", "/bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/bestaetigen?t="+f.token(t, schema.TokenConfirm, "", linkUsed), http.StatusGone)
		}},
		{"confirm unknown link", "/bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/bestaetigen?t=unbekannt", http.StatusNotFound)
		}},
		{"forgot password", "/passwort-vergessen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/passwort-vergessen", http.StatusOK)
		}},
		{"forgot password field error", "/passwort-vergessen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/passwort-vergessen", http.StatusOK)
			f.submit(t, action("/passwort-vergessen"), map[string]string{"email": "keine Adresse"},
				http.StatusUnprocessableEntity)
		}},
		{"forgot password mail sent", "/passwort-vergessen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/passwort-vergessen", http.StatusOK)
			f.submit(t, action("/passwort-vergessen"), map[string]string{"email": f.memberEmail}, http.StatusOK)
		}},
		{"reset valid link", "/passwort-neu", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/passwort-neu?t="+f.token(t, schema.TokenReset, "", linkValid), http.StatusOK)
		}},
		{"reset field error", "/passwort-neu", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/passwort-neu?t="+f.token(t, schema.TokenReset, "", linkValid), http.StatusOK)
			f.submit(t, action("/passwort-neu"), map[string]string{"password": "kurz"}, http.StatusUnprocessableEntity)
		}},
		{"reset done", "/passwort-neu", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/passwort-neu?t="+f.token(t, schema.TokenReset, "", linkValid), http.StatusOK)
			f.submit(t, action("/passwort-neu"), map[string]string{"password": "Ein neues langes Passwort 8"},
				http.StatusOK)
		}},
		{"reset expired link", "/passwort-neu", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/passwort-neu?t="+f.token(t, schema.TokenReset, "", linkExpired), http.StatusGone)
		}},
		{"reset used link", "/passwort-neu", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/passwort-neu?t="+f.token(t, schema.TokenReset, "", linkUsed), http.StatusGone)
		}},
		{"reset unknown link", "/passwort-neu", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/passwort-neu?t=unbekannt", http.StatusNotFound)
		}},
		{"new address valid link", "/email-bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			token := f.token(t, schema.TokenEmailChange, "anders@example.org", linkValid)
			f.open(t, "/email-bestaetigen?t="+token, http.StatusOK)
		}},
		{"new address done", "/email-bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			token := f.token(t, schema.TokenEmailChange, "gewechselt@example.org", linkValid)
			f.open(t, "/email-bestaetigen?t="+token, http.StatusOK)
			f.submit(t, action("/email-bestaetigen"), nil, http.StatusOK)
		}},
		{"new address taken", "/email-bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/email-bestaetigen?t="+f.token(t, schema.TokenEmailChange, f.memberEmail, linkValid),
				http.StatusOK)
			f.submit(t, action("/email-bestaetigen"), nil, http.StatusConflict)
		}},
		{"new address expired link", "/email-bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			token := f.token(t, schema.TokenEmailChange, "spaet@example.org", linkExpired)
			f.open(t, "/email-bestaetigen?t="+token, http.StatusGone)
		}},
		{"new address used link", "/email-bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			token := f.token(t, schema.TokenEmailChange, "doppelt@example.org", linkUsed)
			f.open(t, "/email-bestaetigen?t="+token, http.StatusGone)
		}},
		{"new address unknown link", "/email-bestaetigen", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/email-bestaetigen?t=unbekannt", http.StatusNotFound)
		}},
		{"start without company", "/start", func(t *testing.T, f *auditFixture) {
			f.as(t, f.member)
			f.open(t, "/start", http.StatusOK)
			f.c.wantLocation(t, "/aktivieren")
		}},
		{"activate", "/aktivieren", func(t *testing.T, f *auditFixture) {
			f.as(t, f.member)
			f.open(t, "/aktivieren", http.StatusOK)
		}},
		{"activate field errors", "/aktivieren", func(t *testing.T, f *auditFixture) {
			f.as(t, f.member)
			f.open(t, "/aktivieren", http.StatusOK)
			f.submit(t, action("/aktivieren"), map[string]string{}, http.StatusUnprocessableEntity)
		}},
		{"activate wrong code", "/aktivieren", func(t *testing.T, f *auditFixture) {
			f.as(t, f.member)
			f.open(t, "/aktivieren", http.StatusOK)
			f.submit(t, action("/aktivieren"), map[string]string{"ident": "0004711", "code": "AAAA-BBBB-CCCC"},
				http.StatusUnprocessableEntity)
		}},
		{"activate already activated", "/aktivieren", func(t *testing.T, f *auditFixture) {
			f.as(t, f.member)
			f.open(t, "/aktivieren", http.StatusOK)
			f.submit(t, action("/aktivieren"), map[string]string{"ident": "0004711", "code": "K7QM-2XHD-9PLA"},
				http.StatusConflict)
		}},
		{"activate locked", "/aktivieren", func(t *testing.T, f *auditFixture) {
			f.as(t, f.locked)
			f.open(t, "/aktivieren", http.StatusOK)
			f.submit(t, action("/aktivieren"), map[string]string{"ident": "0004711", "code": "AAAA-BBBB-CCCC"},
				http.StatusTooManyRequests)
		}},
		{"company", "/betrieb/:ident", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711", http.StatusOK)
		}},
		{"company just activated", "/betrieb/:ident", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711?aktiviert=1", http.StatusOK)
		}},
		{"company through head company", "/betrieb/:ident", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004712", http.StatusOK)
		}},
		{"company deleted by the chamber", "/betrieb/:ident", func(t *testing.T, f *auditFixture) {
			f.as(t, f.suspended)
			f.open(t, "/betrieb/20931", http.StatusOK)
		}},
		{"company import running", "/betrieb/:ident", func(t *testing.T, f *auditFixture) {
			f.runningImport(t)
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711", http.StatusOK)
		}},
		{"company import status polled", "/betrieb/:ident", func(t *testing.T, f *auditFixture) {
			f.runningImport(t)
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711", http.StatusOK)
			// The page polls the import-status fragment after 2 s.
			f.c.waitFor(t, "the import status is polled",
				`document.querySelector('section.import').textContent.includes('Laufzeit')`)
		}},
		{"companies", "/betriebe", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betriebe?ansicht=auszubildende", http.StatusOK)
		}},
		{"trainees", "/betrieb/:ident/auszubildende", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/auszubildende", http.StatusOK)
		}},
		{"trainees filtered and sorted", "/betrieb/:ident/auszubildende", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/auszubildende?suche=gro&sort=beginn&absteigend=1", http.StatusOK)
		}},
		{"trainees none found", "/betrieb/:ident/auszubildende", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/auszubildende?suche=niemand", http.StatusOK)
		}},
		{"trainers", "/betrieb/:ident/ausbilder", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/ausbilder", http.StatusOK)
		}},
		{"exams", "/betrieb/:ident/pruefungen", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/pruefungen", http.StatusOK)
		}},
		{"exam open", "/betrieb/:ident/pruefungen/:nr", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/pruefungen/P-2027-0002", http.StatusOK)
		}},
		{"exam declarations missing", "/betrieb/:ident/pruefungen/:nr", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/pruefungen/P-2027-0002", http.StatusOK)
			f.submit(t, "main form", nil, http.StatusUnprocessableEntity)
		}},
		{"exam confirmed", "/betrieb/:ident/pruefungen/:nr", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/pruefungen/P-2027-0002", http.StatusOK)
			evaluate[chromedp.Void](t, f.c, `document.querySelectorAll('main input[type="checkbox"]').forEach(e => { e.checked = true })`)
			f.submit(t, "main form", nil, http.StatusOK)
		}},
		{"exam past its deadline", "/betrieb/:ident/pruefungen/:nr", func(t *testing.T, f *auditFixture) {
			past := schema.DateOf(f.h.clock.Now().AddDate(0, 0, -1))
			if _, err := f.h.db.NewUpdate().Model((*schema.ExamRegistration)(nil)).Set("deadline = ?", past).
				Where("number = 'P-2027-0001'").Exec(t.Context()); err != nil {
				t.Fatal(err)
			}
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/pruefungen/P-2027-0001", http.StatusOK)
		}},
		{"contract management", "/betrieb/:ident/vertragsmanagement", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/vertragsmanagement", http.StatusOK)
		}},
		{"settings", "/betrieb/:ident/einstellungen", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/einstellungen", http.StatusOK)
		}},
		{"settings field error", "/betrieb/:ident/einstellungen", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/einstellungen", http.StatusOK)
			f.submit(t, "main form", map[string]string{"adresse": "andere", "andere": "name.example.org"},
				http.StatusUnprocessableEntity)
		}},
		{"settings saved", "/betrieb/:ident/einstellungen", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/einstellungen", http.StatusOK)
			f.submit(t, "main form", map[string]string{"adresse": "andere", "andere": "pruefung@example.org"},
				http.StatusOK)
		}},
		{"grants", "/betrieb/:ident/berechtigungen", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/berechtigungen", http.StatusOK)
		}},
		{"grants field error", "/betrieb/:ident/berechtigungen", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/berechtigungen", http.StatusOK)
			f.submit(t, `form[aria-labelledby="h-add"]`, map[string]string{"email": "keine Adresse"},
				http.StatusUnprocessableEntity)
		}},
		{"grants person has a role", "/betrieb/:ident/berechtigungen", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/berechtigungen", http.StatusOK)
			f.submit(t, `form[aria-labelledby="h-add"]`, map[string]string{"email": "chefin@example.org"},
				http.StatusConflict)
		}},
		{"grants role added", "/betrieb/:ident/berechtigungen", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/betrieb/0004711/berechtigungen", http.StatusOK)
			f.submit(t, `form[aria-labelledby="h-add"]`, map[string]string{"email": "eingeladen@example.org"},
				http.StatusOK)
		}},
		{"imprint", "/impressum", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/impressum", http.StatusOK)
		}},
		{"privacy", "/datenschutz", func(t *testing.T, f *auditFixture) {
			f.as(t, f.member)
			f.open(t, "/datenschutz", http.StatusOK)
		}},
		{"accessibility statement", "/barrierefreiheit", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/barrierefreiheit", http.StatusOK)
		}},
		{"account", "/konto", func(t *testing.T, f *auditFixture) {
			f.as(t, f.member)
			f.open(t, "/konto", http.StatusOK)
		}},
		{"account password changed", "/konto", func(t *testing.T, f *auditFixture) {
			f.as(t, f.member)
			f.open(t, "/konto?ok=passwort", http.StatusOK)
		}},
		{"account wrong password", "/konto", func(t *testing.T, f *auditFixture) {
			f.as(t, f.member)
			f.open(t, "/konto", http.StatusOK)
			f.submit(t, action("/konto/passwort"), map[string]string{"current": "falsches Passwort", "password": "x"},
				http.StatusUnprocessableEntity)
		}},
		{"account last administrator", "/konto", func(t *testing.T, f *auditFixture) {
			f.as(t, f.admin)
			f.open(t, "/konto", http.StatusOK)
			f.submit(t, action("/konto/loeschen"), map[string]string{"current": testPassword}, http.StatusConflict)
		}},
		{"account deleted", "/konto", func(t *testing.T, f *auditFixture) {
			f.as(t, f.h.signUp("weg@example.org", "Weg"))
			f.open(t, "/konto", http.StatusOK)
			f.submit(t, action("/konto/loeschen"), map[string]string{"current": testPassword}, http.StatusOK)
		}},
		{"operator enrolment", "/anmelden/authenticator", func(t *testing.T, f *auditFixture) {
			f.as(t, f.newOperator)
			f.open(t, "/anmelden/authenticator", http.StatusOK)
		}},
		{"operator enrolment wrong code", "/anmelden/authenticator", func(t *testing.T, f *auditFixture) {
			f.as(t, f.newOperator)
			f.open(t, "/anmelden/authenticator", http.StatusOK)
			f.submit(t, action("/anmelden/authenticator"), map[string]string{"code": "12345"},
				http.StatusUnprocessableEntity)
		}},
		{"operator code", "/anmelden/code", func(t *testing.T, f *auditFixture) {
			f.as(t, f.operator)
			f.open(t, "/anmelden/code", http.StatusOK)
		}},
		{"operator wrong code", "/anmelden/code", func(t *testing.T, f *auditFixture) {
			f.as(t, f.operator)
			f.open(t, "/anmelden/code", http.StatusOK)
			f.submit(t, action("/anmelden/code"), map[string]string{"code": "12345"}, http.StatusUnprocessableEntity)
		}},
		{"console", "/konsole", func(t *testing.T, f *auditFixture) {
			f.as(t, f.operator)
			f.open(t, "/anmelden/code", http.StatusOK)
			f.submit(t, action("/anmelden/code"), map[string]string{"code": code(t, operatorSecret, f.h.clock.Now())},
				http.StatusOK)
			f.c.wantLocation(t, "/konsole")
		}},
		{"not found", "", func(t *testing.T, f *auditFixture) {
			// Without a session, an unknown path leads to the sign-in page.
			f.as(t, f.member)
			f.open(t, "/gibt-es-nicht", http.StatusNotFound)
		}},
		{"expired form", "", func(t *testing.T, f *auditFixture) {
			f.as(t, nil)
			f.open(t, "/anmelden", http.StatusOK)
			evaluate[chromedp.Void](t, f.c, `document.querySelector('input[name="_csrf"]').value = 'abgelaufen'`)
			f.submit(t, action("/anmelden"), map[string]string{"email": f.memberEmail, "password": testPassword},
				http.StatusForbidden)
		}},
	}, consolePageStates()...)
}

// Validity of the links that [auditFixture.token] creates.
const (
	linkValid = iota
	linkExpired
	linkUsed
)

// operatorSecret is the TOTP secret of the audit's enrolled operator.
const operatorSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// auditFixture is the panel with the users that the page states need,
// and the browser tab that shows the pages.
type auditFixture struct {
	h   *harness
	c   *chrome
	axe string // the source of axe-core

	member      *browser // signed in, no company
	memberEmail string
	admin       *browser // Administrator of 0004711
	suspended   *browser // Administrator of 20931, which the chamber deleted
	locked      *browser // locked out of activation
	newOperator *browser // operator without an authenticator
	operator    *browser // operator with an authenticator, before the code
	linkUser    int64    // the user of the links that token creates
	imports     atomic.Int64
}

func newAuditFixture(t *testing.T, h *harness, c *chrome) *auditFixture {
	t.Helper()
	f := &auditFixture{h: h, c: c, axe: readAxe(t), memberEmail: "mitglied@example.org"}
	f.member = h.signUp(f.memberEmail, "Mia Mitglied")

	f.admin = h.signUp("chefin@example.org", "Clara Chefin")
	f.admin.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}}).
		want(t, http.StatusSeeOther)
	if _, err := h.st.RefreshSearchIndex(t.Context()); err != nil {
		t.Fatal(err)
	}

	f.suspended = h.signUp("baecker@example.org", "Bernd Bäcker")
	f.suspended.post("/aktivieren", url.Values{"ident": {"20931"}, "code": {"P4TR-8WNE-3ZKC"}}).
		want(t, http.StatusSeeOther)
	if _, err := h.db.NewUpdate().Model((*schema.Company)(nil)).Set("status = 'GELOESCHT'").
		Where("ident = '20931'").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}

	f.locked = h.signUp("rater@example.org", "Rolf Rater")
	for range activationMaxFailures {
		f.locked.post("/aktivieren", url.Values{"ident": {"20931"}, "code": {"FALSCH"}}).
			want(t, http.StatusUnprocessableEntity)
	}

	f.newOperator = h.signUp("neu@kammer.example", "Nora Neu")
	f.operator = h.signUp("ops@kammer.example", "Otto Ops")
	for _, set := range []struct{ email, secret string }{
		{"neu@kammer.example", ""}, {"ops@kammer.example", operatorSecret},
	} {
		_, err := h.db.NewUpdate().Model((*schema.User)(nil)).Set("operator = ?", true).
			Set("totp_secret = ?", nullIfEmpty(set.secret)).Where("email_key = ?", set.email).Exec(t.Context())
		if err != nil {
			t.Fatal(err)
		}
	}

	now := h.clock.Now().UTC()
	link := &schema.User{Email: "links@example.org", EmailKey: "links@example.org", Name: "Lena Link",
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	if _, err := h.st.CreateUser(t.Context(), link); err != nil {
		t.Fatal(err)
	}
	f.linkUser = link.ID
	return f
}

func readAxe(t *testing.T) string {
	t.Helper()
	axe, err := os.ReadFile(axeScript)
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	return string(axe)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// as makes the tab continue the session of the HTTP test client b, or
// visit without one for nil.
func (f *auditFixture) as(t *testing.T, b *browser) {
	t.Helper()
	f.c.useCookies(t, b)
}

// open loads the page and checks its HTTP status.
func (f *auditFixture) open(t *testing.T, target string, status int) {
	t.Helper()
	if got := f.c.open(t, target); got != int64(status) {
		t.Fatalf("open %s: status %d, want %d\n%s", target, got, status, f.c.text(t, "main"))
	}
}

// action returns the CSS selector of the form with the action.
func action(path string) string {
	return fmt.Sprintf(`form[action=%s]`, jsString(path))
}

// submit sets the fields of the form that the CSS selector finds to
// values, by name, presses its submit button and checks the HTTP status of
// the response.
func (f *auditFixture) submit(t *testing.T, form string, values map[string]string, status int) {
	t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for name, value := range values {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`%s [name=%s]`, form, jsString(name))), value))
	}
	f.c.run(t, "fill the form "+form, steps...)
	got := f.c.submit(t, "submit the form "+form, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	if got != int64(status) {
		t.Fatalf("submit %s: status %d, want %d\n%s", form, got, status, f.c.text(t, "main"))
	}
}

// token creates a link of the purpose for the fixture's link user and
// returns its token.
func (f *auditFixture) token(t *testing.T, purpose, newEmail string, state int) string {
	t.Helper()
	token, hash := credential.NewToken()
	now := f.h.clock.Now().UTC()
	ut := &schema.UserToken{TokenHash: hash, UserID: f.linkUser, Purpose: purpose, NewEmail: newEmail,
		ExpiresAt: now.Add(time.Hour), CreatedAt: now.Add(-time.Minute)}
	switch state {
	case linkExpired:
		ut.ExpiresAt = now.Add(-time.Second)
	case linkUsed:
		ut.UsedAt = &now
	}
	if err := f.h.st.CreateToken(t.Context(), ut); err != nil {
		t.Fatal(err)
	}
	return token
}

// runningImport records an import that runs until the test ends.
func (f *auditFixture) runningImport(t *testing.T) {
	t.Helper()
	name := "laufend-" + strconv.Itoa(int(f.imports.Add(1)))
	run := &schema.ImportRun{PackageID: name, PackageName: name, StartedAt: f.h.clock.Now().UTC(),
		Outcome: schema.OutcomeRunning}
	if _, err := f.h.db.NewInsert().Model(run).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		run.Outcome = schema.OutcomeApplied
		if _, err := f.h.db.NewUpdate().Model(run).Column("outcome").WherePK().Exec(context.Background()); err != nil {
			t.Error(err)
		}
	})
}

// violations runs axe-core on the tab's page and returns the rules that
// it breaks.
func (f *auditFixture) violations(t *testing.T) []axeViolation {
	t.Helper()
	if !evaluate[bool](t, f.c, `typeof axe === 'object'`) {
		evaluate[chromedp.Void](t, f.c, f.axe)
	}
	return evaluate[[]axeViolation](t, f.c, axeRun)
}

// audit fails the test with every rule that the tab's page breaks, and
// every rule that axe-core could not decide, because none of the panel's
// pages needs a human review.
func (f *auditFixture) audit(t *testing.T) {
	t.Helper()
	violations := f.violations(t)
	if len(violations) == 0 {
		return
	}
	var b strings.Builder
	for _, v := range violations {
		kind := v.Impact
		if v.Review {
			kind += ", needs review"
		}
		fmt.Fprintf(&b, "- %s (%s): %s\n", v.ID, kind, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "    %s: %s\n", strings.Join(n.Target, " "), strings.ReplaceAll(n.Summary, "\n", "; "))
		}
	}
	t.Errorf("%s breaks %d accessibility rules:\n%s", f.c.location(t), len(violations), b.String())
}

// TestAccessibility audits every page of pageStates with axe-core in
// Chromium against WCAG 2.1 A and AA.
func TestAccessibility(t *testing.T) {
	chromiumPath(t)
	path := filepath.Join(t.TempDir(), "asta.db")
	db := dbtest.SQLitePath(t, path)
	importtest.Import(t, db, path, "../testdata/export-small")
	h := newHarness(t, db, func(o *Options) {
		o.Legal = LegalTexts{
			Imprint:              "Industrie- und Handelskammer Musterstadt\n\nKörperschaft des öffentlichen Rechts",
			Privacy:              "Wir verarbeiten Ihre Daten nur für die Ausbildung.",
			Accessibility:        "Dieses Portal soll barrierefrei sein.",
			AccessibilityContact: "barrierefreiheit@ihk.example",
		}
	})
	f := newAuditFixture(t, h, newChrome(t, h.url))
	for _, s := range pageStates() {
		t.Run(s.name, func(t *testing.T) {
			s.show(t, f)
			f.audit(t)
		})
	}
}

// TestAuditFindsViolations checks that the audit reports the rules that a
// page breaks, with the elements that break them, and the rules that
// need a review.
func TestAuditFindsViolations(t *testing.T) {
	chromiumPath(t)
	h := newHarness(t, dbtest.SQLite(t), nil)
	f := &auditFixture{h: h, c: newChrome(t, h.url), axe: readAxe(t)}
	f.open(t, "/anmelden", http.StatusOK)
	evaluate[chromedp.Void](t, f.c, `document.querySelector('main').insertAdjacentHTML('beforeend',
		'<img id="bad-image" src="/static/panel.css"><input id="bad-input" type="text">' +
		'<label for="twice">Zweimal</label><input id="twice" type="text"><input id="twice" type="text">')`)

	got := map[string][]string{}
	review := map[string]bool{}
	for _, v := range f.violations(t) {
		review[v.ID] = v.Review
		for _, n := range v.Nodes {
			got[v.ID] = append(got[v.ID], n.Target...)
		}
	}
	for rule, target := range map[string]string{"image-alt": "#bad-image", "label": "#bad-input"} {
		if !slices.Contains(got[rule], target) {
			t.Errorf("violations of %s = %v, want %s among them (all: %v)", rule, got[rule], target, got)
		}
	}
	if r, ok := review["duplicate-id-aria"]; !ok || !r {
		t.Errorf("duplicate-id-aria: reported %v, needs review %v; want it reported for review (all: %v)", ok, r, got)
	}
}

// TestAccountFormErrorsStayInTheirForm checks that of the account page's
// three forms, which share the field "current", only the submitted one
// shows the error, and that every id on the page is unique.
func TestAccountFormErrorsStayInTheirForm(t *testing.T) {
	h := newHarness(t, dbtest.SQLite(t), nil)
	b := h.signUp("konto@example.org", "Konto")
	tests := []struct {
		name, action, errorID string
	}{
		{"password", "/konto/passwort", "f-passwort-current-error"},
		{"address", "/konto/email", "f-email-current-error"},
		{"deletion", "/konto/loeschen", "f-loeschen-current-error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.post(tt.action, url.Values{"current": {"falsches Passwort"}, "email": {"neu@example.org"}})
			r.want(t, http.StatusUnprocessableEntity, `id="`+tt.errorID+`"`)
			if n := strings.Count(r.body, `aria-invalid="true"`); n != 1 {
				t.Errorf("%d fields are marked invalid, want only the submitted form's", n)
			}
			seen := map[string]bool{}
			for _, m := range idAttribute.FindAllStringSubmatch(r.body, -1) {
				if seen[m[1]] {
					t.Errorf("id %q occurs twice", m[1])
				}
				seen[m[1]] = true
			}
		})
	}
}

var idAttribute = regexp.MustCompile(`\sid="([^"]+)"`)

// TestAuditCoversEveryPage checks that pageStates has a state for every GET
// route of the panel but the operations endpoints and the htmx fragments.
func TestAuditCoversEveryPage(t *testing.T) {
	reg := prometheus.NewRegistry()
	app, err := New(t.Context(), Options{Store: store.New(dbtest.SQLite(t)), Logger: slog.New(slog.DiscardHandler),
		Gatherer: reg, Registerer: reg, BaseURL: "http://portal.test"})
	if err != nil {
		t.Fatal(err)
	}
	audited := map[string]bool{}
	for _, s := range pageStates() {
		audited[s.route] = true
	}
	routes := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		if r.Method != fiber.MethodGet {
			continue
		}
		routes[r.Path] = true
		if slices.Contains(operationsRoutes, r.Path) || slices.Contains(fragmentRoutes, r.Path) {
			continue
		}
		if !audited[r.Path] {
			t.Errorf("GET %s has no state in pageStates: add its page's states to the audit, or list the "+
				"route in fragmentRoutes if it answers htmx requests only", r.Path)
		}
	}
	for route := range audited {
		if route != "" && !routes[route] {
			t.Errorf("pageStates names %s, which is no GET route of the panel", route)
		}
	}
	for _, route := range slices.Concat(operationsRoutes, fragmentRoutes) {
		if !routes[route] {
			t.Errorf("%s is listed as an exception of the audit, but is no GET route of the panel", route)
		}
	}
}
