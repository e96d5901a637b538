package credential

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// ErrEmailSyntax is returned by [NormalizeEmail] for a string that is not
// an e-mail address.
var ErrEmailSyntax = errors.New("invalid e-mail address")

// maxEmailLength is the maximum length of an address in bytes: a path of
// RFC 5321 has at most 256 octets, 2 of them the angle brackets.
const maxEmailLength = 254

// NormalizeEmail returns the key under which an account's e-mail address
// is stored and looked up: s without surrounding white space, in Unicode
// NFC and in lower case, so that the sign-in ignores case and the form of
// accented letters.
//
// It returns an error wrapping [ErrEmailSyntax] for an empty string, one
// over 254 bytes, and one with white space, control characters, no "@"
// or more than one, or an empty local part or domain. It accepts any
// other local part and domain, because the mail that confirms an address
// is the real check.
//
// A domain written in A-labels ("xn--mller-kva.de") gives the same key as
// the domain in Unicode ("müller.de").
func NormalizeEmail(s string) (string, error) {
	key := strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
	if err := checkEmail(key); err != nil {
		// The message leaves out the address, which is personal data, in
		// case a handler logs it.
		return "", fmt.Errorf("%w: %w", ErrEmailSyntax, err)
	}
	at := strings.LastIndex(key, "@")
	if domain, err := idna.Lookup.ToUnicode(key[at+1:]); err == nil {
		key = key[:at+1] + norm.NFC.String(domain)
	}
	return key, nil
}

func checkEmail(addr string) error {
	if addr == "" {
		return errors.New("empty")
	}
	if len(addr) > maxEmailLength {
		return fmt.Errorf("longer than %d bytes", maxEmailLength)
	}
	if strings.ContainsFunc(addr, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) {
		return errors.New("contains white space or a control character")
	}

	local, domain, ok := strings.Cut(addr, "@")
	switch {
	case !ok:
		return errors.New("missing @")
	case strings.Contains(domain, "@"):
		return errors.New("more than one @")
	case local == "":
		return errors.New("missing the part before @")
	case domain == "":
		return errors.New("missing the domain after @")
	case strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, ".."):
		return errors.New("domain has an empty label")
	}
	return nil
}
