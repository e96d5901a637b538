package panel

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"asta/panel/credential"
	"asta/store"
)

// TOTP tries per operator before a pause.
const (
	totpWindow = 15 * time.Minute
	totpTries  = 5
)

// enrolPage is the data of the authenticator enrolment page. Secret
// travels in the form, signed, until the first code confirms it.
type enrolPage struct {
	Secret    string
	Signature string
	QR        template.URL // data: URL of the PNG, which the panel made itself
}

// showTOTP shows the form for the code of an operator's authenticator.
func (s *Server) showTOTP(c *fiber.Ctx) error {
	v := visitorOf(c)
	if !v.user.Operator || v.session.SecondFactor {
		return c.Redirect("/start", fiber.StatusSeeOther)
	}
	if v.user.TOTPSecret == "" {
		return c.Redirect("/anmelden/authenticator", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "totp", page{Title: msg("totp.title")})
}

// checkTOTP accepts the operator's code once, within a step either side.
func (s *Server) checkTOTP(c *fiber.Ctx) error {
	v := visitorOf(c)
	if !v.user.Operator || v.user.TOTPSecret == "" {
		return c.Redirect("/start", fiber.StatusSeeOther)
	}
	f := newForm()
	title := msg("totp.title")
	if ok, resetAt, err := s.limit(c, "totp:"+v.user.EmailKey, totpTries, totpWindow); err != nil || !ok {
		return s.rateLimited(c, err, "totp", title, f, resetAt)
	}
	step, ok := credential.ValidateTOTP(v.user.TOTPSecret, formValue(c, "code"), s.now(), v.user.TOTPLastStep)
	if !ok {
		f.fail("code", "totp.wrong")
		if err := s.audit(c, s.store, v.user.ID, "operator.totp_failed", "", nil); err != nil {
			return err
		}
		return s.render(c, fiber.StatusUnprocessableEntity, "totp", page{Title: title, Form: f})
	}
	if err := s.passSecondFactor(c, step, ""); err != nil {
		return err
	}
	return c.Redirect("/konsole", fiber.StatusSeeOther)
}

// passSecondFactor records the used time step (and a newly enrolled
// secret) and marks the session as past the second factor.
func (s *Server) passSecondFactor(c *fiber.Ctx, step int64, secret string) error {
	v := visitorOf(c)
	return s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		cols := []string{"totp_last_step"}
		v.user.TOTPLastStep = step
		action := "operator.totp_passed"
		if secret != "" {
			v.user.TOTPSecret = secret
			cols = append(cols, "totp_secret")
			action = "operator.totp_enrolled"
		}
		if err := tx.UpdateUser(c.UserContext(), v.user, cols...); err != nil {
			return err
		}
		if err := tx.SetSecondFactor(c.UserContext(), v.sessionHash); err != nil {
			return err
		}
		return s.audit(c, tx, v.user.ID, action, "", nil)
	})
}

// showEnrol shows a new TOTP secret as a QR code to an operator who has
// none yet.
func (s *Server) showEnrol(c *fiber.Ctx) error {
	v := visitorOf(c)
	if !v.user.Operator || v.user.TOTPSecret != "" {
		return c.Redirect("/start", fiber.StatusSeeOther)
	}
	secret, _, png, err := credential.NewTOTP("asta", v.user.Email)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "enrol", page{Title: msg("enrol.title"), Data: s.enrolPage(v, secret, png)})
}

func (s *Server) enrolPage(v *visitor, secret string, png []byte) enrolPage {
	p := enrolPage{Secret: secret, Signature: s.signSecret(v, secret)}
	if png != nil {
		p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)) //nolint:gosec // built here from bytes
	}
	return p
}

// signSecret binds a proposed secret to the session, so that the form
// cannot bring another.
func (s *Server) signSecret(v *visitor, secret string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("totp|" + v.sessionHash + "|" + secret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// enrol stores the secret once the operator's first code matches it.
func (s *Server) enrol(c *fiber.Ctx) error {
	v := visitorOf(c)
	if !v.user.Operator || v.user.TOTPSecret != "" {
		return c.Redirect("/start", fiber.StatusSeeOther)
	}
	secret := formValue(c, "secret")
	if !hmac.Equal([]byte(formValue(c, "signature")), []byte(s.signSecret(v, secret))) {
		return errCSRF
	}
	f := newForm()
	step, ok := credential.ValidateTOTP(secret, formValue(c, "code"), s.now(), 0)
	if !ok {
		f.fail("code", "totp.wrong")
		return s.render(c, fiber.StatusUnprocessableEntity, "enrol", page{
			Title: msg("enrol.title"), Form: f, Data: s.enrolPage(v, secret, nil),
		})
	}
	if err := s.passSecondFactor(c, step, secret); err != nil {
		return err
	}
	return c.Redirect("/konsole", fiber.StatusSeeOther)
}
