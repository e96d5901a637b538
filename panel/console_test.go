package panel

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"asta/jobs/importer"
	"asta/jobs/importer/importtest"
	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

// triggers records the jobs that the console started.
type triggers struct {
	mu   sync.Mutex
	jobs []string
}

func (tr *triggers) trigger(job string) error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.jobs = append(tr.jobs, job)
	return nil
}

func (tr *triggers) list() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.jobs)
}

// consoleTest runs fn on both databases with a panel whose Trigger is
// recorded in tr.
func consoleTest(t *testing.T, fn func(t *testing.T, h *harness, tr *triggers)) {
	t.Helper()
	dbtest.DialectsURL(t, func(t *testing.T, db *bun.DB, url string) {
		importtest.Import(t, db, url, "../testdata/export-small")
		tr := &triggers{}
		h := newHarness(t, db, func(o *Options) {
			o.Trigger = tr.trigger
			o.Jobs = []string{"import", "mail", "report"}
			o.LetterSender = "Kammer Musterstadt · Postfach 1 · 01001 Dresden"
		})
		h.dbURL = url
		fn(t, h, tr)
	})
}

// operator returns a browser signed in as a new operator who has enrolled
// an authenticator.
func (h *harness) operator(email string) *browser {
	h.t.Helper()
	b := h.signUp(email, "Operator")
	h.exec("UPDATE users SET operator = ? WHERE email_key = ?", true, email)
	page := b.get("/anmelden/authenticator")
	page.want(h.t, http.StatusOK)
	secret := between(page.body, `name="secret" value="`, `"`)
	signature := between(page.body, `name="signature" value="`, `"`)
	b.post("/anmelden/authenticator", url.Values{"secret": {secret}, "signature": {signature},
		"code": {code(h.t, secret, h.clock.Now())}}).want(h.t, http.StatusSeeOther)
	b.get("/konsole").want(h.t, http.StatusOK)
	return b
}

func (h *harness) exec(query string, args ...any) {
	h.t.Helper()
	if _, err := h.db.NewRaw(query, args...).Exec(context.Background()); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
}

// addRun inserts a finished import run with rejected records and returns
// its id.
func (h *harness) addRun(outcome string, rejected ...schema.RejectedRecord) int64 {
	h.t.Helper()
	ctx := context.Background()
	now := h.clock.Now().UTC()
	run := &schema.ImportRun{PackageID: strings.Repeat("ab", 32), PackageName: "export-test", StartedAt: now,
		Outcome: outcome, Records: 10, Rejected: int64(len(rejected))}
	if outcome != schema.OutcomeRunning {
		run.FinishedAt = &now
	}
	if _, err := h.db.NewInsert().Model(run).Exec(ctx); err != nil {
		h.t.Fatal(err)
	}
	for i := range rejected {
		rejected[i].RunID = run.ID
		if _, err := h.db.NewInsert().Model(&rejected[i]).Exec(ctx); err != nil {
			h.t.Fatal(err)
		}
	}
	return run.ID
}

// activatedAdmin returns a browser of the administrator of company
// 0004711, activated with the code of the sample export.
func (h *harness) activatedAdmin() *browser {
	h.t.Helper()
	b := h.signUp("chef@example.org", "Chefin")
	b.get("/aktivieren")
	b.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}}).want(h.t, http.StatusSeeOther)
	return b
}

func TestConsoleOnlyForOperators(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		run := h.addRun(schema.OutcomeRejected, schema.RejectedRecord{File: "betriebe.csv", Line: 3, Reason: "x"})
		runPath := "/konsole/importe/" + strconv.FormatInt(run, 10)
		gets := []string{"/konsole", runPath, runPath + "/abgelehnt.csv", "/konsole/postausgang",
			"/konsole/betriebe?suche=0004711", "/konsole/betriebe/0004711", "/konsole/anschreiben",
			"/konsole/protokoll"}
		posts := []string{"/konsole/jobs/import", "/konsole/pause/mail", "/konsole/pause/mail/aufheben",
			"/konsole/zurueckgehalten/abcdef/freigeben", "/konsole/zurueckgehalten/abcdef/verwerfen",
			"/konsole/postausgang/1/erneut", "/konsole/postausgang/1/verwerfen",
			"/konsole/betriebe/0004711/code", "/konsole/anschreiben"}

		for _, p := range gets {
			op.get(p).want(t, http.StatusOK)
		}
		if r := op.get(runPath + "/status"); r.StatusCode != http.StatusNoContent {
			t.Errorf("status of a finished run = %d, want 204", r.StatusCode)
		}

		admin := h.activatedAdmin()
		verwalter := h.signUp("verwalter@example.org", "Verwalter")
		h.exec("INSERT INTO grants (company_ident, user_id, role, created_at, updated_at) "+
			"SELECT '0004711', id, 'verwalter', ?, ? FROM users WHERE email_key = 'verwalter@example.org'",
			h.clock.Now(), h.clock.Now())
		verwalter.get("/betrieb/0004711").want(t, http.StatusOK)
		stranger := h.signUp("fremd@example.org", "Fremd")
		anonymous := h.browser()

		visitors := []struct {
			name string
			b    *browser
			want int
		}{
			{"company admin", admin, http.StatusNotFound},
			{"verwalter", verwalter, http.StatusNotFound},
			{"stranger", stranger, http.StatusNotFound},
			{"anonymous", anonymous, http.StatusSeeOther},
		}
		for _, v := range visitors {
			t.Run(v.name, func(t *testing.T) {
				for _, p := range append(gets, runPath+"/status") {
					if r := v.b.get(p); r.StatusCode != v.want {
						t.Errorf("GET %s = %d, want %d", p, r.StatusCode, v.want)
					}
				}
				for _, p := range posts {
					form := url.Values{"reason": {"Test"}, "confirm": {"1"}}
					if r := v.b.post(p, form); r.StatusCode != v.want {
						t.Errorf("POST %s = %d, want %d", p, r.StatusCode, v.want)
					}
				}
			})
		}
		if got := tr.list(); len(got) != 0 {
			t.Errorf("non-operators triggered jobs %v", got)
		}
	})
}

func TestConsoleRunNow(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		op.get("/konsole").want(t, http.StatusOK, "Bericht jetzt starten", "Mailversand jetzt starten")
		r := op.post("/konsole/jobs/report", url.Values{})
		r.want(t, http.StatusSeeOther)
		op.get(r.location()).want(t, http.StatusOK, "Der Job wurde gestartet.")
		op.post("/konsole/jobs/purge", url.Values{}).want(t, http.StatusNotFound)

		if got := tr.list(); !slices.Equal(got, []string{"report"}) {
			t.Errorf("triggered %v, want [report]", got)
		}
		if !slices.Contains(h.auditActions(), "console.job_triggered") {
			t.Error("the trigger is not audited")
		}
	})
}

func TestConsoleHoldDecisions(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		run := h.addRun(schema.OutcomeHeld)
		for _, id := range []string{"aaaa1111", "bbbb2222"} {
			h.exec("INSERT INTO package_holds (package_id, run_id, package_name, exported_at, reason, held_at) "+
				"VALUES (?, ?, ?, ?, ?, ?)", id, run, "paket-"+id, h.clock.Now(), "zu viele fehlende Datensätze",
				h.clock.Now())
		}
		op.get("/konsole").want(t, http.StatusOK, "paket-aaaa1111", "paket-bbbb2222", "zu viele fehlende")

		op.post("/konsole/zurueckgehalten/aaaa1111/freigeben", url.Values{}).want(t, http.StatusSeeOther)
		op.post("/konsole/zurueckgehalten/bbbb2222/verwerfen", url.Values{}).want(t, http.StatusSeeOther)
		op.post("/konsole/zurueckgehalten/aaaa1111/verwerfen", url.Values{}).want(t, http.StatusNotFound)

		var holds []schema.PackageHold
		if err := h.db.NewSelect().Model(&holds).Order("package_id").Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if holds[0].Decision != schema.HoldConfirmed || holds[1].Decision != schema.HoldDiscarded {
			t.Errorf("decisions %q, %q, want confirmed, discarded", holds[0].Decision, holds[1].Decision)
		}
		if got := tr.list(); !slices.Equal(got, []string{"import", "import"}) {
			t.Errorf("triggered %v, want the import after each decision", got)
		}
		actions := h.auditActions()
		for _, a := range []string{"console.hold_confirmed", "console.hold_discarded"} {
			if !slices.Contains(actions, a) {
				t.Errorf("audit log lacks %s", a)
			}
		}
		if body := op.get("/konsole").body; strings.Contains(body, "paket-aaaa1111") {
			t.Error("a decided package is still listed")
		}
	})
}

func TestConsoleOutbox(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		ctx := context.Background()
		var ids []int64
		for _, to := range []string{"eins@example.org", "zwei@example.org"} {
			m := &schema.OutboxMail{Recipient: to, Subject: "Betreff " + to, TextBody: "geheimer Link " + to}
			if _, err := h.st.EnqueueMail(ctx, nil, m); err != nil {
				t.Fatal(err)
			}
			if err := h.st.MarkMailFailed(ctx, m.ID, "550 mailbox unavailable"); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		page := op.get("/konsole/postausgang")
		page.want(t, http.StatusOK, "eins@example.org", "zwei@example.org", "550 mailbox unavailable")
		if strings.Contains(page.body, "geheimer Link") {
			t.Error("the outbox page shows a mail body")
		}

		before := h.mails.Load()
		op.post("/konsole/postausgang/"+strconv.FormatInt(ids[0], 10)+"/erneut", url.Values{}).
			want(t, http.StatusSeeOther)
		op.post("/konsole/postausgang/"+strconv.FormatInt(ids[1], 10)+"/verwerfen", url.Values{}).
			want(t, http.StatusSeeOther)
		op.post("/konsole/postausgang/"+strconv.FormatInt(ids[1], 10)+"/erneut", url.Values{}).
			want(t, http.StatusNotFound)
		if h.mails.Load() != before+1 {
			t.Error("a requeued mail does not wake the sender")
		}

		mails := h.outbox()
		states := map[int64]schema.OutboxMail{}
		for _, m := range mails {
			states[m.ID] = m
		}
		if m := states[ids[0]]; m.State != schema.MailPending || m.Attempts != 0 {
			t.Errorf("requeued mail: state %s, attempts %d, want pending, 0", m.State, m.Attempts)
		}
		if m := states[ids[1]]; m.State != store.MailDiscarded {
			t.Errorf("discarded mail: state %s", m.State)
		}
		if m := states[ids[1]]; m.TextBody != "" {
			t.Errorf("discarded mail keeps its body %q", m.TextBody)
		}
		op.get("/konsole/postausgang").want(t, http.StatusOK, "verworfen")
	})
}

var letterCode = regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}`)

func TestConsoleNewActivationCode(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		op.get("/konsole/betriebe?suche=m%C3%BCller").want(t, http.StatusOK, "0004711", "0004712")
		op.get("/konsole/betriebe?suche=2093").want(t, http.StatusOK, "20931", "nicht verwendet")
		op.get("/konsole/betriebe/0004711").want(t, http.StatusOK, "nicht verwendet")
		op.get("/konsole/betriebe/9999999").want(t, http.StatusNotFound)

		r := op.post("/konsole/betriebe/0004711/code", url.Values{})
		r.want(t, http.StatusUnprocessableEntity, `role="alert"`, `aria-describedby="f-confirm-error"`)
		if letterCode.MatchString(r.body) {
			t.Error("a code is shown without confirmation")
		}
		r = op.post("/konsole/betriebe/0004711/code", url.Values{"confirm": {"1"}})
		r.want(t, http.StatusOK, "nicht noch einmal angezeigt")
		newCode := letterCode.FindString(r.body)
		if newCode == "" || newCode == "K7QM-2XHD-9PLA" {
			t.Fatalf("new code %q", newCode)
		}
		if strings.Contains(op.get("/konsole/betriebe/0004711").body, newCode) {
			t.Error("the code is shown a second time")
		}
		if strings.Contains(h.logs.String(), newCode) {
			t.Error("the code is logged")
		}

		b := h.signUp("chef@example.org", "Chefin")
		b.get("/aktivieren")
		b.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {"K7QM-2XHD-9PLA"}}).
			want(t, http.StatusConflict)
		b.post("/aktivieren", url.Values{"ident": {"0004711"}, "code": {strings.ToLower(newCode)}}).
			want(t, http.StatusSeeOther)
		op.get("/konsole/betriebe/0004711").want(t, http.StatusOK, "verwendet am")

		n, err := h.db.NewSelect().Table("activation_codes").Where("company_ident = '0004711'").
			Where("code_hash = ?", importer.HashActivationCode(importer.NormalizeActivationCode(newCode))).
			Count(context.Background())
		if err != nil || n != 1 {
			t.Errorf("activation_codes holds the new code %d times (%v)", n, err)
		}
		if !slices.Contains(h.auditActions(), "console.code_issued") {
			t.Error("the new code is not audited")
		}
	})
}

func TestConsoleRejectedCSV(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		run := h.addRun(schema.OutcomeRejected,
			schema.RejectedRecord{File: "betriebe.csv", Line: 7, ColumnName: "PLZ", Value: "1099; Dresden",
				Reason: "Postleitzahl ungültig"},
			schema.RejectedRecord{File: "vertraege.csv", Line: 2, ColumnName: "Beginn", Value: "=1+1",
				Reason: `Datum "ungültig"`},
		)
		base := "/konsole/importe/" + strconv.FormatInt(run, 10)
		op.get(base).want(t, http.StatusOK, "Postleitzahl ungültig", "vertraege.csv", "abgelehnt.csv")

		r := op.get(base + "/abgelehnt.csv")
		r.want(t, http.StatusOK)
		want := "\uFEFFDatei;Zeile;Spalte;Wert;Grund\r\n" +
			"betriebe.csv;7;PLZ;\"1099; Dresden\";Postleitzahl ungültig\r\n" +
			"vertraege.csv;2;Beginn;'=1+1;\"Datum \"\"ungültig\"\"\"\r\n"
		if r.body != want {
			t.Errorf("csv =\n%q\nwant\n%q", r.body, want)
		}
		if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
			t.Errorf("Content-Disposition = %q", cd)
		}
		op.get("/konsole/importe/999999").want(t, http.StatusNotFound)
	})
}

func TestConsoleRunStatusPolls(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		run := h.addRun(schema.OutcomeRunning)
		base := "/konsole/importe/" + strconv.FormatInt(run, 10)
		op.get(base).want(t, http.StatusOK, `hx-get="`+base+`/status"`, `hx-trigger="every 2s"`)

		op.header.Set("HX-Request", "true")
		r := op.get(base + "/status")
		r.want(t, http.StatusOK, `id="run-status"`, "läuft")
		if strings.Contains(r.body, "<html") {
			t.Error("the status fragment has the layout")
		}

		h.exec("UPDATE import_runs SET outcome = ?, finished_at = ? WHERE id = ?", schema.OutcomeApplied,
			h.clock.Now(), run)
		r = op.get(base + "/status")
		if r.StatusCode != http.StatusNoContent || r.Header.Get("HX-Refresh") != "true" {
			t.Errorf("finished run: %d, HX-Refresh %q, want 204 and a reload", r.StatusCode, r.Header.Get("HX-Refresh"))
		}
		op.header.Del("HX-Request")
		if body := op.get(base).body; strings.Contains(body, "every 2s") {
			t.Error("the page of a finished run still polls")
		}
	})
}

func TestConsolePause(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		op.post("/konsole/pause/mail", url.Values{"reason": {" "}}).
			want(t, http.StatusUnprocessableEntity, `role="alert"`, `aria-describedby="f-pause-mail-reason-hint f-pause-mail-reason-error"`)
		op.post("/konsole/pause/sonstwas", url.Values{"reason": {"x"}}).want(t, http.StatusNotFound)
		r := op.post("/konsole/pause/mail", url.Values{"reason": {"SMTP-Umstellung"}})
		r.want(t, http.StatusSeeOther)
		op.get(r.location()).want(t, http.StatusOK, "Der Mailversand ist angehalten.", "SMTP-Umstellung")
		op.get("/konsole/postausgang").want(t, http.StatusOK, "Der Mailversand ist angehalten.")

		metrics := h.browser().get("/metrics")
		metrics.want(t, http.StatusOK, "asta_mail_paused 1", "asta_import_paused 0")

		b := h.browser()
		b.post("/registrieren", url.Values{"email": {"neu@example.org"}, "name": {"Neu"},
			"password": {testPassword}}).want(t, http.StatusOK, "E-Mail-Versand ist zurzeit unterbrochen")

		op.post("/konsole/pause/import", url.Values{"reason": {"Prüfung der Exporte"}}).want(t, http.StatusSeeOther)
		h.browser().get("/metrics").want(t, http.StatusOK, "asta_import_paused 1")
		op.post("/konsole/pause/mail/aufheben", url.Values{}).want(t, http.StatusSeeOther)
		h.browser().get("/metrics").want(t, http.StatusOK, "asta_mail_paused 0", "asta_import_paused 1")
		if body := op.get("/konsole").body; strings.Contains(body, "Der Mailversand ist angehalten.") {
			t.Error("the banner stays after resuming")
		}
		b = h.browser()
		r = b.post("/registrieren", url.Values{"email": {"neu2@example.org"}, "name": {"Neu"}, "password": {testPassword}})
		if strings.Contains(r.body, "unterbrochen") {
			t.Error("the registration page warns of a pause that has ended")
		}

		count := 0
		for _, a := range h.auditActions() {
			if a == "console.paused" || a == "console.resumed" {
				count++
			}
		}
		if count != 3 {
			t.Errorf("%d pause actions audited, want 3", count)
		}
	})
}

func TestConsoleAuditLog(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		ctx := context.Background()
		start := h.clock.Now()
		for i := range 60 {
			e := &schema.AuditEntry{At: start.Add(-time.Duration(i) * time.Minute), Action: "test.filler",
				CompanyIdent: "20931", Detail: `{"reason":"Eintrag ` + strconv.Itoa(i) + `"}`}
			if err := h.st.AddAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		op.post("/konsole/jobs/report", url.Values{}).want(t, http.StatusSeeOther)

		op.get("/konsole/protokoll?aktion=console.job_triggered").want(t, http.StatusOK, "Job gestartet",
			"op@kammer.example", "Job: report")
		r := op.get("/konsole/protokoll?betrieb=20931")
		r.want(t, http.StatusOK, "Ältere Einträge")
		if strings.Contains(r.body, "<td>Job gestartet</td>") {
			t.Error("the company filter lets other entries through")
		}
		op.get("/konsole/protokoll?betrieb=20931&seite=2").want(t, http.StatusOK, "Neuere Einträge", "Grund: Eintrag 59")
		r = op.get("/konsole/protokoll?akteur=op%40kammer.example")
		r.want(t, http.StatusOK, "Job gestartet")
		if strings.Contains(r.body, "<td>test.filler</td>") {
			t.Error("the actor filter lets entries of nobody through")
		}
		day := start.In(berlin).Format("2006-01-02")
		op.get("/konsole/protokoll?von="+day+"&bis="+day).want(t, http.StatusOK, "Job gestartet")
		op.get("/konsole/protokoll?von=2001-01-01&bis=2001-01-02").want(t, http.StatusOK, "Keine Einträge")
		op.get("/konsole/protokoll?von=gestern").
			want(t, http.StatusUnprocessableEntity, `role="alert"`, `aria-describedby="f-von-error"`)
		op.get("/konsole/protokoll?von=2020-02-02&bis=2020-02-01").want(t, http.StatusUnprocessableEntity)
	})
}
