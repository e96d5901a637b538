package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

var wordDecoder = new(mime.WordDecoder)

// parsedMail is a received message decoded for assertions.
type parsedMail struct {
	header netmail.Header
	parts  map[string]string // decoded body by media type
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("parse Content-Type: %v", err)
	}
	if mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", mediaType)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		pt, pparams, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("parse part Content-Type: %v", err)
		}
		if !strings.EqualFold(pparams["charset"], "utf-8") {
			t.Errorf("%s charset = %q, want UTF-8", pt, pparams["charset"])
		}
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("read %s part: %v", pt, err)
		}
		parts[pt] = strings.ReplaceAll(string(body), "\r\n", "\n")
	}
	return parsedMail{header: msg.Header, parts: parts}
}

func decodeHeader(t *testing.T, h netmail.Header, key string) string {
	t.Helper()
	v, err := wordDecoder.DecodeHeader(h.Get(key))
	if err != nil {
		t.Fatalf("decode %s %q: %v", key, h.Get(key), err)
	}
	return v
}

func TestSendUmlautsIntact(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ts := startServer(t, serverConfig{})
		clk := newClock()
		s, reg := newTestSender(t, db, ts, clk, nil)

		long := strings.Repeat("Prüfungsausschuss für Kaufleute im Groß- und Außenhandel. ", 40)
		m := &schema.OutboxMail{
			Recipient: "Jörg Müßig <joerg.muessig@example.de>",
			Subject:   "Anmeldung zur Abschlussprüfung – Frist läuft ab",
			TextBody:  "Sehr geehrter Herr Müßig,\n\nÄnderungen bitte bis Freitag.\n" + long + "\n",
			HTMLBody:  "<p>Sehr geehrter Herr Müßig,</p><p>" + long + "</p>",
		}
		if _, err := store.New(db).EnqueueMail(ctx, nil, m); err != nil {
			t.Fatalf("EnqueueMail: %v", err)
		}
		if err := s.Run(ctx); err != nil {
			t.Fatalf("Run: %v", err)
		}

		got := ts.accepted()
		if len(got) != 1 {
			t.Fatalf("server accepted %d messages, want 1", len(got))
		}
		rec := got[0]
		if rec.from != "portal@ihk-beispiel.de" {
			t.Errorf("MAIL FROM = %q, want portal@ihk-beispiel.de", rec.from)
		}
		if strings.Join(rec.to, ",") != "joerg.muessig@example.de" {
			t.Errorf("RCPT TO = %q, want joerg.muessig@example.de", rec.to)
		}
		if rec.utf8 {
			t.Error("MAIL FROM requested SMTPUTF8 for ASCII addresses")
		}
		for i, line := range rawLines(rec.data) {
			if len(line) > 78 {
				t.Errorf("line %d has %d characters, want at most 78: %q", i+1, len(line), line)
			}
			for _, b := range []byte(line) {
				if b >= 0x80 {
					t.Errorf("line %d has the 8-bit byte %#x, want 7-bit data", i+1, b)
					break
				}
			}
		}

		p := parseMail(t, rec.data)
		if got := decodeHeader(t, p.header, "Subject"); got != m.Subject {
			t.Errorf("Subject = %q, want %q", got, m.Subject)
		}
		from, err := p.header.AddressList("From")
		if err != nil || len(from) != 1 {
			t.Fatalf("From = %q: %v", p.header.Get("From"), err)
		}
		if from[0].Name != "Ausbildungsportal der IHK Müsterstädt" || from[0].Address != "portal@ihk-beispiel.de" {
			t.Errorf("From = %q <%s>, want the configured sender", from[0].Name, from[0].Address)
		}
		to, err := p.header.AddressList("To")
		if err != nil || len(to) != 1 {
			t.Fatalf("To = %q: %v", p.header.Get("To"), err)
		}
		if to[0].Name != "Jörg Müßig" {
			t.Errorf("To name = %q, want Jörg Müßig", to[0].Name)
		}
		if got, want := p.header.Get("Message-Id"), "<"+m.MessageID+">"; got != want {
			t.Errorf("Message-ID = %q, want %q", got, want)
		}
		if _, err := p.header.Date(); err != nil {
			t.Errorf("Date %q: %v", p.header.Get("Date"), err)
		}
		if p.header.Get("Mime-Version") != "1.0" {
			t.Errorf("MIME-Version = %q, want 1.0", p.header.Get("Mime-Version"))
		}
		if got := p.parts["text/plain"]; got != m.TextBody {
			t.Errorf("text part = %q, want %q", got, m.TextBody)
		}
		if got := p.parts["text/html"]; got != m.HTMLBody {
			t.Errorf("HTML part = %q, want %q", got, m.HTMLBody)
		}

		row := outboxRow(t, db, m.ID)
		if row.State != schema.MailSent || row.Attempts != 1 || row.SentAt == nil || row.LastError != "" {
			t.Errorf("row = state %q, attempts %d, sent_at %v, last_error %q; want sent once",
				row.State, row.Attempts, row.SentAt, row.LastError)
		}
		if got := testutil.ToFloat64(s.metrics.sent); got != 1 {
			t.Errorf("asta_mail_sent_total = %v, want 1", got)
		}
		if n, err := testutil.GatherAndCount(reg, "asta_mail_outbox_mails"); err != nil || n != 3 {
			t.Errorf("asta_mail_outbox_mails series = %d (%v), want 3", n, err)
		}
		if got := testutil.ToFloat64(s.metrics.mails.WithLabelValues(schema.MailSent)); got != 1 {
			t.Errorf("asta_mail_outbox_mails{state=sent} = %v, want 1", got)
		}
	})
}

func TestLongSubjectFolding(t *testing.T) {
	tests := []struct {
		name    string
		subject string
	}{
		{name: "umlauts", subject: strings.Repeat("Überprüfung der Ausbildungsverträge für Lehrgänge – ", 6)},
		{name: "ascii", subject: strings.Repeat("Reminder about the registration deadline ", 6)},
		{name: "no spaces", subject: strings.Repeat("ÄÖÜäöüß€", 30)},
	}
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ts := startServer(t, serverConfig{})
				s, _ := newTestSender(t, db, ts, newClock(), nil)
				enqueue(t, db, "azubi@example.de", strings.TrimSpace(tt.subject))
				if err := s.Run(context.Background()); err != nil {
					t.Fatalf("Run: %v", err)
				}
				got := ts.accepted()
				if len(got) != 1 {
					t.Fatalf("server accepted %d messages, want 1", len(got))
				}

				lines := subjectLines(got[0].data)
				if len(lines) < 2 {
					t.Errorf("Subject has %d line, want it folded: %q", len(lines), lines)
				}
				for _, line := range lines {
					if len(line) > 78 {
						t.Errorf("Subject line has %d characters, want at most 78: %q", len(line), line)
					}
					for _, word := range strings.Fields(strings.TrimPrefix(line, "Subject:")) {
						if !strings.HasPrefix(word, "=?") {
							continue
						}
						dec, err := wordDecoder.Decode(word)
						if err != nil {
							t.Errorf("encoded word %q does not decode alone: %v", word, err)
						}
						if !utf8.ValidString(dec) {
							t.Errorf("encoded word %q splits a UTF-8 character", word)
						}
					}
				}
				p := parseMail(t, got[0].data)
				if dec := decodeHeader(t, p.header, "Subject"); dec != strings.TrimSpace(tt.subject) {
					t.Errorf("Subject = %q, want %q", dec, strings.TrimSpace(tt.subject))
				}
			})
		}
	})
}

// subjectLines returns the raw lines of the Subject header field.
func subjectLines(data []byte) []string {
	var out []string
	for _, line := range rawLines(data) {
		if line == "" {
			break
		}
		switch {
		case strings.HasPrefix(line, "Subject:"):
			out = append(out, line)
		case len(out) > 0 && (line[0] == ' ' || line[0] == '\t'):
			out = append(out, line)
		case len(out) > 0:
			return out
		}
	}
	return out
}

func TestTemporaryFailureThenSuccess(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ts := startServer(t, serverConfig{})
		ts.set(func(ts *testServer) {
			ts.dataReplies = []error{&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}}
		})
		clk := newClock()
		s, _ := newTestSender(t, db, ts, clk, func(o *Options) { o.BaseBackoff = time.Minute })
		m := enqueue(t, db, "azubi@example.de", "Zwischenprüfung")

		if err := s.Run(ctx); err != nil {
			t.Fatalf("first Run: %v", err)
		}
		row := outboxRow(t, db, m.ID)
		if row.State != schema.MailPending || row.Attempts != 1 {
			t.Errorf("after 451: state %q, attempts %d; want pending, 1", row.State, row.Attempts)
		}
		if !strings.Contains(row.LastError, "451") || !strings.Contains(row.LastError, "try later") {
			t.Errorf("last_error = %q, want the 451 reply", row.LastError)
		}
		if want := clk.Now().Add(time.Minute); !row.NextAttemptAt.Equal(want) {
			t.Errorf("next_attempt_at = %v, want %v", row.NextAttemptAt, want)
		}

		if err := s.Run(ctx); err != nil {
			t.Fatalf("Run before the retry is due: %v", err)
		}
		if n := len(ts.all()); n != 1 {
			t.Errorf("server saw %d messages before the retry was due, want 1", n)
		}

		clk.Advance(time.Minute)
		if err := s.Run(ctx); err != nil {
			t.Fatalf("retry Run: %v", err)
		}
		all := ts.all()
		if len(all) != 2 || !all[1].accepted {
			t.Fatalf("server saw %d messages, want a rejected one and an accepted one", len(all))
		}
		first, second := parseMail(t, all[0].data), parseMail(t, all[1].data)
		if a, b := first.header.Get("Message-Id"), second.header.Get("Message-Id"); a != b || a != "<"+m.MessageID+">" {
			t.Errorf("Message-IDs = %q, %q; want both <%s>", a, b, m.MessageID)
		}
		row = outboxRow(t, db, m.ID)
		if row.State != schema.MailSent || row.Attempts != 2 {
			t.Errorf("after retry: state %q, attempts %d; want sent, 2", row.State, row.Attempts)
		}
	})
}

func TestPermanentFailure(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ts := startServer(t, serverConfig{})
		ts.set(func(ts *testServer) {
			ts.rcptReplies = []error{&smtp.SMTPError{
				Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}}
		})
		s, _ := newTestSender(t, db, ts, newClock(), nil)
		bad := enqueue(t, db, "unbekannt@example.de", "Prüfungstermin")
		good := enqueue(t, db, "azubi@example.de", "Prüfungstermin")

		if err := s.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		row := outboxRow(t, db, bad.ID)
		if row.State != schema.MailFailed || row.Attempts != 1 {
			t.Errorf("rejected mail: state %q, attempts %d; want failed, 1", row.State, row.Attempts)
		}
		if !strings.Contains(row.LastError, "550") || !strings.Contains(row.LastError, "mailbox unavailable") {
			t.Errorf("last_error = %q, want the 550 reply", row.LastError)
		}
		if row := outboxRow(t, db, good.ID); row.State != schema.MailSent {
			t.Errorf("next mail on the connection: state %q, want sent", row.State)
		}
		if got := testutil.ToFloat64(s.metrics.failed); got != 1 {
			t.Errorf("asta_mail_failed_total = %v, want 1", got)
		}
		if n := ts.connections(); n != 1 {
			t.Errorf("connections = %d, want 1", n)
		}
	})
}

func TestMaxAttempts(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ts := startServer(t, serverConfig{})
		busy := &smtp.SMTPError{Code: 452, Message: "insufficient storage"}
		ts.set(func(ts *testServer) { ts.rcptReplies = []error{busy, busy, busy} })
		clk := newClock()
		s, _ := newTestSender(t, db, ts, clk, func(o *Options) { o.MaxAttempts = 2 })
		m := enqueue(t, db, "azubi@example.de", "Erinnerung")

		for range 2 {
			if err := s.Run(ctx); err != nil {
				t.Fatalf("Run: %v", err)
			}
			clk.Advance(time.Hour)
		}
		row := outboxRow(t, db, m.ID)
		if row.State != schema.MailFailed || row.Attempts != 2 {
			t.Errorf("state %q, attempts %d; want failed, 2", row.State, row.Attempts)
		}
		if !strings.HasPrefix(row.LastError, "gave up after 2 attempts") || !strings.Contains(row.LastError, "452") {
			t.Errorf("last_error = %q, want the attempts and the 452 reply", row.LastError)
		}
	})
}

func TestHangingServer(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ts := startServer(t, serverConfig{})
		ts.set(func(ts *testServer) { ts.hang = true })
		clk := newClock()
		s, _ := newTestSender(t, db, ts, clk, func(o *Options) { o.SendTimeout = 500 * time.Millisecond })
		first := enqueue(t, db, "azubi@example.de", "Mail 1")
		second := enqueue(t, db, "ausbilder@example.de", "Mail 2")

		err := s.Run(ctx)
		if err == nil {
			t.Fatal("Run with a hanging server returned no error")
		}
		row := outboxRow(t, db, first.ID)
		if row.State != schema.MailPending || row.Attempts != 1 || !strings.Contains(row.LastError, "timeout") {
			t.Errorf("mail in flight: state %q, attempts %d, last_error %q; want pending, 1, a time-out",
				row.State, row.Attempts, row.LastError)
		}
		if row := outboxRow(t, db, second.ID); row.State != schema.MailPending || row.Attempts != 0 {
			t.Errorf("next mail: state %q, attempts %d; want pending, 0", row.State, row.Attempts)
		}

		ts.set(func(ts *testServer) { ts.hang = false })
		clk.Advance(time.Hour)
		retry, _ := newTestSender(t, db, ts, clk, nil)
		if err := retry.Run(ctx); err != nil {
			t.Fatalf("Run after the server recovered: %v", err)
		}
		for _, m := range []*schema.OutboxMail{first, second} {
			if row := outboxRow(t, db, m.ID); row.State != schema.MailSent {
				t.Errorf("mail %d: state %q, want sent", m.ID, row.State)
			}
		}
		if n := len(ts.accepted()); n != 2 {
			t.Errorf("server accepted %d messages, want 2", n)
		}
	})
}

func TestConnectionReuse(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ts := startServer(t, serverConfig{})
		s, _ := newTestSender(t, db, ts, newClock(), func(o *Options) { o.BatchSize = 3 })
		const n = 7
		for i := range n {
			enqueue(t, db, "azubi@example.de", "Mail "+string(rune('A'+i)))
		}
		if err := s.Run(ctx); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if got := len(ts.accepted()); got != n {
			t.Errorf("server accepted %d messages, want %d", got, n)
		}
		if got := ts.connections(); got != 1 {
			t.Errorf("connections = %d, want 1 for %d mails", got, n)
		}
		if err := s.Run(ctx); err != nil {
			t.Fatalf("Run with nothing due: %v", err)
		}
		if got := ts.connections(); got != 1 {
			t.Errorf("connections after a run with nothing due = %d, want still 1", got)
		}
	})
}

func TestAddresses(t *testing.T) {
	tests := []struct {
		name      string
		smtputf8  bool
		rcpt      string
		wantState string
		wantRcpt  string
		wantUTF8  bool
		wantError string
	}{
		{name: "IDN domain as punycode", smtputf8: true, rcpt: "info@bücher-müller.de",
			wantState: schema.MailSent, wantRcpt: "info@xn--bcher-mller-thbg.de"},
		{name: "IDN domain without SMTPUTF8", rcpt: "Faß <info@faß.de>",
			wantState: schema.MailSent, wantRcpt: "info@xn--fa-hia.de"},
		{name: "ASCII with SMTPUTF8 offered", smtputf8: true, rcpt: "azubi@example.de",
			wantState: schema.MailSent, wantRcpt: "azubi@example.de"},
		{name: "UTF-8 local part with SMTPUTF8", smtputf8: true, rcpt: "jörg@bücher.de",
			wantState: schema.MailSent, wantRcpt: "jörg@xn--bcher-kva.de", wantUTF8: true},
		{name: "UTF-8 local part without SMTPUTF8", rcpt: "jörg@example.de",
			wantState: schema.MailFailed, wantError: "does not offer SMTPUTF8"},
		{name: "invalid address", rcpt: "kein-at-zeichen",
			wantState: schema.MailFailed, wantError: "invalid recipient"},
	}
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ts := startServer(t, serverConfig{smtputf8: tt.smtputf8})
				s, _ := newTestSender(t, db, ts, newClock(), nil)
				m := enqueue(t, db, tt.rcpt, "Adresstest")
				if err := s.Run(context.Background()); err != nil {
					t.Fatalf("Run: %v", err)
				}

				row := outboxRow(t, db, m.ID)
				if row.State != tt.wantState {
					t.Errorf("state = %q (%s), want %q", row.State, row.LastError, tt.wantState)
				}
				if !strings.Contains(row.LastError, tt.wantError) {
					t.Errorf("last_error = %q, want it to contain %q", row.LastError, tt.wantError)
				}
				got := ts.accepted()
				if tt.wantState != schema.MailSent {
					if len(got) != 0 {
						t.Errorf("server accepted %d messages, want none", len(got))
					}
					return
				}
				if len(got) != 1 {
					t.Fatalf("server accepted %d messages, want 1", len(got))
				}
				if strings.Join(got[0].to, ",") != tt.wantRcpt {
					t.Errorf("RCPT TO = %q, want %q", got[0].to, tt.wantRcpt)
				}
				if got[0].utf8 != tt.wantUTF8 {
					t.Errorf("SMTPUTF8 requested = %v, want %v", got[0].utf8, tt.wantUTF8)
				}
			})
		}
	})
}

func TestEnqueueDedupKey(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := store.New(db)
		newMail := func(key string) *schema.OutboxMail {
			return &schema.OutboxMail{Recipient: "azubi@example.de", Subject: "Anmeldung",
				TextBody: "Text", DedupKey: key}
		}

		first := newMail("registration P-1/announce")
		if ok, err := st.EnqueueMail(ctx, nil, first); err != nil || !ok {
			t.Fatalf("first EnqueueMail = (%v, %v), want inserted", ok, err)
		}
		again := newMail("registration P-1/announce")
		if ok, err := st.EnqueueMail(ctx, nil, again); err != nil || ok {
			t.Errorf("second EnqueueMail with the same key = (%v, %v), want not inserted", ok, err)
		}
		for range 2 {
			if ok, err := st.EnqueueMail(ctx, nil, newMail("")); err != nil || !ok {
				t.Errorf("EnqueueMail without key = (%v, %v), want inserted", ok, err)
			}
		}
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := st.EnqueueMail(ctx, tx, newMail("registration P-2/announce")); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		if err == nil {
			t.Fatal("transaction did not fail")
		}

		n, err := db.NewSelect().Model((*schema.OutboxMail)(nil)).Count(ctx)
		if err != nil {
			t.Fatalf("count: %v", err)
		}
		if n != 3 {
			t.Errorf("outbox rows = %d, want 3 (one per key, two without key, none rolled back)", n)
		}
		if first.ID == 0 || first.MessageID == "" || first.State != schema.MailPending {
			t.Errorf("inserted mail = id %d, message id %q, state %q; want them set",
				first.ID, first.MessageID, first.State)
		}
	})
}

func TestRateLimit(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ts := startServer(t, serverConfig{})
		s, _ := newTestSender(t, db, ts, newClock(), func(o *Options) { o.Rate = 10 })
		var waits []time.Duration
		s.sleep = func(_ context.Context, d time.Duration) error {
			waits = append(waits, d)
			return nil
		}
		const n = 5
		for range n {
			enqueue(t, db, "azubi@example.de", "Rundmail")
		}
		if err := s.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if got := len(ts.accepted()); got != n {
			t.Errorf("server accepted %d messages, want %d", got, n)
		}
		// The clock does not advance, so every mail after the first waits.
		if len(waits) != n-1 {
			t.Errorf("waits = %d, want %d", len(waits), n-1)
		}
	})
}

func TestStartTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	tests := []struct {
		name     string
		server   serverConfig
		mode     string
		wantSent bool
	}{
		{name: "starttls", server: serverConfig{tls: serverTLS}, mode: TLSStartTLS, wantSent: true},
		{name: "implicit", server: serverConfig{tls: serverTLS, implicit: true}, mode: TLSImplicit, wantSent: true},
		{name: "starttls not offered", server: serverConfig{}, mode: TLSStartTLS},
	}
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ts := startServer(t, tt.server)
				s, _ := newTestSender(t, db, ts, newClock(), func(o *Options) {
					o.TLS = tt.mode
					o.TLSConfig = clientTLS
				})
				m := enqueue(t, db, "azubi@example.de", "Verschlüsselt")
				err := s.Run(context.Background())
				row := outboxRow(t, db, m.ID)
				if !tt.wantSent {
					if err == nil {
						t.Error("Run without STARTTLS returned no error")
					}
					if row.State != schema.MailPending || row.Attempts != 0 {
						t.Errorf("state %q, attempts %d; want pending, 0", row.State, row.Attempts)
					}
					return
				}
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				got := ts.accepted()
				if len(got) != 1 || !got[0].tls {
					t.Errorf("server accepted %d messages (TLS %v), want 1 over TLS", len(got), len(got) == 1 && got[0].tls)
				}
				if row.State != schema.MailSent {
					t.Errorf("state = %q, want sent", row.State)
				}
			})
		}
	})
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name    string
		attempt int
		want    time.Duration
	}{
		{name: "first", attempt: 1, want: time.Minute},
		{name: "third", attempt: 3, want: 4 * time.Minute},
		{name: "capped", attempt: 10, want: 4 * time.Hour},
		{name: "no overflow", attempt: 200, want: 4 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backoff(time.Minute, 4*time.Hour, tt.attempt); got != tt.want {
				t.Errorf("backoff(1m, 4h, %d) = %v, want %v", tt.attempt, got, tt.want)
			}
		})
	}
}

func TestAuthPlain(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	tests := []struct {
		name     string
		password string
		wantSent bool
	}{
		{name: "right password", password: "geheim", wantSent: true},
		{name: "wrong password", password: "falsch"},
	}
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ts := startServer(t, serverConfig{tls: serverTLS, password: "geheim"})
				s, _ := newTestSender(t, db, ts, newClock(), func(o *Options) {
					o.TLS, o.TLSConfig = TLSStartTLS, clientTLS
					o.Username, o.Password = "portal", tt.password
				})
				m := enqueue(t, db, "azubi@example.de", "Mit Anmeldung")
				err := s.Run(context.Background())
				row := outboxRow(t, db, m.ID)
				if !tt.wantSent {
					if err == nil {
						t.Error("Run with a wrong password returned no error")
					}
					if row.State != schema.MailPending {
						t.Errorf("state = %q, want pending for a later try", row.State)
					}
					return
				}
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				if got := ts.accepted(); len(got) != 1 || !got[0].tls {
					t.Errorf("server accepted %d messages, want 1 over TLS", len(got))
				}
				if row.State != schema.MailSent {
					t.Errorf("state = %q, want sent", row.State)
				}
			})
		}
	})
}

func TestRelayDeniedStopsRun(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ts := startServer(t, serverConfig{})
		ts.set(func(ts *testServer) {
			ts.rcptReplies = []error{&smtp.SMTPError{
				Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}}
		})
		s, _ := newTestSender(t, db, ts, newClock(), nil)
		first := enqueue(t, db, "azubi@example.de", "Prüfungstermin")
		second := enqueue(t, db, "betrieb@example.de", "Prüfungstermin")

		if err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "mail configuration") {
			t.Fatalf("Run = %v, want an error pointing at the mail configuration", err)
		}
		if row := outboxRow(t, db, first.ID); row.State != schema.MailPending || row.Attempts != 1 {
			t.Errorf("refused mail: state %q, attempts %d; want pending for a retry, 1", row.State, row.Attempts)
		}
		if row := outboxRow(t, db, second.ID); row.State != schema.MailPending || row.Attempts != 0 {
			t.Errorf("next mail: state %q, attempts %d; want pending and untried", row.State, row.Attempts)
		}
	})
}
