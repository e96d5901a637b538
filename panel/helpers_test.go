package panel

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"asta/jobs/importer/importtest"
	"asta/panel/credential"
	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

// testPassword passes the password policy.
const testPassword = "Ein langer Satz als Passwort 7"

// trustedProxies are the loopback addresses that the test panels trust as
// proxies; browsers connect from other loopback addresses.
const trustedProxies = "127.0.0.192/26"

// harness is a panel on a test database with the small sample package
// imported, a clock the test moves, and the logs kept for inspection.
type harness struct {
	t      *testing.T
	db     *bun.DB
	st     *store.Store
	app    *fiber.App
	hasher *countingHasher
	clock  *clock
	logs   *syncBuffer
	url    string       // base URL of the running panel
	dbURL  string       // URL of the database, for imports
	mails  atomic.Int64 // calls of MailQueued
}

// panelTest runs fn on SQLite and on PostgreSQL.
func panelTest(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		importtest.Import(t, db, url, "../testdata/export-small")
		h := newHarness(t, db, nil)
		h.dbURL = url
		fn(t, h)
	})
}

func newHarness(t *testing.T, db *bun.DB, edit func(*Options)) *harness {
	t.Helper()
	fast, err := credential.NewHasher(credential.HasherOptions{Params: credential.Params{Memory: 64, Time: 1}})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, st: store.New(db), hasher: &countingHasher{h: fast}, clock: newClock(),
		logs: &syncBuffer{}}
	reg := prometheus.NewRegistry()
	opts := Options{
		Store: h.st, Gatherer: reg, Registerer: reg, Logger: slog.New(slog.NewTextHandler(h.logs, nil)),
		BaseURL: "http://portal.test", SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix(trustedProxies)},
		Hasher:         h.hasher, Now: h.clock.Now, MailQueued: func() { h.mails.Add(1) },
		ExamContact: "die Prüfungsabteilung Ihrer Kammer",
		Legal: LegalTexts{Imprint: "Impressum der Kammer", Privacy: "Datenschutz der Kammer",
			Accessibility: "Erklärung der Kammer", AccessibilityContact: "barrieren@kammer.example"},
	}
	if edit != nil {
		edit(&opts)
	}
	h.app, err = New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	h.url = serve(t, h.app)
	return h
}

// serve runs app on a free port of 127.0.0.1 until the test ends and
// returns its base URL.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	// Wait until the app serves, because a shutdown before that never
	// returns.
	base := "http://" + ln.Addr().String()
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			break
		}
		if i == 100 {
			t.Fatalf("the panel does not serve: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() {
		// Browsers keep idle connections open; the time-out closes them.
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return base
}

// client returns an HTTP client that connects from the loopback address
// ip, so that the panel takes it as the client's address, and does not
// follow redirects.
func client(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// countingHasher counts the password hashes of each kind.
type countingHasher struct {
	h                     *credential.Hasher
	hashes, verifies, dum atomic.Int64
}

func (c *countingHasher) Hash(ctx context.Context, pw string) (string, error) {
	c.hashes.Add(1)
	return c.h.Hash(ctx, pw)
}

func (c *countingHasher) Verify(ctx context.Context, enc, pw string) (bool, error) {
	c.verifies.Add(1)
	return c.h.Verify(ctx, enc, pw)
}

func (c *countingHasher) Dummy(ctx context.Context, pw string) error {
	c.dum.Add(1)
	return c.h.Dummy(ctx, pw)
}

// work is the number of password computations of any kind.
func (c *countingHasher) work() int64 {
	return c.hashes.Load() + c.verifies.Load() + c.dum.Load()
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Now().UTC().Truncate(time.Second)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// browser keeps cookies across requests like a browser, and the CSRF token
// of the last page it read.
type browser struct {
	h       *harness
	cookies map[string]string
	csrf    string
	ip      string
	header  http.Header // added to every request
}

func (h *harness) browser() *browser {
	return &browser{h: h, cookies: map[string]string{}, ip: "127.0.0.10", header: http.Header{}}
}

// response is a completed request with its body read.
type response struct {
	*http.Response
	body string
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) do(method, target string, form url.Values) response {
	b.h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.h.url+target, body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range b.header {
		req.Header[k] = vs
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := client(b.ip).Do(req)
	if err != nil {
		b.h.t.Fatalf("%s %s: %v", method, target, err)
	}
	if resp.StatusCode == http.StatusInternalServerError {
		b.h.t.Logf("log after 500 of %s %s:\n%s", method, target, b.h.logs.String())
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.h.t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if m := csrfField.FindStringSubmatch(string(data)); m != nil {
		b.csrf = m[1]
	}
	return response{Response: resp, body: string(data)}
}

func (b *browser) get(target string) response {
	b.h.t.Helper()
	return b.do(http.MethodGet, target, nil)
}

// post sends the form with the CSRF token of the last page, fetching
// first if none was read yet.
func (b *browser) post(target string, form url.Values) response {
	b.h.t.Helper()
	if b.csrf == "" {
		b.get("/anmelden")
	}
	form.Set("_csrf", b.csrf)
	return b.do(http.MethodPost, target, form)
}

func (r response) want(t *testing.T, status int, fragments ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s = %d, want %d\n%s", r.Request.Method, r.Request.URL, r.StatusCode, status, r.body)
	}
	for _, f := range fragments {
		if !strings.Contains(r.body, f) {
			t.Fatalf("%s %s: body lacks %q\n%s", r.Request.Method, r.Request.URL, f, r.body)
		}
	}
}

func (r response) location() string {
	return r.Header.Get("Location")
}

// outbox returns the mails queued so far, oldest first.
func (h *harness) outbox() []schema.OutboxMail {
	h.t.Helper()
	var mails []schema.OutboxMail
	if err := h.db.NewSelect().Model(&mails).Order("id").Scan(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	return mails
}

var linkPattern = regexp.MustCompile(`http://portal\.test(/[^\s?]+)\?t=([A-Za-z0-9_-]+)`)

// lastLink returns the path and token of the link in the newest mail to
// the address.
func (h *harness) lastLink(to string) (path, token string) {
	h.t.Helper()
	mails := h.outbox()
	for i := len(mails) - 1; i >= 0; i-- {
		if mails[i].Recipient != to {
			continue
		}
		m := linkPattern.FindStringSubmatch(mails[i].TextBody)
		if m == nil {
			h.t.Fatalf("newest mail to %s has no link:\n%s", to, mails[i].TextBody)
		}
		return m[1], m[2]
	}
	h.t.Fatalf("no mail to %s", to)
	return "", ""
}

// signUp registers and confirms an account and returns a browser signed
// in with it.
func (h *harness) signUp(email, name string) *browser {
	h.t.Helper()
	b := h.browser()
	b.post("/registrieren", url.Values{"email": {email}, "name": {name}, "password": {testPassword}}).
		want(h.t, http.StatusOK)
	_, token := h.lastLink(email)
	b.post("/bestaetigen", url.Values{"t": {token}}).want(h.t, http.StatusOK)
	return h.signInWith(b, email)
}

// signIn returns a new browser signed in with the account.
func (h *harness) signIn(email string) *browser {
	h.t.Helper()
	return h.signInWith(h.browser(), email)
}

func (h *harness) signInWith(b *browser, email string) *browser {
	h.t.Helper()
	r := b.post("/anmelden", url.Values{"email": {email}, "password": {testPassword}})
	if r.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign in as %s = %d\n%s", email, r.StatusCode, r.body)
	}
	b.get("/konto") // as a browser follows the redirect; it brings the new CSRF token
	return b
}

// auditActions returns the actions of the audit log, oldest first.
func (h *harness) auditActions() []string {
	h.t.Helper()
	var actions []string
	err := h.db.NewSelect().Model((*schema.AuditEntry)(nil)).Column("action").Order("id").
		Scan(context.Background(), &actions)
	if err != nil {
		h.t.Fatal(err)
	}
	return actions
}
