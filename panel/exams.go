package panel

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"asta/schema"
	"asta/store"
)

// examPage is the data of an exam registration's page.
type examPage struct {
	Exam        *store.ExamDetail
	CanConfirm  bool // open, unconfirmed and within its deadline
	PastDue     bool
	NoAccount   bool // the trainee has no active account in the trainee portal
	ExamContact string
}

// exam returns the registration of the URL if the visitor may see it: one
// of the company's, and for an Ausbilder one of their own trainees.
func (s *Server) exam(c *fiber.Ctx) (*store.ExamDetail, error) {
	access := visitorOf(c).company
	d, err := s.store.ExamDetail(c.UserContext(), access.Company.Ident, c.Params("nr"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if access.Role == schema.RoleAusbilder && d.TrainerNumber != access.Trainer {
		return nil, fiber.ErrNotFound
	}
	return d, nil
}

// examState fills what the page shows about the registration.
func (s *Server) examState(d *store.ExamDetail) examPage {
	today := schema.DateOf(s.now().In(berlin))
	p := examPage{Exam: d, ExamContact: s.opts.ExamContact}
	p.PastDue = d.Deadline.Before(today)
	p.NoAccount = d.AccountStatus != "" && d.AccountStatus != schema.AccountActive &&
		d.AccountStatus != schema.AccountUnknown
	p.CanConfirm = d.Status == schema.ExamOpen && d.Confirmation == nil && !p.PastDue
	return p
}

// showExam shows a registration with what the company must confirm.
func (s *Server) showExam(c *fiber.Ctx) error {
	d, err := s.exam(c)
	if err != nil {
		return err
	}
	p := page{Title: msg("exam.title"), Data: s.examState(d)}
	if c.Query("bestaetigt") != "" {
		p.Notice = msg("exam.confirmed_notice")
	}
	return s.render(c, fiber.StatusOK, "exam", p)
}

// confirmExam records the company's confirmation of an open registration
// within its deadline, with both declarations given, and audits it.
func (s *Server) confirmExam(c *fiber.Ctx) error {
	v := visitorOf(c)
	d, err := s.exam(c)
	if err != nil {
		return err
	}
	p := s.examState(d)
	f := newForm()
	switch {
	case d.Confirmation != nil || d.Status != schema.ExamOpen:
		f.fail("", "exam.not_open")
	case p.PastDue: // the page shows the deadline notice with whom to contact
		return s.render(c, fiber.StatusUnprocessableEntity, "exam", page{Title: msg("exam.title"), Data: p})
	}
	if f.ok() {
		if formValue(c, "nachweise") != "J" {
			f.fail("nachweise", "exam.record_book_missing")
		}
		if formValue(c, "zustimmung") != "J" {
			f.fail("zustimmung", "exam.consent_missing")
		}
	}
	if !f.ok() {
		return s.render(c, fiber.StatusUnprocessableEntity, "exam", page{Title: msg("exam.title"), Form: f, Data: p})
	}

	uid := v.user.ID
	conf := &schema.ExamConfirmation{
		RegistrationNumber: d.Number, ContractNumber: d.ContractNumber, CompanyIdent: d.CompanyIdent, UserID: &uid,
		ConfirmedBy: v.user.Name, ConfirmedAt: s.now().UTC().Truncate(time.Second), RecordBook: true,
		TraineeConsent: true,
	}
	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		if err := tx.ConfirmExam(c.UserContext(), conf); err != nil {
			return err
		}
		return s.audit(c, tx, uid, "exam.confirmed", d.CompanyIdent, map[string]string{"registration": d.Number})
	})
	if errors.Is(err, store.ErrAlreadyConfirmed) {
		f.fail("", "exam.not_open")
		return s.render(c, fiber.StatusConflict, "exam", page{Title: msg("exam.title"), Form: f, Data: p})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/betrieb/"+d.CompanyIdent+"/pruefungen/"+d.Number+"?bestaetigt=1", fiber.StatusSeeOther)
}
