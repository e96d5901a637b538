package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"asta/jobs/importer/importtest"
	"asta/jobs/mail"
	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

const panelURL = "https://ausbildung.ihk-beispiel.de"

var berlin = mustLocation("Europe/Berlin")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// testDB is one database of a dialect test with the URL it was opened
// with, which the importer needs on PostgreSQL.
type testDB struct {
	db  *bun.DB
	dsn string
}

// dialects runs fn on a fresh SQLite and, if configured, PostgreSQL
// database, like [dbtest.Dialects], and also passes the URL.
func dialects(t *testing.T, fn func(t *testing.T, tdb testDB)) {
	t.Helper()
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) { fn(t, testDB{db, url}) })
}

// importSample imports testdata/export-small: companies 0004711 (Lukas
// von der Heide with P-2027-0001, AP2, and Zoë D'Angelo with P-2027-0002,
// AP1, both OFFEN) and 0004712 (Sören Meyer-Lüdenscheidt with
// P-2027-0003, not OFFEN).
func importSample(t *testing.T, tdb testDB) {
	t.Helper()
	importtest.Import(t, tdb.db, tdb.dsn, "../../testdata/export-small")
}

// setService sets the notification settings of company ident.
func setService(t *testing.T, db *bun.DB, ident string, on bool, email string) {
	t.Helper()
	var value any
	if email != "" {
		value = email
	}
	_, err := db.NewUpdate().Model((*schema.Company)(nil)).
		Set("online_registration = ?", on).
		Set("notification_email = ?", value).
		Where("ident = ?", ident).
		Exec(context.Background())
	if err != nil {
		t.Fatalf("set notification settings of %s: %v", ident, err)
	}
}

// addRegistration inserts an exam registration under contract.
func addRegistration(t *testing.T, db *bun.DB, number, contract, examType, period string, deadline schema.Date) {
	t.Helper()
	now := time.Now().UTC()
	r := &schema.ExamRegistration{
		Number: number, ContractNumber: contract, ExamType: examType, Period: period,
		Deadline: deadline, Status: schema.ExamOpen, CreatedAt: now, UpdatedAt: now,
	}
	if _, err := db.NewInsert().Model(r).Exec(context.Background()); err != nil {
		t.Fatalf("insert registration %s: %v", number, err)
	}
}

func exec(t testing.TB, db *bun.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// clock is a settable time source for [Options.Now].
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(year int, month time.Month, day int) *clock {
	return &clock{now: time.Date(year, month, day, 7, 0, 0, 0, berlin)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(year int, month time.Month, day int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = time.Date(year, month, day, 7, 0, 0, 0, berlin)
}

func newNotifier(t testing.TB, db *bun.DB, clk *clock) (*Notifier, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	n, err := New(Options{
		Store:      store.New(db),
		PanelURL:   panelURL + "/",
		Location:   berlin,
		From:       "Ihre IHK Müsterstädt",
		Registerer: reg,
		Now:        clk.Now,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n, reg
}

func run(t testing.TB, n *Notifier) {
	t.Helper()
	if err := n.Run(context.Background()); err != nil {
		t.Fatalf("notify Run: %v", err)
	}
}

// outboxCount returns the number of mails in the outbox.
func outboxCount(t testing.TB, db *bun.DB) int64 {
	t.Helper()
	n, err := db.NewSelect().Model((*schema.OutboxMail)(nil)).Count(context.Background())
	if err != nil {
		t.Fatalf("count outbox: %v", err)
	}
	return n
}

// decisions returns the exam_notifications rows ordered by reason and
// registration number.
func decisions(t testing.TB, db *bun.DB) []schema.ExamNotification {
	t.Helper()
	var ns []schema.ExamNotification
	err := db.NewSelect().Model(&ns).Order("reason", "registration_number").Scan(context.Background())
	if err != nil {
		t.Fatalf("read exam_notifications: %v", err)
	}
	return ns
}

// smtpServer is a real SMTP server on a local TCP port that accepts every
// message.
type smtpServer struct {
	host string
	port int

	mu       sync.Mutex
	messages []received
}

type received struct {
	to   []string
	data []byte
}

func startSMTP(t testing.TB) *smtpServer {
	t.Helper()
	ts := &smtpServer{}
	srv := smtp.NewServer(ts)
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = discardLogger{}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ts.host, ts.port = "127.0.0.1", l.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ts
}

func (ts *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{ts: ts}, nil
}

func (ts *smtpServer) received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.messages...)
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

type smtpSession struct {
	ts *smtpServer
	to []string
}

func (s *smtpSession) Reset()                                    { s.to = nil }
func (s *smtpSession) Logout() error                             { return nil }
func (s *smtpSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	s.ts.messages = append(s.ts.messages, received{to: s.to, data: data})
	return nil
}

// newSender returns the mail job's sender to ts, without TLS.
func newSender(t testing.TB, db *bun.DB, ts *smtpServer) *mail.Sender {
	t.Helper()
	s, err := mail.New(mail.Options{
		Store:          store.New(db),
		Host:           ts.host,
		Port:           ts.port,
		TLS:            mail.TLSNone,
		From:           "portal@ihk-beispiel.de",
		FromName:       "Ausbildungsportal der IHK Müsterstädt",
		ConnectTimeout: 30 * time.Second,
		SendTimeout:    30 * time.Second,
		BatchSize:      1000,
		Registerer:     prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatalf("mail.New: %v", err)
	}
	return s
}

func deliver(t testing.TB, s *mail.Sender) {
	t.Helper()
	if err := s.Run(context.Background()); err != nil {
		t.Fatalf("mail Run: %v", err)
	}
}

// parsedMail is a received message decoded for assertions.
type parsedMail struct {
	to      string
	subject string
	text    string
	html    string
}

var wordDecoder = new(mime.WordDecoder)

func parseMail(t *testing.T, m received) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(m.data))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	subject, err := wordDecoder.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode Subject: %v", err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("parse Content-Type: %v", err)
	}
	p := parsedMail{to: strings.Join(m.to, ","), subject: subject}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part body: %v", err)
		}
		text := strings.ReplaceAll(string(body), "\r\n", "\n")
		if strings.HasPrefix(part.Header.Get("Content-Type"), "text/html") {
			p.html = text
		} else {
			p.text = text
		}
	}
	return p
}

// mailsTo returns the received mails by recipient.
func mailsTo(t *testing.T, ts *smtpServer) map[string][]parsedMail {
	t.Helper()
	out := map[string][]parsedMail{}
	for _, m := range ts.received() {
		p := parseMail(t, m)
		out[p.to] = append(out[p.to], p)
	}
	return out
}
