package report

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

func newReporter(t *testing.T, db *bun.DB, folder string, now time.Time) (*Reporter, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	r, err := New(Options{
		Store: store.New(db), Folder: folder, Location: berlin, Registerer: reg,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, reg
}

func confirm(t *testing.T, db *bun.DB, number, by string, at time.Time) {
	t.Helper()
	c := &schema.ExamConfirmation{RegistrationNumber: number, ContractNumber: "V-" + number, CompanyIdent: "0004711",
		ConfirmedBy: by, ConfirmedAt: at, RecordBook: true, TraineeConsent: true}
	if err := store.New(db).ConfirmExam(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

func TestReturnFileBytes(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		dir := t.TempDir()
		confirm(t, db, "P-2027-0002", "Anna Groß", time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
		confirm(t, db, "P-2027-0001", `Meyer; "Junior"`, time.Date(2026, 7, 1, 6, 30, 15, 0, time.UTC))
		r, reg := newReporter(t, db, dir, time.Date(2026, 12, 4, 14, 30, 5, 0, time.UTC))
		if got := gauge(t, reg, "asta_report_confirmations_waiting"); got != 2 {
			t.Errorf("waiting before the run = %v, want 2", got)
		}
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}

		got, err := os.ReadFile(filepath.Join(dir, "rueckmeldung-20261204-153005.csv"))
		if err != nil {
			t.Fatal(err)
		}
		want := "\xef\xbb\xbfAnmeldungsNr;Vertragsnummer;Status;BestaetigtAm;BestaetigtVon;Angaben\r\n" +
			"P-2027-0001;V-P-2027-0001;BETRIEB_BESTAETIGT;01.07.2026 08:30:15;\"Meyer; \"\"Junior\"\"\";" +
			"Ausbildungsnachweise=J,Zustimmung=J\r\n" +
			"P-2027-0002;V-P-2027-0002;BETRIEB_BESTAETIGT;04.12.2026 10:00:00;Anna Groß;" +
			"Ausbildungsnachweise=J,Zustimmung=J\r\n"
		if string(got) != want {
			t.Errorf("return file:\n%q\nwant\n%q", got, want)
		}
		if entries := files(t, dir); len(entries) != 1 {
			t.Errorf("folder holds %v, want only the return file", entries)
		}
		if got := gauge(t, reg, "asta_report_confirmations_waiting"); got != 0 {
			t.Errorf("waiting after the run = %v, want 0", got)
		}

		// Nothing new: no file.
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if entries := files(t, dir); len(entries) != 1 {
			t.Errorf("a run without confirmations wrote %v", entries)
		}
	})
}

// TestInterruptedRunFinishesItsFile assigns confirmations to a file as a
// run does before it writes, and checks that the next run writes that
// file with them, and that a complete file is never written again.
func TestInterruptedRunFinishesItsFile(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		st := store.New(db)
		confirm(t, db, "P-1", "A", time.Now().UTC())
		if _, err := st.AssignReturnFile(ctx, "rueckmeldung-20261201-080000.csv"); err != nil {
			t.Fatal(err)
		}
		confirm(t, db, "P-2", "B", time.Now().UTC())

		r, _ := newReporter(t, db, dir, time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
		if err := r.Run(ctx); err != nil {
			t.Fatal(err)
		}
		got := reported(t, dir)
		if got["P-1"] != "rueckmeldung-20261201-080000.csv" || got["P-2"] != "rueckmeldung-20261204-130000.csv" {
			t.Errorf("confirmations went to %v, want P-1 in the interrupted file and P-2 in a new one", got)
		}

		// A file that was renamed before the run stopped stays as it is.
		confirm(t, db, "P-3", "C", time.Now().UTC())
		name := "rueckmeldung-20261202-080000.csv"
		if _, err := st.AssignReturnFile(ctx, name); err != nil {
			t.Fatal(err)
		}
		complete := []byte("\xef\xbb\xbfAnmeldungsNr;Vertragsnummer;Status;BestaetigtAm;BestaetigtVon;Angaben\r\nP-3;x\r\n")
		if err := os.WriteFile(filepath.Join(dir, name), complete, 0o640); err != nil {
			t.Fatal(err)
		}
		if err := r.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(b, complete) {
			t.Error("a complete return file was written again")
		}
		if n, _, err := st.UnreportedConfirmations(ctx); err != nil || n != 0 {
			t.Errorf("unreported after the run = %d, %v; want 0", n, err)
		}
	})
}

// TestEachConfirmationReportedOnce runs two instances at once, again and
// again, while confirmations arrive, and checks that each confirmation is
// in exactly one file.
func TestEachConfirmationReportedOnce(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		dir := t.TempDir()
		var wg sync.WaitGroup
		const confirmations = 40
		start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for round := range 10 {
					r, _ := newReporter(t, db, dir, start.Add(time.Duration(round*2+i)*time.Second))
					if err := r.Run(context.Background()); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		for i := range confirmations {
			confirm(t, db, fmt.Sprintf("P-%03d", i), "X", time.Now().UTC())
		}
		wg.Wait()
		r, _ := newReporter(t, db, dir, start.Add(time.Minute))
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}

		counts := map[string]int{}
		for _, f := range files(t, dir) {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\r\n")[1:] {
				if line != "" {
					counts[strings.Split(line, ";")[0]]++
				}
			}
		}
		if len(counts) != confirmations {
			t.Errorf("files hold %d confirmations, want %d", len(counts), confirmations)
		}
		for nr, n := range counts {
			if n != 1 {
				t.Errorf("%s is in %d files, want 1", nr, n)
			}
		}
	})
}

func TestUnwritableFolderIsRetried(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		dir := t.TempDir()
		blocked := filepath.Join(dir, "return")
		if err := os.WriteFile(blocked, nil, 0o600); err != nil { // a file where the folder should be
			t.Fatal(err)
		}
		confirm(t, db, "P-1", "A", time.Now().UTC())
		r, reg := newReporter(t, db, blocked, time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
		if err := r.Run(context.Background()); err == nil {
			t.Fatal("run into a file as folder succeeded")
		}
		if got := testutil.ToFloat64(r.metrics.failures); got != 1 {
			t.Errorf("failures = %v, want 1", got)
		}
		if got := gauge(t, reg, "asta_report_oldest_waiting_seconds"); got <= 0 {
			t.Errorf("oldest waiting = %v, want the confirmation's age", got)
		}

		if err := os.Remove(blocked); err != nil {
			t.Fatal(err)
		}
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := reported(t, blocked); got["P-1"] == "" {
			t.Error("the confirmation was not reported once the folder could be written")
		}
	})
}

// files lists the names in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// reported maps each registration in the folder's files to its file.
func reported(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range files(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\r\n")[1:] {
			if line != "" {
				out[strings.Split(line, ";")[0]] = f
			}
		}
	}
	return out
}

// gauge returns the value of the registered gauge with the name.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}
