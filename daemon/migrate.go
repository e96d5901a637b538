package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// migrate applies the pending migrations and exits.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	config := configFlag(fs)
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "astad migrate: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	e, err := open(ctx, *config, stderr, environ)
	if err != nil {
		return fail(stderr, "migrate", err)
	}
	defer e.db.Close()
	fmt.Fprintln(stdout, "database is up to date")
	return exitOK
}
