package schema_test

import (
	"context"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
)

func TestMigrateTwiceAppliesNothing(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		applied, err := schema.Migrate(context.Background(), db)
		if err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if len(applied) != 0 {
			t.Errorf("second Migrate applied %v, want nothing", applied)
		}
		pending, err := schema.Pending(context.Background(), db)
		if err != nil {
			t.Fatalf("Pending: %v", err)
		}
		if len(pending) != 0 {
			t.Errorf("Pending = %v, want none", pending)
		}
	})
}

func TestMigrateConcurrentInstances(t *testing.T) {
	ctx := context.Background()
	url := dbtest.PostgresURL(t)

	const instances = 4
	results := make([][]string, instances)
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i := range instances {
		db, err := schema.Open(ctx, url)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = db.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = schema.Migrate(ctx, db)
		}()
	}
	wg.Wait()

	total := 0
	for i := range instances {
		if errs[i] != nil {
			t.Errorf("instance %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	ms, _ := schema.Migrations()
	if total != len(ms) {
		t.Errorf("instances applied %d migrations in all, want %d (each once)", total, len(ms))
	}
}
