package panel

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	netmail "net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/emersion/go-smtp"
	"github.com/uptrace/bun"

	"asta/jobs/importer/importtest"
	"asta/jobs/mail"
	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

// mailWait is how long a test waits for a mail to reach the test SMTP
// server.
const mailWait = 15 * time.Second

// mailbox is an SMTP server on 127.0.0.1 that accepts every mail and
// keeps it.
type mailbox struct {
	host string
	port int

	mu    sync.Mutex
	mails []receivedMail
}

// receivedMail is one mail that the mailbox accepted.
type receivedMail struct {
	to   []string
	data []byte
}

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	mb := &mailbox{}
	srv := smtp.NewServer(mb)
	srv.Domain = "mx.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = silentSMTPLog{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for SMTP: %v", err)
	}
	mb.host, mb.port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return mb
}

// silentSMTPLog drops the SMTP server's log of connection errors.
type silentSMTPLog struct{}

func (silentSMTPLog) Printf(string, ...any) {}
func (silentSMTPLog) Println(...any)        {}

func (mb *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &mailboxSession{mb: mb}, nil
}

// waitMail returns the first mail to the address, waiting up to mailWait
// for it. The log helps to explain a mail that never came.
func (mb *mailbox) waitMail(t *testing.T, to string, log *syncBuffer) receivedMail {
	t.Helper()
	deadline := time.Now().Add(mailWait)
	for time.Now().Before(deadline) {
		mb.mu.Lock()
		for _, m := range mb.mails {
			if slices.Contains(m.to, to) {
				mb.mu.Unlock()
				return m
			}
		}
		mb.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no mail to %s reached the SMTP server within %s; mail sender log:\n%s", to, mailWait, log.String())
	return receivedMail{}
}

type mailboxSession struct {
	mb *mailbox
	to []string
}

func (s *mailboxSession) Reset()        { s.to = nil }
func (s *mailboxSession) Logout() error { return nil }

func (s *mailboxSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *mailboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *mailboxSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	s.mb.mails = append(s.mb.mails, receivedMail{to: s.to, data: data})
	return nil
}

// textBody returns the decoded text/plain part of the mail.
func (m receivedMail) textBody(t *testing.T) string {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(m.data))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, m.data)
	}
	body, err := textPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		t.Fatalf("read the text of the mail: %v\n%s", err, m.data)
	}
	return body
}

// textPart returns the first text/plain part of a MIME entity with the
// content type and transfer encoding, decoded.
func textPart(contentType, encoding string, body io.Reader) (string, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		parts := multipart.NewReader(body, params["boundary"])
		for {
			p, err := parts.NextRawPart()
			if err != nil {
				return "", err // io.EOF when no part is text/plain
			}
			text, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err == nil {
				return text, nil
			}
		}
	}
	if mediaType != "text/plain" {
		return "", io.EOF
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	return string(b), err
}

// startSender runs the real mail sender on the database whenever the
// panel queues a mail, as astad does, until the test ends. It returns the
// func for [Options.MailQueued] and the sender's log.
func startSender(t *testing.T, db *bun.DB, mb *mailbox) (func(), *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	sender, err := mail.New(mail.Options{
		Store: store.New(db), Host: mb.host, Port: mb.port, TLS: mail.TLSNone,
		From: "portal@ihk.example", FromName: "Ausbildungsportal",
		ConnectTimeout: 5 * time.Second, SendTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(log, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	wake := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-wake:
				_ = sender.Run(ctx) // Run logs its errors, and a failed mail is retried
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	queued := func() {
		select {
		case wake <- struct{}{}:
		default: // a run is due already
		}
	}
	return queued, log
}

// confirmLink matches the confirmation link of the mail, on the panel's
// BaseURL.
var confirmLink = regexp.MustCompile(`http://portal\.test(/bestaetigen\?t=[A-Za-z0-9_-]+)`)

// TestBrowserRegisterToCompany walks a new user through the panel in
// Chromium: registration, the confirmation mail over SMTP, sign-in and
// the activation of a company.
func TestBrowserRegisterToCompany(t *testing.T) {
	chromiumPath(t)
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		importtest.Import(t, db, url, "../testdata/export-small")
		mb := startMailbox(t)
		queued, senderLog := startSender(t, db, mb)
		h := newHarness(t, db, func(o *Options) { o.MailQueued = queued })
		c := newChrome(t, h.url)
		const email = "erika.mustermann@example.org"

		// Register, typing into each field.
		c.open(t, "/registrieren")
		c.run(t, "type the registration",
			chromedp.SendKeys(chromedp.ID("f-name"), "Erika Mustermann"),
			chromedp.SendKeys(chromedp.ID("f-email"), email),
			chromedp.SendKeys(chromedp.ID("f-password"), testPassword))
		if status := c.submit(t, "submit the registration", chromedp.SendKeys(chromedp.ID("f-password"), kb.Enter)); status != http.StatusOK {
			t.Fatalf("registration: status %d\n%s", status, c.text(t, "main"))
		}
		if got := c.text(t, "main"); !strings.Contains(got, email) {
			t.Errorf("the page after registration does not name %s:\n%s", email, got)
		}

		// Confirm with the link from the mail that the SMTP server got.
		body := mb.waitMail(t, email, senderLog).textBody(t)
		m := confirmLink.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the mail has no confirmation link:\n%s", body)
		}
		if status := c.open(t, m[1]); status != http.StatusOK {
			t.Fatalf("open the confirmation link: status %d\n%s", status, c.text(t, "main"))
		}
		c.submit(t, "press the confirmation button", chromedp.Click(chromedp.CSS(`form[action="/bestaetigen"] button`)))
		if got := c.text(t, "main"); !strings.Contains(got, "ist bestätigt") {
			t.Fatalf("after confirming: %s", got)
		}

		// Sign in. A user without a company lands on the activation page.
		c.open(t, "/anmelden")
		c.run(t, "type the sign-in",
			chromedp.SendKeys(chromedp.ID("f-email"), email),
			chromedp.SendKeys(chromedp.ID("f-password"), testPassword))
		c.submit(t, "submit the sign-in", chromedp.SendKeys(chromedp.ID("f-password"), kb.Enter))
		c.wantLocation(t, "/aktivieren")

		// A wrong code: the error is an alert inside the form.
		c.run(t, "type a wrong activation",
			chromedp.SendKeys(chromedp.ID("f-ident"), "0004711"),
			chromedp.SendKeys(chromedp.ID("f-code"), "AAAA-BBBB-CCCC"))
		if status := c.submit(t, "submit the wrong code", chromedp.SendKeys(chromedp.ID("f-code"), kb.Enter)); status != http.StatusUnprocessableEntity {
			t.Errorf("wrong code: status %d, want %d", status, http.StatusUnprocessableEntity)
		}
		alert := evaluate[string](t, c, `document.querySelector('form[action="/aktivieren"] [role="alert"]')?.textContent ?? ''`)
		if !strings.Contains(alert, "passen nicht zusammen") {
			t.Errorf("alert in the activation form = %q, want the wrong-pair message", alert)
		}
		if got := evaluate[string](t, c, `document.getElementById('f-ident').value`); got != "0004711" {
			t.Errorf("Identnummer after the error = %q, want it kept", got)
		}

		// The right code, in lower case and with spaces.
		c.run(t, "type the activation code", chromedp.SendKeys(chromedp.ID("f-code"), "k7qm 2xhd 9pla"))
		c.submit(t, "submit the activation", chromedp.SendKeys(chromedp.ID("f-code"), kb.Enter))
		c.wantLocation(t, "/betrieb/0004711?aktiviert=1")
		if got := c.text(t, "h1"); got != "Müller & Söhne Feinmechanik GmbH" {
			t.Errorf("company page heading = %q", got)
		}
		if got := c.text(t, "#messages"); !strings.Contains(got, "freigeschaltet") {
			t.Errorf("notice = %q, want the activation notice", got)
		}
		sum, err := h.st.Summary(t.Context(), "0004711", "", schema.DateOf(h.clock.Now().In(berlin)))
		if err != nil {
			t.Fatal(err)
		}
		if sum.Trainees == 0 {
			t.Fatal("the sample company has no trainees to show")
		}
		counts := evaluate[[]string](t, c, `[...document.querySelectorAll('.summary dd')].map(e => e.firstChild.textContent.trim())`)
		want := []string{strconv.Itoa(sum.Trainees), strconv.Itoa(sum.Trainers), strconv.Itoa(sum.OpenExams)}
		if !slices.Equal(counts, want) {
			t.Errorf("counts on the company page = %v, want trainees, trainers and open exams %v", counts, want)
		}
	})
}
