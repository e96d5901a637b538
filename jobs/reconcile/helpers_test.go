package reconcile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"asta/jobs/importer/importtest"
	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

var berlin = mustLocation("Europe/Berlin")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// testDB is one database of a dialect test with its URL, which the
// importer's PostgreSQL path needs.
type testDB struct {
	db  *bun.DB
	dsn string
}

func dialects(t *testing.T, fn func(t *testing.T, tdb testDB)) {
	t.Helper()
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) { fn(t, testDB{db, url}) })
}

// importSmall imports the sample export with trainees Z-50001 to Z-50004.
func importSmall(t *testing.T, tdb testDB) {
	t.Helper()
	importtest.Import(t, tdb.db, tdb.dsn, "../../testdata/export-small")
}

// clock is a settable time source for [Options.Now].
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newClock() *clock {
	return &clock{t: time.Date(2027, 1, 11, 6, 30, 0, 0, time.UTC)}
}

func newTestReconciler(t *testing.T, db *bun.DB, src Source, c *clock) *Reconciler {
	t.Helper()
	r, err := New(Options{
		Store:      store.New(db),
		Source:     src,
		Registerer: prometheus.NewRegistry(),
		Now:        c.now,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// writeKonten writes konten.csv with the header and the given records,
// each ended by CRLF, into a new folder and returns the folder.
func writeKonten(t *testing.T, records ...string) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("AzubiNr;EMail;Status;LetzteAnmeldung\r\n")
	for _, r := range records {
		b.WriteString(r + "\r\n")
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// statuses returns the account status of each trainee number.
func statuses(t *testing.T, db *bun.DB, numbers ...string) map[string]string {
	t.Helper()
	st := store.New(db)
	got := make(map[string]string, len(numbers))
	for _, n := range numbers {
		s, err := st.TraineeAccountStatus(context.Background(), n)
		if err != nil {
			t.Fatalf("TraineeAccountStatus(%s): %v", n, err)
		}
		got[n] = s.Status
	}
	return got
}

func checkStatuses(t *testing.T, db *bun.DB, want map[string]string) {
	t.Helper()
	numbers := make([]string, 0, len(want))
	for n := range want {
		numbers = append(numbers, n)
	}
	got := statuses(t, db, numbers...)
	for n, w := range want {
		if got[n] != w {
			t.Errorf("status of %s = %q, want %q", n, got[n], w)
		}
	}
}

func accountRows(t *testing.T, db *bun.DB) map[string]schema.TraineeAccount {
	t.Helper()
	var rows []schema.TraineeAccount
	if err := db.NewSelect().Model(&rows).Scan(context.Background()); err != nil {
		t.Fatalf("read trainee_accounts: %v", err)
	}
	m := make(map[string]schema.TraineeAccount, len(rows))
	for _, r := range rows {
		m[r.TraineeNumber] = r
	}
	return m
}

func lastRun(t *testing.T, db *bun.DB) schema.ReconcileRun {
	t.Helper()
	var run schema.ReconcileRun
	if err := db.NewSelect().Model(&run).Order("id DESC").Limit(1).Scan(context.Background()); err != nil {
		t.Fatalf("read reconcile runs: %v", err)
	}
	return run
}

func mustRun(t *testing.T, r *Reconciler) {
	t.Helper()
	if err := r.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func mustFail(t *testing.T, r *Reconciler, target error) {
	t.Helper()
	err := r.Run(context.Background())
	if err == nil {
		t.Fatal("Run succeeded, want an error")
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("Run error = %v, want one wrapping %v", err, target)
	}
}
