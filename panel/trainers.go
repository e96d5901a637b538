package panel

import (
	"github.com/gofiber/fiber/v2"

	"asta/schema"
	"asta/store"
)

// showTrainers lists the company's trainers with their trainees. For an
// Ausbilder the list holds only their own trainer record.
func (s *Server) showTrainers(c *fiber.Ctx) error {
	access := visitorOf(c).company
	only := ""
	if access.Role == schema.RoleAusbilder {
		only = access.Trainer
	}
	rows, err := s.store.Trainers(c.UserContext(), access.Company.Ident, only)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "trainers", page{Title: msg("trainers.title"), Data: rows})
}

// showExams lists the exam registrations of the company's trainees, the
// open ones with the nearest deadline first. For an Ausbilder the list
// holds those of their own trainees.
func (s *Server) showExams(c *fiber.Ctx) error {
	access := visitorOf(c).company
	only := ""
	if access.Role == schema.RoleAusbilder {
		only = access.Trainer
	}
	rows, err := s.store.ExamRegistrations(c.UserContext(), access.Company.Ident, only)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "exams", page{Title: msg("exams.title"), Data: rows})
}

// showContracts is the contract management tile: a link to the service
// where the configuration names one, otherwise a plain note that it is not
// enabled yet.
func (s *Server) showContracts(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "contracts", page{
		Title: msg("contracts.title"), Data: s.opts.ContractManagementURL,
	})
}

// showCompanies lists the companies the user may administer, with the
// role in each. Each links to the view named by the parameter ansicht
// where the role allows it, so that switching keeps the user on the same
// view.
func (s *Server) showCompanies(c *fiber.Ctx) error {
	rows, err := s.store.UserCompanies(c.UserContext(), visitorOf(c).user.ID)
	if err != nil {
		return err
	}
	view := c.Query("ansicht")
	if !knownView(view) {
		view = viewStart
	}
	links := make([]companyLink, len(rows))
	for i, r := range rows {
		a := companyAccess{Role: r.Role, Suspended: r.Status == "GELOESCHT"}
		links[i] = companyLink{CompanyRole: r, Link: "/betrieb/" + r.Ident}
		if view != viewStart && a.Can(view) {
			links[i].Link += "/" + view
		}
	}
	return s.render(c, fiber.StatusOK, "companies", page{Title: msg("companies.title"), Data: links})
}

// companyLink is a company of the list with the link to open it.
type companyLink struct {
	store.CompanyRole
	Link string
}

func knownView(v string) bool {
	switch v {
	case viewStart, viewTrainees, viewTrainers, viewExams, viewSettings, viewGrants, viewContracts:
		return true
	}
	return false
}
