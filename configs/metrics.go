package configs

import (
	"errors"
	"fmt"
	"net/netip"
)

// Metrics configures who may read /metrics: the networks it serves and
// the credentials that a scrape must send. All empty leaves it open.
type Metrics struct {
	AllowedNetworks []string `yaml:"allowed_networks"`
	Token           string   `yaml:"token"`
	Username        string   `yaml:"username"`
	Password        string   `yaml:"password"`
}

// Networks returns the allowed networks as prefixes; a single address is
// a prefix of its full length. Call it on a validated configuration.
func (m *Metrics) Networks() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(m.AllowedNetworks))
	for _, s := range m.AllowedNetworks {
		if pfx, err := parseProxy(s); err == nil {
			out = append(out, pfx)
		}
	}
	return out
}

func (m *Metrics) validate() error {
	for _, s := range m.AllowedNetworks {
		if _, err := parseProxy(s); err != nil {
			return fmt.Errorf("metrics.allowed_networks: %q is neither an IP address nor a network such as "+
				"10.0.0.0/8", s)
		}
	}

	if m.Token != "" && (m.Username != "" || m.Password != "") {
		return errors.New("metrics.token and metrics.username/metrics.password are both set: " +
			"choose a bearer token or basic auth, not both")
	}

	if (m.Username == "") != (m.Password == "") {
		return errors.New("metrics.username and metrics.password must be set together: " +
			"set both for basic auth, or neither")
	}
	return nil
}
