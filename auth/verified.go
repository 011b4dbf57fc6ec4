package auth

import (
	"bytes"
	"slices"
	"sync"
	"time"

	"github.com/ccfeed/ccfeed"
)

// verifiedCap bounds the tokens verifiedCache remembers. Only tokens that
// verified get in, so filling it takes valid tokens, that is the signing
// key; a full cache is emptied and refills from the tokens still in use.
const verifiedCap = 4096

// verifiedToken is what a token's verification depended on beyond its own
// bytes: the key that signed it, the audience it was checked against, its
// id (for revocation) and its expiry.
type verifiedToken struct {
	key      Key
	audience string
	jti      string
	expires  time.Time
}

// verifiedCache remembers the principals of ccfeed tokens that verified.
// Power Query sends the same token with every page of a refresh, and
// parsing it (base64, JSON, HMAC) was a fifth of the server's time on a
// ten-row answer. A remembered token is used again only while nothing it
// depended on changed: its key is still in the key source with the same
// secret, the deployment is the same, its id is not revoked (asked at every
// request, as before) and it has not expired. Expiry is checked without
// the parser's 30 s leeway, so a token near its end is verified in full
// and the parser decides.
type verifiedCache struct {
	mu     sync.Mutex
	tokens map[string]verifiedEntry
}

type verifiedEntry struct {
	p *ccfeed.Principal
	v verifiedToken
}

// verify answers from the cache when it can, and otherwise verifies the
// token and remembers it when it is valid.
func (c *verifiedCache) verify(ks KeySource, token string, now time.Time) (*ccfeed.Principal, error) {
	c.mu.Lock()
	e, ok := c.tokens[token]
	c.mu.Unlock()
	if ok && e.v.still(ks, now) {
		return clonePrincipal(e.p), nil
	}
	p, v, err := verifyLocal(ks, token, now)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.tokens == nil || len(c.tokens) >= verifiedCap {
		c.tokens = make(map[string]verifiedEntry)
	}
	c.tokens[token] = verifiedEntry{p: clonePrincipal(p), v: v}
	c.mu.Unlock()
	return p, nil
}

// still reports whether a token verified earlier would verify now.
func (v verifiedToken) still(ks KeySource, now time.Time) bool {
	if !now.Before(v.expires) || ks.Deployment() != v.audience || ks.Revoked(v.jti) {
		return false
	}
	k, ok := ks.Key(v.key.ID)
	return ok && bytes.Equal(k.Secret, v.key.Secret)
}

// clonePrincipal copies p deeply enough that the caller may set its
// credential fields or change its slices without touching the cache.
func clonePrincipal(p *ccfeed.Principal) *ccfeed.Principal {
	c := *p
	c.Tenants = slices.Clone(p.Tenants)
	c.BusinessUnits = slices.Clone(p.BusinessUnits)
	return &c
}
