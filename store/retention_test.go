package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/jobs/importer/importtest"
	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

func count(t *testing.T, db *bun.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRetentionDeletesEndedTrainees imports the small sample, whose
// contract 2023-000789 of trainee Z-50004 ended on 31.07.2025, and applies
// retention with that day as cutoff and with the day after.
func TestRetentionDeletesEndedTrainees(t *testing.T) {
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		ctx := context.Background()
		importtest.Import(t, db, url, "../testdata/export-small")
		st := store.New(db)
		if _, err := st.RefreshSearchIndex(ctx); err != nil {
			t.Fatal(err)
		}

		// The cutoff is the day three years before the run.
		before := schema.Date{Year: 2025, Month: time.July, Day: 31}
		n, err := st.ApplyRetention(ctx, store.RetentionCutoffs{ContractsEnded: before}, before)
		if err != nil || n.Trainees != 0 {
			t.Fatalf("retention on the last day = %+v, %v; want nothing deleted", n, err)
		}

		after := schema.Date{Year: 2025, Month: time.August, Day: 1}
		n, err = st.ApplyRetention(ctx, store.RetentionCutoffs{ContractsEnded: after}, after)
		if err != nil || n.Trainees != 1 {
			t.Fatalf("retention a day later = %+v, %v; want 1 trainee", n, err)
		}
		for _, q := range []string{
			"SELECT count(*) FROM trainees WHERE number = 'Z-50004'",
			"SELECT count(*) FROM contracts WHERE trainee_number = 'Z-50004'",
			"SELECT count(*) FROM trainee_terms WHERE trainee_number = 'Z-50004'",
		} {
			if got := count(t, db, q); got != 0 {
				t.Errorf("%s = %d after retention, want 0", q, got)
			}
		}
		if got := count(t, db, "SELECT count(*) FROM trainee_tombstones WHERE trainee_number = 'Z-50004'"); got != 1 {
			t.Errorf("tombstones of Z-50004 = %d, want 1", got)
		}
		if got := count(t, db, "SELECT count(*) FROM trainees"); got != 3 {
			t.Errorf("trainees left = %d, want the 3 with running contracts", got)
		}
	})
}

func TestRetentionClearsOldDetails(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := store.New(db)
		old := time.Now().Add(-400 * 24 * time.Hour).UTC()
		if err := st.AddAudit(ctx, &schema.AuditEntry{At: old, Action: "grant.added", ClientIP: "192.0.2.1",
			Detail: `{"email":"a@example.org"}`}); err != nil {
			t.Fatal(err)
		}
		if err := st.AddAudit(ctx, &schema.AuditEntry{At: time.Now().UTC(), Action: "grant.added",
			Detail: `{"email":"b@example.org"}`}); err != nil {
			t.Fatal(err)
		}
		m := &schema.OutboxMail{Recipient: "a@example.org", Subject: "s", TextBody: "link"}
		if _, err := st.EnqueueMail(ctx, nil, m); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkMailSent(ctx, m.ID, old); err != nil {
			t.Fatal(err)
		}

		now := time.Now()
		n, err := st.ApplyRetention(ctx, store.RetentionCutoffs{
			ContractsEnded: schema.DateOf(now.AddDate(-3, 0, 0)), RejectedRecords: now.Add(-90 * 24 * time.Hour),
			MailBodies: now.Add(-30 * 24 * time.Hour), AuditDetails: now.Add(-365 * 24 * time.Hour),
		}, schema.DateOf(now))
		if err != nil {
			t.Fatal(err)
		}
		if n.AuditDetails != 1 || n.MailBodies != 1 {
			t.Errorf("cleared %+v, want 1 audit detail and 1 mail body", n)
		}
		if got := count(t, db, "SELECT count(*) FROM audit_log WHERE detail IS NOT NULL"); got != 1 {
			t.Errorf("audit entries with details = %d, want the recent one", got)
		}
	})
}

// TestTombstonedTraineeStaysDeleted imports a later full export that still
// lists the deleted trainee's ended contract.
func TestTombstonedTraineeStaysDeleted(t *testing.T) {
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		ctx := context.Background()
		importtest.Import(t, db, url, "../testdata/export-small")
		st := store.New(db)
		cut := schema.Date{Year: 2025, Month: time.August, Day: 1}
		if n, err := st.ApplyRetention(ctx, store.RetentionCutoffs{ContractsEnded: cut}, cut); err != nil ||
			n.Trainees != 1 {
			t.Fatalf("retention = %+v, %v; want 1 trainee", n, err)
		}

		importtest.Import(t, db, url, laterCopy(t, "../testdata/export-small"))
		for _, q := range []string{
			"SELECT count(*) FROM trainees WHERE number = 'Z-50004'",
			"SELECT count(*) FROM contracts WHERE trainee_number = 'Z-50004'",
		} {
			if got := count(t, db, q); got != 0 {
				t.Errorf("%s = %d after the later import, want 0", q, got)
			}
		}
		if got := count(t, db, "SELECT count(*) FROM trainees"); got != 3 {
			t.Errorf("trainees = %d after the later import, want 3", got)
		}
	})
}

// laterCopy copies the package and moves its Erstellt a day later, so
// that it is a new and newer package with the same records.
func laterCopy(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "steuerung.csv" {
			b = bytes.ReplaceAll(b, []byte("04.12.2026"), []byte("05.12.2026"))
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
