package scheduler

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the scheduler's Prometheus metrics. Their labels are the job
// name and, for runs, the outcome, so each has a bounded set of values.
type metrics struct {
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	running     *prometheus.GaugeVec
	panics      *prometheus.CounterVec
	overlaps    *prometheus.CounterVec
}

// newMetrics creates the metrics and registers them on reg unless reg is
// nil.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_job_runs_total",
			Help: "Job runs by outcome: ok, error, panic, or skipped because the previous run was still running.",
		}, []string{"job", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "asta_job_run_duration_seconds",
			Help: "Duration of job runs that started, whatever their outcome.",
			// Jobs range from checks of a second to imports of many minutes.
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600},
		}, []string{"job"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "asta_job_last_success_timestamp_seconds",
			Help: "Unix time at which the last successful run of the job finished on this instance.",
		}, []string{"job"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "asta_job_running",
			Help: "1 while a run of the job is in progress on this instance, else 0.",
		}, []string{"job"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_job_panics_total",
			Help: "Job runs that panicked and were recovered.",
		}, []string{"job"}),
		overlaps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_job_overlaps_skipped_total",
			Help: "Ticks skipped because the previous run of the job was still running.",
		}, []string{"job"}),
	}
	if reg == nil {
		return m, nil
	}

	for _, c := range []prometheus.Collector{m.runs, m.duration, m.lastSuccess, m.running, m.panics, m.overlaps} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register job metrics: %w", err)
		}
	}
	return m, nil
}

// addJob creates the series of job with zero values, so that they are
// exported before its first run. The last-success gauge stays absent until
// a run succeeds.
func (m *metrics) addJob(job string) {
	for _, outcome := range []string{OutcomeOK, OutcomeError, OutcomePanic, OutcomeSkipped} {
		m.runs.WithLabelValues(job, outcome)
	}
	m.duration.WithLabelValues(job)
	m.running.WithLabelValues(job).Set(0)
	m.panics.WithLabelValues(job)
	m.overlaps.WithLabelValues(job)
}

// observeRun records a run that started and ended with outcome.
func (m *metrics) observeRun(job, outcome string, elapsed time.Duration, finished time.Time) {
	m.runs.WithLabelValues(job, outcome).Inc()
	m.duration.WithLabelValues(job).Observe(elapsed.Seconds())
	if outcome == OutcomePanic {
		m.panics.WithLabelValues(job).Inc()
	}
	if outcome == OutcomeOK {
		m.lastSuccess.WithLabelValues(job).Set(float64(finished.UnixNano()) / 1e9)
	}
}

// observeOverlap records a tick skipped because a run was in progress.
func (m *metrics) observeOverlap(job string) {
	m.runs.WithLabelValues(job, OutcomeSkipped).Inc()
	m.overlaps.WithLabelValues(job).Inc()
}
