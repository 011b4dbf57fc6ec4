package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Reasons a token is refused. They are a closed list of fixed phrases, shown
// to the client in the 401 body: someone whose refresh fails needs to know
// whether to mint a new token, fix the clock or ask for the right
// deployment's token. None of them quotes the token, a claim value, a key id
// or a tenant, so the answer is the same whether or not a tenant exists.
//
// The claim reasons (expired, audience, ...) can only be reached by a token
// whose signature verified: the parser checks the signature first. So a
// forger learns nothing beyond "bad signature".
const (
	ReasonMalformed    = "it is not a well-formed JWT (header.payload.signature)"
	ReasonUnsigned     = "it is unsigned (alg none)"
	ReasonAlgorithm    = "it is signed with an algorithm this feed does not accept for it"
	ReasonUnknownKey   = "it is signed with a key this feed does not know: a token of another deployment, or of a key that was removed"
	ReasonSignature    = "its signature does not verify: it was altered, or signed by someone else"
	ReasonExpired      = "it has expired"
	ReasonNotYetValid  = "it is not valid yet (nbf is in the future)"
	ReasonIssuedLater  = "it is issued in the future (iat): check the clocks"
	ReasonIssuer       = "it was issued by an issuer this feed does not trust"
	ReasonAudience     = "it is for another deployment or audience"
	ReasonMissingClaim = "it lacks a required claim (iss, aud or exp)"
	ReasonRevoked      = "it was revoked"
	ReasonNoID         = "it has no token id (jti)"
	ReasonNoGrant      = "it names no tenant or no valid scope"
)

// InvalidError is a refused token with its reason. errors.Is(err,
// ErrInvalid) holds for it; the wrapped error (from the JWT parser) is for
// logs only.
type InvalidError struct {
	Reason string
	Err    error
}

func (e *InvalidError) Error() string { return ErrInvalid.Error() + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func (e *InvalidError) Unwrap() error { return e.Err }

func invalid(reason string, err error) *InvalidError { return &InvalidError{Reason: reason, Err: err} }

// ReasonOf returns the reason a token was refused, or "" for other errors.
func ReasonOf(err error) string {
	var e *InvalidError
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// classify turns a JWT parser error into a reason. Claim errors come joined
// when several claims fail; the order below picks the one a person should
// fix first (another deployment's token will never work, an expired one
// only needs renewing).
func classify(err error) *InvalidError {
	for _, c := range []struct {
		err    error
		reason string
	}{
		{jwt.ErrTokenMalformed, ReasonMalformed},
		{jwt.ErrTokenUnverifiable, ReasonUnknownKey},
		{jwt.ErrTokenSignatureInvalid, ReasonSignature},
		{jwt.ErrTokenInvalidIssuer, ReasonIssuer},
		{jwt.ErrTokenInvalidAudience, ReasonAudience},
		{jwt.ErrTokenRequiredClaimMissing, ReasonMissingClaim},
		{jwt.ErrTokenExpired, ReasonExpired},
		{jwt.ErrTokenNotValidYet, ReasonNotYetValid},
		{jwt.ErrTokenUsedBeforeIssued, ReasonIssuedLater},
	} {
		if errors.Is(err, c.err) {
			return invalid(c.reason, err)
		}
	}
	return invalid(ReasonMalformed, err)
}

// checkAlg refuses a token whose header names an algorithm outside allowed
// before any key is looked up, with a reason that does not echo the header.
func checkAlg(token string, allowed ...string) *InvalidError {
	alg, err := headerAlg(token)
	if err != nil {
		return invalid(ReasonMalformed, err)
	}
	if slices.Contains(allowed, alg) {
		return nil
	}
	if alg == "" || strings.EqualFold(alg, "none") {
		return invalid(ReasonUnsigned, nil)
	}
	return invalid(ReasonAlgorithm, nil)
}

// headerAlg reads the "alg" of a compact JWT without verifying anything.
// It parses the header itself: the JWT library refuses to parse a token
// whose algorithm it does not know, which would hide the reason.
func headerAlg(token string) (string, error) {
	head, _, ok := strings.Cut(token, ".")
	if !ok || strings.Count(token, ".") != 2 {
		return "", errors.New("a JWT has three dot-separated parts")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(head, "="))
	if err != nil {
		return "", err
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", err
	}
	return h.Alg, nil
}
