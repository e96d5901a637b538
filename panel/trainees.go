package panel

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"asta/schema"
	"asta/store"
)

// traineesPage is the data of the trainee list.
type traineesPage struct {
	Filter      store.TraineeFilter
	Rows        template.HTML // the rows of the page as table rows
	More        bool
	Occupations []selectOption
	Trainers    []selectOption
	Active      []activeFilter // the filters in effect, each with a link that drops it
	Query       url.Values
	Base        string // path of the list
}

// selectOption is an option of a filter's select element.
type selectOption struct {
	Value, Label string
	Selected     bool
}

// selectOptions returns the options with the one of value selected.
func selectOptions(opts []store.Option, value string) []selectOption {
	out := make([]selectOption, len(opts))
	for i, o := range opts {
		out[i] = selectOption{Value: o.Value, Label: o.Label, Selected: o.Value == value}
	}
	return out
}

// traineeRow is a row of the trainee list with the texts of its cells.
type traineeRow struct {
	Name           string // "Last, First"
	Number         string // the trainee number with its label
	Occupation     string
	Start, End     string
	State          string // the contract's state, unless it is running
	Trainer        string
	Exams          string
	Account        string // the account status in words
	AccountActive  bool
	AccountMissing bool // a known status other than active: the red marker
}

func newTraineeRow(r store.TraineeRow) traineeRow {
	v := traineeRow{
		Name: r.LastName + ", " + r.FirstName, Number: msg("trainees.number") + " " + r.TraineeNumber,
		Occupation: r.Occupation, Trainer: "–", Exams: "–", Account: msg("account_status.unknown"),
	}
	v.Start, v.End = formatDate(r.StartDate), formatDate(r.EndDate)
	if r.Status != "EINGETRAGEN" {
		v.State = msg("contract." + r.Status)
	}
	if r.TrainerLast != "" {
		v.Trainer = r.TrainerLast + ", " + r.TrainerFirst
	}
	switch {
	case r.OpenExams > 0:
		v.Exams = msg("trainees.exams_open", r.OpenExams)
	case r.Exams > 0:
		v.Exams = strconv.Itoa(r.Exams)
	}
	switch {
	case r.AccountStatus == schema.AccountActive:
		v.AccountActive, v.Account = true, msg("account_status.active")
	case r.AccountStatus != "":
		v.AccountMissing, v.Account = true, msg("account_status."+r.AccountStatus)
	}
	return v
}

// htmlText escapes text between tags with the replacements that
// html/template makes there.
var htmlText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;",
	"<", "&lt;", ">", "&gt;")

// rowsHTML writes the rows as the table rows of the list. It takes the
// place of a range over the rows in the template, because html/template
// escapes each of a row's ten values through a reflected call, which took
// half the time of a request for 50 rows. Every value is escaped by
// htmlText.
func rowsHTML(rows []traineeRow) template.HTML {
	var b strings.Builder
	text := func(parts ...string) {
		for _, p := range parts {
			_, _ = htmlText.WriteString(&b, p)
		}
	}
	for _, r := range rows {
		b.WriteString("<tr>\n<td>")
		text(r.Name)
		b.WriteString(`<br><span class="small">`)
		text(r.Number)
		if r.State != "" {
			text(" · ", r.State)
		}
		b.WriteString("</span></td>\n<td>")
		text(r.Occupation)
		b.WriteString("</td>\n<td>")
		text(r.Start)
		b.WriteString("</td>\n<td>")
		text(r.End)
		b.WriteString("</td>\n<td>")
		text(r.Trainer)
		b.WriteString("</td>\n<td>")
		text(r.Exams)
		b.WriteString("</td>\n<td>")
		switch {
		case r.AccountActive:
			b.WriteString(`<span class="account ok">`)
		case r.AccountMissing:
			b.WriteString(`<span class="account missing"><span aria-hidden="true">●</span> `)
		default:
			b.WriteString(`<span class="account">`)
		}
		text(r.Account)
		b.WriteString("</span></td>\n</tr>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every value is escaped above
}

// activeFilter is a filter in effect with the list's URL without it.
type activeFilter struct {
	Label  string
	Remove string
}

// traineeParams are the query parameters of the trainee list.
var traineeParams = []string{"status", "beruf", "ausbilder", "konto", "suche", "sort", "absteigend", "seite"}

// showTrainees lists the company's trainees with the filters, search, sort
// and page of the URL, so that reload, back and a shared link show the same
// list. An Ausbilder gets only the trainees of their own contracts.
func (s *Server) showTrainees(c *fiber.Ctx) error {
	access := visitorOf(c).company
	f := store.TraineeFilter{
		Company: access.Company.Ident, Status: c.Query("status"), Occupation: c.Query("beruf"),
		Trainer: c.Query("ausbilder"), Account: c.Query("konto"), Search: strings.TrimSpace(c.Query("suche")),
		Sort: c.Query("sort", "name"), Desc: c.Query("absteigend") == "1",
	}
	f.Page, _ = strconv.Atoi(c.Query("seite", "1"))
	f.Page = max(f.Page, 1)
	if access.Role == schema.RoleAusbilder {
		f.OnlyTrainer = access.Trainer
	}

	list, err := s.trainees.Get(c.UserContext(), f.Company)
	if err != nil {
		return err
	}
	selected, more := list.Page(f)
	rows := make([]traineeRow, len(selected))
	for i, r := range selected {
		rows[i] = newTraineeRow(r)
	}
	base := "/betrieb/" + f.Company + "/" + viewTrainees
	query := url.Values{}
	for _, p := range traineeParams {
		if v := c.Query(p); v != "" {
			query.Set(p, v)
		}
	}
	p := traineesPage{
		Filter: f, Rows: rowsHTML(rows), More: more, Query: query, Base: base,
		Occupations: selectOptions(list.Occupations, f.Occupation), Trainers: selectOptions(list.Trainers, f.Trainer),
		Active: activeFilters(f, query, base, list.Occupations, list.Trainers),
	}
	return s.render(c, fiber.StatusOK, "trainees", page{Title: msg("trainees.title"), Data: p})
}

// activeFilters lists the filters in effect, each with the list's URL
// without it.
func activeFilters(f store.TraineeFilter, q url.Values, base string, occupations, trainers []store.Option) []activeFilter {
	var out []activeFilter
	add := func(param, label string) {
		without := url.Values{}
		for k, v := range q {
			if k != param && k != "seite" {
				without[k] = v
			}
		}
		link := base
		if len(without) > 0 {
			link += "?" + without.Encode()
		}
		out = append(out, activeFilter{Label: label, Remove: link})
	}
	switch f.Status {
	case store.ContractsEnded:
		add("status", msg("trainees.filter_status")+": "+msg("trainees.status_ended"))
	case store.ContractsAll:
		add("status", msg("trainees.filter_status")+": "+msg("trainees.status_all"))
	}
	if f.Occupation != "" {
		add("beruf", msg("trainees.filter_occupation")+": "+label(occupations, f.Occupation))
	}
	if f.Trainer != "" {
		add("ausbilder", msg("trainees.filter_trainer")+": "+label(trainers, f.Trainer))
	}
	switch f.Account {
	case store.AccountFilterActive:
		add("konto", msg("trainees.filter_account")+": "+msg("trainees.account_active"))
	case store.AccountFilterInactive:
		add("konto", msg("trainees.filter_account")+": "+msg("trainees.account_inactive"))
	}
	if f.Search != "" {
		add("suche", msg("trainees.filter_search")+": „"+f.Search+"“")
	}
	return out
}

func label(opts []store.Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}
