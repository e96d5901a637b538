package importer

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"asta/schema"
	"asta/schema/dbtest"
)

// importBackends returns the number of server processes whose
// connections name themselves app.
func importBackends(t *testing.T, db *bun.DB, app string) int {
	t.Helper()
	var n int
	err := db.NewRaw("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", app).
		Scan(context.Background(), &n)
	if err != nil {
		t.Fatalf("count backends: %v", err)
	}
	return n
}

// waitNoBackends fails the test unless the backends of app end within
// two seconds, the time a closed connection's server process may take.
func waitNoBackends(t *testing.T, db *bun.DB, app string) {
	t.Helper()
	n := 0
	for range 40 {
		if n = importBackends(t, db, app); n == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("%d connections of the import still open after it returned", n)
}

// waitGoroutines fails the test unless the goroutines fall back to at
// most want within two seconds.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	n := 0
	for range 40 {
		if n = runtime.NumGoroutine(); n <= want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Errorf("%d goroutines after the import, want at most %d:\n%s", n, want, buf[:runtime.Stack(buf, true)])
}

// TestKeyReaderClosedAfterFailures runs re-imports that end early with
// the key reader started, and checks that no connection and no goroutine
// of the import outlives it.
func TestKeyReaderClosedAfterFailures(t *testing.T) {
	const app = "asta_key_reader_probe"
	dsn := dbtest.PostgresURL(t)
	db := dbtest.Open(t, dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()

	im := newTestImporter(t, db, u.String())
	importPackageAs(t, im, basePackage(), schema.OutcomeApplied)
	waitNoBackends(t, db, app)
	baseline := runtime.NumGoroutine()

	broken := nextPackage(t)
	broken.file(t, "vertraege.csv").header = "AzubiNr;Identnummer"
	tests := []struct {
		name    string
		pkg     testPackage
		dryRun  bool
		cancel  string // file whose progress cancels the import
		outcome string
	}{
		{name: "rejected file", pkg: broken, outcome: schema.OutcomeRejected},
		{name: "dry run", pkg: nextPackage(t), dryRun: true, outcome: schema.OutcomeValidated},
		{name: "cancelled", pkg: nextPackage(t), cancel: "betriebe.csv", outcome: schema.OutcomeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req := Request{Path: writePackage(t, tt.pkg), DryRun: tt.dryRun}
			if tt.cancel != "" {
				req.Progress = func(file string, _, _ int64) {
					if file == tt.cancel {
						cancel()
					}
				}
			}
			res, _ := im.Import(ctx, req)
			if res.Outcome != tt.outcome {
				t.Errorf("outcome %s (%s), want %s", res.Outcome, res.Reason, tt.outcome)
			}
			waitNoBackends(t, db, app)
			waitGoroutines(t, baseline+1) // the subtest runs in a goroutine of its own
		})
	}
}

// TestEarlyEndCancelsKeyReads ends re-imports before their contracts
// while another session holds a lock on trainers, whose keys only the
// contracts need. Each import must return without waiting for the
// queued read of those keys.
func TestEarlyEndCancelsKeyReads(t *testing.T) {
	dsn := dbtest.PostgresURL(t)
	db := dbtest.Open(t, dsn)
	im := newTestImporter(t, db, dsn)
	importPackageAs(t, im, basePackage(), schema.OutcomeApplied)

	ctx := context.Background()
	delta := basePackage().only("berufe.csv", "vertraege.csv").delta("05.12.2026 03:00:00")
	rejected := delta.clone()
	rejected.file(t, "berufe.csv").header = "Bezeichnung;Dauer;Gestreckt"
	incomplete := delta.clone()
	incomplete.wrongSum = "vertraege.csv"
	tests := []struct {
		name    string
		pkg     testPackage
		waiting bool
		outcome string
	}{
		{name: "first file rejected", pkg: rejected, outcome: schema.OutcomeRejected},
		{name: "last file in transfer", pkg: incomplete, waiting: true, outcome: schema.OutcomeIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			locker, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = locker.Rollback() }()
			if _, err := locker.ExecContext(ctx, "LOCK TABLE trainers IN ACCESS EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}

			req := Request{Path: writePackage(t, tt.pkg), Waiting: tt.waiting}
			done := make(chan *Result, 1)
			go func() {
				res, _ := im.Import(ctx, req)
				done <- res
			}()
			var res *Result
			select {
			case res = <-done:
			case <-time.After(3 * time.Second):
				_ = locker.Rollback()
				res = <-done
				t.Errorf("import returned only after the lock on trainers ended")
			}
			if res.Outcome != tt.outcome {
				t.Errorf("outcome %s (%s), want %s", res.Outcome, res.Reason, tt.outcome)
			}
		})
	}
}

// TestKeysReadWithoutSecondConnection imports a package once with its
// keys read ahead on a second connection and once with that connection
// failing, which reads them on the import's own: both give the same
// records.
func TestKeysReadWithoutSecondConnection(t *testing.T) {
	var dumps []string
	for _, second := range []bool{true, false} {
		dialects(t, func(t *testing.T, tdb testDB) {
			if tdb.db.Dialect().Name() != dialect.PG {
				return
			}
			var logs strings.Builder
			im := newTestImporter(t, tdb.db, tdb.dsn)
			im.log = slog.New(slog.NewTextHandler(&logs, nil))
			fixClock(im)
			importPackageAs(t, im, basePackage(), schema.OutcomeApplied)
			if !second {
				im.opts.keyReaderURL = "postgres://postgres@127.0.0.1:1/none?connect_timeout=5"
			}
			res := importPackageAs(t, im, nextPackage(t), schema.OutcomeApplied)
			warned := strings.Contains(logs.String(), "second import connection failed")
			if warned == second {
				t.Errorf("second connection works: %v, but warning logged: %v:\n%s", second, warned, logs.String())
			}
			dumps = append(dumps, fmt.Sprintf("%+v\n%s", res.Files, dumpTables(t, tdb.db)))
		})
	}
	if len(dumps) == 2 && dumps[0] != dumps[1] {
		t.Errorf("records differ without the second connection:\nwith:\n%s\nwithout:\n%s", dumps[0], dumps[1])
	}
}
