package inbox

import (
	"context"
	"errors"
	"testing"

	"asta/sample"
	"asta/schema"
)

func TestRunSkippedWhilePaused(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		writePackage(t, dir, "export-1", sample.Options{Created: day(1)})
		ib := newInbox(t, tdb, dir, twoHoursLater)

		paused := true
		ib.opts.Paused = func(context.Context) (bool, error) { return paused, nil }
		runInbox(t, ib)
		checkRuns(t, tdb.db)
		checkEntries(t, dir, "export-1")

		paused = false
		runInbox(t, ib)
		checkRuns(t, tdb.db, recordedRun{"export-1", schema.OutcomeApplied})
		checkEntries(t, dir)
	})
}

func TestRunFailsWhenPauseUnreadable(t *testing.T) {
	eachDialect(t, func(t *testing.T, tdb testDB) {
		dir := t.TempDir()
		writePackage(t, dir, "export-1", sample.Options{Created: day(1)})
		ib := newInbox(t, tdb, dir, twoHoursLater)
		ib.opts.Paused = func(context.Context) (bool, error) { return false, errors.New("database down") }

		if err := ib.Run(context.Background()); err == nil {
			t.Fatal("Run ignores a failed read of the pause")
		}
		checkRuns(t, tdb.db)
		checkEntries(t, dir, "export-1")
	})
}
