package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ccfeed/ccfeed"
)

// provider is a fake OpenID provider's JWKS endpoint. Keys can be
// published, withdrawn (a rotation), and the endpoint taken down.
type provider struct {
	url     string
	fetches atomic.Int64

	mu    sync.Mutex
	keys  map[string]any // kid -> *rsa.PrivateKey or *ecdsa.PrivateKey
	pub   map[string]bool
	down  bool
	extra []map[string]string // raw entries appended to the set
}

func newProvider(t *testing.T) *provider {
	p := &provider{keys: map[string]any{}, pub: map[string]bool{}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.down {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		var kids []string
		for kid := range p.pub {
			kids = append(kids, kid)
		}
		sort.Strings(kids)
		set := map[string][]map[string]string{"keys": {}}
		b64 := func(i *big.Int) string { return base64.RawURLEncoding.EncodeToString(i.Bytes()) }
		for _, kid := range kids {
			switch k := p.keys[kid].(type) {
			case *rsa.PrivateKey:
				set["keys"] = append(set["keys"], map[string]string{"kty": "RSA", "use": "sig", "kid": kid,
					"n": b64(k.N), "e": b64(big.NewInt(int64(k.E)))})
			case *ecdsa.PrivateKey:
				set["keys"] = append(set["keys"], map[string]string{"kty": "EC", "crv": "P-256", "kid": kid,
					"x": b64(k.X), "y": b64(k.Y)})
			}
		}
		set["keys"] = append(set["keys"], p.extra...)
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(ts.Close)
	p.url = ts.URL + "/keys"
	return p
}

func (p *provider) publish(kid string, key any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys[kid], p.pub[kid] = key, true
}

func (p *provider) withdraw(kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pub, kid)
}

func (p *provider) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

func (p *provider) sign(t *testing.T, kid string, c jwt.MapClaims) string {
	t.Helper()
	p.mu.Lock()
	key := p.keys[kid]
	p.mu.Unlock()
	m := jwt.SigningMethod(jwt.SigningMethodRS256)
	if _, ok := key.(*ecdsa.PrivateKey); ok {
		m = jwt.SigningMethodES256
	}
	return sign(t, m, key, kid, c)
}

const (
	iss = "https://login.example.test/dir-1/v2.0"
	aud = "https://feed.example.test"
)

// clock is a settable time for the verifier.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var mappings = []Mapping{
	{Claim: "tid", Value: "dir-contoso", Tenants: []string{"contoso"}},
	{Claim: "groups", Value: "group-fabrikam", Tenants: []string{"fabrikam"}},
	{Claim: "groups", Value: "group-contoso-bu0", Tenants: []string{"contoso"}, BusinessUnits: []string{"contoso:demo:bu-0"}},
	{Claim: "roles", Value: "Feed.Admin", Tenants: []string{"*"}, Scope: ccfeed.ScopeAdmin},
	{Claim: "roles", Value: "Feed.Reader.Northwind", Tenants: []string{"northwind"}, Scope: ccfeed.ScopeRead},
}

func newVerifier(t *testing.T, p *provider, c *clock) *OIDC {
	o := NewOIDC(OIDCConfig{Issuers: []string{iss, "https://sts.example.test/dir-1/"}, Audiences: []string{aud, "api://feed"},
		JWKSURL: p.url, Mappings: mappings}, nil)
	o.now = c.now
	return o
}

func idClaims(now time.Time, kv ...any) jwt.MapClaims {
	c := jwt.MapClaims{"iss": iss, "aud": aud, "sub": "sub-1", "oid": "oid-1", "tid": "dir-contoso",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	return with(c, kv...)
}

// TestOIDCMappings checks that claims become tenants, business units and
// scope: a string claim, an array claim, the union over several matching
// mappings, and admin from any of them.
func TestOIDCMappings(t *testing.T) {
	p := newProvider(t)
	p.publish("k1", rsaKey(0))
	c := &clock{t: time.Now()}
	o := newVerifier(t, p, c)
	now := c.now()
	for _, tc := range []struct {
		name    string
		claims  jwt.MapClaims
		tenants []string
		bus     []string
		scope   string
		subject string
	}{
		{"tenant id", idClaims(now), []string{"contoso"}, nil, "read", "oidc:" + iss + "|oid-1"},
		{"group", idClaims(now, "tid", "other", "groups", []any{"x", "group-fabrikam"}), []string{"fabrikam"}, nil, "read", ""},
		{"tenant id and group: union", idClaims(now, "groups", []any{"group-fabrikam"}), []string{"contoso", "fabrikam"}, nil, "read", ""},
		{"admin role", idClaims(now, "tid", "other", "roles", []any{"Feed.Admin"}), []string{"*"}, nil, "admin", ""},
		{"reader role", idClaims(now, "tid", "other", "roles", []any{"Feed.Reader.Northwind"}), []string{"northwind"}, nil, "read", ""},
		{"role as a single string", idClaims(now, "tid", "other", "roles", "Feed.Reader.Northwind"), []string{"northwind"}, nil, "read", ""},
		{"business unit group", idClaims(now, "tid", "other", "groups", []any{"group-contoso-bu0"}), []string{"contoso"}, []string{"contoso:demo:bu-0"}, "read", ""},
		// A narrowed mapping is never widened by an unnarrowed one: the
		// principal has one list of units for all its tenants, and
		// dropping it would hand the narrowed group every unit.
		{"narrowed and whole tenant: stays narrowed", idClaims(now, "groups", []any{"group-contoso-bu0"}), []string{"contoso"}, []string{"contoso:demo:bu-0"}, "read", ""},
		{"sub when no oid", idClaims(now, "oid", nil), []string{"contoso"}, nil, "read", "oidc:" + iss + "|sub-1"},
		{"second issuer, second audience", idClaims(now, "iss", "https://sts.example.test/dir-1/", "aud", []any{"api://feed"}), []string{"contoso"}, nil, "read", "oidc:https://sts.example.test/dir-1/|oid-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, err := o.Verify(context.Background(), p.sign(t, "k1", tc.claims))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pr.Tenants, tc.tenants) || !slices.Equal(pr.BusinessUnits, tc.bus) || pr.Scope != tc.scope {
				t.Errorf("principal %+v, want tenants %v units %v scope %s", pr, tc.tenants, tc.bus, tc.scope)
			}
			if tc.subject != "" && pr.Subject != tc.subject {
				t.Errorf("subject %q, want %q", pr.Subject, tc.subject)
			}
		})
	}
	t.Run("no mapping matches: 403", func(t *testing.T) {
		for _, cl := range []jwt.MapClaims{
			idClaims(now, "tid", "dir-unknown"),
			idClaims(now, "tid", nil),
			idClaims(now, "tid", []any{"dir-contoso-not"}, "groups", []any{"group-fabrikam-x"}),
			idClaims(now, "tid", 42),
			idClaims(now, "tid", "DIR-CONTOSO"), // values compare exactly
		} {
			_, err := o.Verify(context.Background(), p.sign(t, "k1", cl))
			if e := ccfeed.AsError(err); e.Code != ccfeed.EFORBIDDEN {
				t.Errorf("claims %v: %v, want %s", cl, err, ccfeed.EFORBIDDEN)
			}
		}
	})
}

// TestOIDCRejects is the table of provider tokens to refuse, each with its
// reason.
func TestOIDCRejects(t *testing.T) {
	p := newProvider(t)
	p.publish("k1", rsaKey(0))
	p.keys["unpublished"] = rsaKey(1) // the provider (or a thief) holds it; the JWKS does not list it
	c := &clock{t: time.Now()}
	o := newVerifier(t, p, c)
	now := c.now()
	good := p.sign(t, "k1", idClaims(now))
	if _, err := o.Verify(context.Background(), good); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	pem := publicPEM(t, rsaKey(0))
	otherKeySameKid := sign(t, jwt.SigningMethodRS256, rsaKey(1), "k1", idClaims(now))
	for _, tc := range []struct {
		name   string
		token  string
		reason string
	}{
		{"expired", p.sign(t, "k1", idClaims(now, "exp", now.Add(-10*time.Minute).Unix())), ReasonExpired},
		{"not yet valid", p.sign(t, "k1", idClaims(now, "nbf", now.Add(10*time.Minute).Unix())), ReasonNotYetValid},
		{"issued in the future", p.sign(t, "k1", idClaims(now, "iat", now.Add(10*time.Minute).Unix(), "nbf", nil)), ReasonIssuedLater},
		{"no expiry", p.sign(t, "k1", idClaims(now, "exp", nil)), ReasonMissingClaim},
		{"wrong issuer", p.sign(t, "k1", idClaims(now, "iss", "https://evil.example/")), ReasonIssuer},
		{"no issuer", p.sign(t, "k1", idClaims(now, "iss", nil)), ReasonIssuer},
		{"wrong audience", p.sign(t, "k1", idClaims(now, "aud", "https://other-feed.example")), ReasonAudience},
		{"no audience", p.sign(t, "k1", idClaims(now, "aud", nil)), ReasonAudience},
		{"alg none", unsigned(map[string]any{"alg": "none", "kid": "k1"}, idClaims(now)), ReasonUnsigned},
		{"HS256 keyed with the provider's public key", sign(t, jwt.SigningMethodHS256, pem, "k1", idClaims(now)), ReasonAlgorithm},
		{"HS256 keyed with the public key's modulus", sign(t, jwt.SigningMethodHS256, rsaKey(0).N.Bytes(), "k1", idClaims(now)), ReasonAlgorithm},
		{"signed by another key under a published kid", otherKeySameKid, ReasonSignature},
		{"tampered payload", repayload(t, good, func(c jwt.MapClaims) { c["roles"] = []any{"Feed.Admin"} }), ReasonSignature},
		{"unknown kid", p.sign(t, "unpublished", idClaims(now)), ReasonUnknownKey},
		{"malformed", "a.b", ReasonMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, err := o.Verify(context.Background(), tc.token)
			if err == nil {
				t.Fatalf("accepted as %+v", pr)
			}
			if !errors.Is(err, ErrInvalid) || ReasonOf(err) != tc.reason {
				t.Errorf("error %v, want reason %q", err, tc.reason)
			}
		})
	}
}

// TestOIDCThroughHTTP checks the routing of bearer tokens by algorithm: an
// HS256 token goes to the local verifier even when it carries a provider's
// kid and was keyed with the provider's public key, and is refused there.
func TestOIDCThroughHTTP(t *testing.T) {
	p := newProvider(t)
	p.publish("k1", rsaKey(0))
	c := &clock{t: time.Now()}
	o := newVerifier(t, p, c)
	local := newKey(t, "local-1")
	h := &HTTP{Keys: newRing("dep-A", local), OIDC: o, Basic: true, KeyParam: "access_token"}
	now := c.now()
	auth := func(tok string) (*ccfeed.Principal, error) {
		return h.Authenticate(request("/odata/", remote, true, "Authorization", "Bearer "+tok))
	}
	if pr, err := auth(p.sign(t, "k1", idClaims(now))); err != nil || pr.Tenants[0] != "contoso" {
		t.Fatalf("provider token: %+v %v", pr, err)
	}
	lt, _, _ := Mint(local, "dep-A", []string{"fabrikam"}, nil, "read", time.Hour, now)
	if pr, err := auth(lt); err != nil || pr.Tenants[0] != "fabrikam" {
		t.Fatalf("local token beside OIDC: %+v %v", pr, err)
	}
	for _, tc := range []struct {
		name, token, message string
	}{
		{"HS256 with the public key, provider kid", sign(t, jwt.SigningMethodHS256, publicPEM(t, rsaKey(0)), "k1", idClaims(now)), ReasonUnknownKey},
		{"HS256 with the public key, local kid", sign(t, jwt.SigningMethodHS256, publicPEM(t, rsaKey(0)), "local-1", idClaims(now)), ReasonSignature},
		{"alg none, provider kid", unsigned(map[string]any{"alg": "none", "kid": "k1"}, idClaims(now)), ReasonUnsigned},
		{"RS256 with a local kid", sign(t, jwt.SigningMethodRS256, rsaKey(1), "local-1", idClaims(now)), ReasonUnknownKey},
	} {
		_, err := auth(tc.token)
		e := ccfeed.AsError(err)
		if e.Code != ccfeed.EUNAUTHORIZED || !strings.Contains(e.Message, tc.message) {
			t.Errorf("%s: %v, want 401 saying %q", tc.name, err, tc.message)
		}
	}
	// A provider token cannot be sent as a Basic password or URL key: those
	// carry ccfeed tokens only.
	pt := p.sign(t, "k1", idClaims(now))
	if _, err := h.Authenticate(request("/odata/", remote, true, "Authorization", basic("u", pt))); err == nil {
		t.Error("provider token accepted as a Basic password")
	}
	// Unmatched claims: 403, not 401 (signing in again will not help).
	_, err := auth(p.sign(t, "k1", idClaims(now, "tid", "nobody")))
	if ccfeed.ErrorCode(err) != ccfeed.EFORBIDDEN {
		t.Errorf("unmapped person: %v, want forbidden", err)
	}
}

// TestOIDCKeyRotation follows a provider's key rotation with a controlled
// clock: a new kid is fetched on first sight, a withdrawn key keeps working
// only until the next fetch, unknown kids cannot make the verifier fetch
// more than once per missInterval, and an unreachable provider leaves the
// cached keys in service.
func TestOIDCKeyRotation(t *testing.T) {
	p := newProvider(t)
	p.publish("k1", rsaKey(0))
	c := &clock{t: time.Now()}
	o := newVerifier(t, p, c)
	ctx := context.Background()
	verify := func(kid string) error {
		_, err := o.Verify(ctx, p.sign(t, kid, idClaims(c.now())))
		return err
	}
	step := func(what string, kid string, wantReason string, wantFetches int64) {
		t.Helper()
		err := verify(kid)
		// A refresh of a stale cache runs behind the request: count it
		// once it is over.
		o.waitIdle()
		if wantReason == unavailable {
			if ccfeed.ErrorCode(err) != ccfeed.EUNAVAILABLE || ccfeed.AsError(err).RetryAfter < 1 {
				t.Errorf("%s: token of %s: %v, want 503 with Retry-After (the provider is down)", what, kid, err)
			}
		} else if ReasonOf(err) != wantReason || (wantReason == "" && err != nil) {
			t.Errorf("%s: token of %s: %v, want reason %q", what, kid, err, wantReason)
		}
		if n := p.fetches.Load(); n != wantFetches {
			t.Errorf("%s: %d JWKS fetches, want %d", what, n, wantFetches)
		}
	}
	step("first use fetches", "k1", "", 1)
	step("cached", "k1", "", 1)

	// The provider publishes k2 and starts signing with it.
	p.publish("k2", rsaKey(1))
	c.advance(5 * time.Second)
	step("new kid fetched on sight", "k2", "", 2)
	step("old key still published", "k1", "", 2)

	// k1 is withdrawn: still cached until the next fetch.
	p.withdraw("k1")
	step("withdrawn but cached", "k1", "", 2)
	// Past the routine TTL the cached key still serves while the refresh
	// runs behind (no one waits for a provider to verify a known key);
	// the refresh drops it.
	c.advance(jwksTTL)
	step("past the TTL: cached key serves, refresh behind", "k1", "", 3)
	step("the refresh dropped the withdrawn key", "k1", ReasonUnknownKey, 4)
	step("current key unaffected", "k2", "", 4)

	// Unknown kids: one fetch, then none until missInterval has passed
	// (the withdrawn k1 above was such a miss: wait it out first).
	p.keys["forged"] = rsaKey(2)
	c.advance(missInterval + time.Second)
	step("unknown kid fetches once", "forged", ReasonUnknownKey, 5)
	step("unknown kid again: no fetch", "forged", ReasonUnknownKey, 5)
	c.advance(missInterval / 2)
	step("still inside missInterval", "forged", ReasonUnknownKey, 5)
	c.advance(missInterval)
	step("after missInterval: fetch again", "forged", ReasonUnknownKey, 6)

	// Provider down: cached keys keep working, even past the TTL; an
	// unknown kid says the provider is unreachable (503), not that the
	// token is bad.
	p.setDown(true)
	c.advance(jwksTTL + time.Minute)
	step("down, past TTL, cached key", "k2", "", 7)
	p.publish("k3", rsaKey(2))
	c.advance(missInterval + time.Second)
	step("down, new kid", "k3", unavailable, 8)
	p.setDown(false)
	c.advance(missInterval + time.Second)
	step("back up, new kid", "k3", "", 9)
}

// unavailable stands for "503, the provider cannot be reached" in the
// steps of a test.
const unavailable = "(unavailable)"

// waitIdle waits for a JWKS fetch in progress to end.
func (o *OIDC) waitIdle() {
	o.mu.RLock()
	ch := o.inflight
	o.mu.RUnlock()
	if ch != nil {
		<-ch
	}
}

// TestOIDCBackoff: a key endpoint that is down answers 503 with
// Retry-After, not 401, and failed fetches back off (1 s, 2 s, 4 s ...):
// requests inside the back-off fetch nothing.
func TestOIDCBackoff(t *testing.T) {
	p := newProvider(t)
	p.publish("k1", rsaKey(0))
	p.setDown(true)
	c := &clock{t: time.Now()}
	o := newVerifier(t, p, c)
	try := func(what string, wantFetches int64, wantRetry int) {
		t.Helper()
		_, err := o.Verify(context.Background(), p.sign(t, "k1", idClaims(c.now())))
		o.waitIdle()
		e := ccfeed.AsError(err)
		if ccfeed.ErrorCode(err) != ccfeed.EUNAVAILABLE || e.RetryAfter != wantRetry {
			t.Errorf("%s: %v (Retry-After %d), want 503 with Retry-After %d", what, err, e.RetryAfter, wantRetry)
		}
		if n := p.fetches.Load(); n != wantFetches {
			t.Errorf("%s: %d fetches, want %d", what, n, wantFetches)
		}
	}
	try("first use, provider down", 1, 1)
	try("again at once: inside the back-off", 1, 1)
	c.advance(time.Second)
	try("after 1 s: fetch, fail, back off 2 s", 2, 2)
	c.advance(time.Second)
	try("1 s later: still backing off", 2, 1)
	c.advance(time.Second)
	try("2 s later: fetch, fail, back off 4 s", 3, 4)
	p.setDown(false)
	c.advance(4 * time.Second)
	if _, err := o.Verify(context.Background(), p.sign(t, "k1", idClaims(c.now()))); err != nil || p.fetches.Load() != 4 {
		t.Errorf("provider back: %v after %d fetches", err, p.fetches.Load())
	}
}

// TestOIDCSlowProviderHoldsNoOne: while a fetch hangs on a slow key
// endpoint, a token with a known key verifies at once (no lock held across
// the fetch), and a crowd of tokens with invented key ids makes no more
// fetches than the one in flight.
func TestOIDCSlowProviderHoldsNoOne(t *testing.T) {
	p := newProvider(t)
	p.publish("k1", rsaKey(0))
	c := &clock{t: time.Now()}
	o := newVerifier(t, p, c)
	ctx := context.Background()
	if _, err := o.Verify(ctx, p.sign(t, "k1", idClaims(c.now()))); err != nil {
		t.Fatal(err)
	}
	// The endpoint now hangs until released.
	gate := make(chan struct{})
	entered := make(chan struct{}, 100)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		entered <- struct{}{}
		<-gate
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer slow.Close()
	o.cfg.JWKSURL = slow.URL
	c.advance(missInterval + time.Second)
	const crowd = 50
	results := make(chan error, crowd)
	for i := range crowd {
		kid := fmt.Sprintf("random-%d", i)
		p.keys[kid] = rsaKey(1)
		tok := p.sign(t, kid, idClaims(c.now()))
		go func() {
			_, err := o.Verify(ctx, tok)
			results <- err
		}()
	}
	<-entered // the one fetch is in flight, and hangs
	done := make(chan error, 1)
	go func() {
		_, err := o.Verify(ctx, p.sign(t, "k1", idClaims(c.now())))
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("known key while the provider hangs: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a token with a known key waited for the hanging key fetch")
	}
	close(gate)
	for range crowd {
		if err := <-results; err == nil {
			t.Errorf("an invented key id verified")
		}
	}
	o.waitIdle()
	if n := p.fetches.Load(); n != 2 {
		t.Errorf("%d fetches for %d invented key ids, want the one in flight (2 with the first use)", n, crowd)
	}
}

// TestJWKSParsing checks which published keys are used: signature keys of
// RSA and EC P-256; encryption keys, other curves and malformed entries are
// skipped without spoiling the rest.
func TestJWKSParsing(t *testing.T) {
	p := newProvider(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.publish("rsa", rsaKey(0))
	p.publish("ec", ec)
	p.keys["enc"] = rsaKey(1)
	p.extra = []map[string]string{
		{"kty": "RSA", "use": "enc", "kid": "enc", "n": base64.RawURLEncoding.EncodeToString(rsaKey(1).N.Bytes()), "e": "AQAB"},
		{"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"},
		{"kty": "RSA", "kid": "broken", "n": "!!!", "e": "AQAB"},
		{"kty": "oct", "kid": "symmetric", "k": "c2VjcmV0"},
	}
	c := &clock{t: time.Now()}
	o := newVerifier(t, p, c)
	for _, tc := range []struct {
		kid    string
		reason string
	}{{"rsa", ""}, {"ec", ""}, {"enc", ReasonUnknownKey}} {
		_, err := o.Verify(context.Background(), p.sign(t, tc.kid, idClaims(c.now())))
		if ReasonOf(err) != tc.reason || (tc.reason == "" && err != nil) {
			t.Errorf("kid %s: %v, want reason %q", tc.kid, err, tc.reason)
		}
	}
	o.mu.Lock()
	var kids []string
	for k := range o.keys {
		kids = append(kids, k)
	}
	o.mu.Unlock()
	sort.Strings(kids)
	if strings.Join(kids, ",") != "ec,rsa" {
		t.Errorf("keys in use %v, want [ec rsa]", kids)
	}
}
