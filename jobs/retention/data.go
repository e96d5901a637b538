package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"asta/schema"
	"asta/store"
)

// DataOptions configures a [Data] job. Store, Logger, Location and
// Registerer are required.
type DataOptions struct {
	Store      *store.Store
	Logger     *slog.Logger
	Location   *time.Location
	Registerer prometheus.Registerer

	// TraineeYears is how many years after the end of their last contract a
	// trainee's personal data are kept.
	TraineeYears int
	// RejectedRecordsAfter, MailBodiesAfter and AuditDetailsAfter are the
	// ages after which rejected records, the bodies of sent mails and the
	// details of audit entries are deleted.
	RejectedRecordsAfter time.Duration
	MailBodiesAfter      time.Duration
	AuditDetailsAfter    time.Duration

	// Now defaults to time.Now.
	Now func() time.Time
}

// Data is the retention job: it deletes personal data that is no longer
// needed, and counts what it deleted.
type Data struct {
	opts    DataOptions
	deleted *prometheus.CounterVec
}

// NewData returns the retention job and registers its metric.
func NewData(opts DataOptions) (*Data, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d := &Data{opts: opts, deleted: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asta_retention_deleted_total",
		Help: "Records the retention job deleted or cleared, by kind: trainees, rejected_records, mail_bodies, audit_details.",
	}, []string{"kind"})}
	if err := opts.Registerer.Register(d.deleted); err != nil {
		return nil, fmt.Errorf("register retention metrics: %w", err)
	}
	return d, nil
}

// Run deletes what is due and logs the counts.
func (d *Data) Run(ctx context.Context) error {
	now := d.opts.Now()
	today := schema.DateOf(now.In(d.opts.Location))
	cut := store.RetentionCutoffs{
		ContractsEnded:  schema.DateOf(now.In(d.opts.Location).AddDate(-d.opts.TraineeYears, 0, 0)),
		RejectedRecords: now.Add(-d.opts.RejectedRecordsAfter),
		MailBodies:      now.Add(-d.opts.MailBodiesAfter),
		AuditDetails:    now.Add(-d.opts.AuditDetailsAfter),
	}
	n, err := d.opts.Store.ApplyRetention(ctx, cut, today)
	if err != nil {
		return err
	}
	for kind, v := range map[string]int64{"trainees": n.Trainees, "rejected_records": n.RejectedRecords,
		"mail_bodies": n.MailBodies, "audit_details": n.AuditDetails} {
		d.deleted.WithLabelValues(kind).Add(float64(v))
	}
	d.opts.Logger.Info("retention finished", "job", "retention", "trainees", n.Trainees,
		"rejected_records", n.RejectedRecords, "mail_bodies", n.MailBodies, "audit_details", n.AuditDetails)
	return nil
}
