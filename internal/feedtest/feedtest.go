// Package feedtest starts real feeds for tests: a SQLite file in a temporary
// directory, the demo data (or none), and the HTTP server listening on
// 127.0.0.1. It wires the packages the way cmd/ccfeed does, so tests exercise
// the same composition as production.
package feedtest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders/demo"
	"github.com/ccfeed/ccfeed/server"
	"github.com/ccfeed/ccfeed/store"
)

// Feed is a running feed.
type Feed struct {
	DB   *store.DB
	URL  string // service root, ending in "/odata/"
	Base string // scheme and host
	// Log receives the server's request log (one JSON line per request).
	Log *SyncBuffer
	// Client talks to the feed (it trusts the test certificate with TLS).
	Client *http.Client
	// Handler is the server's handler, for in-process requests (fuzzing,
	// raw URLs a client library would refuse to send).
	Handler http.Handler
	// Server is the server itself, for its counters (Admission).
	Server *server.Server
}

// Options configure Start.
type Options struct {
	// Demo loads the demo data set (scale 1).
	Demo bool
	// Config overrides server settings (PagingSecret is filled in).
	Config server.Config
	// Auth, when set, adjusts the authenticator (enable Basic, a query key,
	// OIDC) before the server starts.
	Auth func(*auth.HTTP)
	// TLS serves HTTPS with a self-signed certificate; Client then trusts it.
	TLS bool
	// Store, when set, wraps the store the server reads through (to count
	// or observe its calls).
	Store func(server.Store) server.Store
}

// OpenDB opens a fresh store in t's temporary directory.
func OpenDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "feed.db"), edm.Default(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var (
	demoOnce sync.Once
	demoPath string
	demoErr  error
)

// demoTemplate builds the demo database once per test binary; each test gets
// its own copy, so tests stay independent without paying for generation.
//
// Templates of earlier test binaries are removed once they are an hour old;
// a running test binary holds its own, younger one.
func demoTemplate() (string, error) {
	demoOnce.Do(func() {
		if old, _ := filepath.Glob(filepath.Join(os.TempDir(), "ccfeed-demo-*")); len(old) > 0 {
			for _, d := range old {
				if st, err := os.Stat(d); err == nil && time.Since(st.ModTime()) > time.Hour {
					os.RemoveAll(d)
				}
			}
		}
		dir, err := os.MkdirTemp("", "ccfeed-demo-")
		if err != nil {
			demoErr = err
			return
		}
		demoPath = filepath.Join(dir, "demo.db")
		db, err := store.Open(demoPath, edm.Default(), store.Options{})
		if err != nil {
			demoErr = err
			return
		}
		defer db.Close()
		if _, err := demo.Load(context.Background(), db, demo.Options{Scale: 1}); err != nil {
			demoErr = err
			return
		}
		_, demoErr = db.Checkpoint(context.Background())
	})
	return demoPath, demoErr
}

// DemoDB returns a store holding a private copy of the demo data set.
func DemoDB(t testing.TB) *store.DB {
	t.Helper()
	src, err := demoTemplate()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "feed.db")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dst, edm.Default(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Start serves db on 127.0.0.1 until the test ends.
func Start(t testing.TB, db *store.DB, opt Options) *Feed {
	t.Helper()
	ctx := context.Background()
	ring, err := db.NewKeyRing(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := db.PagingSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := opt.Config
	cfg.PagingSecret = secret
	if cfg.ReadSlots == 0 {
		cfg.ReadSlots = db.ReadConns()
	}
	if cfg.Limits == (server.Limits{}) {
		// Tests walk pages far faster than a person; tests of the limits
		// set their own.
		cfg.Limits = server.Limits{Rate: 100000, Burst: 100000, MaxConcurrent: 1000}
	}
	logBuf := &SyncBuffer{}
	log := zerolog.New(logBuf)
	authn := &auth.HTTP{Keys: KeySource{ring}}
	if opt.Auth != nil {
		opt.Auth(authn)
	}
	var st server.Store = db
	if opt.Store != nil {
		st = opt.Store(db)
	}
	srv := server.New(cfg, edm.Default(), st, authn, log)
	if opt.TLS {
		ts := httptest.NewUnstartedServer(srv.Handler())
		ts.StartTLS()
		t.Cleanup(ts.Close)
		return &Feed{DB: db, URL: ts.URL + "/odata/", Base: ts.URL, Log: logBuf, Client: ts.Client(), Handler: srv.Handler(), Server: srv}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	})
	base := "http://" + ln.Addr().String()
	return &Feed{DB: db, URL: base + "/odata/", Base: base, Log: logBuf, Client: http.DefaultClient, Handler: srv.Handler(), Server: srv}
}

// StartDemo starts a feed over a private copy of the demo data.
func StartDemo(t testing.TB) *Feed {
	t.Helper()
	return Start(t, DemoDB(t), Options{Demo: true})
}

// Token mints a token for tenants with the given scope.
func (f *Feed) Token(t testing.TB, scope string, tenants ...string) string {
	t.Helper()
	ctx := context.Background()
	k, err := f.DB.CurrentKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dep, err := f.DB.Deployment(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := auth.Mint(auth.Key{ID: k.ID, Secret: k.Secret}, dep, tenants, nil, scope, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// ReadToken is a read token for every tenant.
func (f *Feed) ReadToken(t testing.TB) string { return f.Token(t, ccfeed.ScopeRead, ccfeed.AllTenants) }

// Get sends a GET with a bearer token (none when token is "") and extra
// headers given as name, value pairs.
func (f *Feed) Get(t testing.TB, url, token string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// Body reads and closes a response body.
func Body(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// KeySource adapts the store's key ring to auth.KeySource (as cmd/ccfeed
// does).
type KeySource struct{ Ring *store.KeyRing }

// Deployment is the audience of this deployment's tokens.
func (k KeySource) Deployment() string { return k.Ring.Deployment() }

// Key returns the signing key with this id.
func (k KeySource) Key(kid string) (auth.Key, bool) {
	sk, ok := k.Ring.Lookup(kid)
	return auth.Key{ID: sk.ID, Secret: sk.Secret}, ok
}

// Revoked reports whether a token id is revoked.
func (k KeySource) Revoked(jti string) bool { return k.Ring.IsRevoked(jti) }

// SyncBuffer is a goroutine-safe log sink.
type SyncBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Shared returns ../shared relative to the repository root: the conformance
// material and vendor samples. A missing folder skips the test loudly, and
// fails it in CI (CI=true), where it must be present.
func Shared(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "..", "shared")
	if _, err := os.Stat(dir); err != nil {
		msg := "SKIPPED, NOT PASSED: " + dir + " is missing; it holds the conformance material and samples this test reads (clone next to ../shared)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}
