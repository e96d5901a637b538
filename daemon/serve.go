package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"asta/jobs/chambercsv"
	"asta/jobs/importer"
	"asta/jobs/inbox"
	"asta/jobs/scheduler"
	"asta/panel"
	"asta/sample"
	"asta/schema"
	"asta/store"
)

// serve runs the daemon until SIGINT or SIGTERM.
func serve(ctx context.Context, args []string, _, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	config := configFlag(fs)
	demo := fs.Bool("demo", false, "put a generated demo package into an empty inbox and import it at once")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "astad serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}

	e, err := open(ctx, *config, stderr, environ)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	defer e.db.Close()
	if !schema.IsPostgres(e.db) {
		release, err := lockSQLiteServe(e.cfg.Database)
		if err != nil {
			return fail(stderr, "serve", err)
		}
		defer release()
	}
	if err := e.serve(ctx, *demo); err != nil {
		e.log.Error("astad failed", "error", err)
		return exitFailed
	}
	return exitOK
}

func (e *env) serve(ctx context.Context, demo bool) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	sched, err := scheduler.New(scheduler.Options{
		Location: e.cfg.Location(), Store: store.New(e.db), Logger: e.log, Registerer: reg,
		ShutdownTimeout: e.cfg.ShutdownTimeout,
	})
	if err != nil {
		return err
	}
	importMetrics := importer.NewMetrics(reg)
	if err := importMetrics.RestoreLastSuccess(ctx, e.db); err != nil {
		return err
	}
	ib := inbox.New(inbox.Options{
		Dir: e.cfg.Import.Inbox, Importer: e.newImporter(importMetrics), Location: e.cfg.Location(),
		IncompleteAfter: e.cfg.Import.IncompleteAfter, Logger: e.log.With("job", "import"),
		Paused: importPaused(store.New(e.db)),
	})
	importJob := func(ctx context.Context) error {
		return errors.Join(ib.Run(ctx), e.refreshSearchIndex(ctx))
	}
	if err := sched.Add(scheduler.Job{Name: "import", Spec: e.cfg.Import.Schedule, Run: importJob}); err != nil {
		return err
	}
	if err := e.addJobs(sched, reg); err != nil {
		return err
	}
	if demo {
		if err := e.prepareDemo(ctx); err != nil {
			return err
		}
	}

	app, err := panel.New(ctx, panel.Options{
		Store: store.New(e.db), Gatherer: reg, Registerer: reg, Logger: e.log, Ready: e.ready,
		BaseURL: e.cfg.PanelURL, TrustedProxies: e.cfg.Panel.Proxies(),
		SessionIdle: e.cfg.Panel.SessionIdle, SessionMax: e.cfg.Panel.SessionMax,
		ContractManagementURL: e.cfg.Panel.ContractManagementURL, ExamContact: e.cfg.Panel.ExamContact,
		LetterSender: e.cfg.Panel.LetterSender,
		Legal: panel.LegalTexts{
			Imprint: e.cfg.Panel.Legal.Imprint, Privacy: e.cfg.Panel.Legal.Privacy,
			Accessibility: e.cfg.Panel.Legal.Accessibility, AccessibilityContact: e.cfg.Panel.Legal.AccessibilityContact,
		},
		MetricsAccess: panel.MetricsAccess{
			Networks: e.cfg.Metrics.Networks(), Token: e.cfg.Metrics.Token,
			Username: e.cfg.Metrics.Username, Password: e.cfg.Metrics.Password,
		},
		MailQueued: func() { _ = sched.Trigger("mail") }, // no mail job: the mail waits in the outbox
		Trigger:    sched.Trigger, Jobs: sched.Names(),
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", e.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set listen or ASTA_LISTEN to a free address)", e.cfg.Listen, err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	e.log.Info("astad started", "listen", ln.Addr().String(), "database", schema.Redact(e.cfg.Database),
		"inbox", e.cfg.Import.Inbox, "import_schedule", e.cfg.Import.Schedule)
	if demo {
		e.log.Info("demo: import runs now; see the metrics at http://" + ln.Addr().String() + "/metrics")
		if err := sched.Trigger("import"); err != nil {
			return err
		}
	}

	schedErr := sched.Run(ctx)
	if errors.Is(schedErr, scheduler.ErrShutdownTimeout) {
		// The runs were cancelled at the timeout and rolled back: an
		// import applies all of a package or nothing.
		e.log.Warn("jobs cancelled at the shutdown timeout", "error", schedErr)
		schedErr = nil
	}
	shutdownErr := app.ShutdownWithTimeout(e.cfg.ShutdownTimeout)
	if err := <-served; err != nil && shutdownErr == nil {
		shutdownErr = err
	}
	e.log.Info("astad stopped")
	return errors.Join(schedErr, shutdownErr)
}

// importPaused returns the check of the import's pause switch, which an
// operator sets in the console.
func importPaused(st *store.Store) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		p, err := st.Paused(ctx, store.PauseImport)
		return p != nil, err
	}
}

// refreshSearchIndex updates the panel's name search and sort keys after
// an import; it does nothing when no import was applied since the last
// refresh.
func (e *env) refreshSearchIndex(ctx context.Context) error {
	start := time.Now()
	stats, err := store.New(e.db).RefreshSearchIndex(ctx)
	if err != nil {
		return err
	}
	if stats != (store.IndexStats{}) {
		e.log.Info("search index refreshed", "job", "import", "trainees", stats.Trainees, "trainers", stats.Trainers,
			"occupations", stats.Occupations, "duration_ms", time.Since(start).Milliseconds())
	}
	return nil
}

// ready reports whether the database is reachable and has every migration.
func (e *env) ready(ctx context.Context) error {
	if err := e.db.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	pending, err := schema.Pending(ctx, e.db)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("migrations pending: %v", pending)
	}
	return nil
}

// prepareDemo writes a generated package into the inbox unless the inbox
// already holds a package or a package was imported before.
func (e *env) prepareDemo(ctx context.Context) error {
	dir := e.cfg.Import.Inbox
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if en.Name() != inbox.ArchiveDir && en.Name() != inbox.RejectedDir {
			return nil
		}
	}
	if archived, _ := os.ReadDir(filepath.Join(dir, inbox.ArchiveDir)); len(archived) > 0 {
		return nil
	}
	out := filepath.Join(dir, "demo-"+time.Now().Format("20060102-150405"))
	sum, err := sample.Write(ctx, out, sample.Options{Companies: 300, Contracts: 5000, Seed: 1,
		Encoding: chambercsv.Windows1252})
	if err != nil {
		return fmt.Errorf("write demo package: %w", err)
	}
	records := 0
	for _, f := range sum.Files {
		records += f.Records
	}
	e.log.Info("demo package written", "package", filepath.Base(out), "records", records)
	return nil
}
