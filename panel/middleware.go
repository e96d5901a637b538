package panel

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"asta/panel/credential"
	"asta/schema"
	"asta/store"
)

// Cookie names.
const (
	sessionCookie = "asta_session"
	csrfCookie    = "asta_csrf"
)

// contentSecurityPolicy allows scripts, styles and images from the panel
// only (and QR codes as data: images); no inline script or style.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// visitor is the sender of a request: a signed-in user with their
// session, or an anonymous visitor. It is kept in the request's locals.
type visitor struct {
	user        *schema.User
	session     *schema.Session
	sessionHash string
	csrfSeed    string
	company     *companyAccess // set on company pages
}

func visitorOf(c *fiber.Ctx) *visitor {
	if v, ok := c.Locals("visitor").(*visitor); ok {
		return v
	}
	return &visitor{}
}

// secureHeaders sets the security headers of every response.
func (s *Server) secureHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if s.isHTTPS(c) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	err := c.Next()
	if !strings.HasPrefix(c.Path(), "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	return err
}

// loadSession finds the visitor's session, ends it when it has timed out,
// and gives every visitor a CSRF seed cookie.
func (s *Server) loadSession(c *fiber.Ctx) error {
	v := &visitor{csrfSeed: c.Cookies(csrfCookie)}
	if len(v.csrfSeed) < 32 {
		v.csrfSeed, _ = credential.NewToken()
		s.setCookie(c, csrfCookie, v.csrfSeed, fiber.CookieSameSiteStrictMode)
	}
	c.Locals("visitor", v)

	raw := c.Cookies(sessionCookie)
	if raw == "" {
		return c.Next()
	}
	hash := credential.HashToken(raw)
	now := s.now()
	sess, u, err := s.store.SessionUser(c.UserContext(), hash, now, s.opts.SessionIdle)
	if errors.Is(err, store.ErrNotFound) {
		c.ClearCookie(sessionCookie)
		return c.Next()
	}
	if err != nil {
		return err
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(c.UserContext(), hash, now); err != nil {
			return err
		}
	}
	v.user, v.session, v.sessionHash = u, sess, hash
	return c.Next()
}

// csrfToken returns the token that the visitor's forms must carry: an
// HMAC of their seed cookie and session, so that it changes at sign-in.
func (s *Server) csrfToken(v *visitor) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(v.csrfSeed + "|" + v.sessionHash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses a state-changing request that comes from another site
// or lacks the visitor's CSRF token (form field _csrf or header
// X-CSRF-Token, which htmx sends).
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if c.Get("Sec-Fetch-Site") == "cross-site" {
		return errCSRF
	}
	if o := c.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || u.Host != c.Hostname() {
			return errCSRF
		}
	}
	got := c.Get("X-CSRF-Token")
	if got == "" {
		got = formValue(c, "_csrf")
	}
	v := visitorOf(c)
	if got == "" || !hmac.Equal([]byte(got), []byte(s.csrfToken(v))) {
		return errCSRF
	}
	return c.Next()
}

// requireUser sends a visitor without a session to the sign-in page, with
// the page they wanted as a relative return path. An htmx request gets an
// HX-Redirect, so that no sign-in page lands inside a fragment.
func (s *Server) requireUser(c *fiber.Ctx) error {
	if visitorOf(c).user != nil {
		return c.Next()
	}
	back := c.OriginalURL()
	if isHTMX(c) {
		back = "/start"
		if u, err := url.Parse(c.Get("HX-Current-URL")); err == nil && u.Path != "" {
			back = u.RequestURI()
		}
	} else if c.Method() != fiber.MethodGet {
		back = "/start"
	}
	target := "/anmelden?weiter=" + url.QueryEscape(safeReturn(back))
	if isHTMX(c) {
		c.Set("HX-Redirect", target)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// requireSecondFactor sends an operator who has not yet given a TOTP code
// in this session to the code page, or to enrolment at the first sign-in.
func (s *Server) requireSecondFactor(c *fiber.Ctx) error {
	v := visitorOf(c)
	if !v.user.Operator || v.session.SecondFactor {
		return c.Next()
	}
	target := "/anmelden/code"
	if v.user.TOTPSecret == "" {
		target = "/anmelden/authenticator"
	}
	if isHTMX(c) {
		c.Set("HX-Redirect", target)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// requireOperator responds with 404 to everyone but chamber operators.
func (s *Server) requireOperator(c *fiber.Ctx) error {
	if !visitorOf(c).user.Operator {
		return fiber.ErrNotFound
	}
	return c.Next()
}

// safeReturn keeps a return path only if it is a path on this site.
func safeReturn(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") ||
		strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return "/start"
	}
	return p
}

func isHTMX(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true"
}

// clientIP returns the address of the client: the peer, or, when the peer
// is a trusted proxy, the nearest address in X-Forwarded-For that is not
// one.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = a.Unmap(); !s.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// isHTTPS reports whether the client reached the panel over TLS, directly
// or through a trusted proxy that reports TLS in X-Forwarded-Proto.
func (s *Server) isHTTPS(c *fiber.Ctx) bool {
	if c.Context().IsTLS() {
		return true
	}
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	return ok && s.trusted(peer.Unmap()) && strings.EqualFold(c.Get(fiber.HeaderXForwardedProto), "https")
}

func (s *Server) setCookie(c *fiber.Ctx, name, value, sameSite string) {
	c.Cookie(&fiber.Cookie{
		Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: s.isHTTPS(c), SameSite: sameSite,
	})
}

// limit counts a hit of the rate limit key and reports whether it is within
// max per window, and when the window ends.
func (s *Server) limit(c *fiber.Ctx, key string, limit int, window time.Duration) (bool, time.Time, error) {
	hits, resetAt, err := s.store.HitRateLimit(c.UserContext(), key, window, s.now())
	if err != nil {
		return false, time.Time{}, err
	}
	return hits <= limit, resetAt, nil
}

// formValue returns the value of key in the posted body, or def. Unlike
// Fiber's FormValue it ignores the query string, so that a link cannot
// fill in a form field.
func formValue(c *fiber.Ctx, key string, def ...string) string {
	v := c.Request().PostArgs().Peek(key)
	if len(v) == 0 && len(def) > 0 {
		return def[0]
	}
	return string(v)
}
