package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"asta/jobs/mail"
	"asta/jobs/notify"
	"asta/jobs/reconcile"
	"asta/jobs/report"
	"asta/jobs/retention"
	"asta/jobs/scheduler"
	"asta/store"
)

// addJobs adds the jobs beside the import: notify, report and purge
// always, the mail sender unless neither an SMTP host nor a mailbox folder
// is set, and the reconcile job where the configuration turns it on.
func (e *env) addJobs(sched *scheduler.Scheduler, reg prometheus.Registerer) error {
	st := store.New(e.db)

	n, err := notify.New(notify.Options{
		Store: st, PanelURL: e.cfg.PanelURL, ReminderDays: e.cfg.Notify.ReminderDays, Location: e.cfg.Location(),
		From: e.cfg.Mail.FromName, Logger: e.log, Registerer: reg,
	})
	if err != nil {
		return err
	}
	if err := sched.Add(scheduler.Job{Name: "notify", Spec: e.cfg.Notify.Schedule, Run: n.Run}); err != nil {
		return err
	}

	purge := retention.New(retention.Options{
		Store: st, Logger: e.log, SessionIdle: e.cfg.Panel.SessionIdle,
		UnconfirmedAfter: e.cfg.Panel.PurgeUnconfirmedAfter,
	})
	if err := sched.Add(scheduler.Job{Name: "purge", Spec: e.cfg.Panel.PurgeSchedule, Run: purge.Run}); err != nil {
		return err
	}

	keep := e.cfg.Retention
	data, err := retention.NewData(retention.DataOptions{
		Store: st, Logger: e.log, Location: e.cfg.Location(), Registerer: reg, TraineeYears: keep.TraineeYears,
		RejectedRecordsAfter: keep.RejectedRecordsAfter, MailBodiesAfter: keep.MailBodiesAfter,
		AuditDetailsAfter: keep.AuditDetailsAfter,
	})
	if err != nil {
		return err
	}
	if err := sched.Add(scheduler.Job{Name: "retention", Spec: keep.Schedule, Run: data.Run}); err != nil {
		return err
	}

	rep, err := report.New(report.Options{
		Store: st, Folder: e.cfg.Report.Folder, Location: e.cfg.Location(), Logger: e.log, Registerer: reg,
	})
	if err != nil {
		return err
	}
	if err := sched.Add(scheduler.Job{Name: "report", Spec: e.cfg.Report.Schedule, Run: rep.Run}); err != nil {
		return err
	}

	if err := e.addMailJob(sched, st, reg); err != nil {
		return err
	}

	r := e.cfg.Reconcile
	var src reconcile.Source
	switch r.Source {
	case "csv":
		src = reconcile.File{Folder: r.Folder, Location: e.cfg.Location()}
	case "scim":
		src = &reconcile.SCIM{URL: r.SCIMURL, Token: r.SCIMToken, Timeout: r.Timeout}
	default:
		return nil
	}
	rec, err := reconcile.New(reconcile.Options{
		Store: st, Source: src, HoldShare: r.HoldShare, Logger: e.log, Registerer: reg,
	})
	if err != nil {
		return err
	}
	return sched.Add(scheduler.Job{Name: "reconcile", Spec: r.Schedule, Run: rec.Run})
}

// addMailJob schedules the mail sender: over SMTP when mail.host is set,
// into the mailbox folder when only mail.mailbox is, and not at all when
// neither is, so that the mails wait in the outbox.
func (e *env) addMailJob(sched *scheduler.Scheduler, st *store.Store, reg prometheus.Registerer) error {
	m := e.cfg.Mail
	switch {
	case m.Host == "" && m.Mailbox == "":
		e.log.Info("mail host and mailbox not set: mails wait in the outbox")
		return nil
	case m.Host == "":
		e.log.Info("mail host not set: mails go to the mailbox folder", "folder", m.Mailbox)
	}

	sender, err := mail.New(mail.Options{
		Store: st, Host: m.Host, Mailbox: m.Mailbox, Port: m.Port, TLS: m.TLS, Username: m.Username,
		Password: m.Password, From: m.From, FromName: m.FromName, ConnectTimeout: m.ConnectTimeout,
		SendTimeout: m.SendTimeout, Rate: m.Rate, Logger: e.log, Registerer: reg,
	})
	if err != nil {
		return err
	}
	return sched.Add(scheduler.Job{Name: "mail", Spec: m.Schedule, Run: sender.Run})
}
