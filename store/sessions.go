package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"asta/schema"
)

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *schema.Session) error {
	if _, err := s.q().NewInsert().Model(sess).Exec(ctx); err != nil {
		return fmt.Errorf("create session of user %d: %w", sess.UserID, err)
	}
	return nil
}

// sessionUserRow is the row of [Store.SessionUser]: the user's columns
// and the session's with prefixes.
type sessionUserRow struct {
	schema.User

	SessionSecondFactor bool
	SessionCreatedAt    time.Time
	SessionLastSeenAt   time.Time
	SessionExpiresAt    time.Time
}

// SessionUser returns the session with the hash and its user, if the
// session is neither expired at now nor idle for longer than idle.
// Otherwise it returns [ErrNotFound]. One query reads both.
func (s *Store) SessionUser(ctx context.Context, hash string, now time.Time, idle time.Duration) (
	*schema.Session, *schema.User, error,
) {
	var rows []sessionUserRow
	err := s.q().NewRaw(`SELECT `+s.columns((*schema.User)(nil), "u")+`, s.second_factor AS session_second_factor,
			s.created_at AS session_created_at, s.last_seen_at AS session_last_seen_at,
			s.expires_at AS session_expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = ? AND s.expires_at > ? AND s.last_seen_at > ?`,
		hash, now.UTC(), now.Add(-idle).UTC()).Scan(ctx, &rows)
	if err != nil {
		return nil, nil, fmt.Errorf("read session: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("read session: %w", ErrNotFound)
	}
	r := rows[0]
	sess := &schema.Session{IDHash: hash, UserID: r.ID, SecondFactor: r.SessionSecondFactor,
		CreatedAt: r.SessionCreatedAt, LastSeenAt: r.SessionLastSeenAt, ExpiresAt: r.SessionExpiresAt}
	return sess, &r.User, nil
}

// TouchSession records that the session was used at now.
func (s *Store) TouchSession(ctx context.Context, hash string, now time.Time) error {
	_, err := s.q().NewUpdate().Model((*schema.Session)(nil)).
		Set("last_seen_at = ?", now.UTC()).Where("id_hash = ?", hash).Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// SetSecondFactor marks the session as having passed the TOTP check.
func (s *Store) SetSecondFactor(ctx context.Context, hash string) error {
	_, err := s.q().NewUpdate().Model((*schema.Session)(nil)).
		Set("second_factor = ?", true).Where("id_hash = ?", hash).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark second factor of session: %w", err)
	}
	return nil
}

// DeleteSession ends the session with the hash.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.q().NewDelete().Model((*schema.Session)(nil)).Where("id_hash = ?", hash).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of the user except the one with
// the hash keep (which may be empty).
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64, keep string) error {
	_, err := s.q().NewDelete().Model((*schema.Session)(nil)).
		Where("user_id = ?", userID).Where("id_hash <> ?", keep).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// PurgeSessions deletes the sessions that ended before now or were idle
// for longer than idle, and returns how many.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	res, err := s.q().NewDelete().Model((*schema.Session)(nil)).
		WhereOr("expires_at <= ?", now.UTC()).
		WhereOr("last_seen_at <= ?", now.Add(-idle).UTC()).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return res.RowsAffected()
}

// HitRateLimit counts one hit of key in a fixed window of the given length
// and returns the hits in the current window and when it ends. All
// instances share the counters.
func (s *Store) HitRateLimit(ctx context.Context, key string, window time.Duration, now time.Time) (
	hits int, resetAt time.Time, err error,
) {
	now = now.UTC()
	stale := now.Add(-window)
	var row struct {
		Hits        int
		WindowStart time.Time
	}
	err = s.q().NewRaw(`INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN rate_limits.window_start <= ? THEN 1 ELSE rate_limits.hits + 1 END,
			window_start = CASE WHEN rate_limits.window_start <= ? THEN excluded.window_start
				ELSE rate_limits.window_start END
		RETURNING hits, window_start`, key, now, stale, stale).Scan(ctx, &row.Hits, &row.WindowStart)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count rate limit: %w", err)
	}
	return row.Hits, row.WindowStart.Add(window), nil
}

// PurgeRateLimits deletes the counters whose window started before cutoff.
func (s *Store) PurgeRateLimits(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.q().NewRaw("DELETE FROM rate_limits WHERE window_start < ?", cutoff.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge rate limits: %w", err)
	}
	return res.RowsAffected()
}

// PanelKey returns the secret with the name that all instances share,
// creating it with 32 random bytes on first use.
func (s *Store) PanelKey(ctx context.Context, name string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("create panel key %s: %w", name, err)
	}
	fresh := base64.RawStdEncoding.EncodeToString(b)
	_, err := s.q().NewRaw("INSERT INTO panel_keys (name, secret, created_at) VALUES (?, ?, ?) "+
		"ON CONFLICT (name) DO NOTHING", name, fresh, time.Now().UTC()).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("create panel key %s: %w", name, err)
	}

	var secret string
	if err := s.q().NewRaw("SELECT secret FROM panel_keys WHERE name = ?", name).Scan(ctx, &secret); err != nil {
		return nil, fmt.Errorf("read panel key %s: %w", name, err)
	}
	key, err := base64.RawStdEncoding.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("read panel key %s: %w", name, err)
	}
	return key, nil
}

// AddAudit writes one entry of the audit log.
func (s *Store) AddAudit(ctx context.Context, e *schema.AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	if _, err := s.q().NewInsert().Model(e).Exec(ctx); err != nil {
		return fmt.Errorf("write audit entry %s: %w", e.Action, err)
	}
	return nil
}

// AuditEntries returns the newest entries of the audit log for the
// company (all when empty), up to limit.
func (s *Store) AuditEntries(ctx context.Context, company string, limit int) ([]schema.AuditEntry, error) {
	var es []schema.AuditEntry
	q := s.q().NewSelect().Model(&es).Order("at DESC", "id DESC").Limit(int64(limit))
	if company != "" {
		q = q.Where("company_ident = ?", company)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return es, nil
}
