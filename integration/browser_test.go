package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// debianChromiumPath is where Debian's chromium package installs the browser.
const debianChromiumPath = "/usr/bin/chromium"

// chromiumBinary finds a Chromium to drive: $CHROMIUM_BIN, chromium on
// $PATH, or Debian's. Without one the test is skipped, or fails when $CI
// is set (CI installs it with scripts/ensure-deps.sh).
func chromiumBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_BIN"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat(debianChromiumPath); err == nil {
		return debianChromiumPath
	}
	msg := "chromium not found (set CHROMIUM_BIN, or install Debian's \"chromium\" package: scripts/ensure-deps.sh)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium tab, with the page's uncaught
// exceptions and console errors collected (a CSP violation is one; a
// response with an error status, which the browser logs too, is not).
type browser struct {
	t      *testing.T
	ctx    context.Context
	shots  string
	mu     sync.Mutex
	errors []string
}

// newBrowser starts Chromium with a fresh profile and everything that
// would reach out to the internet turned off.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(chromiumBinary(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	b := &browser{t: t, ctx: ctx, shots: screenshotDir(t)}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first action starts the browser and lives as long as ctx: no
	// deadline on it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleException || (m.Type == chromedp.ConsoleError && !strings.Contains(m.Text, "Failed to load resource")) {
				b.record(m.String())
			}
		}
	}()
	return b
}

func (b *browser) record(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, s)
}

// pageErrors returns what the page reported as errors so far.
func (b *browser) pageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// screenshotDir is $ALERTER_SCREENSHOTS (kept) or a temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("ALERTER_SCREENSHOTS"); d != "" {
		d = filepath.Join(d, t.Name())
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// run runs browser actions with a generous deadline.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (page errors: %v)", what, err, b.pageErrors())
	}
}

func (b *browser) navigate(url string) {
	b.t.Helper()
	b.run("navigate to "+url, chromedp.Navigate(url))
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// waitJS polls a boolean JavaScript expression until it is true
// (readiness polling with a generous deadline, not a timing assertion).
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := eval[bool](b, "!!("+expr+")")
		if lastErr = err; err == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	text, _ := eval[string](b, `location.href + '\n' + (document.querySelector('main') ? document.querySelector('main').innerText.slice(0, 2000) : '')`)
	if buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(filepath.Join(b.shots, "failure.png"), buf, 0o644)
	}
	b.t.Fatalf("waiting for %s (%s): last error %v; page errors %v; page text:\n%s", what, expr, lastErr, b.pageErrors(), text)
}

// click clicks the first element matching a CSS selector.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.waitJS("element "+sel, fmt.Sprintf("document.querySelector(%q)", sel))
	b.run("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// fill replaces an input's value, as typing would.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.waitJS("element "+sel, fmt.Sprintf("document.querySelector(%q)", sel))
	if _, err := eval[bool](b, fmt.Sprintf("(document.querySelector(%q).value = '', true)", sel)); err != nil {
		b.t.Fatalf("clearing %s: %v", sel, err)
	}
	b.run("fill "+sel, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// shot saves a full-page screenshot as name.png.
func (b *browser) shot(name string) { b.t.Helper(); b.capture(name, chromedp.FullScreenshot(100)) }

// viewShot saves what the viewport shows (for very long pages).
func (b *browser) viewShot(name string) { b.t.Helper(); b.capture(name, chromedp.CaptureScreenshot()) }

func (b *browser) capture(name string, a chromedp.Action[[]byte]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// phone emulates a phone's viewport (or a laptop's again).
func (b *browser) phone(on bool) {
	b.t.Helper()
	if on {
		b.run("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	} else {
		b.run("laptop viewport", chromedp.EmulateViewport(1280, 900))
	}
}
