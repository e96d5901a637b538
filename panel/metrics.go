package panel

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics counts the panel's requests by route and status.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "asta_panel_requests_total",
			Help: "HTTP requests to the panel, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "asta_panel_request_duration_seconds",
			Help:    "Time to answer a panel request, by route pattern.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register panel metrics: %w", err)
		}
	}
	return m, nil
}

// observe counts each request once its response is written. Requests that no route
// matched count under the route "unmatched", so that scans of random paths
// add no series.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := c.App().Config().ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	route := c.Route().Path
	if route == "/" && c.Path() != "/" || route == "" {
		route = "unmatched"
	}
	code := strconv.Itoa(c.Response().StatusCode())
	// Fiber reuses the buffer of c.Method() for the next request.
	s.metrics.requests.WithLabelValues(route, strings.Clone(c.Method()), code).Inc()
	s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	return nil
}

// healthz returns 200 while the process serves requests.
func healthz(c *fiber.Ctx) error {
	return c.SendString("ok\n")
}

// readyz returns 200 when the database is reachable and migrated, and 503
// with the reason otherwise.
func readyz(ready Readiness) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if ready == nil {
			return c.SendString("ready\n")
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), 5*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString("not ready: " + err.Error() + "\n")
		}
		return c.SendString("ready\n")
	}
}

// slogAdapter passes promhttp's error messages to slog.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Println(v ...any) {
	if a.log != nil {
		a.log.Error("serve metrics", "error", fmt.Sprint(v...))
	}
}
