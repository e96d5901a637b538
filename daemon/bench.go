package main

import (
	"context"

	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"asta/jobs/chambercsv"
	"asta/sample"
	"asta/schema"
)

// benchImport measures the import of generated packages against its
// references and prints each figure with its ratio. On PostgreSQL the
// first import and a re-import with 1 % of the contracts changed are
// compared with psql's \copy of the same files. On SQLite the first
// import is compared with a bare prepared-statement insert loop. It also
// prints the peak RSS of astad import.
func benchImport(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("bench-import", flag.ContinueOnError)
	sizes := fs.String("contracts", "100000,1000000", "comma-separated package sizes in contracts")
	pgURL := fs.String("database-url", lookupEnv(environ, "ASTA_BENCH_DATABASE_URL",
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"PostgreSQL server for the benchmark; each run uses a schema of its own (ASTA_BENCH_DATABASE_URL)")
	dir := fs.String("dir", "", "work folder for packages and SQLite files (default: a temporary folder)")
	rounds := fs.Int("rounds", 3, "PostgreSQL measurements per size, of which the medians are reported")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 {
			fmt.Fprintf(stderr, "astad bench-import: invalid size %q in --contracts: want numbers of at least 100\n", s)
			return exitUsage
		}
		ns = append(ns, n)
	}
	work := *dir
	if work == "" {
		tmp, err := os.MkdirTemp("", "asta-bench-")
		if err != nil {
			return fail(stderr, "bench-import", err)
		}
		defer os.RemoveAll(tmp)
		work = tmp
	}

	if *rounds < 1 {
		fmt.Fprintf(stderr, "astad bench-import: --rounds %d must be at least 1\n", *rounds)
		return exitUsage
	}
	b := &bench{rounds: *rounds, ctx: ctx, out: stdout, work: work, pgURL: *pgURL}
	for _, n := range ns {
		if err := b.run(n); err != nil {
			return fail(stderr, "bench-import", err)
		}
	}
	return exitOK
}

func lookupEnv(environ []string, key, def string) string {
	for _, kv := range environ {
		if v, ok := cutPrefix(kv, key+"="); ok && v != "" {
			return v
		}
	}
	return def
}

type bench struct {
	rounds int
	ctx    context.Context
	out    io.Writer
	work   string
	pgURL  string
}

// measurement is the wall time and peak RSS of one child process.
type measurement struct {
	wall   time.Duration
	maxRSS int64 // bytes
}

func (b *bench) run(n int) error {
	base := filepath.Join(b.work, fmt.Sprintf("base-%d", n))
	changed := filepath.Join(b.work, fmt.Sprintf("changed-%d", n))
	opts := sample.Options{Companies: max(n/10, 10), Contracts: n, Seed: 1, Encoding: chambercsv.Windows1252}
	if _, err := sample.Write(b.ctx, base, opts); err != nil {
		return err
	}
	opts.ChangedShare = 0.01
	if _, err := sample.Write(b.ctx, changed, opts); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "== %d contracts (%d companies)\n", n, max(n/10, 10))

	// Each round measures the reference and both imports after a
	// checkpoint, so that the WAL one step wrote does not slow the next.
	// The medians of the rounds are reported.
	var refs, firsts, agains []measurement
	for range b.rounds {
		ref, first, again, err := b.postgresRound(base, changed)
		if err != nil {
			return err
		}
		refs, firsts, agains = append(refs, ref), append(firsts, first), append(agains, again)
		fmt.Fprintf(b.out, "round %d: reference %.3fs, first import %.3fs (%.2f), re-import %.3fs (%.2f)\n",
			len(refs), ref.wall.Seconds(), first.wall.Seconds(), first.wall.Seconds()/ref.wall.Seconds(),
			again.wall.Seconds(), again.wall.Seconds()/ref.wall.Seconds())
	}
	ref := median(refs)
	b.report("postgres first import", median(firsts), ref, 2)
	b.report("postgres re-import, 1 % changed", median(agains), ref, 1)

	sqlitePath := filepath.Join(b.work, fmt.Sprintf("import-%d.db", n))
	sqliteImport, err := b.astadImport(sqlitePath, base)
	if err != nil {
		return err
	}
	loop, err := b.bareLoop(filepath.Join(b.work, fmt.Sprintf("loop-%d.db", n)), base)
	if err != nil {
		return err
	}
	b.report("sqlite first import", sqliteImport, measurement{wall: loop}, 1.5)
	fmt.Fprintf(b.out, "reference \\copy %.2fs, bare SQLite insert loop %.2fs\n",
		ref.wall.Seconds(), loop.Seconds())
	return nil
}

// postgresRound measures the reference, a first import into an empty
// schema and the re-import of the changed package into the same schema.
// Like the reference's tables, the schema's tables are created before the
// timing starts, by "astad migrate".
func (b *bench) postgresRound(base, changed string) (ref, first, again measurement, err error) {
	if ref, err = b.psqlCopy(base); err != nil {
		return
	}
	dsn, err := b.freshSchema()
	if err != nil {
		return
	}
	if _, err = b.astad(dsn, "migrate"); err != nil {
		return
	}
	if first, err = b.checkpointed(func() (measurement, error) { return b.astadImport(dsn, base) }); err != nil {
		return
	}
	again, err = b.checkpointed(func() (measurement, error) { return b.astadImport(dsn, changed) })
	return
}

// checkpointed runs a CHECKPOINT and then the measurement.
func (b *bench) checkpointed(measure func() (measurement, error)) (measurement, error) {
	if err := b.psql(b.pgURL, "-c", "CHECKPOINT"); err != nil {
		return measurement{}, err
	}
	return measure()
}

// median returns the measurement with the median wall time.
func median(ms []measurement) measurement {
	sorted := append([]measurement(nil), ms...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].wall < sorted[j].wall })
	return sorted[len(sorted)/2]
}

func (b *bench) report(name string, m, ref measurement, limit float64) {
	ratio := m.wall.Seconds() / ref.wall.Seconds()
	verdict := "ok"
	if ratio > limit {
		verdict = "OVER"
	}
	rss := "ok"
	if m.maxRSS > 150<<20 {
		rss = "OVER"
	}
	fmt.Fprintf(b.out, "%-34s %7.2fs  ratio %.2f (limit %.1f, %s)  peak RSS %d MB (limit 150, %s)\n",
		name, m.wall.Seconds(), ratio, limit, verdict, m.maxRSS>>20, rss)
}

// freshSchema creates an empty schema and returns a URL that uses it.
func (b *bench) freshSchema() (string, error) {
	name := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	if err := b.psql(b.pgURL, "-c", "CREATE SCHEMA "+name); err != nil {
		return "", err
	}
	sep := "?"
	if strings.Contains(b.pgURL, "?") {
		sep = "&"
	}
	return b.pgURL + sep + "options=-csearch_path%3D" + name, nil
}

// astadImport runs "astad import" on the package as a child process.
func (b *bench) astadImport(dsn, pkg string) (measurement, error) {
	return b.astad(dsn, "import", pkg)
}

// astad runs astad with args as a child process on the database dsn.
func (b *bench) astad(dsn string, args ...string) (measurement, error) {
	exe, err := os.Executable()
	if err != nil {
		return measurement{}, err
	}
	cmd := exec.CommandContext(b.ctx, exe, args...)
	cmd.Env = append(os.Environ(), "ASTA_DATABASE_URL="+dsn, "ASTA_LOG_LEVEL=warn")
	return measure(cmd)
}

func measure(cmd *exec.Cmd) (measurement, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	m := measurement{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024
	}
	if err != nil {
		return m, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out.String())
	}
	return m, nil
}

// psqlCopy loads the package's data files with psql's \copy into tables
// with one text column per CSV column and a primary key on the file's key.
func (b *bench) psqlCopy(pkg string) (measurement, error) {
	dsn, err := b.freshSchema()
	if err != nil {
		return measurement{}, err
	}
	keys := map[string]string{"berufe.csv": "Berufsnummer", "betriebe.csv": "Identnummer",
		"ausbilder.csv": "AusbilderNr", "vertraege.csv": "Vertragsnummer", "pruefungen.csv": "AnmeldungsNr"}
	var ddl, copies strings.Builder
	for _, file := range []string{"berufe.csv", "betriebe.csv", "ausbilder.csv", "vertraege.csv", "pruefungen.csv"} {
		header, err := csvHeader(filepath.Join(pkg, file))
		if err != nil {
			return measurement{}, err
		}
		table := "ref_" + strings.TrimSuffix(file, ".csv")
		cols := make([]string, len(header))
		for i, h := range header {
			cols[i] = fmt.Sprintf("%q text", strings.ToLower(h))
		}
		fmt.Fprintf(&ddl, "CREATE TABLE %s (%s, PRIMARY KEY (%q));\n", table, strings.Join(cols, ", "),
			strings.ToLower(keys[file]))
		fmt.Fprintf(&copies, "\\copy %s FROM '%s' WITH (FORMAT csv, HEADER true, DELIMITER ';', ENCODING 'WIN1252')\n",
			table, filepath.Join(pkg, file))
	}
	if err := b.psql(dsn, "-c", ddl.String()); err != nil {
		return measurement{}, err
	}
	if err := b.psql(b.pgURL, "-c", "CHECKPOINT"); err != nil {
		return measurement{}, err
	}
	script := filepath.Join(b.work, "copy.sql")
	if err := os.WriteFile(script, []byte(copies.String()), 0o600); err != nil {
		return measurement{}, err
	}
	cmd := exec.CommandContext(b.ctx, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", script, dsn)
	return measure(cmd)
}

func (b *bench) psql(dsn string, args ...string) error {
	cmd := exec.CommandContext(b.ctx, "psql", append([]string{"-X", "-q", "-v", "ON_ERROR_STOP=1", dsn}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("psql: %w: %s", err, out)
	}
	return nil
}

func csvHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd, err := chambercsv.NewReader(f, chambercsv.Windows1252)
	if err != nil {
		return nil, err
	}
	return rd.Header(), nil
}

// bareLoop inserts the package's rows into the same SQLite tables with
// plain prepared INSERTs in one transaction: no validation, no change
// detection. It returns the time of reading and inserting.
func (b *bench) bareLoop(path, pkg string) (time.Duration, error) {
	db, err := schema.Open(b.ctx, path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := schema.Migrate(b.ctx, db); err != nil {
		return 0, err
	}

	start := time.Now()
	tx, err := db.BeginTx(b.ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	for _, spec := range bareTables {
		if err := bareInsert(b.ctx, tx.Tx, pkg, spec); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
