package auth

import (
	"net/http"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed"
)

// HTTP authenticates requests with ccfeed tokens sent as
// "Authorization: Bearer <token>".
type HTTP struct {
	Keys  KeySource
	Realm string
	Now   func() time.Time
}

func unauthorized(msg string) *ccfeed.Error {
	return &ccfeed.Error{Code: ccfeed.EUNAUTHORIZED, Message: msg}
}

// Authenticate returns the request's principal or an EUNAUTHORIZED error.
// The error never says why a token failed (expired, revoked, forged): that
// would help an attacker and cannot help a legitimate user, who needs a new
// token either way.
func (h *HTTP) Authenticate(r *http.Request) (*ccfeed.Principal, error) {
	authz := strings.TrimSpace(r.Header.Get("Authorization"))
	if authz == "" {
		return nil, unauthorized("this feed needs an access token: send Authorization: Bearer <token> (create one with: ccfeed token --tenant NAME)")
	}
	scheme, cred, _ := strings.Cut(authz, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, unauthorized("unsupported authorization scheme " + scheme + ": use Bearer")
	}
	cred = strings.TrimSpace(cred)
	if cred == "" {
		return nil, unauthorized("empty bearer token")
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	p, err := VerifyLocal(h.Keys, cred, now())
	if err != nil {
		return nil, unauthorized("the access token is not valid here: it may be expired, revoked, or for another deployment")
	}
	return p, nil
}

// Challenge is the WWW-Authenticate header of a 401.
func (h *HTTP) Challenge(r *http.Request) []string {
	realm := h.Realm
	if realm == "" {
		realm = "ccfeed"
	}
	return []string{`Bearer realm="` + realm + `"`}
}
