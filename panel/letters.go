package panel

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/gofiber/fiber/v2"

	"asta/store"
)

// letterLayout is the geometry of an activation letter in millimetres
// from the top left corner of the page.
type letterLayout struct {
	PageWidth, PageHeight float64

	// The address field of a window envelope. Its top ReturnZone holds
	// the return-address line; the recipient's lines follow below it.
	AddressX, AddressY, AddressWidth, AddressHeight float64
	ReturnZone                                      float64
	// AddressIndent is the distance of the text from the field's left
	// edge.
	AddressIndent float64

	// InfoX and InfoY place the information block (Identnummer, date).
	InfoX, InfoY float64
	// BodyX, BodyY and BodyWidth place the text of the letter.
	BodyX, BodyY, BodyWidth float64

	// FoldMarks and PunchMark are the heights of the marks at the left
	// edge.
	FoldMarks []float64
	PunchMark float64
}

// dinB is the layout of DIN 5008 form B on A4. The address field is
// 85 × 45 mm, 20 mm from the left and 45 mm from the top, and its top
// 17.7 mm are the zone for the return address and remarks. The text
// starts 25 mm from the left. The fold marks are at 105 and 210 mm, the
// punch mark at 148.5 mm.
var dinB = letterLayout{
	PageWidth: 210, PageHeight: 297,
	AddressX: 20, AddressY: 45, AddressWidth: 85, AddressHeight: 45,
	ReturnZone: 17.7, AddressIndent: 5,
	InfoX: 125, InfoY: 50,
	BodyX: 25, BodyY: 103.5, BodyWidth: 165,
	FoldMarks: []float64{105, 210}, PunchMark: 148.5,
}

// Font sizes in points and line heights in millimetres.
const (
	letterFont       = 10.0
	letterLine       = 5.0
	letterReturnFont = 7.0
	letterCodeFont   = 13.0
)

// letter is one company's activation letter with its new code.
type letter struct {
	Company store.ConsoleCompany
	Code    string
}

// recipientLines returns the address lines of the company, at most the
// six that the address zone holds.
// Line breaks inside a field, which the chamber's CSV allows, become
// spaces.
func recipientLines(co store.ConsoleCompany) []string {
	var lines []string
	for _, field := range []string{co.Name1, co.Name2, co.Street, co.Postcode + " " + co.Town} {
		if line := strings.Join(strings.Fields(field), " "); line != "" {
			lines = append(lines, line)
		}
	}
	return lines[:min(len(lines), 6)]
}

// letterWriter draws letters in the layout onto one PDF.
type letterWriter struct {
	pdf     *fpdf.Fpdf
	tr      func(string) string
	layout  letterLayout
	sender  string // the return-address line
	baseURL string
	date    string
}

// writeLetters writes one A4 page per letter as one PDF to w. The text
// uses the core font Helvetica in Windows-1252, so characters outside
// that code page do not print.
func writeLetters(w io.Writer, letters []letter, sender, baseURL string, now time.Time) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Aktivierungsschreiben", true)
	pdf.SetCreator("asta", true)
	pdf.SetCreationDate(now)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(dinB.BodyX, 20, dinB.PageWidth-dinB.BodyX-dinB.BodyWidth)
	lw := &letterWriter{pdf: pdf, tr: pdf.UnicodeTranslatorFromDescriptor(""), layout: dinB, sender: sender,
		baseURL: strings.TrimRight(baseURL, "/"), date: now.In(berlin).Format("02.01.2006")}
	for _, l := range letters {
		lw.page(l)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write activation letters pdf: %w", err)
	}
	return nil
}

// page draws one letter.
func (lw *letterWriter) page(l letter) {
	lw.pdf.AddPage()
	lw.marks()
	lw.address(l.Company)
	lw.info(l.Company.Ident)
	lw.body(l)
}

// marks draws the fold and punch marks at the left edge.
func (lw *letterWriter) marks() {
	lw.pdf.SetLineWidth(0.2)
	for _, y := range lw.layout.FoldMarks {
		lw.pdf.Line(3, y, 8, y)
	}
	lw.pdf.Line(3, lw.layout.PunchMark, 10, lw.layout.PunchMark)
}

// address writes the return-address line and the recipient into the
// address field.
func (lw *letterWriter) address(co store.ConsoleCompany) {
	l := lw.layout
	x := l.AddressX + l.AddressIndent
	width := l.AddressWidth - l.AddressIndent

	lw.pdf.SetFont("Helvetica", "U", letterReturnFont)
	lw.pdf.SetXY(x, l.AddressY+l.ReturnZone-6)
	lw.pdf.CellFormat(width, 4, lw.tr(lw.sender), "", 0, "L", false, 0, "")

	lw.pdf.SetFont("Helvetica", "", letterFont)
	y := l.AddressY + l.ReturnZone
	for _, line := range recipientLines(co) {
		lw.pdf.SetXY(x, y)
		lw.pdf.CellFormat(width, letterLine, lw.tr(line), "", 0, "L", false, 0, "")
		y += letterLine
	}
}

// info writes the information block beside the address field.
func (lw *letterWriter) info(ident string) {
	lw.pdf.SetFont("Helvetica", "", letterFont)
	rows := [][2]string{{msg("letters.ident"), ident}, {msg("letters.date"), lw.date}}
	for i, r := range rows {
		lw.pdf.SetXY(lw.layout.InfoX, lw.layout.InfoY+float64(i)*letterLine)
		lw.pdf.CellFormat(30, letterLine, lw.tr(r[0]), "", 0, "L", false, 0, "")
		lw.pdf.CellFormat(40, letterLine, lw.tr(r[1]), "", 0, "L", false, 0, "")
	}
}

// body writes the subject, the code and the steps to register.
func (lw *letterWriter) body(l letter) {
	p, lay := lw.pdf, lw.layout
	p.SetXY(lay.BodyX, lay.BodyY)
	p.SetFont("Helvetica", "B", letterFont+1)
	p.MultiCell(lay.BodyWidth, letterLine+1, lw.tr(msg("letters.subject")), "", "L", false)
	p.Ln(letterLine)

	p.SetFont("Helvetica", "", letterFont)
	lw.paragraph(msg("letters.salutation"))
	lw.paragraph(msg("letters.intro"))

	p.SetFont("Helvetica", "B", letterCodeFont)
	p.SetX(lay.BodyX + 10)
	p.CellFormat(50, letterLine+2, lw.tr(msg("letters.ident")), "", 0, "L", false, 0, "")
	p.CellFormat(80, letterLine+2, l.Company.Ident, "", 1, "L", false, 0, "")
	p.SetX(lay.BodyX + 10)
	p.CellFormat(50, letterLine+2, lw.tr(msg("letters.code")), "", 0, "L", false, 0, "")
	p.CellFormat(80, letterLine+2, l.Code, "", 1, "L", false, 0, "")
	p.Ln(letterLine)

	p.SetFont("Helvetica", "", letterFont)
	lw.paragraph(msg("letters.steps"))
	for i, key := range []string{"letters.step1", "letters.step2", "letters.step3", "letters.step4"} {
		p.SetX(lay.BodyX)
		p.CellFormat(7, letterLine, fmt.Sprintf("%d.", i+1), "", 0, "L", false, 0, "")
		text := msg(key)
		if strings.Contains(text, "%s") {
			text = msg(key, lw.baseURL)
		}
		p.MultiCell(lay.BodyWidth-7, letterLine, lw.tr(text), "", "L", false)
	}
	p.Ln(letterLine)
	lw.paragraph(msg("letters.validity"))
	lw.paragraph(msg("letters.closing"))
}

// paragraph writes text across the body's width, followed by a blank
// line.
func (lw *letterWriter) paragraph(text string) {
	lw.pdf.SetX(lw.layout.BodyX)
	lw.pdf.MultiCell(lw.layout.BodyWidth, letterLine, lw.tr(text), "", "L", false)
	lw.pdf.Ln(letterLine / 2)
}

// consoleLetters is the data of the activation letters page.
type consoleLetters struct {
	Nav       consoleNav
	Companies int
}

// showLetters shows how many companies would get a letter and the form
// that produces them.
func (s *Server) showLetters(c *fiber.Ctx) error {
	return s.renderLetters(c, fiber.StatusOK, nil)
}

func (s *Server) renderLetters(c *fiber.Ctx, status int, f *form) error {
	nav, err := s.consoleNavOf(c, "letters")
	if err != nil {
		return err
	}
	companies, err := s.store.CompaniesWithoutAdmin(c.UserContext())
	if err != nil {
		return err
	}
	data := consoleLetters{Nav: nav, Companies: len(companies)}
	return s.render(c, status, "console_letters", page{Title: msg("console.letters.title"), Form: f, Data: data})
}

// errNoLetters ends the transaction of makeLetters when no company needs
// a letter.
var errNoLetters = errors.New("make activation letters: no active company without administrator")

// makeLetters issues a new activation code to every active company
// without an administrator and returns their letters as one PDF. The
// codes and the PDF are made in one transaction, so that a failure leaves
// the old codes valid.
func (s *Server) makeLetters(c *fiber.Ctx) error {
	if formValue(c, "confirm") != "1" {
		f := newForm()
		f.fail("", "console.form_invalid")
		f.fail("confirm", "console.letters.confirm_missing")
		return s.renderLetters(c, fiber.StatusUnprocessableEntity, f)
	}
	var pdf bytes.Buffer
	count := 0
	err := s.store.InTx(c.UserContext(), func(tx *store.Store) error {
		companies, err := tx.CompaniesWithoutAdmin(c.UserContext())
		if err != nil {
			return err
		}
		if len(companies) == 0 {
			return errNoLetters
		}
		letters := make([]letter, 0, len(companies))
		for _, co := range companies {
			l := letter{Company: co, Code: newActivationCode()}
			if err := s.issueCodeIn(c, tx, co.Ident, l.Code, "console.letter_code_issued"); err != nil {
				return err
			}
			letters = append(letters, l)
		}
		count = len(letters)
		if err := s.audit(c, tx, visitorOf(c).user.ID, "console.letters_made", "", map[string]int{"letters": count}); err != nil {
			return err
		}
		return writeLetters(&pdf, letters, s.letterSender(), s.opts.BaseURL, s.now())
	})
	if errors.Is(err, errNoLetters) {
		f := newForm()
		f.fail("", "console.letters.none")
		return s.renderLetters(c, fiber.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	s.log.Info("activation letters made by an operator", "letters", count, "user_id", visitorOf(c).user.ID)
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="aktivierungsschreiben.pdf"`)
	return c.Send(pdf.Bytes())
}

// letterSender returns the return-address line of the letters.
func (s *Server) letterSender() string {
	if s.opts.LetterSender != "" {
		return s.opts.LetterSender
	}
	return msg("letters.sender")
}
