package server

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/query"
)

// A $skiptoken resumes a collection after the last row of the previous page
// (keyset paging): it holds that row's order-key values and the count of rows
// already sent. It is encrypted and authenticated, and bound to the query and
// to the caller, so a token cannot be read, forged, edited, or replayed with
// another query or by another credential.

type cursor struct {
	After []cursorValue `json:"a"`
	Sent  int64         `json:"n"`
	Query string        `json:"q"`
	Who   string        `json:"w"`
}

// cursorValue keeps the SQL type of a keyset value across the JSON round
// trip: an integer must come back an integer to compare as one.
type cursorValue struct {
	I *int64   `json:"i,omitempty"`
	F *float64 `json:"f,omitempty"`
	S *string  `json:"s,omitempty"`
	B []byte   `json:"b,omitempty"`
}

func toCursorValue(v any) cursorValue {
	switch x := v.(type) {
	case int64:
		return cursorValue{I: &x}
	case float64:
		return cursorValue{F: &x}
	case string:
		return cursorValue{S: &x}
	case []byte:
		return cursorValue{B: append([]byte{}, x...)}
	}
	return cursorValue{}
}

func (c cursorValue) value() any {
	switch {
	case c.I != nil:
		return *c.I
	case c.F != nil:
		return *c.F
	case c.S != nil:
		return *c.S
	case c.B != nil:
		return c.B
	}
	return nil
}

// seal encrypts and authenticates a cursor with AES-GCM: the token is
// opaque (its order-key values can be personal data, such as a name) and any
// change to it fails to open.
func (s *Server) seal(payload []byte) string {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // the system's random source failed
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, payload, nil))
}

func (s *Server) open(token string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n {
		return nil, false
	}
	out, err := s.aead.Open(nil, raw[:n], raw[n:], nil)
	return out, err == nil
}

func (s *Server) encodeCursor(c cursor) string {
	payload, _ := json.Marshal(c)
	return s.seal(payload)
}

var errBadToken = &ccfeed.Error{Code: ccfeed.EINVALID, Target: "$skiptoken",
	Message: "the $skiptoken is not valid for this request: follow the @odata.nextLink exactly as it was sent, with the same credential"}

func (s *Server) decodeCursor(token, fingerprint, who string) (*cursor, error) {
	payload, ok := s.open(token)
	if !ok {
		return nil, errBadToken
	}
	var c cursor
	if err := json.Unmarshal(payload, &c); err != nil || c.Query != fingerprint || c.Who != who || c.Sent < 0 {
		return nil, errBadToken
	}
	return &c, nil
}

// fingerprint identifies the query a token belongs to: the resource path and
// every system option and alias except $skiptoken and $format (which do not
// change the rows). Custom options, such as Power BI's API key, are left out.
func fingerprint(pathText string, q *query.Query) string {
	keys := make([]string, 0, len(q.Texts))
	for k := range q.Texts {
		if k != "$skiptoken" && k != "$format" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	h.Write([]byte(pathText))
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s\x00%s", k, q.Texts[k])
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

// whoOf binds tokens to the credential that asked.
func whoOf(p *ccfeed.Principal) string {
	if p == nil {
		return ""
	}
	h := sha256.Sum256([]byte(p.Subject))
	return base64.RawURLEncoding.EncodeToString(h[:9])
}

// baseURL is the scheme and host clients reach the service on: the
// configured public URL, else (only with TrustProxy) the proxy's
// X-Forwarded headers, else the request itself.
//
// The links built on it (@odata.nextLink above all) are followed by Power BI
// with its credential, so a header that any client can set must not choose
// where they point: without TrustProxy the headers are ignored, and even a
// trusted proxy's values are used only when they are an http or https
// scheme and a plain host[:port] ("javascript://", a path or a user part
// are dropped for the request's own).
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if s.cfg.TrustProxy {
		if p := strings.ToLower(firstHop(r.Header.Get("X-Forwarded-Proto"))); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstHop(r.Header.Get("X-Forwarded-Host")); validHostPort(h) {
			host = h
		}
	}
	return scheme + "://" + host
}

// firstHop is the first value of a comma-separated forwarding header (the
// hop nearest the client).
func firstHop(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

// validHostPort reports whether h is a host name, an IPv4 address or a
// bracketed IPv6 address, with an optional port: nothing that could turn a
// link into another scheme, path or user.
func validHostPort(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	host, port := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		if ip := net.ParseIP(h[1:end]); ip == nil || ip.To4() != nil {
			return false
		}
		host, port = "", h[end+1:]
		if port != "" && !strings.HasPrefix(port, ":") {
			return false
		}
		port = strings.TrimPrefix(port, ":")
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		host, port = h[:i], h[i+1:]
	}
	if port != "" || strings.HasSuffix(h, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' {
			return false
		}
	}
	if host == "" {
		return strings.HasPrefix(h, "[")
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// serviceRoot is the absolute service root, ending in "/".
func (s *Server) serviceRoot(r *http.Request) string { return s.baseURL(r) + "/odata/" }

// nextLink is the request URL with its $skiptoken replaced. Every other
// parameter is kept as the client sent it, the credential included when it
// came in the query (Power BI's Web API key), unless KeyOutOfLinks.
//
// Keeping the key works whatever the client does: one that follows the link
// as it is sends the key; one that adds its key parameter again (Power
// Query's ApiKeyName, if it applies it to every request) sends it twice,
// and the first occurrence, the same key, is the one read. Leaving it out
// keeps the key out of response bodies and the logs of proxies that record
// them, but only works with a client known to add the key to next-page
// requests, which Microsoft's documentation of ApiKeyName does not state:
// hence an opt-in. The $skiptoken is bound to the credential either way.
func (s *Server) nextLink(r *http.Request, token string) string {
	keyParam := ""
	if p := principalOf(r); p != nil && s.cfg.KeyOutOfLinks {
		keyParam = p.KeyParam
	}
	var parts []string
	for _, p := range strings.Split(r.URL.RawQuery, "&") {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if keyParam != "" && name == keyParam {
			// The same exact, undecoded name auth read the key from.
			continue
		}
		if dn, err := url.PathUnescape(name); err == nil && strings.EqualFold(strings.TrimPrefix(dn, "$"), "skiptoken") {
			continue
		}
		parts = append(parts, p)
	}
	parts = append(parts, "$skiptoken="+token)
	return s.baseURL(r) + r.URL.EscapedPath() + "?" + strings.Join(parts, "&")
}

// newAEAD derives the cursor cipher from the paging secret.
func newAEAD(secret []byte) cipher.AEAD {
	key := sha256.Sum256(append([]byte("ccfeed skiptoken v1\x00"), secret...))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}
