// Package mail delivers the mails of the outbox table over SMTP, or,
// where no SMTP host is configured, writes them into a mailbox folder.
//
// A caller records a mail with [store.Store.EnqueueMail] in the same
// transaction as its decision to send it. [Sender.Run], called by the
// scheduler, sends every due mail over one SMTP connection. A mail is
// marked sent only after the server has accepted it, so a crash between
// acceptance and marking sends it again on the next run, with the same
// Message-ID. Temporary failures (4xx replies, connection errors,
// time-outs) are retried with exponential backoff; a 5xx reply marks the
// mail failed with the server's reply.
//
// go-mail's SMTP client requests SMTPUTF8 (RFC 6531) in every MAIL
// command when the server offers it, and some servers offer it and then
// reject mails that use it. The sender therefore requests it only for a
// mail whose sender or recipient address has a non-ASCII local part.
// Non-ASCII domains are sent as A-labels (punycode) in any case.
//
// Without an SMTP host, [Sender.Run] writes each due mail as an RFC 5322
// .eml file into [Options.Mailbox] and marks it sent, so that a demo or
// a test installation works without a mail server.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	gomail "github.com/wneessen/go-mail"

	"asta/store"
)

// TLS modes of [Options.TLS].
const (
	TLSStartTLS = "starttls" // plain connection upgraded by STARTTLS, which is required
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS)
	TLSNone     = "none"     // no encryption, for a relay on the same host or network
)

// Defaults of [Options] fields left zero.
const (
	DefaultConnectTimeout = 30 * time.Second
	// DefaultSendTimeout is the minimum time-out for the reply to the
	// final dot that RFC 5321, section 4.5.3.2.6, recommends.
	DefaultSendTimeout = 10 * time.Minute
	DefaultMaxAttempts = 15
	DefaultBaseBackoff = time.Minute
	// DefaultMaxBackoff caps the delay between attempts. With the other
	// defaults, a mail is given up about 28 hours after its first attempt.
	DefaultMaxBackoff = 4 * time.Hour
	DefaultBatchSize  = 500
)

// Options configure a [Sender].
type Options struct {
	// Store holds the outbox. Required.
	Store *store.Store

	// Host is the SMTP server's name or address. Host or Mailbox is
	// required.
	Host string

	// Mailbox is the folder that mails are written to as .eml files when
	// Host is empty. It is created with mode 0750 when the first mail is
	// due.
	Mailbox string

	// Port defaults to 587 for [TLSStartTLS], 465 for [TLSImplicit] and
	// 25 for [TLSNone].
	Port int

	// TLS is [TLSStartTLS], [TLSImplicit] or [TLSNone]; empty means
	// [TLSStartTLS].
	TLS string

	// TLSConfig, if not nil, replaces the default client configuration,
	// which verifies the server's certificate for Host.
	TLSConfig *tls.Config

	// Username and Password, if Username is set, authenticate with the
	// best mechanism that the server offers.
	Username string
	Password string

	// From is the sender's address, used in the From header and in MAIL
	// FROM. Required. FromName is its display name, may be empty.
	From     string
	FromName string

	// ConnectTimeout limits connecting, greeting, STARTTLS and
	// authentication. SendTimeout limits one mail transaction as a whole,
	// from MAIL FROM to the reply to the data, where RFC 5321 recommends a
	// time-out per command.
	ConnectTimeout time.Duration
	SendTimeout    time.Duration

	// Rate is the maximum number of mails sent per second; 0 means no
	// limit.
	Rate float64

	// MaxAttempts is the number of attempts after which a temporary
	// failure marks a mail failed.
	MaxAttempts int

	// BaseBackoff is the delay after the first failed attempt; each
	// further failure doubles it, up to MaxBackoff.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration

	// BatchSize is the number of due mails read from the outbox at once.
	BatchSize int

	// Logger receives the log lines; nil discards them.
	Logger *slog.Logger

	// Registerer, if not nil, receives the metrics.
	Registerer prometheus.Registerer

	// Now returns the current time; nil means [time.Now]. It decides
	// which mails are due, when to retry them and the Date header.
	Now func() time.Time
}

// Sender delivers the outbox's due mails over SMTP or into the mailbox
// folder. It is not safe for concurrent
// use: the scheduler never runs one job twice at a time.
type Sender struct {
	opts    Options
	client  *gomail.Client // nil when mails go to the mailbox folder
	from    address
	log     *slog.Logger
	metrics *metrics

	// sleep waits for d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a Sender with opts. It fails if a required option is
// missing or invalid, or if the metrics cannot be registered.
func New(opts Options) (*Sender, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	from, err := parseAddress(opts.From)
	if err != nil {
		return nil, fmt.Errorf("mail sender address: %w", err)
	}
	from.name = opts.FromName

	var client *gomail.Client
	if opts.Host != "" {
		client, err = newClient(opts)
		if err != nil {
			return nil, err
		}
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("register mail metrics: %w", err)
	}
	return &Sender{
		opts:    opts,
		client:  client,
		from:    from,
		log:     opts.Logger.With("job", "mail"),
		metrics: m,
		sleep:   sleepContext,
	}, nil
}

func (o *Options) setDefaults() error {
	if o.Store == nil {
		return errors.New("mail sender: missing store")
	}
	if o.Host == "" && o.Mailbox == "" {
		return errors.New("mail sender: missing SMTP host or mailbox folder")
	}
	if o.From == "" {
		return errors.New("mail sender: missing sender address")
	}

	ports := map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}
	if o.TLS == "" {
		o.TLS = TLSStartTLS
	}
	if _, ok := ports[o.TLS]; !ok {
		return fmt.Errorf("mail sender: invalid TLS mode %q: use %q, %q or %q", o.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if o.Port == 0 {
		o.Port = ports[o.TLS]
	}

	if o.Rate < 0 {
		return fmt.Errorf("mail sender: invalid rate %g: must be 0 (no limit) or more", o.Rate)
	}

	o.ConnectTimeout = orDefault(o.ConnectTimeout, DefaultConnectTimeout)
	o.SendTimeout = orDefault(o.SendTimeout, DefaultSendTimeout)
	o.MaxAttempts = orDefault(o.MaxAttempts, DefaultMaxAttempts)
	o.BaseBackoff = orDefault(o.BaseBackoff, DefaultBaseBackoff)
	o.MaxBackoff = max(orDefault(o.MaxBackoff, DefaultMaxBackoff), o.BaseBackoff)
	o.BatchSize = orDefault(o.BatchSize, DefaultBatchSize)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// orDefault returns v, or def if v is zero or negative.
func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// newClient configures go-mail's client, which dials, greets, upgrades
// to TLS and authenticates. The sender drives the mail transactions
// itself on the connection that the client returns.
func newClient(o Options) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(o.Port),
		gomail.WithTimeout(o.ConnectTimeout),
	}
	switch o.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if o.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(o.TLSConfig))
	}
	if o.Username != "" {
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(o.Username),
			gomail.WithPassword(o.Password))
	}
	c, err := gomail.NewClient(o.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail sender: configure SMTP client for %s: %w", serverAddr(o), err)
	}
	return c, nil
}

func serverAddr(o Options) string {
	return net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
