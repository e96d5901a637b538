package configs

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestMetricsOptionsFromEnvironment(t *testing.T) {
	got, err := Load("", []string{
		"ASTA_METRICS_ALLOWED_NETWORKS=10.0.0.0/8, 192.0.2.7",
		"ASTA_METRICS_USERNAME=prometheus",
		"ASTA_METRICS_PASSWORD=s3cret",
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Default()
	want.Metrics = Metrics{AllowedNetworks: []string{"10.0.0.0/8", "192.0.2.7"}, Username: "prometheus",
		Password: "s3cret"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %+v\nwant %+v", got.Metrics, want.Metrics)
	}
	wantNets := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}
	if nets := got.Metrics.Networks(); !reflect.DeepEqual(nets, wantNets) {
		t.Errorf("Networks() = %v, want %v", nets, wantNets)
	}
}

func TestMetricsOptionsFromFile(t *testing.T) {
	path := writeConfig(t, "metrics:\n  allowed_networks: [\"fd00::/8\"]\n  token: abc\n")
	got, err := Load(path, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Metrics{AllowedNetworks: []string{"fd00::/8"}, Token: "abc"}
	if !reflect.DeepEqual(got.Metrics, want) {
		t.Errorf("Metrics = %+v, want %+v", got.Metrics, want)
	}
}

func TestMetricsOptionsInvalid(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		mention []string
	}{
		{name: "network not an address", env: []string{"ASTA_METRICS_ALLOWED_NETWORKS=10.0.0.0/8,intranet"},
			mention: []string{"metrics.allowed_networks", `"intranet"`}},
		{name: "network prefix too long", env: []string{"ASTA_METRICS_ALLOWED_NETWORKS=10.0.0.0/33"},
			mention: []string{"metrics.allowed_networks", "10.0.0.0/33"}},
		{name: "token and basic auth", env: []string{"ASTA_METRICS_TOKEN=t", "ASTA_METRICS_USERNAME=u",
			"ASTA_METRICS_PASSWORD=p"}, mention: []string{"metrics.token", "metrics.username"}},
		{name: "username without password", env: []string{"ASTA_METRICS_USERNAME=u"},
			mention: []string{"metrics.username", "metrics.password"}},
		{name: "password without username", env: []string{"ASTA_METRICS_PASSWORD=p"},
			mention: []string{"metrics.username", "metrics.password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", tt.env)
			if err == nil {
				t.Fatalf("Load with %v succeeded, want an error", tt.env)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not name %s", err, m)
				}
			}
		})
	}
}
