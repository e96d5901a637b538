package mail

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

// newMailboxSender returns a Sender without SMTP host that writes into
// dir, with its own registry, the clock clk and a logger that writes to
// the returned buffer.
func newMailboxSender(t *testing.T, db *bun.DB, dir string, clk *clock) (*Sender, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	s, err := New(Options{
		Store:      store.New(db),
		Mailbox:    dir,
		From:       "portal@ihk-beispiel.de",
		FromName:   "Ausbildungsportal der IHK Müsterstädt",
		Logger:     slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer: prometheus.NewRegistry(),
		Now:        clk.Now,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, &logs
}

// mailboxFiles returns the names of all entries in dir, hidden ones too.
func mailboxFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatalf("read mailbox folder: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

var mailboxName = regexp.MustCompile(`^\d{8}T\d{6}Z-\d{6}\.eml$`)

func TestMailboxWritesDueMails(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "mailbox")
		clk := newClock()
		s, logs := newMailboxSender(t, db, dir, clk)

		first := enqueue(t, db, "Jörg Müßig <joerg.muessig@example.de>", "Anmeldung zur Abschlussprüfung")
		second := enqueue(t, db, "azubi@example.de", "Ihr Zugang zum Ausbildungsportal")
		if err := s.Run(ctx); err != nil {
			t.Fatalf("Run: %v", err)
		}

		names := mailboxFiles(t, dir)
		want := []string{mailboxFileName(first.ID, clk.Now()), mailboxFileName(second.ID, clk.Now())}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Fatalf("mailbox folder has %q, want %q", names, want)
		}

		for i, m := range []*schema.OutboxMail{first, second} {
			name := mailboxFileName(m.ID, clk.Now())
			if !mailboxName.MatchString(name) {
				t.Errorf("file name %q, want the form 20261204T192600Z-000123.eml", name)
			}
			path := filepath.Join(dir, name)
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != 0o640 {
				t.Errorf("mail %d file mode = %v, want 0640", i+1, got)
			}

			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p := parseMail(t, data)
			to, err := p.header.AddressList("To")
			if err != nil || len(to) != 1 {
				t.Fatalf("mail %d To = %q: %v", i+1, p.header.Get("To"), err)
			}
			rcpt, err := parseAddress(m.Recipient)
			if err != nil {
				t.Fatal(err)
			}
			if to[0].Address != rcpt.local+"@"+rcpt.ascii || to[0].Name != rcpt.name {
				t.Errorf("mail %d To = %q <%s>, want %q", i+1, to[0].Name, to[0].Address, m.Recipient)
			}
			if got := decodeHeader(t, p.header, "Subject"); got != m.Subject {
				t.Errorf("mail %d Subject = %q, want %q", i+1, got, m.Subject)
			}
			if got, want := p.header.Get("Message-Id"), "<"+m.MessageID+">"; got != want {
				t.Errorf("mail %d Message-ID = %q, want %q", i+1, got, want)
			}
			if got := p.parts["text/plain"]; got != m.TextBody {
				t.Errorf("mail %d text part = %q, want %q", i+1, got, m.TextBody)
			}

			row := outboxRow(t, db, m.ID)
			if row.State != schema.MailSent || row.Attempts != 1 || row.SentAt == nil {
				t.Errorf("mail %d row = state %q, attempts %d, sent_at %v; want sent once",
					i+1, row.State, row.Attempts, row.SentAt)
			}
		}

		info, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got&0o027 != 0 {
			t.Errorf("mailbox folder mode = %v, want no write for the group and nothing for others", got)
		}
		if got := testutil.ToFloat64(s.metrics.sent); got != 2 {
			t.Errorf("asta_mail_sent_total = %v, want 2", got)
		}
		if got := testutil.ToFloat64(s.metrics.mails.WithLabelValues(schema.MailSent)); got != 2 {
			t.Errorf("asta_mail_outbox_mails{state=sent} = %v, want 2", got)
		}

		clk.Advance(time.Minute)
		if err := s.Run(ctx); err != nil {
			t.Fatalf("second Run: %v", err)
		}
		if got := mailboxFiles(t, dir); !slices.Equal(got, want) {
			t.Errorf("after the second run the folder has %q, want still %q", got, want)
		}
		checkMailboxLogs(t, logs.String(), first, second)
	})
}

// checkMailboxLogs checks that the log names each mail by its outbox id
// and file, and names no address, subject or body.
func checkMailboxLogs(t *testing.T, logs string, mails ...*schema.OutboxMail) {
	t.Helper()
	if n := strings.Count(logs, `msg="mail written to the mailbox folder"`); n != len(mails) {
		t.Errorf("log has %d lines about written mails, want %d:\n%s", n, len(mails), logs)
	}
	for _, m := range mails {
		if !strings.Contains(logs, "outbox_id="+strconv.FormatInt(m.ID, 10)+" file=") {
			t.Errorf("log does not name outbox id %d and its file:\n%s", m.ID, logs)
		}
		for _, secret := range []string{m.Recipient, m.Subject, "Ihre Anmeldung ist eingegangen", "example.de"} {
			if strings.Contains(logs, secret) {
				t.Errorf("log contains %q:\n%s", secret, logs)
			}
		}
	}
}

func TestMailboxInvalidRecipient(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		dir := t.TempDir()
		s, _ := newMailboxSender(t, db, dir, newClock())
		m := enqueue(t, db, "kein Empfänger", "Zwischenprüfung")
		if err := s.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}

		if names := mailboxFiles(t, dir); len(names) != 0 {
			t.Errorf("mailbox folder has %q, want nothing", names)
		}
		row := outboxRow(t, db, m.ID)
		if row.State != schema.MailFailed || !strings.Contains(row.LastError, "invalid recipient") {
			t.Errorf("row = state %q, last_error %q; want failed for an invalid recipient", row.State, row.LastError)
		}
	})
}

func TestMailboxWriteFailure(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "mailbox")
		if err := os.WriteFile(dir, []byte("a file where the folder belongs"), 0o600); err != nil {
			t.Fatal(err)
		}
		s, _ := newMailboxSender(t, db, dir, newClock())
		m := enqueue(t, db, "azubi@example.de", "Zwischenprüfung")

		if err := s.Run(ctx); err == nil {
			t.Fatal("Run with a file in place of the folder = nil error, want one")
		}
		row := outboxRow(t, db, m.ID)
		if row.State != schema.MailPending || row.Attempts != 0 {
			t.Errorf("row = state %q, attempts %d; want pending and untouched", row.State, row.Attempts)
		}

		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if err := s.Run(ctx); err != nil {
			t.Fatalf("Run after the folder is free: %v", err)
		}
		if names := mailboxFiles(t, dir); len(names) != 1 {
			t.Errorf("mailbox folder has %q, want one mail", names)
		}
	})
}

func TestMailboxNothingDue(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		dir := filepath.Join(t.TempDir(), "mailbox")
		s, _ := newMailboxSender(t, db, dir, newClock())
		if err := s.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("mailbox folder exists after a run with no mail due (%v), want it not created", err)
		}
	})
}

func TestNewRequiresHostOrMailbox(t *testing.T) {
	_, err := New(Options{Store: store.New(nil), From: "portal@ihk-beispiel.de"})
	if err == nil || !strings.Contains(err.Error(), "missing SMTP host or mailbox folder") {
		t.Errorf("New without host and mailbox = %v, want a missing host or mailbox error", err)
	}
}
