package importer

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
)

var berlin = mustLocation("Europe/Berlin")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// newTestImporter returns an Importer on db with the default limits.
func newTestImporter(t *testing.T, db *bun.DB, dsn string) *Importer {
	t.Helper()
	return New(Options{
		DB: db, DatabaseURL: dsn, Location: berlin,
		RejectShare: 0.05, RejectCount: 10, HoldShare: 0.10, HoldCount: 20,
	})
}

// testDB is one database of a dialect test with its URL.
type testDB struct {
	db  *bun.DB
	dsn string
}

func dialects(t *testing.T, fn func(t *testing.T, tdb testDB)) {
	t.Helper()
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) { fn(t, testDB{db, url}) })
}

func mustImport(t *testing.T, im *Importer, path, want string) *Result {
	t.Helper()
	res, err := im.Import(context.Background(), Request{Path: path})
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	if res.Outcome != want {
		t.Fatalf("import %s: outcome %s (%s), want %s", path, res.Outcome, res.Reason, want)
	}
	return res
}

func TestImportSamplePackages(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		im := newTestImporter(t, tdb.db, tdb.dsn)

		res := mustImport(t, im, "../../testdata/export-small", schema.OutcomeApplied)
		if len(res.Rejections) != 0 {
			t.Errorf("rejections = %v, want none", res.Rejections)
		}

		var companies []schema.Company
		if err := tdb.db.NewSelect().Model(&companies).Order("ident").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(companies) != 4 {
			t.Fatalf("companies = %d, want 4", len(companies))
		}
		site := companies[0]
		if site.Ident != "0004711" {
			t.Errorf("first company ident = %q, want 0004711 with leading zeros", site.Ident)
		}
		c := companies[1]
		if c.Ident != "0004712" || c.HeadIdent != "0004711" || c.Name2 != "Niederlassung Süd; Lager" ||
			c.Street != "Hinterhaus\nMarienstraße 5" || c.Postcode != "01067" {
			t.Errorf("site = %+v, want head 0004711, quoted Name2 and two-line street", c)
		}
		if companies[3].Name1 != `Café "Zum Anker" GmbH` || companies[3].Status != "GELOESCHT" {
			t.Errorf("company 31007 = %q %s", companies[3].Name1, companies[3].Status)
		}
		if companies[0].ActivationCodeHash != HashActivationCode("K7QM2XHD9PLA") {
			t.Errorf("activation code hash of 0004711 = %q", companies[0].ActivationCodeHash)
		}

		var tr schema.Trainee
		if err := tdb.db.NewSelect().Model(&tr).Where("number = ?", "Z-50001").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if tr.LastName != "von der Heide" || tr.BirthDate != (schema.Date{Year: 2008, Month: 2, Day: 29}) {
			t.Errorf("trainee Z-50001 = %q born %v", tr.LastName, tr.BirthDate)
		}

		res = mustImport(t, im, "../../testdata/export-delta-utf8", schema.OutcomeApplied)
		var zoe schema.Trainee
		if err := tdb.db.NewSelect().Model(&zoe).Where("number = ?", "Z-50002").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if zoe.FirstName != "Zoë" || zoe.Email != "zoe.dangelo@example.org" {
			t.Errorf("trainee Z-50002 = %q %q after delta", zoe.FirstName, zoe.Email)
		}
		var ex schema.ExamRegistration
		if err := tdb.db.NewSelect().Model(&ex).Where("number = ?", "P-2027-0001").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if ex.Status != "BETRIEB_BESTAETIGT" || ex.Deadline != (schema.Date{Year: 2027, Month: 9, Day: 1}) {
			t.Errorf("registration P-2027-0001 = %s %v", ex.Status, ex.Deadline)
		}
		t.Logf("delta files: %+v %v", res.Files, res.Rejections)
	})
}
