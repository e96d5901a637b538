// Command astad is the daemon of asta, the training-company portal of a
// German chamber: it imports the chamber's export packages on a schedule
// and serves the panel and the Prometheus metrics.
//
// Usage:
//
//	astad [serve] [--config FILE] [--demo]
//	astad migrate [--config FILE]
//	astad import PATH [--dry-run] [--config FILE]
//	astad sample --out DIR --companies N --contracts M [--seed S] [--encoding utf-8|windows-1252]
//	astad hold list|confirm ID|discard ID [--config FILE]
//	astad accounts hold|confirm [RUN_ID]|discard [RUN_ID] [--config FILE]
//	astad mail requeue-failed [--config FILE]
//	astad bench-import [--contracts N,...]
//	astad bench-panel [--contracts N] [--rate R] [--duration D]
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // Europe/Berlin also where the system lacks zone data
)

// Exit codes of astad import; other commands use 0, 2 and 5.
const (
	exitOK       = 0
	exitRejected = 1
	exitUsage    = 2
	exitHeld     = 3
	exitApplied  = 4 // already applied before
	exitFailed   = 5
)

// defaultMemoryLimit is the soft memory limit of astad unless GOMEMLIMIT
// sets another. An import's live heap is mostly its key sets, about
// 65 MB for a package of 1,000,000 contracts. Without a limit the garbage
// collector lets the heap grow to twice the live data.
const defaultMemoryLimit = 110 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// run runs one astad command and returns its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer, []string) int{
		"serve":        serve,
		"migrate":      migrate,
		"import":       importCmd,
		"sample":       sampleCmd,
		"hold":         holdCmd,
		"accounts":     accountsCmd,
		"mail":         mailCmd,
		"operator":     operatorCmd,
		"bench-import": benchImport,
		"healthcheck":  healthcheck,
		"bench-panel":  benchPanel,
	}
	if cmd == "help" || (cmd == "serve" && len(args) > 0 && (args[0] == "-h" || args[0] == "--help")) {
		fmt.Fprint(stdout, usage)
		if cmd == "help" {
			return exitOK
		}
	}
	fn, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "astad: unknown command %q: use serve, migrate, import, sample, hold, accounts, mail, operator, healthcheck, "+
			"bench-import or bench-panel\n", cmd)
		return exitUsage
	}
	return fn(ctx, args, stdout, stderr, environ)
}

// usage lists the commands; each prints its own flags with -h.
const usage = `usage: astad [command] [flags]

commands:
  serve         run the jobs and the HTTP server until SIGTERM (the default)
  migrate       apply pending database migrations and exit
  import        import or, with --dry-run, validate one package now
  sample        write a generated export package
  hold          list, confirm or discard a package stopped by the safety hold
  accounts      show, confirm or discard a held read of the account directory
  mail          requeue the mails that failed for good
  operator      add a chamber operator and print the link that sets the password
  healthcheck   exit 0 if the local astad serve answers /healthz (for containers)
  bench-import  measure the import against its references
  bench-panel   measure the panel's trainee list against a bare handler
  help          print this text

Run astad COMMAND -h for the flags of a command.
`

// newLogger returns a logger with the configured level and format.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(level)) // validated with the configuration
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
