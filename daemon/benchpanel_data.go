package main

import (
	"context"
	"fmt"
	"time"
	"unicode"

	"github.com/uptrace/bun"

	"asta/panel/credential"
	"asta/schema"
	"asta/store"
)

// benchUserEmail is the address of the user that bench-panel signs in as.
const benchUserEmail = "bench-panel@example.org"

// benchTrainers is the number of active trainers that the benchmark
// company has after the top-up, so that the trainer filter selects a
// realistic share of its trainees.
const benchTrainers = 12

// benchCompany is the company whose trainee list bench-panel requests, with
// the values its filters use.
type benchCompany struct {
	Ident      string
	Occupation string // the occupation of most of its running contracts
	Trainer    string // one of its trainers
	Search     string // the first letters of a frequent last name
}

// pickCompany returns the company with the most running contracts that has
// at most target of them.
func pickCompany(ctx context.Context, db bun.IDB, target int) (string, int, error) {
	var rows []struct {
		CompanyIdent string
		Running      int
	}
	err := db.NewRaw(`SELECT company_ident, count(*) AS running FROM contracts
		WHERE status = 'EINGETRAGEN' AND missing_since IS NULL
		GROUP BY company_ident HAVING count(*) <= ? ORDER BY running DESC, company_ident LIMIT 1`, target).
		Scan(ctx, &rows)
	if err != nil {
		return "", 0, fmt.Errorf("pick benchmark company: %w", err)
	}
	if len(rows) == 0 {
		return "", 0, fmt.Errorf("pick benchmark company: no company with at most %d running contracts", target)
	}
	return rows[0].CompanyIdent, rows[0].Running, nil
}

// topUpCompany gives the company benchTrainers active trainers and target
// running contracts, each of a trainee of its own. It copies the names of
// imported trainees and trainers, spreads the new contracts over the
// occupations, trainers and three years of start dates, and opens exam
// registrations for a third of them. It then gives every trainee an
// account status.
func topUpCompany(ctx context.Context, db bun.IDB, ident string, running, target int) error {
	now := time.Now().UTC()
	trainers, err := topUpTrainers(ctx, db, ident, now)
	if err != nil {
		return err
	}
	var occupations []string
	if err := db.NewRaw("SELECT number FROM occupations ORDER BY number").Scan(ctx, &occupations); err != nil {
		return fmt.Errorf("read occupations: %w", err)
	}

	n := target - running
	if n > 0 {
		if err := addContracts(ctx, db, ident, n, trainers, occupations, now); err != nil {
			return err
		}
	}
	return writeAccounts(ctx, db, now)
}

// writeAccounts gives every trainee an account status, as the reconcile
// job does from the account directory: 60 % active, 20 % invited, 5 %
// locked and 15 % without an account.
func writeAccounts(ctx context.Context, db bun.IDB, now time.Time) error {
	_, err := db.NewRaw(`INSERT INTO trainee_accounts (trainee_number, status, status_since, updated_at)
		SELECT number, CASE abs(hashtext(number)) % 20
			WHEN 0 THEN ? WHEN 1 THEN ? WHEN 2 THEN ? WHEN 3 THEN ? WHEN 4 THEN ? WHEN 5 THEN ?
			WHEN 6 THEN ? WHEN 7 THEN ? ELSE ? END, ?, ?
		FROM trainees
		ON CONFLICT (trainee_number) DO NOTHING`,
		schema.AccountInvited, schema.AccountInvited, schema.AccountInvited, schema.AccountInvited,
		schema.AccountLocked, schema.AccountNone, schema.AccountNone, schema.AccountNone, schema.AccountActive,
		now, now).Exec(ctx)
	if err != nil {
		return fmt.Errorf("write account statuses: %w", err)
	}
	if _, err := db.NewRaw(schema.RaiseTraineeListVersionSQL).Exec(ctx); err != nil {
		return fmt.Errorf("raise trainee list version: %w", err)
	}
	return nil
}

// topUpTrainers adds trainers to the company until it has benchTrainers
// active ones, with the names of other companies' trainers, and returns
// the numbers of its active trainers.
func topUpTrainers(ctx context.Context, db bun.IDB, ident string, now time.Time) ([]string, error) {
	_, err := db.NewRaw(`INSERT INTO trainers (number, company_ident, salutation, first_name, last_name,
			status, created_at, updated_at)
		SELECT 'BENCH-A' || lpad(i::text, 3, '0'), ?, t.salutation, t.first_name, t.last_name, 'AKTIV', ?, ?
		FROM (SELECT row_number() OVER (ORDER BY number) AS i, salutation, first_name, last_name
			FROM trainers ORDER BY number LIMIT ?) t
		WHERE i <= ? - (SELECT count(*) FROM trainers WHERE company_ident = ? AND status = 'AKTIV'
			AND missing_since IS NULL)`,
		ident, now, now, benchTrainers, benchTrainers, ident).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("add trainers to %s: %w", ident, err)
	}
	var numbers []string
	err = db.NewRaw(`SELECT number FROM trainers WHERE company_ident = ? AND status = 'AKTIV'
		AND missing_since IS NULL ORDER BY number`, ident).Scan(ctx, &numbers)
	if err != nil {
		return nil, fmt.Errorf("read trainers of %s: %w", ident, err)
	}
	return numbers, nil
}

// addContracts inserts n trainees with a running contract at the company,
// and exam registrations for a third of the contracts.
func addContracts(ctx context.Context, db bun.IDB, ident string, n int, trainers, occupations []string,
	now time.Time,
) error {
	var names []schema.Trainee
	err := db.NewRaw("SELECT salutation, first_name, last_name, birth_date FROM trainees ORDER BY number LIMIT ?", n).
		Scan(ctx, &names)
	if err != nil {
		return fmt.Errorf("read trainee names: %w", err)
	}
	trainees := make([]schema.Trainee, 0, n)
	contracts := make([]schema.Contract, 0, n)
	var exams []schema.ExamRegistration
	start := time.Date(2023, 8, 1, 0, 0, 0, 0, time.UTC)
	for i, src := range names {
		t := src
		t.Number = fmt.Sprintf("BENCH-Z%06d", i)
		t.CreatedAt, t.UpdatedAt = now, now
		trainees = append(trainees, t)

		begin := start.AddDate(0, 0, (i*7)%1095)
		c := schema.Contract{
			Number: fmt.Sprintf("BENCH-V%06d", i), TraineeNumber: t.Number, CompanyIdent: ident,
			OccupationNumber: occupations[(i*i)%len(occupations)], StartDate: schema.DateOf(begin),
			EndDate: schema.DateOf(begin.AddDate(3, 0, -1)), Status: "EINGETRAGEN", CreatedAt: now, UpdatedAt: now,
		}
		if i%10 != 0 && len(trainers) > 0 {
			c.TrainerNumber = trainers[i%len(trainers)]
		}
		contracts = append(contracts, c)
		if i%3 == 0 {
			exams = append(exams, benchExam(c.Number, "1", "OFFEN", now), benchExam(c.Number, "2", "EINGEREICHT", now))
		}
	}
	for _, rows := range []any{&trainees, &contracts, &exams} {
		if _, err := db.NewInsert().Model(rows).Exec(ctx); err != nil {
			return fmt.Errorf("add records to %s: %w", ident, err)
		}
	}
	return nil
}

func benchExam(contract, suffix, status string, now time.Time) schema.ExamRegistration {
	return schema.ExamRegistration{
		Number: "BENCH-P" + contract[len("BENCH-V"):] + "-" + suffix, ContractNumber: contract, ExamType: "AP1",
		Period: "Sommer 2027", Deadline: schema.DateOf(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)), Status: status,
		CreatedAt: now, UpdatedAt: now,
	}
}

// describeCompany returns the filter values that the benchmark requests
// use for the company: its most frequent occupation among running
// contracts, its first trainer and the first three letters of its most
// frequent last name.
func describeCompany(ctx context.Context, db bun.IDB, ident string) (benchCompany, error) {
	bc := benchCompany{Ident: ident}
	err := db.NewRaw(`SELECT occupation_number FROM contracts WHERE company_ident = ? AND status = 'EINGETRAGEN'
		GROUP BY occupation_number ORDER BY count(*) DESC, occupation_number LIMIT 1`, ident).Scan(ctx, &bc.Occupation)
	if err != nil {
		return bc, fmt.Errorf("read occupations of %s: %w", ident, err)
	}
	err = db.NewRaw(`SELECT number FROM trainers WHERE company_ident = ? AND status = 'AKTIV'
		ORDER BY number LIMIT 1`, ident).Scan(ctx, &bc.Trainer)
	if err != nil {
		return bc, fmt.Errorf("read trainers of %s: %w", ident, err)
	}
	var lastNames []string
	err = db.NewRaw(`SELECT t.last_name FROM contracts c JOIN trainees t ON t.number = c.trainee_number
		WHERE c.company_ident = ? GROUP BY t.last_name ORDER BY count(*) DESC, t.last_name LIMIT 1`, ident).
		Scan(ctx, &lastNames)
	if err != nil {
		return bc, fmt.Errorf("read trainee names of %s: %w", ident, err)
	}
	if len(lastNames) == 0 {
		return bc, fmt.Errorf("read trainee names of %s: the company has no contracts", ident)
	}
	bc.Search = leadingLetters(lastNames[0], 3)
	return bc, nil
}

// leadingLetters returns the letters that s begins with, at most n.
func leadingLetters(s string, n int) string {
	var out []rune
	for _, r := range s {
		if !unicode.IsLetter(r) || len(out) == n {
			break
		}
		out = append(out, r)
	}
	return string(out)
}

// benchSession creates the benchmark user with an Administrator grant in
// the company, unless it exists, and returns a new session token of it.
func benchSession(ctx context.Context, st *store.Store, ident string) (string, error) {
	now := time.Now().UTC()
	u := &schema.User{
		Email: benchUserEmail, EmailKey: benchUserEmail, Name: "Bench Panel", PasswordHash: "-",
		ConfirmedAt: &now, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	created, err := st.CreateUser(ctx, u)
	if err != nil {
		return "", err
	}
	if !created {
		if u, err = st.UserByEmailKey(ctx, benchUserEmail); err != nil {
			return "", err
		}
	}
	g := &schema.Grant{CompanyIdent: ident, UserID: &u.ID, Role: schema.RoleAdmin, CreatedAt: now, UpdatedAt: now}
	_, err = st.DB().NewInsert().Model(g).On("CONFLICT (company_ident, user_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return "", fmt.Errorf("grant benchmark user in %s: %w", ident, err)
	}

	token, hash := credential.NewToken()
	sess := &schema.Session{IDHash: hash, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	if err := st.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	return token, nil
}

// benchGrantCompany returns the company of the benchmark user's grant in a
// schema that an earlier run prepared.
func benchGrantCompany(ctx context.Context, db bun.IDB) (string, error) {
	var ident string
	err := db.NewRaw(`SELECT g.company_ident FROM grants g JOIN users u ON u.id = g.user_id
		WHERE u.email_key = ? ORDER BY g.id LIMIT 1`, benchUserEmail).Scan(ctx, &ident)
	if err != nil {
		return "", fmt.Errorf("find the benchmark company: %w (prepare the schema with a run without --schema)", err)
	}
	return ident, nil
}
