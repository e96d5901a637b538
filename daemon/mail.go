package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"asta/store"
)

// mailCmd requeues the mails that failed for good.
func mailCmd(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("mail", flag.ContinueOnError)
	config := configFlag(fs)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: astad mail requeue-failed [--config FILE]") }
	if code, ok := parseFlags(fs, reorder(args), stderr); !ok {
		return code
	}
	if fs.NArg() != 1 || fs.Arg(0) != "requeue-failed" {
		fs.Usage()
		return exitUsage
	}
	e, err := open(ctx, *config, stderr, environ)
	if err != nil {
		return fail(stderr, "mail", err)
	}
	defer e.db.Close()
	n, err := store.New(e.db).RequeueFailedMails(ctx)
	if err != nil {
		return fail(stderr, "mail", err)
	}
	fmt.Fprintf(stdout, "%d failed mails requeued; the next mail run sends them\n", n)
	return exitOK
}
