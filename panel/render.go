package panel

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"asta/schema"
)

//go:embed templates static
var assets embed.FS

// errCSRF is the error of a state-changing request without a valid CSRF token.
var errCSRF = fiber.NewError(fiber.StatusForbidden, "csrf")

// form is the state of a submitted form: the values to show again and the
// errors, by field name. The field "" is for an error of the whole form.
// On a page with several forms, Scope names the one that was submitted,
// so that only its fields show values and errors (see the func "in").
type form struct {
	Values map[string]string
	Errors map[string]string
	Scope  string
}

func newForm() *form {
	return &form{Values: map[string]string{}, Errors: map[string]string{}}
}

// fail records the catalogue message key as the error of the field.
func (f *form) fail(field, key string, args ...any) {
	f.Errors[field] = msg(key, args...)
}

func (f *form) ok() bool { return len(f.Errors) == 0 }

// page is what every page template receives.
type page struct {
	Title   string
	User    *schema.User
	CSRF    string
	Form    *form
	Notice  string // a confirmation shown above the content
	Company *companyAccess
	View    string // the company view the page shows, for the company switch
	Data    any
}

// field is the data of the "field" partial: one labelled input with its
// error tied to it. ID, unique in the page, defaults to Name.
type field struct {
	ID, Name, Label, Type, Autocomplete, Hint string
	Value, Error                              string
}

var funcs = template.FuncMap{
	"t": msg,
	"field": func(f *form, name, labelKey, typ, autocomplete string) field {
		if f == nil {
			f = newForm()
		}
		return field{
			ID: name, Name: name, Label: msg(labelKey), Type: typ, Autocomplete: autocomplete,
			Hint: messages[labelKey+".hint"], Value: f.Values[name], Error: f.Errors[name],
		}
	},
	"date": formatDate,
	// in puts a field into the form scope of a page with several forms:
	// its ID gets the scope, and it keeps value and error only if that
	// form was the one submitted.
	"in": func(scope string, f *form, fd field) field {
		fd.ID = scope + "-" + fd.Name
		if f == nil || f.Scope != scope {
			fd.Value, fd.Error = "", ""
		}
		return fd
	},
	"datetime": func(t time.Time) string {
		return t.In(berlin).Format("02.01.2006, 15:04 Uhr")
	},
	"role":  func(r string) string { return msg("role." + r) },
	"query": listURL,
	"sortURL": func(base string, q url.Values, column string) string {
		desc := ""
		if q.Get("sort") == column || (q.Get("sort") == "" && column == "name") {
			if q.Get("absteigend") != "1" {
				desc = "1"
			}
		}
		return listURL(base, q, "sort", column, "absteigend", desc)
	},
	"sortState": func(q url.Values, column string) string {
		if q.Get("sort") != column && (q.Get("sort") != "" || column != "name") {
			return "none"
		}
		if q.Get("absteigend") == "1" {
			return "descending"
		}
		return "ascending"
	},
	"inc":     func(i int) int { return i + 1 },
	"dec":     func(i int) int { return i - 1 },
	"rolesOf": func(any) []string { return roles },
}

// listURL returns base with the query q, changed by the key-value pairs of
// kv (an empty value removes the key). Any change but of the page itself
// goes back to the first page.
func listURL(base string, q url.Values, kv ...string) string {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	out.Del("seite")
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	if len(out) == 0 {
		return base
	}
	return base + "?" + out.Encode()
}

// berlin is the time zone the panel shows times in.
var berlin = mustLocation("Europe/Berlin")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// parsePages parses the layout and partials with each page template, and
// the fragment templates on their own.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse panel layout: %w", err)
	}
	pages := map[string]*template.Template{}
	files, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("list panel pages: %w", err)
	}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, fmt.Errorf("parse panel page %s: %w", f, err)
		}
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	frags, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/fragments/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse panel fragments: %w", err)
	}
	pages["fragments"] = frags
	return pages, nil
}

// render writes the page with the layout and the given status.
func (s *Server) render(c *fiber.Ctx, status int, name string, p page) error {
	v := visitorOf(c)
	p.User, p.CSRF = v.user, s.csrfToken(v)
	if p.Company == nil {
		p.Company = v.company
	}
	if p.Company != nil {
		p.View = strings.Trim(strings.TrimPrefix(c.Path(), "/betrieb/"+p.Company.Company.Ident), "/")
	}
	if p.Form == nil {
		p.Form = newForm()
	}
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("render: no page template %q", name)
	}
	return s.execute(c, status, t, "layout", p)
}

// fragment writes an htmx fragment without the layout.
func (s *Server) fragment(c *fiber.Ctx, name string, data any) error {
	return s.execute(c, fiber.StatusOK, s.pages["fragments"], name, data)
}

func (s *Server) execute(c *fiber.Ctx, status int, t *template.Template, name string, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// handleError is the app's one error writer. A Fiber error gets its status
// and a German page. Any other error is logged and gets status 500.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, key := fiber.StatusInternalServerError, "error.internal"
	var fe *fiber.Error
	switch {
	case errors.Is(err, errCSRF):
		status, key = fiber.StatusForbidden, "error.csrf"
		s.log.Warn("request rejected", "reason", "csrf", "route", c.Route().Path, "method", c.Method())
	case errors.As(err, &fe):
		status, key = fe.Code, "error.status"
		switch fe.Code {
		case fiber.StatusNotFound, fiber.StatusMethodNotAllowed:
			status, key = fiber.StatusNotFound, "error.not_found"
		case fiber.StatusRequestEntityTooLarge:
			key = "error.too_large"
		}
	default:
		s.log.Error("serve panel request", "route", c.Route().Path, "method", c.Method(), "error", err)
	}

	if isHTMX(c) {
		c.Set("HX-Retarget", "#messages")
		c.Set("HX-Reswap", "innerHTML")
		return s.fragment(c.Status(status), "error", msg(key))
	}
	p := page{Title: msg("error.title"), Data: msg(key)}
	if rerr := s.render(c, status, "error", p); rerr != nil {
		s.log.Error("render error page", "error", rerr)
		return c.Status(status).SendString(msg(key))
	}
	return nil
}

// notFound responds with 404 to every path that no route matched.
func (s *Server) notFound(*fiber.Ctx) error {
	return fiber.ErrNotFound
}

// serveStatic serves the embedded scripts and style sheets.
func (s *Server) serveStatic(c *fiber.Ctx) error {
	name := c.Params("file")
	b, err := assets.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		return fiber.ErrNotFound
	}
	switch path.Ext(name) {
	case ".js":
		c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	case ".css":
		c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	default:
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(b)
}

// formatDate writes d as DD.MM.YYYY, and the zero date as "".
func formatDate(d schema.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format("02.01.2006")
}
