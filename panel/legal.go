package panel

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// legalPage is the data of a legal page: its paragraphs, and for the
// accessibility statement the address that takes reports of barriers.
type legalPage struct {
	Paragraphs []string
	Contact    string
}

// showLegal returns the handler of the legal page whose text is text.
func (s *Server) showLegal(titleKey, text string, withContact bool) fiber.Handler {
	p := legalPage{}
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			p.Paragraphs = append(p.Paragraphs, para)
		}
	}
	if withContact {
		p.Contact = s.opts.Legal.AccessibilityContact
	}
	return func(c *fiber.Ctx) error {
		return s.render(c, fiber.StatusOK, "legal", page{Title: msg(titleKey), Data: p})
	}
}
