package panel

import (
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp/totp"
)

func TestCSRFRejected(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("csrf@example.org", "Csrf")
		b.get("/konto")
		good := b.csrf

		tests := []struct {
			name   string
			token  string
			header map[string]string
		}{
			{"no token", "", nil},
			{"altered token", altered(good), nil},
			{"token of another visitor", otherToken(h), nil},
			{"cross-site request", good, map[string]string{"Sec-Fetch-Site": "cross-site"}},
			{"foreign origin", good, map[string]string{"Origin": "https://evil.example"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b.header = http.Header{}
				for k, v := range tt.header {
					b.header.Set(k, v)
				}
				form := url.Values{"current": {testPassword}, "email": {"new@example.org"}}
				if tt.token != "" {
					form.Set("_csrf", tt.token)
				}
				b.do(http.MethodPost, "/konto/email", form).want(t, http.StatusForbidden, "Formular ist abgelaufen")
			})
		}

		// The token of the session before sign-in is void after it.
		anon := h.browser()
		anon.get("/anmelden")
		before := anon.csrf
		anon.post("/anmelden", url.Values{"email": {"csrf@example.org"}, "password": {testPassword}}).
			want(t, http.StatusSeeOther)
		anon.do(http.MethodPost, "/konto/email", url.Values{"_csrf": {before}, "current": {testPassword},
			"email": {"x@example.org"}}).want(t, http.StatusForbidden)

		// htmx sends the token as a header.
		b.header = http.Header{"X-Csrf-Token": {good}}
		b.do(http.MethodPost, "/konto/email", url.Values{"current": {"wrong password here"},
			"email": {"y@example.org"}}).want(t, http.StatusUnprocessableEntity)
	})
}

// altered returns token with its first character replaced by another.
func altered(token string) string {
	first := "x"
	if strings.HasPrefix(token, first) {
		first = "y"
	}
	return first + token[1:]
}

func TestSecurityHeaders(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		r := h.browser().get("/anmelden")
		for k, want := range map[string]string{
			"Content-Security-Policy": "script-src 'self'",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-store",
		} {
			if got := r.Header.Get(k); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want it to contain %q", k, got, want)
			}
		}
		if strings.Contains(r.Header.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Error("the CSP allows inline code")
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") {
			t.Error("the page has inline script or style")
		}
		for _, c := range r.Cookies() {
			if !c.HttpOnly || c.SameSite == http.SameSiteNoneMode || c.SameSite == http.SameSiteDefaultMode {
				t.Errorf("cookie %s: HttpOnly %v SameSite %v", c.Name, c.HttpOnly, c.SameSite)
			}
			if c.Secure {
				t.Errorf("cookie %s is Secure on plain HTTP from an untrusted peer", c.Name)
			}
		}

		// Behind a trusted proxy that reports https, cookies are Secure and
		// HSTS is set.
		b := h.browser()
		b.ip = "127.0.0.200"
		b.header.Set("X-Forwarded-Proto", "https")
		r = b.get("/anmelden")
		if r.Header.Get("Strict-Transport-Security") == "" || !r.Cookies()[0].Secure {
			t.Error("behind a trusted TLS proxy: want HSTS and Secure cookies")
		}
		// An untrusted peer cannot claim https.
		b.ip = "127.0.0.50"
		if r = b.get("/anmelden"); r.Header.Get("Strict-Transport-Security") != "" {
			t.Error("an untrusted peer's X-Forwarded-Proto was believed")
		}
	})
}

func TestRequestBodyLimit(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.browser()
		b.get("/anmelden")
		r := b.post("/anmelden", url.Values{"email": {strings.Repeat("a", 100<<10)}, "password": {"x"}})
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("a 100 KiB form = %d, want 413", r.StatusCode)
		}
	})
}

func TestSignInRateLimit(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		h.signUp("target@example.org", "Target")
		b := h.browser()
		b.ip = "127.0.0.7"
		var last response
		for range signInPerAccount + 1 {
			last = b.post("/anmelden", url.Values{"email": {"target@example.org"}, "password": {"falsch falsch"}})
		}
		last.want(t, http.StatusTooManyRequests, "Zu viele Versuche", "Minuten", `role="alert"`)
		if last.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After header")
		}
		h.clock.Advance(signInWindow + time.Second)
		b.post("/anmelden", url.Values{"email": {"target@example.org"}, "password": {testPassword}}).
			want(t, http.StatusSeeOther)
	})
}

func TestClientIP(t *testing.T) {
	s := &Server{opts: Options{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.200/29"), netip.MustParsePrefix("192.168.1.1/32"),
	}}}
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString(s.clientIP(c)) })
	base := serve(t, app)

	tests := []struct {
		name, peer, xff, want string
	}{
		{"no proxy", "127.0.0.9", "", "127.0.0.9"},
		{"untrusted peer's header ignored", "127.0.0.9", "198.51.100.1", "127.0.0.9"},
		{"trusted proxy", "127.0.0.201", "198.51.100.1", "198.51.100.1"},
		{"spoofed first hop", "127.0.0.201", "1.2.3.4, 198.51.100.1", "198.51.100.1"},
		{"two trusted proxies", "127.0.0.201", "198.51.100.1, 192.168.1.1", "198.51.100.1"},
		{"only proxies", "127.0.0.201", "127.0.0.202", "127.0.0.202"},
		{"garbage", "127.0.0.201", "not-an-ip", "127.0.0.201"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, base+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			resp, err := client(tt.peer).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("clientIP = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestLogsHoldNoSecrets runs every flow that handles a password, a link
// or an activation code and checks that none reaches the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("secret@example.org", "Secret")
		_, confirmToken := h.lastLink("secret@example.org")
		b.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}})
		b.post("/aktivieren", url.Values{"ident": {"20931"}, "code": {"WRONG-CODE-1234"}})
		b.post("/passwort-vergessen", url.Values{"email": {"secret@example.org"}})
		_, resetToken := h.lastLink("secret@example.org")
		b.post("/passwort-neu", url.Values{"t": {resetToken}, "password": {"Mein neues geheimes Passwort"}})
		b.post("/anmelden", url.Values{"email": {"secret@example.org"}, "password": {"falsches geheimes Wort"}})

		logs := h.logs.String()
		for _, secret := range []string{testPassword, "Mein neues geheimes Passwort", "falsches geheimes Wort",
			confirmToken, resetToken, "K7QM", "k7qm", "WRONG-CODE", b.cookies[sessionCookie]} {
			if secret != "" && strings.Contains(logs, secret) {
				t.Errorf("the log contains the secret %q:\n%s", secret, logs)
			}
		}
	})
}

func TestOperatorSecondFactor(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.signUp("op@kammer.example", "Operatorin")
		b.get("/konsole").want(t, http.StatusNotFound)
		if _, err := h.db.NewRaw("UPDATE users SET operator = ? WHERE email_key = ?", true, "op@kammer.example").
			Exec(t.Context()); err != nil {
			t.Fatal(err)
		}

		// First sign-in: enrol before anything else.
		if r := b.get("/konsole"); r.location() != "/anmelden/authenticator" {
			t.Fatalf("operator without TOTP: %d %q, want enrolment", r.StatusCode, r.location())
		}
		page := b.get("/anmelden/authenticator")
		page.want(t, http.StatusOK, "data:image/png;base64,")
		secret := between(page.body, `name="secret" value="`, `"`)
		signature := between(page.body, `name="signature" value="`, `"`)
		b.post("/anmelden/authenticator", url.Values{"secret": {secret}, "signature": {signature}, "code": {"000000"}}).
			want(t, http.StatusUnprocessableEntity, "falsch")
		b.post("/anmelden/authenticator", url.Values{"secret": {"AAAABBBBCCCCDDDD"}, "signature": {signature},
			"code": {code(t, "AAAABBBBCCCCDDDD", h.clock.Now())}}).want(t, http.StatusForbidden)
		b.post("/anmelden/authenticator", url.Values{"secret": {secret}, "signature": {signature},
			"code": {code(t, secret, h.clock.Now())}}).want(t, http.StatusSeeOther)
		b.get("/konsole").want(t, http.StatusOK, "Konsole der Kammer")

		// Next sign-in: a code is required, and a code works once.
		b.post("/abmelden", url.Values{})
		b.get("/anmelden")
		b.post("/anmelden", url.Values{"email": {"op@kammer.example"}, "password": {testPassword}})
		if r := b.get("/konsole"); r.location() != "/anmelden/code" {
			t.Fatalf("operator after password: %q, want the code page", r.location())
		}
		b.get("/anmelden/code")
		b.post("/anmelden/code", url.Values{"code": {code(t, secret, h.clock.Now())}}).
			want(t, http.StatusUnprocessableEntity, "falsch")
		h.clock.Advance(30 * time.Second)
		b.post("/anmelden/code", url.Values{"code": {code(t, secret, h.clock.Now())}}).want(t, http.StatusSeeOther)
		b.get("/konsole").want(t, http.StatusOK)
	})
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func between(s, start, end string) string {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, end)
	return v
}

// otherToken returns the CSRF token of a new visitor.
func otherToken(h *harness) string {
	o := h.browser()
	o.get("/anmelden")
	return o.csrf
}
