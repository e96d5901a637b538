package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"hash/fnv"
)

// LockJob takes the lock that keeps runs of job from overlapping across
// instances, and returns the function that releases it. ok is false,
// with no error, when another instance holds it. On PostgreSQL the lock
// is an advisory lock held by a connection of its own, so it is released
// also when the instance dies. On SQLite, which one process owns, it is
// always granted.
func (s *Store) LockJob(ctx context.Context, job string) (unlock func(), ok bool, err error) {
	if !s.Postgres() {
		return func() {}, true, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock job %q: %w", job, err)
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte("asta job " + job))
	key := int64(h.Sum64())

	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", key).Scan(&ok); err != nil || !ok {
		_ = conn.Close()
		if err != nil {
			return nil, false, fmt.Errorf("lock job %q: %w", job, err)
		}
		return nil, false, nil
	}
	unlock = func() {
		// Closing the connection would also release the lock, but the pool
		// keeps it open, so unlock explicitly before handing it back.
		// If the unlock fails, the connection is discarded so that the
		// server ends its session and with it the lock.
		if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", key); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}
	return unlock, true, nil
}
