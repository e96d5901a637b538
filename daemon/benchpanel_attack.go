package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"asta/store"
)

// attackWorkers is the number of connections that a saturation attack
// keeps busy.
const attackWorkers = 50

// filterMix returns the query strings of the trainee list that an attack
// cycles through: the default list, filters, sorts, a later page and a
// name search.
func filterMix(bc benchCompany) []string {
	return []string{
		"beruf=" + url.QueryEscape(bc.Occupation) + "&sort=beginn",
		"konto=" + store.AccountFilterInactive,
		"",
		"ausbilder=" + url.QueryEscape(bc.Trainer) + "&sort=ende&absteigend=1",
		"sort=beruf&seite=3",
		"suche=" + url.QueryEscape(bc.Search),
		"konto=" + store.AccountFilterActive + "&sort=ausbilder",
		"status=" + store.ContractsAll + "&beruf=" + url.QueryEscape(bc.Occupation),
	}
}

// listTargets returns one GET target of the company's trainee list per
// query string, with the header on each.
func listTargets(base, ident string, queries []string, header http.Header) []vegeta.Target {
	targets := make([]vegeta.Target, len(queries))
	for i, q := range queries {
		u := base + "/betrieb/" + url.PathEscape(ident) + "/auszubildende"
		if q != "" {
			u += "?" + q
		}
		targets[i] = vegeta.Target{Method: http.MethodGet, URL: u, Header: header}
	}
	return targets
}

// attackResult is the measurement of one attack. Failed counts the
// responses other than 200 and the transport errors.
type attackResult struct {
	metrics vegeta.Metrics
	failed  int
}

// attack sends the targets in turn for the duration: at rate requests per
// second, or, with rate 0, as fast as attackWorkers connections allow.
func attack(targets []vegeta.Target, rate int, duration time.Duration, name string) attackResult {
	opts := []func(*vegeta.Attacker){
		vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow), vegeta.Timeout(10 * time.Second),
		vegeta.MaxConnections(attackWorkers),
	}
	if rate == 0 {
		opts = append(opts, vegeta.Workers(attackWorkers), vegeta.MaxWorkers(attackWorkers))
	}
	atk := vegeta.NewAttacker(opts...)
	var res attackResult
	pacer := vegeta.ConstantPacer{Freq: rate, Per: time.Second}
	for r := range atk.Attack(vegeta.NewStaticTargeter(targets...), pacer, duration, name) {
		res.metrics.Add(r)
		if r.Code != http.StatusOK || r.Error != "" {
			res.failed++
		}
	}
	res.metrics.Close()
	return res
}

// throughput returns the successful requests (status 200) per second.
func (r attackResult) throughput() float64 {
	return float64(r.metrics.Requests-uint64(r.failed)) / r.metrics.Duration.Seconds()
}

func (r attackResult) print(w io.Writer, label string) {
	l := r.metrics.Latencies
	fmt.Fprintf(w, "%-28s %6d requests  %7.1f/s sent  %7.1f/s succeeded  p50 %6.2f ms  p99 %6.2f ms  "+
		"max %7.2f ms  failed %d%s\n", label, r.metrics.Requests, r.metrics.Rate, r.throughput(),
		ms(l.P50), ms(l.P99), ms(l.Max), r.failed, r.codes())
}

// codes lists the status codes other than 200 and the errors, if any.
func (r attackResult) codes() string {
	var parts []string
	for code, n := range r.metrics.StatusCodes {
		if code != "200" {
			parts = append(parts, fmt.Sprintf("%s×%d", code, n))
		}
	}
	sort.Strings(parts)
	parts = append(parts, r.metrics.Errors...)
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// checkTarget requests the target once and returns an error unless the
// response has status 200 and a table.
func checkTarget(t vegeta.Target) error {
	req, err := t.Request()
	if err != nil {
		return fmt.Errorf("build request %s: %w", t.URL, err)
	}
	client := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("request %s: %w", t.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read %s: %w", t.URL, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<table") {
		return fmt.Errorf("request %s: status %d without the trainee table, want 200 with a table", t.URL,
			resp.StatusCode)
	}
	return nil
}
