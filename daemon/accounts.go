package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"asta/store"
)

// accountsCmd lists the held read of the trainee account directory, or
// confirms or discards it.
func accountsCmd(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("accounts", flag.ContinueOnError)
	config := configFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: astad accounts hold | confirm [RUN_ID] | discard [RUN_ID] [--config FILE]")
		fmt.Fprintln(stderr, "without RUN_ID, confirm and discard decide on the read held now")
	}
	if code, ok := parseFlags(fs, reorder(args), stderr); !ok {
		return code
	}
	verb := fs.Arg(0)
	listing := verb == "hold" && fs.NArg() == 1
	deciding := (verb == "confirm" || verb == "discard") && (fs.NArg() == 1 || fs.NArg() == 2)
	if !listing && !deciding {
		fs.Usage()
		return exitUsage
	}

	e, err := open(ctx, *config, stderr, environ)
	if err != nil {
		return fail(stderr, "accounts", err)
	}
	defer e.db.Close()
	st := store.New(e.db)

	if listing {
		h, err := st.WaitingReconcileHold(ctx)
		if err != nil {
			return fail(stderr, "accounts", err)
		}
		if h == nil {
			fmt.Fprintln(stdout, "no read of the account directory is held")
			return exitOK
		}
		fmt.Fprintf(stdout, "run %d held %s: %s (%d of %d active accounts would lose that status)\n",
			h.RunID, h.HeldAt.In(e.cfg.Location()).Format("02.01.2006 15:04"), h.Reason, h.ActiveLost, h.ActiveBefore)
		return exitOK
	}

	// Each held run replaces the hold before it, so the id shown a tick
	// ago may be gone: without an id, the hold waiting now is meant.
	var runID int64
	if fs.NArg() == 2 {
		if runID, err = strconv.ParseInt(fs.Arg(1), 10, 64); err != nil {
			fmt.Fprintf(stderr, "astad accounts: invalid run id %q: see astad accounts hold\n", fs.Arg(1))
			return exitUsage
		}
	} else {
		h, err := st.WaitingReconcileHold(ctx)
		if err != nil {
			return fail(stderr, "accounts", err)
		}
		if h == nil {
			fmt.Fprintln(stderr, "astad accounts: no read of the account directory is held")
			return exitUsage
		}
		runID = h.RunID
	}
	decide := st.ConfirmReconcileHold
	if verb == "discard" {
		decide = st.DiscardReconcileHold
	}
	if err := decide(ctx, runID); errors.Is(err, store.ErrHoldNotFound) {
		fmt.Fprintf(stderr, "astad accounts: run %d is not a held read: see astad accounts hold\n", runID)
		return exitUsage
	} else if err != nil {
		return fail(stderr, "accounts", err)
	}
	if verb == "confirm" {
		fmt.Fprintf(stdout, "held read %d confirmed; the next reconcile run applies the directory as it then is\n", runID)
	} else {
		fmt.Fprintf(stdout, "held read %d discarded; the next reconcile run checks the directory again\n", runID)
	}
	return exitOK
}
