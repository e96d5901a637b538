package panel

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"asta/jobs/importer"
	"asta/store"
)

// consoleSearchLimit is the number of companies a search lists.
const consoleSearchLimit = 50

// codeAlphabet are the letters of activation codes: upper case letters
// and digits without 0, 1, I and O, which readers of a letter confuse.
// Its 32 letters make each random byte's low 5 bits one letter.
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newActivationCode returns a random activation code in the letter
// format: three groups of four letters, such as K7QM-2XHD-9PLA (60 bits).
func newActivationCode() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never returns an error
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(codeAlphabet[x&31])
	}
	return sb.String()
}

// consoleCompanies is the data of the company search page.
type consoleCompanies struct {
	Nav     consoleNav
	Term    string
	Results []store.ConsoleCompany
}

// showConsoleCompanies searches companies by Identnummer or name.
func (s *Server) showConsoleCompanies(c *fiber.Ctx) error {
	nav, err := s.consoleNavOf(c, "companies")
	if err != nil {
		return err
	}
	data := consoleCompanies{Nav: nav, Term: strings.TrimSpace(c.Query("suche"))}
	if data.Results, err = s.store.SearchCompanies(c.UserContext(), data.Term, consoleSearchLimit); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "console_companies", page{Title: msg("console.companies.title"), Data: data})
}

// consoleCompany is the data of a company's console page. Code is set
// only on the response that issued it.
type consoleCompany struct {
	Nav     consoleNav
	Company *store.ConsoleCompany
	Code    string
}

// showConsoleCompany shows a company's activation state.
func (s *Server) showConsoleCompany(c *fiber.Ctx) error {
	return s.renderConsoleCompany(c, fiber.StatusOK, nil, "")
}

func (s *Server) renderConsoleCompany(c *fiber.Ctx, status int, f *form, code string) error {
	nav, err := s.consoleNavOf(c, "companies")
	if err != nil {
		return err
	}
	co, err := s.store.ConsoleCompany(c.UserContext(), c.Params("ident"))
	if err != nil {
		return notFoundAs404(err)
	}
	data := consoleCompany{Nav: nav, Company: co, Code: code}
	return s.render(c, status, "console_company", page{Title: msg("console.company.title", co.Ident), Form: f, Data: data})
}

// issueCode gives the company of the URL a new activation code, which
// replaces its old one, and shows it once. The operator must confirm that
// the old code stops working.
func (s *Server) issueCode(c *fiber.Ctx) error {
	ident := c.Params("ident")
	if formValue(c, "confirm") != "1" {
		f := newForm()
		f.fail("", "console.form_invalid")
		f.fail("confirm", "console.code.confirm_missing")
		return s.renderConsoleCompany(c, fiber.StatusUnprocessableEntity, f, "")
	}
	code := newActivationCode()
	v := visitorOf(c)
	err := s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		return s.issueCodeIn(c, tx, ident, code, "console.code_issued")
	})
	if err != nil {
		return notFoundAs404(err)
	}
	s.log.Info("activation code issued by an operator", "company", ident, "user_id", v.user.ID)
	return s.renderConsoleCompany(c, fiber.StatusOK, nil, code)
}

// issueCodeIn stores the hash of code as the company's activation code on
// tx and audits it as action, without the code.
func (s *Server) issueCodeIn(c *fiber.Ctx, tx *store.Store, ident, code, action string) error {
	hash := importer.HashActivationCode(importer.NormalizeActivationCode(code))
	if err := tx.IssueActivationCode(c.UserContext(), ident, hash, s.now()); err != nil {
		return err
	}
	return s.audit(c, tx, visitorOf(c).user.ID, action, ident, nil)
}

// notFoundAs404 turns [store.ErrNotFound] into the panel's 404.
func notFoundAs404(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", fiber.ErrNotFound, err)
	}
	return err
}
