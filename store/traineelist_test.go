package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"asta/jobs/importer/importtest"
	"asta/sample"
	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

// importSample imports a generated package of 3,000 contracts at 20
// companies and indexes it. In the order of their numbers, every third
// trainee gets an active account, and of the others every seventh a
// locked one.
func importSample(t *testing.T, db *bun.DB, url string) *store.Store {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := sample.Write(ctx, dir, sample.Options{Companies: 20, Contracts: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	importtest.Import(t, db, url, dir)
	st := store.New(db)
	if _, err := st.RefreshSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}

	var numbers []string
	if err := db.NewRaw("SELECT number FROM trainees ORDER BY number").Scan(ctx, &numbers); err != nil {
		t.Fatal(err)
	}

	var accounts []schema.TraineeAccount
	now := time.Now().UTC()
	for i, n := range numbers {
		a := schema.TraineeAccount{TraineeNumber: n, StatusSince: now, UpdatedAt: now}
		switch {
		case i%3 == 0:
			a.Status = schema.AccountActive
		case i%7 == 0:
			a.Status = schema.AccountLocked
		default:
			continue
		}
		accounts = append(accounts, a)
	}
	if _, err := db.NewInsert().Model(&accounts).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestTraineeListPagesMatchStatement compares every page that the list in
// memory selects with the rows of the statement of Store.Trainees.
func TestTraineeListPagesMatchStatement(t *testing.T) {
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		ctx := context.Background()
		st := importSample(t, db, url)

		var companies []string
		err := db.NewRaw(`SELECT company_ident FROM contracts GROUP BY company_ident
			ORDER BY count(*) DESC LIMIT 3`).Scan(ctx, &companies)
		if err != nil {
			t.Fatal(err)
		}
		rows, found := 0, map[string]bool{}
		for _, company := range companies {
			var trainer, occupation string
			err := db.NewRaw(`SELECT trainer_number, occupation_number FROM contracts
				WHERE company_ident = ? AND trainer_number IS NOT NULL ORDER BY number LIMIT 1`, company).
				Scan(ctx, &trainer, &occupation)
			if err != nil {
				t.Fatal(err)
			}
			version, err := st.TraineeListVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			list, err := st.LoadTraineeList(ctx, company, version)
			if err != nil {
				t.Fatal(err)
			}

			// The occupation filter offers each occupation of the listed
			// contracts once.
			var occupations []string
			err = db.NewRaw(`SELECT DISTINCT occupation_number FROM contracts
				WHERE company_ident = ? AND missing_since IS NULL ORDER BY 1`, company).Scan(ctx, &occupations)
			if err != nil {
				t.Fatal(err)
			}
			var offered []string
			for _, o := range list.Occupations {
				offered = append(offered, o.Value)
			}
			slices.Sort(offered)
			if !slices.Equal(offered, occupations) {
				t.Errorf("occupations offered at %s = %v, want %v", company, offered, occupations)
			}

			filters := []store.TraineeFilter{
				{}, {Status: store.ContractsAll}, {Status: store.ContractsEnded, Desc: true},
				{Occupation: occupation, Sort: "beginn"}, {Trainer: trainer, Sort: "ende", Desc: true},
				{OnlyTrainer: trainer}, {Account: store.AccountFilterActive, Sort: "ausbilder"},
				{Account: store.AccountFilterInactive, Sort: "ausbilder", Desc: true},
				{Status: store.ContractsAll, Sort: "beruf"}, {Sort: "beruf", Desc: true},
				{Search: "a"}, {Search: "mü"}, {Search: "sch", Status: store.ContractsAll},
				{Search: "z-5"}, {Search: "an ma"}, {Search: "xyz"}, {Sort: "unbekannt"},
			}
			for _, f := range filters {
				f.Company = company
				for f.Page = 1; ; f.Page++ {
					want, wantMore, err := st.Trainees(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					got, more := list.Page(f)
					name := fmt.Sprintf("%+v", f)
					if len(got) != len(want) {
						t.Fatalf("%s: %d rows, statement %d", name, len(got), len(want))
					}
					for i := range got {
						if !reflect.DeepEqual(got[i], want[i]) {
							t.Fatalf("%s: row %d = %+v, statement %+v", name, i, got[i], want[i])
						}
					}
					if more != wantMore {
						t.Fatalf("%s: more = %v, statement %v", name, more, wantMore)
					}
					rows += len(got)
					if len(got) > 0 {
						found["suche="+f.Search] = true
						found["konto="+f.Account] = true
					}
					if !more {
						break
					}
				}
			}
		}

		// The data must exercise the comparison: many rows, several pages
		// and searches that find something.
		if rows < 3000 {
			t.Errorf("rows compared = %d, want at least 3,000", rows)
		}
		for _, key := range []string{"suche=a", "suche=sch", "suche=z-5", "konto=aktiv", "konto=ohne"} {
			if !found[key] {
				t.Errorf("filter %s found nothing at any company", key)
			}
		}
	})
}

// TestTraineeListsReadAgainAfterChange checks that the cache keeps a list
// while the version stays and reads it again once it rises.
func TestTraineeListsReadAgainAfterChange(t *testing.T) {
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		ctx := context.Background()
		st := importSample(t, db, url)
		var company string
		if err := db.NewRaw("SELECT min(company_ident) FROM contracts").Scan(ctx, &company); err != nil {
			t.Fatal(err)
		}

		lists := store.NewTraineeLists(st, 100_000)
		first, err := lists.Get(ctx, company)
		if err != nil {
			t.Fatal(err)
		}
		again, err := lists.Get(ctx, company)
		if err != nil {
			t.Fatal(err)
		}
		if again != first {
			t.Error("the list was read again although the version stayed")
		}

		if _, err := db.NewRaw(schema.RaiseTraineeListVersionSQL).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		changed, err := lists.Get(ctx, company)
		if err != nil {
			t.Fatal(err)
		}
		if changed == first {
			t.Error("the list was kept although the version rose")
		}
		if changed.Version <= first.Version {
			t.Errorf("version after the change = %d, want above %d", changed.Version, first.Version)
		}
	})
}

// TestTraineeListsEvictOldest checks that the cache drops the least
// recently used lists once they hold more contracts than its maximum.
func TestTraineeListsEvictOldest(t *testing.T) {
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		ctx := context.Background()
		st := importSample(t, db, url)
		var companies []string
		err := db.NewRaw(`SELECT company_ident FROM contracts GROUP BY company_ident
			HAVING count(*) >= 100 ORDER BY company_ident LIMIT 3`).Scan(ctx, &companies)
		if err != nil {
			t.Fatal(err)
		}
		if len(companies) < 3 {
			t.Fatalf("companies with 100 contracts or more = %d, want 3", len(companies))
		}

		// Each list has at least 100 contracts, so two never fit in 150.
		lists := store.NewTraineeLists(st, 150)
		a, err := lists.Get(ctx, companies[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lists.Get(ctx, companies[1]); err != nil {
			t.Fatal(err)
		}
		again, err := lists.Get(ctx, companies[0])
		if err != nil {
			t.Fatal(err)
		}
		if again == a {
			t.Error("the first company's list was kept beside the second's, over the maximum")
		}
	})
}

// TestTraineeListVersionRises checks that an import, a refresh of the
// search index and the deletion of ended trainees each raise the version.
func TestTraineeListVersionRises(t *testing.T) {
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		ctx := context.Background()
		st := store.New(db)
		last, err := st.TraineeListVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rose := func(step string) {
			t.Helper()
			v, err := st.TraineeListVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v <= last {
				t.Errorf("trainee list version after %s = %d, want above %d", step, v, last)
			}
			last = v
		}

		importtest.Import(t, db, url, "../testdata/export-small")
		rose("an import")
		if _, err := st.RefreshSearchIndex(ctx); err != nil {
			t.Fatal(err)
		}
		rose("a refresh of the search index")
		after := schema.Date{Year: 2025, Month: time.August, Day: 1}
		n, err := st.ApplyRetention(ctx, store.RetentionCutoffs{ContractsEnded: after}, after)
		if err != nil || n.Trainees != 1 {
			t.Fatalf("retention = %+v, %v; want 1 trainee deleted", n, err)
		}
		rose("the deletion of an ended trainee")
	})
}

// TestFailedRefreshRaisesVersion checks that the batches a refresh of the
// search index wrote before it failed raise the version, so that a list
// in memory finds a new trainee by name.
func TestFailedRefreshRaisesVersion(t *testing.T) {
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		ctx := context.Background()
		importtest.Import(t, db, url, "../testdata/export-small")
		st := store.New(db)
		company, last := "0004711", "Heide"
		lists := store.NewTraineeLists(st, 100_000)
		if _, err := lists.Get(ctx, company); err != nil {
			t.Fatal(err)
		}

		// The trainees' batch commits, then the trainers' sort keys fail.
		failTrainerKeys := []string{`CREATE TRIGGER fail_trainer_keys BEFORE INSERT ON sort_keys
			WHEN (NEW.kind = 'trainer') BEGIN SELECT RAISE(ABORT, 'trainer keys fail'); END`}
		if db.Dialect().Name() == dialect.PG {
			failTrainerKeys = []string{
				`CREATE FUNCTION fail_trainer_keys() RETURNS trigger LANGUAGE plpgsql AS
					$$ BEGIN RAISE EXCEPTION 'trainer keys fail'; END $$`,
				`CREATE TRIGGER fail_trainer_keys BEFORE INSERT ON sort_keys FOR EACH ROW
					WHEN (NEW.kind = 'trainer') EXECUTE FUNCTION fail_trainer_keys()`,
			}
		}
		for _, q := range failTrainerKeys {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.RefreshSearchIndex(ctx); err == nil {
			t.Fatal("RefreshSearchIndex succeeded, want the trainers' sort keys to fail")
		}

		list, err := lists.Get(ctx, company)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := list.Page(store.TraineeFilter{Company: company, Search: last})
		if len(rows) == 0 {
			t.Errorf("search %q in the list after a failed refresh found nothing, want the indexed trainee", last)
		}
	})
}
