package mail

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

// BenchmarkSend10000 sends 10,000 queued mails to a local go-smtp server
// over one connection and reports mails per second, database writes
// included. Set ASTA_TEST_DATABASE_URL to measure PostgreSQL too.
func BenchmarkSend10000(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkSend(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchmarkSend(b, dbtest.Postgres(b)) })
}

func benchmarkSend(b *testing.B, db *bun.DB) {
	const n = 10_000
	ctx := context.Background()
	ts := startServer(b, serverConfig{})
	s, _ := newTestSender(b, db, ts, newClock(), nil)

	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		queueMails(b, db, n, i)
		b.StartTimer()

		start := time.Now()
		if err := s.Run(ctx); err != nil {
			b.Fatalf("Run: %v", err)
		}
		elapsed += time.Since(start)
	}
	b.StopTimer()
	if got, want := len(ts.accepted()), n*b.N; got != want {
		b.Fatalf("server accepted %d messages, want %d", got, want)
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "mails/s")
}

// queueMails inserts n pending mails in batches, faster than n calls of
// EnqueueMail.
func queueMails(b *testing.B, db *bun.DB, n, round int) {
	b.Helper()
	now := time.Now().UTC()
	batch := make([]schema.OutboxMail, 0, 500)
	for i := range n {
		batch = append(batch, schema.OutboxMail{
			MessageID:     store.NewMessageID("bench.invalid"),
			Recipient:     fmt.Sprintf("azubi%d@example.de", i),
			Subject:       fmt.Sprintf("Prüfungstermin Nr. %d/%d", round, i),
			TextBody:      "Guten Tag,\n\nIhr Prüfungstermin ist am 12. Mai um 9 Uhr.\n",
			HTMLBody:      "<p>Guten Tag,</p><p>Ihr Prüfungstermin ist am 12. Mai um 9 Uhr.</p>",
			State:         schema.MailPending,
			NextAttemptAt: now.Add(-time.Hour),
			CreatedAt:     now,
		})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := db.NewInsert().Model(&batch).Exec(context.Background()); err != nil {
				b.Fatalf("queue mails: %v", err)
			}
			batch = batch[:0]
		}
	}
}
