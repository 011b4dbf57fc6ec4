package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ccfeed/ccfeed"
)

// ring is an in-memory KeySource: the store's key ring reduced to what the
// verifier reads.
type ring struct {
	dep     string
	keys    map[string]Key
	revoked map[string]bool
}

func (r *ring) Deployment() string         { return r.dep }
func (r *ring) Key(kid string) (Key, bool) { k, ok := r.keys[kid]; return k, ok }
func (r *ring) Revoked(jti string) bool    { return r.revoked[jti] }

func newRing(dep string, keys ...Key) *ring {
	r := &ring{dep: dep, keys: map[string]Key{}, revoked: map[string]bool{}}
	for _, k := range keys {
		r.keys[k.ID] = k
	}
	return r
}

func newKey(t testing.TB, id string) Key {
	t.Helper()
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		t.Fatal(err)
	}
	return Key{ID: id, Secret: s}
}

// testRSA holds RSA keys generated once: generation is slow.
var testRSA struct {
	once sync.Once
	keys [3]*rsa.PrivateKey
}

func rsaKey(i int) *rsa.PrivateKey {
	testRSA.once.Do(func() {
		for j := range testRSA.keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			testRSA.keys[j] = k
		}
	})
	return testRSA.keys[i]
}

func publicPEM(t testing.TB, k *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// sign signs claims with method and key, setting kid when not empty.
func sign(t testing.TB, m jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsigned returns an "alg": "none" token with an empty signature.
func unsigned(header map[string]any, claims jwt.MapClaims) string {
	hb, _ := json.Marshal(header)
	cb, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb) + "."
}

// repayload replaces a token's payload, keeping its header and signature:
// the tampering of someone who widens their own token.
func repayload(t testing.TB, token string, edit func(jwt.MapClaims)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	c := jwt.MapClaims{}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	edit(c)
	b, _ := json.Marshal(c)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// claimsAt returns the claims Mint would write at now, for one field at a
// time to be broken.
func claimsAt(dep string, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": Issuer, "aud": []any{dep}, "jti": "0123456789abcdef0123456789abcdef",
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"tenants": []any{"contoso"}, "scope": "read",
	}
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestMintVerifyRoundTrip(t *testing.T) {
	k := newKey(t, "k1")
	r := newRing("dep-A", k)
	for _, tc := range []struct {
		name    string
		tenants []string
		bus     []string
		scope   string
	}{
		{"one tenant", []string{"contoso"}, nil, ccfeed.ScopeRead},
		{"several tenants, admin", []string{"contoso", "fabrikam"}, nil, ccfeed.ScopeAdmin},
		{"every tenant", []string{ccfeed.AllTenants}, nil, ccfeed.ScopeRead},
		{"business units", []string{"contoso"}, []string{"contoso:demo:bu-0", "contoso:demo:bu-2"}, ccfeed.ScopeRead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, jti, err := Mint(k, "dep-A", tc.tenants, tc.bus, tc.scope, time.Hour, t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(jti) != 32 {
				t.Errorf("jti %q, want 128 random bits in hex", jti)
			}
			p, err := VerifyLocal(r, tok, t0.Add(59*time.Minute))
			if err != nil {
				t.Fatalf("VerifyLocal: %v", err)
			}
			want := &ccfeed.Principal{Subject: "token:" + jti, Tenants: tc.tenants, BusinessUnits: tc.bus, Scope: tc.scope}
			if p.Subject != want.Subject || !slices.Equal(p.Tenants, want.Tenants) ||
				!slices.Equal(p.BusinessUnits, want.BusinessUnits) || p.Scope != want.Scope {
				t.Errorf("principal %+v, want %+v", p, want)
			}
			// The header names the key, so a rotated ring finds it.
			h, _, _ := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
			if h.Header["kid"] != "k1" || h.Header["alg"] != "HS256" {
				t.Errorf("header %v, want kid k1 and alg HS256", h.Header)
			}
		})
	}
	// Two mints never share an id: revoking one must not revoke the other.
	_, a, _ := Mint(k, "dep-A", []string{"x"}, nil, "read", time.Hour, t0)
	_, b, _ := Mint(k, "dep-A", []string{"x"}, nil, "read", time.Hour, t0)
	if a == b {
		t.Errorf("two tokens share the id %s", a)
	}
}

func TestMintRefuses(t *testing.T) {
	k := newKey(t, "k1")
	for _, tc := range []struct {
		name    string
		tenants []string
		scope   string
	}{
		{"no tenant", nil, "read"},
		{"unknown scope", []string{"contoso"}, "write"},
		{"empty scope", []string{"contoso"}, ""},
	} {
		if _, _, err := Mint(k, "dep", tc.tenants, nil, tc.scope, time.Hour, t0); err == nil {
			t.Errorf("%s: Mint succeeded", tc.name)
		}
	}
}

// TestVerifyLocalRejects is the table of tokens a feed must refuse, each
// with the reason the client is told. Every token here would be accepted
// if the check named in its case were removed.
func TestVerifyLocalRejects(t *testing.T) {
	k1, k2 := newKey(t, "k1"), newKey(t, "k2")
	r := newRing("dep-A", k1, k2)
	other := newKey(t, "other-deployment-key")
	now := t0
	good := claimsAt("dep-A", now)
	valid := sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", good)
	if _, err := VerifyLocal(r, valid, now); err != nil {
		t.Fatalf("the baseline token does not verify: %v", err)
	}
	revokedJTI := "fedcba9876543210fedcba9876543210"
	r.revoked[revokedJTI] = true
	pub := publicPEM(t, rsaKey(0))

	cases := []struct {
		name   string
		token  string
		reason string
	}{
		{"expired", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "exp", now.Add(-time.Minute).Unix())), ReasonExpired},
		{"expired long ago", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "iat", now.Add(-48*time.Hour).Unix(), "nbf", now.Add(-48*time.Hour).Unix(), "exp", now.Add(-24*time.Hour).Unix())), ReasonExpired},
		{"not yet valid", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "nbf", now.Add(10*time.Minute).Unix())), ReasonNotYetValid},
		{"no expiry", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "exp", nil)), ReasonMissingClaim},
		{"wrong issuer", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "iss", "someone-else")), ReasonIssuer},
		{"no issuer", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "iss", nil)), ReasonMissingClaim},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "aud", []any{"dep-B"})), ReasonAudience},
		{"no audience", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "aud", nil)), ReasonMissingClaim},
		{"alg none", unsigned(map[string]any{"alg": "none", "typ": "JWT", "kid": "k1"}, good), ReasonUnsigned},
		{"alg None", unsigned(map[string]any{"alg": "None", "kid": "k1"}, good), ReasonUnsigned},
		{"alg missing", unsigned(map[string]any{"kid": "k1"}, good), ReasonUnsigned},
		{"alg none with a signature", unsigned(map[string]any{"alg": "none", "kid": "k1"}, good) + strings.Split(valid, ".")[2], ReasonUnsigned},
		{"HS384 with the right secret", sign(t, jwt.SigningMethodHS384, k1.Secret, "k1", good), ReasonAlgorithm},
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey(0), "k1", good), ReasonAlgorithm},
		{"invented alg", unsigned(map[string]any{"alg": "XX999", "kid": "k1"}, good) + "c2ln", ReasonAlgorithm},
		{"HS256 keyed with an RSA public key, our kid", sign(t, jwt.SigningMethodHS256, pub, "k1", good), ReasonSignature},
		{"HS256 keyed with an RSA public key, no kid", sign(t, jwt.SigningMethodHS256, pub, "", good), ReasonUnknownKey},
		{"revoked", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "jti", revokedJTI)), ReasonRevoked},
		{"no jti", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "jti", nil)), ReasonNoID},
		{"tampered payload: widened to every tenant", repayload(t, valid, func(c jwt.MapClaims) { c["tenants"] = []any{"*"} }), ReasonSignature},
		{"tampered payload: admin scope", repayload(t, valid, func(c jwt.MapClaims) { c["scope"] = "admin" }), ReasonSignature},
		{"tampered payload: expiry pushed", repayload(t, valid, func(c jwt.MapClaims) { c["exp"] = now.Add(1000 * time.Hour).Unix() }), ReasonSignature},
		{"tampered header: other kid", sign(t, jwt.SigningMethodHS256, k1.Secret, "k2", good), ReasonSignature},
		{"signature stripped", strings.Join(strings.Split(valid, ".")[:2], ".") + ".", ReasonSignature},
		{"unknown kid", sign(t, jwt.SigningMethodHS256, k1.Secret, "k9", good), ReasonUnknownKey},
		{"no kid", sign(t, jwt.SigningMethodHS256, k1.Secret, "", good), ReasonUnknownKey},
		{"another deployment's token", sign(t, jwt.SigningMethodHS256, other.Secret, other.ID, with(good, "aud", []any{"dep-B"})), ReasonUnknownKey},
		{"our key, another deployment's audience", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "aud", []any{"dep-B"})), ReasonAudience},
		{"no tenants", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "tenants", []any{})), ReasonNoGrant},
		{"unknown scope", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "scope", "write")), ReasonNoGrant},
		{"no scope", sign(t, jwt.SigningMethodHS256, k1.Secret, "k1", with(good, "scope", nil)), ReasonNoGrant},
		{"not a JWT", "not-a-token", ReasonMalformed},
		{"two parts", "eyJhbGciOiJIUzI1NiJ9.e30", ReasonMalformed},
		{"four parts", valid + ".x", ReasonMalformed},
		{"header not base64", "!!!." + strings.SplitN(valid, ".", 2)[1], ReasonMalformed},
		{"empty", "", ReasonMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := VerifyLocal(r, tc.token, now)
			if err == nil {
				t.Fatalf("accepted as %+v", p)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			if got := ReasonOf(err); got != tc.reason {
				t.Errorf("reason %q, want %q (error: %v)", got, tc.reason, err)
			}
		})
	}
}

// TestVerifyLocalWindow checks the clock edges: a 30-second leeway, and
// tokens signed with a retired key staying valid until they expire.
func TestVerifyLocalWindow(t *testing.T) {
	k1 := newKey(t, "k1")
	r := newRing("dep-A", k1)
	tok, _, err := Mint(k1, "dep-A", []string{"contoso"}, nil, "read", time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at     time.Time
		reason string
	}{
		{t0, ""},
		{t0.Add(-time.Minute), ""}, // nbf is a minute before minting: clocks differ
		{t0.Add(-time.Minute - 29*time.Second), ""},
		{t0.Add(-time.Minute - 31*time.Second), ReasonNotYetValid},
		{t0.Add(time.Hour + 29*time.Second), ""},
		{t0.Add(time.Hour + 31*time.Second), ReasonExpired},
	} {
		_, err := VerifyLocal(r, tok, tc.at)
		if ReasonOf(err) != tc.reason || (tc.reason == "" && err != nil) {
			t.Errorf("at %s: error %v, want reason %q", tc.at.Sub(t0), err, tc.reason)
		}
	}
	// Rotation: a new key signs, the retired one still verifies.
	k2 := newKey(t, "k2")
	r.keys["k2"] = k2
	newer, _, _ := Mint(k2, "dep-A", []string{"contoso"}, nil, "read", time.Hour, t0)
	for _, s := range []string{tok, newer} {
		if _, err := VerifyLocal(r, s, t0); err != nil {
			t.Errorf("after rotation: %v", err)
		}
	}
	// Dropping a key (not what rotation does) ends its tokens.
	delete(r.keys, "k1")
	if _, err := VerifyLocal(r, tok, t0); ReasonOf(err) != ReasonUnknownKey {
		t.Errorf("token of a removed key: %v, want %q", err, ReasonUnknownKey)
	}
}

// TestReasonsAreSafe checks that no reason quotes what it judges: the same
// bad token for an existing and an invented tenant gets the same reason,
// and no reason contains a claim value or the key id.
func TestReasonsAreSafe(t *testing.T) {
	k1 := newKey(t, "k1-secret-looking-id")
	r := newRing("dep-A", k1)
	for _, tenant := range []string{"contoso", "no-such-tenant-xyz"} {
		c := with(claimsAt("dep-A", t0), "tenants", []any{tenant}, "exp", t0.Add(-time.Hour).Unix())
		tok := sign(t, jwt.SigningMethodHS256, k1.Secret, k1.ID, c)
		_, err := VerifyLocal(r, tok, t0)
		if ReasonOf(err) != ReasonExpired {
			t.Errorf("%s: %v", tenant, err)
		}
	}
	for _, reason := range []string{ReasonMalformed, ReasonUnsigned, ReasonAlgorithm, ReasonUnknownKey, ReasonSignature,
		ReasonExpired, ReasonNotYetValid, ReasonIssuedLater, ReasonIssuer, ReasonAudience, ReasonMissingClaim,
		ReasonRevoked, ReasonNoID, ReasonNoGrant} {
		if strings.ContainsAny(reason, `"%`) || reason == "" {
			t.Errorf("reason %q is not a fixed phrase", reason)
		}
	}
}
