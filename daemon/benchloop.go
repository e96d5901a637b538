package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"asta/jobs/chambercsv"
	"asta/jobs/importer"
	"asta/schema"
)

// bareTable is the mapping of one file to a table in the bare insert loop:
// pairs of CSV column and database column, with a conversion each.
type bareTable struct {
	file, table string
	cols        [][2]string // CSV name, then "db" or "db:date", "db:flag", "db:int", "db:code"
	orReplace   bool
}

var bareTables = []bareTable{
	{file: "berufe.csv", table: "occupations", cols: [][2]string{{"Berufsnummer", "number"},
		{"Bezeichnung", "name"}, {"Dauer", "duration_months:int"}, {"Gestreckt", "split_exam:flag"}}},
	{file: "betriebe.csv", table: "companies", cols: [][2]string{{"Identnummer", "ident"},
		{"UebergeordneteIdentnummer", "head_ident"}, {"Name1", "name1"}, {"Name2", "name2"},
		{"Strasse", "street"}, {"PLZ", "postcode"}, {"Ort", "town"}, {"Telefon", "phone"}, {"EMail", "email"},
		{"Aktivierungscode", "activation_code_hash:code"}, {"Status", "status"}}},
	{file: "ausbilder.csv", table: "trainers", cols: [][2]string{{"AusbilderNr", "number"},
		{"Identnummer", "company_ident"}, {"Anrede", "salutation"}, {"Titel", "title"}, {"Vorname", "first_name"},
		{"Nachname", "last_name"}, {"EMail", "email"}, {"EignungSeit", "aptitude_since:date"}, {"Status", "status"}}},
	{file: "vertraege.csv", table: "trainees", orReplace: true, cols: [][2]string{{"AzubiNr", "number"},
		{"Anrede", "salutation"}, {"Vorname", "first_name"}, {"Nachname", "last_name"},
		{"Geburtsdatum", "birth_date:date"}, {"EMail", "email"}}},
	{file: "vertraege.csv", table: "contracts", cols: [][2]string{{"Vertragsnummer", "number"},
		{"AzubiNr", "trainee_number"}, {"Identnummer", "company_ident"}, {"AusbilderNr", "trainer_number"},
		{"Berufsnummer", "occupation_number"}, {"Fachrichtung", "specialisation"}, {"Beginn", "start_date:date"},
		{"Ende", "end_date:date"}, {"Probezeit", "probation_months:int"}, {"Teilzeit", "part_time:flag"},
		{"Status", "status"}, {"Loesungsdatum", "terminated_on:date"}}},
	{file: "pruefungen.csv", table: "exam_registrations", cols: [][2]string{{"AnmeldungsNr", "number"},
		{"Vertragsnummer", "contract_number"}, {"Pruefungsart", "exam_type"}, {"Zeitraum", "period"},
		{"Anmeldeschluss", "deadline:date"}, {"Status", "status"}}},
}

// bareInsert reads one file and inserts every row with a prepared
// statement, converting dates, flags and numbers as the import stores them.
func bareInsert(ctx context.Context, tx *sql.Tx, pkg string, spec bareTable) error {
	f, err := os.Open(filepath.Join(pkg, spec.file))
	if err != nil {
		return err
	}
	defer f.Close()
	rd, err := chambercsv.NewReader(f, chambercsv.Windows1252)
	if err != nil {
		return err
	}

	names := make([]string, len(spec.cols))
	index := make([]int, len(spec.cols))
	for i, c := range spec.cols {
		names[i], _, _ = strings.Cut(c[1], ":")
		index[i] = rd.Column(c[0])
	}
	verb := "INSERT"
	if spec.orReplace {
		verb = "INSERT OR REPLACE"
	}
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("%s INTO %s (%s, created_at, updated_at) VALUES (%s?, ?)",
		verb, spec.table, strings.Join(names, ", "), strings.Repeat("?, ", len(names))))
	if err != nil {
		return err
	}
	defer stmt.Close()

	now := time.Now().UTC()
	args := make([]any, len(spec.cols)+2)
	var rec chambercsv.Record
	for {
		if err := rd.Read(&rec); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		for i, c := range spec.cols {
			args[i] = bareValue(c[1], rec.Fields[index[i]])
		}
		args[len(spec.cols)], args[len(spec.cols)+1] = now, now
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("%s line %d: %w", spec.file, rec.Line, err)
		}
	}
	return nil
}

func bareValue(col, v string) any {
	if v == "" {
		return nil
	}
	_, conv, _ := strings.Cut(col, ":")
	switch conv {
	case "date":
		d, _ := schema.ParseDate(v)
		return d
	case "flag":
		return v == "J"
	case "int":
		var n int
		_, _ = fmt.Sscan(v, &n)
		return n
	case "code":
		return importer.HashActivationCode(importer.NormalizeActivationCode(v))
	}
	return v
}
