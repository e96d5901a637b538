package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"asta/schema"
)

// indexBatch is the number of records whose keys one transaction writes.
const indexBatch = 2000

// SortKey kinds.
const (
	SortTrainee    = "trainee"
	SortTrainer    = "trainer"
	SortOccupation = "occupation"
)

// indexState is the row of search_index_state.
type indexState struct {
	ImportRun int64
	UpdatedAt time.Time
}

// IndexStats counts what [Store.RefreshSearchIndex] wrote.
type IndexStats struct {
	Trainees, Trainers, Occupations int
}

// RefreshSearchIndex brings the search terms and sort keys up to date with
// the newest applied import: it recomputes them for every trainee, trainer
// and occupation that changed since the last refresh. It does nothing when
// no import was applied since.
func (s *Store) RefreshSearchIndex(ctx context.Context) (IndexStats, error) {
	var stats IndexStats
	var latest int64
	err := s.q().NewRaw("SELECT COALESCE(MAX(id), 0) FROM import_runs WHERE outcome = ?", schema.OutcomeApplied).
		Scan(ctx, &latest)
	if err != nil {
		return stats, fmt.Errorf("read newest import: %w", err)
	}
	var state []indexState
	err = s.q().NewRaw("SELECT import_run, updated_at FROM search_index_state WHERE name = 'names'").Scan(ctx, &state)
	if err != nil {
		return stats, fmt.Errorf("read search index state: %w", err)
	}
	since := time.Time{}
	if len(state) > 0 {
		if state[0].ImportRun >= latest {
			return stats, nil
		}
		since = state[0].UpdatedAt
	}

	newest := since
	for _, k := range []struct {
		n     *int
		index func(context.Context, time.Time, *time.Time) (int, error)
	}{{&stats.Trainees, s.indexTrainees}, {&stats.Trainers, s.indexTrainers}, {&stats.Occupations, s.indexOccupations}} {
		if *k.n, err = k.index(ctx, since, &newest); err != nil {
			return stats, err
		}
	}

	_, err = s.q().NewRaw(`INSERT INTO search_index_state (name, import_run, updated_at) VALUES ('names', ?, ?)
		ON CONFLICT (name) DO UPDATE SET import_run = excluded.import_run, updated_at = excluded.updated_at`,
		latest, newest.UTC()).Exec(ctx)
	if err != nil {
		return stats, fmt.Errorf("write search index state: %w", err)
	}
	return stats, nil
}

// nameRow is a record whose name the index keys.
type nameRow struct {
	Number    string
	FirstName string
	LastName  string
	UpdatedAt time.Time
}

// changedNames calls fn with batches of the table's records changed after
// since, in key order, and raises newest to the latest change seen.
func (s *Store) changedNames(ctx context.Context, table, columns string, since time.Time, newest *time.Time,
	fn func([]nameRow) error,
) (int, error) {
	n, after := 0, ""
	for {
		var rows []nameRow
		err := s.q().NewRaw("SELECT "+columns+", updated_at FROM "+table+
			" WHERE updated_at > ? AND number > ? ORDER BY number LIMIT ?", since.UTC(), after, indexBatch).
			Scan(ctx, &rows)
		if err != nil {
			return n, fmt.Errorf("read changed %s: %w", table, err)
		}
		if len(rows) == 0 {
			return n, nil
		}
		if err := fn(rows); err != nil {
			return n, err
		}
		for _, r := range rows {
			if r.UpdatedAt.After(*newest) {
				*newest = r.UpdatedAt
			}
		}
		n += len(rows)
		after = rows[len(rows)-1].Number
	}
}

func (s *Store) indexTrainees(ctx context.Context, since time.Time, newest *time.Time) (int, error) {
	return s.changedNames(ctx, "trainees", "number, first_name, last_name", since, newest, func(rows []nameRow) error {
		type term struct {
			Term, TraineeNumber string
		}
		numbers := make([]string, len(rows))
		var terms []term
		keys := make([]sortKey, len(rows))
		for i, r := range rows {
			numbers[i] = r.Number
			for _, t := range NameTerms(r.Number, r.FirstName, r.LastName) {
				terms = append(terms, term{t, r.Number})
			}
			keys[i] = sortKey{SortTrainee, r.Number, SortKey(r.LastName, r.FirstName)}
		}
		return s.InTx(ctx, func(tx *Store) error {
			if _, err := tx.q().NewRaw("DELETE FROM trainee_terms WHERE trainee_number IN (?)",
				bun.List(numbers)).Exec(ctx); err != nil {
				return fmt.Errorf("delete search terms: %w", err)
			}
			if _, err := tx.q().NewInsert().Model(&terms).ModelTableExpr("trainee_terms").Exec(ctx); err != nil {
				return fmt.Errorf("write search terms: %w", err)
			}
			return tx.writeSortKeys(ctx, keys)
		})
	})
}

func (s *Store) indexTrainers(ctx context.Context, since time.Time, newest *time.Time) (int, error) {
	return s.changedNames(ctx, "trainers", "number, first_name, last_name", since, newest, func(rows []nameRow) error {
		keys := make([]sortKey, len(rows))
		for i, r := range rows {
			keys[i] = sortKey{SortTrainer, r.Number, SortKey(r.LastName, r.FirstName)}
		}
		return s.InTx(ctx, func(tx *Store) error { return tx.writeSortKeys(ctx, keys) })
	})
}

func (s *Store) indexOccupations(ctx context.Context, since time.Time, newest *time.Time) (int, error) {
	return s.changedNames(ctx, "occupations", "number, name AS last_name", since, newest, func(rows []nameRow) error {
		keys := make([]sortKey, len(rows))
		for i, r := range rows {
			keys[i] = sortKey{SortOccupation, r.Number, SortKey(r.LastName)}
		}
		return s.InTx(ctx, func(tx *Store) error { return tx.writeSortKeys(ctx, keys) })
	})
}

// sortKey is a row of sort_keys.
type sortKey struct {
	Kind, Number, SortKey string
}

// writeSortKeys writes the keys and raises the trainee list's version.
// Callers run it in a transaction, with the search terms of the same
// trainees if any, so that a refresh that fails part way leaves no
// committed batch unseen by the lists in memory.
func (s *Store) writeSortKeys(ctx context.Context, keys []sortKey) error {
	_, err := s.q().NewInsert().Model(&keys).ModelTableExpr("sort_keys").
		On("CONFLICT (kind, number) DO UPDATE").Set("sort_key = EXCLUDED.sort_key").Exec(ctx)
	if err != nil {
		return fmt.Errorf("write sort keys: %w", err)
	}
	_, err = s.exec(ctx, "raise trainee list version", schema.RaiseTraineeListVersionSQL)
	return err
}
