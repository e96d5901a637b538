package panel

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"asta/schema"
)

// consoleRun is the data of an import run's page and of its status
// fragment.
type consoleRun struct {
	Nav      consoleNav
	Run      *schema.ImportRun
	Rejected []schema.RejectedRecord
	Elapsed  time.Duration
}

// Running reports whether the run has not ended yet, so that its status
// fragment keeps polling.
func (r consoleRun) Running() bool {
	return r.Run.Outcome == schema.OutcomeRunning
}

// showRun shows an import run with its counts and rejected records.
func (s *Server) showRun(c *fiber.Ctx) error {
	data, err := s.loadRun(c, true)
	if err != nil {
		return err
	}
	if data.Nav, err = s.consoleNavOf(c, "start"); err != nil {
		return err
	}
	title := msg("console.run.title", data.Run.PackageName)
	return s.render(c, fiber.StatusOK, "console_run", page{Title: title, Data: data})
}

// NOTE: the importer writes a run's counts when the run ends, so while it
// is running the fragment's live value is its elapsed time.

// showRunStatus renders the htmx fragment with the counts of an import
// run in progress, which polls itself. Once the run has ended, it makes
// the browser reload the page.
func (s *Server) showRunStatus(c *fiber.Ctx) error {
	data, err := s.loadRun(c, false)
	if err != nil {
		return err
	}
	if !data.Running() {
		// The page reloads once to show the rejected records as well.
		c.Set("HX-Refresh", "true")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.execute(c, fiber.StatusOK, s.pages["console_run"], "console-run-status", data)
}

// loadRun reads the import run of the URL and, if rejected is set, its
// rejected records.
func (s *Server) loadRun(c *fiber.Ctx, rejected bool) (consoleRun, error) {
	id, err := paramID(c, "run")
	if err != nil {
		return consoleRun{}, err
	}
	run, err := s.store.ImportRun(c.UserContext(), id)
	if err != nil {
		return consoleRun{}, notFoundAs404(err)
	}
	data := consoleRun{Run: run}
	end := s.now()
	if run.FinishedAt != nil {
		end = *run.FinishedAt
	}
	data.Elapsed = end.Sub(run.StartedAt).Round(time.Second)
	if rejected {
		if data.Rejected, err = s.store.RejectedRecords(c.UserContext(), id); err != nil {
			return consoleRun{}, err
		}
	}
	return data, nil
}

// downloadRejected sends the rejected records of an import run as CSV for
// spreadsheet programs: UTF-8 with a byte order mark, separated by ";".
func (s *Server) downloadRejected(c *fiber.Ctx) error {
	data, err := s.loadRun(c, true)
	if err != nil {
		return err
	}
	body, err := rejectedCSV(data.Rejected)
	if err != nil {
		return err
	}
	v := visitorOf(c)
	detail := map[string]int64{"run_id": data.Run.ID}
	if err := s.audit(c, s.store, v.user.ID, "console.rejected_downloaded", "", detail); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="abgelehnt-%d.csv"`, data.Run.ID))
	return c.Send(body)
}

// rejectedCSV writes the records with a header row of catalogue texts.
func rejectedCSV(recs []schema.RejectedRecord) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	w.UseCRLF = true
	header := []string{msg("console.rejected.file"), msg("console.rejected.line"), msg("console.rejected.column"),
		msg("console.rejected.value"), msg("console.rejected.reason")}
	if err := w.Write(header); err != nil {
		return nil, fmt.Errorf("write rejected records csv: %w", err)
	}
	for _, r := range recs {
		row := []string{r.File, strconv.Itoa(r.Line), r.ColumnName, csvSafe(r.Value), csvSafe(r.Reason)}
		if err := w.Write(row); err != nil {
			return nil, fmt.Errorf("write rejected records csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write rejected records csv: %w", err)
	}
	return buf.Bytes(), nil
}

// csvSafe keeps a spreadsheet from reading a value from the chamber's
// files as a formula: a leading =, +, -, @, tab or carriage return gets a
// leading apostrophe.
func csvSafe(v string) string {
	if v != "" && bytes.ContainsRune([]byte("=+-@\t\r"), rune(v[0])) {
		return "'" + v
	}
	return v
}
