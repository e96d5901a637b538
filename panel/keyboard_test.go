package panel

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"asta/schema/dbtest"
)

// focused describes the element that has the focus and how the page
// draws its focus indicator.
type focused struct {
	ID           string  `json:"id"`
	Tag          string  `json:"tag"`
	Class        string  `json:"class"`
	OutlineStyle string  `json:"outlineStyle"`
	OutlineWidth string  `json:"outlineWidth"`
	Left         float64 `json:"left"`
}

const focusedScript = `(() => {
	const e = document.activeElement, s = getComputedStyle(e);
	return {id: e.id, tag: e.tagName, class: e.className, outlineStyle: s.outlineStyle,
		outlineWidth: s.outlineWidth, left: e.getBoundingClientRect().left};
})()`

// press sends the keys to the focused element and returns the element
// that has the focus afterwards. It fails the test unless that element
// shows a visible focus outline.
func (c *chrome) press(t *testing.T, keys string) focused {
	t.Helper()
	c.run(t, "press "+keys, chromedp.KeyEvent(keys))
	f := evaluate[focused](t, c, focusedScript)
	if f.OutlineStyle == "none" || f.OutlineWidth == "0px" {
		t.Errorf("focused %s#%s.%s has no visible outline: style %s, width %s",
			f.Tag, f.ID, f.Class, f.OutlineStyle, f.OutlineWidth)
	}
	return f
}

// tabTo presses Tab until the element with the id has the focus, at most
// ten times, checking the focus outline of each element on the way.
func (c *chrome) tabTo(t *testing.T, id string) {
	t.Helper()
	for range 10 {
		if c.press(t, kb.Tab).ID == id {
			return
		}
	}
	t.Fatalf("ten presses of Tab do not reach #%s on %s", id, c.location(t))
}

// typeInto types text into the focused element with key events and
// checks that the element with the id received it.
func (c *chrome) typeInto(t *testing.T, id, text string) {
	t.Helper()
	c.run(t, "type into #"+id, chromedp.KeyEvent(text))
	if got := evaluate[string](t, c, `document.getElementById(`+jsString(id)+`).value`); got != text {
		t.Fatalf("#%s = %q after typing, want %q", id, got, text)
	}
}

// TestBrowserKeyboardOnly registers, confirms and signs in with Tab, the
// keys of the text and Enter alone, and checks that every element that
// receives the focus shows it.
func TestBrowserKeyboardOnly(t *testing.T) {
	chromiumPath(t)
	h := newHarness(t, dbtest.SQLite(t), nil)
	c := newChrome(t, h.url)
	const email = "tastatur@example.org"

	c.open(t, "/registrieren")
	skip := c.press(t, kb.Tab)
	if skip.Class != "skip" || skip.Left < 0 {
		t.Errorf("first Tab focuses %s.%s at x=%v, want the visible skip link", skip.Tag, skip.Class, skip.Left)
	}
	c.tabTo(t, "f-name")
	c.typeInto(t, "f-name", "Tim Tastatur")
	c.tabTo(t, "f-email")
	c.typeInto(t, "f-email", email)
	c.tabTo(t, "f-password")
	c.typeInto(t, "f-password", testPassword)
	if f := c.press(t, kb.Tab); f.Tag != "BUTTON" {
		t.Fatalf("Tab after the password focuses %s#%s, want the submit button", f.Tag, f.ID)
	}
	if status := c.submit(t, "press Enter on the button", chromedp.KeyEvent(kb.Enter)); status != http.StatusOK {
		t.Fatalf("registration: status %d\n%s", status, c.text(t, "main"))
	}

	path, token := h.lastLink(email)
	c.open(t, path+"?t="+token)
	reached := false
	for range 10 {
		if reached = c.press(t, kb.Tab).Tag == "BUTTON"; reached {
			break
		}
	}
	if !reached {
		t.Fatal("ten presses of Tab do not reach the confirmation button")
	}
	if status := c.submit(t, "press Enter on the confirmation button", chromedp.KeyEvent(kb.Enter)); status != http.StatusOK {
		t.Fatalf("confirmation: status %d\n%s", status, c.text(t, "main"))
	}

	// Enter in the password field submits the sign-in form.
	c.open(t, "/anmelden")
	c.tabTo(t, "f-email")
	c.typeInto(t, "f-email", email)
	c.tabTo(t, "f-password")
	c.typeInto(t, "f-password", testPassword)
	c.submit(t, "press Enter in the password field", chromedp.KeyEvent(kb.Enter))
	c.wantLocation(t, "/aktivieren")
}
