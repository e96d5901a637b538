package panel

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRegisterConfirmSignIn(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.browser()
		b.post("/registrieren", url.Values{
			"email": {"Anna.Schmidt@Example.org"}, "name": {"Anna Schmidt"}, "password": {testPassword},
		}).want(t, http.StatusOK, "Anna.Schmidt@Example.org")

		// Unconfirmed: no sign-in.
		b.post("/anmelden", url.Values{"email": {"anna.schmidt@example.org"}, "password": {testPassword}}).
			want(t, http.StatusForbidden, "bestätigen Sie zuerst")

		path, token := h.lastLink("Anna.Schmidt@Example.org")
		if path != "/bestaetigen" {
			t.Fatalf("confirmation link path = %s", path)
		}
		// Following the link shows a button and uses nothing up.
		b.get("/bestaetigen?t="+token).want(t, http.StatusOK, "Adresse bestätigen")
		b.get("/bestaetigen?t="+token).want(t, http.StatusOK, "Adresse bestätigen")
		b.post("/bestaetigen", url.Values{"t": {token}}).want(t, http.StatusOK, "ist bestätigt")
		b.post("/bestaetigen", url.Values{"t": {token}}).want(t, http.StatusGone, "bereits verwendet")
		b.get("/bestaetigen?t=nonsense").want(t, http.StatusNotFound, "ungültig")

		// Case and Unicode form of the address do not matter at sign-in.
		before := b.cookies[sessionCookie]
		r := b.post("/anmelden", url.Values{"email": {" ANNA.schmidt@example.ORG "}, "password": {testPassword},
			"weiter": {"/konto"}})
		r.want(t, http.StatusSeeOther)
		if r.location() != "/konto" {
			t.Errorf("sign-in redirects to %q, want the return path /konto", r.location())
		}
		if after := b.cookies[sessionCookie]; after == "" || after == before {
			t.Errorf("session cookie %q after sign-in, want a new one (before %q)", after, before)
		}
		b.get("/konto").want(t, http.StatusOK, "Anna Schmidt")
	})
}

func TestConfirmationLinkExpires(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.browser()
		b.post("/registrieren", url.Values{"email": {"late@example.org"}, "name": {"Late"},
			"password": {testPassword}}).want(t, http.StatusOK)
		_, token := h.lastLink("late@example.org")

		h.clock.Advance(24*time.Hour + time.Second)
		b.get("/bestaetigen?t="+token).want(t, http.StatusGone, "abgelaufen", "Neuen Link senden")
		b.post("/bestaetigen", url.Values{"t": {token}}).want(t, http.StatusGone, "abgelaufen")
		b.post("/bestaetigen/neu", url.Values{"t": {token}}).want(t, http.StatusOK, "neuen Link geschickt")

		_, fresh := h.lastLink("late@example.org")
		if fresh == token {
			t.Fatal("the new mail repeats the expired link")
		}
		b.post("/bestaetigen", url.Values{"t": {fresh}}).want(t, http.StatusOK, "ist bestätigt")
	})
}

func TestUnconfirmedAccountsArePurged(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.browser()
		b.post("/registrieren", url.Values{"email": {"gone@example.org"}, "name": {"Gone"},
			"password": {testPassword}}).want(t, http.StatusOK)
		ctx := t.Context()

		n, err := h.st.PurgeUnconfirmed(ctx, h.clock.Now().Add(time.Hour))
		if err != nil || n != 0 {
			t.Fatalf("purge while the link works = %d, %v; want 0", n, err)
		}
		n, err = h.st.PurgeUnconfirmed(ctx, h.clock.Now().Add(25*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("purge after the link expired = %d, %v; want 1", n, err)
		}
	})
}

// TestRegisterDoesNotEnumerate checks that a taken address gets the same
// response as a new one, and costs the same work: one password hash and
// one mail.
func TestRegisterDoesNotEnumerate(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		h.signUp("taken@example.org", "Taken")
		b := h.browser()
		b.get("/registrieren")

		register := func(email string) (string, int64, int) {
			work, mails := h.hasher.work(), len(h.outbox())
			r := b.post("/registrieren", url.Values{"email": {email}, "name": {"Someone"},
				"password": {testPassword}})
			r.want(t, http.StatusOK)
			return strings.ReplaceAll(r.body, email, "ADDRESS"), h.hasher.work() - work, len(h.outbox()) - mails
		}
		newBody, newWork, newMails := register("fresh@example.org")
		takenBody, takenWork, takenMails := register("taken@example.org")

		if newBody != takenBody {
			t.Errorf("answers differ for a new and a taken address:\n%s\n---\n%s", newBody, takenBody)
		}
		if newWork != 1 || takenWork != 1 || newMails != 1 || takenMails != 1 {
			t.Errorf("work new = %d hashes, %d mails; taken = %d hashes, %d mails; want 1 and 1 each",
				newWork, newMails, takenWork, takenMails)
		}
		mails := h.outbox()
		if last := mails[len(mails)-1]; last.Recipient != "taken@example.org" ||
			!strings.Contains(last.TextBody, "schon ein Konto") {
			t.Errorf("the owner of the taken address got %q, want the already-registered notice", last.Subject)
		}
	})
}

func TestForgotPassword(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		old := h.signUp("forgot@example.org", "Forgetful")
		b := h.browser()
		b.get("/passwort-vergessen")

		ask := func(email string) (string, int) {
			mails := len(h.outbox())
			r := b.post("/passwort-vergessen", url.Values{"email": {email}})
			r.want(t, http.StatusOK)
			return strings.ReplaceAll(r.body, email, "ADDRESS"), len(h.outbox()) - mails
		}
		knownBody, knownMails := ask("forgot@example.org")
		unknownBody, unknownMails := ask("nobody@example.org")
		if knownBody != unknownBody || knownMails != 1 || unknownMails != 1 {
			t.Errorf("known address: %d mails, unknown: %d mails, same answer %v; want 1, 1, true",
				knownMails, unknownMails, knownBody == unknownBody)
		}

		_, token := h.lastLink("forgot@example.org")
		b.get("/passwort-neu?t="+token).want(t, http.StatusOK, "Passwort speichern")
		b.post("/passwort-neu", url.Values{"t": {token}, "password": {"kurz"}}).
			want(t, http.StatusUnprocessableEntity, "mindestens 12 Zeichen")
		b.post("/passwort-neu", url.Values{"t": {token}, "password": {"Ein ganz neues Passwort 2"}}).
			want(t, http.StatusOK, "ist gespeichert")
		b.post("/passwort-neu", url.Values{"t": {token}, "password": {"Noch ein neues Passwort 3"}}).
			want(t, http.StatusGone, "bereits verwendet")

		// The reset ended the old session.
		r := old.get("/konto")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/anmelden") {
			t.Errorf("old session after reset: %d %s, want a redirect to sign-in", r.StatusCode, r.location())
		}

		// A reset link works for one hour.
		b.post("/passwort-vergessen", url.Values{"email": {"forgot@example.org"}}).want(t, http.StatusOK)
		_, late := h.lastLink("forgot@example.org")
		h.clock.Advance(time.Hour + time.Second)
		b.get("/passwort-neu?t="+late).want(t, http.StatusGone, "abgelaufen")
	})
}

func TestSignInFailuresLookAlike(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		h.signUp("known@example.org", "Known")
		b := h.browser()
		b.get("/anmelden")

		wrong := b.post("/anmelden", url.Values{"email": {"known@example.org"}, "password": {"falsch falsch falsch"}})
		wrong.want(t, http.StatusUnauthorized, "E-Mail-Adresse oder Passwort ist falsch")
		work := h.hasher.work()
		unknown := b.post("/anmelden", url.Values{"email": {"unknown@example.org"}, "password": {"falsch falsch"}})
		unknown.want(t, http.StatusUnauthorized, "E-Mail-Adresse oder Passwort ist falsch")
		if got := h.hasher.work() - work; got != 1 {
			t.Errorf("sign-in with an unknown address computed %d password hashes, want 1", got)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("idle@example.org", "Idle")
		h.clock.Advance(29 * time.Minute)
		b.get("/konto").want(t, http.StatusOK)
		h.clock.Advance(31 * time.Minute)
		if r := b.get("/konto"); r.StatusCode != http.StatusSeeOther ||
			r.location() != "/anmelden?weiter=%2Fkonto" {
			t.Fatalf("after 31 idle minutes: %d %q, want a redirect to sign-in with the return path",
				r.StatusCode, r.location())
		}

		b = h.signUp("busy@example.org", "Busy")
		for range 12 * 3 {
			h.clock.Advance(20 * time.Minute)
			if r := b.get("/konto"); r.StatusCode != http.StatusOK {
				break
			}
		}
		if r := b.get("/konto"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after 12 busy hours: %d, want the session ended", r.StatusCode)
		}
	})
}

func TestHTMXRequestWithoutSessionRedirects(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.browser()
		b.header.Set("HX-Request", "true")
		b.header.Set("HX-Current-URL", "http://portal.test/betrieb/0004711?x=1")
		r := b.get("/betrieb/0004711/import-status")
		if got := r.Header.Get("HX-Redirect"); got != "/anmelden?weiter=%2Fbetrieb%2F0004711%3Fx%3D1" {
			t.Errorf("HX-Redirect = %q, want the sign-in page with the current page as return path", got)
		}
		if r.body != "" {
			t.Errorf("body = %q, want none", r.body)
		}
	})
}

func TestSignOut(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("out@example.org", "Out")
		cookie := b.cookies[sessionCookie]
		b.get("/konto")
		b.post("/abmelden", url.Values{}).want(t, http.StatusSeeOther)
		b.cookies[sessionCookie] = cookie // a copy of the cookie is worth nothing now
		if r := b.get("/konto"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("old cookie after sign-out: %d, want a redirect to sign-in", r.StatusCode)
		}
	})
}

func TestRegisterRejectsWeakInput(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		tests := []struct {
			name, email, pw, want string
		}{
			{"short password", "a@example.org", "kurz", "mindestens 12 Zeichen"},
			{"common password", "a@example.org", "123456789012", "zu verbreitet"},
			{"bad address", "keine-adresse", testPassword, "gültige E-Mail-Adresse"},
		}
		b := h.browser()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := b.post("/registrieren", url.Values{"email": {tt.email}, "name": {"A"}, "password": {tt.pw}})
				r.want(t, http.StatusUnprocessableEntity, tt.want, `aria-invalid="true"`)
			})
		}
	})
}
