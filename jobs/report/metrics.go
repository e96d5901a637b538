package report

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"asta/store"
)

// metrics of the report job. The backlog gauges read the database when
// Prometheus scrapes, so that they are current between runs.
type metrics struct {
	files    prometheus.Counter
	failures prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, st *store.Store) (*metrics, error) {
	m := &metrics{
		files: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "asta_report_files_written_total",
			Help: "Return files with exam registration confirmations written for the chamber.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "asta_report_failures_total",
			Help: "Runs of the report job that failed, for example because the return folder could not be written.",
		}),
	}
	waiting := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "asta_report_confirmations_waiting",
		Help: "Confirmations of exam registrations not yet reported in a return file.",
	}, func() float64 {
		n, _ := backlog(st)
		return float64(n)
	})
	oldest := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "asta_report_oldest_waiting_seconds",
		Help: "Age of the oldest confirmation not yet reported, 0 when none waits.",
	}, func() float64 {
		_, age := backlog(st)
		return age.Seconds()
	})
	for _, c := range []prometheus.Collector{m.files, m.failures, waiting, oldest} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register report metrics: %w", err)
		}
	}
	return m, nil
}

// backlog returns the number of unreported confirmations and the age of the
// oldest. On a database error it returns zeros, and the job's failure
// counter shows the cause.
func backlog(st *store.Store) (int64, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, oldest, err := st.UnreportedConfirmations(ctx)
	if err != nil || n == 0 {
		return 0, 0
	}
	return n, time.Since(oldest)
}
