package reconcile

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"asta/schema/dbtest"
	"asta/store"
)

// benchAccounts is the number of trainees and accounts of
// [BenchmarkReconcilePostgres].
const benchAccounts = 1_000_000

// writeBenchKonten writes konten.csv with n accounts Z-0000001 … into a
// new folder: 90 % active, 5 % invited, 5 % locked. With flip set, every
// hundredth account has another status, so that 1 % of them change.
func writeBenchKonten(tb testing.TB, n int, flip bool) string {
	tb.Helper()
	dir := tb.TempDir()
	f, err := os.Create(filepath.Join(dir, FileName))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "AzubiNr;EMail;Status;LetzteAnmeldung\r\n")
	statuses := []string{"AKTIV", "EINGELADEN", "GESPERRT"}
	for i := 1; i <= n; i++ {
		s := 0
		switch i % 20 {
		case 1:
			s = 1
		case 2:
			s = 2
		}
		if flip && i%100 == 0 {
			s = (s + 2) % 3
		}
		fmt.Fprintf(w, "Z-%07d;azubi%d@example.org;%s;%02d.12.2026 %02d:%02d:00\r\n",
			i, i, statuses[s], 1+i%28, i%24, i%60)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// BenchmarkReconcilePostgres measures a run on PostgreSQL that reads a
// konten.csv of 1,000,000 accounts for 1,000,000 trainees and changes
// the status of 1 % of them. It reports the process's peak RSS as
// maxrss_MB. Run it with
//
//	ASTA_TEST_DATABASE_URL=postgres://… go test -run '^$' -bench ReconcilePostgres -benchtime 4x ./jobs/reconcile/
func BenchmarkReconcilePostgres(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Postgres(b)
	if _, err := db.ExecContext(ctx, `INSERT INTO trainees
		(number, first_name, last_name, birth_date, created_at, updated_at)
		SELECT 'Z-' || lpad(i::text, 7, '0'), 'Vorname', 'Nachname', DATE '2008-05-01', now(), now()
		FROM generate_series(1, ?) AS i`, benchAccounts); err != nil {
		b.Fatalf("insert trainees: %v", err)
	}
	dirs := []string{writeBenchKonten(b, benchAccounts, false), writeBenchKonten(b, benchAccounts, true)}
	st := store.New(db)
	newRun := func(dir string) *Reconciler {
		r, err := New(Options{Store: st, Source: File{Folder: dir}, Registerer: prometheus.NewRegistry()})
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	if err := newRun(dirs[0]).Run(ctx); err != nil {
		b.Fatalf("first read: %v", err)
	}

	b.ResetTimer()
	for i := range b.N {
		if err := newRun(dirs[(i+1)%2]).Run(ctx); err != nil {
			b.Fatalf("run %d: %v", i, err)
		}
	}
	b.StopTimer()

	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss_MB") // Linux reports KiB
	}
	var changed int64
	if err := db.NewSelect().Table("reconcile_runs").ColumnExpr("changed").Order("id DESC").Limit(1).
		Scan(ctx, &changed); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(changed), "rows_written")
}
