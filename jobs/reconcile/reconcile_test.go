package reconcile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/store"
)

var sampleTrainees = []string{"Z-50001", "Z-50002", "Z-50003", "Z-50004"}

func TestReconcileSampleFile(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		importSmall(t, tdb)
		c := newClock()
		r := newTestReconciler(t, tdb.db, File{Folder: "../../testdata"}, c)

		checkStatuses(t, tdb.db, map[string]string{
			"Z-50001": schema.AccountUnknown, "Z-50002": schema.AccountUnknown,
			"Z-50003": schema.AccountUnknown, "Z-50004": schema.AccountUnknown,
		})

		mustRun(t, r)
		checkStatuses(t, tdb.db, map[string]string{
			"Z-50001": schema.AccountActive, "Z-50002": schema.AccountInvited,
			"Z-50003": schema.AccountLocked, "Z-50004": schema.AccountNone,
		})

		got, err := store.New(tdb.db).TraineeAccountStatus(ctx, "Z-50001")
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "lukas.vdh@example.org" {
			t.Errorf("email = %q, want lukas.vdh@example.org", got.Email)
		}
		wantSignIn := time.Date(2026, 12, 2, 18, 41, 9, 0, berlin)
		if got.LastSignIn == nil || !got.LastSignIn.Equal(wantSignIn) {
			t.Errorf("last sign-in = %v, want %v", got.LastSignIn, wantSignIn)
		}
		if !got.Since.Equal(c.t) {
			t.Errorf("since = %v, want %v", got.Since, c.t)
		}
		if !got.ReadAt.Equal(c.t) {
			t.Errorf("read at = %v, want %v", got.ReadAt, c.t)
		}

		run := lastRun(t, tdb.db)
		if run.Outcome != schema.OutcomeApplied {
			t.Errorf("run outcome = %s (%s), want applied", run.Outcome, run.Message)
		}
		if run.AccountsRead != 3 {
			t.Errorf("accounts read = %d, want 3", run.AccountsRead)
		}
		if run.Changed != 4 {
			t.Errorf("rows written = %d, want 4", run.Changed)
		}
		n, err := tdb.db.NewSelect().Model((*schema.AccountStatusChange)(nil)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("status changes after the first read = %d, want 0", n)
		}
	})
}

func TestReconcileUnchangedWritesNothing(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSmall(t, tdb)
		c := newClock()
		r := newTestReconciler(t, tdb.db, File{Folder: "../../testdata"}, c)
		mustRun(t, r)
		before := accountRows(t, tdb.db)

		c.t = c.t.Add(24 * time.Hour)
		mustRun(t, r)

		run := lastRun(t, tdb.db)
		if run.Outcome != schema.OutcomeApplied || run.Changed != 0 || run.StatusChanges != 0 {
			t.Errorf("second run = %s, %d written, %d status changes; want applied, 0, 0",
				run.Outcome, run.Changed, run.StatusChanges)
		}
		after := accountRows(t, tdb.db)
		for n, row := range after {
			if !row.UpdatedAt.Equal(before[n].UpdatedAt) {
				t.Errorf("%s updated_at = %v, want %v: an unchanged row was written", n, row.UpdatedAt,
					before[n].UpdatedAt)
			}
		}
		got, err := store.New(tdb.db).TraineeAccountStatus(context.Background(), "Z-50001")
		if err != nil {
			t.Fatal(err)
		}
		if !got.ReadAt.Equal(c.t) {
			t.Errorf("read at = %v, want the second run's %v", got.ReadAt, c.t)
		}
	})
}

func TestReconcileStatusChanges(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		importSmall(t, tdb)
		c := newClock()
		first := c.t
		mustRun(t, newTestReconciler(t, tdb.db, File{Folder: "../../testdata"}, c))

		// Z-50001 is locked, Z-50002 keeps its status with a new e-mail,
		// Z-50003 has no account any more, Z-50004 gets one.
		c.t = c.t.Add(48 * time.Hour)
		dir := writeKonten(t,
			"Z-50001;lukas.vdh@example.org;GESPERRT;02.12.2026 18:41:09",
			"Z-50002;zoe@example.org;EINGELADEN;",
			"Z-50004;;AKTIV;10.01.2027 08:00:00",
		)
		r := newTestReconciler(t, tdb.db, File{Folder: dir}, c)
		r.holdShare = 1 // the sample has one active account, which this run locks
		mustRun(t, r)

		checkStatuses(t, tdb.db, map[string]string{
			"Z-50001": schema.AccountLocked, "Z-50002": schema.AccountInvited,
			"Z-50003": schema.AccountNone, "Z-50004": schema.AccountActive,
		})
		var changes []schema.AccountStatusChange
		if err := tdb.db.NewSelect().Model(&changes).Order("trainee_number").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		want := []struct{ number, old, new string }{
			{"Z-50001", schema.AccountActive, schema.AccountLocked},
			{"Z-50003", schema.AccountLocked, schema.AccountNone},
			{"Z-50004", schema.AccountNone, schema.AccountActive},
		}
		if len(changes) != len(want) {
			t.Fatalf("status changes = %+v, want %d", changes, len(want))
		}
		for i, w := range want {
			got := changes[i]
			if got.TraineeNumber != w.number || got.OldStatus != w.old || got.NewStatus != w.new {
				t.Errorf("change %d = %s %s→%s, want %s %s→%s", i, got.TraineeNumber, got.OldStatus,
					got.NewStatus, w.number, w.old, w.new)
			}
			if !got.ChangedAt.Equal(c.t) {
				t.Errorf("change %d at %v, want %v", i, got.ChangedAt, c.t)
			}
		}

		rows := accountRows(t, tdb.db)
		sinceWant := map[string]time.Time{"Z-50001": c.t, "Z-50002": first, "Z-50003": c.t, "Z-50004": c.t}
		for n, w := range sinceWant {
			if !rows[n].StatusSince.Equal(w) {
				t.Errorf("%s status_since = %v, want %v", n, rows[n].StatusSince, w)
			}
			if !rows[n].UpdatedAt.Equal(c.t) {
				t.Errorf("%s updated_at = %v, want %v", n, rows[n].UpdatedAt, c.t)
			}
		}
		if rows["Z-50003"].Email != "" || rows["Z-50003"].LastSignIn != nil {
			t.Errorf("Z-50003 without account keeps e-mail %q and sign-in %v", rows["Z-50003"].Email,
				rows["Z-50003"].LastSignIn)
		}
		run := lastRun(t, tdb.db)
		if run.Changed != 4 || run.StatusChanges != 3 {
			t.Errorf("run wrote %d rows with %d status changes, want 4 and 3", run.Changed, run.StatusChanges)
		}
	})
}

func TestReconcileFailedReadChangesNothing(t *testing.T) {
	tests := []struct {
		name    string
		content string
		target  error
	}{
		{
			name: "no final line end",
			content: "AzubiNr;EMail;Status;LetzteAnmeldung\r\nZ-50001;;GESPERRT;\r\n" +
				"Z-50002;;GESPERRT;\r\nZ-50003;;GESP",
			target: ErrTruncated,
		},
		{
			name:    "invalid status",
			content: "AzubiNr;EMail;Status;LetzteAnmeldung\r\nZ-50001;;AKTIV;\r\nZ-50002;;GELOESCHT;\r\n",
		},
		{
			name:    "invalid timestamp",
			content: "AzubiNr;EMail;Status;LetzteAnmeldung\r\nZ-50001;;AKTIV;31.02.2027 10:00:00\r\n",
		},
		{
			name:    "trainee listed twice",
			content: "AzubiNr;EMail;Status;LetzteAnmeldung\r\nZ-50001;;AKTIV;\r\nZ-50001;;GESPERRT;\r\n",
			target:  errDuplicate,
		},
		{
			name:    "status column missing",
			content: "AzubiNr;EMail\r\nZ-50001;a@example.org\r\n",
		},
	}
	dialects(t, func(t *testing.T, tdb testDB) {
		importSmall(t, tdb)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, FileName), []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
				r := newTestReconciler(t, tdb.db, File{Folder: dir}, newClock())
				r.holdShare = 1
				mustFail(t, r, tt.target)

				run := lastRun(t, tdb.db)
				if run.Outcome != schema.OutcomeFailed || run.Message == "" {
					t.Errorf("run = %s (%q), want failed with a message", run.Outcome, run.Message)
				}
				for n, s := range statuses(t, tdb.db, sampleTrainees...) {
					if s != schema.AccountUnknown {
						t.Errorf("status of %s = %s, want unknown after a failed first read", n, s)
					}
				}
			})
		}

		// After a complete read, a failed one keeps its statuses.
		mustRun(t, newTestReconciler(t, tdb.db, File{Folder: "../../testdata"}, newClock()))
		dir := writeKonten(t, "Z-50001;;GESPERRT;")
		cut := filepath.Join(dir, FileName)
		b, err := os.ReadFile(cut)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cut, b[:len(b)-2], 0o600); err != nil {
			t.Fatal(err)
		}
		r := newTestReconciler(t, tdb.db, File{Folder: dir}, newClock())
		r.holdShare = 1
		mustFail(t, r, ErrTruncated)
		checkStatuses(t, tdb.db, map[string]string{
			"Z-50001": schema.AccountActive, "Z-50002": schema.AccountInvited,
			"Z-50003": schema.AccountLocked, "Z-50004": schema.AccountNone,
		})
	})
}

// activeAccounts returns n records of active accounts T-00001 ….
func activeAccounts(n int) []string {
	recs := make([]string, n)
	for i := range recs {
		recs[i] = fmt.Sprintf("T-%05d;;AKTIV;", i+1)
	}
	return recs
}

// insertTrainees stores trainees T-00001 … T-n, so that their accounts
// count for the safety hold.
func insertTrainees(t *testing.T, db *bun.DB, n int) {
	t.Helper()
	now := time.Now().UTC()
	for i := 1; i <= n; i++ {
		tr := &schema.Trainee{Number: fmt.Sprintf("T-%05d", i), FirstName: "Test", LastName: "Azubi",
			BirthDate: schema.Date{Year: 2007, Month: 1, Day: 1}, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(tr).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReconcileHoldIgnoresOtherAccounts(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		insertTrainees(t, tdb.db, 3)
		c := newClock()
		others := make([]string, 0, 203)
		for i := range 200 {
			others = append(others, fmt.Sprintf("Y-%05d;;AKTIV;", i))
		}
		r := newTestReconciler(t, tdb.db, File{Folder: writeKonten(t, append(others, activeAccounts(3)...)...)}, c)
		mustRun(t, r)

		// Losing the three trainees is all of them, however many other
		// accounts the directory lists.
		c.t = c.t.Add(time.Hour)
		mustFail(t, newTestReconciler(t, tdb.db, File{Folder: writeKonten(t, others...)}, c), ErrHeld)
	})
}

func TestReconcileHold(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		st := store.New(tdb.db)
		insertTrainees(t, tdb.db, 40)
		c := newClock()
		mustRun(t, newTestReconciler(t, tdb.db, File{Folder: writeKonten(t, activeAccounts(40)...)}, c))

		// Losing 4 of 40 is within 10 %.
		c.t = c.t.Add(time.Hour)
		mustRun(t, newTestReconciler(t, tdb.db, File{Folder: writeKonten(t, activeAccounts(36)...)}, c))

		// A directory missing most accounts is held and changes nothing.
		c.t = c.t.Add(time.Hour)
		short := newTestReconciler(t, tdb.db, File{Folder: writeKonten(t, activeAccounts(6)...)}, c)
		mustFail(t, short, ErrHeld)
		held := lastRun(t, tdb.db)
		if held.Outcome != schema.OutcomeHeld {
			t.Fatalf("run outcome = %s, want held", held.Outcome)
		}
		if got := countStatus(t, tdb.db, schema.AccountActive); got != 36 {
			t.Errorf("active accounts after the hold = %d, want 36", got)
		}
		hold, err := st.WaitingReconcileHold(ctx)
		if err != nil || hold == nil {
			t.Fatalf("WaitingReconcileHold = %v, %v; want the hold", hold, err)
		}
		if hold.RunID != held.ID || hold.ActiveBefore != 36 || hold.ActiveLost != 30 {
			t.Errorf("hold = run %d, %d of %d lost; want run %d, 30 of 36", hold.RunID, hold.ActiveLost,
				hold.ActiveBefore, held.ID)
		}

		// Held again until an operator confirms; the newer hold supersedes.
		mustFail(t, short, ErrHeld)
		hold, err = st.WaitingReconcileHold(ctx)
		if err != nil || hold == nil {
			t.Fatalf("WaitingReconcileHold = %v, %v; want the second hold", hold, err)
		}
		if err := st.ConfirmReconcileHold(ctx, held.ID); err == nil {
			t.Error("confirming the superseded hold succeeded, want an error")
		}
		if err := st.ConfirmReconcileHold(ctx, hold.RunID); err != nil {
			t.Fatalf("ConfirmReconcileHold: %v", err)
		}

		c.t = c.t.Add(time.Hour)
		mustRun(t, short)
		if got := countStatus(t, tdb.db, schema.AccountActive); got != 6 {
			t.Errorf("active accounts after confirmation = %d, want 6", got)
		}
		var used schema.ReconcileHold
		if err := tdb.db.NewSelect().Model(&used).Where("run_id = ?", hold.RunID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if applied := lastRun(t, tdb.db); used.AppliedRunID == nil || *used.AppliedRunID != applied.ID {
			t.Errorf("hold used by run %v, want %d", used.AppliedRunID, applied.ID)
		}
		if hold, err := st.ConfirmedReconcileHold(ctx); err != nil || hold != nil {
			t.Errorf("ConfirmedReconcileHold after use = %v, %v; want none", hold, err)
		}
	})
}

func countStatus(t *testing.T, db *bun.DB, status string) int64 {
	t.Helper()
	n, err := db.NewSelect().Model((*schema.TraineeAccount)(nil)).Where("status = ?", status).
		Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInvalidRecordKeptOutOfError(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		dir := writeKonten(t, "Z-50001;lukas.mueller@example.org;UNBEKANNT;")
		r := newTestReconciler(t, tdb.db, File{Folder: dir}, newClock())
		err := r.Run(context.Background())
		if !errors.Is(err, ErrInvalidDirectory) {
			t.Fatalf("Run = %v, want ErrInvalidDirectory", err)
		}
		if strings.Contains(err.Error(), "lukas") {
			t.Errorf("error %q quotes the record, which ends up in logs", err)
		}
		run := lastRun(t, tdb.db)
		if !strings.Contains(run.Message, "UNBEKANNT") {
			t.Errorf("run message %q does not describe the invalid record", run.Message)
		}
	})
}

// TestReconcileRaisesTraineeListVersion checks that a run that writes
// account statuses marks the trainee list as changed.
func TestReconcileRaisesTraineeListVersion(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		st := store.New(tdb.db)
		insertTrainees(t, tdb.db, 3)
		before, err := st.TraineeListVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustRun(t, newTestReconciler(t, tdb.db, File{Folder: writeKonten(t, activeAccounts(3)...)}, newClock()))
		after, err := st.TraineeListVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after <= before {
			t.Errorf("trainee list version after a run = %d, want above %d", after, before)
		}
	})
}
