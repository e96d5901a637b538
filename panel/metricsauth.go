package panel

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// MetricsAccess limits who may read /metrics. The zero value allows
// every client.
type MetricsAccess struct {
	// Networks whose clients may read /metrics; a client elsewhere gets 404.
	// Empty allows every address. The client is the peer, or the address a
	// trusted proxy forwards.
	Networks []netip.Prefix
	// Token, when set, is the bearer token that a scrape must send.
	Token string
	// Username and Password, when set, are the basic auth credentials that
	// a scrape must send.
	Username, Password string
}

// guardMetrics checks a request for /metrics against s.opts.MetricsAccess:
// the client's network first, so that other networks cannot tell the route
// exists, then the credentials.
func (s *Server) guardMetrics(c *fiber.Ctx) error {
	access := s.opts.MetricsAccess
	if len(access.Networks) > 0 && !inNetworks(s.clientIP(c), access.Networks) {
		return fiber.ErrNotFound
	}

	switch {
	case access.Token != "":
		token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
		if !ok || !secretEqual(token, access.Token) {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			return c.Status(fiber.StatusUnauthorized).SendString("unauthorized: send the metrics bearer token\n")
		}
	case access.Username != "":
		user, password, ok := basicAuth(c.Get(fiber.HeaderAuthorization))
		// Both comparisons run, so that the time does not tell which failed.
		userOK := secretEqual(user, access.Username)
		passwordOK := secretEqual(password, access.Password)
		if !ok || !userOK || !passwordOK {
			c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="metrics", charset="UTF-8"`)
			return c.Status(fiber.StatusUnauthorized).SendString("unauthorized: send the metrics user and password\n")
		}
	}
	return c.Next()
}

func inNetworks(ip string, networks []netip.Prefix) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range networks {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// basicAuth returns the credentials of an Authorization header of the
// Basic scheme (RFC 7617).
func basicAuth(header string) (user, password string, ok bool) {
	scheme, encoded, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(decoded), ":")
}

// secretEqual compares the SHA-256 hashes of a and b in constant time, so
// that neither the content nor the length of the secret shows in the time
// taken.
func secretEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
