package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/uptrace/bun"

	"asta/sample"
	"asta/schema"
	"asta/schema/dbtest"
)

// TestThreeInstancesOneKilled runs three astad serve processes on one
// PostgreSQL database and one inbox. It kills the instance that imports
// the second package with SIGKILL in the middle of the import. Then every
// package must be applied exactly once, every queued mail delivered at
// least once, and no mail delivered that has no outbox row.
func TestThreeInstancesOneKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds astad and runs three instances")
	}
	dbURL := dbtest.PostgresURL(t)
	db := dbtest.Open(t, dbURL)
	bin := buildAstad(t)
	smtpAddr, received := startMailSink(t)
	host, port, _ := net.SplitHostPort(smtpAddr)
	inboxDir := t.TempDir()

	environ := []string{
		"ASTA_DATABASE_URL=" + dbURL, "ASTA_INBOX=" + inboxDir, "ASTA_LISTEN=127.0.0.1:0",
		"ASTA_IMPORT_SCHEDULE=@every 1s", "ASTA_NOTIFY_SCHEDULE=@every 2s", "ASTA_MAIL_SCHEDULE=@every 1s",
		"ASTA_MAIL_HOST=" + host, "ASTA_MAIL_PORT=" + port, "ASTA_MAIL_TLS=none", "ASTA_MAIL_RATE=1000",
		"ASTA_REPORT_FOLDER=" + t.TempDir(), "ASTA_SHUTDOWN_TIMEOUT=5s", "PATH=" + os.Getenv("PATH"),
	}
	instances := make([]*instance, 3)
	for i := range instances {
		instances[i] = startInstance(t, bin, environ)
	}

	// The first package, then notifications for every company.
	created := time.Now().Add(-time.Hour).Truncate(time.Second)
	writePackage(t, inboxDir, "paket-1", sample.Options{Contracts: 20000, Companies: 2000, Seed: 1, Created: created})
	waitUntil(t, "the first package applied", func() bool { return appliedRuns(t, db) == 1 })
	exec1(t, db, `UPDATE companies SET online_registration = true,
		notification_email = 'betrieb-' || ident || '@example.org'`)

	// The second package: kill the instance that starts importing it.
	writePackage(t, inboxDir, "paket-2", sample.Options{Contracts: 20000, Companies: 2000, Seed: 1, ChangedShare: 0.5,
		Created: created.Add(time.Minute)})
	var killed *instance
	waitUntil(t, "an instance importing the second package", func() bool {
		for _, in := range instances {
			if strings.Contains(in.log.String(), `msg="import started" job=import package=paket-2`) {
				killed = in
				return true
			}
		}
		return false
	})
	if err := killed.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = killed.cmd.Wait()
	if strings.Contains(killed.log.String(), `msg="import finished" job=import package=paket-2`) {
		t.Log("the killed instance had finished the import already; the kill came after it")
	}

	waitUntil(t, "the second package applied by another instance", func() bool { return appliedRuns(t, db) == 2 })
	// A notify run commits one digest at a time, so the outbox is complete
	// only after a run that started after the apply has finished. Runs of
	// a job exclude each other, so that run decided every registration.
	applied := time.Now()
	waitUntil(t, "every queued mail delivered", func() bool {
		var pending, done int
		if err := db.NewRaw(`SELECT (SELECT count(*) FROM outbox WHERE state <> 'sent'),
				(SELECT count(*) FROM job_runs WHERE job = 'notify' AND outcome = 'ok' AND started_at > ?)`,
			applied).Scan(context.Background(), &pending, &done); err != nil {
			t.Fatal(err)
		}
		return pending == 0 && done > 0 && notificationCount(t, db) > 0
	})

	// Each package once.
	var perPackage []int
	if err := db.NewRaw(`SELECT count(*) FROM import_runs WHERE outcome = 'applied' GROUP BY package_id`).
		Scan(context.Background(), &perPackage); err != nil {
		t.Fatal(err)
	}
	if len(perPackage) != 2 || perPackage[0] != 1 || perPackage[1] != 1 {
		t.Errorf("applied runs per package = %v, want [1 1]", perPackage)
	}

	// Each decision once, each mail delivered, duplicates only as resends.
	var ids []string
	if err := db.NewRaw("SELECT message_id FROM outbox").Scan(context.Background(), &ids); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range received() {
		got[m]++
	}
	for _, id := range ids {
		if got[id] == 0 {
			t.Errorf("mail %s was never delivered", id)
		}
		delete(got, id)
	}
	if len(got) > 0 {
		t.Errorf("%d delivered mails have no outbox row: %v", len(got), got)
	}
}

// instance is an astad serve process.
type instance struct {
	cmd *exec.Cmd
	log *syncBuffer
}

func startInstance(t *testing.T, bin string, environ []string) *instance {
	t.Helper()
	in := &instance{cmd: exec.Command(bin, "serve"), log: &syncBuffer{}}
	in.cmd.Env = environ
	in.cmd.Stderr = in.log
	in.cmd.Stdout = io.Discard
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if in.cmd.ProcessState == nil {
			_ = in.cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { _ = in.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(waitTimeout):
				_ = in.cmd.Process.Kill()
			}
		}
		if t.Failed() {
			t.Logf("log of instance %d:\n%s", in.cmd.Process.Pid, in.log)
		}
	})
	return in
}

// buildAstad builds the astad binary into a temporary folder.
func buildAstad(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "astad")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build astad: %v\n%s", err, out)
	}
	return bin
}

// writePackage writes a package beside the inbox and moves it in whole, as
// the core system's transfer would.
func writePackage(t *testing.T, inboxDir, name string, opts sample.Options) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), name)
	if _, err := sample.Write(context.Background(), tmp, opts); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(inboxDir, name)); err != nil {
		t.Fatal(err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, 3*waitTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func appliedRuns(t *testing.T, db *bun.DB) int {
	t.Helper()
	var n int
	if err := db.NewRaw("SELECT count(*) FROM import_runs WHERE outcome = ?", schema.OutcomeApplied).
		Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func notificationCount(t *testing.T, db *bun.DB) int {
	t.Helper()
	var n int
	if err := db.NewRaw("SELECT count(*) FROM exam_notifications").Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func exec1(t *testing.T, db *bun.DB, query string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query); err != nil {
		t.Fatal(err)
	}
}

// startMailSink runs an SMTP server on 127.0.0.1 that accepts every mail,
// and returns its address and a function that lists the Message-IDs it
// received, one entry per delivery.
func startMailSink(t *testing.T) (string, func() []string) {
	t.Helper()
	sink := &mailSink{}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), sink.ids
}

type mailSink struct {
	mu       sync.Mutex
	received []string // guarded by mu
}

func (m *mailSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: m}, nil }

func (m *mailSink) ids() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.received...)
}

type sinkSession struct{ sink *mailSink }

func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *sinkSession) Reset()                               {}
func (s *sinkSession) Logout() error                        { return nil }

func (s *sinkSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		return err
	}
	id := strings.Trim(msg.Header.Get("Message-ID"), "<>")
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	s.sink.received = append(s.sink.received, id)
	return nil
}
