package panel

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"asta/panel/credential"
	"asta/schema"
	"asta/store"
)

// Rate limits of sign-in, per client address and per account.
const (
	signInWindow     = 15 * time.Minute
	signInPerClient  = 30
	signInPerAccount = 10
)

func (s *Server) showSignIn(c *fiber.Ctx) error {
	f := newForm()
	f.Values["weiter"] = safeReturn(c.Query("weiter", "/start"))
	p := page{Title: msg("signin.title"), Form: f}
	if c.Query("abgemeldet") != "" {
		p.Notice = msg("signin.signed_out")
	}
	return s.render(c, fiber.StatusOK, "signin", p)
}

// signIn checks address and password and starts a new session. Every
// failure gets the same message, and an unknown address costs one password
// hash like a known one.
func (s *Server) signIn(c *fiber.Ctx) error {
	f := newForm()
	email := strings.TrimSpace(formValue(c, "email"))
	password := formValue(c, "password")
	f.Values["email"], f.Values["weiter"] = email, safeReturn(formValue(c, "weiter", "/start"))
	title := msg("signin.title")

	key, _ := credential.NormalizeEmail(email)
	for _, l := range []struct {
		key string
		max int
	}{{"signin-ip:" + s.clientIP(c), signInPerClient}, {"signin:" + key, signInPerAccount}} {
		if ok, resetAt, err := s.limit(c, l.key, l.max, signInWindow); err != nil || !ok {
			return s.rateLimited(c, err, "signin", title, f, resetAt)
		}
	}

	u, err := s.checkPassword(c, key, password)
	if err != nil {
		return err
	}
	if u == nil {
		f.fail("", "signin.wrong")
		return s.render(c, fiber.StatusUnauthorized, "signin", page{Title: title, Form: f})
	}
	if u.ConfirmedAt == nil {
		f.fail("", "signin.unconfirmed")
		return s.render(c, fiber.StatusForbidden, "signin", page{Title: title, Form: f})
	}

	if err := s.startSession(c, u); err != nil {
		return err
	}
	return c.Redirect(f.Values["weiter"], fiber.StatusSeeOther)
}

// checkPassword returns the user with the address key if the password is
// theirs, nil otherwise. It audits a wrong password of a known user.
func (s *Server) checkPassword(c *fiber.Ctx, key, password string) (*schema.User, error) {
	ctx := c.UserContext()
	u, err := s.store.UserByEmailKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) || key == "" {
		return nil, s.hasher.Dummy(ctx, password)
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, password)
	if errors.Is(err, credential.ErrInvalidHash) { // no password set yet
		ok, err = false, s.hasher.Dummy(ctx, password)
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.audit(c, s.store, u.ID, "signin.failed", "", nil)
	}
	return u, nil
}

// startSession ends the visitor's old session, if any, and starts a new one
// with a new id, so that an id known before sign-in is worth nothing.
func (s *Server) startSession(c *fiber.Ctx, u *schema.User) error {
	ctx := c.UserContext()
	v := visitorOf(c)
	if v.sessionHash != "" {
		if err := s.store.DeleteSession(ctx, v.sessionHash); err != nil {
			return err
		}
	}

	token, hash := credential.NewToken()
	now := s.now().UTC()
	sess := &schema.Session{IDHash: hash, UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.opts.SessionMax)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, token, fiber.CookieSameSiteLaxMode)
	v.user, v.session, v.sessionHash = u, sess, hash
	return s.audit(c, s.store, u.ID, "signin.succeeded", "", nil)
}

// signOut ends the session.
func (s *Server) signOut(c *fiber.Ctx) error {
	v := visitorOf(c)
	if v.sessionHash != "" {
		if err := s.store.DeleteSession(c.UserContext(), v.sessionHash); err != nil {
			return err
		}
		if err := s.audit(c, s.store, v.user.ID, "signout", "", nil); err != nil {
			return err
		}
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect("/anmelden?abgemeldet=1", fiber.StatusSeeOther)
}

func (s *Server) showForgot(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "forgot", page{Title: msg("forgot.title")})
}

// forgot mails a reset link to a known address, and to an unknown one a
// notice that no account uses it. Both get the same response and one
// mail.
func (s *Server) forgot(c *fiber.Ctx) error {
	f := newForm()
	email := strings.TrimSpace(formValue(c, "email"))
	f.Values["email"] = email
	title := msg("forgot.title")
	key, err := credential.NormalizeEmail(email)
	if err != nil {
		f.fail("email", "form.email_invalid")
		return s.render(c, fiber.StatusUnprocessableEntity, "forgot", page{Title: title, Form: f})
	}
	for _, l := range []string{"reset-ip:" + s.clientIP(c), "reset:" + key} {
		if ok, resetAt, err := s.limit(c, l, 5, time.Hour); err != nil || !ok {
			return s.rateLimited(c, err, "forgot", title, f, resetAt)
		}
	}

	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		u, err := tx.UserByEmailKey(c.UserContext(), key)
		if errors.Is(err, store.ErrNotFound) {
			return queueMail(c.UserContext(), tx, email, "no_account", strings.TrimRight(s.opts.BaseURL, "/")+
				"/registrieren")
		}
		if err != nil {
			return err
		}
		return s.queueLink(c.UserContext(), tx, u, schema.TokenReset, u.Email, "", "reset", "/passwort-neu",
			resetValidity)
	})
	if err != nil {
		return err
	}
	s.mailQueued()
	return s.render(c, fiber.StatusOK, "forgot_sent", page{Title: title, Notice: s.mailPausedNotice(c), Data: email})
}

// resetPurposes are the links that set a password: "forgot password" and
// the first password of an operator.
var resetPurposes = []string{schema.TokenReset, schema.TokenSetPassword}

func (s *Server) showReset(c *fiber.Ctx) error {
	token := c.Query("t")
	var err error
	for _, purpose := range resetPurposes {
		if _, err = s.store.PeekToken(c.UserContext(), credential.HashToken(token), purpose, s.now()); !errors.Is(err,
			store.ErrNotFound) {
			break
		}
	}
	return s.renderLink(c, "reset", msg("reset.title"), token, err)
}

// reset sets the new password from a reset link, confirms the address,
// whose mailbox the link proves, and ends every session of the user.
func (s *Server) reset(c *fiber.Ctx) error {
	token, password := formValue(c, "t"), formValue(c, "password")
	hash := credential.HashToken(token)
	t, err := s.peekReset(c, hash)
	if err != nil {
		return s.renderLink(c, "reset", msg("reset.title"), token, err)
	}
	u, err := s.store.User(c.UserContext(), t.UserID)
	if err != nil {
		return err
	}
	if err := credential.CheckPassword(password, localPart(u.EmailKey), u.EmailKey, u.Name); err != nil {
		f := newForm()
		f.fail("password", passwordMessage(err))
		return s.render(c, fiber.StatusUnprocessableEntity, "reset", page{
			Title: msg("reset.title"), Form: f, Data: linkPage{Token: token, State: "valid"},
		})
	}
	encoded, err := s.hasher.Hash(c.UserContext(), password)
	if err != nil {
		return err
	}

	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		if _, err := tx.UseToken(c.UserContext(), hash, t.Purpose, s.now()); err != nil {
			return err
		}
		return s.setPassword(c, tx, u, encoded, "")
	})
	if err != nil {
		return s.renderLink(c, "reset", msg("reset.title"), token, err)
	}
	return s.render(c, fiber.StatusOK, "reset", page{Title: msg("reset.title"), Data: linkPage{State: "done"}})
}

func (s *Server) peekReset(c *fiber.Ctx, hash string) (*schema.UserToken, error) {
	var err error
	for _, purpose := range resetPurposes {
		var t *schema.UserToken
		if t, err = s.store.PeekToken(c.UserContext(), hash, purpose, s.now()); err == nil {
			return t, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return nil, err
}

// setPassword stores the new hash, confirms the address and ends every
// session of the user but keep.
func (s *Server) setPassword(c *fiber.Ctx, tx *store.Store, u *schema.User, encoded, keep string) error {
	ctx := c.UserContext()
	now := s.now().UTC()
	u.PasswordHash, u.PasswordChangedAt = encoded, now
	cols := []string{"password_hash", "password_changed_at"}
	if u.ConfirmedAt == nil {
		u.ConfirmedAt = &now
		cols = append(cols, "confirmed_at")
	}
	if err := tx.UpdateUser(ctx, u, cols...); err != nil {
		return err
	}
	if err := tx.DeleteUserSessions(ctx, u.ID, keep); err != nil {
		return err
	}
	if err := tx.RevokeTokens(ctx, u.ID, schema.TokenReset, now); err != nil {
		return err
	}
	return s.audit(c, tx, u.ID, "user.password_changed", "", nil)
}

// audit writes an entry of the audit log with the client's address and
// detail as JSON.
func (s *Server) audit(c *fiber.Ctx, tx *store.Store, actor int64, action, company string, detail any) error {
	e := &schema.AuditEntry{At: s.now().UTC(), Action: action, CompanyIdent: company, ClientIP: s.clientIP(c)}
	if actor != 0 {
		e.ActorID = &actor
	}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		e.Detail = string(b)
	}
	return tx.AddAudit(c.UserContext(), e)
}

// waitMinutes returns the whole minutes from now until t, at least 1.
func waitMinutes(now, t time.Time) int {
	return max(1, int(math.Ceil(t.Sub(now).Minutes())))
}

// retryAfter returns the Retry-After header value for t.
func retryAfter(now, t time.Time) string {
	return strconv.Itoa(max(1, int(math.Ceil(t.Sub(now).Seconds()))))
}
