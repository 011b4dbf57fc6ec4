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
	"math"
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
//
// The provider's keys (its JWKS) are cached. Fetching them never holds the
// lock that verifying with a known key needs, so a slow key endpoint slows
// no one whose key is known; one fetch runs at a time, and requests that
// need its result wait for that one; a key id nobody has seen triggers at
// most one fetch per missInterval (random key ids cost nothing after the
// first); and a failed fetch backs off, doubling up to maxBackoff. While
// the provider cannot be reached and the key is not cached, the answer is
// 503 with Retry-After: a 401 would make Power Query ask the person for
// credentials that are fine.
type OIDC struct {
	cfg    OIDCConfig
	client *http.Client
	now    func() time.Time

	mu        sync.RWMutex
	keys      map[string]any
	fetchedAt time.Time
	// inflight is closed when the fetch in progress ends (nil when none).
	inflight chan struct{}
	// lastMiss limits refetches for unknown key ids: a stream of tokens
	// with invented kids must not turn into a stream of JWKS requests. It
	// is the end of the last fetch that did not find a kid it was made
	// (or waited for) for; wanted holds those kids during a fetch. A fetch
	// that finds the new kid (a rotation) does not count.
	lastMiss time.Time
	wanted   map[string]bool
	// failures counts fetches failed in a row; no fetch starts before
	// retryAt after one.
	failures int
	retryAt  time.Time
	lastErr  error
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

// The back-off after a failed fetch: minBackoff, doubling per failure in a
// row, at most maxBackoff.
const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
)

// fetchTimeout bounds one fetch, whoever waits for it.
const fetchTimeout = 10 * time.Second

// key returns the verification key for kid, refreshing the JWKS when it is
// stale (in the background: the cached key serves meanwhile) or the kid is
// new (a key rotation, waited for).
func (o *OIDC) key(ctx context.Context, kid string) (any, error) {
	now := o.now()
	o.mu.RLock()
	k, known := o.keys[kid]
	stale := now.Sub(o.fetchedAt) >= jwksTTL
	o.mu.RUnlock()
	if known {
		if stale {
			o.startFetch(false) // refresh behind; the cached key serves
		}
		return k, nil
	}
	// Unknown: wait for a fetch in progress, or start one if allowed.
	o.mu.Lock()
	wait := o.inflight
	if wait == nil {
		first := o.fetchedAt.IsZero()
		switch {
		case now.Before(o.retryAt):
			err := o.unavailable(now)
			o.mu.Unlock()
			return nil, err
		case !first && !stale && now.Sub(o.lastMiss) < missInterval:
			o.mu.Unlock()
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		wait = o.startFetchLocked()
	}
	if o.wanted == nil {
		o.wanted = map[string]bool{}
	}
	o.wanted[kid] = true
	o.mu.Unlock()
	select {
	case <-wait:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if k, ok := o.keys[kid]; ok {
		return k, nil
	}
	if o.lastErr != nil {
		return nil, o.unavailable(o.now())
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

// startFetch starts a fetch unless one runs or the back-off forbids it.
func (o *OIDC) startFetch(force bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.inflight != nil || (!force && o.now().Before(o.retryAt)) {
		return
	}
	o.startFetchLocked()
}

// startFetchLocked starts a fetch in its own goroutine (o.mu held) and
// returns the channel closed at its end. The fetch runs under its own
// timeout, not a request's: others may be waiting for it.
func (o *OIDC) startFetchLocked() chan struct{} {
	done := make(chan struct{})
	o.inflight = done
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		defer cancel()
		keys, err := o.fetch(ctx)
		o.mu.Lock()
		now := o.now()
		if err != nil {
			o.failures++
			o.retryAt = now.Add(min(minBackoff<<min(o.failures-1, 20), maxBackoff))
			o.lastErr = err
		} else {
			o.keys, o.fetchedAt = keys, now
			o.failures, o.retryAt, o.lastErr = 0, time.Time{}, nil
			for kid := range o.wanted {
				if _, ok := keys[kid]; !ok {
					o.lastMiss = now
				}
			}
		}
		clear(o.wanted)
		o.inflight = nil
		o.mu.Unlock()
		close(done)
	}()
	return done
}

// unavailable is the error of a key that cannot be had while the provider
// fails (o.mu held): 503 with the back-off left as Retry-After.
func (o *OIDC) unavailable(now time.Time) error {
	wait := max(int(math.Ceil(o.retryAt.Sub(now).Seconds())), 1)
	return &providerError{retryAfter: wait, err: o.lastErr}
}

// providerError is a key that cannot be read because the provider cannot
// be reached; errors.Is(err, errJWKS) holds for it.
type providerError struct {
	retryAfter int
	err        error
}

func (e *providerError) Error() string {
	return fmt.Sprintf("jwks unavailable (retry in %ds): %v", e.retryAfter, e.err)
}

func (e *providerError) Is(target error) bool { return target == errJWKS }

func (e *providerError) Unwrap() error { return e.err }

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

// fetch reads the JWKS. It holds no lock: verifications with known keys
// go on while it waits for the provider.
func (o *OIDC) fetch(ctx context.Context) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.cfg.JWKSURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: %s answered %s", o.cfg.JWKSURL, resp.Status)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
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
	return keys, nil
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
		var pe *providerError
		if errors.As(err, &pe) {
			// Not the token's fault: a 401 would make Power Query ask
			// for credentials; 503 with Retry-After makes it retry.
			return nil, &ccfeed.Error{Code: ccfeed.EUNAVAILABLE, RetryAfter: pe.retryAfter, Err: err,
				Message: "the sign-in provider's keys cannot be read right now; retry after the time in Retry-After"}
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
