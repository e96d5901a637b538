package panel

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"asta/schema"
)

func TestActivateCompany(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("chef@example.org", "Chefin")
		b.get("/start").want(t, http.StatusSeeOther)
		b.get("/aktivieren").want(t, http.StatusOK, "Identnummer")

		// Dashes, spaces and case of the code do not matter.
		r := b.post("/aktivieren", url.Values{"ident": {" 0004711 "}, "code": {"k7qm 2xhd-9pla"}})
		r.want(t, http.StatusSeeOther)
		if r.location() != "/betrieb/0004711?aktiviert=1" {
			t.Fatalf("activation redirects to %q", r.location())
		}
		b.get(r.location()).want(t, http.StatusOK, "Müller &amp; Söhne", "Administrator", "freigeschaltet",
			"Auszubildende in laufenden Verträgen")
		// The site of the company is reachable through the head company.
		b.get("/betrieb/0004712").want(t, http.StatusOK, "über den Hauptbetrieb")
		if r := b.get("/start"); r.location() != "/betrieb/0004711" {
			t.Errorf("start page redirects to %q, want the company", r.location())
		}

		// A second user with the same, now used, code learns that the
		// company is activated, and nothing else.
		other := h.signUp("kollege@example.org", "Kollege")
		other.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}}).
			want(t, http.StatusConflict, "bereits freigeschaltet")
		other.get("/betrieb/0004711").want(t, http.StatusNotFound)
		if strings.Contains(other.get("/aktivieren").body, "chef@example.org") {
			t.Error("the activation page names the administrator to a stranger")
		}

		actions := h.auditActions()
		for _, want := range []string{"activation.succeeded", "activation.already_activated"} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit log %v lacks %s", actions, want)
			}
		}
	})
}

func TestActivateWrongPairSaysNotWhich(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("try@example.org", "Try")
		wrongCode := b.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"AAAA-BBBB-CCCC"}})
		wrongIdent := b.post("/aktivieren", url.Values{"ident": {"9999999"}, "code": {"K7QM-2XHD-9PLA"}})
		otherCompany := b.post("/aktivieren", url.Values{"ident": {"20931"}, "code": {"K7QM-2XHD-9PLA"}})
		for _, r := range []response{wrongCode, wrongIdent, otherCompany} {
			r.want(t, http.StatusUnprocessableEntity, "passen nicht zusammen")
		}
		strip := func(r response) string {
			return strings.NewReplacer("0004711", "", "9999999", "", "20931", "").Replace(r.body)
		}
		if strip(wrongCode) != strip(wrongIdent) || strip(wrongIdent) != strip(otherCompany) {
			t.Error("the answers to a wrong code and a wrong Identnummer differ")
		}
	})
}

func TestActivateLockOut(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		// Per account: five wrong tries, then a pause, whatever company.
		b := h.signUp("guess@example.org", "Guess")
		for i := range 5 {
			b.post("/aktivieren", url.Values{"ident": {"20931"}, "code": {"WRONG-" + string(rune('A'+i))}}).
				want(t, http.StatusUnprocessableEntity)
		}
		r := b.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}})
		r.want(t, http.StatusTooManyRequests, "Zu viele falsche Versuche", "in 15 Minuten")
		if r.Header.Get("Retry-After") == "" {
			t.Error("lock-out answer lacks Retry-After")
		}
		h.clock.Advance(15*time.Minute + time.Second)
		b.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}}).
			want(t, http.StatusSeeOther)

		// Per Identnummer: five wrong tries from several accounts lock it.
		for i := range 5 {
			u := h.signUp("u"+string(rune('a'+i))+"@example.org", "U")
			u.post("/aktivieren", url.Values{"ident": {"20931"}, "code": {"NOPE-NOPE-NOPE"}}).
				want(t, http.StatusUnprocessableEntity)
		}
		late := h.signUp("late@example.org", "Late")
		late.post("/aktivieren", url.Values{"ident": {"20931"}, "code": {"P4TR-8WNE-3ZKC"}}).
			want(t, http.StatusTooManyRequests)

		tries := 0
		for _, a := range h.auditActions() {
			if strings.HasPrefix(a, "activation.") {
				tries++
			}
		}
		if tries != 13 {
			t.Errorf("audit log has %d activation entries, want every one of the 13 tries", tries)
		}
	})
}

func TestActivateDeletedCompanyFails(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("cafe@example.org", "Cafe")
		b.post("/aktivieren", url.Values{"ident": {"31007"}, "code": {"ABCD-EFGH-IJKL"}}).
			want(t, http.StatusUnprocessableEntity, "passen nicht zusammen")
	})
}

func TestCompanyPageShowsRunningImport(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("wait@example.org", "Wait")
		b.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}}).want(t, http.StatusSeeOther)

		run := &schema.ImportRun{PackageID: "p", PackageName: "p", StartedAt: time.Now().UTC(),
			Outcome: schema.OutcomeRunning}
		if _, err := h.db.NewInsert().Model(run).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		b.get("/betrieb/0004711").want(t, http.StatusOK, `hx-get="/betrieb/0004711/import-status"`,
			"werden gerade")
		b.header.Set("HX-Request", "true")
		b.get("/betrieb/0004711/import-status").want(t, http.StatusOK, "Laufzeit bisher")

		run.Outcome = schema.OutcomeApplied
		if _, err := h.db.NewUpdate().Model(run).Column("outcome").WherePK().Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		r := b.get("/betrieb/0004711/import-status")
		if r.Header.Get("HX-Refresh") != "true" {
			t.Errorf("status after the import: HX-Refresh %q, want true", r.Header.Get("HX-Refresh"))
		}
	})
}
