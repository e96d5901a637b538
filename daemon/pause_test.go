package main

import (
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/schema/dbtest"
	"asta/store"
)

func TestImportPausedReadsSwitch(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		st := store.New(db)
		paused := importPaused(st)

		if got, err := paused(t.Context()); err != nil || got {
			t.Fatalf("before a pause: (%v, %v), want (false, nil)", got, err)
		}
		if err := st.Pause(t.Context(), &store.JobPause{Job: store.PauseMail, Reason: "x", PausedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if got, err := paused(t.Context()); err != nil || got {
			t.Fatalf("with mail paused: (%v, %v), want (false, nil)", got, err)
		}
		if err := st.Pause(t.Context(), &store.JobPause{Job: store.PauseImport, Reason: "x", PausedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if got, err := paused(t.Context()); err != nil || !got {
			t.Fatalf("with import paused: (%v, %v), want (true, nil)", got, err)
		}
	})
}
