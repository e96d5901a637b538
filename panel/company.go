package panel

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"asta/jobs/importer"
	"asta/schema"
	"asta/store"
)

// Lock-out of activation: wrong tries per account and per Identnummer.
const (
	activationWindow      = 15 * time.Minute
	activationMaxFailures = 5
)

// companyAccess is a company and the visitor's role in it. Inherited is set
// when the role comes from a head company; Trainer is the trainer record
// that an Ausbilder grant is linked to. A company that the chamber deleted
// is Suspended: its start page shows a notice and nothing else.
type companyAccess struct {
	Company   *schema.Company
	Role      string
	Inherited bool
	Trainer   string
	Suspended bool
}

// Can reports whether the role may open the view: settings and grants are
// for administrators only.
func (a *companyAccess) Can(view string) bool {
	switch view {
	case viewSettings, viewGrants:
		return a.Role == schema.RoleAdmin && !a.Suspended
	case viewStart:
		return true
	}
	return !a.Suspended
}

// Views of a company, the last segment of their paths.
const (
	viewStart     = ""
	viewTrainees  = "auszubildende"
	viewTrainers  = "ausbilder"
	viewExams     = "pruefungen"
	viewSettings  = "einstellungen"
	viewGrants    = "berechtigungen"
	viewContracts = "vertragsmanagement"
)

// requireCompany responds with 404 unless the visitor has a role in the company
// of the URL, their own or as Administrator of a head company.
func (s *Server) requireCompany(c *fiber.Ctx) error {
	access, err := s.access(c, visitorOf(c).user.ID, c.Params("ident"))
	if err != nil {
		return err
	}
	if access == nil {
		return fiber.ErrNotFound
	}
	visitorOf(c).company = access
	return c.Next()
}

// requireView responds with 404 unless the visitor's role may open the view.
func requireView(view string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !visitorOf(c).company.Can(view) {
			return fiber.ErrNotFound
		}
		return c.Next()
	}
}

// access returns the user's role in the company, or nil for none. An
// Ausbilder grant counts only while its trainer record is active at the
// company. One query reads the company with the user's own grant; the
// head companies are read only when that grant gives no access.
func (s *Server) access(c *fiber.Ctx, userID int64, ident string) (*companyAccess, error) {
	ctx := c.UserContext()
	cg, err := s.store.CompanyGrant(ctx, userID, ident)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	co := cg.Company
	if cg.Grant != nil {
		if a := ownAccess(cg); a != nil {
			return a, nil
		}
	}

	heads, err := s.store.HeadIdents(ctx, ident)
	if err != nil {
		return nil, err
	}
	for _, h := range heads {
		role, err := s.store.Role(ctx, userID, h)
		if err != nil {
			return nil, err
		}
		if role == schema.RoleAdmin {
			return &companyAccess{Company: co, Role: role, Inherited: true, Suspended: co.Status == "GELOESCHT"}, nil
		}
	}
	return nil, nil
}

// ownAccess returns the access that the user's own grant gives, or nil
// for an Ausbilder grant whose trainer record is missing, inactive or at
// another company.
func ownAccess(cg *store.CompanyGrant) *companyAccess {
	co, g := cg.Company, cg.Grant
	a := &companyAccess{Company: co, Role: g.Role, Trainer: g.TrainerNumber, Suspended: co.Status == "GELOESCHT"}
	if g.Role != schema.RoleAusbilder {
		return a
	}
	t := cg.Trainer
	if t == nil || t.CompanyIdent != co.Ident || t.Status != "AKTIV" || !t.MissingSince.IsZero() {
		return nil
	}
	return a
}

// showStart sends the user to their company, operators to the console, and
// users without a company to activation.
func (s *Server) showStart(c *fiber.Ctx) error {
	u := visitorOf(c).user
	if u.Operator {
		return c.Redirect("/konsole", fiber.StatusSeeOther)
	}
	grants, err := s.store.UserGrants(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	if len(grants) == 0 {
		return c.Redirect("/aktivieren", fiber.StatusSeeOther)
	}
	return c.Redirect("/betrieb/"+grants[0].CompanyIdent, fiber.StatusSeeOther)
}

func (s *Server) showActivate(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "activate", page{Title: msg("activate.title")})
}

// activate makes the user Administrator of the company whose Identnummer
// and activation code they enter. A wrong pair gets one message that does
// not say which half was wrong.
func (s *Server) activate(c *fiber.Ctx) error {
	f := newForm()
	ident := strings.Join(strings.Fields(formValue(c, "ident")), "")
	code := importer.NormalizeActivationCode(formValue(c, "code"))
	f.Values["ident"] = ident
	title := msg("activate.title")
	if ident == "" {
		f.fail("ident", "activate.ident_missing")
	}
	if code == "" {
		f.fail("code", "activate.code_missing")
	}
	if !f.ok() {
		return s.render(c, fiber.StatusUnprocessableEntity, "activate", page{Title: title, Form: f})
	}

	u := visitorOf(c).user
	retryAt, err := s.store.Activate(c.UserContext(), store.Activation{
		UserID: u.ID, CompanyIdent: ident, CodeHash: importer.HashActivationCode(code), ClientIP: s.clientIP(c),
		Now: s.now(), Window: activationWindow, MaxFailures: activationMaxFailures,
	})
	status := fiber.StatusUnprocessableEntity
	switch {
	case err == nil, errors.Is(err, store.ErrAlreadyAdministered):
		return c.Redirect("/betrieb/"+ident+"?aktiviert=1", fiber.StatusSeeOther)
	case errors.Is(err, store.ErrActivationWrong):
		f.fail("", "activate.wrong")
	case errors.Is(err, store.ErrActivationLocked):
		f.fail("", "activate.locked", retryAt.In(berlin).Format("15:04"), waitMinutes(s.now(), retryAt))
		c.Set(fiber.HeaderRetryAfter, retryAfter(s.now(), retryAt))
		status = fiber.StatusTooManyRequests
	case errors.Is(err, store.ErrAlreadyActivated):
		f.fail("", "activate.already")
		status = fiber.StatusConflict
	default:
		return err
	}
	return s.render(c, status, "activate", page{Title: title, Form: f})
}

// companyPage is the data of a company's start page.
type companyPage struct {
	Summary   store.CompanySummary
	Activated bool
}

// showCompany shows the company's start page, or, while an import runs,
// its progress until it ends.
func (s *Server) showCompany(c *fiber.Ctx) error {
	access := visitorOf(c).company
	trainer := ""
	if access.Role == schema.RoleAusbilder {
		trainer = access.Trainer
	}
	sum, err := s.store.Summary(c.UserContext(), access.Company.Ident, trainer, schema.DateOf(s.now().In(berlin)))
	if err != nil {
		return err
	}
	p := page{Title: access.Company.Name1, Data: companyPage{Summary: sum, Activated: c.Query("aktiviert") != ""}}
	if p.Data.(companyPage).Activated {
		p.Notice = msg("company.activated")
	}
	return s.render(c, fiber.StatusOK, "company", p)
}

// showImportStatus is the htmx fragment that polls a running import; once
// it has ended, it reloads the page.
func (s *Server) showImportStatus(c *fiber.Ctx) error {
	run, err := s.store.RunningImport(c.UserContext())
	if err != nil {
		return err
	}
	if run == nil {
		c.Set("HX-Refresh", "true")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.fragment(c, "import-status", importStatus{
		Company: visitorOf(c).company.Company.Ident, Run: run, Elapsed: s.now().Sub(run.StartedAt).Round(time.Second),
	})
}

// importStatus is the data of the import-status fragment.
type importStatus struct {
	Company string
	Run     *schema.ImportRun
	Elapsed time.Duration
}
