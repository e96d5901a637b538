package configs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeConfig writes content to a configuration file in a new temporary
// folder and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "astad.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigDefaults(t *testing.T) {
	got, err := Load("", nil)
	if err != nil {
		t.Fatalf("Load without file and environment: %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Load without file and environment = %+v, want Default() %+v", got, want)
	}

	def := Default()
	if err := def.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v, want nil", err)
	}
	if got := def.Location().String(); got != "Europe/Berlin" {
		t.Errorf("Default().Location() = %s, want Europe/Berlin", got)
	}
}

func TestConfigShippedFileEqualsDefaults(t *testing.T) {
	got, err := Load("astad.yaml", nil)
	if err != nil {
		t.Fatalf("load the shipped astad.yaml: %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("shipped astad.yaml = %+v\nwant Default() %+v\nupdate one of them so that the documented defaults hold",
			got, want)
	}
}

func TestConfigEmptyFile(t *testing.T) {
	got, err := Load(writeConfig(t, "# only a comment\n"), nil)
	if err != nil {
		t.Fatalf("Load of an empty file: %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Load of an empty file = %+v, want Default()", got)
	}
}

func TestConfigMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(path, nil)
	if err == nil {
		t.Fatal("Load of a missing file succeeded, want an error")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file %s", err, path)
	}
}

func TestConfigFileOverrides(t *testing.T) {
	path := writeConfig(t, `
database: postgres://asta@db:5432/asta
listen: 0.0.0.0:9090
timezone: UTC
log_level: debug
log_format: json
shutdown_timeout: 90s
import:
  inbox: /srv/asta/inbox
  schedule: "@every 10m"
  encoding: windows-1252
  incomplete_after: 2h
  reject_share: 0.2
  reject_count: 3
  hold_share: 0.5
  hold_count: 100
  max_ahead: 48h
`)
	got, err := Load(path, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		Database:        "postgres://asta@db:5432/asta",
		Listen:          "0.0.0.0:9090",
		Timezone:        "UTC",
		LogLevel:        "debug",
		LogFormat:       "json",
		ShutdownTimeout: 90 * time.Second,
		Import: Import{
			Inbox:           "/srv/asta/inbox",
			Schedule:        "@every 10m",
			Encoding:        "windows-1252",
			IncompleteAfter: 2 * time.Hour,
			RejectShare:     0.2,
			RejectCount:     3,
			HoldShare:       0.5,
			HoldCount:       100,
			MaxAhead:        48 * time.Hour,
		},
	}
	def := Default() // the file leaves the other sections at their defaults
	want.PanelURL, want.Mail, want.Reconcile, want.Notify = def.PanelURL, def.Mail, def.Reconcile, def.Notify
	want.Panel, want.Report, want.Metrics, want.Retention = def.Panel, def.Report, def.Metrics, def.Retention
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %+v\nwant %+v", got, want)
	}
}

func TestConfigPartialFileKeepsDefaults(t *testing.T) {
	got, err := Load(writeConfig(t, "import:\n  hold_count: 50\n"), nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Default()
	want.Import.HoldCount = 50
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %+v\nwant %+v", got, want)
	}
}

func TestConfigEnvironment(t *testing.T) {
	tests := []struct {
		name  string
		env   string
		apply func(c *Config) // the change to Default() that env makes
	}{
		{"database", "ASTA_DATABASE_URL=postgres://asta@db/asta", func(c *Config) { c.Database = "postgres://asta@db/asta" }},
		{"listen", "ASTA_LISTEN=0.0.0.0:80", func(c *Config) { c.Listen = "0.0.0.0:80" }},
		{"timezone", "ASTA_TIMEZONE=UTC", func(c *Config) { c.Timezone = "UTC" }},
		{"log level", "ASTA_LOG_LEVEL=warn", func(c *Config) { c.LogLevel = "warn" }},
		{"log format", "ASTA_LOG_FORMAT=json", func(c *Config) { c.LogFormat = "json" }},
		{"shutdown timeout", "ASTA_SHUTDOWN_TIMEOUT=2m", func(c *Config) { c.ShutdownTimeout = 2 * time.Minute }},
		{"inbox", "ASTA_INBOX=/tmp/inbox", func(c *Config) { c.Import.Inbox = "/tmp/inbox" }},
		{"mailbox", "ASTA_MAIL_MAILBOX=/tmp/mailbox", func(c *Config) { c.Mail.Mailbox = "/tmp/mailbox" }},
		{"no mailbox", "ASTA_MAIL_MAILBOX=", func(c *Config) { c.Mail.Mailbox = "" }},
		{"schedule", "ASTA_IMPORT_SCHEDULE=@every 1s", func(c *Config) { c.Import.Schedule = "@every 1s" }},
		{"encoding", "ASTA_IMPORT_ENCODING=utf-8", func(c *Config) { c.Import.Encoding = "utf-8" }},
		{"incomplete after", "ASTA_IMPORT_INCOMPLETE_AFTER=15m",
			func(c *Config) { c.Import.IncompleteAfter = 15 * time.Minute }},
		{"reject share", "ASTA_IMPORT_REJECT_SHARE=0.25", func(c *Config) { c.Import.RejectShare = 0.25 }},
		{"reject count", "ASTA_IMPORT_REJECT_COUNT=0", func(c *Config) { c.Import.RejectCount = 0 }},
		{"hold share", "ASTA_IMPORT_HOLD_SHARE=1", func(c *Config) { c.Import.HoldShare = 1 }},
		{"hold count", "ASTA_IMPORT_HOLD_COUNT=7", func(c *Config) { c.Import.HoldCount = 7 }},
		{"value with equals sign", "ASTA_DATABASE_URL=postgres://db/asta?sslmode=disable",
			func(c *Config) { c.Database = "postgres://db/asta?sslmode=disable" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load("", []string{"HOME=/root", tt.env})
			if err != nil {
				t.Fatalf("Load with %s: %v", tt.env, err)
			}
			want := Default()
			tt.apply(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load with %s = %+v\nwant %+v", tt.env, got, want)
			}
		})
	}
}

func TestConfigEnvironmentOverridesFile(t *testing.T) {
	path := writeConfig(t, `
listen: 0.0.0.0:9090
log_level: debug
import:
  inbox: /from/file
  hold_count: 50
`)
	got, err := Load(path, []string{"ASTA_LISTEN=127.0.0.1:7070", "ASTA_IMPORT_HOLD_COUNT=5"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Default()
	want.Listen = "127.0.0.1:7070"   // file and environment: the environment wins
	want.Import.HoldCount = 5        // file and environment: the environment wins
	want.LogLevel = "debug"          // file only
	want.Import.Inbox = "/from/file" // file only
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %+v\nwant %+v", got, want)
	}
}

func TestConfigUnknownFileKey(t *testing.T) {
	tests := []struct {
		name    string
		content string
		option  string
	}{
		{"top level", "listen: 127.0.0.1:8080\nlisten_port: 8080\n", "listen_port"},
		{"in import", "import:\n  inbox: data/inbox\n  inbox_dir: x\n", "import.inbox_dir"},
		{"import option at top level", "hold_count: 5\n", "hold_count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			_, err := Load(path, nil)
			if err == nil {
				t.Fatalf("Load of %q succeeded, want an error naming %s", tt.content, tt.option)
			}
			if !strings.Contains(err.Error(), tt.option) {
				t.Errorf("error %q does not name the option %s", err, tt.option)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file %s", err, path)
			}
		})
	}
}

func TestConfigUnknownEnvironmentVariable(t *testing.T) {
	_, err := Load("", []string{"ASTA_LISTEN=127.0.0.1:8080", "ASTA_LISTEN_PORT=8080"})
	if err == nil {
		t.Fatal("Load with ASTA_LISTEN_PORT succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "ASTA_LISTEN_PORT") {
		t.Errorf("error %q does not name ASTA_LISTEN_PORT", err)
	}
}

func TestConfigIgnoredEnvironmentVariables(t *testing.T) {
	environ := []string{
		"ASTA_CONFIG=/etc/astad.yaml",
		"ASTA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1/test",
		"ASTA_TEST_REQUIRE_ALL=1",
		"PATH=/usr/bin",
		"LISTEN=0.0.0.0:1", // no ASTA_ prefix
		"NOEQUALSSIGN",
	}
	got, err := Load("", environ)
	if err != nil {
		t.Fatalf("Load with variables that are no options: %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %+v, want Default()", got)
	}
}

func TestConfigInvalidValues(t *testing.T) {
	tests := []struct {
		name    string
		file    string   // content of the configuration file, if any
		env     []string // environment
		mention []string // what the error must name: the option and the value
	}{
		{name: "schedule in file", file: "import:\n  schedule: every five minutes\n",
			mention: []string{"import.schedule", "every five minutes"}},
		{name: "schedule with six fields", env: []string{"ASTA_IMPORT_SCHEDULE=0 */5 * * * *"},
			mention: []string{"import.schedule", "0 */5 * * * *"}},
		{name: "schedule interval below one second", env: []string{"ASTA_IMPORT_SCHEDULE=@every 500ms"},
			mention: []string{"import.schedule", "@every 500ms"}},
		{name: "schedule with time zone prefix", env: []string{"ASTA_IMPORT_SCHEDULE=CRON_TZ=UTC */5 * * * *"},
			mention: []string{"import.schedule", "CRON_TZ=UTC"}},
		{name: "timezone in file", file: "timezone: Europe/Bonn\n",
			mention: []string{"timezone", "Europe/Bonn"}},
		{name: "timezone in environment", env: []string{"ASTA_TIMEZONE=CEST+1"},
			mention: []string{"timezone", "CEST+1"}},
		{name: "duration in file", file: "shutdown_timeout: soon\n",
			mention: []string{"shutdown_timeout", "soon"}},
		{name: "duration without unit in file", file: "import:\n  incomplete_after: 60\n",
			mention: []string{"import.incomplete_after", "60"}},
		{name: "duration in environment", env: []string{"ASTA_SHUTDOWN_TIMEOUT=30"},
			mention: []string{"ASTA_SHUTDOWN_TIMEOUT", `"30"`}},
		{name: "zero duration", env: []string{"ASTA_IMPORT_INCOMPLETE_AFTER=0s"},
			mention: []string{"import.incomplete_after", "0s"}},
		{name: "negative shutdown timeout", file: "shutdown_timeout: -5s\n",
			mention: []string{"shutdown_timeout", "-5s"}},
		{name: "reject share above 1", file: "import:\n  reject_share: 1.5\n",
			mention: []string{"import.reject_share", "1.5"}},
		{name: "hold share above 1", env: []string{"ASTA_IMPORT_HOLD_SHARE=10"},
			mention: []string{"import.hold_share", "10"}},
		{name: "negative share", env: []string{"ASTA_IMPORT_REJECT_SHARE=-0.1"},
			mention: []string{"import.reject_share", "-0.1"}},
		{name: "share as percentage", env: []string{"ASTA_IMPORT_HOLD_SHARE=10%"},
			mention: []string{"ASTA_IMPORT_HOLD_SHARE", "10%"}},
		{name: "share not a number in file", file: "import:\n  hold_share: ten\n",
			mention: []string{"import.hold_share", "ten"}},
		{name: "negative reject count", file: "import:\n  reject_count: -1\n",
			mention: []string{"import.reject_count", "-1"}},
		{name: "negative hold count", env: []string{"ASTA_IMPORT_HOLD_COUNT=-3"},
			mention: []string{"import.hold_count", "-3"}},
		{name: "count not a number", env: []string{"ASTA_IMPORT_REJECT_COUNT=ten"},
			mention: []string{"ASTA_IMPORT_REJECT_COUNT", "ten"}},
		{name: "encoding in file", file: "import:\n  encoding: latin-9\n",
			mention: []string{"import.encoding", "latin-9"}},
		{name: "encoding in environment", env: []string{"ASTA_IMPORT_ENCODING=ebcdic"},
			mention: []string{"import.encoding", "ebcdic"}},
		{name: "log level in file", file: "log_level: verbose\n",
			mention: []string{"log_level", "verbose"}},
		{name: "log level in environment", env: []string{"ASTA_LOG_LEVEL=trace"},
			mention: []string{"log_level", "trace"}},
		{name: "log format", env: []string{"ASTA_LOG_FORMAT=logfmt"},
			mention: []string{"log_format", "logfmt"}},
		{name: "empty database", env: []string{"ASTA_DATABASE_URL="},
			mention: []string{"database"}},
		{name: "empty listen", file: "listen: \"\"\n",
			mention: []string{"listen"}},
		{name: "empty inbox", env: []string{"ASTA_INBOX="},
			mention: []string{"import.inbox"}},
		{name: "list for a text option", file: "listen: [a, b]\n",
			mention: []string{"listen"}},
		{name: "mailbox is the inbox", env: []string{"ASTA_MAIL_MAILBOX=data/inbox/"},
			mention: []string{"mail.mailbox", "data/inbox/", "import.inbox"}},
		{name: "mailbox inside the inbox", file: "import:\n  inbox: /srv/in\nmail:\n  mailbox: /srv/in/mails\n",
			mention: []string{"mail.mailbox", "/srv/in/mails", "import.inbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			_, err := Load(path, tt.env)
			if err == nil {
				t.Fatalf("Load succeeded, want an error naming %q", tt.mention)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not name %q", err, m)
				}
			}
			if path != "" && !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file %s", err, path)
			}
		})
	}
}

func TestConfigMailboxOutsideInbox(t *testing.T) {
	tests := []struct {
		name string
		env  []string
	}{
		{name: "default folders", env: nil},
		{name: "name starting like the inbox", env: []string{"ASTA_INBOX=/srv/in", "ASTA_MAIL_MAILBOX=/srv/inbox-mails"}},
		{name: "inside the inbox with a host", env: []string{"ASTA_INBOX=/srv/in", "ASTA_MAIL_MAILBOX=/srv/in/mails",
			"ASTA_MAIL_HOST=smtp.example.org"}},
		{name: "no mailbox", env: []string{"ASTA_MAIL_MAILBOX="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load("", tt.env); err != nil {
				t.Errorf("Load with %q: %v", tt.env, err)
			}
		})
	}
}
