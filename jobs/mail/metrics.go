package mail

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"asta/schema"
	"asta/store"
)

// metrics are the mail job's Prometheus metrics.
type metrics struct {
	mails         *prometheus.GaugeVec
	sent          prometheus.Counter
	failed        prometheus.Counter
	oldestPending prometheus.Gauge
}

// newMetrics creates the metrics and registers them on reg unless reg is
// nil.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		mails: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "asta_mail_outbox_mails",
			Help: "Mails in the outbox by state (pending, sent or failed), as of the end of the last mail run.",
		}, []string{"state"}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "asta_mail_sent_total",
			Help: "Mails that the SMTP server accepted, or that were written to the mailbox folder without an SMTP host.",
		}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "asta_mail_failed_total",
			Help: "Mails given up: rejected permanently by the SMTP server, undeliverable, or out of attempts.",
		}),
		oldestPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "asta_mail_oldest_pending_age_seconds",
			Help: "Age of the oldest pending mail in the outbox at the end of the last mail run, 0 if none.",
		}),
	}
	for _, state := range []string{schema.MailPending, schema.MailSent, schema.MailFailed} {
		m.mails.WithLabelValues(state)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.mails, m.sent, m.failed, m.oldestPending} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observeOutbox sets the gauges from stats taken at now.
func (m *metrics) observeOutbox(stats store.OutboxStats, now time.Time) {
	for _, state := range []string{schema.MailPending, schema.MailSent, schema.MailFailed} {
		m.mails.WithLabelValues(state).Set(float64(stats.Mails[state]))
	}
	age := 0.0
	if !stats.OldestPending.IsZero() {
		age = max(now.Sub(stats.OldestPending).Seconds(), 0)
	}
	m.oldestPending.Set(age)
}
