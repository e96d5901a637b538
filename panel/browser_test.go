package panel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// envChromium is the environment variable with the path of the Chromium
// binary that the browser tests drive. Without it they skip, unless
// ASTA_TEST_REQUIRE_ALL is set.
const envChromium = "ASTA_TEST_CHROMIUM"

// Time limits of the browser tests, so that a hung browser fails the test
// soon. A step is one navigation, form submission, evaluation or wait.
const (
	browserStartTimeout = 30 * time.Second
	stepTimeout         = 15 * time.Second
)

// chrome is one tab of a headless Chromium that the test started, on the
// panel at base.
type chrome struct {
	ctx    context.Context // the tab's context, without a deadline
	base   string
	output *syncBuffer // Chromium's stdout and stderr
}

// chromiumPath returns the Chromium binary of envChromium. It skips the
// test when the variable is not set, or fails it when
// ASTA_TEST_REQUIRE_ALL is set, like [dbtest.PostgresURL] does for
// PostgreSQL.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv(envChromium)
	if path == "" {
		if os.Getenv("ASTA_TEST_REQUIRE_ALL") != "" {
			t.Fatalf("%s is not set, but ASTA_TEST_REQUIRE_ALL requires the browser tests", envChromium)
		}
		t.Skipf("%s is not set: skipping the browser test; set it to a Chromium binary such as /usr/bin/chromium",
			envChromium)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s: %v", envChromium, err)
	}
	return path
}

// newChrome starts a headless Chromium with a fresh profile under
// t.TempDir and opens a tab for the panel at base. The browser ends with
// the test.
func newChrome(t *testing.T, base string) *chrome {
	t.Helper()
	path := chromiumPath(t)
	output := &syncBuffer{}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Without these flags Chromium contacts Google's servers for
		// updates, field trials and sync, which a closed network rejects.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(output),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		if t.Failed() {
			t.Logf("Chromium output:\n%s", output.String())
		}
	})

	// The first action starts the browser and binds it to the context it
	// runs with, so it runs without a deadline and the timer is here.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start Chromium %s: %v\n%s", path, err, output.String())
		}
	case <-time.After(browserStartTimeout):
		t.Fatalf("start Chromium %s: timed out after %s\n%s", path, browserStartTimeout, output.String())
	}
	return &chrome{ctx: ctx, base: base, output: output}
}

// run runs the actions within stepTimeout and fails the test with the
// step's description if they fail.
func (c *chrome) run(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// open loads the panel's page at target, a path with an optional query,
// and returns the HTTP status of the document after any redirects.
func (c *chrome) open(t *testing.T, target string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(c.base+target))
	if err != nil {
		t.Fatalf("open %s: %v", target, err)
	}
	return resp.Status
}

// submit runs the actions, which must load a new page, such as pressing
// Enter in a form, and returns the HTTP status of the new document.
func (c *chrome) submit(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return resp.Status
}

// location returns the path and query of the tab's current page.
func (c *chrome) location(t *testing.T) string {
	t.Helper()
	raw := evaluate[string](t, c, "location.href")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse the tab's location %q: %v", raw, err)
	}
	return u.RequestURI()
}

// text returns the text of the first element that matches the CSS
// selector, as the page shows it.
func (c *chrome) text(t *testing.T, selector string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("read the text of %s on %s: %v", selector, c.location(t), err)
	}
	return s
}

// evaluate returns the value of the JavaScript expression in the tab,
// awaiting it if it is a promise.
func evaluate[T any](t *testing.T, c *chrome, expression string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.80q: %v", expression, err)
	}
	return v
}

// useCookies replaces the browser's cookies with those of the HTTP test
// client b, so that the tab continues b's session. With nil b it only
// clears them.
func (c *chrome) useCookies(t *testing.T, b *browser) {
	t.Helper()
	c.run(t, "clear cookies", func(ctx context.Context, tab *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tab, network.ClearBrowserCookies, cdp.Empty{})
		return chromedp.Void{}, err
	})
	if b == nil {
		return
	}
	for name, value := range b.cookies {
		params := network.SetCookieParams{Name: name, Value: value, URL: c.base + "/", HTTPOnly: new(true)}
		c.run(t, "set cookie "+name, func(ctx context.Context, tab *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tab, network.SetCookie, params)
			return chromedp.Void{}, err
		})
	}
}

// waitFor waits until the JavaScript expression is true in the tab.
func (c *chrome) waitFor(t *testing.T, what, expression string) {
	t.Helper()
	c.run(t, "wait until "+what, func(ctx context.Context, tab *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](expression, chromedp.WithPollingInterval(50*time.Millisecond))(ctx, tab)
		return chromedp.Void{}, err
	})
}

// wantLocation fails the test unless the tab shows the page at want.
func (c *chrome) wantLocation(t *testing.T, want string) {
	t.Helper()
	if got := c.location(t); got != want {
		t.Fatalf("the browser is on %s, want %s\n%s", got, want, c.text(t, "main"))
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("quote %q for JavaScript: %v", s, err)) // a string always marshals
	}
	return string(b)
}
