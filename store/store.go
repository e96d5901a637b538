// Package store holds the queries that the jobs and the panel run, as
// methods of [Store]. It is the only package besides schema that writes
// SQL.
package store

import (
	"github.com/uptrace/bun"

	"asta/schema"
)

// Store runs asta's queries on one database. It is safe for concurrent
// use.
type Store struct {
	db *bun.DB
	tx bun.IDB // set by InTx
}

// New returns a Store on db.
func New(db *bun.DB) *Store {
	return &Store{db: db}
}

// DB returns the underlying database handle.
func (s *Store) DB() *bun.DB {
	return s.db
}

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool {
	return schema.IsPostgres(s.db)
}
