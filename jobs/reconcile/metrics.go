package reconcile

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"asta/schema"
)

// Metrics are the reconcile job's Prometheus metrics.
type Metrics struct {
	accountsRead prometheus.Gauge
	statuses     *prometheus.GaugeVec
	changes      *prometheus.CounterVec
	lastSuccess  prometheus.Gauge
	duration     prometheus.Histogram
	runs         *prometheus.CounterVec
}

// NewMetrics creates the reconcile job's metrics and registers them with
// reg unless reg is nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		accountsRead: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "asta_reconcile_accounts_read",
			Help: "Accounts that the last applied read of the trainee account directory listed.",
		}),
		statuses: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "asta_reconcile_trainees",
			Help: "Trainees by account status after the last applied run: active, invited, locked, none or unknown.",
		}, []string{"status"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_reconcile_status_changes_total",
			Help: "Account status changes that applied runs wrote, by new status.",
		}, []string{"status"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "asta_reconcile_last_success_timestamp_seconds",
			Help: "Unix time at which the last run applied a complete read of the directory.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "asta_reconcile_run_duration_seconds",
			Help:    "Duration of reconcile runs, whatever their outcome.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2.5, 12),
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_reconcile_runs_total",
			Help: "Reconcile runs by outcome: applied, held or failed.",
		}, []string{"outcome"}),
	}
	for _, s := range []string{schema.AccountActive, schema.AccountInvited, schema.AccountLocked,
		schema.AccountNone, schema.AccountUnknown} {
		m.statuses.WithLabelValues(s)
		m.changes.WithLabelValues(s)
	}
	for _, o := range []string{schema.OutcomeApplied, schema.OutcomeHeld, schema.OutcomeFailed} {
		m.runs.WithLabelValues(o)
	}
	if reg != nil {
		reg.MustRegister(m.accountsRead, m.statuses, m.changes, m.lastSuccess, m.duration, m.runs)
	}
	return m
}

func (m *Metrics) observeRun(outcome string, d time.Duration) {
	m.runs.WithLabelValues(outcome).Inc()
	m.duration.Observe(d.Seconds())
}

func (m *Metrics) observeApplied(res result) {
	m.accountsRead.Set(float64(res.read))
	m.lastSuccess.SetToCurrentTime()
	for status, n := range res.statusChanges {
		m.changes.WithLabelValues(status).Add(float64(n))
	}
}

// setStatuses sets the gauge of every status, zero for one absent from
// counts.
func (m *Metrics) setStatuses(counts map[string]int64) {
	m.statuses.Reset()
	for _, s := range []string{schema.AccountActive, schema.AccountInvited, schema.AccountLocked,
		schema.AccountNone, schema.AccountUnknown} {
		m.statuses.WithLabelValues(s).Set(float64(counts[s]))
	}
}
