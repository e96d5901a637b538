package panel

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/unicode/norm"

	"asta/panel/credential"
	"asta/schema"
	"asta/store"
)

// showHome sends signed-in users to their start page and everyone else to
// the sign-in page.
func (s *Server) showHome(c *fiber.Ctx) error {
	if visitorOf(c).user != nil {
		return c.Redirect("/start", fiber.StatusSeeOther)
	}
	return c.Redirect("/anmelden", fiber.StatusSeeOther)
}

func (s *Server) showRegister(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "register", page{Title: msg("register.title")})
}

// register creates an account and mails a confirmation link. A taken
// address gets the same response and costs the same work, one password
// hash and one mail, but the mail goes to its owner with a notice.
func (s *Server) register(c *fiber.Ctx) error {
	f := newForm()
	email := strings.TrimSpace(norm.NFC.String(formValue(c, "email")))
	name := strings.TrimSpace(norm.NFC.String(formValue(c, "name")))
	password := formValue(c, "password")
	f.Values["email"], f.Values["name"] = email, name

	key, err := credential.NormalizeEmail(email)
	if err != nil {
		f.fail("email", "form.email_invalid")
	}
	if name == "" {
		f.fail("name", "form.name_missing")
	} else if len([]rune(name)) > 200 {
		f.fail("name", "form.name_too_long")
	} else if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		f.fail("name", "form.name_invalid")
	}
	if err := credential.CheckPassword(password, localPart(key), key, name); err != nil {
		f.fail("password", passwordMessage(err))
	}
	if !f.ok() {
		return s.render(c, fiber.StatusUnprocessableEntity, "register", page{Title: msg("register.title"), Form: f})
	}
	if ok, resetAt, err := s.limit(c, "register:"+s.clientIP(c), 10, time.Hour); err != nil || !ok {
		return s.rateLimited(c, err, "register", msg("register.title"), f, resetAt)
	}

	hash, err := s.hasher.Hash(c.UserContext(), password)
	if err != nil {
		return err
	}
	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		return s.createAccount(c.UserContext(), tx, email, key, name, hash)
	})
	if err != nil {
		return err
	}
	s.mailQueued()
	return s.render(c, fiber.StatusOK, "registered", page{
		Title: msg("register.sent_title"), Notice: s.mailPausedNotice(c), Data: email,
	})
}

// createAccount inserts the user, or, if the address has an account,
// mails its owner: a new link while it is unconfirmed, a notice otherwise.
func (s *Server) createAccount(ctx context.Context, tx *store.Store, email, key, name, hash string) error {
	now := s.now().UTC()
	u := &schema.User{
		Email: email, EmailKey: key, Name: name, PasswordHash: hash,
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	created, err := tx.CreateUser(ctx, u)
	if err != nil {
		return err
	}
	if !created {
		if u, err = tx.UserByEmailKey(ctx, key); err != nil {
			return err
		}
		if u.ConfirmedAt != nil {
			link := strings.TrimRight(s.opts.BaseURL, "/") + "/passwort-vergessen"
			return queueMail(ctx, tx, u.Email, "already_registered", u.Name, link)
		}
	}
	return s.queueLink(ctx, tx, u, schema.TokenConfirm, u.Email, "", "confirm", "/bestaetigen", confirmValidity)
}

// showConfirm shows the button that confirms an address; following the
// link alone changes nothing, so that mail scanners do not use it up.
func (s *Server) showConfirm(c *fiber.Ctx) error {
	token := c.Query("t")
	_, err := s.store.PeekToken(c.UserContext(), credential.HashToken(token), schema.TokenConfirm, s.now())
	return s.renderLink(c, "confirm", msg("confirm.title"), token, err)
}

// renderLink shows the page of a link sent by mail in the state that
// PeekToken or UseToken reported.
func (s *Server) renderLink(c *fiber.Ctx, name, title, token string, err error) error {
	state, status := "valid", fiber.StatusOK
	switch {
	case errors.Is(err, store.ErrTokenUsed):
		state, status = "used", fiber.StatusGone
	case errors.Is(err, store.ErrTokenExpired):
		state, status = "expired", fiber.StatusGone
	case errors.Is(err, store.ErrNotFound):
		state, status = "unknown", fiber.StatusNotFound
	case err != nil:
		return err
	}
	return s.render(c, status, name, page{Title: title, Data: linkPage{Token: token, State: state}})
}

// linkPage is the data of a page that a link from a mail opens.
type linkPage struct {
	Token string
	State string // valid, used, expired, unknown or done
}

// confirm uses up the confirmation link and confirms the account.
func (s *Server) confirm(c *fiber.Ctx) error {
	token := formValue(c, "t")
	err := s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		t, err := tx.UseToken(c.UserContext(), credential.HashToken(token), schema.TokenConfirm, s.now())
		if err != nil {
			return err
		}
		return s.confirmUser(c, tx, t.UserID)
	})
	if err != nil {
		return s.renderLink(c, "confirm", msg("confirm.title"), token, err)
	}
	return s.render(c, fiber.StatusOK, "confirm", page{Title: msg("confirm.title"), Data: linkPage{State: "done"}})
}

// confirmUser marks the user's address confirmed and gives them the
// grants that wait for it.
func (s *Server) confirmUser(c *fiber.Ctx, tx *store.Store, userID int64) error {
	ctx := c.UserContext()
	u, err := tx.User(ctx, userID)
	if err != nil {
		return err
	}
	if u.ConfirmedAt == nil {
		now := s.now().UTC()
		u.ConfirmedAt = &now
		if err := tx.UpdateUser(ctx, u, "confirmed_at"); err != nil {
			return err
		}
		if err := s.audit(c, tx, u.ID, "user.confirmed", "", nil); err != nil {
			return err
		}
	}
	_, err = tx.ClaimInvitations(ctx, u.ID, u.EmailKey)
	return err
}

// resendConfirm mails a new confirmation link in place of an expired one.
func (s *Server) resendConfirm(c *fiber.Ctx) error {
	token := formValue(c, "t")
	t, err := s.store.PeekToken(c.UserContext(), credential.HashToken(token), schema.TokenConfirm, s.now())
	if !errors.Is(err, store.ErrTokenExpired) {
		return s.renderLink(c, "confirm", msg("confirm.title"), token, err)
	}
	if ok, _, err := s.limit(c, "resend:"+s.clientIP(c), 10, time.Hour); err != nil || !ok {
		if err != nil {
			return err
		}
		return fiber.ErrTooManyRequests
	}

	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		u, err := tx.User(c.UserContext(), t.UserID)
		if err != nil || u.ConfirmedAt != nil {
			return err
		}
		return s.queueLink(c.UserContext(), tx, u, schema.TokenConfirm, u.Email, "", "confirm", "/bestaetigen",
			confirmValidity)
	})
	if err != nil {
		return err
	}
	s.mailQueued()
	return s.render(c, fiber.StatusOK, "confirm", page{Title: msg("confirm.title"), Data: linkPage{State: "resent"}})
}

// localPart returns the part of an address before the @.
func localPart(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return local
}

// passwordMessage returns the message for a password that the policy
// refuses.
func passwordMessage(err error) string {
	switch {
	case errors.Is(err, credential.ErrTooShort):
		return "form.password_short"
	case errors.Is(err, credential.ErrTooLong):
		return "form.password_long"
	case errors.Is(err, credential.ErrCommon):
		return "form.password_common"
	case errors.Is(err, credential.ErrContext):
		return "form.password_context"
	}
	return "form.password_invalid"
}

// rateLimited shows the form again with the time to wait.
func (s *Server) rateLimited(c *fiber.Ctx, err error, name, title string, f *form, resetAt time.Time) error {
	if err != nil {
		return err
	}
	f.fail("", "form.rate_limited", waitMinutes(s.now(), resetAt))
	c.Set(fiber.HeaderRetryAfter, retryAfter(s.now(), resetAt))
	s.log.Warn("request rejected", "reason", "rate_limit", "route", c.Route().Path)
	return s.render(c, fiber.StatusTooManyRequests, name, page{Title: title, Form: f})
}
