package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// metricName matches the metric names in a PromQL expression whose string
// literals were removed: astad's own, the process collector's and the
// scrape's up.
var metricName = regexp.MustCompile(`\b(asta_[a-z0-9_]+|process_[a-z0-9_]+|go_[a-z0-9_]+|up)\b`)

// stringLiteral matches a PromQL string literal, such as a label value.
var stringLiteral = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)

// alertExpressions returns the expression of each rule in configs/alerts.yml
// by the rule's name.
func alertExpressions(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../configs/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		t.Fatalf("parse configs/alerts.yml: %v", err)
	}
	exprs := make(map[string]string)
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			exprs["alert "+r.Alert] = r.Expr
		}
	}
	return exprs
}

// dashboardExpressions returns the query of each target of the Grafana
// dashboard by panel title and target.
func dashboardExpressions(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../configs/grafana/dashboards/asta.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("parse configs/grafana/dashboards/asta.json: %v", err)
	}
	exprs := make(map[string]string)
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs["panel "+p.Title+" "+tg.RefID] = tg.Expr
		}
	}
	return exprs
}

// queriedMetrics returns the metric names of a PromQL expression, with the
// series suffixes of a histogram kept.
func queriedMetrics(expr string) []string {
	return metricName.FindAllString(stringLiteral.ReplaceAllString(expr, `""`), -1)
}

// exportedName returns the name of the metric family that serves the
// series name, and whether astad exports it. families maps each family to
// its type, such as COUNTER or HISTOGRAM. A histogram's _bucket, _sum and
// _count series belong to the histogram.
func exportedName(name string, families map[string]string) (string, bool) {
	if name == "up" { // Prometheus records it for each scrape
		return name, true
	}
	if typ, ok := families[name]; ok {
		return name, typ != "HISTOGRAM"
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && families[base] != "" {
			return base, families[base] == "HISTOGRAM"
		}
	}
	return name, false
}

func TestQueriedMetricNames(t *testing.T) {
	for _, tt := range []struct {
		name string
		expr string
		want []string
	}{
		{"label value ignored", `sum by (job) (increase(asta_job_runs_total{outcome="asta_x"}[1h]))`,
			[]string{"asta_job_runs_total"}},
		{"histogram", `histogram_quantile(0.95, sum by (le) (rate(asta_panel_request_duration_seconds_bucket[5m])))`,
			[]string{"asta_panel_request_duration_seconds_bucket"}},
		{"up and group_left", `up{job="astad"} == 0 and on() group_left() process_start_time_seconds`,
			[]string{"up", "process_start_time_seconds"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := queriedMetrics(tt.expr); !slices.Equal(got, tt.want) {
				t.Errorf("queriedMetrics(%q) = %v, want %v", tt.expr, got, tt.want)
			}
		})
	}
}

// TestMonitoringQueriesExportedMetrics checks that every metric that the
// alert rules and the Grafana dashboard query is one that astad serve
// exports, so that a renamed metric cannot leave an alert that never
// fires. astad runs with every job, including reconcile, behind a metrics
// token, and imports a package, so that the vectors have series.
func TestMonitoringQueriesExportedMetrics(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "export-small"), os.DirFS(exportSmall)); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "metrics-token")
	if err := os.WriteFile(tokenFile, []byte("test-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	environ := []string{"ASTA_DATABASE_URL=" + filepath.Join(t.TempDir(), "asta.db"), "ASTA_LISTEN=127.0.0.1:0",
		"ASTA_INBOX=" + dir, "ASTA_IMPORT_SCHEDULE=@every 1s", "ASTA_IMPORT_MAX_AHEAD=0",
		"ASTA_MAIL_MAILBOX=" + filepath.Join(t.TempDir(), "mailbox"),
		"ASTA_RECONCILE_SOURCE=csv", "ASTA_RECONCILE_FOLDER=" + t.TempDir(),
		"ASTA_METRICS_TOKEN_FILE=" + tokenFile}
	d := startServe(t, environ)
	base := "http://" + d.address(t)

	if status, _ := get(t, base+"/metrics"); status != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token = %d, want 401", status)
	}
	if status, _ := get(t, base+"/"); status != http.StatusOK { // gives the panel's metrics series
		t.Errorf("GET / = %d, want 200", status)
	}

	var families map[string]string
	d.waitFor(t, "an applied import in /metrics", func() bool {
		families = scrape(t, base+"/metrics", "test-token")
		return families["asta_import_records_total"] != "" && families["asta_job_last_success_timestamp_seconds"] != ""
	})

	queries := alertExpressions(t)
	for k, v := range dashboardExpressions(t) {
		queries[k] = v
	}
	if len(queries) < 20 {
		t.Fatalf("found %d queries in the alert rules and the dashboard, want at least 20", len(queries))
	}
	for where, expr := range queries {
		names := queriedMetrics(expr)
		if len(names) == 0 {
			t.Errorf("%s queries no metric that the test recognizes: %s", where, expr)
		}
		for _, name := range names {
			if family, ok := exportedName(name, families); !ok {
				t.Errorf("%s queries %s, which astad does not export (family %s): %s", where, name, family, expr)
			}
		}
	}
}

// scrape GETs url with the bearer token and returns the type of each
// metric family in the response.
func scrape(t *testing.T, url, token string) map[string]string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s with the token = %s:\n%s", url, resp.Status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	types := make(map[string]string, len(families))
	for name, f := range families {
		types[name] = f.GetType().String()
	}
	return types
}
