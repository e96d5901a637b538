package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

func insertTrainee(t *testing.T, db *bun.DB, number string) {
	t.Helper()
	now := time.Now().UTC()
	tr := &schema.Trainee{Number: number, FirstName: "Zoë", LastName: "D'Angelo",
		BirthDate: schema.Date{Year: 2008, Month: time.May, Day: 1}, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(tr).Exec(context.Background()); err != nil {
		t.Fatalf("insert trainee %s: %v", number, err)
	}
}

func TestTraineeAccountStatus(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := store.New(db)
		insertTrainee(t, db, "Z-1")
		insertTrainee(t, db, "Z-2")

		got, err := st.TraineeAccountStatus(ctx, "Z-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != schema.AccountUnknown {
			t.Errorf("status before any read = %q, want unknown", got.Status)
		}

		read := time.Date(2027, 2, 1, 5, 0, 0, 0, time.UTC)
		id, err := st.StartReconcileRun(ctx, "konten.csv", read.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Model((*schema.ReconcileRun)(nil)).Set("outcome = ?", schema.OutcomeApplied).
			Set("finished_at = ?", read).Where("id = ?", id).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		since := read.Add(-48 * time.Hour)
		row := &schema.TraineeAccount{TraineeNumber: "Z-1", Status: schema.AccountLocked, StatusSince: since,
			UpdatedAt: since}
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name      string
			number    string
			wantState string
			wantSince time.Time
		}{
			{name: "row", number: "Z-1", wantState: schema.AccountLocked, wantSince: since},
			{name: "no row", number: "Z-2", wantState: schema.AccountNone},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := st.TraineeAccountStatus(ctx, tt.number)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != tt.wantState {
					t.Errorf("status = %q, want %q", got.Status, tt.wantState)
				}
				if !got.Since.Equal(tt.wantSince) {
					t.Errorf("since = %v, want %v", got.Since, tt.wantSince)
				}
				if !got.ReadAt.Equal(read) {
					t.Errorf("read at = %v, want %v", got.ReadAt, read)
				}
			})
		}

		counts, err := st.AccountStatusCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[schema.AccountLocked] != 1 || counts[schema.AccountNone] != 1 {
			t.Errorf("status counts = %v, want 1 locked and 1 none", counts)
		}
	})
}

func TestDecideReconcileHoldNotFound(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := store.New(db)
		if err := st.ConfirmReconcileHold(ctx, 42); !errors.Is(err, store.ErrHoldNotFound) {
			t.Errorf("ConfirmReconcileHold of a missing hold = %v, want ErrHoldNotFound", err)
		}
		if err := st.DiscardReconcileHold(ctx, 42); !errors.Is(err, store.ErrHoldNotFound) {
			t.Errorf("DiscardReconcileHold of a missing hold = %v, want ErrHoldNotFound", err)
		}
	})
}
