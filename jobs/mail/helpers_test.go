package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"asta/schema"
	"asta/store"
)

// received is one message that the test server read after DATA.
type received struct {
	from     string
	to       []string
	utf8     bool // MAIL FROM carried SMTPUTF8
	tls      bool
	data     []byte
	accepted bool
}

// testServer is a real SMTP server on a local TCP port whose replies a
// test can set.
type testServer struct {
	srv  *smtp.Server
	host string
	port int

	mu          sync.Mutex
	conns       int
	messages    []received
	rcptReplies []error // returned by the next RCPT commands, nil accepts
	dataReplies []error // returned at the end of the next DATA commands
	hang        bool    // DATA blocks until the test ends
	release     chan struct{}
	password    string // from serverConfig
}

type serverConfig struct {
	password string // when set, the server offers AUTH PLAIN for user "portal" and requires it
	smtputf8 bool
	tls      *tls.Config // offers STARTTLS when set
	implicit bool        // TLS from the first byte, with tls
}

func startServer(t testing.TB, cfg serverConfig) *testServer {
	t.Helper()
	ts := &testServer{release: make(chan struct{}), password: cfg.password}
	ts.srv = smtp.NewServer(ts)
	ts.srv.Domain = "mx.test"
	ts.srv.EnableSMTPUTF8 = cfg.smtputf8
	ts.srv.AllowInsecureAuth = true
	ts.srv.ErrorLog = discardLogger{}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	if cfg.tls != nil && cfg.implicit {
		l = tls.NewListener(l, cfg.tls)
	} else {
		ts.srv.TLSConfig = cfg.tls
	}
	addr := l.Addr().(*net.TCPAddr)
	ts.host, ts.port = "127.0.0.1", addr.Port

	go func() { _ = ts.srv.Serve(l) }()
	t.Cleanup(func() {
		close(ts.release)
		_ = ts.srv.Close()
	})
	return ts
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

func (ts *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.conns++
	_, isTLS := c.TLSConnectionState()
	return &testSession{ts: ts, conn: c, msg: received{tls: isTLS}, password: ts.password}, nil
}

func (ts *testServer) connections() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.conns
}

// accepted returns the messages that the server accepted.
func (ts *testServer) accepted() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []received
	for _, m := range ts.messages {
		if m.accepted {
			out = append(out, m)
		}
	}
	return out
}

func (ts *testServer) all() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.messages...)
}

func (ts *testServer) set(f func(ts *testServer)) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	f(ts)
}

func pop(q *[]error) error {
	if len(*q) == 0 {
		return nil
	}
	err := (*q)[0]
	*q = (*q)[1:]
	return err
}

type testSession struct {
	ts       *testServer
	conn     *smtp.Conn
	msg      received
	password string // required password, empty for none
	authed   bool
}

// AuthMechanisms offers PLAIN when the server requires a login.
func (s *testSession) AuthMechanisms() []string {
	if s.password == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks the credentials of AUTH PLAIN.
func (s *testSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != "portal" || password != s.password {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *testSession) Reset() {
	_, isTLS := s.conn.TLSConnectionState()
	s.msg = received{tls: isTLS}
}

func (s *testSession) Logout() error { return nil }

func (s *testSession) Mail(from string, opts *smtp.MailOptions) error {
	if s.password != "" && !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	s.msg.from = from
	s.msg.utf8 = opts != nil && opts.UTF8
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ts.mu.Lock()
	err := pop(&s.ts.rcptReplies)
	s.ts.mu.Unlock()
	if err == nil {
		s.msg.to = append(s.msg.to, to)
	}
	return err
}

func (s *testSession) Data(r io.Reader) error {
	s.ts.mu.Lock()
	hang := s.ts.hang
	s.ts.mu.Unlock()
	if hang {
		<-s.ts.release
		return &smtp.SMTPError{Code: 421, Message: "test ended"}
	}

	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	reply := pop(&s.ts.dataReplies)
	msg := s.msg
	msg.data = data
	msg.accepted = reply == nil
	s.ts.messages = append(s.ts.messages, msg)
	return reply
}

// clock is a settable time source for [Options.Now].
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)}
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

// newTestSender returns a Sender to ts in TLS mode none, with its own
// registry, the clock clk and opts applied by edit, if not nil.
func newTestSender(t testing.TB, db *bun.DB, ts *testServer, clk *clock, edit func(*Options)) (*Sender, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	opts := Options{
		Store:          store.New(db),
		Host:           ts.host,
		Port:           ts.port,
		TLS:            TLSNone,
		From:           "portal@ihk-beispiel.de",
		FromName:       "Ausbildungsportal der IHK Müsterstädt",
		ConnectTimeout: 30 * time.Second,
		SendTimeout:    30 * time.Second,
		Registerer:     reg,
		Now:            clk.Now,
	}
	if edit != nil {
		edit(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, reg
}

// enqueue inserts a pending mail to rcpt and returns it.
func enqueue(t testing.TB, db *bun.DB, rcpt, subject string) *schema.OutboxMail {
	t.Helper()
	m := &schema.OutboxMail{
		Recipient: rcpt,
		Subject:   subject,
		TextBody:  "Guten Tag,\n\nIhre Anmeldung ist eingegangen.\n",
		HTMLBody:  "<p>Guten Tag,</p><p>Ihre Anmeldung ist eingegangen.</p>",
	}
	ok, err := store.New(db).EnqueueMail(context.Background(), nil, m)
	if err != nil || !ok {
		t.Fatalf("EnqueueMail = (%v, %v), want a new row", ok, err)
	}
	return m
}

// outboxRow reads mail id from the outbox.
func outboxRow(t testing.TB, db *bun.DB, id int64) schema.OutboxMail {
	t.Helper()
	var m schema.OutboxMail
	if err := db.NewSelect().Model(&m).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatalf("read outbox row %d: %v", id, err)
	}
	return m
}

// testTLS returns a server configuration with a new self-signed
// certificate for 127.0.0.1 and a client configuration that trusts it.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	return server, client
}

// rawLines splits a message at CRLF.
func rawLines(data []byte) []string {
	var lines []string
	for _, l := range bytes.Split(data, []byte("\r\n")) {
		lines = append(lines, string(l))
	}
	return lines
}
