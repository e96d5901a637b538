package schema

import (
	"time"

	"github.com/uptrace/bun"
)

// States of an [OutboxMail].
const (
	MailPending = "pending" // waiting for its first or next attempt
	MailSent    = "sent"    // accepted by the SMTP server
	MailFailed  = "failed"  // rejected permanently or out of attempts
)

// OutboxMail is a mail that asta has decided to send, kept until the SMTP
// server accepts or finally rejects it.
//
// MessageID is the Message-ID header without angle brackets; it is set
// when the row is written and sent unchanged on every attempt. DedupKey,
// when not empty, is unique, so that a decision to send is recorded once.
type OutboxMail struct {
	bun.BaseModel `bun:"table:outbox"`

	ID            int64 `bun:",pk,autoincrement"`
	MessageID     string
	Recipient     string
	Subject       string
	TextBody      string
	HTMLBody      string `bun:"html_body,nullzero"`
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string `bun:",nullzero"`
	CreatedAt     time.Time
	SentAt        *time.Time `bun:",nullzero"`
	DedupKey      string     `bun:",nullzero"`
}
