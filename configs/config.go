// Package configs loads astad's configuration from a YAML file and from
// ASTA_* environment variables, which override the file. The file
// astad.yaml in this folder lists every option with its default.
package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"asta/jobs/chambercsv"
	"asta/jobs/scheduler"
)

// Config is astad's whole configuration.
type Config struct {
	Database        string        `yaml:"database"`
	Listen          string        `yaml:"listen"`
	Timezone        string        `yaml:"timezone"`
	LogLevel        string        `yaml:"log_level"`
	LogFormat       string        `yaml:"log_format"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	PanelURL        string        `yaml:"panel_url"`
	Import          Import        `yaml:"import"`
	Mail            Mail          `yaml:"mail"`
	Reconcile       Reconcile     `yaml:"reconcile"`
	Notify          Notify        `yaml:"notify"`
	Report          Report        `yaml:"report"`
	Retention       Retention     `yaml:"retention"`
	Panel           Panel         `yaml:"panel"`
	Metrics         Metrics       `yaml:"metrics"`
}

// Mail configures the SMTP server that the outbox's mails go to, or the
// mailbox folder that they are written to when no SMTP host is set.
type Mail struct {
	Host           string        `yaml:"host"`
	Mailbox        string        `yaml:"mailbox"`
	Port           int           `yaml:"port"`
	TLS            string        `yaml:"tls"`
	Username       string        `yaml:"username"`
	Password       string        `yaml:"password"`
	From           string        `yaml:"from"`
	FromName       string        `yaml:"from_name"`
	Schedule       string        `yaml:"schedule"`
	Rate           float64       `yaml:"rate"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	SendTimeout    time.Duration `yaml:"send_timeout"`
}

// Reconcile configures the reading of the trainee account directory.
type Reconcile struct {
	Source    string        `yaml:"source"`
	Folder    string        `yaml:"folder"`
	SCIMURL   string        `yaml:"scim_url"`
	SCIMToken string        `yaml:"scim_token"`
	Timeout   time.Duration `yaml:"timeout"`
	Schedule  string        `yaml:"schedule"`
	HoldShare float64       `yaml:"hold_share"`
}

// Notify configures the mails about exam registrations.
type Notify struct {
	Schedule     string `yaml:"schedule"`
	ReminderDays int    `yaml:"reminder_days"`
}

// Import configures the import job.
type Import struct {
	Inbox           string        `yaml:"inbox"`
	Schedule        string        `yaml:"schedule"`
	Encoding        string        `yaml:"encoding"`
	IncompleteAfter time.Duration `yaml:"incomplete_after"`
	RejectShare     float64       `yaml:"reject_share"`
	RejectCount     int           `yaml:"reject_count"`
	HoldShare       float64       `yaml:"hold_share"`
	HoldCount       int           `yaml:"hold_count"`
	MaxAhead        time.Duration `yaml:"max_ahead"`
}

// Default returns the configuration that applies when neither a file nor
// the environment sets an option.
func Default() Config {
	return Config{
		Database:        "data/asta.db",
		Listen:          "127.0.0.1:8080",
		Timezone:        "Europe/Berlin",
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 30 * time.Second,
		PanelURL:        "http://127.0.0.1:8080",
		Mail: Mail{
			Mailbox: "data/mailbox", Port: 587, TLS: "starttls", From: "ausbildung@example.invalid", FromName: "Ausbildungsportal",
			Schedule: "@every 1m", Rate: 10, ConnectTimeout: 30 * time.Second, SendTimeout: 2 * time.Minute,
		},
		Reconcile: Reconcile{
			Source: "none", Folder: "data/accounts", Timeout: 30 * time.Second, Schedule: "15 * * * *",
			HoldShare: 0.10,
		},
		Notify: Notify{Schedule: "0 7 * * *", ReminderDays: 7},
		Report: Report{Folder: "data/return", Schedule: "*/15 * * * *"},
		Retention: Retention{
			Schedule: "30 3 * * *", TraineeYears: 3, RejectedRecordsAfter: 90 * 24 * time.Hour,
			MailBodiesAfter: 7 * 24 * time.Hour, AuditDetailsAfter: 365 * 24 * time.Hour,
		},
		Panel: Panel{
			TrustedProxies: []string{},
			SessionIdle:    30 * time.Minute, SessionMax: 12 * time.Hour, PurgeUnconfirmedAfter: 7 * 24 * time.Hour,
			PurgeSchedule: "40 * * * *",
			ExamContact:   "die Prüfungsabteilung Ihrer Kammer",
			Legal: Legal{
				Imprint:              defaultImprint,
				Privacy:              defaultPrivacy,
				Accessibility:        defaultAccessibility,
				AccessibilityContact: "barrierefreiheit@example.invalid",
			},
		},
		Metrics: Metrics{AllowedNetworks: []string{}},
		Import: Import{
			Inbox:           "data/inbox",
			Schedule:        "*/5 * * * *",
			Encoding:        "auto",
			IncompleteAfter: time.Hour,
			RejectShare:     0.05,
			RejectCount:     10,
			HoldShare:       0.10,
			HoldCount:       20,
			MaxAhead:        24 * time.Hour,
		},
	}
}

// Load returns the defaults overridden by the file at path, if path is not
// empty, and then by the environment as environ lists it ("KEY=value").
// It fails on an unknown option or an invalid value and names it.
func Load(path string, environ []string) (Config, error) {
	cfg := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) { // an empty file is fine
			return cfg, fmt.Errorf("config file %s: %w", path, nameOptions(b, err))
		}
	}

	if err := cfg.applyEnv(environ); err != nil {
		return cfg, err
	}

	if err := cfg.Validate(); err != nil {
		if path != "" {
			return cfg, fmt.Errorf("config file %s: %w", path, err)
		}
		return cfg, err
	}
	return cfg, nil
}

// nameOptions adds the option to each message of a YAML type error, which
// names only the line and the Go type ("line 3: cannot unmarshal !!str
// `soon` into time.Duration"). Other errors are returned as they are.
func nameOptions(src []byte, err error) error {
	var te *yaml.TypeError
	var doc yaml.Node
	if !errors.As(err, &te) || yaml.Unmarshal(src, &doc) != nil {
		return err
	}
	options := make(map[int]string) // line → dotted option name
	collectOptions(&doc, "", options)

	named := &yaml.TypeError{Errors: make([]string, len(te.Errors))}
	for i, msg := range te.Errors {
		var line int
		if _, serr := fmt.Sscanf(msg, "line %d:", &line); serr == nil && options[line] != "" {
			prefix := fmt.Sprintf("line %d:", line)
			msg = prefix + " " + options[line] + ":" + strings.TrimPrefix(msg, prefix)
		}
		named.Errors[i] = msg
	}
	return named
}

// collectOptions records the dotted name of each option under n by the
// lines of its key and value. A nested option's line overwrites its
// parent's, so that the innermost option on a line wins.
func collectOptions(n *yaml.Node, prefix string, options map[int]string) {
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			collectOptions(c, prefix, options)
		}
		return
	}

	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		name := prefix + key.Value
		options[key.Line] = name
		options[value.Line] = name
		collectOptions(value, name+".", options)
	}
}

// envOptions maps each environment variable to the option it sets.
var envOptions = map[string]func(c *Config, v string) error{
	"ASTA_DATABASE_URL":            func(c *Config, v string) error { c.Database = v; return nil },
	"ASTA_LISTEN":                  func(c *Config, v string) error { c.Listen = v; return nil },
	"ASTA_TIMEZONE":                func(c *Config, v string) error { c.Timezone = v; return nil },
	"ASTA_LOG_LEVEL":               func(c *Config, v string) error { c.LogLevel = v; return nil },
	"ASTA_LOG_FORMAT":              func(c *Config, v string) error { c.LogFormat = v; return nil },
	"ASTA_SHUTDOWN_TIMEOUT":        durationEnv(func(c *Config) *time.Duration { return &c.ShutdownTimeout }),
	"ASTA_INBOX":                   func(c *Config, v string) error { c.Import.Inbox = v; return nil },
	"ASTA_IMPORT_SCHEDULE":         func(c *Config, v string) error { c.Import.Schedule = v; return nil },
	"ASTA_IMPORT_ENCODING":         func(c *Config, v string) error { c.Import.Encoding = v; return nil },
	"ASTA_IMPORT_INCOMPLETE_AFTER": durationEnv(func(c *Config) *time.Duration { return &c.Import.IncompleteAfter }),
	"ASTA_IMPORT_REJECT_SHARE":     floatEnv(func(c *Config) *float64 { return &c.Import.RejectShare }),
	"ASTA_IMPORT_REJECT_COUNT":     intEnv(func(c *Config) *int { return &c.Import.RejectCount }),
	"ASTA_IMPORT_HOLD_SHARE":       floatEnv(func(c *Config) *float64 { return &c.Import.HoldShare }),
	"ASTA_IMPORT_HOLD_COUNT":       intEnv(func(c *Config) *int { return &c.Import.HoldCount }),
	"ASTA_IMPORT_MAX_AHEAD":        durationEnv(func(c *Config) *time.Duration { return &c.Import.MaxAhead }),
	"ASTA_PANEL_URL":               func(c *Config, v string) error { c.PanelURL = v; return nil },
	"ASTA_MAIL_HOST":               func(c *Config, v string) error { c.Mail.Host = v; return nil },
	"ASTA_MAIL_MAILBOX":            func(c *Config, v string) error { c.Mail.Mailbox = v; return nil },
	"ASTA_MAIL_PORT":               intEnv(func(c *Config) *int { return &c.Mail.Port }),
	"ASTA_MAIL_TLS":                func(c *Config, v string) error { c.Mail.TLS = v; return nil },
	"ASTA_MAIL_USERNAME":           func(c *Config, v string) error { c.Mail.Username = v; return nil },
	"ASTA_MAIL_PASSWORD":           func(c *Config, v string) error { c.Mail.Password = v; return nil },
	"ASTA_MAIL_FROM":               func(c *Config, v string) error { c.Mail.From = v; return nil },
	"ASTA_MAIL_FROM_NAME":          func(c *Config, v string) error { c.Mail.FromName = v; return nil },
	"ASTA_MAIL_SCHEDULE":           func(c *Config, v string) error { c.Mail.Schedule = v; return nil },
	"ASTA_MAIL_RATE":               floatEnv(func(c *Config) *float64 { return &c.Mail.Rate }),
	"ASTA_RECONCILE_SOURCE":        func(c *Config, v string) error { c.Reconcile.Source = v; return nil },
	"ASTA_RECONCILE_FOLDER":        func(c *Config, v string) error { c.Reconcile.Folder = v; return nil },
	"ASTA_RECONCILE_SCIM_URL":      func(c *Config, v string) error { c.Reconcile.SCIMURL = v; return nil },
	"ASTA_RECONCILE_SCIM_TOKEN":    func(c *Config, v string) error { c.Reconcile.SCIMToken = v; return nil },
	"ASTA_RECONCILE_SCHEDULE":      func(c *Config, v string) error { c.Reconcile.Schedule = v; return nil },
	"ASTA_RECONCILE_HOLD_SHARE":    floatEnv(func(c *Config) *float64 { return &c.Reconcile.HoldShare }),
	"ASTA_NOTIFY_SCHEDULE":         func(c *Config, v string) error { c.Notify.Schedule = v; return nil },
	"ASTA_NOTIFY_REMINDER_DAYS":    intEnv(func(c *Config) *int { return &c.Notify.ReminderDays }),
	"ASTA_RETENTION_SCHEDULE":      func(c *Config, v string) error { c.Retention.Schedule = v; return nil },
	"ASTA_RETENTION_TRAINEE_YEARS": intEnv(func(c *Config) *int { return &c.Retention.TraineeYears }),
	"ASTA_RETENTION_REJECTED_RECORDS_AFTER": durationEnv(func(c *Config) *time.Duration {
		return &c.Retention.RejectedRecordsAfter
	}),
	"ASTA_RETENTION_MAIL_BODIES_AFTER": durationEnv(func(c *Config) *time.Duration {
		return &c.Retention.MailBodiesAfter
	}),
	"ASTA_RETENTION_AUDIT_DETAILS_AFTER": durationEnv(func(c *Config) *time.Duration {
		return &c.Retention.AuditDetailsAfter
	}),
	"ASTA_REPORT_FOLDER":         func(c *Config, v string) error { c.Report.Folder = v; return nil },
	"ASTA_REPORT_SCHEDULE":       func(c *Config, v string) error { c.Report.Schedule = v; return nil },
	"ASTA_PANEL_EXAM_CONTACT":    func(c *Config, v string) error { c.Panel.ExamContact = v; return nil },
	"ASTA_PANEL_LETTER_SENDER":   func(c *Config, v string) error { c.Panel.LetterSender = v; return nil },
	"ASTA_PANEL_TRUSTED_PROXIES": listEnv(func(c *Config) *[]string { return &c.Panel.TrustedProxies }),
	"ASTA_PANEL_SESSION_IDLE":    durationEnv(func(c *Config) *time.Duration { return &c.Panel.SessionIdle }),
	"ASTA_PANEL_SESSION_MAX":     durationEnv(func(c *Config) *time.Duration { return &c.Panel.SessionMax }),
	"ASTA_PANEL_PURGE_UNCONFIRMED_AFTER": durationEnv(func(c *Config) *time.Duration {
		return &c.Panel.PurgeUnconfirmedAfter
	}),
	"ASTA_PANEL_PURGE_SCHEDULE": func(c *Config, v string) error { c.Panel.PurgeSchedule = v; return nil },
	"ASTA_PANEL_CONTRACT_MANAGEMENT_URL": func(c *Config, v string) error {
		c.Panel.ContractManagementURL = v
		return nil
	},
	"ASTA_PANEL_LEGAL_IMPRINT":       func(c *Config, v string) error { c.Panel.Legal.Imprint = v; return nil },
	"ASTA_PANEL_LEGAL_PRIVACY":       func(c *Config, v string) error { c.Panel.Legal.Privacy = v; return nil },
	"ASTA_PANEL_LEGAL_ACCESSIBILITY": func(c *Config, v string) error { c.Panel.Legal.Accessibility = v; return nil },
	"ASTA_PANEL_LEGAL_ACCESSIBILITY_CONTACT": func(c *Config, v string) error {
		c.Panel.Legal.AccessibilityContact = v
		return nil
	},
	"ASTA_METRICS_ALLOWED_NETWORKS": listEnv(func(c *Config) *[]string { return &c.Metrics.AllowedNetworks }),
	"ASTA_METRICS_TOKEN":            func(c *Config, v string) error { c.Metrics.Token = v; return nil },
	"ASTA_METRICS_USERNAME":         func(c *Config, v string) error { c.Metrics.Username = v; return nil },
	"ASTA_METRICS_PASSWORD":         func(c *Config, v string) error { c.Metrics.Password = v; return nil },
}

// envIgnored lists ASTA_* variables that are not options: the config
// file's path and the test suite's settings.
func envIgnored(key string) bool {
	return key == "ASTA_CONFIG" || strings.HasPrefix(key, "ASTA_TEST_")
}

func (c *Config) applyEnv(environ []string) error {
	environ, err := resolveSecretFiles(environ)
	if err != nil {
		return err
	}
	for _, kv := range environ {
		key, val, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(key, "ASTA_") || envIgnored(key) {
			continue
		}
		set, ok := envOptions[key]
		if !ok {
			return fmt.Errorf("unknown environment variable %s: see configs/astad.yaml for the options", key)
		}
		if err := set(c, val); err != nil {
			return fmt.Errorf("environment variable %s: %w", key, err)
		}
	}
	return nil
}

func durationEnv(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("invalid duration %q: use a number with a unit, such as 30s or 5m", v)
		}
		*field(c) = d
		return nil
	}
}

func floatEnv(field func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("invalid number %q: use a fraction such as 0.05", v)
		}
		*field(c) = f
		return nil
	}
}

func intEnv(field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("invalid whole number %q", v)
		}
		*field(c) = n
		return nil
	}
}

// Validate checks every option and names the first invalid one.
func (c *Config) Validate() error {
	if c.Database == "" {
		return errors.New("database is empty: set a postgres:// URL or a SQLite file path")
	}

	if c.Listen == "" {
		return errors.New("listen is empty: set an address such as 127.0.0.1:8080")
	}

	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return fmt.Errorf("timezone %q is unknown: use an IANA name such as Europe/Berlin", c.Timezone)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("log_level %q is invalid: use debug, info, warn or error", c.LogLevel)
	}

	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log_format %q is invalid: use text or json", c.LogFormat)
	}

	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("shutdown_timeout %s must be positive", c.ShutdownTimeout)
	}

	if u, err := url.Parse(c.PanelURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("panel_url %q is invalid: use the address users open, such as https://portal.example.org",
			c.PanelURL)
	}

	if err := c.Import.validate(c.Location()); err != nil {
		return err
	}

	if err := c.Mail.validate(c.Location()); err != nil {
		return err
	}

	if c.Mail.Host == "" && c.Mail.Mailbox != "" && within(c.Mail.Mailbox, c.Import.Inbox) {
		return fmt.Errorf("mail.mailbox %q is inside import.inbox %q, where the import would take it for a package: "+
			"choose a folder outside the inbox", c.Mail.Mailbox, c.Import.Inbox)
	}

	if err := c.Reconcile.validate(c.Location()); err != nil {
		return err
	}

	if _, err := scheduler.Parse(c.Notify.Schedule, c.Location()); err != nil {
		return fmt.Errorf("notify.schedule %q is invalid: %w", c.Notify.Schedule, err)
	}

	if c.Notify.ReminderDays < 1 {
		return fmt.Errorf("notify.reminder_days %d must be at least 1", c.Notify.ReminderDays)
	}
	if err := c.Retention.validate(c.Location()); err != nil {
		return err
	}

	if err := c.Report.validate(c.Location()); err != nil {
		return err
	}

	if err := c.Metrics.validate(); err != nil {
		return err
	}
	return c.Panel.validate(c.Location())
}

// within reports whether path is dir or lies inside it, comparing the
// paths after making them absolute.
func within(path, dir string) bool {
	p, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	d, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func (m *Mail) validate(loc *time.Location) error {
	switch m.TLS {
	case "starttls", "tls", "none":
	default:
		return fmt.Errorf("mail.tls %q is invalid: use starttls, tls or none", m.TLS)
	}

	if m.Port < 0 || m.Port > 65535 {
		return fmt.Errorf("mail.port %d is invalid", m.Port)
	}

	if strings.TrimSpace(m.FromName) == "" {
		return errors.New("mail.from_name is empty: set the name that mails are signed with, such as the chamber's")
	}

	if m.Host != "" && !strings.Contains(m.From, "@") {
		return fmt.Errorf("mail.from %q is invalid: set the sender address, such as ausbildung@kammer.de", m.From)
	}

	if _, err := scheduler.Parse(m.Schedule, loc); err != nil {
		return fmt.Errorf("mail.schedule %q is invalid: %w", m.Schedule, err)
	}

	if !(m.Rate >= 0) {
		return fmt.Errorf("mail.rate %v must not be negative: 0 sends without limit", m.Rate)
	}

	if m.ConnectTimeout <= 0 || m.SendTimeout <= 0 {
		return errors.New("mail.connect_timeout and mail.send_timeout must be positive")
	}
	return nil
}

func (r *Reconcile) validate(loc *time.Location) error {
	switch r.Source {
	case "none":
	case "csv":
		if r.Folder == "" {
			return errors.New("reconcile.folder is empty: set the folder konten.csv arrives in")
		}
	case "scim":
		if u, err := url.Parse(r.SCIMURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("reconcile.scim_url %q is invalid: set the base URL of the SCIM service", r.SCIMURL)
		}
		if r.SCIMToken == "" {
			return errors.New("reconcile.scim_token is empty: set the bearer token of the SCIM service")
		}
	default:
		return fmt.Errorf("reconcile.source %q is invalid: use none, csv or scim", r.Source)
	}

	if _, err := scheduler.Parse(r.Schedule, loc); err != nil {
		return fmt.Errorf("reconcile.schedule %q is invalid: %w", r.Schedule, err)
	}

	if !(r.HoldShare >= 0 && r.HoldShare <= 1) {
		return fmt.Errorf("reconcile.hold_share %v must be between 0 and 1", r.HoldShare)
	}

	if r.Timeout <= 0 {
		return fmt.Errorf("reconcile.timeout %s must be positive", r.Timeout)
	}
	return nil
}

func (im *Import) validate(loc *time.Location) error {
	if im.Inbox == "" {
		return errors.New("import.inbox is empty: set the folder the export packages arrive in")
	}
	// The scheduler's parser, because it rejects some specs that cron
	// accepts, such as "@every 500ms".
	if _, err := scheduler.Parse(im.Schedule, loc); err != nil {
		return fmt.Errorf("import.schedule %q is invalid: %w", im.Schedule, err)
	}

	if _, err := chambercsv.ParseEncoding(im.Encoding); err != nil {
		return fmt.Errorf("import.encoding: %w", err)
	}

	if im.IncompleteAfter <= 0 {
		return fmt.Errorf("import.incomplete_after %s must be positive", im.IncompleteAfter)
	}

	if !(im.RejectShare >= 0 && im.RejectShare <= 1) { // also rejects NaN
		return fmt.Errorf("import.reject_share %v must be between 0 and 1", im.RejectShare)
	}

	if !(im.HoldShare >= 0 && im.HoldShare <= 1) {
		return fmt.Errorf("import.hold_share %v must be between 0 and 1", im.HoldShare)
	}

	if im.RejectCount < 0 {
		return fmt.Errorf("import.reject_count %d must not be negative", im.RejectCount)
	}

	if im.HoldCount < 0 {
		return fmt.Errorf("import.hold_count %d must not be negative", im.HoldCount)
	}

	if im.MaxAhead < 0 {
		return fmt.Errorf("import.max_ahead %s must not be negative: use 0 to accept any creation time", im.MaxAhead)
	}
	return nil
}

// Location returns the configured time zone. Validate has checked it.
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}
