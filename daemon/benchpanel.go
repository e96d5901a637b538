package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"asta/jobs/chambercsv"
	"asta/panel"
	"asta/sample"
	"asta/schema"
	"asta/store"
)

// Targets of bench-panel.
const (
	panelMaxP99      = 50 * time.Millisecond
	panelMinRatio    = 0.6 // saturation throughput of the panel over the bare handler
	panelWarmUp      = 5 * time.Second
	panelSessionIdle = 30 * time.Minute
	// benchPoolSize is the number of database connections that the panel
	// and the bare handler each keep open.
	benchPoolSize = 8
)

// panelBench is one run of bench-panel.
type panelBench struct {
	bench
	contracts, companyTrainees, rate, rounds int
	duration, saturation                     time.Duration
	schemaName, cpuProfile                   string
	plans                                    bool
	failed                                   bool // a target was missed
	log                                      *slog.Logger
}

// benchPanel measures the trainee list of the panel on a generated
// PostgreSQL database: a constant rate for a duration with its latencies,
// and the throughput at saturation. Two bare Fiber handlers are the
// references. One sends the list's statement through pgx, the other
// selects the page from the list in memory as the panel does. It also
// checks that a name search reads indexes only.
func benchPanel(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("bench-panel", flag.ContinueOnError)
	pb := &panelBench{}
	fs.StringVar(&pb.pgURL, "database-url", lookupEnv(environ, "ASTA_BENCH_DATABASE_URL",
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"PostgreSQL server for the benchmark; each run uses a schema of its own (ASTA_BENCH_DATABASE_URL)")
	fs.IntVar(&pb.contracts, "contracts", 1_000_000, "contracts in the generated package")
	fs.IntVar(&pb.companyTrainees, "company-trainees", 2000, "running contracts of the company whose list is requested")
	fs.IntVar(&pb.rate, "rate", 800, "requests per second of the constant-rate attack")
	fs.DurationVar(&pb.duration, "duration", 30*time.Second, "length of the constant-rate attack")
	fs.DurationVar(&pb.saturation, "saturation", 15*time.Second, "length of each saturation attack")
	fs.IntVar(&pb.rounds, "rounds", 3, "saturation attacks of panel and bare handler, of which the medians are reported")
	fs.StringVar(&pb.schemaName, "schema", "", "reuse this schema of an earlier run instead of importing a new package")
	fs.StringVar(&pb.cpuProfile, "cpu-profile", "", "write a CPU profile of the constant-rate attack to this file")
	fs.BoolVar(&pb.plans, "plans", false, "print the plan of each request of the filter mix")
	dir := fs.String("dir", "", "work folder for the package (default: a temporary folder)")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if pb.contracts < 100 || pb.companyTrainees < 1 || pb.rate < 1 || pb.rounds < 1 || pb.duration <= 0 ||
		pb.saturation <= 0 {
		fmt.Fprintln(stderr, "astad bench-panel: --contracts must be at least 100, and --company-trainees, --rate, "+
			"--rounds, --duration and --saturation above 0")
		return exitUsage
	}
	pb.ctx, pb.out, pb.work = ctx, stdout, *dir
	pb.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if pb.work == "" {
		tmp, err := os.MkdirTemp("", "asta-bench-")
		if err != nil {
			return fail(stderr, "bench-panel", err)
		}
		defer os.RemoveAll(tmp)
		pb.work = tmp
	}

	// The attacker and its results share the process with the panel, so
	// the soft memory limit of astad would make the collector run all the
	// time.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(math.MaxInt64)
	}
	if err := pb.run(); err != nil {
		return fail(stderr, "bench-panel", err)
	}
	if pb.failed {
		fmt.Fprintln(stdout, "bench-panel: targets missed")
		return exitFailed
	}
	return exitOK
}

func (pb *panelBench) run() error {
	dsn, err := pb.database()
	if err != nil {
		return err
	}
	db, err := schema.Open(pb.ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// astad serve keeps up to 20 connections. The benchmark gives the
	// panel a fixed pool of the bare handler's size instead.
	db.SetMaxOpenConns(benchPoolSize)
	db.SetMaxIdleConns(benchPoolSize)
	if _, err := schema.Migrate(pb.ctx, db); err != nil {
		return err
	}
	st := store.New(db)

	bc, err := pb.company(db, st)
	if err != nil {
		return err
	}
	fmt.Fprintf(pb.out, "company %s: occupation %s, trainer %s, search %q\n", bc.Ident, bc.Occupation, bc.Trainer,
		bc.Search)
	if err := pb.explainSearch(db, st, bc); err != nil {
		return err
	}
	if pb.plans {
		if err := pb.explainMix(db, st, bc); err != nil {
			return err
		}
	}

	sat, err := pb.attacks(dsn, st, bc)
	if err != nil {
		return err
	}
	pb.verdicts(sat)
	return nil
}

// database returns the URL of the schema to measure: the one --schema
// names, or a new schema with the generated package imported.
func (pb *panelBench) database() (string, error) {
	if pb.schemaName != "" {
		fmt.Fprintf(pb.out, "reusing schema %s\n", pb.schemaName)
		return withSearchPath(pb.pgURL, pb.schemaName), nil
	}
	pkg := filepath.Join(pb.work, fmt.Sprintf("panel-%d", pb.contracts))
	opts := sample.Options{Companies: max(pb.contracts/10, 10), Contracts: pb.contracts, Seed: 1,
		Encoding: chambercsv.Windows1252}
	if _, err := sample.Write(pb.ctx, pkg, opts); err != nil {
		return "", err
	}
	dsn, err := pb.freshSchema()
	if err != nil {
		return "", err
	}
	m, err := pb.astadImport(dsn, pkg)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(pb.out, "imported %d contracts into schema %s in %.1fs\n", pb.contracts, schemaOf(dsn),
		m.wall.Seconds())
	return dsn, nil
}

// company prepares the benchmark company in a new schema (top-up, search
// index, statistics) or finds it in a reused one.
func (pb *panelBench) company(db *bun.DB, st *store.Store) (benchCompany, error) {
	if pb.schemaName != "" {
		ident, err := benchGrantCompany(pb.ctx, db)
		if err != nil {
			return benchCompany{}, err
		}
		return describeCompany(pb.ctx, db, ident)
	}
	ident, running, err := pickCompany(pb.ctx, db, pb.companyTrainees)
	if err != nil {
		return benchCompany{}, err
	}
	if err := topUpCompany(pb.ctx, db, ident, running, pb.companyTrainees); err != nil {
		return benchCompany{}, err
	}
	fmt.Fprintf(pb.out, "company %s: %d running contracts imported, %d added\n", ident, running,
		pb.companyTrainees-running)

	start := time.Now()
	stats, err := st.RefreshSearchIndex(pb.ctx)
	if err != nil {
		return benchCompany{}, err
	}
	fmt.Fprintf(pb.out, "search index refresh: %.1fs for %d trainees, %d trainers, %d occupations\n",
		time.Since(start).Seconds(), stats.Trainees, stats.Trainers, stats.Occupations)
	// Autovacuum would do the same after the import: statistics for the
	// planner and a visibility map for index-only scans.
	if _, err := db.ExecContext(pb.ctx, "VACUUM (ANALYZE) contracts, trainees, trainee_terms, sort_keys, "+
		"trainee_accounts, exam_registrations, trainers, occupations, companies"); err != nil {
		return benchCompany{}, fmt.Errorf("vacuum benchmark schema: %w", err)
	}
	if _, err := benchSession(pb.ctx, st, ident); err != nil {
		return benchCompany{}, err
	}
	return describeCompany(pb.ctx, db, ident)
}

// explainSearch prints the plan of a name search over all contracts of
// the company and marks the run failed if it scans contracts or
// trainee_terms sequentially.
func (pb *panelBench) explainSearch(db *bun.DB, st *store.Store, bc benchCompany) error {
	f := store.TraineeFilter{Company: bc.Ident, Status: store.ContractsAll, Search: bc.Search, Sort: "name", Page: 1}
	var plan []string
	if err := db.NewRaw("EXPLAIN ANALYZE "+st.TraineesSQL(f)).Scan(pb.ctx, &plan); err != nil {
		return fmt.Errorf("explain name search %q: %w", bc.Search, err)
	}
	fmt.Fprintf(pb.out, "plan of the name search %q over all contracts of %s:\n", bc.Search, bc.Ident)
	for _, line := range plan {
		fmt.Fprintln(pb.out, "  "+line)
	}
	text := strings.Join(plan, "\n")
	for _, table := range []string{"contracts", "trainee_terms"} {
		if strings.Contains(text, "Seq Scan on "+table) {
			fmt.Fprintf(pb.out, "name search: sequential scan of %s (target: indexes only, OVER)\n", table)
			pb.failed = true
		}
	}
	return nil
}

// explainMix prints the plan of each request of the filter mix.
func (pb *panelBench) explainMix(db *bun.DB, st *store.Store, bc benchCompany) error {
	for _, q := range filterMix(bc) {
		values, err := url.ParseQuery(q)
		if err != nil {
			return fmt.Errorf("parse filter %q: %w", q, err)
		}
		var plan []string
		sql := "EXPLAIN ANALYZE " + st.TraineesSQL(filterFromQuery(bc.Ident, values))
		if err := db.NewRaw(sql).Scan(pb.ctx, &plan); err != nil {
			return fmt.Errorf("explain filter %q: %w", q, err)
		}
		fmt.Fprintf(pb.out, "plan of ?%s:\n  %s\n", q, strings.Join(plan, "\n  "))
	}
	return nil
}

// attacks runs the rounds of saturation attacks on the panel and the bare
// handler and then the constant-rate attack on the panel, and returns the
// median saturation results.
func (pb *panelBench) attacks(dsn string, st *store.Store, bc benchCompany) (saturation, error) {
	token, err := benchSession(pb.ctx, st, bc.Ident)
	if err != nil {
		return saturation{}, err
	}
	panelURL, stopPanel, err := pb.startPanel(st)
	if err != nil {
		return saturation{}, err
	}
	defer stopPanel()
	bareURL, stopBare, err := startBare(pb.ctx, dsn, st, pb.log)
	if err != nil {
		return saturation{}, err
	}
	defer stopBare()

	header := http.Header{}
	header.Set("Cookie", "asta_session="+token+"; asta_csrf="+strings.Repeat("c", 43))
	mix := filterMix(bc)
	panelTargets := listTargets(panelURL, bc.Ident, mix, header)
	bareTargets := listTargets(bareURL, bc.Ident, mix, nil)
	memoryTargets := listTargets(bareURL+bareMemoryPrefix, bc.Ident, mix, nil)
	for _, t := range slices.Concat(panelTargets, bareTargets, memoryTargets) {
		if err := checkTarget(t); err != nil {
			return saturation{}, err
		}
	}

	// The saturation rounds come first: at a rate above its throughput the
	// panel keeps working on requests whose clients timed out, and that
	// backlog would slow the rounds after it.
	attack(panelTargets, 0, panelWarmUp, "warm-up")
	var panels, bares, memories []attackResult
	for i := range pb.rounds {
		p := attack(panelTargets, 0, pb.saturation, "panel")
		p.print(pb.out, fmt.Sprintf("panel saturated, round %d", i+1))
		b := attack(bareTargets, 0, pb.saturation, "bare")
		b.print(pb.out, fmt.Sprintf("bare saturated, round %d", i+1))
		m := attack(memoryTargets, 0, pb.saturation, "bare")
		m.print(pb.out, fmt.Sprintf("bare in memory, round %d", i+1))
		panels, bares, memories = append(panels, p), append(bares, b), append(memories, m)
	}

	constant, err := pb.profiled(func() attackResult { return attack(panelTargets, pb.rate, pb.duration, "panel") })
	if err != nil {
		return saturation{}, err
	}
	constant.print(pb.out, fmt.Sprintf("panel at %d/s", pb.rate))
	pb.check(fmt.Sprintf("%d/s, p99 under %v, no errors", pb.rate, panelMaxP99),
		constant.metrics.Latencies.P99 < panelMaxP99 && constant.failed == 0 &&
			constant.metrics.Rate >= 0.99*float64(pb.rate))
	return saturation{medianThroughput(panels), medianThroughput(bares), medianThroughput(memories)}, nil
}

// saturation holds the median results of the saturation attacks on the
// panel, the bare handler with the statement and the bare handler with
// the list in memory.
type saturation struct {
	panel, bare, memory attackResult
}

// startPanel starts the panel on 127.0.0.1 with the store and returns its
// base URL and a function that stops it.
func (pb *panelBench) startPanel(st *store.Store) (string, func(), error) {
	reg := prometheus.NewRegistry()
	app, err := panel.New(pb.ctx, panel.Options{
		Store: st, Gatherer: reg, Registerer: reg, BaseURL: "http://127.0.0.1",
		Logger:      pb.log,
		SessionIdle: panelSessionIdle, SessionMax: 12 * time.Hour,
	})
	if err != nil {
		return "", nil, err
	}
	return listen(app, pb.log)
}

// profiled runs fn, with a CPU profile of the process if --cpu-profile is
// set.
func (pb *panelBench) profiled(fn func() attackResult) (attackResult, error) {
	if pb.cpuProfile == "" {
		return fn(), nil
	}
	f, err := os.Create(pb.cpuProfile)
	if err != nil {
		return attackResult{}, fmt.Errorf("create CPU profile: %w", err)
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return attackResult{}, fmt.Errorf("start CPU profile: %w", err)
	}
	res := fn()
	pprof.StopCPUProfile()
	return res, nil
}

// verdicts prints the saturation figures and the panel's ratios to both
// bare handlers.
func (pb *panelBench) verdicts(sat saturation) {
	ratio := sat.panel.throughput() / sat.bare.throughput()
	memoryRatio := sat.panel.throughput() / sat.memory.throughput()
	fmt.Fprintf(pb.out, "saturation (median of %d, %d connections): panel %.0f/s p99 %.1f ms, "+
		"bare handler %.0f/s p99 %.1f ms, ratio %.2f; bare handler in memory %.0f/s p99 %.1f ms, ratio %.2f\n",
		pb.rounds, attackWorkers, sat.panel.throughput(), ms(sat.panel.metrics.Latencies.P99),
		sat.bare.throughput(), ms(sat.bare.metrics.Latencies.P99), ratio,
		sat.memory.throughput(), ms(sat.memory.metrics.Latencies.P99), memoryRatio)
	pb.check(fmt.Sprintf("saturation ratio at least %.1f", panelMinRatio), ratio >= panelMinRatio)
	pb.check(fmt.Sprintf("saturation ratio to the list in memory at least %.1f", panelMinRatio),
		memoryRatio >= panelMinRatio)
}

// check prints whether a target is met and records a miss.
func (pb *panelBench) check(name string, ok bool) {
	verdict := "ok"
	if !ok {
		verdict, pb.failed = "OVER", true
	}
	fmt.Fprintf(pb.out, "target: %s: %s\n", name, verdict)
}

// medianThroughput returns the result with the median throughput.
func medianThroughput(rs []attackResult) attackResult {
	sorted := append([]attackResult(nil), rs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].throughput() < sorted[j].throughput() })
	return sorted[len(sorted)/2]
}

// withSearchPath returns dsn with the schema as its search path.
func withSearchPath(dsn, name string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "options=-csearch_path%3D" + name
}

// schemaOf returns the schema of a URL that [withSearchPath] made.
func schemaOf(dsn string) string {
	_, name, _ := strings.Cut(dsn, "search_path%3D")
	return name
}
