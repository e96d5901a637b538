// Package retention deletes what the panel no longer needs: ended
// sessions, old rate-limit counters, used or expired links and accounts
// whose address was never confirmed.
package retention

import (
	"context"
	"log/slog"
	"time"

	"asta/store"
)

// Options configures a [Purger].
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// SessionIdle is the panel's idle time-out of sessions.
	SessionIdle time.Duration
	// UnconfirmedAfter is how long after its confirmation link expired an
	// unconfirmed account is kept.
	UnconfirmedAfter time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
}

// Purger runs the deletions as a scheduled job.
type Purger struct {
	opts Options
}

// New returns a Purger.
func New(opts Options) *Purger {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Purger{opts: opts}
}

// Run deletes everything that is due and logs the counts.
func (p *Purger) Run(ctx context.Context) error {
	now := p.opts.Now()
	st := p.opts.Store
	sessions, err := st.PurgeSessions(ctx, now, p.opts.SessionIdle)
	if err != nil {
		return err
	}
	counters, err := st.PurgeRateLimits(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	accounts, err := st.PurgeUnconfirmed(ctx, now.Add(-p.opts.UnconfirmedAfter))
	if err != nil {
		return err
	}
	links, err := st.PurgeTokens(ctx, now.Add(-7*24*time.Hour))
	if err != nil {
		return err
	}
	p.opts.Logger.Info("purge finished", "job", "purge", "sessions", sessions, "rate_limits", counters,
		"unconfirmed_accounts", accounts, "links", links)
	return nil
}
