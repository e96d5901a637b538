package panel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/unicode/norm"

	"asta/panel/credential"
	"asta/schema"
	"asta/store"
)

// grantsPage is the data of the grants page.
type grantsPage struct {
	Grants   []store.GrantRow
	Trainers []store.Option
	Audit    []auditRow
}

// auditRow is an entry of the audit log as the page shows it.
type auditRow struct {
	At     time.Time
	Actor  string
	Action string
	Detail string
}

// roles are the roles an administrator may grant, in the order shown.
var roles = []string{schema.RoleAdmin, schema.RoleVerwalter, schema.RoleAusbilder}

func (s *Server) showGrants(c *fiber.Ctx) error {
	return s.renderGrants(c, fiber.StatusOK, newForm(), c.Query("ok"))
}

// renderGrants shows the grants page with the form state and, when notice
// names one, a confirmation.
func (s *Server) renderGrants(c *fiber.Ctx, status int, f *form, notice string) error {
	ctx := c.UserContext()
	ident := visitorOf(c).company.Company.Ident
	grants, err := s.store.CompanyGrants(ctx, ident)
	if err != nil {
		return err
	}
	trainers, err := s.store.CompanyTrainers(ctx, ident)
	if err != nil {
		return err
	}
	audit, err := s.auditRows(ctx, ident)
	if err != nil {
		return err
	}
	p := page{Title: msg("grants.title"), Form: f, Data: grantsPage{Grants: grants, Trainers: trainers, Audit: audit}}
	if notice != "" {
		p.Notice = msg("grants.done_" + notice)
	}
	return s.render(c, status, "grants", p)
}

// auditRows returns the newest entries of the company's audit log with the
// names of their actors.
func (s *Server) auditRows(ctx context.Context, ident string) ([]auditRow, error) {
	entries, err := s.store.AuditEntries(ctx, ident, 50)
	if err != nil {
		return nil, err
	}
	rows := make([]auditRow, len(entries))
	names := map[int64]string{}
	for i, e := range entries {
		rows[i] = auditRow{At: e.At, Action: msg("audit." + e.Action), Detail: auditDetail(e.Detail), Actor: msg("audit.system")}
		if e.ActorID == nil {
			continue
		}
		if _, ok := names[*e.ActorID]; !ok {
			u, err := s.store.User(ctx, *e.ActorID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				names[*e.ActorID] = msg("audit.deleted_user")
			case err != nil:
				return nil, err
			default:
				names[*e.ActorID] = u.Name + " <" + u.Email + ">"
			}
		}
		rows[i].Actor = names[*e.ActorID]
	}
	return rows, nil
}

// addGrant grants a role to an address: to its account if there is one,
// or as an invitation that waits for the address to register.
func (s *Server) addGrant(c *fiber.Ctx) error {
	v := visitorOf(c)
	f := newForm()
	email := strings.TrimSpace(norm.NFC.String(formValue(c, "email")))
	role, trainer := formValue(c, "rolle"), formValue(c, "ausbilder")
	f.Values["email"], f.Values["rolle"], f.Values["ausbilder"] = email, role, trainer

	key, err := credential.NormalizeEmail(email)
	if _, bad := checkAddress(email); err != nil || bad != "" {
		f.fail("email", "form.email_invalid")
	}
	if key := s.checkRole(c, role, trainer); key != "" {
		f.fail("rolle", key)
	}
	if !f.ok() {
		return s.renderGrants(c, fiber.StatusUnprocessableEntity, f, "")
	}

	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		return s.grant(c, tx, email, key, role, trainer)
	})
	if errors.Is(err, store.ErrGrantExists) {
		f.fail("email", "grants.exists")
		return s.renderGrants(c, fiber.StatusConflict, f, "")
	}
	if err != nil {
		return err
	}
	s.mailQueued()
	return c.Redirect(s.grantsURL(v)+"?ok=added", fiber.StatusSeeOther)
}

func (s *Server) grant(c *fiber.Ctx, tx *store.Store, email, key, role, trainer string) error {
	ctx := c.UserContext()
	v := visitorOf(c)
	co := v.company.Company
	now := s.now().UTC()
	actor := v.user.ID
	g := &schema.Grant{CompanyIdent: co.Ident, Role: role, TrainerNumber: trainer, CreatedBy: &actor,
		CreatedAt: now, UpdatedAt: now}

	u, err := tx.UserByEmailKey(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		g.InviteEmailKey = key
	case err != nil:
		return err
	default:
		g.UserID = &u.ID
	}
	if err := tx.AddGrant(ctx, g); err != nil {
		return err
	}
	kind, link := "granted", strings.TrimRight(s.opts.BaseURL, "/")+"/betrieb/"+co.Ident
	if g.UserID == nil {
		kind, link = "invitation", strings.TrimRight(s.opts.BaseURL, "/")+"/registrieren"
	}
	if err := queueMail(ctx, tx, email, kind, co.Name1, msg("role."+role), link); err != nil {
		return err
	}
	return s.audit(c, tx, actor, "grant.added", co.Ident, map[string]string{"email": email, "role": role})
}

// checkRole returns the catalogue key of what is wrong with the role and
// trainer of a grant, or "".
func (s *Server) checkRole(c *fiber.Ctx, role, trainer string) string {
	switch role {
	case schema.RoleAdmin, schema.RoleVerwalter:
		return ""
	case schema.RoleAusbilder:
		t, err := s.store.Trainer(c.UserContext(), trainer)
		if err != nil || t.CompanyIdent != visitorOf(c).company.Company.Ident {
			return "grants.trainer_missing"
		}
		return ""
	}
	return "grants.role_invalid"
}

// changeGrant changes the role of a grant. The company's last own
// administrator cannot be demoted.
func (s *Server) changeGrant(c *fiber.Ctx) error {
	v := visitorOf(c)
	f := newForm()
	g, err := s.companyGrant(c)
	if err != nil {
		return err
	}
	role, trainer := formValue(c, "rolle"), formValue(c, "ausbilder")
	if key := s.checkRole(c, role, trainer); key != "" {
		f.fail("", key)
		return s.renderGrants(c, fiber.StatusUnprocessableEntity, f, "")
	}
	if role != schema.RoleAusbilder {
		trainer = ""
	}
	if role == g.Role && trainer == g.TrainerNumber {
		return c.Redirect(s.grantsURL(v), fiber.StatusSeeOther)
	}

	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		if err := s.keepAnAdmin(c, tx, g, role); err != nil {
			return err
		}
		old := g.Role
		g.Role, g.TrainerNumber = role, trainer
		if err := tx.UpdateGrant(c.UserContext(), g); err != nil {
			return err
		}
		return s.audit(c, tx, v.user.ID, "grant.changed", g.CompanyIdent, map[string]any{
			"grant": g.ID, "old": old, "new": role,
		})
	})
	if errors.Is(err, errLastAdmin) {
		f.fail("", "grants.last_admin")
		return s.renderGrants(c, fiber.StatusConflict, f, "")
	}
	if err != nil {
		return err
	}
	return c.Redirect(s.grantsURL(v)+"?ok=changed", fiber.StatusSeeOther)
}

// revokeGrant deletes a grant, except that of the last own administrator.
func (s *Server) revokeGrant(c *fiber.Ctx) error {
	v := visitorOf(c)
	g, err := s.companyGrant(c)
	if err != nil {
		return err
	}
	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		if err := s.keepAnAdmin(c, tx, g, ""); err != nil {
			return err
		}
		if err := tx.DeleteGrant(c.UserContext(), g.ID); err != nil {
			return err
		}
		return s.audit(c, tx, v.user.ID, "grant.revoked", g.CompanyIdent, map[string]any{
			"grant": g.ID, "role": g.Role,
		})
	})
	if errors.Is(err, errLastAdmin) {
		f := newForm()
		f.fail("", "grants.last_admin")
		return s.renderGrants(c, fiber.StatusConflict, f, "")
	}
	if err != nil {
		return err
	}
	return c.Redirect(s.grantsURL(v)+"?ok=revoked", fiber.StatusSeeOther)
}

var errLastAdmin = errors.New("last administrator")

// keepAnAdmin returns errLastAdmin when taking the grant's administrator
// role away (role is the new role, "" for none) would leave the company
// without an own administrator.
func (s *Server) keepAnAdmin(c *fiber.Ctx, tx *store.Store, g *schema.Grant, role string) error {
	if g.Role != schema.RoleAdmin || role == schema.RoleAdmin || g.UserID == nil {
		return nil
	}
	n, err := tx.OwnAdmins(c.UserContext(), g.CompanyIdent)
	if err != nil {
		return err
	}
	if n <= 1 {
		return errLastAdmin
	}
	return nil
}

// companyGrant returns the grant of the URL if it belongs to the company
// of the URL, and 404 otherwise.
func (s *Server) companyGrant(c *fiber.Ctx) (*schema.Grant, error) {
	id, err := strconv.ParseInt(c.Params("grant"), 10, 64)
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	g, err := s.store.Grant(c.UserContext(), visitorOf(c).company.Company.Ident, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	return g, err
}

func (s *Server) grantsURL(v *visitor) string {
	return "/betrieb/" + v.company.Company.Ident + "/" + viewGrants
}

// auditDetail renders the JSON detail of an audit entry as German
// "Feld: Wert" pairs, nested objects with their key as prefix.
func auditDetail(detail string) string {
	var v map[string]any
	if detail == "" || json.Unmarshal([]byte(detail), &v) != nil {
		return detail
	}
	var parts []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			label := msg("audit.field." + k)
			if prefix != "" {
				label = prefix + " " + label
			}
			switch x := m[k].(type) {
			case map[string]any:
				walk(label, x)
			case bool:
				parts = append(parts, label+": "+msg(fmt.Sprintf("audit.bool.%t", x)))
			case string:
				if r := msg("role." + x); r != "role."+x {
					x = r
				}
				parts = append(parts, label+": "+x)
			default:
				parts = append(parts, fmt.Sprintf("%s: %v", label, x))
			}
		}
	}
	walk("", v)
	return strings.Join(parts, "; ")
}
