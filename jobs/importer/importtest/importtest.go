// Package importtest imports export packages into test databases, for the
// tests of the packages that work on imported records.
package importtest

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/jobs/importer"
	"asta/schema"
)

// Import imports the package at path into db with the default limits and
// fails the test unless it is applied. url is the URL db was opened
// with, which the PostgreSQL import needs for its own connection.
func Import(t testing.TB, db *bun.DB, url, path string) {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	im := importer.New(importer.Options{
		DB: db, DatabaseURL: url, Location: loc,
		RejectShare: 0.05, RejectCount: 10, HoldShare: 0.10, HoldCount: 20,
	})
	res, err := im.Import(context.Background(), importer.Request{Path: path})
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	if res.Outcome != schema.OutcomeApplied {
		t.Fatalf("import %s: outcome %s (%s), want applied", path, res.Outcome, res.Reason)
	}
}
