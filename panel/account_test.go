package panel

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		here := h.signUp("pw@example.org", "Pw")
		there := h.signIn("pw@example.org")

		here.post("/konto/passwort", url.Values{"current": {"falsch falsch falsch"}, "password": {"Ein neues Passwort 42"}}).
			want(t, http.StatusUnprocessableEntity, "aktuelle Passwort ist falsch")
		here.post("/konto/passwort", url.Values{"current": {testPassword}, "password": {"kurz"}}).
			want(t, http.StatusUnprocessableEntity, "mindestens 12 Zeichen")
		r := here.post("/konto/passwort", url.Values{"current": {testPassword}, "password": {"Ein neues Passwort 42"}})
		r.want(t, http.StatusSeeOther)
		here.get(r.location()).want(t, http.StatusOK, "Passwort ist geändert")

		if r := there.get("/konto"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("the other session after the change: %d, want a redirect to sign-in", r.StatusCode)
		}
		h.browser().post("/anmelden", url.Values{"email": {"pw@example.org"}, "password": {testPassword}}).
			want(t, http.StatusUnauthorized)
		h.browser().post("/anmelden", url.Values{"email": {"pw@example.org"}, "password": {"Ein neues Passwort 42"}}).
			want(t, http.StatusSeeOther)
	})
}

func TestChangeEmail(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("old@example.org", "Umzug")
		b.post("/konto/email", url.Values{"current": {testPassword}, "email": {"New@Example.org"}}).
			want(t, http.StatusSeeOther)
		mails := h.outbox()
		notice := mails[len(mails)-1]
		if notice.Recipient != "old@example.org" || !strings.Contains(notice.TextBody, "New@Example.org") {
			t.Errorf("the old address got %q to %s, want a notice naming the new address", notice.Subject,
				notice.Recipient)
		}
		path, token := h.lastLink("New@Example.org")
		if path != "/email-bestaetigen" {
			t.Fatalf("link path = %s", path)
		}
		// Until the link is used, the old address signs in.
		b.get("/konto").want(t, http.StatusOK, "old@example.org")
		b.get("/email-bestaetigen?t="+token).want(t, http.StatusOK, "Neue Adresse bestätigen")
		b.post("/email-bestaetigen", url.Values{"t": {token}}).want(t, http.StatusOK, "ist gespeichert")
		b.post("/email-bestaetigen", url.Values{"t": {token}}).want(t, http.StatusGone)

		h.browser().post("/anmelden", url.Values{"email": {"new@example.org"}, "password": {testPassword}}).
			want(t, http.StatusSeeOther)
		h.browser().post("/anmelden", url.Values{"email": {"old@example.org"}, "password": {testPassword}}).
			want(t, http.StatusUnauthorized)
	})
}

func TestDeleteAccount(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		admin := h.signUp("last@example.org", "Last")
		admin.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}}).
			want(t, http.StatusSeeOther)
		admin.post("/konto/loeschen", url.Values{"current": {testPassword}}).
			want(t, http.StatusConflict, "einzige Administrator", "0004711")

		plain := h.signUp("plain@example.org", "Plain")
		plain.post("/konto/loeschen", url.Values{"current": {"falsch falsch falsch"}}).
			want(t, http.StatusUnprocessableEntity, "aktuelle Passwort ist falsch")
		plain.post("/konto/loeschen", url.Values{"current": {testPassword}}).want(t, http.StatusOK, "Konto ist gelöscht")
		h.browser().post("/anmelden", url.Values{"email": {"plain@example.org"}, "password": {testPassword}}).
			want(t, http.StatusUnauthorized)
	})
}
