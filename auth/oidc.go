package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ccfeed/ccfeed"
)

// OIDC verifies tokens issued by an OpenID provider (Microsoft Entra ID for
// Power BI's "Organizational account") and maps their claims to ccfeed
// tenants and scope.
type OIDC struct {
	cfg    OIDCConfig
	client *http.Client
	now    func() time.Time

	mu        sync.Mutex
	keys      map[string]any
	fetchedAt time.Time
	// lastMiss limits refetches for unknown key ids: a stream of tokens
	// with invented kids must not turn into a stream of JWKS requests.
	lastMiss time.Time
}

// NewOIDC returns a verifier for cfg. The JWKS is fetched on first use.
func NewOIDC(cfg OIDCConfig, client *http.Client) *OIDC {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &OIDC{cfg: cfg, client: client, now: time.Now, keys: map[string]any{}}
}

// Config returns the configuration.
func (o *OIDC) Config() OIDCConfig { return o.cfg }

// jwksTTL is how long fetched keys are trusted before a routine refresh;
// providers rotate keys over days and publish the next key in advance.
const jwksTTL = time.Hour

// missInterval bounds refetches triggered by unknown key ids.
const missInterval = 30 * time.Second

// key returns the verification key for kid, refreshing the JWKS when it is
// stale or the kid is new (a key rotation).
func (o *OIDC) key(ctx context.Context, kid string) (any, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	if k, ok := o.keys[kid]; ok && now.Sub(o.fetchedAt) < jwksTTL {
		return k, nil
	}
	stale := now.Sub(o.fetchedAt) >= jwksTTL
	if _, known := o.keys[kid]; !known && !stale && now.Sub(o.lastMiss) < missInterval {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	if err := o.fetch(ctx); err != nil {
		// Keep serving with the keys we have if the provider is briefly
		// unreachable.
		if k, ok := o.keys[kid]; ok {
			return k, nil
		}
		return nil, fmt.Errorf("%w: %v", errJWKS, err)
	}
	if k, ok := o.keys[kid]; ok {
		return k, nil
	}
	o.lastMiss = now
	return nil, fmt.Errorf("unknown key id %q", kid)
}

// errJWKS marks a failure to read the provider's keys, so that the person
// is told to retry rather than that their token is bad.
var errJWKS = errors.New("jwks unavailable")

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// fetch reads the JWKS; o.mu is held.
func (o *OIDC) fetch(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.cfg.JWKSURL, nil)
	if err != nil {
		return err
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("jwks: %s answered %s", o.cfg.JWKSURL, resp.Status)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	keys := map[string]any{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		switch k.Kty {
		case "RSA":
			n, err1 := b64int(k.N)
			e, err2 := b64int(k.E)
			if err1 != nil || err2 != nil || !e.IsInt64() {
				continue
			}
			keys[k.Kid] = &rsa.PublicKey{N: n, E: int(e.Int64())}
		case "EC":
			if k.Crv != "P-256" {
				continue
			}
			x, err1 := b64int(k.X)
			y, err2 := b64int(k.Y)
			if err1 != nil || err2 != nil {
				continue
			}
			keys[k.Kid] = &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
		}
	}
	o.keys, o.fetchedAt = keys, o.now()
	return nil
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

// Verify checks a provider token and returns its principal. A valid token
// whose claims match no mapping is EFORBIDDEN: the person signed in, but may
// read nothing here.
func (o *OIDC) Verify(ctx context.Context, token string) (*ccfeed.Principal, error) {
	// Asymmetric algorithms only: an HS256 token signed with a public key
	// as its secret must not pass as a provider token.
	methods := []string{"RS256", "RS384", "RS512", "PS256", "ES256"}
	if e := checkAlg(token, methods...); e != nil {
		return nil, e
	}
	claims := jwt.MapClaims{}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(o.now),
		jwt.WithLeeway(2 * time.Minute),
	}
	_, err := jwt.NewParser(opts...).ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return o.key(ctx, kid)
	})
	if err != nil {
		if errors.Is(err, errJWKS) {
			return nil, invalid(ReasonProvider, err)
		}
		return nil, classify(err)
	}
	iss, _ := claims["iss"].(string)
	if !slices.Contains(o.cfg.Issuers, iss) {
		return nil, invalid(ReasonIssuer, fmt.Errorf("issuer %q not configured", iss))
	}
	aud, _ := claims.GetAudience()
	if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(o.cfg.Audiences, a) }) {
		return nil, invalid(ReasonAudience, fmt.Errorf("audience %v not configured", aud))
	}
	p := &ccfeed.Principal{Scope: ccfeed.ScopeRead}
	sub, _ := claims["oid"].(string)
	if sub == "" {
		sub, _ = claims["sub"].(string)
	}
	p.Subject = "oidc:" + iss + "|" + sub
	matched := false
	for _, m := range o.cfg.Mappings {
		if !m.matches(claims) {
			continue
		}
		matched = true
		for _, t := range m.Tenants {
			if !slices.Contains(p.Tenants, t) {
				p.Tenants = append(p.Tenants, t)
			}
		}
		p.BusinessUnits = append(p.BusinessUnits, m.BusinessUnits...)
		if m.Scope == ccfeed.ScopeAdmin {
			p.Scope = ccfeed.ScopeAdmin
		}
	}
	if !matched || len(p.Tenants) == 0 {
		return nil, &ccfeed.Error{Code: ccfeed.EFORBIDDEN,
			Message: "you are signed in, but your account is not given access to any tenant of this feed; ask its administrator"}
	}
	return p, nil
}

// matches reports whether the claim holds the mapping's value (a string
// claim equal to it, or an array claim containing it).
func (m Mapping) matches(claims jwt.MapClaims) bool {
	v, ok := claims[m.Claim]
	if !ok {
		return false
	}
	switch x := v.(type) {
	case string:
		return x == m.Value
	case []any:
		for _, item := range x {
			if s, ok := item.(string); ok && s == m.Value {
				return true
			}
		}
	}
	return false
}
