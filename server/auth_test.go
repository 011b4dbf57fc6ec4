package server_test

import (
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/server"
)

// authBasic is an Authorization header value for HTTP Basic.
func authBasic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// immediateKeys makes the feed's key ring re-read keys and revocations on
// every request, so a test sees a revocation without waiting for the
// refresh interval (which cmd/ccfeed's test measures on the real server).
func immediateKeys(h *auth.HTTP) {
	h.Keys.(feedtest.KeySource).Ring.Interval = 0
}

// challenges returns the WWW-Authenticate values of a reply.
func challenges(r *reply) string { return strings.Join(r.Header.Values("WWW-Authenticate"), "\n") }

// TestCredentialPlacesLive sends one contoso token in each accepted place
// and checks that each reads exactly contoso's rows: the same count, and a
// nextLink walk (which must carry the URL key on) that stays in contoso.
func TestCredentialPlacesLive(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Auth: func(h *auth.HTTP) {
		h.Basic, h.KeyParam = true, "access_token"
	}})
	tok := f.Token(t, ccfeed.ScopeRead, "contoso")
	want := count(t, f, f.URL+"Conversations/$count?$filter=tenantId%20eq%20%27contoso%27", f.ReadToken(t))
	if want == 0 {
		t.Fatal("contoso has no conversations: the test proves nothing")
	}
	q := "access_token=" + url.QueryEscape(tok)
	for _, tc := range []struct {
		name    string
		url     string
		headers []string
	}{
		{"bearer", f.URL + "Conversations/$count", []string{"Authorization", "Bearer " + tok}},
		{"basic, any user", f.URL + "Conversations/$count", []string{"Authorization", authBasic("anyone", tok)}},
		{"basic, empty user", f.URL + "Conversations/$count", []string{"Authorization", authBasic("", tok)}},
		{"query key", f.URL + "Conversations/$count?" + q, nil},
		{"query key after an option", f.URL + "Conversations/$count?$filter=id%20ne%20%27x%27&" + q, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, f, tc.url, "", pq(tc.headers...)...)
			r.mustStatus(t, http.StatusOK, tc.name)
			if got := strings.TrimSpace(string(r.Body)); got != strconv.Itoa(want) {
				t.Errorf("count %s, want %d (contoso only)", got, want)
			}
		})
	}
	// walkKey follows the nextLinks of a query-key request, adding the key
	// again when addKey (as Power Query's ApiKeyName would, if it applies
	// it to every request), and checks every row is contoso's.
	walkKey := func(t *testing.T, f *feedtest.Feed, addKey bool, check func(t *testing.T, page int, link string)) {
		t.Helper()
		var got []string
		pages := 0
		for next := f.URL + "Conversations?$select=id&$filter=id%20ne%20%27x%27&" + q; next != ""; pages++ {
			if pages > 1000 {
				t.Fatal("more than 1000 pages")
			}
			c, _ := collectionOf(t, f, next, "", "Prefer", "odata.maxpagesize=400")
			got = append(got, ids(t, c.Value)...)
			if c.NextLink == "" {
				break
			}
			if !strings.Contains(c.NextLink, "$filter=id%20ne%20%27x%27") {
				t.Fatalf("nextLink lost the other options: %s", c.NextLink)
			}
			check(t, pages, c.NextLink)
			next = c.NextLink
			if addKey {
				next += "&" + q
			}
		}
		if pages < 2 {
			t.Fatalf("%d pages: no nextLink to follow", pages)
		}
		if len(got) != want {
			t.Errorf("%d rows through the key, want %d", len(got), want)
		}
		for _, id := range got {
			if !strings.HasPrefix(id, "contoso:") {
				t.Fatalf("row %s through a contoso key", id)
			}
		}
	}
	t.Run("nextLink keeps the query key", func(t *testing.T) {
		// Power Query may or may not add ApiKeyName to next-page
		// requests (Microsoft does not say): a link with the key works
		// either way, followed as it is or with the key added again.
		for _, addKey := range []bool{false, true} {
			walkKey(t, f, addKey, func(t *testing.T, _ int, link string) {
				if !strings.Contains(link, q) {
					t.Fatalf("nextLink lost the key: %s", link)
				}
			})
		}
	})
	t.Run("nextLink leaves the query key out when asked", func(t *testing.T) {
		out := feedtest.Start(t, f.DB, feedtest.Options{Config: server.Config{KeyOutOfLinks: true}, Auth: func(h *auth.HTTP) {
			h.Basic, h.KeyParam = true, "access_token"
		}})
		walkKey(t, out, true, func(t *testing.T, page int, link string) {
			if strings.Contains(link, "access_token") || strings.Contains(link, tok) {
				t.Fatalf("nextLink carries the key: %s", link)
			}
			if page == 0 {
				// Without the key the link is refused: it is the key,
				// not the link, that grants access.
				get(t, out, link, "").mustStatus(t, http.StatusUnauthorized, "nextLink without the key")
			}
		})
	})
	t.Run("nextLink keeps custom options of a header credential", func(t *testing.T) {
		// Only the parameter the credential came in is left out.
		c, _ := collectionOf(t, f, f.URL+"Conversations?$select=id&access_tokens=kept", "", "Authorization", "Bearer "+tok, "Prefer", "odata.maxpagesize=400")
		if !strings.Contains(c.NextLink, "access_tokens=kept") {
			t.Errorf("nextLink %s lost a custom option", c.NextLink)
		}
	})
	t.Run("key parameter renamed", func(t *testing.T) {
		g := feedtest.Start(t, f.DB, feedtest.Options{Auth: func(h *auth.HTTP) { h.KeyParam = "ApiKey" }})
		if r := get(t, g, g.URL+"Conversations/$count?ApiKey="+url.QueryEscape(tok), ""); r.Status != http.StatusOK {
			t.Errorf("ApiKey: %d %s", r.Status, r.Body)
		}
		r := get(t, g, g.URL+"Conversations/$count?"+q, "")
		r.mustStatus(t, http.StatusUnauthorized, "the default name after renaming")
	})
}

// odataEscape percent-encodes an option value, spaces as %20 (the OData
// parser refuses '+', as a reminder to clients that build URLs by hand).
func odataEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// TestBadTokensLive sends the tokens a feed must refuse through the running
// server: each gets a 401 with a challenge, a well-formed error body naming
// the reason, and nothing of the token. The body is byte-identical whether
// the token names an existing tenant or an invented one, so a refused token
// cannot probe which tenants exist.
func TestBadTokensLive(t *testing.T) {
	p := feedtest.NewProvider(t)
	p.Publish(t, "provider-k1", 0)
	f := feedtest.Start(t, feedtest.OpenDB(t), feedtest.Options{Auth: func(h *auth.HTTP) {
		immediateKeys(h)
		h.Basic, h.KeyParam = true, "access_token"
		h.OIDC = auth.NewOIDC(p.Config("https://feed.example.test", "", auth.Mapping{Claim: "tid", Value: "dir", Tenants: []string{"contoso"}}), nil)
	}})
	key, _ := f.SigningKey(t)
	otherFeed := feedtest.Start(t, feedtest.OpenDB(t), feedtest.Options{})
	otherKey, otherDep := otherFeed.SigningKey(t)
	pemKey := p.PublicKeyPEM(t, "provider-k1")

	revokedID := "0000000000000000000000000000dead"
	if err := f.DB.Revoke(context.Background(), revokedID); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	type mk func(tenant string) string
	edit := func(kv ...any) mk {
		return func(tenant string) string {
			c := f.Claims(t, tenant)
			for i := 0; i+1 < len(kv); i += 2 {
				c[kv[i].(string)] = kv[i+1]
			}
			return feedtest.SignHS256(t, key, c)
		}
	}
	cases := []struct {
		name   string
		token  mk
		reason string
	}{
		{"expired", edit("exp", now.Add(-time.Hour).Unix()), auth.ReasonExpired},
		{"not yet valid", edit("nbf", now.Add(time.Hour).Unix()), auth.ReasonNotYetValid},
		{"wrong issuer", edit("iss", "https://someone-else.example"), auth.ReasonIssuer},
		{"wrong audience", edit("aud", []any{"another-deployment"}), auth.ReasonAudience},
		{"revoked", edit("jti", revokedID), auth.ReasonRevoked},
		{"alg none", func(tenant string) string {
			return feedtest.UnsignedToken(f.Claims(t, tenant), map[string]any{"kid": key.ID})
		}, auth.ReasonUnsigned},
		{"HS256 keyed with an RSA public key, our kid", func(tenant string) string {
			return feedtest.SignHS256(t, auth.Key{ID: key.ID, Secret: pemKey}, f.Claims(t, tenant))
		}, auth.ReasonSignature},
		{"HS256 keyed with the provider's public key, provider kid", func(tenant string) string {
			return feedtest.SignHS256(t, auth.Key{ID: "provider-k1", Secret: pemKey}, f.Claims(t, tenant))
		}, auth.ReasonUnknownKey},
		{"tampered payload", func(tenant string) string {
			good := feedtest.SignHS256(t, key, f.Claims(t, tenant))
			parts := strings.Split(good, ".")
			c := f.Claims(t, tenant)
			c["tenants"], c["scope"] = []any{"*"}, "admin"
			widened := feedtest.SignHS256(t, key, c)
			return parts[0] + "." + strings.Split(widened, ".")[1] + "." + parts[2]
		}, auth.ReasonSignature},
		{"unknown kid", func(tenant string) string {
			return feedtest.SignHS256(t, key, f.Claims(t, tenant), "no-such-kid")
		}, auth.ReasonUnknownKey},
		{"another deployment's token", func(tenant string) string {
			tok, _, err := auth.Mint(otherKey, otherDep, []string{tenant}, nil, "read", time.Hour, now)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, auth.ReasonUnknownKey},
		{"our key, another deployment's audience", edit("aud", []any{otherDep}), auth.ReasonAudience},
		{"provider token for another audience", func(tenant string) string {
			return p.Sign(t, "provider-k1", p.Claims("https://other.example", jwt.MapClaims{"tid": "dir", "x-tenant": tenant}))
		}, auth.ReasonAudience},
		{"not a JWT", func(tenant string) string { return "opaque-" + tenant + "-value" }, auth.ReasonMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var first []byte
			for _, tenant := range []string{"contoso", "no-such-tenant"} {
				tok := tc.token(tenant)
				r := get(t, f, f.URL+"Conversations", tok, pq()...)
				r.mustStatus(t, http.StatusUnauthorized, tc.name)
				e := checkErrorBody(t, r, tc.name)
				if e.Error.Code != ccfeed.EUNAUTHORIZED || !strings.Contains(e.Error.Message, tc.reason) {
					t.Errorf("%s: error %s %q, want the reason %q", tenant, e.Error.Code, e.Error.Message, tc.reason)
				}
				if !strings.HasPrefix(challenges(r), `Bearer realm="ccfeed"`) {
					t.Errorf("WWW-Authenticate %q", challenges(r))
				}
				for _, part := range append(strings.Split(tok, "."), tenant) {
					if len(part) > 6 && strings.Contains(string(r.Body), part) {
						t.Errorf("the 401 body contains %q from the token: %s", part, r.Body)
					}
				}
				if first == nil {
					first = r.Body
				} else if string(first) != string(r.Body) {
					t.Errorf("the body differs with the tenant named:\n%s\n%s", first, r.Body)
				}
			}
			// The same refusal through Basic and the URL key, where the
			// token is a ccfeed token (provider tokens are bearer only).
			if !strings.HasPrefix(tc.name, "provider") {
				tok := tc.token("contoso")
				for _, via := range []struct{ url, header string }{
					{f.URL + "Conversations", authBasic("u", tok)},
					{f.URL + "Conversations?access_token=" + url.QueryEscape(tok), ""},
				} {
					var h []string
					if via.header != "" {
						h = []string{"Authorization", via.header}
					}
					r := get(t, f, via.url, "", h...)
					if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), tc.reason) {
						t.Errorf("%s: %d %s, want 401 with the reason", via.url, r.Status, r.Body)
					}
				}
			}
		})
	}
}

// TestPowerQuerySignIn replays Power Query's sign-in probes with its exact
// headers (POWERQUERY.md): no Authorization and an empty Bearer each get a
// 401 whose Bearer challenge carries the realm and the provider's
// authorization_uri (what starts "Organizational account" sign-in), plus a
// Basic challenge when Basic is on; then each credential kind reads.
func TestPowerQuerySignIn(t *testing.T) {
	const authorize = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/authorize"
	p := feedtest.NewProvider(t)
	p.Publish(t, "entra-1", 0)
	// Power Query asks Entra ID for a token whose audience is the feed's
	// scheme and host: the configured audience, here a fixed name.
	const feedAudience = "https://feed.example.test"
	f := feedtest.Start(t, feedtest.OpenDB(t), feedtest.Options{Auth: func(h *auth.HTTP) {
		h.Basic, h.KeyParam = true, "access_token"
		h.Realm = "ccfeed"
		h.OIDC = auth.NewOIDC(p.Config(feedAudience, authorize, auth.Mapping{Claim: "tid", Value: "dir-1", Tenants: []string{"contoso"}}), nil)
	}})
	want := `Bearer realm="ccfeed", authorization_uri="` + authorize + `"` + "\n" + `Basic realm="ccfeed", charset="UTF-8"`
	for _, u := range []string{f.URL, strings.TrimSuffix(f.URL, "/"), f.URL + "$metadata", f.URL + "Conversations?$top=1000"} {
		for _, probe := range []struct {
			name    string
			headers []string
		}{
			{"anonymous", nil},
			{"empty bearer", []string{"Authorization", "Bearer"}},
			{"empty bearer with a space", []string{"Authorization", "Bearer "}},
		} {
			r := get(t, f, u, "", pq(probe.headers...)...)
			r.mustStatus(t, http.StatusUnauthorized, probe.name+" "+u)
			checkOneVersion(t, r, u)
			checkErrorBody(t, r, probe.name+" "+u)
			if got := challenges(r); got != want {
				t.Errorf("%s %s: WWW-Authenticate\n%s\nwant\n%s", probe.name, u, got, want)
			}
		}
	}
	tok := f.Token(t, ccfeed.ScopeRead, "contoso")
	org := p.Sign(t, "entra-1", p.Claims(feedAudience, jwt.MapClaims{"tid": "dir-1"}))
	for _, tc := range []struct {
		name    string
		url     string
		headers []string
	}{
		{"Basic", f.URL, []string{"Authorization", authBasic("powerbi", tok)}},
		{"Basic, $metadata", f.URL + "$metadata", []string{"Authorization", authBasic("powerbi", tok)}},
		{"Web API key", f.URL + "?access_token=" + url.QueryEscape(tok), nil},
		{"Web API key, entity set", f.URL + "Conversations?$top=1000&access_token=" + url.QueryEscape(tok), nil},
		{"Organizational account", f.URL, []string{"Authorization", "Bearer " + org}},
		{"Organizational account, entity set", f.URL + "Conversations?$top=1000", []string{"Authorization", "Bearer " + org}},
	} {
		r := get(t, f, tc.url, "", pq(tc.headers...)...)
		r.mustStatus(t, http.StatusOK, tc.name)
		checkOneVersion(t, r, tc.name)
	}
	t.Run("no provider, no Basic: a plain Bearer challenge", func(t *testing.T) {
		g := feedtest.Start(t, f.DB, feedtest.Options{})
		r := get(t, g, g.URL, "", pq()...)
		r.mustStatus(t, http.StatusUnauthorized, "anonymous")
		if got := challenges(r); got != `Bearer realm="ccfeed"` {
			t.Errorf("WWW-Authenticate %q", got)
		}
		r = get(t, g, g.URL, "", pq("Authorization", authBasic("u", tok))...)
		r.mustStatus(t, http.StatusUnauthorized, "Basic when disabled")
	})
}

// TestOrganizationalSignIn runs provider (OIDC) tokens against the demo
// data: claim mappings decide the tenants and scope, a key rotation at the
// provider is followed, and a person no mapping names gets 403.
func TestOrganizationalSignIn(t *testing.T) {
	const aud = "https://feed.example.test"
	p := feedtest.NewProvider(t)
	p.Publish(t, "k1", 0)
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Auth: func(h *auth.HTTP) {
		h.OIDC = auth.NewOIDC(p.Config(aud, "https://login.example.test/authorize",
			auth.Mapping{Claim: "tid", Value: "dir-contoso", Tenants: []string{"contoso"}},
			auth.Mapping{Claim: "groups", Value: "grp-fabrikam", Tenants: []string{"fabrikam"}},
			auth.Mapping{Claim: "groups", Value: "grp-contoso-bu1", Tenants: []string{"contoso"}, BusinessUnits: []string{demoUnit1}},
			auth.Mapping{Claim: "roles", Value: "Feed.Admin", Tenants: []string{"*"}, Scope: ccfeed.ScopeAdmin},
		), nil)
	}})
	all := f.ReadToken(t)
	countOf := func(filter string) int {
		return count(t, f, f.URL+"Conversations/$count?$filter="+odataEscape(filter), all)
	}
	org := func(kid string, claims jwt.MapClaims) string { return p.Sign(t, kid, p.Claims(aud, claims)) }
	for _, tc := range []struct {
		name   string
		claims jwt.MapClaims
		want   int
	}{
		{"tenant id", jwt.MapClaims{"tid": "dir-contoso"}, countOf("tenantId eq 'contoso'")},
		{"group", jwt.MapClaims{"tid": "x", "groups": []any{"grp-fabrikam"}}, countOf("tenantId eq 'fabrikam'")},
		{"tenant id and group", jwt.MapClaims{"tid": "dir-contoso", "groups": []any{"grp-fabrikam"}}, countOf("tenantId ne 'northwind'")},
		{"business unit group", jwt.MapClaims{"tid": "x", "groups": []any{"grp-contoso-bu1"}}, countOf("businessUnitId eq '" + demoUnit1 + "'")},
		{"admin role", jwt.MapClaims{"tid": "x", "roles": []any{"Feed.Admin"}}, countOf("true")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := count(t, f, f.URL+"Conversations/$count", org("k1", tc.claims)); got != tc.want || got == 0 {
				t.Errorf("count %d, want %d", got, tc.want)
			}
		})
	}
	t.Run("scope from the mapping", func(t *testing.T) {
		reader := org("k1", jwt.MapClaims{"tid": "dir-contoso"})
		admin := org("k1", jwt.MapClaims{"tid": "x", "roles": []any{"Feed.Admin"}})
		get(t, f, f.URL+"Loads", reader).mustStatus(t, http.StatusNotFound, "Loads as a reader")
		get(t, f, f.URL+"Loads", admin).mustStatus(t, http.StatusOK, "Loads as an admin")
	})
	t.Run("no mapping: 403", func(t *testing.T) {
		r := get(t, f, f.URL+"Conversations", org("k1", jwt.MapClaims{"tid": "dir-unknown", "groups": []any{"grp-other"}}), pq()...)
		r.mustStatus(t, http.StatusForbidden, "unmapped")
		if e := checkErrorBody(t, r, "unmapped"); e.Error.Code != ccfeed.EFORBIDDEN {
			t.Errorf("code %s", e.Error.Code)
		}
		if challenges(r) != "" {
			t.Errorf("a 403 carries a challenge %q: signing in again would not help", challenges(r))
		}
	})
	t.Run("rotation at the provider", func(t *testing.T) {
		tok1 := org("k1", jwt.MapClaims{"tid": "dir-contoso"})
		get(t, f, f.URL+"Conversations/$count", tok1).mustStatus(t, http.StatusOK, "k1")
		// The provider publishes k2 and signs with it: fetched on sight.
		p.Publish(t, "k2", 1)
		before := p.Fetches.Load()
		get(t, f, f.URL+"Conversations/$count", org("k2", jwt.MapClaims{"tid": "dir-contoso"})).mustStatus(t, http.StatusOK, "new kid k2")
		if p.Fetches.Load() != before+1 {
			t.Errorf("JWKS fetched %d times for a new kid, want once", p.Fetches.Load()-before)
		}
		// It withdraws k1 and moves to k3: the fetch for k3 drops k1.
		p.Withdraw("k1")
		p.Publish(t, "k3", 2)
		get(t, f, f.URL+"Conversations/$count", org("k3", jwt.MapClaims{"tid": "dir-contoso"})).mustStatus(t, http.StatusOK, "new kid k3")
		r := get(t, f, f.URL+"Conversations/$count", tok1)
		r.mustStatus(t, http.StatusUnauthorized, "withdrawn k1 after the refresh")
		if !strings.Contains(string(r.Body), auth.ReasonUnknownKey) {
			t.Errorf("withdrawn key: %s", r.Body)
		}
		get(t, f, f.URL+"Conversations/$count", org("k2", jwt.MapClaims{"tid": "dir-contoso"})).mustStatus(t, http.StatusOK, "k2 still published")
	})
}

// TestTrustProxyLive checks X-Forwarded-Proto on a plain-HTTP feed reached
// from loopback, as behind a TLS-terminating proxy on the same machine:
// with TrustProxy the proxy's "http" refuses Basic and URL keys; without
// it the header is the client's word and changes nothing.
func TestTrustProxyLive(t *testing.T) {
	db := feedtest.OpenDB(t)
	setup := func(trust bool) func(*auth.HTTP) {
		return func(h *auth.HTTP) { h.Basic, h.KeyParam, h.TrustProxy = true, "access_token", trust }
	}
	trusting := feedtest.Start(t, db, feedtest.Options{Auth: setup(true)})
	plain := feedtest.Start(t, db, feedtest.Options{Auth: setup(false)})
	tok := trusting.Token(t, ccfeed.ScopeRead, "contoso")
	for _, tc := range []struct {
		name  string
		f     *feedtest.Feed
		proto string
		want  int
	}{
		{"trusted proxy says http", trusting, "http", http.StatusUnauthorized},
		{"trusted proxy says https", trusting, "https", http.StatusOK},
		{"trusted, no header (loopback)", trusting, "", http.StatusOK},
		{"untrusted header http (loopback)", plain, "http", http.StatusOK},
		{"untrusted header https (loopback)", plain, "https", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.proto != "" {
				h = []string{"X-Forwarded-Proto", tc.proto}
			}
			for _, via := range []struct{ url, authz string }{
				{tc.f.URL, authBasic("u", tok)},
				{tc.f.URL + "?access_token=" + url.QueryEscape(tok), ""},
			} {
				hh := h
				if via.authz != "" {
					hh = append([]string{"Authorization", via.authz}, h...)
				}
				r := get(t, tc.f, via.url, "", hh...)
				if r.Status != tc.want {
					t.Errorf("%s: %d, want %d: %s", via.url, r.Status, tc.want, r.Body)
				}
				if r.Status == http.StatusUnauthorized && !strings.Contains(string(r.Body), "only accepted over HTTPS") {
					t.Errorf("refusal does not say why: %s", r.Body)
				}
			}
			// Bearer is accepted in every case.
			get(t, tc.f, tc.f.URL, tok, h...).mustStatus(t, http.StatusOK, "bearer")
		})
	}
}

// TestTLSLive serves HTTPS (feedtest's generated certificate) and checks
// that every credential kind reads over it, and that the feed's links use
// the https scheme.
func TestTLSLive(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{TLS: true, Auth: func(h *auth.HTTP) {
		h.Basic, h.KeyParam = true, "access_token"
	}})
	if !strings.HasPrefix(f.URL, "https://") {
		t.Fatalf("feed at %s, want https", f.URL)
	}
	tok := f.Token(t, ccfeed.ScopeRead, "contoso")
	for _, tc := range []struct {
		name    string
		url     string
		headers []string
	}{
		{"bearer", f.URL + "Conversations?$top=2&$select=id", []string{"Authorization", "Bearer " + tok}},
		{"basic", f.URL + "Conversations?$top=2&$select=id", []string{"Authorization", authBasic("x", tok)}},
		{"query key", f.URL + "Conversations?$top=2&$select=id&access_token=" + url.QueryEscape(tok), nil},
	} {
		c, _ := collectionOf(t, f, tc.url, "", pq(tc.headers...)...)
		if !strings.HasPrefix(c.Context, "https://") || len(c.Value) != 2 {
			t.Errorf("%s: context %q, %d rows", tc.name, c.Context, len(c.Value))
		}
	}
}

// TestProviderDownLive: while the sign-in provider's key endpoint cannot be
// reached, a provider token gets 503 with Retry-After (Power Query retries)
// and not 401 (which would make it ask the person for credentials).
func TestProviderDownLive(t *testing.T) {
	p := feedtest.NewProvider(t)
	p.Publish(t, "provider-k1", 0)
	cfg := p.Config("https://feed.example.test", "", auth.Mapping{Claim: "tid", Value: "dir", Tenants: []string{"contoso"}})
	// Nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.JWKSURL = "http://" + ln.Addr().String() + "/keys"
	ln.Close()
	f := feedtest.Start(t, feedtest.OpenDB(t), feedtest.Options{Auth: func(h *auth.HTTP) {
		h.OIDC = auth.NewOIDC(cfg, nil)
	}})
	tok := p.Sign(t, "provider-k1", p.Claims("https://feed.example.test", jwt.MapClaims{"tid": "dir"}))
	for i := 0; i < 2; i++ {
		r := get(t, f, f.URL+"Conversations/$count", tok)
		r.mustStatus(t, http.StatusServiceUnavailable, "provider down")
		if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		if r.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("a 503 for the provider carries a challenge: %q", r.Header.Get("WWW-Authenticate"))
		}
	}
}
