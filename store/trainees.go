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

// sortColumns maps the sort names of [TraineeFilter] to ORDER BY terms.
var sortColumns = map[string]string{
	"name":      "COALESCE(sk.sort_key, t.last_name)",
	"beruf":     "COALESCE(so.sort_key, o.name)",
	"beginn":    "c.start_date",
	"ende":      "c.end_date",
	"ausbilder": "COALESCE(st.sort_key, tr.last_name)",
}

// Trainees returns one page of the company's contracts that pass the
// filter, and whether more pages follow. A trainee's contracts with other
// companies never appear.
func (s *Store) Trainees(ctx context.Context, f TraineeFilter) ([]TraineeRow, bool, error) {
	where, args := traineeWhere(f)
	order, ok := sortColumns[f.Sort]
	if !ok {
		order = sortColumns["name"]
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	page := max(f.Page, 1)

	q := `SELECT c.number AS contract_number, c.trainee_number, t.first_name, t.last_name,
		COALESCE(o.name, c.occupation_number) AS occupation, c.start_date, c.end_date, c.status,
		COALESCE(c.trainer_number, '') AS trainer_number, COALESCE(tr.first_name, '') AS trainer_first,
		COALESCE(tr.last_name, '') AS trainer_last, COALESCE(a.status, '') AS account_status,
		(SELECT count(*) FROM exam_registrations r WHERE r.contract_number = c.number
			AND r.status = 'OFFEN' AND r.missing_since IS NULL) AS open_exams,
		(SELECT count(*) FROM exam_registrations r WHERE r.contract_number = c.number
			AND r.missing_since IS NULL) AS exams
	FROM contracts c
	JOIN trainees t ON t.number = c.trainee_number
	LEFT JOIN occupations o ON o.number = c.occupation_number
	LEFT JOIN trainers tr ON tr.number = c.trainer_number
	LEFT JOIN trainee_accounts a ON a.trainee_number = c.trainee_number
	LEFT JOIN sort_keys sk ON sk.kind = 'trainee' AND sk.number = c.trainee_number
	LEFT JOIN sort_keys so ON so.kind = 'occupation' AND so.number = c.occupation_number
	LEFT JOIN sort_keys st ON st.kind = 'trainer' AND st.number = c.trainer_number
	WHERE ` + where + `
	ORDER BY ` + order + ` ` + dir + `, COALESCE(sk.sort_key, t.last_name), c.number
	LIMIT ? OFFSET ?`
	args = append(args, TraineePageSize+1, (page-1)*TraineePageSize)

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

// TraineeFilterOptions returns the occupations and trainers that the
// company's contracts name, for the filters of the trainee list.
func (s *Store) TraineeFilterOptions(ctx context.Context, company string) (occupations, trainers []Option,
	err error,
) {
	err = s.q().NewRaw(`SELECT DISTINCT c.occupation_number AS value, COALESCE(o.name, c.occupation_number) AS label
		FROM contracts c LEFT JOIN occupations o ON o.number = c.occupation_number
		WHERE c.company_ident = ? ORDER BY label`, company).Scan(ctx, &occupations)
	if err != nil {
		return nil, nil, fmt.Errorf("read occupations of %s: %w", company, err)
	}
	err = s.q().NewRaw(`SELECT number AS value, last_name || ', ' || first_name AS label FROM trainers
		WHERE company_ident = ? AND missing_since IS NULL ORDER BY last_name, first_name`, company).
		Scan(ctx, &trainers)
	if err != nil {
		return nil, nil, fmt.Errorf("read trainers of %s: %w", company, err)
	}
	return occupations, trainers, nil
}
