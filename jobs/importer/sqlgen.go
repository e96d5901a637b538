package importer

import (
	"fmt"
	"strings"
)

// target is one table that a data file fills, with the positions in a
// rowReader row (after the line) of the values for its columns.
type target struct {
	table   string
	cols    []string // the key first
	pos     []int
	missing bool   // the table has missing_since
	code    string // the staging column with the activation code hash, if any
	codePos int    // the position of the activation code in a row, or -1
}

// targets returns the table of the kind and, for contracts, the trainees.
func (k *kind) targets() (main target, trainee *target) {
	main = target{table: k.table, missing: true, codePos: -1}
	for i, c := range k.columns {
		if c.typ == fCode {
			main.code, main.codePos = c.db, i
		}
		if c.typ == fCode || k.isTraineeColumn(c.db) {
			continue
		}
		main.cols = append(main.cols, c.db)
		main.pos = append(main.pos, i)
	}
	if len(k.trainee) == 0 {
		return main, nil
	}
	t := &target{table: "trainees", cols: []string{"number"}, pos: []int{k.columnIndex("trainee_number")}, codePos: -1}
	for _, db := range k.trainee {
		t.cols = append(t.cols, db)
		t.pos = append(t.pos, k.columnIndex(db))
	}
	return main, t
}

func (k *kind) columnIndex(db string) int {
	for i, c := range k.columns {
		if c.db == db {
			return i
		}
	}
	panic("importer: no column " + db + " in " + k.file)
}

// codeIndex returns the position of the activation code, or -1.
func (k *kind) codeIndex() int {
	for i, c := range k.columns {
		if c.typ == fCode {
			return i
		}
	}
	return -1
}

// updateSet returns "c = excluded.c, ..." for the columns after the key,
// and clears missing_since, because a record that comes back is current.
func (t *target) updateSet() string {
	var b strings.Builder
	for _, c := range t.cols[1:] {
		fmt.Fprintf(&b, "%s = excluded.%s, ", c, c)
	}
	if t.missing {
		b.WriteString("missing_since = NULL, ")
	}
	b.WriteString("updated_at = excluded.updated_at")
	return b.String()
}

// prefixed returns the columns after the key, each with the prefix.
func (t *target) prefixed(prefix string) string {
	parts := make([]string, len(t.cols)-1)
	for i, c := range t.cols[1:] {
		parts[i] = prefix + c
	}
	return strings.Join(parts, ", ")
}

// sqliteUpsert returns an INSERT that updates an existing row only where
// a value differs, so that unchanged rows are not written.
func (t *target) sqliteUpsert() string {
	var differs []string
	if t.missing {
		differs = append(differs, t.table+".missing_since IS NOT NULL")
	}
	for _, c := range t.cols[1:] {
		differs = append(differs, fmt.Sprintf("%s.%s IS NOT excluded.%s", t.table, c, c))
	}
	marks := strings.Repeat("?, ", len(t.cols)+2)
	return fmt.Sprintf("INSERT INTO %s (%s, created_at, updated_at) VALUES (%s) "+
		"ON CONFLICT (%s) DO UPDATE SET %s WHERE %s",
		t.table, strings.Join(t.cols, ", "), strings.TrimSuffix(marks, ", "),
		t.cols[0], t.updateSet(), strings.Join(differs, " OR "))
}

// pgMerge returns an INSERT from the staging table that takes only new
// and changed rows, with their fingerprints. from is the staging table or
// a subquery with the target's columns under their names.
func (t *target) pgMerge(from string) string {
	key := t.cols[0]
	cond := fmt.Sprintf("cur.%s IS NULL OR (%s) IS DISTINCT FROM (%s)", key, t.prefixed("cur."), t.prefixed("s."))
	if t.missing {
		cond = fmt.Sprintf("cur.%s IS NULL OR cur.missing_since IS NOT NULL OR (%s) IS DISTINCT FROM (%s)",
			key, t.prefixed("cur."), t.prefixed("s."))
	}
	return fmt.Sprintf("INSERT INTO %s (%s, import_hash, created_at, updated_at) "+
		"SELECT s.%s, %s, s.import_hash, $1, $1 FROM %s s LEFT JOIN %s cur ON cur.%s = s.%s WHERE %s "+
		"ON CONFLICT (%s) DO UPDATE SET %s, import_hash = excluded.import_hash",
		t.table, strings.Join(t.cols, ", "), key, t.prefixed("s."), from, t.table, key, key, cond,
		key, t.updateSet())
}

// pgSetHashes returns an UPDATE that stores the fingerprints of the
// staged rows that pgMerge left as they were, such as rows written
// before fingerprints were kept, or a company whose only change is a new
// activation code. It changes no other column.
func (t *target) pgSetHashes(from string) string {
	key := t.cols[0]
	return fmt.Sprintf("UPDATE %s cur SET import_hash = s.import_hash FROM %s s "+
		"WHERE cur.%s = s.%s AND cur.import_hash IS DISTINCT FROM s.import_hash", t.table, from, key, key)
}

// pgType returns the PostgreSQL type of a column in a staging table.
func (c *column) pgType() string {
	switch {
	case c.typ == fDate:
		return "date"
	case c.typ == fFlag:
		return "boolean"
	case c.typ == fInt, c.db == "duration_months":
		return "integer"
	case c.typ == fIdent, c.typ == fDigits:
		return `text COLLATE "C"`
	}
	return "text"
}
