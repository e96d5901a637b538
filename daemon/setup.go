package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/uptrace/bun"

	"asta/configs"
	"asta/jobs/chambercsv"
	"asta/jobs/importer"
	"asta/schema"
)

// defaultConfigPath is read when it exists and no --config is given.
const defaultConfigPath = "configs/astad.yaml"

// env holds what every command that touches the database needs.
type env struct {
	cfg configs.Config
	log *slog.Logger
	db  *bun.DB
}

// configFlag adds --config to fs.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "configuration file (default configs/astad.yaml if it exists; ASTA_CONFIG)")
}

// loadConfig reads the configuration file that --config, ASTA_CONFIG or
// the default path names.
func loadConfig(path string, environ []string) (configs.Config, error) {
	if path == "" {
		for _, kv := range environ {
			if v, ok := cutPrefix(kv, "ASTA_CONFIG="); ok {
				path = v
			}
		}
	}
	if path == "" {
		if _, err := os.Stat(defaultConfigPath); err == nil {
			path = defaultConfigPath
		}
	}
	return configs.Load(path, environ)
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return "", false
}

// open loads the configuration, opens the database and migrates it.
func open(ctx context.Context, configPath string, stderr io.Writer, environ []string) (*env, error) {
	cfg, err := loadConfig(configPath, environ)
	if err != nil {
		return nil, err
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	db, err := schema.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	applied, err := schema.Migrate(ctx, db)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "migrations", applied)
	}
	return &env{cfg: cfg, log: log, db: db}, nil
}

// newImporter builds the importer from the configuration.
func (e *env) newImporter(m *importer.Metrics) *importer.Importer {
	enc, _ := chambercsv.ParseEncoding(e.cfg.Import.Encoding) // validated with the configuration
	return importer.New(importer.Options{
		DB: e.db, DatabaseURL: e.cfg.Database, Location: e.cfg.Location(), Encoding: enc,
		RejectShare: e.cfg.Import.RejectShare, RejectCount: e.cfg.Import.RejectCount,
		HoldShare: e.cfg.Import.HoldShare, HoldCount: e.cfg.Import.HoldCount, MaxAhead: e.cfg.Import.MaxAhead,
		Logger: e.log.With("job", "import"), Metrics: m,
	})
}

// parseFlags parses args, printing usage errors to stderr. It reports
// false after -h or an error, with the exit status to use.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (int, bool) {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

// fail prints err for a command and returns exit status 5.
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "astad %s: %v\n", cmd, err)
	return exitFailed
}
