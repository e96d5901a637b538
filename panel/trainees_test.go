package panel

import (
	"html/template"
	"strings"
	"testing"
)

// rowTemplate is the markup of rowsHTML as html/template writes it.
var rowTemplate = template.Must(template.New("").Parse(`{{range .}}<tr>
<td>{{.Name}}<br><span class="small">{{.Number}}{{with .State}} · {{.}}{{end}}</span></td>
<td>{{.Occupation}}</td>
<td>{{.Start}}</td>
<td>{{.End}}</td>
<td>{{.Trainer}}</td>
<td>{{.Exams}}</td>
<td>{{if .AccountActive}}<span class="account ok">{{.Account}}</span>{{else if .AccountMissing}}<span class="account missing"><span aria-hidden="true">●</span> {{.Account}}</span>{{else}}<span class="account">{{.Account}}</span>{{end}}</td>
</tr>
{{end}}`))

func TestRowsHTMLEscapesAsTemplate(t *testing.T) {
	nasty := `<script>alert("x")</script> & 'quote' +1 ` + "\x00"
	rows := []traineeRow{
		{Name: "D'Angelo, " + nasty, Number: "Azubi-Nr. Z-<1>", Occupation: nasty, Start: "01.08.2025",
			End: nasty, Trainer: nasty, Exams: "2 offen", Account: nasty, AccountActive: true},
		{Name: nasty, Number: nasty, State: nasty, Trainer: "–", Exams: "–", Account: nasty, AccountMissing: true},
		{Name: "Adler, Bea", Number: "Azubi-Nr. Z-6", State: "beendet", Occupation: "IT+", Account: "unbekannt"},
	}
	var want strings.Builder
	if err := rowTemplate.Execute(&want, rows); err != nil {
		t.Fatal(err)
	}
	if got := string(rowsHTML(rows)); got != want.String() {
		t.Errorf("rowsHTML differs from html/template:\ngot:\n%s\nwant:\n%s", got, want.String())
	}
	if strings.Contains(string(rowsHTML(rows)), "<script>") {
		t.Error("rowsHTML wrote a value unescaped")
	}
}
