package panel

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"asta/store"
)

// pauseReasonMax is the maximum length of a pause's reason, in characters.
const pauseReasonMax = 200

// pausableJobs are the jobs with a pause switch, in the console's order.
var pausableJobs = []string{store.PauseMail, store.PauseImport}

// pauseView is a pause switch as the console shows it.
type pauseView struct {
	Job      string
	Paused   bool
	Reason   string
	PausedAt time.Time
}

// pauseViews reads the pause switches of the pausable jobs.
func (s *Server) pauseViews(c *fiber.Ctx) ([]pauseView, error) {
	pauses, err := s.store.Pauses(c.UserContext())
	if err != nil {
		return nil, err
	}
	views := make([]pauseView, 0, len(pausableJobs))
	for _, job := range pausableJobs {
		p, ok := pauses[job]
		views = append(views, pauseView{Job: job, Paused: ok, Reason: p.Reason, PausedAt: p.PausedAt})
	}
	return views, nil
}

// pauseJob turns the pause switch of the job in the URL on, with the
// reason of the form.
func (s *Server) pauseJob(c *fiber.Ctx) error {
	job := strings.Clone(c.Params("job"))
	if !isPausable(job) {
		return fiber.ErrNotFound
	}
	reason := strings.TrimSpace(formValue(c, "reason"))
	if reason == "" || utf8.RuneCountInString(reason) > pauseReasonMax {
		return s.pauseFailed(c, job, reason)
	}

	v := visitorOf(c)
	uid := v.user.ID
	err := s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		p := &store.JobPause{Job: job, Reason: reason, PausedBy: &uid, PausedAt: s.now()}
		if err := tx.Pause(c.UserContext(), p); err != nil {
			return err
		}
		return s.audit(c, tx, uid, "console.paused", "", map[string]string{"job": job, "reason": reason})
	})
	if err != nil {
		return err
	}
	s.log.Warn("job paused by an operator", "job", job, "user_id", uid)
	return consoleDone(c, "/konsole", "paused_"+job)
}

// pauseFailed shows the console's start page with the reason's error
// below the pause form of the job.
func (s *Server) pauseFailed(c *fiber.Ctx, job, reason string) error {
	f := newForm()
	f.Scope = "pause-" + job
	f.Values["reason"] = reason
	f.fail("", "console.form_invalid")
	if reason == "" {
		f.fail("reason", "console.pause.reason_missing")
	} else {
		f.fail("reason", "console.pause.reason_long", pauseReasonMax)
	}
	return s.renderConsoleHome(c, fiber.StatusUnprocessableEntity, f)
}

// resumeJob turns the pause switch of the job in the URL off.
func (s *Server) resumeJob(c *fiber.Ctx) error {
	job := strings.Clone(c.Params("job"))
	if !isPausable(job) {
		return fiber.ErrNotFound
	}
	v := visitorOf(c)
	err := s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		if err := tx.Resume(c.UserContext(), job); err != nil {
			return err
		}
		return s.audit(c, tx, v.user.ID, "console.resumed", "", map[string]string{"job": job})
	})
	if err != nil {
		return err
	}
	s.log.Info("job resumed by an operator", "job", job, "user_id", v.user.ID)
	if job == store.PauseMail {
		s.mailQueued()
	}
	return consoleDone(c, "/konsole", "resumed_"+job)
}

func isPausable(job string) bool {
	for _, j := range pausableJobs {
		if j == job {
			return true
		}
	}
	return false
}

// mailPausedNotice returns the notice for pages after which a user waits
// for a mail, or "" while mail is not paused.
func (s *Server) mailPausedNotice(c *fiber.Ctx) string {
	p, err := s.store.Paused(c.UserContext(), store.PauseMail)
	if err != nil {
		s.log.Warn("read mail pause", "error", err)
		return ""
	}
	if p == nil {
		return ""
	}
	return msg("console.pause.mail_notice")
}

// pauseCollector exports the pause switches as gauges, read from the
// database at each scrape, so that every instance reports the same.
type pauseCollector struct {
	store *store.Store
	desc  map[string]*prometheus.Desc
}

func newPauseCollector(st *store.Store) *pauseCollector {
	return &pauseCollector{store: st, desc: map[string]*prometheus.Desc{
		store.PauseMail: prometheus.NewDesc("asta_mail_paused",
			"1 while an operator has paused outgoing mail, else 0.", nil, nil),
		store.PauseImport: prometheus.NewDesc("asta_import_paused",
			"1 while an operator has paused the import, else 0.", nil, nil),
	}}
}

// Describe sends the gauges' descriptions.
func (p *pauseCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, job := range pausableJobs {
		ch <- p.desc[job]
	}
}

// Collect reads the pauses; a failed read reports the gauges as invalid
// metrics, which fail the scrape, rather than as 0.
func (p *pauseCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pauses, err := p.store.Pauses(ctx)
	for _, job := range pausableJobs {
		if err != nil {
			ch <- prometheus.NewInvalidMetric(p.desc[job], err)
			continue
		}
		value := 0.0
		if _, ok := pauses[job]; ok {
			value = 1
		}
		ch <- prometheus.MustNewConstMetric(p.desc[job], prometheus.GaugeValue, value)
	}
}
