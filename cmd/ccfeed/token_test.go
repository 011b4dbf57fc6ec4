package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// lockedBuffer is an io.Writer safe for the server goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// createDB creates an empty database at path, as "ccfeed tenant" would:
// the commands other than serve and tenant refuse a missing one.
func createDB(t *testing.T, path string) {
	t.Helper()
	db, err := openStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// runCmd runs a ccfeed command in-process and returns its output.
func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(args, &out, &errb)
	if errb.Len() > 0 && err == nil {
		t.Logf("ccfeed %s: stderr: %s", args[0], errb.String())
	}
	return out.String(), err
}

var tokenLine = regexp.MustCompile(`(?m)^token id ([0-9a-f]{32}), scope (\w+), tenants (\S+), expires (\S+)$`)

// mintCmd runs "ccfeed token" and returns the token (its last line) and id.
func mintCmd(t *testing.T, args ...string) (token, id string) {
	t.Helper()
	out, err := runCmd(t, append([]string{"token"}, args...)...)
	if err != nil {
		t.Fatalf("ccfeed token %v: %v", args, err)
	}
	m := tokenLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ccfeed token: no id line in %q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1], m[1]
}

// TestTokenCommand checks what "ccfeed token" mints: a token verifying
// against the database's key ring, with the claims the flags asked for,
// the id it prints, the deployment as audience and the current key's id.
func TestTokenCommand(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "feed.db")
	createDB(t, dbPath)
	for _, tc := range []struct {
		name    string
		args    []string
		tenants []string
		bus     []string
		scope   string
		ttl     time.Duration
	}{
		{"one tenant", []string{"--tenant", "contoso"}, []string{"contoso"}, nil, "read", 90 * 24 * time.Hour},
		{"several, admin, short", []string{"--tenant", "contoso, fabrikam", "--admin", "--ttl", "2h"}, []string{"contoso", "fabrikam"}, nil, "admin", 2 * time.Hour},
		{"every tenant", []string{"--tenant", "*"}, []string{"*"}, nil, "read", 90 * 24 * time.Hour},
		{"business units", []string{"--tenant", "contoso", "--business-units", "contoso:demo:bu-1,contoso:demo:bu-2"}, []string{"contoso"}, []string{"contoso:demo:bu-1", "contoso:demo:bu-2"}, "read", 90 * 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, id := mintCmd(t, append([]string{"--db", dbPath}, tc.args...)...)
			db, err := openStore(dbPath)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			ring, err := db.NewKeyRing(ctx)
			if err != nil {
				t.Fatal(err)
			}
			p, err := auth.VerifyLocal(keySource{ring}, tok, time.Now())
			if err != nil {
				t.Fatalf("the minted token does not verify: %v", err)
			}
			if p.Subject != "token:"+id || !slices.Equal(p.Tenants, tc.tenants) || !slices.Equal(p.BusinessUnits, tc.bus) || p.Scope != tc.scope {
				t.Errorf("principal %+v, want id %s tenants %v units %v scope %s", p, id, tc.tenants, tc.bus, tc.scope)
			}
			var c auth.Claims
			parsed, _, err := jwt.NewParser().ParseUnverified(tok, &c)
			if err != nil {
				t.Fatal(err)
			}
			k, _ := db.CurrentKey(ctx)
			dep, _ := db.Deployment(ctx)
			if parsed.Header["kid"] != k.ID || parsed.Header["alg"] != "HS256" || c.Issuer != auth.Issuer ||
				!slices.Equal([]string(c.Audience), []string{dep}) || c.ID != id {
				t.Errorf("header %v claims %+v; want kid %s, audience %s", parsed.Header, c.RegisteredClaims, k.ID, dep)
			}
			if d := c.ExpiresAt.Sub(time.Now()) - tc.ttl; d > time.Minute || d < -time.Minute {
				t.Errorf("expires in %s, want %s", time.Until(c.ExpiresAt.Time), tc.ttl)
			}
		})
	}
	t.Run("refusals", func(t *testing.T) {
		for _, args := range [][]string{
			{"--db", dbPath},
			{"--db", dbPath, "--tenant", "con:toso"},
			{"--db", dbPath, "--tenant", "contoso", "extra"},
		} {
			if out, err := runCmd(t, append([]string{"token"}, args...)...); err == nil || strings.Count(out, ".") >= 2 {
				t.Errorf("token %v: err %v, out %q", args, err, out)
			}
		}
	})
}

// servedFeed runs "ccfeed serve" in-process until the test ends and returns
// the service root it announced, its log and a client for it.
type servedFeed struct {
	root   string
	log    *lockedBuffer
	client *http.Client
}

func serveCmd(t *testing.T, client *http.Client, args ...string) *servedFeed {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, log := &lockedBuffer{}, &lockedBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- cmdServe(ctx, append([]string{"--addr", "127.0.0.1:0", "--demo=false", "--log-format", "json"}, args...), out, log)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-errc:
		case <-time.After(10 * time.Second):
			t.Error("ccfeed serve did not stop")
		}
	})
	re := regexp.MustCompile(`serving the OData feed at (\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			if client == nil {
				client = &http.Client{}
			}
			return &servedFeed{root: m[1], log: log, client: client}
		}
		select {
		case err := <-errc:
			t.Fatalf("ccfeed serve stopped: %v\n%s\n%s", err, out.String(), log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("ccfeed serve did not announce its address:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// status sends a GET with the given Authorization ("" for none) and
// returns the status and body.
func (s *servedFeed) status(t *testing.T, u, authz string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls until the request answers want, and returns how long it
// took: the server re-reads keys and revocations every couple of seconds.
func (s *servedFeed) eventually(t *testing.T, u, authz string, want int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got, body := s.status(t, u, authz)
		if got == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("GET %s: still %d after %s, want %d: %s", u, got, within, want, body)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestRevokeAndRotateLive runs "ccfeed serve" and, from outside it, "ccfeed
// token --revoke" and "--rotate-key": a revoked token is refused within the
// key ring's refresh interval while the others keep working; after a
// rotation, tokens of the retired key stay valid and tokens of the new key
// are accepted.
func TestRevokeAndRotateLive(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "feed.db")
	s := serveCmd(t, nil, "--db", dbPath)
	u := s.root + "Conversations?$top=1"
	a, aID := mintCmd(t, "--db", dbPath, "--tenant", "contoso")
	b, _ := mintCmd(t, "--db", dbPath, "--tenant", "contoso")
	// A token minted seconds ago may be unknown to the server for one
	// refresh interval only if its key is new; these use the key the server
	// created at start-up.
	for _, tok := range []string{a, b} {
		if got, body := s.status(t, u, "Bearer "+tok); got != http.StatusOK {
			t.Fatalf("fresh token: %d %s", got, body)
		}
	}
	// serve's defaults: Basic on, and the URL key named access_token
	// (accepted here because the test connects from loopback).
	if got, body := s.status(t, u, authBasicCmd(b)); got != http.StatusOK {
		t.Errorf("Basic by default: %d %s", got, body)
	}
	if got, body := s.status(t, u+"&access_token="+url.QueryEscape(b), ""); got != http.StatusOK {
		t.Errorf("access_token by default: %d %s", got, body)
	}

	out, err := runCmd(t, "token", "--db", dbPath, "--revoke", aID)
	if err != nil || !strings.Contains(out, aID) {
		t.Fatalf("revoke: %v %q", err, out)
	}
	took := s.eventually(t, u, "Bearer "+a, http.StatusUnauthorized, 6*time.Second)
	t.Logf("revocation took effect after %s", took.Round(time.Millisecond))
	// The ring asks the database on every request: the first request
	// after the revocation is refused (the margin covers a loaded CI box).
	if took > 500*time.Millisecond {
		t.Errorf("revocation took %s; it must take effect on the next request", took)
	}
	if _, body := s.status(t, u, "Bearer "+a); !strings.Contains(body, auth.ReasonRevoked) {
		t.Errorf("revoked token: %s", body)
	}
	if got, _ := s.status(t, u, authBasicCmd(a)); got != http.StatusUnauthorized {
		t.Errorf("revoked token as a Basic password: %d", got)
	}
	if got, _ := s.status(t, u, "Bearer "+b); got != http.StatusOK {
		t.Errorf("the other token after a revocation: %d", got)
	}

	out, err = runCmd(t, "token", "--db", dbPath, "--rotate-key")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`new signing key ([0-9a-f]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("rotate: %q", out)
	}
	c, _ := mintCmd(t, "--db", dbPath, "--tenant", "contoso")
	if h, _, _ := jwt.NewParser().ParseUnverified(c, jwt.MapClaims{}); h.Header["kid"] != m[1] {
		t.Errorf("token after rotation signed with %v, want the new key %s", h.Header["kid"], m[1])
	}
	took = s.eventually(t, u, "Bearer "+c, http.StatusOK, 6*time.Second)
	t.Logf("the new key was accepted after %s", took.Round(time.Millisecond))
	if took > 500*time.Millisecond {
		t.Errorf("a token of the rotated-in key was refused for %s; an unknown key id must reload the ring", took)
	}
	if got, _ := s.status(t, u, "Bearer "+b); got != http.StatusOK {
		t.Errorf("token of the retired key: %d, want 200 until it expires", got)
	}
	if got, _ := s.status(t, u, "Bearer "+a); got != http.StatusUnauthorized {
		t.Errorf("revoked token after the rotation: %d", got)
	}
	// A token of another deployment (another database) is refused.
	otherDB := filepath.Join(t.TempDir(), "other.db")
	createDB(t, otherDB)
	other, _ := mintCmd(t, "--db", otherDB, "--tenant", "contoso")
	if got, body := s.status(t, u, "Bearer "+other); got != http.StatusUnauthorized || !strings.Contains(body, auth.ReasonUnknownKey) {
		t.Errorf("another deployment's token: %d %s", got, body)
	}
	// The server's log never holds a token.
	for _, tok := range []string{a, b, c, other} {
		if strings.Contains(s.log.String(), strings.Split(tok, ".")[2]) {
			t.Errorf("the server log contains a token")
		}
	}
}

func authBasicCmd(token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("powerbi:"+token))
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir and
// returns their paths and a pool trusting the certificate.
func selfSigned(t *testing.T, dir string) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "ccfeed test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

// TestServeTLS runs "ccfeed serve --tls-cert --tls-key": the feed answers
// HTTPS with the given certificate, and every credential kind reads over
// it, the Basic password and the URL key included.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, pool := selfSigned(t, dir)
	dbPath := filepath.Join(dir, "feed.db")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	s := serveCmd(t, client, "--db", dbPath, "--tls-cert", certPath, "--tls-key", keyPath, "--basic=true", "--api-key-param", "ApiKey")
	if !strings.HasPrefix(s.root, "https://127.0.0.1:") {
		t.Fatalf("announced %s, want https on 127.0.0.1", s.root)
	}
	tok, _ := mintCmd(t, "--db", dbPath, "--tenant", "contoso")
	for _, tc := range []struct{ name, url, authz string }{
		{"bearer", s.root + "Conversations?$top=1", "Bearer " + tok},
		{"basic", s.root + "Conversations?$top=1", authBasicCmd(tok)},
		{"key", s.root + "Conversations?$top=1&ApiKey=" + url.QueryEscape(tok), ""},
		{"service root", s.root, "Bearer " + tok},
	} {
		if got, body := s.status(t, tc.url, tc.authz); got != http.StatusOK {
			t.Errorf("%s over HTTPS: %d %s", tc.name, got, body)
		}
	}
	if got, _ := s.status(t, s.root, ""); got != http.StatusUnauthorized {
		t.Errorf("anonymous over HTTPS: %d", got)
	}
	// The two flags go together.
	err := cmdServe(context.Background(), []string{"--db", dbPath, "--addr", "127.0.0.1:0", "--tls-cert", certPath}, io.Discard, io.Discard)
	var ue usageError
	if !errors.As(err, &ue) {
		t.Errorf("--tls-cert alone: %v, want a usage error", err)
	}
}

// TestServeOIDC runs "ccfeed serve --oidc FILE" against a fake provider:
// the challenge names the provider's authorization URI (what starts Power
// Query's organizational sign-in), a provider token mapped to a tenant
// reads, an unmapped one gets 403.
func TestServeOIDC(t *testing.T) {
	p := feedtest.NewProvider(t)
	p.Publish(t, "k1", 0)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "oidc.yaml")
	const authorize = "https://login.example.test/dir-1/oauth2/authorize"
	if err := os.WriteFile(cfg, []byte(`issuers: ["`+p.Issuer+`"]
audiences: ["https://feed.example.test"]
jwksURL: `+p.URL+`
authorizationURI: `+authorize+`
mappings:
  - claim: groups
    value: feed-readers
    tenants: [contoso]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := serveCmd(t, nil, "--db", filepath.Join(dir, "feed.db"), "--oidc", cfg)
	req, _ := http.NewRequest(http.MethodGet, s.root, nil)
	req.Header.Set("Authorization", "Bearer")
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ch := strings.Join(resp.Header.Values("WWW-Authenticate"), "\n"); resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(ch, `Bearer realm="ccfeed", authorization_uri="`+authorize+`"`) || !strings.Contains(ch, "Basic realm=") {
		t.Errorf("empty bearer: %d, WWW-Authenticate %q", resp.StatusCode, ch)
	}
	reader := p.Sign(t, "k1", p.Claims("https://feed.example.test", jwt.MapClaims{"groups": []any{"feed-readers"}}))
	if got, body := s.status(t, s.root+"Conversations?$top=1", "Bearer "+reader); got != http.StatusOK {
		t.Errorf("mapped person: %d %s", got, body)
	}
	other := p.Sign(t, "k1", p.Claims("https://feed.example.test", jwt.MapClaims{"groups": []any{"someone-else"}}))
	if got, body := s.status(t, s.root+"Conversations?$top=1", "Bearer "+other); got != http.StatusForbidden {
		t.Errorf("unmapped person: %d %s", got, body)
	}
	// A configuration that would let nobody in stops the server at start.
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("issuers: [x]\naudiences: [y]\njwksURL: https://k/\n"), 0o600)
	if err := cmdServe(context.Background(), []string{"--db", filepath.Join(dir, "feed.db"), "--addr", "127.0.0.1:0", "--oidc", bad}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no mappings") {
		t.Errorf("bad --oidc file: %v", err)
	}
}
