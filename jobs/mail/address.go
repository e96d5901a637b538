package mail

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// errNoSMTPUTF8 marks an address that needs SMTPUTF8 (RFC 6531) on a
// server that does not offer it.
var errNoSMTPUTF8 = errors.New("the SMTP server does not offer SMTPUTF8")

// address is a mail address prepared for SMTP. Its domain is an A-label
// (punycode) domain per IDNA 2008 and UTS 46, so that only a non-ASCII
// local part needs SMTPUTF8.
type address struct {
	name  string // display name, may be empty
	local string
	ascii string // domain with A-labels
	utf8  bool   // the local part is not ASCII
}

// parseAddress parses s, an RFC 5322 address with or without a display
// name, and converts its domain with the IDNA Lookup profile.
func parseAddress(s string) (address, error) {
	parsed, err := netmail.ParseAddress(s)
	if err != nil {
		return address{}, fmt.Errorf("invalid address %q: %w", s, err)
	}
	at := strings.LastIndexByte(parsed.Address, '@')
	if at < 0 {
		return address{}, fmt.Errorf("invalid address %q: missing @", s)
	}
	local, domain := parsed.Address[:at], parsed.Address[at+1:]

	// ASCII domains are passed unchanged, because the Lookup profile also
	// rejects ASCII names that mail servers accept, such as ones with "_".
	if !isASCII(domain) {
		domain, err = idna.Lookup.ToASCII(domain)
		if err != nil {
			return address{}, fmt.Errorf("invalid domain in address %q: %w", s, err)
		}
	}
	return address{name: parsed.Name, local: local, ascii: domain, utf8: !isASCII(local)}, nil
}

// envelope returns the address in angle brackets for MAIL FROM and RCPT
// TO, with the local part quoted where RFC 5321 requires it.
func (a address) envelope() string {
	return (&netmail.Address{Address: a.local + "@" + a.ascii}).String()
}

// header returns the address for a From or To header. A display name
// with non-ASCII characters becomes an RFC 2047 encoded word.
func (a address) header() *netmail.Address {
	return &netmail.Address{Name: a.name, Address: a.local + "@" + a.ascii}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
