package panel

import (
	"errors"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/unicode/norm"

	"asta/panel/credential"
	"asta/schema"
	"asta/store"
)

func (s *Server) showAccount(c *fiber.Ctx) error {
	p := page{Title: msg("account.title")}
	switch c.Query("ok") {
	case "passwort":
		p.Notice = msg("account.password_changed")
	case "email":
		p.Notice = msg("account.email_sent")
	}
	return s.render(c, fiber.StatusOK, "account", p)
}

// accountForm renders the account page with a failed form, whose scope is
// the last segment of its action, such as "passwort" for /konto/passwort.
func (s *Server) accountForm(c *fiber.Ctx, status int, f *form) error {
	f.Scope = path.Base(c.Path())
	return s.render(c, status, "account", page{Title: msg("account.title"), Form: f})
}

// verifyCurrent checks the password the user typed as their current one.
// More than five tries in 15 minutes pause the check, so that a session
// cannot be used to guess the password.
func (s *Server) verifyCurrent(c *fiber.Ctx, f *form, u *schema.User) (bool, error) {
	ok, resetAt, err := s.limit(c, "current:"+strconv.FormatInt(u.ID, 10), 5, 15*time.Minute)
	if err != nil {
		return false, err
	}
	if !ok {
		f.fail("current", "form.rate_limited", waitMinutes(s.now(), resetAt))
		return false, nil
	}
	ok, err = s.hasher.Verify(c.UserContext(), u.PasswordHash, formValue(c, "current"))
	if err == nil && !ok {
		f.fail("current", "account.current_wrong")
	}
	return ok, err
}

// changePassword sets a new password after the current one, and ends the
// user's other sessions.
func (s *Server) changePassword(c *fiber.Ctx) error {
	v := visitorOf(c)
	f := newForm()
	if ok, err := s.verifyCurrent(c, f, v.user); err != nil || !ok {
		return orForm(err, func() error { return s.accountForm(c, fiber.StatusUnprocessableEntity, f) })
	}
	password := formValue(c, "password")
	if err := credential.CheckPassword(password, localPart(v.user.EmailKey), v.user.EmailKey, v.user.Name); err != nil {
		f.fail("password", passwordMessage(err))
		return s.accountForm(c, fiber.StatusUnprocessableEntity, f)
	}
	encoded, err := s.hasher.Hash(c.UserContext(), password)
	if err != nil {
		return err
	}
	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		return s.setPassword(c, tx, v.user, encoded, v.sessionHash)
	})
	if err != nil {
		return err
	}
	return c.Redirect("/konto?ok=passwort", fiber.StatusSeeOther)
}

// changeEmail mails a confirmation link to the new address and a notice
// to the old one. The address changes when the link is used.
func (s *Server) changeEmail(c *fiber.Ctx) error {
	v := visitorOf(c)
	f := newForm()
	email := strings.TrimSpace(norm.NFC.String(formValue(c, "email")))
	f.Values["email"] = email
	if ok, err := s.verifyCurrent(c, f, v.user); err != nil || !ok {
		return orForm(err, func() error { return s.accountForm(c, fiber.StatusUnprocessableEntity, f) })
	}
	key, err := credential.NormalizeEmail(email)
	if err != nil || key == v.user.EmailKey {
		f.fail("email", "form.email_invalid")
		return s.accountForm(c, fiber.StatusUnprocessableEntity, f)
	}

	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		ctx := c.UserContext()
		if err := tx.RevokeTokens(ctx, v.user.ID, schema.TokenEmailChange, s.now()); err != nil {
			return err
		}
		if err := s.queueLink(ctx, tx, v.user, schema.TokenEmailChange, email, email, "email_change",
			"/email-bestaetigen", emailChangeValidity); err != nil {
			return err
		}
		if err := queueMail(ctx, tx, v.user.Email, "email_change_notice", v.user.Name, email); err != nil {
			return err
		}
		return s.audit(c, tx, v.user.ID, "user.email_change_requested", "", nil)
	})
	if err != nil {
		return err
	}
	s.mailQueued()
	return c.Redirect("/konto?ok=email", fiber.StatusSeeOther)
}

func (s *Server) showConfirmEmail(c *fiber.Ctx) error {
	token := c.Query("t")
	_, err := s.store.PeekToken(c.UserContext(), credential.HashToken(token), schema.TokenEmailChange, s.now())
	return s.renderLink(c, "confirm_email", msg("confirm_email.title"), token, err)
}

// confirmEmail uses the link sent to a new address and changes the user's
// address to it, unless another account has taken it meanwhile.
func (s *Server) confirmEmail(c *fiber.Ctx) error {
	token := formValue(c, "t")
	title := msg("confirm_email.title")
	err := s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		ctx := c.UserContext()
		t, err := tx.UseToken(ctx, credential.HashToken(token), schema.TokenEmailChange, s.now())
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, t.UserID)
		if err != nil {
			return err
		}
		key, err := credential.NormalizeEmail(t.NewEmail)
		if err != nil {
			return err
		}
		if _, err := tx.UserByEmailKey(ctx, key); !errors.Is(err, store.ErrNotFound) {
			return errors.Join(errAddressTaken, err)
		}
		old := u.Email
		u.Email, u.EmailKey = t.NewEmail, key
		if err := tx.UpdateUser(ctx, u, "email", "email_key"); err != nil {
			return err
		}
		return s.audit(c, tx, u.ID, "user.email_changed", "", map[string]string{"old": old, "new": t.NewEmail})
	})
	if errors.Is(err, errAddressTaken) {
		return s.render(c, fiber.StatusConflict, "confirm_email", page{Title: title, Data: linkPage{State: "taken"}})
	}
	if err != nil {
		return s.renderLink(c, "confirm_email", title, token, err)
	}
	return s.render(c, fiber.StatusOK, "confirm_email", page{Title: title, Data: linkPage{State: "done"}})
}

var errAddressTaken = errors.New("address belongs to another account")

// deleteAccount deletes the user after their password, unless they are the
// last Administrator of a company.
func (s *Server) deleteAccount(c *fiber.Ctx) error {
	v := visitorOf(c)
	f := newForm()
	if ok, err := s.verifyCurrent(c, f, v.user); err != nil || !ok {
		return orForm(err, func() error { return s.accountForm(c, fiber.StatusUnprocessableEntity, f) })
	}
	company, last, err := s.store.IsLastAdmin(c.UserContext(), v.user.ID)
	if err != nil {
		return err
	}
	if last {
		f.fail("", "account.last_admin", company)
		return s.accountForm(c, fiber.StatusConflict, f)
	}

	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		if err := s.audit(c, tx, v.user.ID, "user.deleted", "", nil); err != nil {
			return err
		}
		return tx.DeleteUser(c.UserContext(), v.user.ID)
	})
	if err != nil {
		return err
	}
	c.ClearCookie(sessionCookie)
	v.user, v.session, v.sessionHash = nil, nil, ""
	return s.render(c, fiber.StatusOK, "deleted", page{Title: msg("account.deleted_title")})
}

// orForm returns err if set, else the result of render.
func orForm(err error, render func() error) error {
	if err != nil {
		return err
	}
	return render()
}
