package notify

import (
	"github.com/prometheus/client_golang/prometheus"

	"asta/schema"
)

// metrics are the notify job's Prometheus metrics.
type metrics struct {
	digests       *prometheus.CounterVec
	registrations *prometheus.CounterVec
}

// newMetrics creates the metrics and registers them on reg unless reg is
// nil.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		digests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_notify_digests_queued_total",
			Help: "Digest mails about exam registrations queued in the outbox, by reason (announce or remind).",
		}, []string{"reason"}),
		registrations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_notify_registrations_total",
			Help: "Exam registrations listed in queued digest mails, by reason (announce or remind).",
		}, []string{"reason"}),
	}
	for _, reason := range []string{schema.NotifyAnnounce, schema.NotifyRemind} {
		m.digests.WithLabelValues(reason)
		m.registrations.WithLabelValues(reason)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.digests, m.registrations} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
