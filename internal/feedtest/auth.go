package feedtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ccfeed/ccfeed/auth"
)

// This file holds helpers for the authentication, isolation and limits
// tests: minting ccfeed tokens with any claims (including broken ones), and
// a fake OpenID provider serving a JWKS.

// SigningKey returns the feed's current signing key and its deployment id
// (the audience of its tokens).
func (f *Feed) SigningKey(t testing.TB) (auth.Key, string) {
	t.Helper()
	ctx := context.Background()
	k, err := f.DB.CurrentKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dep, err := f.DB.Deployment(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return auth.Key{ID: k.ID, Secret: k.Secret}, dep
}

// MintToken mints a token for tenants narrowed to business units (none: not
// narrowed) and returns it with its id.
func (f *Feed) MintToken(t testing.TB, scope string, businessUnits []string, tenants ...string) (token, jti string) {
	t.Helper()
	k, dep := f.SigningKey(t)
	tok, id, err := auth.Mint(k, dep, tenants, businessUnits, scope, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok, id
}

// Claims returns the claims of a valid read token of this feed for tenants,
// for a test to break one at a time before signing them with SignHS256.
func (f *Feed) Claims(t testing.TB, tenants ...string) jwt.MapClaims {
	t.Helper()
	_, dep := f.SigningKey(t)
	id, err := auth.NewID()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ts := make([]any, len(tenants))
	for i, s := range tenants {
		ts[i] = s
	}
	return jwt.MapClaims{
		"iss": auth.Issuer, "aud": []any{dep}, "jti": id,
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"tenants": ts, "scope": "read",
	}
}

// SignHS256 signs claims with key (kid = key.ID unless kid is given).
func SignHS256(t testing.TB, key auth.Key, claims jwt.MapClaims, kid ...string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = key.ID
	if len(kid) > 0 {
		tok.Header["kid"] = kid[0]
	}
	s, err := tok.SignedString(key.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// UnsignedToken returns claims as an "alg": "none" token (empty signature),
// with header fields added from extra.
func UnsignedToken(claims jwt.MapClaims, extra map[string]any) string {
	h := map[string]any{"alg": "none", "typ": "JWT"}
	for k, v := range extra {
		h[k] = v
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb) + "."
}

// rsaKeys are generated once per test binary: RSA key generation is slow
// and every test needs only a few distinct keys.
var rsaKeys struct {
	once sync.Once
	keys []*rsa.PrivateKey
}

// RSAKey returns the i-th of a few fixed-per-run RSA keys (i < 6).
func RSAKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	rsaKeys.once.Do(func() {
		for range 6 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys.keys = append(rsaKeys.keys, k)
		}
	})
	return rsaKeys.keys[i]
}

// Provider is a fake OpenID provider: an HTTP server publishing a JWKS
// whose keys the test adds and removes (a key rotation), and a signer of
// RS256 tokens with those keys.
type Provider struct {
	URL    string // the JWKS URL
	Issuer string
	// Fetches counts JWKS requests.
	Fetches atomic.Int64

	mu        sync.Mutex
	keys      map[string]*rsa.PrivateKey
	published map[string]bool
}

// NewProvider starts a provider with no keys until the test ends.
func NewProvider(t testing.TB) *Provider {
	t.Helper()
	p := &Provider{keys: map[string]*rsa.PrivateKey{}, published: map[string]bool{}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Fetches.Add(1)
		p.mu.Lock()
		var set struct {
			Keys []map[string]string `json:"keys"`
		}
		kids := make([]string, 0, len(p.published))
		for kid := range p.published {
			kids = append(kids, kid)
		}
		sort.Strings(kids)
		for _, kid := range kids {
			pub := p.keys[kid].PublicKey
			set.Keys = append(set.Keys, map[string]string{
				"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
				"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			})
		}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(ts.Close)
	p.URL = ts.URL + "/discovery/keys"
	p.Issuer = "https://login.example.test/" + "directory-1" + "/v2.0"
	return p
}

// Publish adds the i-th RSAKey to the JWKS under kid.
func (p *Provider) Publish(t testing.TB, kid string, i int) {
	t.Helper()
	k := RSAKey(t, i)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys[kid], p.published[kid] = k, true
}

// Withdraw removes kid from the JWKS; the provider can still sign with it,
// as a leaked or retired key would.
func (p *Provider) Withdraw(kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.published, kid)
}

// PublicKeyPEM returns kid's public key as PEM, what an attacker has in hand
// for the HS256 key-confusion attack.
func (p *Provider) PublicKeyPEM(t testing.TB, kid string) []byte {
	t.Helper()
	p.mu.Lock()
	k := p.keys[kid]
	p.mu.Unlock()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Claims returns valid provider claims for audience, plus extra.
func (p *Provider) Claims(audience string, extra jwt.MapClaims) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": p.Issuer, "aud": audience, "sub": "subject-1", "oid": "object-1",
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// Sign signs claims with kid's key using RS256.
func (p *Provider) Sign(t testing.TB, kid string, claims jwt.MapClaims) string {
	t.Helper()
	p.mu.Lock()
	k := p.keys[kid]
	p.mu.Unlock()
	if k == nil {
		t.Fatalf("provider has no key %s", kid)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Config returns an OIDC configuration trusting the provider for audience.
func (p *Provider) Config(audience, authorizationURI string, mappings ...auth.Mapping) auth.OIDCConfig {
	return auth.OIDCConfig{
		Issuers: []string{p.Issuer}, Audiences: []string{audience}, JWKSURL: p.URL,
		AuthorizationURI: authorizationURI, Mappings: mappings,
	}
}
