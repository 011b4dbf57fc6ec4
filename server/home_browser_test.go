package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/server"
)

// chromium finds the browser: $CCFEED_CHROMIUM, else Debian's chromium
// (installed by .ci/run). Missing, the test skips loudly, and fails in CI.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CCFEED_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "SKIPPED, NOT PASSED: no chromium on PATH (apt-get install chromium, as .ci/run does, or set CCFEED_CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// artifact is where a test leaves a file for people to look at:
// testdata/artifacts/ at the repository root (ignored by git).
func artifact(t *testing.T, name string, b []byte) string {
	t.Helper()
	dir := filepath.Join(feedtest.RepoRoot(t), "testdata", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("screenshot: %s", abs)
	return abs
}

// tenantCounts is what the signed-in page shows for one tenant: each
// entity set's count as a person reads it ("1,234"), and its sources.
type tenantCounts struct {
	Tenant  string     `json:"tenant"`
	Sets    [][]string `json:"sets"`
	Sources []string   `json:"sources"`
}

// TestHomeInBrowser drives the home page in headless Chromium as a person
// would: the public page with the feed's address and the Power BI links,
// the sign-in form, then the signed-in page, whose counts must equal the
// feed's own /$count for every tenant and entity set. It checks that the
// page fits a laptop screen (no horizontal scrolling at 1366 px) and
// saves screenshots under testdata/artifacts/.
func TestHomeInBrowser(t *testing.T) {
	exe := chromium(t)
	db := feedtest.DemoDB(t)
	// A file with rejected records, for the admin's list.
	res := loaders.LoadFile(context.Background(), db, "contoso", filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "rejects", "report.csv"), loaders.Options{})
	if res.Status != edm.LoadLoaded || res.Rejected == 0 {
		t.Fatalf("load: %+v", res)
	}
	f := feedtest.Start(t, db, feedtest.Options{Config: server.Config{PowerBI: powerBIFiles()}})
	admin := f.Token(t, ccfeed.ScopeAdmin, ccfeed.AllTenants)

	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 900))...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	evalInt := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		must(js, err)
		return n
	}

	// The public page.
	must("open /", chromedp.Do(ctx, chromedp.Navigate(f.Base+"/"), chromedp.WaitVisible(chromedp.ID("signin"))))
	feedURL, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("feed-url")))
	must("feed url", err)
	if strings.TrimSpace(feedURL) != f.URL {
		t.Errorf("the page shows the feed at %q, want %q", feedURL, f.URL)
	}
	if n := evalInt(`document.querySelectorAll('#powerbi a[href$="/powerbi/feed.pbids"], #powerbi a[href$="/powerbi/project.zip"]').length`); n != 2 {
		t.Errorf("%d Power BI links, want 2", n)
	}
	if n := evalInt(`document.querySelectorAll('[data-tenant]').length`); n != 0 {
		t.Errorf("the public page shows %d tenants", n)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must("screenshot", err)
	artifact(t, "home-public.png", shot)

	// Sign in with the form.
	must("sign in", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("token-input"), admin),
		chromedp.Click(chromedp.ID("signin-button")),
		chromedp.WaitVisible(chromedp.ID("signed-in"))))
	if n := evalInt(`document.documentElement.scrollWidth - window.innerWidth`); n > 0 {
		t.Errorf("the signed-in page is %d px wider than a 1366 px window", n)
	}
	// Every card stays inside the page's column (a long line must scroll
	// inside its box, not push the box out).
	if n := evalInt(`(() => { const m = document.querySelector('main').getBoundingClientRect();
		return Array.from(document.querySelectorAll('.card')).filter(c => c.getBoundingClientRect().right > m.right + 0.5).length; })()`); n > 0 {
		t.Errorf("%d cards stick out of the page's column", n)
	}
	// The token is in an HttpOnly cookie: the page's scripts cannot read it.
	if c, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil || strings.Contains(c, "ccfeed_session") {
		t.Errorf("document.cookie = %q (%v): the session cookie must be HttpOnly", c, err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]tenantCounts](`Array.from(document.querySelectorAll('section[data-tenant]')).map(s => ({
		tenant: s.dataset.tenant,
		sets: Array.from(s.querySelectorAll('[data-set]')).map(e => [e.dataset.set, e.textContent.trim()]),
		sources: Array.from(s.querySelectorAll('tr[data-source]')).map(e => e.dataset.source + '/' + e.dataset.kind),
	}))`))
	must("read the counts", err)
	if len(shown) != 3 {
		t.Fatalf("the page shows %d tenants, want the demo's 3", len(shown))
	}
	checked := 0
	for _, tc := range shown {
		tok := f.Token(t, ccfeed.ScopeAdmin, tc.Tenant)
		if len(tc.Sets) < 30 {
			t.Errorf("%s: %d entity sets on the page", tc.Tenant, len(tc.Sets))
		}
		for _, s := range tc.Sets {
			r := get(t, f, f.URL+s[0]+"/$count", tok)
			r.mustStatus(t, http.StatusOK, s[0]+"/$count")
			want, _ := strconv.ParseInt(string(r.Body), 10, 64)
			got, err := strconv.ParseInt(strings.ReplaceAll(s[1], ",", ""), 10, 64)
			if err != nil || got != want {
				t.Errorf("%s %s: the page says %q, the feed %d", tc.Tenant, s[0], s[1], want)
			}
			checked++
		}
		if len(tc.Sources) < 5 {
			t.Errorf("%s: sources %v, want the demo's five", tc.Tenant, tc.Sources)
		}
	}
	t.Logf("%d counts on the page equal the feed's", checked)
	if n := evalInt(`document.querySelectorAll('#rejects tr.reject').length`); n != int(res.Rejected) {
		t.Errorf("the admin's page lists %d rejects, want the %d of report.csv", n, res.Rejected)
	}
	shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must("screenshot", err)
	path := artifact(t, "home-signed-in.png", shot)
	fmt.Fprintf(os.Stderr, "TestHomeInBrowser: screenshot of the signed-in home page: %s\n", path)

	// Sign out.
	must("sign out", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.ID("signin"))))
	if n := evalInt(`document.querySelectorAll('[data-tenant]').length`); n != 0 {
		t.Errorf("after signing out the page still shows %d tenants", n)
	}
}
