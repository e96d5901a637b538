package configs

import (
	"fmt"
	"net/netip"
	"net/url"
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
	ContractManagementURL string        `yaml:"contract_management_url"`
	ExamContact           string        `yaml:"exam_contact"`
	LetterSender          string        `yaml:"letter_sender"`
	Legal                 Legal         `yaml:"legal"`
}

// Legal holds the texts of the legal pages that every page links to, as
// the chamber words them. Paragraphs are separated by blank lines.
type Legal struct {
	Imprint              string `yaml:"imprint"`
	Privacy              string `yaml:"privacy"`
	Accessibility        string `yaml:"accessibility"`
	AccessibilityContact string `yaml:"accessibility_contact"`
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

	if u := p.ContractManagementURL; u != "" {
		if parsed, err := url.Parse(u); err != nil || (parsed.Scheme != "https" && parsed.Scheme != "http") ||
			parsed.Host == "" {
			return fmt.Errorf("panel.contract_management_url %q is invalid: use an https:// address, or leave it "+
				"empty while the service is not enabled", u)
		}
	}

	if strings.TrimSpace(p.ExamContact) == "" {
		return fmt.Errorf("panel.exam_contact is empty: name whom companies contact about a missed deadline")
	}

	if !strings.Contains(p.Legal.AccessibilityContact, "@") {
		return fmt.Errorf("panel.legal.accessibility_contact %q is invalid: give the e-mail address that takes "+
			"reports of barriers", p.Legal.AccessibilityContact)
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

// Default texts of the legal pages, which a chamber replaces with its own.
const (
	defaultImprint = "Diese Seite enthält das Impressum der Kammer. Die Kammer hat noch keinen Text hinterlegt.\n\n" +
		"Anbieter dieses Portals ist die zuständige Kammer, eine Körperschaft des öffentlichen Rechts."
	defaultPrivacy = "Diese Seite enthält die Datenschutzerklärung der Kammer. Die Kammer hat noch keinen Text " +
		"hinterlegt.\n\nDas Portal verarbeitet die Daten, die die Kammer über Ausbildungsverhältnisse führt, und " +
		"die Angaben Ihres Kontos. Es setzt nur die für die Anmeldung nötigen Cookies."
	defaultAccessibility = "Die Kammer ist bemüht, dieses Portal barrierefrei zugänglich zu machen. Grundlage sind " +
		"die Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) und die Web Content Accessibility " +
		"Guidelines (WCAG) 2.1 auf Stufe AA."
)
