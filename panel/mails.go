package panel

import (
	"context"
	"strings"
	"time"

	"asta/panel/credential"
	"asta/schema"
	"asta/store"
)

// Validity of the links sent by mail.
const (
	confirmValidity     = 24 * time.Hour
	resetValidity       = time.Hour
	emailChangeValidity = 24 * time.Hour
)

// queueMail writes the mail with the catalogue's subject and body for kind
// into the outbox, in the caller's transaction. The body takes args.
func queueMail(ctx context.Context, tx *store.Store, to, kind string, args ...any) error {
	_, err := tx.EnqueueMail(ctx, nil, &schema.OutboxMail{
		Recipient: to,
		Subject:   msg("mail." + kind + ".subject"),
		TextBody:  msg("mail."+kind+".body", args...),
	})
	return err
}

// queueLink creates a single-use link for the user and mails it to the
// address to. The link opens path on the panel.
func (s *Server) queueLink(ctx context.Context, tx *store.Store, u *schema.User, purpose, to, newEmail string,
	kind, path string, validity time.Duration,
) error {
	token, hash := credential.NewToken()
	now := s.now().UTC()
	err := tx.CreateToken(ctx, &schema.UserToken{
		TokenHash: hash, UserID: u.ID, Purpose: purpose, NewEmail: newEmail,
		ExpiresAt: now.Add(validity), CreatedAt: now,
	})
	if err != nil {
		return err
	}
	link := strings.TrimRight(s.opts.BaseURL, "/") + path + "?t=" + token
	return queueMail(ctx, tx, to, kind, u.Name, link)
}

// mailQueued wakes the mail sender, because a mail waits.
func (s *Server) mailQueued() {
	if s.opts.MailQueued != nil {
		s.opts.MailQueued()
	}
}
