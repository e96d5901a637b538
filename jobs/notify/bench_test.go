package notify

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/schema/dbtest"
)

// BenchmarkNotify10000 queues one digest for each of 10,000 companies
// with one open registration each and delivers them with the mail job's
// sender to a local go-smtp server over TCP. It reports mails per second
// for both steps together, database writes included. Set
// ASTA_TEST_DATABASE_URL to measure PostgreSQL too.
func BenchmarkNotify10000(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkNotify(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchmarkNotify(b, dbtest.Postgres(b)) })
}

func benchmarkNotify(b *testing.B, db *bun.DB) {
	const n = 10_000
	ctx := context.Background()
	ts := startSMTP(b)
	sender := newSender(b, db, ts)
	notifier, _ := newNotifier(b, db, newClock(2027, 4, 1))

	var queueing, elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		seedCompanies(b, db, n, 1, i)
		b.StartTimer()

		start := time.Now()
		if err := notifier.Run(ctx); err != nil {
			b.Fatalf("notify Run: %v", err)
		}
		queued := time.Since(start)
		if err := sender.Run(ctx); err != nil {
			b.Fatalf("mail Run: %v", err)
		}
		queueing += queued
		elapsed += time.Since(start)
	}
	b.StopTimer()
	if got, want := len(ts.received()), n*b.N; got != want {
		b.Fatalf("server received %d mails, want %d", got, want)
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "mails/s")
	b.ReportMetric(float64(n*b.N)/queueing.Seconds(), "queued/s")
}
