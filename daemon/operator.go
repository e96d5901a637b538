package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"asta/panel/credential"
	"asta/schema"
	"asta/store"
)

// operatorLinkValidity is how long the set-password link of a new
// operator works.
const operatorLinkValidity = 24 * time.Hour

// operatorCmd creates a chamber operator's account and prints a one-time
// link that sets its password. For an existing account it makes the user
// an operator and prints a new link.
func operatorCmd(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("operator", flag.ContinueOnError)
	config := configFlag(fs)
	name := fs.String("name", "", "the operator's name (default: the part of the address before the @)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: astad operator add EMAIL [--name NAME] [--config FILE]")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, reorder(args), stderr); !ok {
		return code
	}
	if fs.NArg() != 2 || fs.Arg(0) != "add" {
		fs.Usage()
		return exitUsage
	}
	email := strings.TrimSpace(norm.NFC.String(fs.Arg(1)))
	key, err := credential.NormalizeEmail(email)
	if err != nil {
		fmt.Fprintf(stderr, "astad operator: invalid e-mail address %q: give one such as name@kammer.de\n", email)
		return exitUsage
	}
	if *name == "" {
		*name, _, _ = strings.Cut(email, "@")
	}

	e, err := open(ctx, *config, stderr, environ)
	if err != nil {
		return fail(stderr, "operator", err)
	}
	defer e.db.Close()
	link, err := addOperator(ctx, store.New(e.db), email, key, *name, e.cfg.PanelURL)
	if err != nil {
		return fail(stderr, "operator", err)
	}
	fmt.Fprintf(stdout, "operator %s: set the password within 24 hours at\n%s\n", email, link)
	return exitOK
}

// addOperator creates or promotes the operator and returns the link that
// sets their password.
func addOperator(ctx context.Context, st *store.Store, email, key, name, panelURL string) (string, error) {
	token, hash := credential.NewToken()
	unusable, _ := credential.NewToken() // no password works until the link sets one
	now := time.Now().UTC()
	err := st.InTx(ctx, func(tx *store.Store) error {
		u, err := tx.UserByEmailKey(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			u = &schema.User{
				Email: email, EmailKey: key, Name: name, PasswordHash: "!" + unusable, ConfirmedAt: &now,
				Operator: true, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now,
			}
			if _, err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		} else if err != nil {
			return err
		} else if !u.Operator {
			u.Operator = true
			if err := tx.UpdateUser(ctx, u, "operator"); err != nil {
				return err
			}
			// Sessions from before the promotion end: the operator signs in
			// again, with the second factor.
			if err := tx.DeleteUserSessions(ctx, u.ID, ""); err != nil {
				return err
			}
		}
		if err := tx.AddAudit(ctx, &schema.AuditEntry{At: now, Action: "operator.added", Detail: fmt.Sprintf(
			`{"user_id":%d}`, u.ID)}); err != nil {
			return err
		}
		return tx.CreateToken(ctx, &schema.UserToken{
			TokenHash: hash, UserID: u.ID, Purpose: schema.TokenSetPassword,
			ExpiresAt: now.Add(operatorLinkValidity), CreatedAt: now,
		})
	})
	if err != nil {
		return "", fmt.Errorf("add operator: %w", err)
	}
	return strings.TrimRight(panelURL, "/") + "/passwort-neu?t=" + token, nil
}
