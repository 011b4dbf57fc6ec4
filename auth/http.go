package auth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ccfeed/ccfeed"
)

// HTTP authenticates requests. A ccfeed token is accepted in three places,
// matching Power BI's and Excel's credential kinds: as a bearer token
// (Anonymous with a header, curl), as the password of HTTP Basic with any
// user name ("Basic"), and in a query parameter ("Web API" key, whose name
// Power BI takes as ApiKeyName). With OIDC configured, bearer tokens from
// the organization's provider are accepted too ("Organizational account").
type HTTP struct {
	Keys KeySource
	// OIDC, when set, verifies provider tokens.
	OIDC *OIDC
	// Realm names the protection space in challenges.
	Realm string
	// Basic enables HTTP Basic with the token as the password.
	Basic bool
	// KeyParam is the query parameter that may carry a token ("" disables).
	KeyParam string
	// TrustProxy believes X-Forwarded-Proto: https from the front proxy.
	// Leave it off unless a TLS-terminating proxy sets the header: a client
	// could otherwise claim HTTPS over plain HTTP.
	TrustProxy bool
	// InsecureFrom lists networks from which Basic and URL keys are
	// accepted over plain HTTP, as from loopback. It exists for one case:
	// a container whose published port is bound to the host's loopback,
	// where the host's own connections arrive from the container network's
	// gateway rather than from 127.0.0.1. Empty (the default) accepts
	// cleartext credentials from loopback only. ParseNetworks builds it and
	// refuses anything but private, loopback and link-local ranges.
	InsecureFrom []*net.IPNet
	Now          func() time.Time

	verified verifiedCache
}

func unauthorized(msg string) *ccfeed.Error {
	return &ccfeed.Error{Code: ccfeed.EUNAUTHORIZED, Message: msg}
}

// badToken is the answer for a token that does not verify. It names the
// reason from the closed list in reason.go (expired, revoked, another
// deployment's, ...), which tells a person what to fix and gives a forger
// nothing: claim reasons are only reached once the signature verified, and
// no reason quotes the token, a claim or a tenant.
func badToken(err error) *ccfeed.Error {
	reason := ReasonOf(err)
	if reason == "" {
		reason = ReasonMalformed
	}
	return &ccfeed.Error{Code: ccfeed.EUNAUTHORIZED, Err: err,
		Message: "the access token is not valid here: " + reason}
}

// Secure reports whether credentials sent with r travelled encrypted, or
// never left the machine: the rule for Basic and URL keys, which the home
// page's sign-in cookie follows too.
func (h *HTTP) Secure(r *http.Request) bool { return h.secure(r) }

// secure reports whether credentials sent with r travelled encrypted, or
// never left the machine.
//
// Behind a trusted proxy the proxy's word decides both ways: a proxy on the
// same machine connects from loopback, so "X-Forwarded-Proto: http" must
// not be outvoted by the loopback address, or Basic and URL keys sent in
// clear to the proxy would be accepted.
func (h *HTTP) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if h.TrustProxy {
		if proto := r.Header.Get("X-Forwarded-Proto"); proto != "" {
			return strings.EqualFold(strings.TrimSpace(strings.Split(proto, ",")[0]), "https")
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	for _, n := range h.InsecureFrom {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// Authenticate returns the request's principal or an EUNAUTHORIZED error.
func (h *HTTP) Authenticate(r *http.Request) (*ccfeed.Principal, error) {
	authz := strings.TrimSpace(r.Header.Get("Authorization"))
	if h.KeyParam != "" {
		if key := queryParam(r, h.KeyParam); key != "" {
			if authz != "" {
				return nil, unauthorized("send the token either in the Authorization header or in the " + h.KeyParam + " parameter, not both")
			}
			if !h.secure(r) {
				return nil, unauthorized("a token in the URL is only accepted over HTTPS: anyone on the way could read it")
			}
			p, err := h.localAs(key, ccfeed.CredentialQuery)
			if err != nil {
				return nil, err
			}
			p.KeyParam = h.KeyParam
			return p, nil
		}
	}
	if authz == "" {
		e := unauthorized("this feed needs an access token: send Authorization: Bearer <token> (create one with: ccfeed token --tenant NAME)")
		e.Err = ccfeed.ErrNoCredential
		return nil, e
	}
	scheme, cred, _ := strings.Cut(authz, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if cred == "" {
			// Power Query's organizational sign-in starts with an empty
			// bearer token and expects the challenge that names the
			// provider.
			e := unauthorized("sign in to get an access token")
			e.Err = ccfeed.ErrNoCredential
			return nil, e
		}
		return h.bearer(r, cred)
	case strings.EqualFold(scheme, "Basic") && h.Basic:
		if !h.secure(r) {
			return nil, unauthorized("HTTP Basic is only accepted over HTTPS: anyone on the way could read the token")
		}
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil, unauthorized("malformed Basic credentials")
		}
		_, password, ok := strings.Cut(string(raw), ":")
		if !ok || password == "" {
			return nil, unauthorized("with Basic, put the access token in the password (any user name)")
		}
		return h.localAs(password, ccfeed.CredentialBasic)
	}
	use := "use Bearer <token>"
	if h.Basic {
		use += ", or Basic with the token as the password"
	}
	// The scheme is quoted back only when it is a known scheme name: a
	// header holding only a credential (a token pasted without "Bearer ",
	// base64 of user:password) must not come back in the response.
	for _, known := range []string{"Basic", "Digest", "Negotiate", "NTLM", "Kerberos", "Token", "ApiKey"} {
		if strings.EqualFold(scheme, known) {
			return nil, unauthorized("unsupported authorization scheme " + known + "; " + use)
		}
	}
	if cred == "" {
		return nil, unauthorized("the Authorization header has no scheme: " + use)
	}
	return nil, unauthorized("unsupported authorization scheme; " + use)
}

// bearer routes a bearer token by its declared algorithm: HS256 is a ccfeed
// token, an asymmetric algorithm a provider token. Each path accepts only
// its own algorithms, so neither can be fooled into the other's keys.
func (h *HTTP) bearer(r *http.Request, token string) (*ccfeed.Principal, error) {
	alg, err := headerAlg(token)
	if err != nil {
		return nil, badToken(invalid(ReasonMalformed, err))
	}
	if alg != jwt.SigningMethodHS256.Alg() && h.OIDC != nil {
		p, err := h.OIDC.Verify(r.Context(), token)
		if err != nil {
			var e *ccfeed.Error
			if errors.As(err, &e) {
				return nil, e
			}
			return nil, badToken(err)
		}
		p.Credential = ccfeed.CredentialOIDC
		return p, nil
	}
	return h.localAs(token, ccfeed.CredentialBearer)
}

// localAs verifies a ccfeed token and records how it came (for metrics).
func (h *HTTP) localAs(token, kind string) (*ccfeed.Principal, error) {
	p, err := h.local(token)
	if err != nil {
		return nil, err
	}
	p.Credential = kind
	return p, nil
}

func (h *HTTP) local(token string) (*ccfeed.Principal, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	p, err := h.verified.verify(h.Keys, token, now())
	if err != nil {
		return nil, badToken(err)
	}
	return p, nil
}

// Challenge returns the WWW-Authenticate values of a 401: Bearer (with the
// provider's authorization URI when organizational sign-in is configured,
// which is what starts Power Query's sign-in) and Basic when enabled.
func (h *HTTP) Challenge(r *http.Request) []string {
	realm := h.Realm
	if realm == "" {
		realm = "ccfeed"
	}
	bearer := `Bearer realm="` + realm + `"`
	if h.OIDC != nil && h.OIDC.cfg.AuthorizationURI != "" {
		bearer += `, authorization_uri="` + h.OIDC.cfg.AuthorizationURI + `"`
	}
	out := []string{bearer}
	if h.Basic {
		out = append(out, `Basic realm="`+realm+`", charset="UTF-8"`)
	}
	return out
}

// queryParam reads one query parameter by exact name without decoding the
// rest of the query (which the OData parser reads with its own rules).
func queryParam(r *http.Request, name string) string {
	for _, part := range strings.Split(r.URL.RawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		if k == name {
			if dv, err := urlUnescape(v); err == nil {
				return dv
			}
			return v
		}
	}
	return ""
}

func urlUnescape(s string) (string, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%' && i+2 < len(s):
			hi, lo := unhex(s[i+1]), unhex(s[i+2])
			if hi < 0 || lo < 0 {
				return "", errors.New("bad escape")
			}
			out = append(out, byte(hi<<4|lo))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return string(out), nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
