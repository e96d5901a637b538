package panel

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"asta/jobs/importer"
	"asta/store"
)

func TestLetterLayoutDIN5008(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		{"page width", dinB.PageWidth, 210},
		{"page height", dinB.PageHeight, 297},
		{"address field left", dinB.AddressX, 20},
		{"address field top", dinB.AddressY, 45},
		{"address field width", dinB.AddressWidth, 85},
		{"address field height", dinB.AddressHeight, 45},
		{"return zone height", dinB.ReturnZone, 17.7},
		{"text left", dinB.AddressX + dinB.AddressIndent, 25},
		{"information block left", dinB.InfoX, 125},
		{"first fold mark", dinB.FoldMarks[0], 105},
		{"second fold mark", dinB.FoldMarks[1], 210},
		{"punch mark", dinB.PunchMark, 148.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("%s = %v mm, want %v mm", tt.name, tt.got, tt.want)
			}
		})
	}
	// The recipient's lines must fit below the return zone.
	lines := (dinB.AddressHeight - dinB.ReturnZone) / letterLine
	if lines < 5 {
		t.Errorf("the address zone holds %.1f lines, want at least 5", lines)
	}
}

func TestRecipientLines(t *testing.T) {
	tests := []struct {
		name string
		co   store.ConsoleCompany
		want []string
	}{
		{"full", store.ConsoleCompany{Name1: "Bäckerei Weiß", Name2: "Backstube", Street: "Große Gasse 3",
			Postcode: "04109", Town: "Leipzig"}, []string{"Bäckerei Weiß", "Backstube", "Große Gasse 3", "04109 Leipzig"}},
		{"no second name", store.ConsoleCompany{Name1: "A GmbH", Street: "Weg 1", Postcode: "01099", Town: "Dresden"},
			[]string{"A GmbH", "Weg 1", "01099 Dresden"}},
		{"name only", store.ConsoleCompany{Name1: "A GmbH"}, []string{"A GmbH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recipientLines(tt.co); !slices.Equal(got, tt.want) {
				t.Errorf("recipientLines = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewActivationCode(t *testing.T) {
	format := regexp.MustCompile(`^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$`)
	seen := map[string]bool{}
	for range 1000 {
		c := newActivationCode()
		if !format.MatchString(c) {
			t.Fatalf("code %q is not in the letter format", c)
		}
		if seen[c] {
			t.Fatalf("code %q repeats", c)
		}
		seen[c] = true
	}
}

func TestActivationLetters(t *testing.T) {
	consoleTest(t, func(t *testing.T, h *harness, tr *triggers) {
		op := h.operator("op@kammer.example")
		h.activatedAdmin() // 0004711 has an administrator now; its site 0004712 has none
		op.get("/konsole/anschreiben").want(t, http.StatusOK, "Betriebe ohne Administrator: 2", "neuen Aktivierungscode")

		r := op.post("/konsole/anschreiben", url.Values{})
		r.want(t, http.StatusUnprocessableEntity, `role="alert"`, `aria-describedby="f-confirm-error"`)
		r = op.post("/konsole/anschreiben", url.Values{"confirm": {"1"}})
		r.want(t, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "application/pdf" {
			t.Fatalf("Content-Type = %q\n%s", ct, r.body)
		}
		pdf := []byte(r.body)
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatal("the answer is no PDF")
		}
		if n := bytes.Count(pdf, []byte("/Type /Page\n")) + bytes.Count(pdf, []byte("/Type /Page ")); n != 2 {
			t.Errorf("%d pages, want 2", n)
		}
		if !slices.Contains(h.auditActions(), "console.letters_made") {
			t.Error("the letters are not audited")
		}

		text := pdfText(t, pdf, "-layout")
		if text == "" {
			return
		}
		pages := strings.Split(text, "\f")
		idents := []string{"0004712", "20931"} // in postcode order: 01067, 04109
		for i, ident := range idents {
			checkLetterPage(t, h, pages[i], ident)
		}
		checkAddressBox(t, pdf)
	})
}

// checkLetterPage checks that the page names the company and a code that
// is its stored activation code.
func checkLetterPage(t *testing.T, h *harness, page, ident string) {
	t.Helper()
	if !strings.Contains(page, ident) {
		t.Errorf("letter of %s lacks its Identnummer:\n%s", ident, page)
	}
	for _, want := range []string{"http://portal.test/registrieren", "http://portal.test/aktivieren", "Müller",
		"Kammer Musterstadt"} {
		if ident == "20931" && want == "Müller" {
			want = "Bäckerei Weiß"
		}
		if !strings.Contains(page, want) {
			t.Errorf("letter of %s lacks %q", ident, want)
		}
	}
	if strings.Contains(page, "%!") {
		t.Errorf("letter of %s has a formatting error:\n%s", ident, page)
	}
	code := letterCode.FindString(page)
	if code == "" {
		t.Fatalf("letter of %s has no code:\n%s", ident, page)
	}
	co, err := h.st.Company(context.Background(), ident)
	if err != nil {
		t.Fatal(err)
	}
	if co.ActivationCodeHash != importer.HashActivationCode(importer.NormalizeActivationCode(code)) {
		t.Errorf("the code in the letter of %s is not its stored code", ident)
	}
	if co.ActivationCodeUsedAt != nil {
		t.Errorf("the new code of %s is marked used", ident)
	}
}

// checkAddressBox checks with pdftotext -bbox that the first letter's
// return line and recipient lie in the address field of DIN 5008 form B.
func checkAddressBox(t *testing.T, pdf []byte) {
	t.Helper()
	doc := pdfText(t, pdf, "-bbox", "-f", "1", "-l", "1")
	if doc == "" {
		return
	}
	var parsed struct {
		Words []struct {
			XMin float64 `xml:"xMin,attr"`
			YMin float64 `xml:"yMin,attr"`
			XMax float64 `xml:"xMax,attr"`
			YMax float64 `xml:"yMax,attr"`
			Text string  `xml:",chardata"`
		} `xml:"body>doc>page>word"`
	}
	if err := xml.NewDecoder(strings.NewReader(doc)).Decode(&parsed); err != nil {
		t.Fatalf("parse pdftotext -bbox: %v", err)
	}
	const mm = 72 / 25.4
	boxes := []struct {
		word                   string
		left, top, right, down float64 // in mm
	}{
		{"Musterstadt", dinB.AddressX, dinB.AddressY, dinB.AddressX + dinB.AddressWidth, dinB.AddressY + dinB.ReturnZone},
		{"Niederlassung", dinB.AddressX, dinB.AddressY + dinB.ReturnZone, dinB.AddressX + dinB.AddressWidth,
			dinB.AddressY + dinB.AddressHeight},
		{"01067", dinB.AddressX, dinB.AddressY + dinB.ReturnZone, dinB.AddressX + dinB.AddressWidth,
			dinB.AddressY + dinB.AddressHeight},
	}
	for _, b := range boxes {
		found := false
		for _, w := range parsed.Words {
			if w.Text != b.word {
				continue
			}
			found = true
			if w.XMin < b.left*mm || w.XMax > b.right*mm || w.YMin < b.top*mm || w.YMax > b.down*mm {
				t.Errorf("%q at x %.1f–%.1f mm, y %.1f–%.1f mm, outside %.1f–%.1f × %.1f–%.1f mm", b.word,
					w.XMin/mm, w.XMax/mm, w.YMin/mm, w.YMax/mm, b.left, b.right, b.top, b.down)
			}
			break
		}
		if !found {
			t.Errorf("page 1 lacks the word %q", b.word)
		}
	}
}

// pdfText runs Debian's pdftotext with args on pdf and returns its
// output, or "" after a log line when pdftotext is not installed.
func pdfText(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("pdftotext not installed (apt-get install poppler-utils): text checks skipped")
		return ""
	}
	in := filepath.Join(t.TempDir(), "letters.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, append(args, in, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext %v: %v", args, err)
	}
	return string(out)
}
