package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("not found")

// Token states that [Store.PeekToken] reports.
var (
	ErrTokenUsed    = errors.New("link already used")
	ErrTokenExpired = errors.New("link expired")
)

// InTx runs fn with a Store whose queries run in one transaction, and
// commits when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(&Store{db: s.db, tx: tx})
	})
}

// q returns the transaction of a Store made by [Store.InTx], or the
// database.
func (s *Store) q() bun.IDB {
	if s.tx != nil {
		return s.tx
	}
	return s.db
}

func notFound(err error, op string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// CreateUser inserts u unless a user with its EmailKey exists; created
// reports which happened.
func (s *Store) CreateUser(ctx context.Context, u *schema.User) (created bool, err error) {
	res, err := s.q().NewInsert().Model(u).On("CONFLICT (email_key) DO NOTHING").Returning("id").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("create user: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("create user: %w", err)
	}
	return n > 0, nil
}

// UserByEmailKey returns the user with the address key, or [ErrNotFound].
func (s *Store) UserByEmailKey(ctx context.Context, key string) (*schema.User, error) {
	u := new(schema.User)
	if err := s.q().NewSelect().Model(u).Where("email_key = ?", key).Scan(ctx); err != nil {
		return nil, notFound(err, "read user by address")
	}
	return u, nil
}

// User returns the user with id, or [ErrNotFound].
func (s *Store) User(ctx context.Context, id int64) (*schema.User, error) {
	u := new(schema.User)
	if err := s.q().NewSelect().Model(u).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("read user %d", id))
	}
	return u, nil
}

// UpdateUser writes the given columns of u.
func (s *Store) UpdateUser(ctx context.Context, u *schema.User, columns ...string) error {
	u.UpdatedAt = time.Now().UTC()
	columns = append(columns, "updated_at")
	if _, err := s.q().NewUpdate().Model(u).Column(columns...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update user %d: %w", u.ID, err)
	}
	return nil
}

// DeleteUser deletes the user with id, with their sessions, links and
// grants.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	if _, err := s.q().NewDelete().Model((*schema.User)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("delete user %d: %w", id, err)
	}
	return nil
}

// PurgeUnconfirmed deletes the accounts that were never confirmed and whose
// newest confirmation link expired before cutoff, and returns how many.
func (s *Store) PurgeUnconfirmed(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.q().NewRaw(`DELETE FROM users WHERE confirmed_at IS NULL AND operator = ?
		AND NOT EXISTS (SELECT 1 FROM user_tokens t WHERE t.user_id = users.id AND t.expires_at > ?)`,
		false, cutoff.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge unconfirmed accounts: %w", err)
	}
	return res.RowsAffected()
}

// CreateToken stores a single-use link.
func (s *Store) CreateToken(ctx context.Context, t *schema.UserToken) error {
	if _, err := s.q().NewInsert().Model(t).Exec(ctx); err != nil {
		return fmt.Errorf("create %s link: %w", t.Purpose, err)
	}
	return nil
}

// PeekToken returns the link with the hash and purpose without using it
// up: [ErrNotFound] for an unknown one, [ErrTokenUsed] or [ErrTokenExpired]
// with the link for one that no longer works.
func (s *Store) PeekToken(ctx context.Context, hash, purpose string, now time.Time) (*schema.UserToken, error) {
	t := new(schema.UserToken)
	err := s.q().NewSelect().Model(t).Where("token_hash = ?", hash).Where("purpose = ?", purpose).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "read "+purpose+" link")
	}
	switch {
	case t.UsedAt != nil:
		return t, ErrTokenUsed
	case !now.Before(t.ExpiresAt):
		return t, ErrTokenExpired
	}
	return t, nil
}

// UseToken uses up the link with the hash and purpose if it still works,
// and returns it; otherwise it returns the error of [Store.PeekToken].
// Of two requests with one link, one wins.
func (s *Store) UseToken(ctx context.Context, hash, purpose string, now time.Time) (*schema.UserToken, error) {
	t, err := s.PeekToken(ctx, hash, purpose, now)
	if err != nil {
		return t, err
	}
	res, err := s.q().NewUpdate().Model((*schema.UserToken)(nil)).
		Set("used_at = ?", now.UTC()).
		Where("token_hash = ?", hash).Where("used_at IS NULL").
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("use %s link: %w", purpose, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return t, ErrTokenUsed
	}
	return t, nil
}

// RevokeTokens makes the user's unused links of the purpose unusable.
func (s *Store) RevokeTokens(ctx context.Context, userID int64, purpose string, now time.Time) error {
	_, err := s.q().NewUpdate().Model((*schema.UserToken)(nil)).
		Set("used_at = ?", now.UTC()).
		Where("user_id = ?", userID).Where("purpose = ?", purpose).Where("used_at IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke %s links of user %d: %w", purpose, userID, err)
	}
	return nil
}

// PurgeTokens deletes the links that expired before cutoff, used or not,
// and returns how many. The links of unconfirmed accounts go with the
// accounts, so that [Store.PurgeUnconfirmed] can still check when they
// expired.
func (s *Store) PurgeTokens(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.q().NewRaw(`DELETE FROM user_tokens WHERE expires_at < ?
		AND user_id IN (SELECT id FROM users WHERE confirmed_at IS NOT NULL)`, cutoff.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge links: %w", err)
	}
	return res.RowsAffected()
}
