package server

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/query"
)

// The home page at "/": what the feed is and how to connect, for anyone;
// signed in, the caller's tenants with their entity sets' row counts and
// their sources' freshness; for an admin token also the latest rejects.
//
// Signing in: the form posts a token to /signin, which keeps it in an
// HttpOnly, SameSite=Strict cookie (Secure over HTTPS). The cookie follows
// the rule of HTTP Basic: it is set, and accepted, only over HTTPS or from
// the machine itself, since it carries the token on every request. It is
// read by the home page's own handlers only, never by /odata or /metrics:
// a cookie is sent by the browser on its own, so accepting it for the
// feed would let any page the user visits make credentialed requests.

//go:embed home.html
var homeHTML string

// sessionCookie holds the signed-in token.
const sessionCookie = "ccfeed_session"

// homeRejects is how many rejects an admin sees on the page; the rest are
// in LoadRejects and "ccfeed rejects".
const homeRejects = 20

// maxSignInForm bounds the sign-in form's body (a token is ~400 bytes; an
// organizational one a few KB).
const maxSignInForm = 64 << 10

type homePage struct {
	tmpl *template.Template
	// cop refuses cross-origin POSTs to /signin and /signout (see
	// handleSignIn).
	cop *http.CrossOriginProtection
}

func newHomePage(publicURL string) *homePage {
	cop := http.NewCrossOriginProtection()
	if publicURL != "" {
		// Behind a proxy the browser's Origin is the public URL while
		// Host may be the proxy's upstream name.
		_ = cop.AddTrustedOrigin(strings.TrimSuffix(publicURL, "/"))
	}
	funcs := template.FuncMap{"thousands": thousands}
	return &homePage{tmpl: template.Must(template.New("home").Funcs(funcs).Parse(homeHTML)), cop: cop}
}

// homeData is what home.html renders.
type homeData struct {
	FeedURL, MetadataURL string
	PowerBI              bool
	PBIDS, Project       string
	// CanSignIn is false over plain HTTP from another machine.
	CanSignIn bool
	SignedIn  bool
	Admin     bool
	Scope     string
	// Notice is a message about the last action (a refused sign-in).
	Notice  string
	Tenants []tenantView
	Rejects []rejectView
	Now     string
}

type tenantView struct {
	Name    string
	Sets    []setCount
	Sources []sourceView
}

type setCount struct {
	Name  string
	Count int64
}

type sourceView struct {
	Source, Kind          string
	LastLoaded, Age       string
	LastFailed, Failure   string
	Loads, Failed         int64
	Records, Rejected     int64
	FailedSinceLastLoaded bool
}

type rejectView struct {
	Tenant, Source, File, Field, Reason, Load string
	Line                                      int64
}

// html wraps a home page handler: its errors render as the page with a
// notice (the status from the one table in errors.go), not as OData JSON.
func (s *Server) html(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			e := toError(err)
			status, ok := statusOf[e.Code]
			if !ok || status == http.StatusInternalServerError {
				if info := requestInfo(r); info != nil {
					info.err = err
				}
				status, e = http.StatusInternalServerError, &ccfeed.Error{Code: ccfeed.EINTERNAL, Message: "internal error"}
			} else if info := requestInfo(r); info != nil {
				info.errCode = e.Code
			}
			if e.RetryAfter > 0 {
				w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
			}
			s.renderHome(w, r, status, s.publicData(r, e.Message))
		}
	})
}

// publicData is the page anyone sees.
func (s *Server) publicData(r *http.Request, notice string) *homeData {
	root, base := s.serviceRoot(r), s.baseURL(r)
	return &homeData{FeedURL: root, MetadataURL: root + "$metadata", PowerBI: s.cfg.PowerBI != nil,
		PBIDS: base + "/powerbi/feed.pbids", Project: base + "/powerbi/project.zip",
		CanSignIn: s.auth.Secure(r), Notice: notice, Now: s.now().UTC().Format("2006-01-02 15:04:05 UTC")}
}

// renderHome renders the whole page into memory first, so a template
// error is a 500 and never half a page.
func (s *Server) renderHome(w http.ResponseWriter, r *http.Request, status int, d *homeData) {
	var buf bytes.Buffer
	if err := s.home.tmpl.Execute(&buf, d); err != nil {
		if info := requestInfo(r); info != nil {
			info.err = err
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The page loads nothing from anywhere (no scripts, no external
	// assets), and may not be framed.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// handleHome serves the page: public, or signed in with the cookie.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	d := s.publicData(r, "")
	p, notice := s.cookiePrincipal(w, r)
	d.Notice = notice
	if p == nil {
		s.renderHome(w, r, http.StatusOK, d)
		return nil
	}
	if info := requestInfo(r); info != nil {
		info.subject, info.credential = p.Subject, p.Credential
	}
	release, err := s.limits.acquire(p.Subject, s.now())
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.QueryTimeout)
	defer cancel()
	if err := s.signedInData(ctx, p, d); err != nil {
		return err
	}
	s.renderHome(w, r, http.StatusOK, d)
	return nil
}

// cookiePrincipal verifies the sign-in cookie as the feed verifies a
// bearer token (expiry, revocation, key rotation apply at once). A cookie
// over plain HTTP from another machine is ignored, as Basic would be
// refused; one that no longer verifies is cleared, with the reason.
func (s *Server) cookiePrincipal(w http.ResponseWriter, r *http.Request) (*ccfeed.Principal, string) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, ""
	}
	if !s.auth.Secure(r) {
		return nil, "Your sign-in is not used over plain HTTP from another machine: the token would cross the network in clear. Open the page over HTTPS."
	}
	p, err := s.verifyToken(r, c.Value)
	if err != nil {
		s.clearCookie(w, r)
		return nil, "Signed out: " + ccfeed.AsError(err).Message
	}
	return p, ""
}

// verifyToken authenticates token as if it came as a bearer token on r.
func (s *Server) verifyToken(r *http.Request, token string) (*ccfeed.Principal, error) {
	r2 := r.Clone(r.Context())
	r2.Header = http.Header{"Authorization": {"Bearer " + token}}
	// The form's token is the only credential considered: no query key.
	r2.URL.RawQuery = ""
	p, err := s.auth.Authenticate(r2)
	if err != nil {
		return nil, err
	}
	p.Credential = ccfeed.CredentialCookie
	return p, nil
}

// handleSignIn takes the token of the form and keeps it in the cookie.
//
// Cross-site request forgery: the cookie is SameSite=Strict, so a request
// that another site triggers never carries it, and nothing a forged POST
// could do with the victim's sign-in exists. What remains is login
// forgery, another site posting its own token to sign the victim into the
// attacker's view; CrossOriginProtection refuses a POST whose
// Sec-Fetch-Site or Origin says it came from another origin. Together
// they need no token in the form.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) error {
	if err := s.home.cop.Check(r); err != nil {
		return &ccfeed.Error{Code: ccfeed.EFORBIDDEN, Message: "sign-in refused: the form was sent from another site", Err: err}
	}
	if !s.auth.Secure(r) {
		return &ccfeed.Error{Code: ccfeed.EFORBIDDEN, Message: "Signing in over plain HTTP is only possible on the machine itself: the token would cross the network in clear. Open the page over HTTPS."}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInForm)
	if err := r.ParseForm(); err != nil {
		return &ccfeed.Error{Code: ccfeed.EINVALID, Message: "the sign-in form could not be read"}
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	token = strings.TrimSpace(strings.TrimPrefix(token, "Bearer "))
	if token == "" {
		return &ccfeed.Error{Code: ccfeed.EINVALID, Message: "paste an access token (ccfeed token --tenant NAME prints one)"}
	}
	p, err := s.verifyToken(r, token)
	if err != nil {
		// A refused token spends the client address's budget, as on the
		// feed: guessing through the form is as slow as through the API.
		release, lerr := s.limits.acquire("addr:"+clientAddr(r), s.now())
		if lerr != nil {
			return lerr
		}
		release()
		if info := requestInfo(r); info != nil {
			info.credential = "refused"
		}
		return err
	}
	if info := requestInfo(r); info != nil {
		info.subject, info.credential = p.Subject, p.Credential
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.isHTTPS(r)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// handleSignOut clears the cookie.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.home.cop.Check(r); err != nil {
		return &ccfeed.Error{Code: ccfeed.EFORBIDDEN, Message: "sign-out refused: the form was sent from another site", Err: err}
	}
	s.clearCookie(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.isHTTPS(r)})
}

// isHTTPS reports whether the browser reached the page over HTTPS (the
// cookie is then Secure), as the links the feed writes say.
func (s *Server) isHTTPS(r *http.Request) bool {
	return strings.HasPrefix(s.baseURL(r), "https:")
}

// signedInData fills the tenants' counts and sources, and the rejects for
// an admin.
func (s *Server) signedInData(ctx context.Context, p *ccfeed.Principal, d *homeData) error {
	d.SignedIn, d.Admin, d.Scope = true, p.IsAdmin(), p.Scope
	tenants := p.Tenants
	if p.AllTenantsAllowed() {
		var err error
		if tenants, err = s.store.Tenants(ctx); err != nil {
			return err
		}
	}
	tenants = append([]string(nil), tenants...)
	sort.Strings(tenants)
	type bound struct {
		name string
		plan *query.Plan
	}
	var plans []bound
	for _, set := range s.model.Sets {
		if set.AdminOnly && !p.IsAdmin() {
			continue
		}
		path, err := query.ParsePath(set.Name + "/$count")
		if err != nil {
			return err
		}
		q, err := query.ParseQuery("")
		if err != nil {
			return err
		}
		plan, err := query.Bind(s.model, path, q, s.now().UTC())
		if err != nil {
			return err
		}
		plans = append(plans, bound{set.Name, plan})
	}
	for _, t := range tenants {
		tv := &tenantView{Name: t}
		// Each count runs as the feed's /$count does, for this tenant
		// alone and with the token's business units, so the page and the
		// feed can never disagree.
		one := &ccfeed.Principal{Subject: p.Subject, Tenants: []string{t}, BusinessUnits: p.BusinessUnits, Scope: p.Scope}
		for _, b := range plans {
			n, err := s.store.Count(ctx, one, b.plan)
			if err != nil {
				return err
			}
			tv.Sets = append(tv.Sets, setCount{Name: b.name, Count: n})
		}
		d.Tenants = append(d.Tenants, *tv)
	}
	// Pointers taken once the slice stops growing.
	byTenant := map[string]*tenantView{}
	for i := range d.Tenants {
		byTenant[d.Tenants[i].Name] = &d.Tenants[i]
	}
	stats, err := s.store.SourceStatuses(ctx, tenants)
	if err != nil {
		return err
	}
	now := s.now()
	for _, st := range stats {
		tv := byTenant[st.Tenant]
		if tv == nil {
			continue
		}
		v := sourceView{Source: st.Source, Kind: st.Kind, Loads: st.Loaded, Failed: st.Failed,
			Records: st.Records, Rejected: st.Rejected, LastLoaded: "never", Age: "-"}
		if !st.LastLoaded.IsZero() {
			v.LastLoaded = st.LastLoaded.UTC().Format("2006-01-02 15:04 UTC")
			v.Age = age(now.Sub(st.LastLoaded))
		}
		if !st.LastFailed.IsZero() && !st.LastFailed.Before(st.LastLoaded) {
			v.FailedSinceLastLoaded = true
			v.LastFailed = st.LastFailed.UTC().Format("2006-01-02 15:04 UTC")
			// A failure message can quote the file's content: admins only,
			// as for rejects.
			if p.IsAdmin() {
				v.Failure = st.LastFailure
			}
		}
		tv.Sources = append(tv.Sources, v)
	}
	if !p.IsAdmin() {
		return nil
	}
	rejects, err := s.store.LatestRejects(ctx, tenants, homeRejects)
	if err != nil {
		return err
	}
	for _, rj := range rejects {
		d.Rejects = append(d.Rejects, rejectView{Tenant: rj.Tenant, Source: rj.Source, File: rj.File, Line: rj.Line,
			Field: rj.Field, Reason: rj.Reason, Load: rj.LoadID})
	}
	return nil
}

// age writes a duration the way a person reads freshness: "42 s", "7 min",
// "3 h 5 min", "12 days".
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "0 s"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// thousands writes 1234567 as "1,234,567".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
