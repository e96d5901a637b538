package panel

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"asta/schema"
	"asta/store"
)

// consoleRunLimit is the number of import runs on the console's start page.
const consoleRunLimit = 20

func init() {
	funcs["dict"] = dict
	funcs["auditLabel"] = auditLabel
	funcs["auditDetail"] = auditDetail
	funcs["shortID"] = func(id string) string { return id[:min(len(id), 12)] }
}

// dict makes a map of the key-value pairs, for passing several values to
// a partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// auditLabel returns the German label of an audit action from the
// catalogue key "audit."+action, or the action itself.
func auditLabel(action string) string {
	if _, ok := messages["audit."+action]; ok {
		return msg("audit." + action)
	}
	return action
}

// consoleNav is the header of every console page: the links to the
// console's sections and the pause switches.
type consoleNav struct {
	Section string
	Pauses  []pauseView
}

// consoleHome is the data of the console's start page.
type consoleHome struct {
	Nav   consoleNav
	Runs  []schema.ImportRun
	Holds []schema.PackageHold
	Jobs  []string
}

// consoleNavOf reads the pauses for the console's navigation.
func (s *Server) consoleNavOf(c *fiber.Ctx, section string) (consoleNav, error) {
	pauses, err := s.pauseViews(c)
	if err != nil {
		return consoleNav{}, err
	}
	return consoleNav{Section: section, Pauses: pauses}, nil
}

// showConsole is the operators' start page: import runs, held packages,
// the jobs to run now and the pause switches.
func (s *Server) showConsole(c *fiber.Ctx) error {
	return s.renderConsoleHome(c, fiber.StatusOK, nil)
}

func (s *Server) renderConsoleHome(c *fiber.Ctx, status int, f *form) error {
	ctx := c.UserContext()
	nav, err := s.consoleNavOf(c, "start")
	if err != nil {
		return err
	}
	runs, err := s.store.RecentImportRuns(ctx, consoleRunLimit)
	if err != nil {
		return err
	}
	holds, err := s.store.HeldPackages(ctx)
	if err != nil {
		return err
	}
	data := consoleHome{Nav: nav, Runs: runs, Holds: holds, Jobs: s.opts.Jobs}
	return s.render(c, status, "console", page{Title: msg("console.title"), Notice: consoleNotice(c), Form: f, Data: data})
}

// consoleNotice returns the confirmation that a console action asked for
// with the query parameter "erledigt", a key of the catalogue below
// "console.done.", or "" for none or an unknown key.
func consoleNotice(c *fiber.Ctx) string {
	key := c.Query("erledigt")
	if key == "" {
		return ""
	}
	if _, ok := messages["console.done."+key]; !ok {
		return ""
	}
	return msg("console.done." + key)
}

// consoleDone redirects to target after a console action, with the
// confirmation of the catalogue key "console.done."+done.
func consoleDone(c *fiber.Ctx, target, done string) error {
	return c.Redirect(target+"?erledigt="+done, fiber.StatusSeeOther)
}

// runJob starts a run of the job named in the URL now.
func (s *Server) runJob(c *fiber.Ctx) error {
	job := strings.Clone(c.Params("job")) // Fiber reuses the buffer of c.Params
	if s.opts.Trigger == nil || !slices.Contains(s.opts.Jobs, job) {
		return fiber.ErrNotFound
	}
	if err := s.opts.Trigger(job); err != nil {
		return err
	}
	v := visitorOf(c)
	if err := s.audit(c, s.store, v.user.ID, "console.job_triggered", "", map[string]string{"job": job}); err != nil {
		return err
	}
	s.log.Info("job triggered by an operator", "job", job, "user_id", v.user.ID)
	return consoleDone(c, "/konsole", "job_triggered")
}

// decideHold confirms or discards the held package of the URL. A
// confirmed package is imported by the next import run, which this
// triggers.
func (s *Server) decideHold(decision string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := strings.Clone(c.Params("package"))
		v := visitorOf(c)
		err := s.store.InTx(c.UserContext(), func(tx *store.Store) error {
			if err := tx.DecideHold(c.UserContext(), id, decision, s.now()); err != nil {
				return err
			}
			return s.audit(c, tx, v.user.ID, "console.hold_"+decision, "", map[string]string{"package_id": id})
		})
		if errors.Is(err, store.ErrNotPending) {
			return fiber.ErrNotFound
		}
		if err != nil {
			return err
		}
		s.log.Info("held package decided by an operator", "package_id", id, "decision", decision, "user_id", v.user.ID)
		if s.opts.Trigger != nil && slices.Contains(s.opts.Jobs, store.PauseImport) {
			if err := s.opts.Trigger(store.PauseImport); err != nil {
				s.log.Warn("trigger import after hold decision", "package_id", id, "error", err)
			}
		}
		return consoleDone(c, "/konsole", "hold_"+decision)
	}
}

// paramID parses the URL parameter name as a positive id. Any other value
// is a 404.
func paramID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}
