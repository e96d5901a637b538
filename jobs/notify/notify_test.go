package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"asta/schema"
	"asta/store"
)

const (
	muellerMail = "ausbildung@mueller-soehne.example"
	siteMail    = "sued@mueller-soehne.example"
)

func TestDigestContent(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSample(t, tdb)
		setService(t, tdb.db, "0004711", true, muellerMail)
		setService(t, tdb.db, "0004712", true, siteMail)
		addRegistration(t, tdb.db, "P-2027-0004", "2025-000457", "WP", "Frühjahr 2028",
			schema.Date{Year: 2027, Month: 11, Day: 15})

		n, reg := newNotifier(t, tdb.db, newClock(2027, 4, 1))
		run(t, n)
		ts := startSMTP(t)
		deliver(t, newSender(t, tdb.db, ts))

		got := mailsTo(t, ts)
		if len(ts.received()) != 2 {
			t.Fatalf("server received %d mails, want 2 (one per company)", len(ts.received()))
		}
		tests := []struct {
			name    string
			to      string
			subject string
			text    []string
			html    []string
			absent  []string
		}{
			{
				name:    "two registrations",
				to:      muellerMail,
				subject: "Prüfungsanmeldungen warten auf Ihre Bestätigung (2)",
				text: []string{
					"Sehr geehrte Damen und Herren der Firma Müller & Söhne Feinmechanik GmbH,",
					"die folgenden 2 Prüfungsanmeldungen Ihres Betriebs (Identnummer 0004711) warten",
					"- Zoë D'Angelo: Abschlussprüfung Teil 1 (AP1)\n  Zeitraum: Herbst 2027\n" +
						"  Anmeldeschluss: 15.05.2027\n  Anmeldung Nr. P-2027-0002",
					"- Lukas von der Heide: Abschlussprüfung Teil 2 (AP2)\n  Zeitraum: Winter 2027/28\n" +
						"  Anmeldeschluss: 01.09.2027\n  Anmeldung Nr. P-2027-0001",
					panelURL + "/pruefungsanmeldungen\n",
					"Ihre IHK Müsterstädt",
				},
				html: []string{
					"der Firma Müller &amp; Söhne Feinmechanik GmbH,",
					"<td>Zoë D&#39;Angelo</td><td>Abschlussprüfung Teil 1 (AP1)</td><td>Herbst 2027</td>" +
						"<td>15.05.2027</td><td>P-2027-0002</td>",
					"<td>01.09.2027</td>",
					`<a href="` + panelURL + `/pruefungsanmeldungen">`,
				},
			},
			{
				name:    "umlauts and one registration",
				to:      siteMail,
				subject: "Eine Prüfungsanmeldung wartet auf Ihre Bestätigung",
				text: []string{
					"- Sören Meyer-Lüdenscheidt: Wiederholungsprüfung (WP)\n  Zeitraum: Frühjahr 2028\n" +
						"  Anmeldeschluss: 15.11.2027",
					"die folgende Prüfungsanmeldung Ihres Betriebs (Identnummer 0004712) wartet",
				},
				html:   []string{"<td>Sören Meyer-Lüdenscheidt</td>"},
				absent: []string{"P-2027-0003"}, // BETRIEB_BESTAETIGT
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mails := got[tt.to]
				if len(mails) != 1 {
					t.Fatalf("mails to %s = %d, want 1", tt.to, len(mails))
				}
				m := mails[0]
				if m.subject != tt.subject {
					t.Errorf("subject = %q, want %q", m.subject, tt.subject)
				}
				for _, want := range tt.text {
					if !strings.Contains(m.text, want) {
						t.Errorf("text body lacks %q:\n%s", want, m.text)
					}
				}
				for _, want := range tt.html {
					if !strings.Contains(m.html, want) {
						t.Errorf("HTML body lacks %q:\n%s", want, m.html)
					}
				}
				for _, bad := range tt.absent {
					if strings.Contains(m.text, bad) || strings.Contains(m.html, bad) {
						t.Errorf("mail lists %q", bad)
					}
				}
			})
		}

		if got := testutil.ToFloat64(n.metrics.digests.WithLabelValues(schema.NotifyAnnounce)); got != 2 {
			t.Errorf("announce digests metric = %v, want 2", got)
		}
		if got := testutil.ToFloat64(n.metrics.registrations.WithLabelValues(schema.NotifyAnnounce)); got != 3 {
			t.Errorf("announced registrations metric = %v, want 3", got)
		}
		if c, err := testutil.GatherAndCount(reg); err != nil || c != 4 {
			t.Errorf("registry series = %d (%v), want 4", c, err)
		}
	})
}

func TestDigestDecisions(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSample(t, tdb)
		setService(t, tdb.db, "0004711", true, muellerMail)
		n, _ := newNotifier(t, tdb.db, newClock(2027, 4, 1))
		run(t, n)

		var outbox schema.OutboxMail
		if err := tdb.db.NewSelect().Model(&outbox).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(outbox.DedupKey, "notify/0004711/announce/") {
			t.Errorf("dedup key = %q, want prefix notify/0004711/announce/", outbox.DedupKey)
		}
		if !strings.HasSuffix(outbox.MessageID, "@ausbildung.ihk-beispiel.de") {
			t.Errorf("Message-ID = %q, want the panel's host", outbox.MessageID)
		}
		got := decisions(t, tdb.db)
		if len(got) != 2 {
			t.Fatalf("decisions = %+v, want 2", got)
		}
		for i, number := range []string{"P-2027-0001", "P-2027-0002"} {
			d := got[i]
			if d.RegistrationNumber != number || d.Reason != schema.NotifyAnnounce ||
				d.CompanyIdent != "0004711" || d.Email != muellerMail || d.OutboxID != outbox.ID {
				t.Errorf("decision %d = %+v, want %s announce to 0004711 %s with outbox id %d",
					i, d, number, muellerMail, outbox.ID)
			}
		}
	})
}

func TestNoDuplicates(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSample(t, tdb)
		setService(t, tdb.db, "0004711", true, muellerMail)
		clk := newClock(2027, 4, 1)
		first, _ := newNotifier(t, tdb.db, clk)
		run(t, first)
		if got := outboxCount(t, tdb.db); got != 1 {
			t.Fatalf("outbox after first run = %d, want 1", got)
		}

		run(t, first) // a retried run
		restarted, _ := newNotifier(t, tdb.db, clk)
		run(t, restarted)
		clk.Set(2027, 4, 2)
		run(t, restarted)

		if got := outboxCount(t, tdb.db); got != 1 {
			t.Errorf("outbox after retry and restart = %d, want 1", got)
		}
		if got := len(decisions(t, tdb.db)); got != 2 {
			t.Errorf("decisions = %d, want 2", got)
		}
		if got := testutil.ToFloat64(restarted.metrics.digests.WithLabelValues(schema.NotifyAnnounce)); got != 0 {
			t.Errorf("restarted notifier queued %v digests, want 0", got)
		}
	})
}

func TestReminder(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSample(t, tdb)
		setService(t, tdb.db, "0004711", true, muellerMail)
		ts := startSMTP(t)
		sender := newSender(t, tdb.db, ts)
		clk := newClock(2027, 4, 1)
		n, _ := newNotifier(t, tdb.db, clk)
		run(t, n) // announces P-2027-0001 (01.09.2027) and P-2027-0002 (15.05.2027)
		deliver(t, sender)

		steps := []struct {
			name        string
			month       time.Month
			day         int
			wantSubject string // empty: no mail
			wantListed  string
		}{
			{name: "eight days before", month: 5, day: 7},
			{name: "seven days before", month: 5, day: 8,
				wantSubject: "Erinnerung: Anmeldeschluss in 7 Tagen", wantListed: "P-2027-0002"},
			{name: "same day again", month: 5, day: 8},
			{name: "a day later", month: 5, day: 9},
			{name: "after the deadline", month: 5, day: 16},
			{name: "second deadline caught up", month: 8, day: 31,
				wantSubject: "Erinnerung: Anmeldeschluss morgen", wantListed: "P-2027-0001"},
			{name: "deadline day", month: 9, day: 1},
		}
		seen := 1
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				clk.Set(2027, st.month, st.day)
				run(t, n)
				deliver(t, sender)

				msgs := ts.received()
				fresh := msgs[seen:]
				seen = len(msgs)
				if st.wantSubject == "" {
					if len(fresh) != 0 {
						t.Fatalf("received %d mails, want none", len(fresh))
					}
					return
				}
				if len(fresh) != 1 {
					t.Fatalf("received %d mails, want 1", len(fresh))
				}
				m := parseMail(t, fresh[0])
				if m.subject != st.wantSubject {
					t.Errorf("subject = %q, want %q", m.subject, st.wantSubject)
				}
				if !strings.Contains(m.text, st.wantListed) {
					t.Errorf("text body lacks %s:\n%s", st.wantListed, m.text)
				}
				if strings.Count(m.text, "Anmeldung Nr.") != 1 {
					t.Errorf("text body lists %d registrations, want 1", strings.Count(m.text, "Anmeldung Nr."))
				}
			})
		}
	})
}

func TestReminderNeedsEarlierAnnouncement(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSample(t, tdb)
		setService(t, tdb.db, "0004711", true, muellerMail)
		clk := newClock(2027, 5, 10) // P-2027-0002 is due in 5 days
		n, _ := newNotifier(t, tdb.db, clk)

		run(t, n)
		if got := outboxCount(t, tdb.db); got != 1 {
			t.Fatalf("outbox after first run = %d, want 1 announcement", got)
		}
		clk.Set(2027, 5, 11)
		run(t, n)
		ns, err := store.New(tdb.db).ExamNotifications(context.Background(), "P-2027-0002")
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 2 || ns[0].Reason != schema.NotifyAnnounce || ns[1].Reason != schema.NotifyRemind {
			t.Errorf("decisions of P-2027-0002 = %+v, want announce and remind", ns)
		}
		if got := outboxCount(t, tdb.db); got != 2 {
			t.Errorf("outbox after second run = %d, want 2", got)
		}
	})
}

func TestCompaniesWithoutService(t *testing.T) {
	tests := []struct {
		name  string
		on    bool
		email string
		setup func(t *testing.T, tdb testDB)
	}{
		{name: "service off", on: false, email: muellerMail},
		{name: "no address", on: true, email: ""},
		{name: "empty address", on: true, email: "", setup: func(t *testing.T, tdb testDB) {
			exec(t, tdb.db, "UPDATE companies SET notification_email = '' WHERE ident = '0004711'")
		}},
		{name: "registrations missing", on: true, email: muellerMail, setup: func(t *testing.T, tdb testDB) {
			exec(t, tdb.db, "UPDATE exam_registrations SET missing_since = '2027-03-01'")
		}},
		{name: "contracts missing", on: true, email: muellerMail, setup: func(t *testing.T, tdb testDB) {
			exec(t, tdb.db, "UPDATE contracts SET missing_since = '2027-03-01'")
		}},
		{name: "not open", on: true, email: muellerMail, setup: func(t *testing.T, tdb testDB) {
			exec(t, tdb.db, "UPDATE exam_registrations SET status = 'EINGEREICHT'")
		}},
		{name: "deadline passed", on: true, email: muellerMail, setup: func(t *testing.T, tdb testDB) {
			exec(t, tdb.db, "UPDATE exam_registrations SET deadline = '2027-03-31'")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dialects(t, func(t *testing.T, tdb testDB) {
				importSample(t, tdb)
				setService(t, tdb.db, "0004711", tt.on, tt.email)
				if tt.setup != nil {
					tt.setup(t, tdb)
				}
				n, _ := newNotifier(t, tdb.db, newClock(2027, 4, 1))
				run(t, n)
				if got := outboxCount(t, tdb.db); got != 0 {
					t.Errorf("outbox = %d, want 0", got)
				}
				if got := len(decisions(t, tdb.db)); got != 0 {
					t.Errorf("decisions = %d, want 0", got)
				}
			})
		})
	}
}

func TestSettingChange(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSample(t, tdb)
		ts := startSMTP(t)
		sender := newSender(t, tdb.db, ts)
		clk := newClock(2027, 4, 1)
		n, _ := newNotifier(t, tdb.db, clk)
		deadline := schema.Date{Year: 2027, Month: 12, Day: 1}

		setService(t, tdb.db, "0004711", true, muellerMail)
		run(t, n)
		deliver(t, sender)

		const newMail = "pruefungen@mueller-soehne.example"
		setService(t, tdb.db, "0004711", true, newMail)
		addRegistration(t, tdb.db, "P-2027-0010", "2024-000123", "ZP", "Herbst 2027", deadline)
		clk.Set(2027, 4, 2)
		run(t, n)
		deliver(t, sender)

		setService(t, tdb.db, "0004711", false, newMail)
		addRegistration(t, tdb.db, "P-2027-0011", "2025-000456", "AP", "Herbst 2027", deadline)
		clk.Set(2027, 4, 3)
		run(t, n)
		deliver(t, sender)

		got := mailsTo(t, ts)
		if len(got[muellerMail]) != 1 {
			t.Errorf("mails to the old address = %d, want 1", len(got[muellerMail]))
		}
		if len(got[newMail]) != 1 {
			t.Fatalf("mails to the new address = %d, want 1", len(got[newMail]))
		}
		m := got[newMail][0]
		if !strings.Contains(m.text, "P-2027-0010") || strings.Contains(m.text, "P-2027-0001") {
			t.Errorf("mail to the new address lists other than P-2027-0010:\n%s", m.text)
		}
		if !strings.Contains(m.text, "Zwischenprüfung (ZP)") {
			t.Errorf("mail to the new address lacks the exam type:\n%s", m.text)
		}

		setService(t, tdb.db, "0004711", true, newMail)
		clk.Set(2027, 4, 4)
		run(t, n)
		deliver(t, sender)
		got = mailsTo(t, ts)
		if len(got[newMail]) != 2 || !strings.Contains(got[newMail][1].text, "P-2027-0011") {
			t.Errorf("after turning the service on again, mails to the new address = %d, want 2, "+
				"the second listing P-2027-0011", len(got[newMail]))
		}
	})
}

func TestConcurrentNotifiers(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		const companies, perCompany = 40, 3
		seedCompanies(t, tdb.db, companies, perCompany, 0)
		clk := newClock(2027, 4, 1)

		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			n, _ := newNotifier(t, tdb.db, clk)
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = n.Run(context.Background())
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("notifier %d: %v", i, err)
			}
		}

		if got := outboxCount(t, tdb.db); got != companies {
			t.Errorf("outbox = %d, want %d (one digest per company)", got, companies)
		}
		ds := decisions(t, tdb.db)
		if len(ds) != companies*perCompany {
			t.Errorf("decisions = %d, want %d", len(ds), companies*perCompany)
		}
		var listed int
		err := tdb.db.NewRaw(`SELECT count(*) FROM exam_notifications n
			JOIN outbox o ON o.id = n.outbox_id
			WHERE o.text_body LIKE '%' || n.registration_number || '%'`).Scan(context.Background(), &listed)
		if err != nil {
			t.Fatal(err)
		}
		if listed != companies*perCompany {
			t.Errorf("decisions whose mail lists the registration = %d, want %d", listed, companies*perCompany)
		}
	})
}

// seedCompanies inserts companies with service and address, each with
// perCompany OFFEN registrations under one contract. round makes the
// registration numbers differ between calls.
func seedCompanies(t testing.TB, db *bun.DB, companies, perCompany, round int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	exec(t, db, `INSERT INTO occupations (number, name, created_at, updated_at) VALUES ('0330', 'Fachinformatiker', ?, ?)
		ON CONFLICT DO NOTHING`, now, now)

	var cs []schema.Company
	var trs []schema.Trainee
	var ks []schema.Contract
	var rs []schema.ExamRegistration
	flush := func(force bool) {
		if len(cs) == 0 || len(cs) < 1000 && !force {
			return
		}
		for _, model := range []any{&cs, &trs, &ks} {
			if _, err := db.NewInsert().Model(model).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
				t.Fatalf("seed: %v", err)
			}
		}
		if _, err := db.NewInsert().Model(&rs).Exec(ctx); err != nil {
			t.Fatalf("seed registrations: %v", err)
		}
		cs, trs, ks, rs = cs[:0], trs[:0], ks[:0], rs[:0]
	}
	for i := range companies {
		ident := fmt.Sprintf("9%06d", i)
		cs = append(cs, schema.Company{Ident: ident, Name1: fmt.Sprintf("Betrieb Nr. %d GmbH", i),
			Status: "AKTIV", OnlineRegistration: true, NotificationEmail: fmt.Sprintf("betrieb%d@example.de", i),
			CreatedAt: now, UpdatedAt: now})
		trs = append(trs, schema.Trainee{Number: "Z-" + ident, FirstName: "Jörg", LastName: fmt.Sprintf("Müller %d", i),
			BirthDate: schema.Date{Year: 2007, Month: 1, Day: 2}, CreatedAt: now, UpdatedAt: now})
		ks = append(ks, schema.Contract{Number: "V-" + ident, TraineeNumber: "Z-" + ident, CompanyIdent: ident,
			OccupationNumber: "0330", StartDate: schema.Date{Year: 2025, Month: 8, Day: 1},
			EndDate: schema.Date{Year: 2028, Month: 7, Day: 31}, Status: "EINGETRAGEN", CreatedAt: now, UpdatedAt: now})
		for j := range perCompany {
			rs = append(rs, schema.ExamRegistration{Number: fmt.Sprintf("P-%s-%d-%d", ident, round, j),
				ContractNumber: "V-" + ident, ExamType: "AP1", Period: "Herbst 2027",
				Deadline: schema.Date{Year: 2027, Month: 9, Day: 1 + j}, Status: schema.ExamOpen,
				CreatedAt: now, UpdatedAt: now})
		}
		flush(false)
	}
	flush(true)
}

// TestConfirmedRegistrationsAreLeftOut checks that a registration the
// company confirmed in the panel is neither announced nor reminded of.
func TestConfirmedRegistrationsAreLeftOut(t *testing.T) {
	dialects(t, func(t *testing.T, tdb testDB) {
		importSample(t, tdb)
		setService(t, tdb.db, "0004711", true, muellerMail)
		confirmed := &schema.ExamConfirmation{RegistrationNumber: "P-2027-0001", ContractNumber: "2024-000123",
			CompanyIdent: "0004711", ConfirmedBy: "Chefin", ConfirmedAt: time.Now().UTC(), RecordBook: true,
			TraineeConsent: true}
		if _, err := tdb.db.NewInsert().Model(confirmed).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk := newClock(2027, 4, 1)
		n, _ := newNotifier(t, tdb.db, clk)
		run(t, n)
		for _, d := range decisions(t, tdb.db) {
			if d.RegistrationNumber == "P-2027-0001" {
				t.Errorf("confirmed registration got a %s decision", d.Reason)
			}
		}

		// The other registration, confirmed after its announcement, gets no
		// reminder.
		confirmed.RegistrationNumber, confirmed.ContractNumber = "P-2027-0002", "2025-000456"
		if _, err := tdb.db.NewInsert().Model(confirmed).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		before := len(decisions(t, tdb.db))
		clk.Set(2027, 5, 8)
		run(t, n)
		if after := len(decisions(t, tdb.db)); after != before {
			t.Errorf("decisions %d after the reminder day, want %d (no reminder)", after, before)
		}
	})
}
