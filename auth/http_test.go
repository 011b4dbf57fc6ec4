package auth

import (
	"crypto/tls"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
)

// httpFixture is an authenticator over one key and a valid token for it.
type httpFixture struct {
	h     *HTTP
	token string
	jti   string
}

func newHTTPFixture(t *testing.T) *httpFixture {
	t.Helper()
	k := newKey(t, "k1")
	tok, jti, err := Mint(k, "dep-A", []string{"contoso"}, nil, ccfeed.ScopeRead, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &httpFixture{h: &HTTP{Keys: newRing("dep-A", k), Basic: true, KeyParam: "access_token"}, token: tok, jti: jti}
}

// variant is a fresh HTTP with the fixture's settings, for a test to change
// one (an HTTP holds a cache of verified tokens and is not copied).
func (f *httpFixture) variant() *HTTP {
	h := f.h
	return &HTTP{Keys: h.Keys, OIDC: h.OIDC, Realm: h.Realm, Basic: h.Basic, KeyParam: h.KeyParam,
		TrustProxy: h.TrustProxy, InsecureFrom: h.InsecureFrom, Now: h.Now}
}

// request builds a GET from remote (host:port) with optional TLS and
// headers given as name, value pairs.
func request(target, remote string, withTLS bool, headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.RemoteAddr = remote
	if withTLS {
		r.TLS = &tls.ConnectionState{}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

const (
	loopback4 = "127.0.0.1:50000"
	loopback6 = "[::1]:50000"
	remote    = "203.0.113.7:50000" // TEST-NET-3: never loopback
	privateIP = "10.1.2.3:50000"    // private is not loopback either
)

// TestCredentialPlaces checks the three places a ccfeed token is accepted
// (Bearer, Basic password with any user, query parameter) and that each
// yields the token's principal.
func TestCredentialPlaces(t *testing.T) {
	f := newHTTPFixture(t)
	q := url.QueryEscape(f.token)
	for _, tc := range []struct {
		name    string
		target  string
		headers []string
	}{
		{"bearer", "/odata/Conversations", []string{"Authorization", "Bearer " + f.token}},
		{"bearer, lower-case scheme", "/odata/Conversations", []string{"Authorization", "bearer " + f.token}},
		{"bearer, extra spaces", "/odata/Conversations", []string{"Authorization", "Bearer   " + f.token + "  "}},
		{"basic, any user", "/odata/Conversations", []string{"Authorization", basic("powerbi", f.token)}},
		{"basic, empty user", "/odata/Conversations", []string{"Authorization", basic("", f.token)}},
		{"basic, user name with spaces", "/odata/Conversations", []string{"Authorization", basic("Jane Doe", f.token)}},
		{"query key", "/odata/Conversations?access_token=" + q, nil},
		{"query key among OData options", "/odata/Conversations?$top=5&access_token=" + q + "&$select=id", nil},
		{"query key percent-encoded", "/odata/Conversations?access_token=" + strings.ReplaceAll(f.token, ".", "%2E"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, via := range []struct {
				name   string
				remote string
				tls    bool
			}{{"TLS from afar", remote, true}, {"loopback", loopback4, false}, {"loopback v6", loopback6, false}} {
				p, err := f.h.Authenticate(request(tc.target, via.remote, via.tls, tc.headers...))
				if err != nil {
					t.Fatalf("%s: %v", via.name, err)
				}
				if p.Subject != "token:"+f.jti || p.Tenants[0] != "contoso" {
					t.Errorf("%s: principal %+v", via.name, p)
				}
				// The server leaves the key out of nextLinks by this name.
				wantParam := ""
				if strings.HasPrefix(tc.name, "query key") {
					wantParam = "access_token"
				}
				if p.KeyParam != wantParam {
					t.Errorf("%s: KeyParam %q, want %q", via.name, p.KeyParam, wantParam)
				}
			}
		})
	}
}

// TestCredentialRefusals checks the requests without a usable credential:
// each is a 401 whose message helps, and none echoes the credential.
func TestCredentialRefusals(t *testing.T) {
	f := newHTTPFixture(t)
	q := url.QueryEscape(f.token)
	noBasic := f.variant()
	noBasic.Basic = false
	noKey := f.variant()
	noKey.KeyParam = ""
	renamed := f.variant()
	renamed.KeyParam = "ApiKey"
	for _, tc := range []struct {
		name    string
		h       *HTTP
		req     *http.Request
		message string
	}{
		{"nothing", f.h, request("/odata/", remote, true), "needs an access token"},
		{"empty bearer (Power Query's first probe)", f.h, request("/odata/", remote, true, "Authorization", "Bearer"), "sign in"},
		{"empty bearer with a space", f.h, request("/odata/", remote, true, "Authorization", "Bearer "), "sign in"},
		{"basic over plain HTTP from afar", f.h, request("/odata/", remote, false, "Authorization", basic("u", f.token)), "only accepted over HTTPS"},
		{"basic over plain HTTP from a private address", f.h, request("/odata/", privateIP, false, "Authorization", basic("u", f.token)), "only accepted over HTTPS"},
		{"query key over plain HTTP from afar", f.h, request("/odata/?access_token="+q, remote, false), "only accepted over HTTPS"},
		{"basic disabled", noBasic, request("/odata/", remote, true, "Authorization", basic("u", f.token)), "unsupported authorization scheme Basic"},
		{"query key disabled", noKey, request("/odata/?access_token="+q, remote, true), "needs an access token"},
		{"query key under another name", renamed, request("/odata/?access_token="+q, remote, true), "needs an access token"},
		{"header and query key both", f.h, request("/odata/?access_token="+q, remote, true, "Authorization", "Bearer "+f.token), "not both"},
		{"basic without password", f.h, request("/odata/", remote, true, "Authorization", basic("u", "")), "password"},
		{"basic without colon", f.h, request("/odata/", remote, true, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(f.token))), "password"},
		{"basic not base64", f.h, request("/odata/", remote, true, "Authorization", "Basic %%%"), "malformed Basic"},
		{"basic token is wrong", f.h, request("/odata/", remote, true, "Authorization", basic("u", f.token+"x")), ReasonSignature},
		{"token pasted without scheme", f.h, request("/odata/", remote, true, "Authorization", f.token), "no scheme"},
		{"base64 credentials without scheme", f.h, request("/odata/", remote, true, "Authorization", base64.StdEncoding.EncodeToString([]byte("u:"+f.token))), "no scheme"},
		{"unknown scheme carrying the token", f.h, request("/odata/", remote, true, "Authorization", "X"+f.token[:10]+" "+f.token), "unsupported authorization scheme;"},
		{"Negotiate (Windows credential)", f.h, request("/odata/", remote, true, "Authorization", "Negotiate abc"), "unsupported authorization scheme Negotiate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.h.Authenticate(tc.req)
			if err == nil {
				t.Fatalf("accepted as %+v", p)
			}
			e := ccfeed.AsError(err)
			if e.Code != ccfeed.EUNAUTHORIZED {
				t.Errorf("code %s, want %s", e.Code, ccfeed.EUNAUTHORIZED)
			}
			if !strings.Contains(e.Message, tc.message) {
				t.Errorf("message %q lacks %q", e.Message, tc.message)
			}
			for _, secret := range []string{f.token, f.token[:20], strings.Split(f.token, ".")[2], base64.StdEncoding.EncodeToString([]byte("u:" + f.token))[:20]} {
				if strings.Contains(e.Message, secret) {
					t.Errorf("message %q echoes the credential", e.Message)
				}
			}
		})
	}
}

// TestSecureTransport is the matrix of where Basic and query keys are
// accepted: over TLS, from loopback, or (only with TrustProxy) when the
// proxy says the client used HTTPS. Bearer headers are accepted over any
// transport (the guarded forms are the ones clients send without thinking:
// Power BI's Basic and Web API credentials, and URLs that end up in logs).
func TestSecureTransport(t *testing.T) {
	f := newHTTPFixture(t)
	trusting := f.variant()
	trusting.TrustProxy = true
	// The compose file's opt-in: the container network's own range.
	dockerNet, err := ParseNetworks("172.30.83.0/24")
	if err != nil {
		t.Fatal(err)
	}
	optedIn := f.variant()
	optedIn.InsecureFrom = dockerNet
	optedInProxy := f.variant()
	optedInProxy.InsecureFrom = dockerNet
	optedInProxy.TrustProxy = true
	for _, tc := range []struct {
		name   string
		h      *HTTP
		remote string
		tls    bool
		proto  string // X-Forwarded-Proto, "" for none
		want   bool
	}{
		{"TLS", f.h, remote, true, "", true},
		{"loopback v4", f.h, loopback4, false, "", true},
		{"loopback v6", f.h, loopback6, false, "", true},
		{"127.x loopback", f.h, "127.8.9.10:1", false, "", true},
		{"remote plain", f.h, remote, false, "", false},
		{"remote plain claiming https, proxy not trusted", f.h, remote, false, "https", false},
		{"remote plain, trusted proxy says https", trusting, remote, false, "https", true},
		{"trusted proxy says HTTPS in capitals", trusting, remote, false, "HTTPS", true},
		{"trusted proxy chain, first hop https", trusting, remote, false, "https, http", true},
		{"trusted proxy chain, first hop http", trusting, remote, false, "http, https", false},
		{"trusted proxy says http", trusting, remote, false, "http", false},
		// A proxy on the same machine connects from loopback: its
		// "http" must win over the loopback address, or credentials the
		// client sent in clear would be taken.
		{"trusted proxy on loopback says http", trusting, loopback4, false, "http", false},
		{"trusted proxy on loopback says https", trusting, loopback4, false, "https", true},
		{"trusted proxy on loopback, no header", trusting, loopback4, false, "", true},
		{"trusted proxy, remote, no header", trusting, remote, false, "", false},
		{"TLS wins over a header saying http", trusting, remote, true, "http", true},
		{"unparsable remote address", f.h, "garbage", false, "", false},
		// --insecure-credentials-from: the Docker gateway (how the host's
		// own connections reach a container) is let in, and nothing else
		// that is not loopback.
		{"docker gateway, not opted in", f.h, "172.30.83.1:40000", false, "", false},
		{"docker gateway, opted in", optedIn, "172.30.83.1:40000", false, "", true},
		{"last address of the opted-in network", optedIn, "172.30.83.255:1", false, "", true},
		{"next network up, opted in elsewhere", optedIn, "172.30.84.1:40000", false, "", false},
		{"other private network", optedIn, privateIP, false, "", false},
		{"remote, opted in elsewhere", optedIn, remote, false, "", false},
		{"loopback still accepted when opted in", optedIn, loopback4, false, "", true},
		{"trusted proxy in the opted-in network says http", optedInProxy, "172.30.83.1:1", false, "http", false},
		{"v4-mapped v6 form of the gateway", optedIn, "[::ffff:172.30.83.1]:40000", false, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var extra []string
			if tc.proto != "" {
				extra = []string{"X-Forwarded-Proto", tc.proto}
			}
			for _, form := range []struct {
				name string
				req  *http.Request
			}{
				{"basic", request("/odata/", tc.remote, tc.tls, append([]string{"Authorization", basic("u", f.token)}, extra...)...)},
				{"query key", request("/odata/?access_token="+url.QueryEscape(f.token), tc.remote, tc.tls, extra...)},
			} {
				_, err := tc.h.Authenticate(form.req)
				if got := err == nil; got != tc.want {
					t.Errorf("%s: accepted %v, want %v (%v)", form.name, got, tc.want, err)
				}
			}
			// Bearer is accepted whatever the transport.
			if _, err := tc.h.Authenticate(request("/odata/", tc.remote, tc.tls, append([]string{"Authorization", "Bearer " + f.token}, extra...)...)); err != nil {
				t.Errorf("bearer: %v", err)
			}
		})
	}
}

// TestChallenge checks the WWW-Authenticate values: Bearer with the realm,
// the provider's authorization_uri when organizational sign-in is set up
// (what starts Power Query's sign-in), and Basic when enabled.
func TestChallenge(t *testing.T) {
	k := newKey(t, "k1")
	oidc := NewOIDC(OIDCConfig{Issuers: []string{"https://issuer"}, Audiences: []string{"https://feed"},
		JWKSURL: "https://issuer/keys", AuthorizationURI: "https://login.example/tenant-1/oauth2/authorize",
		Mappings: []Mapping{{Claim: "tid", Value: "t", Tenants: []string{"contoso"}}}}, nil)
	r := request("/odata/", remote, true)
	for _, tc := range []struct {
		name string
		h    *HTTP
		want []string
	}{
		{"defaults", &HTTP{Keys: newRing("d", k)}, []string{`Bearer realm="ccfeed"`}},
		{"realm and basic", &HTTP{Keys: newRing("d", k), Realm: "Contact center", Basic: true},
			[]string{`Bearer realm="Contact center"`, `Basic realm="Contact center", charset="UTF-8"`}},
		{"oidc and basic", &HTTP{Keys: newRing("d", k), OIDC: oidc, Basic: true},
			[]string{`Bearer realm="ccfeed", authorization_uri="https://login.example/tenant-1/oauth2/authorize"`, `Basic realm="ccfeed", charset="UTF-8"`}},
	} {
		got := tc.h.Challenge(r)
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: challenge %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestRevocationIsRead checks that the verifier asks the key source on
// every request, so a revocation the source learns applies at once.
func TestRevocationIsRead(t *testing.T) {
	f := newHTTPFixture(t)
	req := func() *http.Request { return request("/odata/", remote, true, "Authorization", "Bearer "+f.token) }
	if _, err := f.h.Authenticate(req()); err != nil {
		t.Fatal(err)
	}
	f.h.Keys.(*ring).revoked[f.jti] = true
	_, err := f.h.Authenticate(req())
	if e := ccfeed.AsError(err); e.Code != ccfeed.EUNAUTHORIZED || !strings.Contains(e.Message, ReasonRevoked) {
		t.Errorf("after revocation: %v, want 401 saying %q", err, ReasonRevoked)
	}
}

// TestNowIsUsed checks that HTTP.Now is the verifier's clock.
func TestNowIsUsed(t *testing.T) {
	f := newHTTPFixture(t)
	f.h.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	_, err := f.h.Authenticate(request("/odata/", remote, true, "Authorization", "Bearer "+f.token))
	if !strings.Contains(ccfeed.AsError(err).Message, ReasonExpired) {
		t.Errorf("two hours later: %v, want %q", err, ReasonExpired)
	}
}

func TestQueryParam(t *testing.T) {
	for _, tc := range []struct{ raw, name, want string }{
		{"access_token=abc", "access_token", "abc"},
		{"$top=1&access_token=a%2Eb&x=1", "access_token", "a.b"},
		{"access_tokens=abc", "access_token", ""},
		{"xaccess_token=abc", "access_token", ""},
		{"access_token", "access_token", ""},
		{"access_token=a%ZZ", "access_token", "a%ZZ"}, // undecodable: kept raw, and then fails to verify
		{"Access_Token=abc", "access_token", ""},      // names are exact
		{"access_token=first&access_token=second", "access_token", "first"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/odata/?"+tc.raw, nil)
		if got := queryParam(r, tc.name); got != tc.want {
			t.Errorf("queryParam(%q, %q) = %q, want %q", tc.raw, tc.name, got, tc.want)
		}
	}
}

// TestParseNetworks covers --insecure-credentials-from: CIDRs and bare
// addresses inside private, loopback and link-local ranges are accepted;
// anything that reaches public addresses is refused with a reason.
func TestParseNetworks(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"172.30.83.0/24", []string{"172.30.83.0/24"}, ""},
		{" 172.30.83.0/24 , 192.168.65.0/24 ", []string{"172.30.83.0/24", "192.168.65.0/24"}, ""},
		{"172.30.83.7/24", []string{"172.30.83.0/24"}, ""},
		{"172.30.83.1", []string{"172.30.83.1/32"}, ""},
		{"fd00:ccfe::/64", []string{"fd00:ccfe::/64"}, ""},
		{"fe80::1", []string{"fe80::1/128"}, ""},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, ""},
		{"0.0.0.0/0", nil, "reaches beyond private"},
		{"::/0", nil, "reaches beyond private"},
		{"8.0.0.0/5", nil, "reaches beyond private"},
		{"172.16.0.0/11", nil, "reaches beyond private"},
		{"203.0.113.7", nil, "reaches beyond private"},
		{"172.30.83.0/33", nil, "not a network"},
		{"docker", nil, "not a network"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseNetworks(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, n := range got {
				s = append(s, n.String())
			}
			if strings.Join(s, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", s, tc.want)
			}
		})
	}
}
