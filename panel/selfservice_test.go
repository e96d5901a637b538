package panel

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"asta/schema"
)

// roleFixture is the sample package with a user in each role. The
// administrator of head company 0004711 is also one of its site 0004712.
// 0004711 has a Verwalter and an Ausbilder (linked to trainer A-1001),
// 20931 has an administrator, and one user has no role.
type roleFixture struct {
	headAdmin, verwalter, ausbilder, otherAdmin, stranger *browser
	grantOfVerwalter                                      int64
	grantOfOtherAdmin                                     int64
}

func newRoleFixture(t *testing.T, h *harness) *roleFixture {
	t.Helper()
	f := &roleFixture{}
	f.headAdmin = h.signUp("chef@mueller.example", "Chefin")
	f.headAdmin.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}}).
		want(t, http.StatusSeeOther)
	f.verwalter = h.signUp("verwalter@mueller.example", "Verwalter")
	f.ausbilder = h.signUp("ausbilder@mueller.example", "Ausbilderin")
	f.otherAdmin = h.signUp("chef@baeckerei.example", "Bäcker")
	f.otherAdmin.post("/aktivieren", url.Values{"ident": {"20931"}, "code": {"P4TR-8WNE-3ZKC"}}).
		want(t, http.StatusSeeOther)
	f.stranger = h.signUp("fremd@example.org", "Fremd")

	f.headAdmin.get("/betrieb/0004711/berechtigungen")
	f.headAdmin.post("/betrieb/0004711/berechtigungen", url.Values{"email": {"verwalter@mueller.example"},
		"rolle": {schema.RoleVerwalter}}).want(t, http.StatusSeeOther)
	f.headAdmin.post("/betrieb/0004711/berechtigungen", url.Values{"email": {"ausbilder@mueller.example"},
		"rolle": {schema.RoleAusbilder}, "ausbilder": {"A-1001"}}).want(t, http.StatusSeeOther)
	f.grantOfVerwalter = grantID(t, h, "0004711", "verwalter@mueller.example")
	f.grantOfOtherAdmin = grantID(t, h, "20931", "chef@baeckerei.example")
	if _, err := h.st.RefreshSearchIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func grantID(t *testing.T, h *harness, company, email string) int64 {
	t.Helper()
	var id int64
	err := h.db.NewRaw(`SELECT g.id FROM grants g JOIN users u ON u.id = g.user_id
		WHERE g.company_ident = ? AND u.email_key = ?`, company, email).Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("grant of %s in %s: %v", email, company, err)
	}
	return id
}

// TestPermissionTable signs in as each role of each company and requests
// every page, fragment and form of the company views, checking the allowed
// status or 404.
func TestPermissionTable(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		users := map[string]*browser{
			"head admin": f.headAdmin, "verwalter": f.verwalter, "ausbilder": f.ausbilder,
			"other admin": f.otherAdmin, "stranger": f.stranger,
		}
		// roles[user][company] is the user's role there, "" for none.
		roles := map[string]map[string]string{
			"head admin":  {"0004711": "admin", "0004712": "admin"},
			"verwalter":   {"0004711": "verwalter"},
			"ausbilder":   {"0004711": "ausbilder"},
			"other admin": {"20931": "admin"},
			"stranger":    {},
		}
		type request struct {
			method, path string
			form         url.Values
			adminOnly    bool
			status       int // for a user whose role allows it
		}
		requests := func(c string) []request {
			grant, changeStatus := f.grantOfVerwalter, http.StatusUnprocessableEntity
			examGet, examPost := http.StatusNotFound, http.StatusNotFound // the registration is 0004711's
			if c == "0004711" {
				examGet, examPost = http.StatusOK, http.StatusUnprocessableEntity
			}
			switch c {
			case "20931":
				grant = f.grantOfOtherAdmin
			case "0004712":
				changeStatus = http.StatusNotFound // the grant belongs to another company
			}
			base := "/betrieb/" + c
			return []request{
				{"GET", base, nil, false, http.StatusOK},
				{"GET", base + "/import-status", nil, false, http.StatusNoContent},
				{"GET", base + "/auszubildende", nil, false, http.StatusOK},
				{"GET", base + "/auszubildende?suche=heide&sort=beginn", nil, false, http.StatusOK},
				{"GET", base + "/ausbilder", nil, false, http.StatusOK},
				{"GET", base + "/pruefungen", nil, false, http.StatusOK},
				{"GET", base + "/pruefungen/P-2027-0002", nil, false, examGet},
				{"POST", base + "/pruefungen/P-2027-0002", url.Values{}, false, examPost},
				{"GET", base + "/vertragsmanagement", nil, false, http.StatusOK},
				{"GET", base + "/einstellungen", nil, true, http.StatusOK},
				{"POST", base + "/einstellungen", url.Values{"adresse": {"unknown@x.example"}}, true,
					http.StatusUnprocessableEntity},
				{"GET", base + "/berechtigungen", nil, true, http.StatusOK},
				{"POST", base + "/berechtigungen", url.Values{"email": {"bad"}}, true, http.StatusUnprocessableEntity},
				{"POST", fmt.Sprintf("%s/berechtigungen/%d", base, grant), url.Values{"rolle": {"chef"}}, true,
					changeStatus},
				{"POST", base + "/berechtigungen/999999/entziehen", url.Values{}, true, http.StatusNotFound},
			}
		}
		for name, b := range users {
			b.get("/konto")
			for _, c := range []string{"0004711", "0004712", "20931", "99999"} {
				for _, r := range requests(c) {
					role := roles[name][c]
					want := http.StatusNotFound
					if role != "" && (!r.adminOnly || role == schema.RoleAdmin) {
						want = r.status
					}
					t.Run(name+" "+r.method+" "+r.path, func(t *testing.T) {
						var got response
						if r.method == "GET" {
							got = b.get(r.path)
						} else {
							got = b.post(r.path, r.form)
						}
						if got.StatusCode != want {
							t.Errorf("status %d, want %d", got.StatusCode, want)
						}
						if want == http.StatusNotFound && strings.Contains(got.body, "von der Heide") {
							t.Error("a 404 answer shows a trainee")
						}
					})
				}
			}
		}
	})
}

func TestOperatorConsoleOnlyForOperators(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		for _, b := range []*browser{f.headAdmin, f.verwalter, f.stranger} {
			b.get("/konsole").want(t, http.StatusNotFound)
		}
	})
}

func TestTraineeListByRole(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		// The head administrator gets the site's trainees only at the site.
		f.headAdmin.get("/betrieb/0004711/auszubildende").want(t, http.StatusOK, "von der Heide", "D&#39;Angelo")
		if b := f.headAdmin.get("/betrieb/0004711/auszubildende").body; strings.Contains(b, "Meyer-Lüdenscheidt") {
			t.Error("the head company's list shows a site's trainee")
		}
		f.headAdmin.get("/betrieb/0004712/auszubildende").want(t, http.StatusOK, "Meyer-Lüdenscheidt")

		// The Ausbilder gets the trainees whose contracts name them.
		addContract(t, h, "C-9", "Z-9", "0004711", "A-1001", "Gustav", "Müller")
		addContract(t, h, "C-10", "Z-10", "0004711", "", "Hannah", "Schuster")
		if _, err := h.st.RefreshSearchIndex(context.Background()); err != nil {
			t.Fatal(err)
		}
		body := f.ausbilder.get("/betrieb/0004711/auszubildende").body
		if !strings.Contains(body, "Müller") || strings.Contains(body, "Schuster") {
			t.Errorf("the Ausbilder's list: want Müller and not Schuster\n%s", body)
		}
		f.verwalter.get("/betrieb/0004711/auszubildende").want(t, http.StatusOK, "Müller", "Schuster")
		f.ausbilder.get("/betrieb/0004711/ausbilder").want(t, http.StatusOK, "Anna-Lena")
	})
}

// TestTraineeSearch checks the folded name search and the German order on
// both databases.
func TestTraineeSearch(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		addContract(t, h, "C-1", "Z-1", "0004711", "", "Gustav", "MÜLLER")
		addContract(t, h, "C-2", "Z-2", "0004711", "", "Grit", "Mueller")
		addContract(t, h, "C-3", "Z-3", "0004711", "", "Ines", "Strauß")
		addContract(t, h, "C-4", "Z-4", "0004711", "", "Anton", "Mull")
		addContract(t, h, "C-5", "Z-5", "0004711", "", "Änne", "Ärger")
		addContract(t, h, "C-6", "Z-6", "0004711", "", "Bea", "Adler")
		addContract(t, h, "C-7", "Z-7", "20931", "", "Gudrun", "Müller") // another company
		if _, err := h.st.RefreshSearchIndex(context.Background()); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name, query string
			want        []string
			not         []string
		}{
			{"umlaut", "müller", []string{"MÜLLER", "Mueller"}, []string{"Mull,", "Gudrun"}},
			{"without umlaut", "muller", []string{"MÜLLER"}, []string{"Gudrun"}},
			{"two letters", "mueller", []string{"MÜLLER", "Mueller"}, nil},
			{"sharp s", "strauss", []string{"Strauß"}, nil},
			{"particle name", "heide", []string{"von der Heide"}, nil},
			{"first name", "gus", []string{"MÜLLER"}, []string{"Mueller"}},
			{"two words", "grit muell", []string{"Mueller"}, []string{"MÜLLER"}},
			{"trainee number", "z-5000", []string{"von der Heide", "D&#39;Angelo"}, []string{"MÜLLER"}},
			{"middle of a word", "ller", nil, []string{"MÜLLER"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				body := f.headAdmin.get("/betrieb/0004711/auszubildende?suche=" + url.QueryEscape(tt.query)).body
				for _, w := range tt.want {
					if !strings.Contains(body, w) {
						t.Errorf("search %q lacks %s", tt.query, w)
					}
				}
				for _, n := range tt.not {
					if strings.Contains(body, n) {
						t.Errorf("search %q shows %s", tt.query, n)
					}
				}
			})
		}

		// DIN 5007-2: Ärger sorts as Aerger, after Adler and before D'Angelo.
		body := f.headAdmin.get("/betrieb/0004711/auszubildende").body
		order := []string{"Adler,", "Ärger,", "D&#39;Angelo,", "Mueller,", "MÜLLER,", "Mull,", "Strauß,", "von der Heide,"}
		last := -1
		for _, name := range order {
			i := strings.Index(body, name)
			if i < last {
				t.Errorf("%s is out of German order in the list", name)
			}
			last = i
		}

		// An empty result names the filters and offers a reset.
		empty := f.headAdmin.get("/betrieb/0004711/auszubildende?suche=xyz&konto=aktiv")
		empty.want(t, http.StatusOK, "Kein Vertrag passt", "Suche: „xyz“", "aktives Konto", "Alle Filter zurücksetzen")
	})
}

// addContract adds a trainee and a running contract, as an import would.
func addContract(t *testing.T, h *harness, contract, trainee, company, trainer, first, last string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	birth, err := schema.ParseDate("01.01.2007")
	if err != nil {
		t.Fatal(err)
	}
	tr := &schema.Trainee{Number: trainee, FirstName: first, LastName: last, BirthDate: birth,
		CreatedAt: now, UpdatedAt: now}
	if _, err := h.db.NewInsert().Model(tr).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	start, _ := schema.ParseDate("01.08.2025")
	end, _ := schema.ParseDate("31.07.2028")
	c := &schema.Contract{Number: contract, TraineeNumber: trainee, CompanyIdent: company, TrainerNumber: trainer,
		OccupationNumber: "1234", StartDate: start, EndDate: end, Status: "EINGETRAGEN", CreatedAt: now, UpdatedAt: now}
	if _, err := h.db.NewInsert().Model(c).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	run := &schema.ImportRun{PackageID: "p-" + contract, PackageName: "test", StartedAt: now, FinishedAt: &now,
		Outcome: schema.OutcomeApplied}
	if _, err := h.db.NewInsert().Model(run).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.NewRaw(schema.RaiseTraineeListVersionSQL).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSettings(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		b := f.headAdmin
		page := b.get("/betrieb/0004711/einstellungen")
		page.want(t, http.StatusOK, "ausbildung@mueller-soehne.example", "chef@mueller.example")

		tests := []struct {
			name, typed, want string
		}{
			{"no at", "name.example.org", "fehlt das @"},
			{"quoted", `"a b"@example.org`, "Leerzeichen"},
			{"quoted local part", `"ab"@example.org`, "Anführungszeichen"},
			{"ip literal", "a@[192.0.2.1]", "IP-Adresse"},
			{"no tld", "a@localhost", "Endung"},
			{"double dot", "a..b@example.org", "Punkt"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b.post("/betrieb/0004711/einstellungen", url.Values{"online": {"1"}, "adresse": {"andere"},
					"andere": {tt.typed}}).want(t, http.StatusUnprocessableEntity, tt.want, `aria-invalid="true"`)
			})
		}
		b.post("/betrieb/0004711/einstellungen", url.Values{"online": {"1"}, "adresse": {""}}).
			want(t, http.StatusUnprocessableEntity, "brauchen wir eine Benachrichtigungsadresse")

		// An internationalised address is stored in NFC.
		decomposed := "pru\u0308fung@bäckerei.example"
		r := b.post("/betrieb/0004711/einstellungen", url.Values{"online": {"1"}, "adresse": {"andere"},
			"andere": {decomposed}})
		r.want(t, http.StatusSeeOther)
		b.get(r.location()).want(t, http.StatusOK, "gespeichert")
		co, err := h.st.Company(context.Background(), "0004711")
		if err != nil {
			t.Fatal(err)
		}
		if !co.OnlineRegistration || co.NotificationEmail != "prüfung@bäckerei.example" {
			t.Errorf("settings = %v %q, want on and the address in NFC", co.OnlineRegistration, co.NotificationEmail)
		}
		// Each site keeps its own settings.
		site, err := h.st.Company(context.Background(), "0004712")
		if err != nil || site.OnlineRegistration {
			t.Errorf("the site's settings changed with the head company's: %v %v", site.OnlineRegistration, err)
		}
		b.get("/betrieb/0004711/berechtigungen").want(t, http.StatusOK, "Einstellungen geändert",
			"prüfung@bäckerei.example")
	})
}

func TestGrants(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		b := f.headAdmin
		b.get("/betrieb/0004711/berechtigungen").want(t, http.StatusOK, "verwalter@mueller.example",
			"als Ausbilder Groß, Anna-Lena")

		// An address without an account gets an invitation; the grant waits
		// for its registration.
		b.post("/betrieb/0004711/berechtigungen", url.Values{"email": {"Neu@Mueller.example"},
			"rolle": {schema.RoleVerwalter}}).want(t, http.StatusSeeOther)
		mails := h.outbox()
		if m := mails[len(mails)-1]; m.Recipient != "Neu@Mueller.example" || !strings.Contains(m.TextBody, "eingeladen") {
			t.Errorf("invitation mail: %s %q", m.Recipient, m.Subject)
		}
		b.get("/betrieb/0004711/berechtigungen").want(t, http.StatusOK, "Einladung offen")
		invited := h.signUp("neu@mueller.example", "Neu")
		invited.get("/betrieb/0004711/auszubildende").want(t, http.StatusOK, "von der Heide")

		// The same person twice is refused.
		b.post("/betrieb/0004711/berechtigungen", url.Values{"email": {"verwalter@mueller.example"},
			"rolle": {schema.RoleAdmin}}).want(t, http.StatusConflict, "schon eine Rolle")
		// Ausbilder needs a trainer of this company.
		b.post("/betrieb/0004711/berechtigungen", url.Values{"email": {"x@mueller.example"},
			"rolle": {schema.RoleAusbilder}, "ausbilder": {"A-2001"}}).
			want(t, http.StatusUnprocessableEntity, "Ausbilder-Eintrag")

		// The last administrator can be neither demoted nor removed.
		own := grantID(t, h, "0004711", "chef@mueller.example")
		b.post(fmt.Sprintf("/betrieb/0004711/berechtigungen/%d", own), url.Values{"rolle": {schema.RoleVerwalter}}).
			want(t, http.StatusConflict, "mindestens einen Administrator")
		b.post(fmt.Sprintf("/betrieb/0004711/berechtigungen/%d/entziehen", own), url.Values{}).
			want(t, http.StatusConflict, "mindestens einen Administrator")

		// Promote the Verwalter, then the first administrator may step down.
		b.post(fmt.Sprintf("/betrieb/0004711/berechtigungen/%d", f.grantOfVerwalter),
			url.Values{"rolle": {schema.RoleAdmin}}).want(t, http.StatusSeeOther)
		f.verwalter.get("/betrieb/0004711/einstellungen").want(t, http.StatusOK)
		b.post(fmt.Sprintf("/betrieb/0004711/berechtigungen/%d/entziehen", own), url.Values{}).
			want(t, http.StatusSeeOther)
		b.get("/betrieb/0004711").want(t, http.StatusNotFound)

		f.verwalter.get("/betrieb/0004711/berechtigungen").want(t, http.StatusOK, "Rolle vergeben", "Rolle geändert",
			"Rolle entzogen")
	})
}

func TestAusbilderGrantSuspendedWhileTrainerLeft(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		f.ausbilder.get("/betrieb/0004711").want(t, http.StatusOK)
		if _, err := h.db.NewRaw("UPDATE trainers SET status = 'AUSGESCHIEDEN' WHERE number = 'A-1001'").
			Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.ausbilder.get("/betrieb/0004711").want(t, http.StatusNotFound)
	})
}

func TestDeletedCompanyIsSuspended(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		if _, err := h.db.NewRaw("UPDATE companies SET status = 'GELOESCHT' WHERE ident = '20931'").
			Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.otherAdmin.get("/betrieb/20931").want(t, http.StatusOK, "gelöscht")
		f.otherAdmin.get("/betrieb/20931/auszubildende").want(t, http.StatusNotFound)
		f.otherAdmin.get("/betriebe").want(t, http.StatusOK, "von der Kammer gelöscht")
	})
}

func TestCompaniesAndSwitch(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		r := f.headAdmin.get("/betriebe?ansicht=auszubildende")
		r.want(t, http.StatusOK, `href="/betrieb/0004711/auszubildende"`, `href="/betrieb/0004712/auszubildende"`,
			"über den Hauptbetrieb")
		f.verwalter.get("/betriebe?ansicht=einstellungen").want(t, http.StatusOK, `href="/betrieb/0004711"`)
		// The switch link keeps the view.
		f.headAdmin.get("/betrieb/0004712/ausbilder").want(t, http.StatusOK, `href="/betriebe?ansicht=ausbilder"`)
	})
}

func TestContractManagementTile(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		f.verwalter.get("/betrieb/0004711/vertragsmanagement").want(t, http.StatusOK, "noch nicht freigeschaltet")
		tiles := f.verwalter.get("/betrieb/0004711").body
		if strings.Contains(tiles, "/einstellungen") || strings.Contains(tiles, "/berechtigungen") {
			t.Error("a Verwalter sees the tiles of settings or grants")
		}
		if !strings.Contains(f.headAdmin.get("/betrieb/0004711").body, "/berechtigungen") {
			t.Error("the administrator lacks the grants tile")
		}
	})
}

func TestLegalPages(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		b := h.browser()
		for _, p := range []string{"/impressum", "/datenschutz", "/barrierefreiheit"} {
			b.get(p).want(t, http.StatusOK, `href="/impressum"`, `href="/datenschutz"`, `href="/barrierefreiheit"`)
		}
		b.get("/anmelden").want(t, http.StatusOK, `href="/barrierefreiheit"`)
	})
}
