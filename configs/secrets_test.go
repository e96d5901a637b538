package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSecret writes content to a file in a new temporary folder and
// returns its path.
func writeSecret(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSecretFiles(t *testing.T) {
	tests := []struct {
		name    string
		env     string // variable without _FILE
		content string
		get     func(c *Config) string
		want    string
	}{
		{"database url", "ASTA_DATABASE_URL", "postgres://asta:pw@db/asta\n",
			func(c *Config) string { return c.Database }, "postgres://asta:pw@db/asta"},
		{"mail password", "ASTA_MAIL_PASSWORD", "smtp-pw\n", func(c *Config) string { return c.Mail.Password },
			"smtp-pw"},
		{"scim token", "ASTA_RECONCILE_SCIM_TOKEN", "scim-token",
			func(c *Config) string { return c.Reconcile.SCIMToken }, "scim-token"},
		{"metrics token", "ASTA_METRICS_TOKEN", "metrics-token\r\n",
			func(c *Config) string { return c.Metrics.Token }, "metrics-token"},
		{"metrics password", "ASTA_METRICS_PASSWORD", "  spaced pw \n",
			func(c *Config) string { return c.Metrics.Password }, "  spaced pw "},
		{"only one line break trimmed", "ASTA_MAIL_PASSWORD", "pw\n\n",
			func(c *Config) string { return c.Mail.Password }, "pw\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			environ := []string{tt.env + "_FILE=" + writeSecret(t, tt.content)}
			if tt.env == "ASTA_METRICS_PASSWORD" {
				environ = append(environ, "ASTA_METRICS_USERNAME=prometheus")
			}
			cfg, err := Load("", environ)
			if err != nil {
				t.Fatalf("Load with %s_FILE: %v", tt.env, err)
			}
			if got := tt.get(&cfg); got != tt.want {
				t.Errorf("value from %s_FILE = %q, want %q", tt.env, got, tt.want)
			}
		})
	}
}

func TestSecretFileErrors(t *testing.T) {
	secret := writeSecret(t, "pw\n")
	tests := []struct {
		name    string
		env     []string
		mention []string
	}{
		{name: "variable and file", env: []string{"ASTA_MAIL_PASSWORD=pw", "ASTA_MAIL_PASSWORD_FILE=" + secret},
			mention: []string{"ASTA_MAIL_PASSWORD ", "ASTA_MAIL_PASSWORD_FILE", "only one"}},
		{name: "file before variable", env: []string{"ASTA_DATABASE_URL_FILE=" + secret, "ASTA_DATABASE_URL=x.db"},
			mention: []string{"ASTA_DATABASE_URL ", "ASTA_DATABASE_URL_FILE"}},
		{name: "missing file", env: []string{"ASTA_RECONCILE_SCIM_TOKEN_FILE=/nonexistent/token"},
			mention: []string{"ASTA_RECONCILE_SCIM_TOKEN_FILE", "/nonexistent/token"}},
		{name: "empty file", env: []string{"ASTA_METRICS_TOKEN_FILE=" + writeSecret(t, "\n")},
			mention: []string{"ASTA_METRICS_TOKEN_FILE", "empty"}},
		{name: "no path", env: []string{"ASTA_METRICS_TOKEN_FILE="},
			mention: []string{"ASTA_METRICS_TOKEN_FILE", "no file"}},
		{name: "option that is no secret", env: []string{"ASTA_LISTEN_FILE=" + secret},
			mention: []string{"unknown environment variable ASTA_LISTEN_FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", tt.env)
			if err == nil {
				t.Fatalf("Load with %v succeeded, want an error", tt.env)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}
