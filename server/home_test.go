package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/server"
)

// powerBIFiles stands in for the Power BI handler another package serves:
// the home page only needs to know that there is one.
// The server strips /powerbi before calling it (see server.Config.PowerBI).
func powerBIFiles() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.pbids", "/project.zip":
			_, _ = w.Write([]byte("file /powerbi" + r.URL.Path))
		default:
			http.NotFound(w, r)
		}
	})
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postForm posts the sign-in form with extra headers (name, value pairs).
func postForm(t *testing.T, u string, form url.Values, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "ccfeed_session" {
			return c
		}
	}
	return nil
}

// TestHomePublic: the page needs no credential, names the feed's address,
// links the Power BI files only when the server has them, and shows no
// tenant.
func TestHomePublic(t *testing.T) {
	for _, tc := range []struct {
		name    string
		powerBI http.Handler
	}{
		{"with Power BI files", powerBIFiles()},
		{"without", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{PowerBI: tc.powerBI}})
			r := get(t, f, f.Base+"/", "")
			r.mustStatus(t, http.StatusOK, "GET /")
			body := string(r.Body)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			for _, want := range []string{f.URL, f.URL + "$metadata", "ccfeed token --tenant NAME", `action="/signin"`, "/readyz", "/livez"} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			links := strings.Contains(body, f.Base+"/powerbi/feed.pbids") && strings.Contains(body, f.Base+"/powerbi/project.zip")
			if links != (tc.powerBI != nil) {
				t.Errorf("Power BI links shown: %v, want %v", links, tc.powerBI != nil)
			}
			for _, tenant := range []string{"contoso", "fabrikam", "northwind"} {
				if strings.Contains(body, tenant) {
					t.Errorf("the public page names tenant %s", tenant)
				}
			}
			pbi := get(t, f, f.Base+"/powerbi/feed.pbids", "")
			if tc.powerBI != nil && (pbi.Status != http.StatusOK || string(pbi.Body) != "file /powerbi/feed.pbids") {
				t.Errorf("/powerbi/feed.pbids without a credential: %d %s", pbi.Status, pbi.Body)
			}
			if tc.powerBI == nil && pbi.Status != http.StatusNotFound {
				t.Errorf("/powerbi/feed.pbids without a handler: %d", pbi.Status)
			}
		})
	}
}

// TestHomeSignIn: the form's token becomes an HttpOnly, SameSite=Strict
// cookie; the page then shows the token's tenants only; the cookie is no
// credential for the feed; a bad token, another site's form and plain HTTP
// from another machine are refused; signing out clears the cookie.
func TestHomeSignIn(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Auth: func(h *auth.HTTP) { h.TrustProxy = true }})
	contoso := f.Token(t, ccfeed.ScopeRead, "contoso")

	resp := postForm(t, f.Base+"/signin", url.Values{"token": {contoso}}, "Origin", f.Base, "Sec-Fetch-Site", "same-origin")
	feedtest.Body(t, resp)
	c := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || c == nil {
		t.Fatalf("sign-in: %d, cookie %v", resp.StatusCode, c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, not Secure over http, Path /", c)
	}
	page := get(t, f, f.Base+"/", "", "Cookie", c.Name+"="+c.Value)
	page.mustStatus(t, http.StatusOK, "signed-in page")
	body := string(page.Body)
	if !strings.Contains(body, `data-tenant="contoso"`) || strings.Contains(body, `data-tenant="fabrikam"`) {
		t.Errorf("the signed-in page does not show exactly contoso")
	}
	if !strings.Contains(body, `data-set="Conversations"`) || strings.Contains(body, `data-set="Loads"`) || strings.Contains(body, `id="rejects"`) {
		t.Errorf("a read token's page: want set counts, no admin sets and no rejects")
	}
	if !strings.Contains(body, `data-source="liveperson"`) {
		t.Errorf("the page lists no sources")
	}

	// The cookie is no credential for the feed or /metrics.
	if r := get(t, f, f.URL+"Conversations?$top=1", "", "Cookie", c.Name+"="+c.Value); r.Status != http.StatusUnauthorized {
		t.Errorf("feed with the cookie only: %d, want 401", r.Status)
	}

	for _, tc := range []struct {
		name    string
		token   string
		headers []string
		want    int
	}{
		{"bad token", "not-a-token", []string{"Origin", f.Base}, http.StatusUnauthorized},
		{"other site's form (Origin)", contoso, []string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"other site's form (Sec-Fetch-Site)", contoso, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"plain HTTP through a proxy", contoso, []string{"X-Forwarded-Proto", "http"}, http.StatusForbidden},
		{"empty", "", nil, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := postForm(t, f.Base+"/signin", url.Values{"token": {tc.token}}, tc.headers...)
			body := string(feedtest.Body(t, resp))
			if resp.StatusCode != tc.want || sessionCookie(resp) != nil {
				t.Errorf("%d (cookie %v), want %d without a cookie", resp.StatusCode, sessionCookie(resp), tc.want)
			}
			if !strings.Contains(body, `id="notice"`) || strings.Contains(body, "data-tenant") {
				t.Errorf("want the public page with a notice")
			}
		})
	}
	// A cookie that came over plain HTTP from another machine is not used.
	r := get(t, f, f.Base+"/", "", "Cookie", c.Name+"="+c.Value, "X-Forwarded-Proto", "http")
	if strings.Contains(string(r.Body), "data-tenant") || !strings.Contains(string(r.Body), "plain HTTP") {
		t.Errorf("a cookie over plain HTTP was used")
	}

	out := postForm(t, f.Base+"/signout", nil, "Origin", f.Base)
	feedtest.Body(t, out)
	if cleared := sessionCookie(out); out.StatusCode != http.StatusSeeOther || cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("sign-out: %d, cookie %+v", out.StatusCode, cleared)
	}
}

// An admin token's page also lists the latest rejects and the admin sets.
func TestHomeAdmin(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{})
	admin := f.Token(t, ccfeed.ScopeAdmin, ccfeed.AllTenants)
	resp := postForm(t, f.Base+"/signin", url.Values{"token": {admin}}, "Origin", f.Base)
	feedtest.Body(t, resp)
	c := sessionCookie(resp)
	if c == nil {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	body := string(get(t, f, f.Base+"/", "", "Cookie", c.Name+"="+c.Value).Body)
	for _, want := range []string{`data-tenant="contoso"`, `data-tenant="fabrikam"`, `data-tenant="northwind"`, `data-set="Loads"`, `id="rejects"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the admin page lacks %s", want)
		}
	}
}
