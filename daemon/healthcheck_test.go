package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	environ := []string{"ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db"), "ASTA_LISTEN=127.0.0.1:0",
		"ASTA_INBOX=" + t.TempDir(), "ASTA_MAIL_MAILBOX=" + filepath.Join(t.TempDir(), "mailbox")}
	d := startServe(t, environ)
	addr := d.address(t)
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("url", func(t *testing.T) {
		r := astad(t, nil, "healthcheck", "--url", "http://"+addr+"/healthz")
		r.check(t, exitOK)
		checkContains(t, "stdout", r.stdout, "200 OK")
	})
	t.Run("listen from environment", func(t *testing.T) {
		env := append(environ[:len(environ):len(environ)], "ASTA_LISTEN=0.0.0.0:"+port)
		r := astad(t, env, "healthcheck")
		r.check(t, exitOK)
		checkContains(t, "stdout", r.stdout, "http://127.0.0.1:"+port+"/healthz")
	})
	t.Run("not found", func(t *testing.T) {
		r := astad(t, nil, "healthcheck", "--url", "http://"+addr+"/no-such-page")
		r.check(t, exitUnhealthy)
		checkContains(t, "stderr", r.stderr, "returned")
	})
	t.Run("server stopped", func(t *testing.T) {
		if code := d.stop(t); code != exitOK {
			t.Fatalf("astad serve exited with %d", code)
		}
		r := astad(t, nil, "healthcheck", "--url", "http://"+addr+"/healthz", "--timeout", "2s")
		r.check(t, exitUnhealthy)
		checkContains(t, "stderr", r.stderr, "failed")
	})
}

func TestHealthcheckUsage(t *testing.T) {
	r := astad(t, nil, "healthcheck", "extra")
	r.check(t, exitUsage)
	if !strings.Contains(r.stderr, `unexpected argument "extra"`) {
		t.Errorf("stderr %q does not name the argument", r.stderr)
	}
}

func TestLocalAddress(t *testing.T) {
	tests := []struct {
		name   string
		listen string
		want   string
	}{
		{"ipv4 wildcard", "0.0.0.0:8080", "127.0.0.1:8080"},
		{"empty host", ":8080", "127.0.0.1:8080"},
		{"ipv6 wildcard", "[::]:8080", "[::1]:8080"},
		{"loopback", "127.0.0.1:9000", "127.0.0.1:9000"},
		{"host name", "astad.internal:80", "astad.internal:80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := localAddress(tt.listen)
			if err != nil {
				t.Fatalf("localAddress(%q): %v", tt.listen, err)
			}
			if got != tt.want {
				t.Errorf("localAddress(%q) = %q, want %q", tt.listen, got, tt.want)
			}
		})
	}

	if _, err := localAddress("8080"); err == nil || !strings.Contains(err.Error(), `listen "8080"`) {
		t.Errorf("localAddress(%q) error = %v, want one naming listen", "8080", err)
	}
}
