package configs

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"asta/jobs/scheduler"
)

// Panel configures the web panel's sessions and the proxies it trusts.
type Panel struct {
	TrustedProxies        []string      `yaml:"trusted_proxies"`
	SessionIdle           time.Duration `yaml:"session_idle"`
	SessionMax            time.Duration `yaml:"session_max"`
	PurgeUnconfirmedAfter time.Duration `yaml:"purge_unconfirmed_after"`
	PurgeSchedule         string        `yaml:"purge_schedule"`
}

// Proxies returns the trusted proxies as prefixes; a single address is a
// prefix of its full length. Call it on a validated configuration.
func (p *Panel) Proxies() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(p.TrustedProxies))
	for _, s := range p.TrustedProxies {
		if pfx, err := parseProxy(s); err == nil {
			out = append(out, pfx)
		}
	}
	return out
}

func parseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		return pfx.Masked(), err
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()), nil
}

func (p *Panel) validate(loc *time.Location) error {
	for _, s := range p.TrustedProxies {
		if _, err := parseProxy(s); err != nil {
			return fmt.Errorf("panel.trusted_proxies: %q is neither an IP address nor a network such as 10.0.0.0/8", s)
		}
	}

	if p.SessionIdle < time.Minute {
		return fmt.Errorf("panel.session_idle %s must be at least 1m", p.SessionIdle)
	}

	if p.SessionMax < p.SessionIdle {
		return fmt.Errorf("panel.session_max %s must not be shorter than panel.session_idle %s",
			p.SessionMax, p.SessionIdle)
	}

	if p.PurgeUnconfirmedAfter < 0 {
		return fmt.Errorf("panel.purge_unconfirmed_after %s must not be negative", p.PurgeUnconfirmedAfter)
	}

	if _, err := scheduler.Parse(p.PurgeSchedule, loc); err != nil {
		return fmt.Errorf("panel.purge_schedule %q is invalid: %w", p.PurgeSchedule, err)
	}
	return nil
}

func listEnv(field func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error {
		var list []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		*field(c) = list
		return nil
	}
}
