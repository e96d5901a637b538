package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"asta/jobs/importer"
	"asta/schema"
)

// importCmd imports or validates one package now and prints its report.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	config := configFlag(fs)
	dryRun := fs.Bool("dry-run", false, "validate the package and report what an import would do, changing nothing")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: astad import PATH [--dry-run] [--config FILE]")
		fmt.Fprintln(stderr, "exit status: 0 applied, 1 rejected, 2 usage, 3 held, 4 already applied, 5 failed")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, reorder(args), stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	path := fs.Arg(0)
	if st, err := os.Stat(path); err != nil || !st.IsDir() && !strings.EqualFold(filepath.Ext(path), ".zip") {
		fmt.Fprintf(stderr, "astad import: %s is not a package: give a package folder or .zip file\n", path)
		return exitUsage
	}

	e, err := open(ctx, *config, stderr, environ)
	if err != nil {
		return fail(stderr, "import", err)
	}
	defer e.db.Close()

	res, err := e.newImporter(nil).Import(ctx, importer.Request{
		Path: path, DryRun: *dryRun, Progress: newProgress(stderr),
	})
	fmt.Fprint(stdout, importer.Report(res, e.cfg.Location()))
	if err != nil {
		fmt.Fprintf(stderr, "astad import: %v\n", err)
	}
	return importExitCode(res.Outcome)
}

func importExitCode(outcome string) int {
	switch outcome {
	case schema.OutcomeApplied, schema.OutcomeValidated:
		return exitOK
	case schema.OutcomeRejected:
		return exitRejected
	case schema.OutcomeHeld:
		return exitHeld
	case schema.OutcomeAlreadyApplied:
		return exitApplied
	}
	return exitFailed
}

// reorder moves flags before the arguments, so that both
// "import PATH --dry-run" and "import --dry-run PATH" work.
func reorder(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if (a == "--config" || a == "-config") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			rest = append(rest, a)
		}
	}
	return append(flags, rest...)
}

// newProgress returns a progress bar per file on a terminal and a plain
// line per file otherwise.
func newProgress(w io.Writer) importer.Progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		var printed string // the importer may report a file's last count twice
		return func(file string, done, expected int64) {
			if done == expected && file != printed {
				printed = file
				fmt.Fprintf(w, "%s: %d of %d records read\n", file, done, expected)
			}
		}
	}
	var (
		current string
		bar     *progressbar.ProgressBar
	)
	return func(file string, done, expected int64) {
		if file != current {
			current = file
			bar = progressbar.NewOptions64(expected, progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription(file), progressbar.OptionShowCount(),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		}
		_ = bar.Set64(done)
	}
}
