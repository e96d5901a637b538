package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"asta/schema"
	"asta/store"
)

// holdCmd lists held packages, or confirms or discards one.
func holdCmd(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("hold", flag.ContinueOnError)
	config := configFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: astad hold list | confirm PACKAGE_ID | discard PACKAGE_ID [--config FILE]")
	}
	if code, ok := parseFlags(fs, reorder(args), stderr); !ok {
		return code
	}
	verb := fs.Arg(0)
	listing := verb == "list" && fs.NArg() == 1
	deciding := (verb == "confirm" || verb == "discard") && fs.NArg() == 2
	if !listing && !deciding {
		fs.Usage()
		return exitUsage
	}

	e, err := open(ctx, *config, stderr, environ)
	if err != nil {
		return fail(stderr, "hold", err)
	}
	defer e.db.Close()
	st := store.New(e.db)

	if verb == "list" {
		holds, err := st.HeldPackages(ctx)
		if err != nil {
			return fail(stderr, "hold", err)
		}
		for _, h := range holds {
			fmt.Fprintf(stdout, "%s  %s  held %s: %s\n", h.PackageID[:12], h.PackageName,
				h.HeldAt.In(e.cfg.Location()).Format("02.01.2006 15:04"), h.Reason)
		}
		if len(holds) == 0 {
			fmt.Fprintln(stdout, "no package is held")
		}
		return exitOK
	}

	decision := schema.HoldConfirmed
	if verb == "discard" {
		decision = schema.HoldDiscarded
	}
	prefix := strings.ToLower(fs.Arg(1))
	if len(prefix) < 6 || strings.Trim(prefix, "0123456789abcdef") != "" {
		fmt.Fprintf(stderr, "astad hold: invalid package id %q: give at least 6 hex digits "+
			"of an id from astad hold list\n", fs.Arg(1))
		return exitUsage
	}
	ids, err := st.HeldPackageIDs(ctx, prefix)
	if err != nil {
		return fail(stderr, "hold", err)
	}
	if len(ids) != 1 {
		fmt.Fprintf(stderr, "astad hold: %q matches %d held packages: give more characters "+
			"of one id from astad hold list\n", fs.Arg(1), len(ids))
		return exitUsage
	}
	if err := st.DecideHold(ctx, ids[0], decision, time.Now()); err != nil {
		return fail(stderr, "hold", err)
	}
	fmt.Fprintf(stdout, "package %s %s; the next import run takes it\n", fs.Arg(1), decision)
	return exitOK
}
