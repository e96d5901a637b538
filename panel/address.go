package panel

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// atextSpecials are the characters besides letters and digits that an
// unquoted local part may hold (RFC 5322 atext).
const atextSpecials = "!#$%&'*+-/=?^_`{|}~"

// checkAddress checks a typed e-mail address and returns it in Unicode NFC
// with the domain in lower case, or the catalogue key of the mistake.
// Internationalised addresses (RFC 6531) pass; quoted local parts and IP
// literals as domain do not.
func checkAddress(s string) (string, string) {
	s = norm.NFC.String(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", "address.missing"
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "", "address.space"
	case !strings.Contains(s, "@"):
		return "", "address.no_at"
	case strings.HasPrefix(s, `"`):
		return "", "address.quoted"
	}
	at := strings.LastIndex(s, "@")
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if key := checkLocal(local); key != "" {
		return "", key
	}
	if key := checkDomain(domain); key != "" {
		return "", key
	}
	if len(local)+1+len(domain) > 254 {
		return "", "address.too_long"
	}
	return local + "@" + domain, ""
}

func checkLocal(local string) string {
	switch {
	case local == "":
		return "address.local_missing"
	case strings.Contains(local, "@"):
		return "address.many_at"
	case strings.ContainsAny(local, `"\`):
		return "address.quoted"
	case len(local) > 64:
		return "address.local_long"
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, ".."):
		return "address.dots"
	}
	for _, r := range local {
		if r != '.' && r < utf8.RuneSelf && !isAlnumASCII(r) && !strings.ContainsRune(atextSpecials, r) {
			return "address.local_chars"
		}
	}
	return ""
}

func checkDomain(domain string) string {
	switch {
	case domain == "":
		return "address.domain_missing"
	case strings.HasPrefix(domain, "["):
		return "address.ip_literal"
	case !strings.Contains(domain, "."):
		return "address.domain_no_dot"
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil || len(ascii) > 253 {
		return "address.domain_invalid"
	}
	labels := strings.Split(ascii, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "address.domain_invalid"
		}
		for _, r := range l {
			if !isAlnumASCII(r) && r != '-' {
				return "address.domain_invalid"
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "address.ip_literal"
	}
	return ""
}

func isAlnumASCII(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
