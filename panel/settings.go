package panel

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"asta/store"
)

// settingsPage is the data of the settings page.
type settingsPage struct {
	Online bool
	Email  string // the address in effect
	Choice string // the selected dropdown entry, or "" for a typed address
	Typed  string
	Known  []string
}

// otherAddress is the dropdown entry that selects the typed address.
const otherAddress = "andere"

func (s *Server) showSettings(c *fiber.Ctx) error {
	co := visitorOf(c).company.Company
	p, err := s.settingsPage(c)
	if err != nil {
		return err
	}
	p.Online, p.Email = co.OnlineRegistration, co.NotificationEmail
	p.Choice = otherAddress
	if p.Email == "" || slices.Contains(p.Known, p.Email) {
		p.Choice = p.Email
	} else {
		p.Typed = p.Email
	}
	pg := page{Title: msg("settings.title"), Data: p}
	if c.Query("gespeichert") != "" {
		pg.Notice = msg("settings.saved")
	}
	return s.render(c, fiber.StatusOK, "settings", pg)
}

func (s *Server) settingsPage(c *fiber.Ctx) (settingsPage, error) {
	known, err := s.store.KnownAddresses(c.UserContext(), visitorOf(c).company.Company.Ident)
	return settingsPage{Known: known}, err
}

// saveSettings turns online exam registration on or off and sets the
// notification address: one of the known addresses, or a typed one that
// passes the address check. Turning the service on requires an address.
// The change is audited with the old and new values.
func (s *Server) saveSettings(c *fiber.Ctx) error {
	v := visitorOf(c)
	co := v.company.Company
	p, err := s.settingsPage(c)
	if err != nil {
		return err
	}
	p.Online, p.Choice, p.Typed = formValue(c, "online") == "1", formValue(c, "adresse"), formValue(c, "andere")

	f := newForm()
	if o := formValue(c, "online"); o != "0" && o != "1" {
		f.fail("adresse", "settings.online_missing")
	}
	switch {
	case p.Choice == otherAddress:
		addr, key := checkAddress(p.Typed)
		if key != "" {
			f.fail("andere", key)
		}
		p.Email = addr
	case p.Choice == "" || slices.Contains(p.Known, p.Choice):
		p.Email = p.Choice
	default:
		f.fail("adresse", "settings.choose")
	}
	if f.ok() && p.Online && p.Email == "" {
		f.fail("adresse", "settings.email_required")
	}
	if !f.ok() {
		return s.render(c, fiber.StatusUnprocessableEntity, "settings", page{
			Title: msg("settings.title"), Form: f, Data: p,
		})
	}

	if p.Online == co.OnlineRegistration && p.Email == co.NotificationEmail {
		return c.Redirect("/betrieb/"+co.Ident+"/"+viewSettings+"?gespeichert=1", fiber.StatusSeeOther)
	}
	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		if err := tx.UpdateCompanySettings(c.UserContext(), co.Ident, p.Online, p.Email); err != nil {
			return err
		}
		return s.audit(c, tx, v.user.ID, "company.settings_changed", co.Ident, map[string]any{
			"old": map[string]any{"online_registration": co.OnlineRegistration, "notification_email": co.NotificationEmail},
			"new": map[string]any{"online_registration": p.Online, "notification_email": p.Email},
		})
	})
	if err != nil {
		return err
	}
	return c.Redirect("/betrieb/"+co.Ident+"/"+viewSettings+"?gespeichert=1", fiber.StatusSeeOther)
}
