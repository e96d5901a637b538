// Package notify queues mails that notify training companies of the exam
// registrations waiting for their confirmation.
//
// [Notifier.Run] is called by the scheduler. It writes to each company
// that has online registration on and a notification address one digest
// mail that lists its open registrations not yet announced. A second
// digest lists the open registrations whose deadline is at most
// [Options.ReminderDays] days away. A registration is listed at most once for each reason
// (announce, remind): the decision is a row of exam_notifications, written
// in the transaction that queues the mail in the outbox, and a decision
// that another run recorded first, on this instance or another, is left
// out. The mail job (jobs/mail) delivers the queued mails.
//
// A registration is reminded of only if an earlier run announced it, so
// that a company does not get both mails about it in one run.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"asta/schema"
	"asta/store"
)

// DefaultReminderDays is the default of [Options.ReminderDays].
const DefaultReminderDays = 7

// RegistrationPath is the panel page, relative to [Options.PanelURL], on
// which a company confirms its exam registrations.
const RegistrationPath = "/pruefungsanmeldungen"

// Options configure a [Notifier].
type Options struct {
	// Store holds the registrations, the decisions and the outbox.
	// Required.
	Store *store.Store

	// PanelURL is the panel's base URL, such as
	// https://ausbildung.ihk-beispiel.de. Required. The mails link to
	// PanelURL + [RegistrationPath], and the Message-IDs use its host.
	PanelURL string

	// ReminderDays is how many days before a registration's deadline the
	// reminder is due; 0 means [DefaultReminderDays].
	ReminderDays int

	// Location is the time zone in which the current day is reckoned for
	// reminders; nil means Europe/Berlin.
	Location *time.Location

	// From is the sender's name, such as the chamber's, that signs the
	// mails. Required.
	From string

	// Logger receives the log lines; nil discards them.
	Logger *slog.Logger

	// Registerer, if not nil, receives the metrics.
	Registerer prometheus.Registerer

	// Now returns the current time; nil means [time.Now]. It decides which
	// deadlines are near and is recorded with each decision.
	Now func() time.Time
}

// Notifier queues the digest mails about open exam registrations. It is
// safe for concurrent use, and several notifiers may run on one database
// at once.
type Notifier struct {
	opts            Options
	link            string
	messageIDDomain string
	templates       *templates
	log             *slog.Logger
	metrics         *metrics
}

// New returns a Notifier with opts. It fails if a required option is
// missing or invalid, or if the metrics cannot be registered.
func New(opts Options) (*Notifier, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	u, err := url.Parse(opts.PanelURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("notify: invalid panel URL %q: use an absolute http:// or https:// URL", opts.PanelURL)
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("register notify metrics: %w", err)
	}
	return &Notifier{
		opts:            opts,
		link:            strings.TrimRight(opts.PanelURL, "/") + RegistrationPath,
		messageIDDomain: u.Hostname(),
		templates:       t,
		log:             opts.Logger.With("job", "notify"),
		metrics:         m,
	}, nil
}

func (o *Options) setDefaults() error {
	if o.Store == nil {
		return errors.New("notify: missing store")
	}
	if o.PanelURL == "" {
		return errors.New("notify: missing panel URL")
	}
	if o.From == "" {
		return errors.New("notify: missing sender name")
	}
	if o.ReminderDays < 0 {
		return fmt.Errorf("notify: invalid reminder days %d: must be 0 (default %d) or more",
			o.ReminderDays, DefaultReminderDays)
	}
	if o.ReminderDays == 0 {
		o.ReminderDays = DefaultReminderDays
	}
	if o.Location == nil {
		loc, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			return fmt.Errorf("notify: load time zone Europe/Berlin: %w", err)
		}
		o.Location = loc
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// runResult counts what one run queued.
type runResult struct {
	digests, registrations map[string]int
}

// Run queues the announcement digests, then the reminder digests, and
// returns when all are queued. It stops at the first error, which leaves
// the digests queued so far in place; the next run queues the rest.
// Cancelling ctx stops Run between two companies.
func (n *Notifier) Run(ctx context.Context) error {
	start := time.Now()
	now := n.opts.Now()
	res := runResult{digests: map[string]int{}, registrations: map[string]int{}}

	err := n.announce(ctx, now, &res)
	if err == nil {
		err = n.remind(ctx, now, &res)
	}

	n.log.Info("notify run finished",
		"announce_digests", res.digests[schema.NotifyAnnounce],
		"announce_registrations", res.registrations[schema.NotifyAnnounce],
		"remind_digests", res.digests[schema.NotifyRemind],
		"remind_registrations", res.registrations[schema.NotifyRemind],
		"duration_ms", time.Since(start).Milliseconds())
	return err
}

func (n *Notifier) announce(ctx context.Context, now time.Time, res *runResult) error {
	notices, err := n.opts.Store.UnannouncedExamRegistrations(ctx, schema.DateOf(now.In(n.opts.Location)))
	if err != nil {
		return err
	}
	return n.queue(ctx, schema.NotifyAnnounce, now, notices, res)
}

// remind queues reminders of the registrations whose deadline is between
// today and today + ReminderDays in the notifier's time zone, so that a
// run that was missed on the due day catches up until the deadline.
func (n *Notifier) remind(ctx context.Context, now time.Time, res *runResult) error {
	today := schema.DateOf(now.In(n.opts.Location))
	until := schema.DateOf(today.Time().AddDate(0, 0, n.opts.ReminderDays))
	notices, err := n.opts.Store.ExamRegistrationsToRemind(ctx, today, until, now)
	if err != nil {
		return err
	}
	return n.queue(ctx, schema.NotifyRemind, now, notices, res)
}

// queue queues one digest for reason per company in notices, which are
// ordered by company.
func (n *Notifier) queue(ctx context.Context, reason string, now time.Time, notices []store.ExamNotice,
	res *runResult) error {
	for len(notices) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := 1
		for end < len(notices) && notices[end].CompanyIdent == notices[0].CompanyIdent {
			end++
		}
		if err := n.queueDigest(ctx, reason, now, notices[:end], res); err != nil {
			return err
		}
		notices = notices[end:]
	}
	return nil
}

// queueDigest queues the digest for reason about notices, which all
// belong to one company.
func (n *Notifier) queueDigest(ctx context.Context, reason string, now time.Time, notices []store.ExamNotice,
	res *runResult) error {
	d := digest{
		reason:          reason,
		today:           schema.DateOf(now.In(n.opts.Location)),
		notices:         notices,
		link:            n.link,
		from:            n.opts.From,
		messageIDDomain: n.messageIDDomain,
	}
	numbers := make([]string, len(notices))
	for i, x := range notices {
		numbers[i] = x.RegistrationNumber
	}
	company := notices[0].CompanyIdent
	listed, outboxID, err := n.opts.Store.QueueExamDigest(ctx, store.ExamDigest{
		Reason:       reason,
		CompanyIdent: company,
		Email:        notices[0].Email,
		Numbers:      numbers,
		At:           now,
	}, func(numbers []string) (*schema.OutboxMail, error) {
		return d.build(n.templates, numbers)
	})
	if err != nil {
		return err
	}
	if len(listed) == 0 {
		n.log.Debug("digest skipped: registrations already notified", "reason", reason, "company_id", company)
		return nil
	}

	res.digests[reason]++
	res.registrations[reason] += len(listed)
	n.metrics.digests.WithLabelValues(reason).Inc()
	n.metrics.registrations.WithLabelValues(reason).Add(float64(len(listed)))
	n.log.Debug("digest queued", "reason", reason, "company_id", company, "outbox_id", outboxID,
		"registrations", len(listed))
	return nil
}
