package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	gomail "github.com/wneessen/go-mail"

	"asta/schema"
)

// File modes of the mailbox folder and of the .eml files in it: the
// mails hold one-time links, so others may not read them.
const (
	mailboxDirMode  = 0o750
	mailboxFileMode = 0o640
)

// runMailbox writes every due mail into the mailbox folder as an .eml
// file with the same headers and parts as over SMTP, and marks it sent.
// It creates the folder when the first mail is due. A mail with an
// invalid recipient is marked failed, as over SMTP. When a file cannot be
// written, runMailbox returns the error and the mail stays due, with no
// attempt counted, because the fault lies with the folder and not with
// the mail.
func (s *Sender) runMailbox(ctx context.Context, res *runResult) error {
	now := s.opts.Now()
	due, err := s.opts.Store.DueMails(ctx, now, s.opts.BatchSize)
	if err != nil || len(due) == 0 {
		return err
	}
	if err := os.MkdirAll(s.opts.Mailbox, mailboxDirMode); err != nil {
		return fmt.Errorf("create mailbox folder: %w", err)
	}

	for len(due) > 0 {
		for i := range due {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.writeToMailbox(ctx, &due[i], res); err != nil {
				return err
			}
		}
		// Written mails are marked sent and failed ones failed, so neither
		// is read again.
		due, err = s.opts.Store.DueMails(ctx, now, s.opts.BatchSize)
		if err != nil {
			return err
		}
	}
	return nil
}

// writeToMailbox writes m into the mailbox folder and records the
// outcome. It returns an error only if the run must stop. It logs the
// outbox id and the file name, never an address, the subject or the
// body.
func (s *Sender) writeToMailbox(ctx context.Context, m *schema.OutboxMail, res *runResult) error {
	rcpt, err := parseAddress(m.Recipient)
	if err != nil {
		return s.fail(ctx, m, res, "invalid recipient: "+err.Error(), "invalid recipient address")
	}

	now := s.opts.Now()
	name := mailboxFileName(m.ID, now)
	msg := buildMessage(m, s.from, rcpt, now)
	if err := writeMessage(s.opts.Mailbox, name, msg); err != nil {
		return fmt.Errorf("write mail %d to the mailbox folder: %w", m.ID, err)
	}

	if err := s.markSent(ctx, m, res); err != nil {
		return err
	}
	s.log.Info("mail written to the mailbox folder", "outbox_id", m.ID, "file", name)
	return nil
}

// mailboxFileName returns the name of the file of mail id written at t,
// such as 20261204T192600Z-000123.eml, so that the names sort by time.
func mailboxFileName(id int64, t time.Time) string {
	return fmt.Sprintf("%s-%06d.eml", t.UTC().Format("20060102T150405Z"), id)
}

// writeMessage writes msg to name in dir. It writes a hidden temporary
// file in dir first and renames it, so that a reader of the folder never
// reads a partial message.
func writeMessage(dir, name string, msg *gomail.Msg) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()

	if err := f.Chmod(mailboxFileMode); err != nil {
		return err
	}
	if _, err := msg.WriteTo(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, name))
}
