package main

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"asta/store"
)

// bareRow is a row of the trainee list as the bare handler scans it.
type bareRow struct {
	ContractNumber, TraineeNumber, FirstName, LastName, Occupation string
	StartDate, EndDate                                             time.Time
	Status, TrainerNumber, TrainerFirst, TrainerLast               string
	AccountStatus                                                  string
	OpenExams, Exams                                               int64
}

// bareTemplate renders the columns of the panel's trainee table.
var bareTemplate = template.Must(template.New("").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.Format("02.01.2006") },
}).Parse(`<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Auszubildende</title></head><body>
<table><thead><tr><th>Name</th><th>Beruf</th><th>Beginn</th><th>Ende</th><th>Ausbilder</th><th>Prüfungen</th><th>Konto</th></tr></thead>
<tbody>{{range .}}<tr>
<td>{{.LastName}}, {{.FirstName}}<br><span class="small">Nr. {{.TraineeNumber}} · {{.Status}}</span></td>
<td>{{.Occupation}}</td><td>{{date .StartDate}}</td><td>{{date .EndDate}}</td>
<td>{{if .TrainerLast}}{{.TrainerLast}}, {{.TrainerFirst}}{{else}}–{{end}}</td>
<td>{{if .OpenExams}}{{.OpenExams}} offen{{else if .Exams}}{{.Exams}}{{else}}–{{end}}</td>
<td>{{if .AccountStatus}}{{.AccountStatus}}{{else}}unbekannt{{end}}</td>
</tr>{{end}}</tbody></table></body></html>
`))

// bareServer is the reference of the panel's trainee list. It reads the
// filter from the URL, sends the statement of [store.Store.Trainees]
// through a pgx pool of benchPoolSize connections and renders the rows. It
// has no sessions, access checks, filter options or layout.
//
// Under bareMemoryPrefix it serves the list as the panel does instead:
// from a [store.TraineeLists], which reads the version of the data for
// each request.
type bareServer struct {
	pool  *pgxpool.Pool
	store *store.Store // formats the statement only
	lists *store.TraineeLists
}

// bareMemoryPrefix starts the paths of the bare handler that serves the
// list from memory.
const bareMemoryPrefix = "/speicher"

// startBare starts the bare handler on 127.0.0.1 and returns its base URL
// and a function that stops it.
func startBare(ctx context.Context, dsn string, st *store.Store, log *slog.Logger) (string, func(), error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("invalid database URL for the bare handler: %w", err)
	}
	cfg.MaxConns = benchPoolSize
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return "", nil, fmt.Errorf("open pgx pool for the bare handler: %w", err)
	}
	b := &bareServer{pool: pool, store: st, lists: store.NewTraineeLists(st, 200_000)}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/betrieb/:ident/auszubildende", b.list)
	app.Get(bareMemoryPrefix+"/betrieb/:ident/auszubildende", b.listInMemory)
	base, stop, err := listen(app, log)
	if err != nil {
		pool.Close()
		return "", nil, err
	}
	return base, func() { stop(); pool.Close() }, nil
}

func (b *bareServer) list(c *fiber.Ctx) error {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return fiber.ErrBadRequest
	}
	f := filterFromQuery(c.Params("ident"), q)

	rows, err := b.pool.Query(c.UserContext(), b.store.TraineesSQL(f))
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[bareRow])
	if err != nil {
		return err
	}
	return sendBare(c, list[:min(len(list), store.TraineePageSize)])
}

// listInMemory selects the page from the company's list in memory.
func (b *bareServer) listInMemory(c *fiber.Ctx) error {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return fiber.ErrBadRequest
	}
	f := filterFromQuery(c.Params("ident"), q)

	l, err := b.lists.Get(c.UserContext(), f.Company)
	if err != nil {
		return err
	}
	page, _ := l.Page(f)
	rows := make([]bareRow, len(page))
	for i, r := range page {
		rows[i] = bareRow{
			ContractNumber: r.ContractNumber, TraineeNumber: r.TraineeNumber, FirstName: r.FirstName,
			LastName: r.LastName, Occupation: r.Occupation, StartDate: r.StartDate.Time(), EndDate: r.EndDate.Time(),
			Status: r.Status, TrainerNumber: r.TrainerNumber, TrainerFirst: r.TrainerFirst,
			TrainerLast: r.TrainerLast, AccountStatus: r.AccountStatus,
			OpenExams: int64(r.OpenExams), Exams: int64(r.Exams),
		}
	}
	return sendBare(c, rows)
}

// sendBare renders the rows and sends them.
func sendBare(c *fiber.Ctx, rows []bareRow) error {
	var buf bytes.Buffer
	if err := bareTemplate.Execute(&buf, rows); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// filterFromQuery returns the filter of the trainee list that the query
// string selects, read as the panel reads it.
func filterFromQuery(company string, q url.Values) store.TraineeFilter {
	f := store.TraineeFilter{
		Company: company, Status: q.Get("status"), Occupation: q.Get("beruf"), Trainer: q.Get("ausbilder"),
		Account: q.Get("konto"), Search: strings.TrimSpace(q.Get("suche")), Sort: q.Get("sort"),
		Desc: q.Get("absteigend") == "1",
	}
	if f.Sort == "" {
		f.Sort = "name"
	}
	f.Page, _ = strconv.Atoi(q.Get("seite"))
	f.Page = max(f.Page, 1)
	return f
}

// listen serves app on a free port of 127.0.0.1 and returns its base URL
// and a function that shuts it down.
func listen(app *fiber.App, log *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	stop := func() {
		_ = app.ShutdownWithTimeout(5 * time.Second)
		if err := <-done; err != nil {
			log.Warn("server of bench-panel stopped with an error", "listen", ln.Addr().String(), "error", err)
		}
	}
	return "http://" + ln.Addr().String(), stop, nil
}
