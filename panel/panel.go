// Package panel serves astad's web panel for training companies and
// chamber operators (German, server-rendered with html/template and htmx)
// and the operations endpoints /healthz, /readyz and /metrics.
//
// Every state-changing request carries a CSRF token; sessions, rate-limit
// counters and keys live in the database, so several instances can serve
// the same users.
package panel

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"asta/panel/credential"
	"asta/store"
)

// Readiness reports whether the database is reachable and migrated.
type Readiness func(ctx context.Context) error

// Hasher hashes and checks passwords. Dummy spends the work of one check
// without a stored hash, so that an unknown address costs as much as a
// known one.
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
	Verify(ctx context.Context, encoded, password string) (bool, error)
	Dummy(ctx context.Context, password string) error
}

// Options configures the panel. Store, Logger, Gatherer, Registerer and
// BaseURL are required.
type Options struct {
	Store      *store.Store
	Gatherer   prometheus.Gatherer
	Registerer prometheus.Registerer
	Ready      Readiness
	Logger     *slog.Logger

	// BaseURL is the address users open; mails link to it.
	BaseURL string
	// TrustedProxies are the proxies whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed.
	TrustedProxies []netip.Prefix
	// SessionIdle and SessionMax end a session after a time without
	// requests and after a time since sign-in.
	SessionIdle time.Duration
	SessionMax  time.Duration

	// ContractManagementURL is the contract management service; empty
	// while it is not enabled.
	ContractManagementURL string
	// ExamContact names whom a company contacts about a missed exam
	// registration deadline, in German.
	ExamContact string
	// Legal holds the texts of the legal pages.
	Legal LegalTexts
	// MetricsAccess limits who may read /metrics.
	MetricsAccess MetricsAccess

	// Hasher defaults to argon2id; tests count its calls.
	Hasher Hasher
	// Now defaults to time.Now.
	Now func() time.Time
	// MailQueued, when set, is called after a mail was queued, so that
	// the sender can deliver it soon.
	MailQueued func()

	// Trigger, when set, starts a run of the named job now; the console
	// offers it for each name in Jobs.
	Trigger func(job string) error
	// Jobs are the names of the scheduled jobs.
	Jobs []string
	// LetterSender is the chamber's return address in one line, printed
	// above the recipient in the window of the activation letters. When
	// empty, the letters print a generic line from the catalogue.
	LetterSender string
}

// LegalTexts are the chamber's texts of the legal pages; blank lines
// separate paragraphs. AccessibilityContact takes reports of barriers.
type LegalTexts struct {
	Imprint, Privacy, Accessibility, AccessibilityContact string
}

// Server holds what the handlers of the panel share.
type Server struct {
	opts    Options
	store   *store.Store
	log     *slog.Logger
	hasher  Hasher
	now     func() time.Time
	pages   map[string]*template.Template
	csrfKey []byte
	metrics *metrics

	// trainees keeps the trainee lists of recently visited companies.
	trainees *store.TraineeLists
}

// traineeListContracts bounds the contracts of the trainee lists that a
// panel process keeps in memory, an estimated few hundred bytes each.
const traineeListContracts = 200_000

// New returns the Fiber app with every route of the panel. It reads the
// panel's keys from the database, creating them on first start, and parses
// every template, so that a broken one stops the start.
func New(ctx context.Context, opts Options) (*fiber.App, error) {
	if opts.Store == nil || opts.Logger == nil || opts.Gatherer == nil || opts.Registerer == nil {
		return nil, errors.New("panel: store, logger, gatherer and registerer are required")
	}
	s := &Server{opts: opts, store: opts.Store, log: opts.Logger, hasher: opts.Hasher, now: opts.Now,
		trainees: store.NewTraineeLists(opts.Store, traineeListContracts)}
	if s.hasher == nil {
		h, err := credential.NewHasher(credential.HasherOptions{})
		if err != nil {
			return nil, fmt.Errorf("panel: %w", err)
		}
		s.hasher = h
	}
	if s.now == nil {
		s.now = time.Now
	}

	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.csrfKey, err = opts.Store.PanelKey(ctx, "csrf"); err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	if s.metrics, err = newMetrics(opts.Registerer); err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	if err := opts.Registerer.Register(newPauseCollector(opts.Store)); err != nil {
		return nil, fmt.Errorf("panel: register pause metrics: %w", err)
	}
	return s.app(), nil
}

// app builds the Fiber app: settings, middleware and the route table.
func (s *Server) app() *fiber.App {
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		BodyLimit:             64 << 10,
		// Strings from a request stay valid after it, as metrics labels and
		// logs keep some of them.
		Immutable:    true,
		ErrorHandler: s.handleError,
	})
	app.Use(s.observe, s.secureHeaders)
	s.routes(app)
	app.Use(s.notFound)
	return app
}
