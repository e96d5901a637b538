package importer

import (
	"context"
	"testing"

	"github.com/uptrace/bun/dialect"

	"asta/schema"
)

// secondContract is a later contract of trainee Z-50001 in basePackage,
// with another e-mail address.
const secondContract = "2025-000200;Z-50001;0004711;A-1001;Herr;Lukas;von der Heide;29.02.2008;" +
	"lukas.neu@example.org;0101;;01.09.2025;31.08.2028;4;N;EINGETRAGEN;"

func traineeEmail(t *testing.T, tdb testDB, number string) string {
	t.Helper()
	var tr schema.Trainee
	if err := tdb.db.NewSelect().Model(&tr).Where("number = ?", number).Scan(context.Background()); err != nil {
		t.Fatalf("read trainee %s: %v", number, err)
	}
	return tr.Email
}

func TestTraineeDataFromLastContract(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		im := newTestImporter(t, tdb.db, tdb.dsn)
		base := basePackage().with("vertraege.csv", secondContract)
		importPackageAs(t, im, base, schema.OutcomeApplied)
		if got := traineeEmail(t, tdb, "Z-50001"); got != "lukas.neu@example.org" {
			t.Fatalf("trainee e-mail after first import = %q, want the last contract's", got)
		}

		// The first contract changes its trainee data, the last does not:
		// the trainee keeps the last contract's data.
		changed := base.clone()
		rows := changed.file(t, "vertraege.csv").rows
		rows[0] = "2024-000123;Z-50001;0004711;A-1001;Herr;Lukas;von der Heide;29.02.2008;lukas.alt@example.org;" +
			"0101;;01.09.2024;28.02.2027;4;N;EINGETRAGEN;"
		importPackageAs(t, im, changed.full("05.12.2026 03:00:00"), schema.OutcomeApplied)
		if got := traineeEmail(t, tdb, "Z-50001"); got != "lukas.neu@example.org" {
			t.Errorf("trainee e-mail after a change of an earlier contract = %q, want the last contract's", got)
		}

		// The same contracts in another order: the contract now last
		// brings its data, although no contract changed.
		swapped := changed.clone()
		rows = swapped.file(t, "vertraege.csv").rows
		rows[0], rows[2] = rows[2], rows[0]
		importPackageAs(t, im, swapped.full("06.12.2026 03:00:00"), schema.OutcomeApplied)
		if got := traineeEmail(t, tdb, "Z-50001"); got != "lukas.alt@example.org" {
			t.Errorf("trainee e-mail after reordering = %q, want the contract now last", got)
		}
	})
}

func TestReimportOfSamePackageWritesNothing(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		im := newTestImporter(t, tdb.db, tdb.dsn)
		fixClock(im)
		importPackageAs(t, im, basePackage(), schema.OutcomeApplied)
		before := dumpTables(t, tdb.db)

		res := importPackageAs(t, im, basePackage().full("05.12.2026 03:00:00"), schema.OutcomeApplied)
		for _, f := range res.Files {
			if f.Inserted != 0 || f.Changed != 0 || f.Ended != 0 {
				t.Errorf("%s: inserted %d, changed %d, ended %d, want none", f.File, f.Inserted, f.Changed, f.Ended)
			}
		}
		if after := dumpTables(t, tdb.db); after != before {
			t.Errorf("tables changed by an unchanged package:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

func TestReimportRestoresRowWithoutFingerprint(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)
		importPackageAs(t, im, basePackage(), schema.OutcomeApplied)

		// A change outside the importer that clears the fingerprint, as
		// the migration requires, is undone by the next full export.
		if _, err := tdb.db.ExecContext(ctx,
			"UPDATE companies SET town = 'Chemnitz', import_hash = NULL WHERE ident = '0004711'"); err != nil {
			t.Fatal(err)
		}
		res := importPackageAs(t, im, basePackage().full("05.12.2026 03:00:00"), schema.OutcomeApplied)
		if c := company(t, tdb.db, "0004711"); c.Town != "Dresden" {
			t.Errorf("town = %q after re-import, want Dresden from the export", c.Town)
		}
		if res.Files[1].File != "betriebe.csv" || res.Files[1].Changed != 1 {
			t.Errorf("file counts = %+v, want 1 changed company in betriebe.csv", res.Files[1])
		}

		// The re-import stored the fingerprint again, so a third import
		// finds nothing to write.
		res = importPackageAs(t, im, basePackage().full("06.12.2026 03:00:00"), schema.OutcomeApplied)
		if res.Files[1].Changed != 0 {
			t.Errorf("companies changed by the third import = %d, want 0", res.Files[1].Changed)
		}
	})
}

func TestFirstImportDropsTimestampDefaults(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		im := newTestImporter(t, tdb.db, tdb.dsn)
		fixClock(im)
		importPackageAs(t, im, basePackage(), schema.OutcomeApplied)
		if tdb.db.Dialect().Name() != dialect.PG {
			return
		}

		// A first import sets defaults for the timestamps while it copies
		// into the empty tables, and must drop them again.
		var cols []string
		err := tdb.db.NewRaw(`SELECT table_name || '.' || column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND column_name IN ('created_at', 'updated_at')
			AND column_default IS NOT NULL ORDER BY 1`).Scan(context.Background(), &cols)
		if err != nil {
			t.Fatalf("read column defaults: %v", err)
		}
		for _, column := range cols {
			switch column {
			case "occupations.created_at", "occupations.updated_at", "companies.created_at", "companies.updated_at",
				"trainers.created_at", "trainers.updated_at", "contracts.created_at", "contracts.updated_at",
				"trainees.created_at", "trainees.updated_at", "exam_registrations.created_at",
				"exam_registrations.updated_at":
				t.Errorf("column %s has a default after the first import", column)
			}
		}
	})
}
