// Package panel serves astad's HTTP interface: for now the operations
// endpoints /healthz, /readyz and /metrics.
package panel

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Readiness reports whether the database is reachable and migrated.
type Readiness func(ctx context.Context) error

// Options configures the panel.
type Options struct {
	Gatherer prometheus.Gatherer
	Ready    Readiness
	Logger   *slog.Logger
}

// New returns the Fiber app with every route of the panel.
func New(opts Options) *fiber.App {
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
	})

	metrics := promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{ErrorLog: slogAdapter{opts.Logger}})
	app.Get("/healthz", healthz)
	app.Get("/readyz", readyz(opts.Ready))
	app.Get("/metrics", adaptor.HTTPHandler(metrics))
	return app
}

// healthz returns 200 while the process serves requests.
func healthz(c *fiber.Ctx) error {
	return c.SendString("ok\n")
}

// readyz returns 200 when the database is reachable and migrated, and 503
// with the reason otherwise.
func readyz(ready Readiness) fiber.Handler {
	return func(c *fiber.Ctx) error {
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
