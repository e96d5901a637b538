package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"asta/panel/credential"
	"asta/schema"
	"asta/store"
)

func TestOperatorAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "asta.db")
	environ := []string{"ASTA_DATABASE_URL=" + db, "ASTA_PANEL_URL=https://portal.example.org"}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"operator", "add", "Op@Kammer.example"}, &out, &errOut,
		environ); code != exitOK {
		t.Fatalf("astad operator add = %d:\n%s", code, errOut.String())
	}
	m := regexp.MustCompile(`https://portal\.example\.org/passwort-neu\?t=([A-Za-z0-9_-]+)`).
		FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("output lacks the set-password link:\n%s", out.String())
	}

	e, err := open(context.Background(), "", &errOut, environ)
	if err != nil {
		t.Fatal(err)
	}
	defer e.db.Close()
	st := store.New(e.db)
	u, err := st.UserByEmailKey(context.Background(), "op@kammer.example")
	if err != nil {
		t.Fatal(err)
	}
	if !u.Operator || u.ConfirmedAt == nil || u.TOTPSecret != "" {
		t.Errorf("operator = %v, confirmed %v, TOTP set %v; want an operator without TOTP", u.Operator,
			u.ConfirmedAt != nil, u.TOTPSecret != "")
	}
	tok, err := st.PeekToken(context.Background(), credential.HashToken(m[1]), schema.TokenSetPassword, time.Now())
	if err != nil || tok.UserID != u.ID {
		t.Errorf("set-password link: %v, %v", tok, err)
	}

	var usage bytes.Buffer
	if code := run(context.Background(), []string{"operator", "add", "not-an-address"}, &usage, &usage,
		environ); code != exitUsage {
		t.Errorf("astad operator add with a bad address = %d, want %d", code, exitUsage)
	}
	checkContains(t, "usage error", usage.String(), `"not-an-address"`)
}
