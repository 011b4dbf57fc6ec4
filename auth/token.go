// Package auth mints and verifies credentials and turns them into
// principals. It knows nothing of HTTP routing or SQL: keys and revocations
// reach it through the small KeySource interface.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ccfeed/ccfeed"
)

// Issuer is the "iss" of the tokens ccfeed mints.
const Issuer = "ccfeed"

// Claims are the claims of a ccfeed token.
type Claims struct {
	jwt.RegisteredClaims
	// Tenants the token may read; ["*"] for all.
	Tenants []string `json:"tenants"`
	// BusinessUnits narrows the token to these business unit ids.
	BusinessUnits []string `json:"bu,omitempty"`
	// Scope is "read" or "admin".
	Scope string `json:"scope"`
}

// Key is a signing key with its id.
type Key struct {
	ID     string
	Secret []byte
}

// KeySource gives the verifier the deployment's keys and revocations.
type KeySource interface {
	// Deployment is this installation's id, the audience of its tokens.
	Deployment() string
	// Key returns the signing key with this id (current or retired but
	// still valid for verification).
	Key(kid string) (Key, bool)
	// Revoked reports whether the token id was revoked.
	Revoked(jti string) bool
}

// Mint signs a token for the given tenants and scope, valid for ttl.
func Mint(k Key, deployment string, tenants, businessUnits []string, scope string, ttl time.Duration, now time.Time) (string, string, error) {
	if len(tenants) == 0 {
		return "", "", errors.New("auth: a token needs at least one tenant")
	}
	if scope != ccfeed.ScopeRead && scope != ccfeed.ScopeAdmin {
		return "", "", fmt.Errorf("auth: unknown scope %q", scope)
	}
	jti, err := NewID()
	if err != nil {
		return "", "", err
	}
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Audience:  jwt.ClaimStrings{deployment},
			ID:        jti,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Tenants: tenants, BusinessUnits: businessUnits, Scope: scope,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	t.Header["kid"] = k.ID
	s, err := t.SignedString(k.Secret)
	return s, jti, err
}

// NewID returns a random 128-bit id in hex.
func NewID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// ErrInvalid is returned (as an *InvalidError carrying the reason) for any
// token that does not verify. The reason comes from a closed list and is
// shown to the client; the parser's own error is kept for logs only.
var ErrInvalid = errors.New("auth: invalid token")

// VerifyLocal verifies a ccfeed-minted HS256 token and returns its principal.
func VerifyLocal(ks KeySource, token string, now time.Time) (*ccfeed.Principal, error) {
	p, _, err := verifyLocal(ks, token, now)
	return p, err
}

// verifyLocal is VerifyLocal that also says what a later request with the
// same token must find unchanged to skip the verification (verifiedCache).
func verifyLocal(ks KeySource, token string, now time.Time) (*ccfeed.Principal, verifiedToken, error) {
	v := verifiedToken{audience: ks.Deployment()}
	// Only HS256: "none" and RSA-signed look-alikes are refused before any
	// key is used (the alg-confusion attack).
	if e := checkAlg(token, jwt.SigningMethodHS256.Alg()); e != nil {
		return nil, v, e
	}
	var c Claims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(v.audience),
		jwt.WithExpirationRequired(),
		// No iat check: Mint sets nbf a minute before iat so that a server
		// whose clock is a little behind the minting machine's accepts a
		// fresh token; checking iat (30 s leeway) would undo that minute.
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(30*time.Second),
	)
	_, err := parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, ok := ks.Key(kid)
		if !ok {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		v.key = k
		return k.Secret, nil
	})
	if err != nil {
		return nil, v, classify(err)
	}
	if c.ID == "" {
		return nil, v, invalid(ReasonNoID, nil)
	}
	if ks.Revoked(c.ID) {
		return nil, v, invalid(ReasonRevoked, nil)
	}
	if len(c.Tenants) == 0 || (c.Scope != ccfeed.ScopeRead && c.Scope != ccfeed.ScopeAdmin) {
		return nil, v, invalid(ReasonNoGrant, nil)
	}
	v.jti = c.ID
	if c.ExpiresAt != nil {
		v.expires = c.ExpiresAt.Time
	}
	return &ccfeed.Principal{Subject: "token:" + c.ID, Tenants: slices.Clone(c.Tenants),
		BusinessUnits: slices.Clone(c.BusinessUnits), Scope: c.Scope}, v, nil
}
