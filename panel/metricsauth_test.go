package panel

import (
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"asta/schema/dbtest"
)

func TestMetricsAccess(t *testing.T) {
	db := dbtest.SQLite(t)
	// A gauge that /metrics shows from the first request on.
	marker := prometheus.NewRegistry()
	marker.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_marker", Help: "Always 0."}))
	tests := []struct {
		name       string
		access     MetricsAccess
		ip         string // client address
		forwarded  string // X-Forwarded-For, sent when not empty
		user, pass string // basic auth, sent when user is not empty
		bearer     string // sent when not empty
		wantStatus int
		wantAuth   string // expected start of WWW-Authenticate
	}{
		{name: "open", ip: "127.0.0.10", wantStatus: 200},
		{name: "allowed network", access: MetricsAccess{Networks: prefixes("127.0.0.0/28")}, ip: "127.0.0.10",
			wantStatus: 200},
		{name: "other network", access: MetricsAccess{Networks: prefixes("127.0.0.0/28", "10.0.0.0/8")},
			ip: "127.0.0.20", wantStatus: 404},
		{name: "single address", access: MetricsAccess{Networks: prefixes("127.0.0.21/32")}, ip: "127.0.0.21",
			wantStatus: 200},
		{name: "forwarded by trusted proxy", access: MetricsAccess{Networks: prefixes("10.1.0.0/16")},
			ip: "127.0.0.200", forwarded: "10.1.2.3", wantStatus: 200},
		{name: "forwarded by untrusted peer", access: MetricsAccess{Networks: prefixes("10.1.0.0/16")},
			ip: "127.0.0.10", forwarded: "10.1.2.3", wantStatus: 404},
		{name: "token right", access: MetricsAccess{Token: "t0ken"}, ip: "127.0.0.10", bearer: "t0ken",
			wantStatus: 200},
		{name: "token wrong", access: MetricsAccess{Token: "t0ken"}, ip: "127.0.0.10", bearer: "t0ke",
			wantStatus: 401, wantAuth: "Bearer"},
		{name: "token missing", access: MetricsAccess{Token: "t0ken"}, ip: "127.0.0.10", wantStatus: 401,
			wantAuth: "Bearer"},
		{name: "token as basic auth", access: MetricsAccess{Token: "t0ken"}, ip: "127.0.0.10", user: "t0ken",
			pass: "t0ken", wantStatus: 401, wantAuth: "Bearer"},
		{name: "basic right", access: MetricsAccess{Username: "prom", Password: "pw:with colon"},
			ip: "127.0.0.10", user: "prom", pass: "pw:with colon", wantStatus: 200},
		{name: "basic wrong password", access: MetricsAccess{Username: "prom", Password: "pw"},
			ip: "127.0.0.10", user: "prom", pass: "wrong", wantStatus: 401, wantAuth: "Basic"},
		{name: "basic wrong user", access: MetricsAccess{Username: "prom", Password: "pw"},
			ip: "127.0.0.10", user: "root", pass: "pw", wantStatus: 401, wantAuth: "Basic"},
		{name: "basic missing", access: MetricsAccess{Username: "prom", Password: "pw"}, ip: "127.0.0.10",
			wantStatus: 401, wantAuth: "Basic"},
		{name: "network checked before token", access: MetricsAccess{Networks: prefixes("10.0.0.0/8"),
			Token: "t0ken"}, ip: "127.0.0.10", bearer: "t0ken", wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, db, func(o *Options) {
				o.MetricsAccess = tt.access
				o.Gatherer = prometheus.Gatherers{o.Gatherer, marker}
			})
			req, err := http.NewRequest(http.MethodGet, h.url+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.forwarded != "" {
				req.Header.Set("X-Forwarded-For", tt.forwarded)
			}
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			if tt.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tt.bearer)
			}
			resp, err := client(tt.ip).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}

			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("GET /metrics = %d, want %d:\n%s", resp.StatusCode, tt.wantStatus, body)
			}
			gotAuth := resp.Header.Get("WWW-Authenticate")
			if !strings.HasPrefix(gotAuth, tt.wantAuth) || (tt.wantAuth == "") != (gotAuth == "") {
				t.Errorf("WWW-Authenticate = %q, want it to start with %q", gotAuth, tt.wantAuth)
			}
			exposesMetrics := strings.Contains(string(body), "test_marker 0")
			if exposesMetrics != (tt.wantStatus == 200) {
				t.Errorf("body shows the metrics = %v with status %d", exposesMetrics, resp.StatusCode)
			}
		})
	}
}

func prefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(list))
	for i, s := range list {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}
