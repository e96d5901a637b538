package mail

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

func TestRunSkippedWhilePaused(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ts := startServer(t, serverConfig{})
		clk := newClock()
		var logs bytes.Buffer
		s, _ := newTestSender(t, db, ts, clk, func(o *Options) {
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
		m := enqueue(t, db, "azubi@example.de", "Erinnerung")
		st := store.New(db)
		if err := st.Pause(ctx, &store.JobPause{Job: store.PauseMail, Reason: "Umstellung", PausedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}

		if err := s.Run(ctx); err != nil {
			t.Fatalf("Run while paused: %v", err)
		}
		if n := ts.connections(); n != 0 {
			t.Errorf("the paused sender opened %d connections", n)
		}
		if got := outboxRow(t, db, m.ID); got.State != schema.MailPending || got.Attempts != 0 {
			t.Errorf("mail after a paused run: %s, %d attempts, want pending, 0", got.State, got.Attempts)
		}
		if !strings.Contains(logs.String(), "mail paused by an operator") {
			t.Errorf("the skipped run is not logged:\n%s", logs.String())
		}

		if err := st.Resume(ctx, store.PauseMail); err != nil {
			t.Fatal(err)
		}
		if err := s.Run(ctx); err != nil {
			t.Fatalf("Run after resuming: %v", err)
		}
		if got := outboxRow(t, db, m.ID); got.State != schema.MailSent {
			t.Errorf("mail after resuming: %s, want sent", got.State)
		}
	})
}
