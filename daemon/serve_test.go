package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"asta/jobs/inbox"
	"asta/schema"
	"asta/store"
)

// waitTimeout bounds every wait for the daemon. It is generous, because
// the condition ends the wait long before on any machine that works.
const waitTimeout = 60 * time.Second

// syncBuffer is a bytes.Buffer that the daemon writes to and the test
// reads from at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
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

// daemon is an astad serve running in the test.
type daemon struct {
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int // receives the exit status
}

// startServe starts astad serve with environ and stops it when the test
// ends, if the test did not.
func startServe(t *testing.T, environ []string) *daemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { d.done <- run(ctx, []string{"serve"}, io.Discard, d.stderr, environ) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-d.done:
		case <-time.After(waitTimeout):
			t.Errorf("astad serve did not stop within %s after the test", waitTimeout)
		}
	})
	return d
}

var listenAttr = regexp.MustCompile(`msg="astad started" .*\blisten=(\S+)`)

// address waits for the "astad started" log line and returns the address
// that it names.
func (d *daemon) address(t *testing.T) string {
	t.Helper()
	var addr string
	d.waitFor(t, "the astad started log line", func() bool {
		m := listenAttr.FindStringSubmatch(d.stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	return addr
}

// waitFor polls cond, described by condition, until it is true. It fails
// the test when the daemon exits first or waitTimeout passes.
func (d *daemon) waitFor(t *testing.T, condition string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		select {
		case code := <-d.done:
			d.done <- code
			t.Fatalf("astad serve exited with status %d while waiting for %s:\n%s", code, condition, d.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s:\n%s", condition, waitTimeout, d.stderr)
		}
	}
}

// stop cancels the daemon's context, as SIGTERM does, and returns its exit
// status.
func (d *daemon) stop(t *testing.T) int {
	t.Helper()
	d.cancel()
	select {
	case code := <-d.done:
		d.done <- code // for the cleanup
		return code
	case <-time.After(waitTimeout):
		t.Fatalf("astad serve did not stop within %s of the cancellation:\n%s", waitTimeout, d.stderr)
		return -1
	}
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// get returns the status and body of a GET of url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestServe(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		dir := t.TempDir()
		if err := os.CopyFS(filepath.Join(dir, "export-small"), os.DirFS(exportSmall)); err != nil {
			t.Fatal(err)
		}
		environ = append(environ, "ASTA_LISTEN=127.0.0.1:0", "ASTA_INBOX="+dir,
			"ASTA_IMPORT_SCHEDULE=@every 1s", "ASTA_MAIL_MAILBOX="+filepath.Join(t.TempDir(), "mailbox"))
		d := startServe(t, environ)
		base := "http://" + d.address(t)

		for _, tt := range []struct {
			path string
			body string
		}{
			{"/healthz", "ok\n"},
			{"/readyz", "ready\n"},
		} {
			status, body := get(t, base+tt.path)
			if status != http.StatusOK || body != tt.body {
				t.Errorf("GET %s = %d %q, want 200 %q", tt.path, status, body, tt.body)
			}
		}

		const applied = `asta_import_runs_total{outcome="applied"} 1` + "\n"
		var metrics string
		d.waitFor(t, "applied import in /metrics", func() bool {
			status, body := get(t, base+"/metrics")
			metrics = body
			return status == http.StatusOK && strings.Contains(body, applied)
		})
		checkContains(t, "/metrics", metrics,
			`asta_import_file_records_expected{file="vertraege.csv"} 4`+"\n",
			`asta_import_file_records_read{file="vertraege.csv"} 4`+"\n",
			`asta_import_records_total{file="betriebe.csv",result="inserted"} 4`+"\n",
			"\nasta_import_running 0\n",
			`asta_job_runs_total{job="import",outcome="ok"} `,
			"\ngo_goroutines ",
			"\nprocess_cpu_seconds_total ",
		)
		checkMetricsFormat(t, metrics)

		d.waitFor(t, "the package in archive/", func() bool {
			_, err := os.Stat(filepath.Join(dir, inbox.ArchiveDir, "export-small.report.txt"))
			return err == nil
		})
		if _, err := os.Stat(filepath.Join(dir, inbox.ArchiveDir, "export-small", "steuerung.csv")); err != nil {
			t.Errorf("package not in archive/: %v", err)
		}
		checkEntries(t, dir)

		if code := d.stop(t); code != exitOK {
			t.Errorf("exit status after cancellation = %d, want %d:\n%s", code, exitOK, d.stderr)
		}
		logs := d.stderr.String()
		checkContains(t, "log", logs, `msg="astad stopped"`, `msg="scheduler stopped"`)
		if strings.Contains(logs, "level=ERROR") {
			t.Errorf("log has errors:\n%s", logs)
		}
	})
}

// checkMetricsFormat parses the text exposition and lints it as
// Prometheus's promtool does.
func checkMetricsFormat(t *testing.T, metrics string) {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(metrics))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	for _, name := range []string{"asta_import_runs_total", "asta_import_run_duration_seconds",
		"asta_job_runs_total", "go_goroutines", "process_cpu_seconds_total"} {
		if families[name] == nil {
			t.Errorf("/metrics lacks the family %s", name)
		}
	}

	problems, err := promlint.New(strings.NewReader(metrics)).Lint()
	if err != nil {
		t.Fatalf("lint /metrics: %v", err)
	}
	for _, p := range problems {
		t.Errorf("lint /metrics: %s: %s", p.Metric, p.Text)
	}
}

// checkEntries fails the test unless dir contains nothing but archive/ and
// rejected/.
func checkEntries(t *testing.T, dir string) {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.Name() != inbox.ArchiveDir && e.Name() != inbox.RejectedDir {
			t.Errorf("inbox still contains %s", e.Name())
		}
	}
}

func TestServeWritesMailsToMailbox(t *testing.T) {
	eachDatabase(t, func(t *testing.T, environ []string) {
		astad(t, environ, "migrate").check(t, exitOK)
		m := &schema.OutboxMail{
			Recipient: "azubi@example.de",
			Subject:   "Ihr Zugang zum Ausbildungsportal",
			TextBody:  "Bitte bestätigen Sie Ihre Adresse.\n",
		}
		if _, err := store.New(openDatabase(t, environ)).EnqueueMail(context.Background(), nil, m); err != nil {
			t.Fatalf("EnqueueMail: %v", err)
		}

		mailbox := filepath.Join(t.TempDir(), "mailbox")
		environ = append(environ, "ASTA_LISTEN=127.0.0.1:0", "ASTA_INBOX="+t.TempDir(),
			"ASTA_MAIL_MAILBOX="+mailbox, "ASTA_MAIL_SCHEDULE=@every 1s")
		d := startServe(t, environ)
		var files []string
		d.waitFor(t, "an .eml file in the mailbox folder", func() bool {
			files, _ = filepath.Glob(filepath.Join(mailbox, "*.eml"))
			return len(files) > 0
		})
		if len(files) != 1 {
			t.Errorf("mailbox folder has %q, want one mail", files)
		}

		if code := d.stop(t); code != exitOK {
			t.Errorf("exit status = %d, want %d:\n%s", code, exitOK, d.stderr)
		}
		logs := d.stderr.String()
		checkContains(t, "log", logs, `msg="mail host not set: mails go to the mailbox folder" folder=`+mailbox,
			`msg="mail written to the mailbox folder"`)
		if strings.Contains(logs, m.Recipient) {
			t.Errorf("log names the recipient:\n%s", logs)
		}
	})
}

func TestServeListenAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	addr := ln.Addr().String()

	environ := []string{
		"ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db"),
		"ASTA_INBOX=" + t.TempDir(),
		"ASTA_LISTEN=" + addr,
	}
	d := startServe(t, environ)
	select {
	case code := <-d.done:
		d.done <- code
		if code != exitFailed {
			t.Errorf("exit status = %d, want %d", code, exitFailed)
		}
	case <-time.After(waitTimeout):
		t.Fatalf("astad serve still runs %s after failing to listen on %s:\n%s", waitTimeout, addr, d.stderr)
	}
	checkContains(t, "log", d.stderr.String(), addr, "address already in use")
}

func TestServeUnexpectedArgument(t *testing.T) {
	r := astad(t, []string{"ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db")}, "serve", "now")
	r.check(t, exitUsage)
	checkContains(t, "stderr", r.stderr, `unexpected argument "now"`)
}

func TestServeRefusesSecondOnSQLite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "asta.db")
	environ := []string{"ASTA_DATABASE_URL=" + db, "ASTA_INBOX=" + t.TempDir(), "ASTA_LISTEN=127.0.0.1:0"}
	first := startServe(t, environ)
	first.address(t)

	second := startServe(t, environ)
	select {
	case code := <-second.done:
		second.done <- code
		if code != exitFailed {
			t.Errorf("second serve exit status = %d, want %d", code, exitFailed)
		}
	case <-time.After(waitTimeout):
		t.Fatal("a second astad serve on the same SQLite file started")
	}
	checkContains(t, "log", second.stderr.String(), "another astad serve uses this database", db, "PostgreSQL")

	// A one-off command runs beside it.
	var out bytes.Buffer
	if code := run(context.Background(), []string{"migrate"}, &out, &out, environ); code != exitOK {
		t.Errorf("astad migrate beside serve = %d:\n%s", code, out.String())
	}
	if code := first.stop(t); code != exitOK {
		t.Errorf("first serve exit status = %d", code)
	}
}
