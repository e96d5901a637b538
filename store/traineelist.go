package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"asta/schema"
)

// TraineeList is a company's trainee list at one version of the data:
// every contract of the company that the last export listed, with what
// the list shows and sorts by. Its filters offer the occupations of these
// contracts and the company's trainers. Pages are
// selected from it in memory, without the statement of [Store.Trainees],
// which took 1 to 42 ms in PostgreSQL for a company with 2,000 contracts.
type TraineeList struct {
	Version     int64
	Occupations []Option
	Trainers    []Option

	entries   []listEntry
	byTrainee map[string][]int // indexes of entries by trainee number
	terms     []listTerm       // sorted by term

	mu     sync.Mutex
	orders map[orderKey][]*listEntry // the entries in each order used so far
}

// listEntry is a contract of a [TraineeList] with its sort keys. A nil
// key sorts after every other in ascending order, as NULL does in
// PostgreSQL.
type listEntry struct {
	TraineeRow
	OccupationNumber string
	NameKey          string
	OccupationKey    *string
	TrainerKey       *string
}

// listTerm is a search term of a trainee of a [TraineeList].
type listTerm struct {
	Term          string
	TraineeNumber string
}

// TraineeListVersion returns the version of the data that the trainee
// list shows. It rises with every transaction that changes them.
func (s *Store) TraineeListVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.q().NewRaw("SELECT version FROM trainee_list_version WHERE id = 1").Scan(ctx, &v); err != nil {
		return 0, fmt.Errorf("read trainee list version: %w", err)
	}
	return v, nil
}

// LoadTraineeList reads the trainee list of the company. version is the
// value of [Store.TraineeListVersion] read before, so that a change that
// commits meanwhile raises the version above it.
func (s *Store) LoadTraineeList(ctx context.Context, company string, version int64) (*TraineeList, error) {
	l := &TraineeList{Version: version}
	err := s.q().NewRaw(`SELECT c.number AS contract_number, c.trainee_number, t.first_name, t.last_name,
			COALESCE(o.name, c.occupation_number) AS occupation, c.occupation_number, c.start_date, c.end_date,
			c.status, COALESCE(c.trainer_number, '') AS trainer_number,
			COALESCE(tr.first_name, '') AS trainer_first, COALESCE(tr.last_name, '') AS trainer_last,
			COALESCE(a.status, '') AS account_status,
			(SELECT count(*) FROM exam_registrations r WHERE r.contract_number = c.number
				AND r.status = 'OFFEN' AND r.missing_since IS NULL) AS open_exams,
			(SELECT count(*) FROM exam_registrations r WHERE r.contract_number = c.number
				AND r.missing_since IS NULL) AS exams,
			COALESCE(sk.sort_key, t.last_name) AS name_key,
			COALESCE(so.sort_key, o.name) AS occupation_key,
			COALESCE(st.sort_key, tr.last_name) AS trainer_key
		FROM contracts c
		JOIN trainees t ON t.number = c.trainee_number
		LEFT JOIN occupations o ON o.number = c.occupation_number
		LEFT JOIN trainers tr ON tr.number = c.trainer_number
		LEFT JOIN trainee_accounts a ON a.trainee_number = c.trainee_number
		LEFT JOIN sort_keys sk ON sk.kind = 'trainee' AND sk.number = c.trainee_number
		LEFT JOIN sort_keys so ON so.kind = 'occupation' AND so.number = c.occupation_number
		LEFT JOIN sort_keys st ON st.kind = 'trainer' AND st.number = c.trainer_number
		WHERE c.company_ident = ? AND c.missing_since IS NULL`, company).Scan(ctx, &l.entries)
	if err != nil {
		return nil, fmt.Errorf("read trainee list of %s: %w", company, err)
	}
	err = s.q().NewRaw(`SELECT term, trainee_number FROM trainee_terms WHERE trainee_number IN
		(SELECT trainee_number FROM contracts WHERE company_ident = ? AND missing_since IS NULL)`, company).
		Scan(ctx, &l.terms)
	if err != nil {
		return nil, fmt.Errorf("read search terms of %s: %w", company, err)
	}
	slices.SortFunc(l.terms, func(a, b listTerm) int { return strings.Compare(a.Term, b.Term) })
	l.byTrainee = make(map[string][]int, len(l.entries))
	for i, e := range l.entries {
		l.byTrainee[e.TraineeNumber] = append(l.byTrainee[e.TraineeNumber], i)
	}
	if l.Trainers, err = s.CompanyTrainers(ctx, company); err != nil {
		return nil, err
	}
	l.Occupations = l.occupations()
	return l, nil
}

// occupations returns the occupations of the list's contracts as options,
// in German order.
func (l *TraineeList) occupations() []Option {
	type occupation struct {
		Option
		key string
	}
	seen := map[string]bool{}
	var occs []occupation
	for _, e := range l.entries {
		if seen[e.OccupationNumber] {
			continue
		}
		seen[e.OccupationNumber] = true
		key := e.Occupation
		if e.OccupationKey != nil {
			key = *e.OccupationKey
		}
		occs = append(occs, occupation{Option{Value: e.OccupationNumber, Label: e.Occupation}, key})
	}
	slices.SortFunc(occs, func(a, b occupation) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.Value, b.Value))
	})
	opts := make([]Option, len(occs))
	for i, o := range occs {
		opts[i] = o.Option
	}
	return opts
}

// Page returns the page of the list that f selects, and whether more
// pages follow, in the order of [Store.Trainees]. f.Company is not
// checked: the list is of one company.
//
// A search visits only the contracts of the trainees that it finds in the
// sorted terms, and sorts those.
func (l *TraineeList) Page(f TraineeFilter) ([]TraineeRow, bool) {
	order := l.sorted(f.Sort, f.Desc)
	if match, searched := l.searchMatches(f.Search); searched {
		order = nil
		for number := range match {
			for _, i := range l.byTrainee[number] {
				order = append(order, &l.entries[i])
			}
		}
		sortEntries(order, f.Sort, f.Desc)
	}

	page := max(f.Page, 1)
	if page > len(order)/TraineePageSize+1 {
		return nil, false // also keeps the offset below from overflowing
	}
	from := (page - 1) * TraineePageSize
	var rows []TraineeRow
	seen := 0
	for _, e := range order {
		if !e.passes(f) {
			continue
		}
		seen++
		if seen <= from {
			continue
		}
		if len(rows) == TraineePageSize {
			return rows, true
		}
		rows = append(rows, e.TraineeRow)
	}
	return rows, false
}

// sorted returns the entries in the order of the sort named s, descending
// if desc, with ties by name and contract number. Each order is sorted
// once, on first use.
func (l *TraineeList) sorted(s string, desc bool) []*listEntry {
	key := orderKey{s, desc}
	if _, ok := traineeSorts[s]; !ok {
		key.sort = "name"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if order, ok := l.orders[key]; ok {
		return order
	}

	order := make([]*listEntry, len(l.entries))
	for i := range l.entries {
		order[i] = &l.entries[i]
	}
	sortEntries(order, key.sort, desc)
	if l.orders == nil {
		l.orders = map[orderKey][]*listEntry{}
	}
	l.orders[key] = order
	return order
}

// sortEntries sorts the entries by the sort named s, descending if desc,
// with ties by name and contract number.
func sortEntries(entries []*listEntry, s string, desc bool) {
	first := entryOrder(s)
	slices.SortFunc(entries, func(a, b *listEntry) int {
		c := first(a, b)
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		if c = strings.Compare(a.NameKey, b.NameKey); c != 0 {
			return c
		}
		return strings.Compare(a.ContractNumber, b.ContractNumber)
	})
}

// orderKey names a sort order of a [TraineeList].
type orderKey struct {
	sort string
	desc bool
}

// passes reports whether the contract passes every filter of f but the
// search.
func (e *listEntry) passes(f TraineeFilter) bool {
	switch f.Status {
	case ContractsAll:
	case ContractsEnded:
		if e.Status != "BEENDET" && e.Status != "GELOEST" {
			return false
		}
	default:
		if e.Status != "EINGETRAGEN" {
			return false
		}
	}
	if f.OnlyTrainer != "" && e.TrainerNumber != f.OnlyTrainer {
		return false
	}
	if f.Occupation != "" && e.OccupationNumber != f.Occupation {
		return false
	}
	if f.Trainer != "" && e.TrainerNumber != f.Trainer {
		return false
	}
	switch f.Account {
	case AccountFilterActive:
		return e.AccountStatus == schema.AccountActive
	case AccountFilterInactive:
		return e.AccountStatus != schema.AccountActive
	}
	return true
}

// searchMatches returns the trainees that the search q finds: for every
// word of q, one of its forms starts one of the trainee's terms. ok is
// false when q has no words. Each form is looked up by binary search in
// the sorted terms, as the database looks it up in its index.
func (l *TraineeList) searchMatches(q string) (match map[string]bool, ok bool) {
	for _, forms := range QueryTerms(q) {
		found := map[string]bool{}
		for _, v := range forms {
			i, _ := slices.BinarySearchFunc(l.terms, v, func(t listTerm, v string) int { return strings.Compare(t.Term, v) })
			for ; i < len(l.terms) && strings.HasPrefix(l.terms[i].Term, v); i++ {
				if !ok || match[l.terms[i].TraineeNumber] {
					found[l.terms[i].TraineeNumber] = true
				}
			}
		}
		match, ok = found, true
	}
	return match, ok
}

// entryOrder returns the comparison of the sort named s of
// [TraineeFilter], by name for an unknown one.
func entryOrder(s string) func(a, b *listEntry) int {
	switch s {
	case "beruf":
		return func(a, b *listEntry) int { return compareKeys(a.OccupationKey, b.OccupationKey) }
	case "beginn":
		return func(a, b *listEntry) int { return compareDates(a.StartDate, b.StartDate) }
	case "ende":
		return func(a, b *listEntry) int { return compareDates(a.EndDate, b.EndDate) }
	case "ausbilder":
		return func(a, b *listEntry) int { return compareKeys(a.TrainerKey, b.TrainerKey) }
	}
	return func(a, b *listEntry) int { return strings.Compare(a.NameKey, b.NameKey) }
}

// compareKeys compares two sort keys byte by byte, as the collation C
// does, with a missing key after every other.
func compareKeys(a, b *string) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return strings.Compare(*a, *b)
}

func compareDates(a, b schema.Date) int {
	if c := cmp.Compare(a.Year, b.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Month, b.Month); c != 0 {
		return c
	}
	return cmp.Compare(a.Day, b.Day)
}

// TraineeLists keeps the trainee lists of the companies last asked for in
// memory and reads a list again once the data's version has changed. Each
// look-up reads the version, one primary-key read, so that processes that
// share a database never show a list older than the last commit.
type TraineeLists struct {
	store *Store
	max   int // contracts kept in all lists together

	mu    sync.Mutex
	lists map[string]*cachedList
	clock atomic.Int64
}

// cachedList is a company's entry of [TraineeLists]. Its mutex lets one
// request read the list while the others for the company wait for it.
type cachedList struct {
	mu       sync.Mutex
	list     *TraineeList
	size     atomic.Int64 // contracts of list
	lastUsed atomic.Int64
}

// NewTraineeLists returns an empty cache of trainee lists that keeps up
// to maxContracts contracts in all.
func NewTraineeLists(s *Store, maxContracts int) *TraineeLists {
	return &TraineeLists{store: s, max: maxContracts, lists: map[string]*cachedList{}}
}

// Get returns the current trainee list of the company.
func (c *TraineeLists) Get(ctx context.Context, company string) (*TraineeList, error) {
	version, err := c.store.TraineeListVersion(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e := c.lists[company]
	if e == nil {
		e = &cachedList{}
		c.lists[company] = e
	}
	c.mu.Unlock()
	e.lastUsed.Store(c.clock.Add(1))

	e.mu.Lock()
	if e.list != nil && e.list.Version >= version {
		l := e.list
		e.mu.Unlock()
		return l, nil
	}
	l, err := c.store.LoadTraineeList(ctx, company, version)
	if err == nil {
		e.list = l
		e.size.Store(int64(len(l.entries)))
	}
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	c.evict(company)
	return l, nil
}

// evict drops the least recently used lists, other than that of keep,
// while the lists hold more than the maximum of contracts.
func (c *TraineeLists) evict(keep string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var total int64
	for _, e := range c.lists {
		total += e.size.Load()
	}
	for total > int64(c.max) {
		oldest, oldestUse := "", int64(0)
		for company, e := range c.lists {
			if company != keep && (oldest == "" || e.lastUsed.Load() < oldestUse) {
				oldest, oldestUse = company, e.lastUsed.Load()
			}
		}
		if oldest == "" {
			return
		}
		total -= c.lists[oldest].size.Load()
		delete(c.lists, oldest)
	}
}
