package panel

import (
	"context"
	"errors"
	"sort"

	"github.com/gofiber/fiber/v2"

	"asta/store"
)

// consoleFailedLimit is the number of failed mails the outbox page lists.
const consoleFailedLimit = 100

// consoleOutbox is the data of the outbox page. It never holds a mail's
// body, because bodies carry one-time links.
type consoleOutbox struct {
	Nav    consoleNav
	Counts []stateCount
	Failed []store.FailedMail
}

// stateCount is the number of outbox mails in one state.
type stateCount struct {
	State string
	N     int64
}

// showOutbox shows the outbox's counts and its failed mails.
func (s *Server) showOutbox(c *fiber.Ctx) error {
	nav, err := s.consoleNavOf(c, "outbox")
	if err != nil {
		return err
	}
	stats, err := s.store.OutboxStats(c.UserContext())
	if err != nil {
		return err
	}
	failed, err := s.store.FailedMails(c.UserContext(), consoleFailedLimit)
	if err != nil {
		return err
	}
	data := consoleOutbox{Nav: nav, Failed: failed}
	for state, n := range stats.Mails {
		data.Counts = append(data.Counts, stateCount{State: state, N: n})
	}
	sort.Slice(data.Counts, func(i, j int) bool { return data.Counts[i].State < data.Counts[j].State })
	return s.render(c, fiber.StatusOK, "console_outbox", page{
		Title: msg("console.outbox.title"), Notice: consoleNotice(c), Data: data,
	})
}

// retryMail puts a failed mail back into the queue and wakes the sender.
func (s *Server) retryMail(c *fiber.Ctx) error {
	if err := s.changeFailedMail(c, "console.mail_requeued", (*store.Store).RequeueMail); err != nil {
		return err
	}
	s.mailQueued()
	return consoleDone(c, "/konsole/postausgang", "mail_requeued")
}

// discardMail gives a failed mail up.
func (s *Server) discardMail(c *fiber.Ctx) error {
	if err := s.changeFailedMail(c, "console.mail_discarded", (*store.Store).DiscardMail); err != nil {
		return err
	}
	return consoleDone(c, "/konsole/postausgang", "mail_discarded")
}

// changeFailedMail applies change to the failed mail of the URL and
// audits it as action. A mail that is not failed is a 404.
func (s *Server) changeFailedMail(c *fiber.Ctx, action string, change func(*store.Store, context.Context, int64) error) error {
	id, err := paramID(c, "mail")
	if err != nil {
		return err
	}
	v := visitorOf(c)
	err = s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		if err := change(tx, c.UserContext(), id); err != nil {
			return err
		}
		return s.audit(c, tx, v.user.ID, action, "", map[string]int64{"mail_id": id})
	})
	if errors.Is(err, store.ErrNotPending) {
		return fiber.ErrNotFound
	}
	if err == nil {
		s.log.Info("failed mail changed by an operator", "action", action, "mail_id", id, "user_id", v.user.ID)
	}
	return err
}
