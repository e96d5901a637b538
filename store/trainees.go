package store

import (
	"context"
	"fmt"
	"strings"

	"asta/schema"
)

// TraineePageSize is the number of rows of one page of the trainee list.
const TraineePageSize = 50

// Contract states that [TraineeFilter.Status] selects.
const (
	ContractsRunning = "laufend" // EINGETRAGEN
	ContractsEnded   = "beendet" // BEENDET or GELOEST
	ContractsAll     = "alle"
)

// Account filters of [TraineeFilter.Account].
const (
	AccountFilterActive   = "aktiv" // an active account in the trainee portal
	AccountFilterInactive = "ohne"  // no active account
)

// TraineeFilter selects and orders a company's contracts for the trainee
// list. Zero fields select everything; Status "" means running contracts.
type TraineeFilter struct {
	Company string
	// OnlyTrainer restricts the list to the contracts that name this
	// trainer, for users with the role Ausbilder.
	OnlyTrainer string

	Status     string
	Occupation string
	Trainer    string
	Account    string
	Search     string
	Sort       string // name, beruf, beginn, ende or ausbilder
	Desc       bool
	Page       int // from 1
}

// TraineeRow is one contract of the trainee list.
type TraineeRow struct {
	ContractNumber string
	TraineeNumber  string
	FirstName      string
	LastName       string
	Occupation     string
	StartDate      schema.Date
	EndDate        schema.Date
	Status         string
	TrainerNumber  string
	TrainerFirst   string
	TrainerLast    string
	AccountStatus  string
	OpenExams      int
	Exams          int
}

// traineeNameKey orders contracts by their trainee's name: the German
// sort key, or the last name while the search index lacks the trainee. The
// subquery runs only for trainees without a key.
const traineeNameKey = "COALESCE(sk.sort_key, (SELECT t.last_name FROM trainees t WHERE t.number = c.trainee_number))"

// traineeSort is the ORDER BY term of a sort of [TraineeFilter] and the
// joins that it needs.
type traineeSort struct {
	term, joins string
}

// traineeSorts maps the sort names of [TraineeFilter] to their terms.
var traineeSorts = map[string]traineeSort{
	"name": {term: traineeNameKey},
	"beruf": {term: "COALESCE(so.sort_key, o.name)", joins: `
		LEFT JOIN occupations o ON o.number = c.occupation_number
		LEFT JOIN sort_keys so ON so.kind = 'occupation' AND so.number = c.occupation_number`},
	"beginn": {term: "c.start_date"},
	"ende":   {term: "c.end_date"},
	"ausbilder": {
		term:  "COALESCE(st.sort_key, (SELECT tr.last_name FROM trainers tr WHERE tr.number = c.trainer_number))",
		joins: "\n\t\tLEFT JOIN sort_keys st ON st.kind = 'trainer' AND st.number = c.trainer_number",
	},
}

// Trainees returns one page of the company's contracts that pass the
// filter, and whether more pages follow. A trainee's contracts with other
// companies never appear. The panel selects the same page from a
// [TraineeList] in memory. This statement is the reference that its tests
// compare with and that the panel benchmark's bare handler sends.
func (s *Store) Trainees(ctx context.Context, f TraineeFilter) ([]TraineeRow, bool, error) {
	q, args := traineesQuery(f)
	var rows []TraineeRow
	if err := s.q().NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, false, fmt.Errorf("read trainees of %s: %w", f.Company, err)
	}
	more := len(rows) > TraineePageSize
	if more {
		rows = rows[:TraineePageSize]
	}
	return rows, more, nil
}

// TraineesSQL returns the statement that [Store.Trainees] sends for the
// filter, with the arguments written in, for EXPLAIN and benchmarks. Its
// rows have the columns of [TraineeRow] in order, one more than a page
// when more pages follow.
func (s *Store) TraineesSQL(f TraineeFilter) string {
	q, args := traineesQuery(f)
	return s.q().NewRaw(q, args...).String()
}

// traineesQuery returns the statement of the trainee list and its
// arguments. The inner query selects the page's contracts, joining only
// what the filter and the order need. The outer query adds names,
// trainer, account and exam counts for the rows of the page only. Every
// contract has its trainee, as the import writes both from the same record.
//
// NOTE: the inner query still reads the trainee's sort key for every
// contract that passes the filter, one index look-up each, because the
// key is kept per trainee and not per contract. A company with 2,000
// running contracts costs 2,000 look-ups per page.
func traineesQuery(f TraineeFilter) (string, []any) {
	where, args := traineeWhere(f)
	order, ok := traineeSorts[f.Sort]
	if !ok {
		order = traineeSorts["name"]
	}
	// NULLS LAST and FIRST are PostgreSQL's defaults, written out for
	// SQLite, which sorts NULL first in ascending order.
	dir := "ASC NULLS LAST"
	if f.Desc {
		dir = "DESC NULLS FIRST"
	}
	joins := order.joins
	if f.Account != "" {
		joins += "\n\t\tLEFT JOIN trainee_accounts a ON a.trainee_number = c.trainee_number"
	}
	page := max(f.Page, 1)

	q := `SELECT p.number AS contract_number, p.trainee_number, t.first_name, t.last_name,
		COALESCE(o.name, p.occupation_number) AS occupation, p.start_date, p.end_date, p.status,
		COALESCE(p.trainer_number, '') AS trainer_number, COALESCE(tr.first_name, '') AS trainer_first,
		COALESCE(tr.last_name, '') AS trainer_last, COALESCE(a.status, '') AS account_status,
		(SELECT count(*) FROM exam_registrations r WHERE r.contract_number = p.number
			AND r.status = 'OFFEN' AND r.missing_since IS NULL) AS open_exams,
		(SELECT count(*) FROM exam_registrations r WHERE r.contract_number = p.number
			AND r.missing_since IS NULL) AS exams
	FROM (SELECT c.number, c.trainee_number, c.occupation_number, c.start_date, c.end_date, c.status,
			c.trainer_number, ` + order.term + ` AS sort_first, ` + traineeNameKey + ` AS sort_name
		FROM contracts c
		LEFT JOIN sort_keys sk ON sk.kind = 'trainee' AND sk.number = c.trainee_number` + joins + `
		WHERE ` + where + `
		ORDER BY sort_first ` + dir + `, sort_name, c.number
		LIMIT ? OFFSET ?) p
	JOIN trainees t ON t.number = p.trainee_number
	LEFT JOIN occupations o ON o.number = p.occupation_number
	LEFT JOIN trainers tr ON tr.number = p.trainer_number
	LEFT JOIN trainee_accounts a ON a.trainee_number = p.trainee_number
	ORDER BY p.sort_first ` + dir + `, p.sort_name, p.number`
	return q, append(args, TraineePageSize+1, (page-1)*TraineePageSize)
}

// traineeWhere returns the WHERE clause of the trainee list and its
// arguments.
func traineeWhere(f TraineeFilter) (string, []any) {
	conds := []string{"c.company_ident = ?", "c.missing_since IS NULL"}
	args := []any{f.Company}
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	switch f.Status {
	case ContractsAll:
	case ContractsEnded:
		add("c.status IN ('BEENDET', 'GELOEST')")
	default:
		add("c.status = 'EINGETRAGEN'")
	}
	if f.OnlyTrainer != "" {
		add("c.trainer_number = ?", f.OnlyTrainer)
	}
	if f.Occupation != "" {
		add("c.occupation_number = ?", f.Occupation)
	}
	if f.Trainer != "" {
		add("c.trainer_number = ?", f.Trainer)
	}
	switch f.Account {
	case AccountFilterActive:
		add("a.status = ?", schema.AccountActive)
	case AccountFilterInactive:
		add("(a.status IS NULL OR a.status <> ?)", schema.AccountActive)
	}
	for _, forms := range QueryTerms(f.Search) {
		var ors []string
		for _, v := range forms {
			ors = append(ors, "(term >= ? AND term < ?)")
			args = append(args, v, v+"\U0010FFFF")
		}
		conds = append(conds, "c.trainee_number IN (SELECT trainee_number FROM trainee_terms WHERE "+
			strings.Join(ors, " OR ")+")")
	}
	return strings.Join(conds, " AND "), args
}

// Option is a value of a filter with its label.
type Option struct {
	Value, Label string
}

// CompanyTrainers returns the company's trainers that the last export
// listed, as options of a filter or a form, ordered by name.
func (s *Store) CompanyTrainers(ctx context.Context, company string) ([]Option, error) {
	var trainers []Option
	err := s.q().NewRaw(`SELECT number AS value, last_name || ', ' || first_name AS label FROM trainers
		WHERE company_ident = ? AND missing_since IS NULL ORDER BY last_name, first_name`, company).
		Scan(ctx, &trainers)
	if err != nil {
		return nil, fmt.Errorf("read trainers of %s: %w", company, err)
	}
	return trainers, nil
}
