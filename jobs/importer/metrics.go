package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"asta/schema"
)

// Metrics are the import's Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	running     prometheus.Gauge
	done        *prometheus.GaugeVec
	expected    *prometheus.GaugeVec
	lastSuccess prometheus.Gauge
	records     *prometheus.CounterVec
	duration    prometheus.Histogram
	runs        *prometheus.CounterVec
}

// NewMetrics creates the import's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "asta_import_running",
			Help: "1 while an import reads or applies a package, else 0.",
		}),
		done: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "asta_import_file_records_read",
			Help: "Records read so far of each data file of the current or last import.",
		}, []string{"file"}),
		expected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "asta_import_file_records_expected",
			Help: "Records that the control file announces for each data file of the current or last import.",
		}, []string{"file"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "asta_import_last_success_timestamp_seconds",
			Help: "Unix time at which the last package was applied.",
		}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_import_records_total",
			Help: "Records of applied packages by data file and result: inserted, changed, ended or rejected.",
		}, []string{"file", "result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "asta_import_run_duration_seconds",
			Help:    "Duration of import runs, whatever their outcome.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2.5, 12),
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_import_runs_total",
			Help: "Import runs by outcome: applied, rejected, held, already_applied, failed, validated or incomplete.",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.running, m.done, m.expected, m.lastSuccess, m.records, m.duration, m.runs)
	for _, k := range kinds {
		m.done.WithLabelValues(k.file)
		m.expected.WithLabelValues(k.file)
	}
	return m
}

// RestoreLastSuccess sets the time of the last applied package from the
// import runs, so that the gauge survives a restart instead of reading 0.
func (m *Metrics) RestoreLastSuccess(ctx context.Context, db bun.IDB) error {
	var last schema.ImportRun
	err := db.NewSelect().Model(&last).Where("outcome = ?", schema.OutcomeApplied).
		Order("finished_at DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the last applied import: %w", err)
	}
	if last.FinishedAt != nil {
		m.lastSuccess.Set(float64(last.FinishedAt.Unix()))
	}
	return nil
}

// startRun clears the progress of the previous import, whose files this
// package may not have.
func (m *Metrics) startRun() {
	if m == nil {
		return
	}
	for _, k := range kinds {
		m.done.WithLabelValues(k.file).Set(0)
		m.expected.WithLabelValues(k.file).Set(0)
	}
}

func (m *Metrics) startFile(file string, expected int64) {
	if m == nil {
		return
	}
	m.running.Set(1)
	m.done.WithLabelValues(file).Set(0)
	m.expected.WithLabelValues(file).Set(float64(expected))
}

func (m *Metrics) progress(file string, done int64) {
	if m == nil {
		return
	}
	m.done.WithLabelValues(file).Set(float64(done))
}

func (m *Metrics) observe(res *Result) {
	if m == nil {
		return
	}
	m.running.Set(0)
	m.runs.WithLabelValues(res.Outcome).Inc()
	m.duration.Observe(res.Duration.Seconds())
	if res.Outcome != schema.OutcomeApplied {
		return
	}
	m.lastSuccess.SetToCurrentTime()
	for _, f := range res.Files {
		m.records.WithLabelValues(f.File, "inserted").Add(float64(f.Inserted))
		m.records.WithLabelValues(f.File, "changed").Add(float64(f.Changed))
		m.records.WithLabelValues(f.File, "ended").Add(float64(f.Ended))
		m.records.WithLabelValues(f.File, "rejected").Add(float64(f.Rejected))
	}
}
