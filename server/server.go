// Package server is the HTTP face of the feed: routes, content negotiation,
// authentication hooks, streaming JSON, paging links and error bodies. It
// depends on query and edm, and reaches the store only through the Store
// interface that cmd/ccfeed satisfies with *store.DB.
package server

import (
	"context"
	"crypto/cipher"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/query"
)

// Store is what the server needs from storage.
type Store interface {
	ReadPage(ctx context.Context, p *ccfeed.Principal, plan *query.Plan, lay *query.Layout, page query.Page, emit query.RowFunc) (bool, error)
	Count(ctx context.Context, p *ccfeed.Principal, plan *query.Plan) (int64, error)
	Exists(ctx context.Context, p *ccfeed.Principal, src *query.Source) (bool, error)
	// ReadExpand and CountExpand read an expanded navigation for a batch of
	// parents, given their join values: one query each, whatever the batch.
	ReadExpand(ctx context.Context, p *ccfeed.Principal, e *query.Expand, lay *query.Layout, vals []any, emit func(join any, row []any) error) error
	CountExpand(ctx context.Context, p *ccfeed.Principal, e *query.Expand, vals []any) (map[any]int64, error)
	// ReadApply and CountApply run a $apply pipeline in the store.
	ReadApply(ctx context.Context, p *ccfeed.Principal, plan *query.Plan, lay *query.Layout, offset int64, limit int, emit query.RowFunc) (bool, error)
	CountApply(ctx context.Context, p *ccfeed.Principal, plan *query.Plan) (int64, error)
	// Ping checks that the store can answer, its identity included.
	Ping(ctx context.Context) error
	// Identity reports, cheaply enough for every request, whether the
	// store still reads the database file its path names: an EUNAVAILABLE
	// error once that file was deleted or replaced (which only a restart
	// mends).
	Identity() error
	Operations
}

// Operations is what the home page, /metrics and /readyz read about the
// store itself: the load journal, the tenants and the files. None of it
// scans a data table.
type Operations interface {
	// Tenants lists every tenant, sorted.
	Tenants(ctx context.Context) ([]string, error)
	// SourceStatuses sums the load journal per tenant, source and kind for
	// the tenants listed (nil: every tenant).
	SourceStatuses(ctx context.Context, tenants []string) ([]ccfeed.SourceStatus, error)
	// LatestRejects lists up to limit records refused by the newest loads
	// of the tenants listed.
	LatestRejects(ctx context.Context, tenants []string, limit int) ([]ccfeed.Reject, error)
	// FileSizes reports the bytes of the database file and of its
	// write-ahead log.
	FileSizes() (dbBytes, walBytes int64, err error)
	// PendingText counts the rows waiting for the full-text index.
	PendingText(ctx context.Context) (int, error)
}

// Authenticator establishes who a request acts for.
type Authenticator interface {
	// Authenticate returns the principal, or an EUNAUTHORIZED error.
	Authenticate(r *http.Request) (*ccfeed.Principal, error)
	// Challenge returns the WWW-Authenticate values for a 401.
	Challenge(r *http.Request) []string
	// Secure reports whether a credential sent with r travelled encrypted
	// or stayed on the machine (the rule for Basic); the home page's
	// sign-in cookie follows it.
	Secure(r *http.Request) bool
}

// Config holds the server's settings.
type Config struct {
	// PublicURL, when set, is the scheme and host clients use
	// ("https://feed.example.com"); links are built on it.
	PublicURL string
	// TrustProxy lets a proxy's X-Forwarded-Proto and X-Forwarded-Host
	// set the scheme and host of links (when PublicURL is not set). Leave
	// it off unless a proxy in front sets them: any client can send them.
	TrustProxy bool
	// KeyOutOfLinks leaves a credential that came as a query parameter
	// (Power BI's Web API key) out of @odata.nextLink. Off by default: no
	// Microsoft document says that Power Query adds ApiKeyName to the
	// next-page requests it sends, and if it did not, refresh would fail on
	// the second page (see nextLink).
	KeyOutOfLinks bool
	// PageSize is the default number of entities per page; MaxPageSize caps
	// odata.maxpagesize.
	PageSize    int
	MaxPageSize int
	// QueryTimeout interrupts SQLite when one request's query runs longer.
	QueryTimeout time.Duration
	// PagingSecret signs $skiptoken values.
	PagingSecret []byte
	// Limits bound each credential and tenant; zero means DefaultLimits.
	Limits Limits
	// ReadSlots is the number of the store's read connections, which
	// requests are admitted to (see admission); 0 means DefaultReadSlots.
	ReadSlots int
	// MaxExpanded is the most related entities one response may carry,
	// over all expanded navigations and levels; beyond it the request gets
	// a 400 saying how to narrow it. Zero means DefaultMaxExpanded.
	MaxExpanded int
	// PowerBI, when set, serves the Power BI files under /powerbi/
	// (/powerbi/feed.pbids, /powerbi/project.zip) without credentials: they
	// hold the feed's URL and the model's names and descriptions, never rows
	// or a credential. The handler sees the path with /powerbi stripped and
	// reads the feed's public service root, built by the same rules as
	// @odata.nextLink, with ccfeed.ServiceRoot. Nil serves nothing there,
	// and the home page links them only when set.
	PowerBI http.Handler
	// MetricsElsewhere is set when /metrics is served on its own address
	// (MetricsHandler); the main address then answers 404 for it.
	// Otherwise /metrics on the main address needs an admin-scope token.
	MetricsElsewhere bool
	// ReadyChecks are checked by /readyz after the store's; each has a
	// name for the answer and the log.
	ReadyChecks []Check
}

// Server serves the OData feed.
type Server struct {
	cfg      Config
	model    *edm.Model
	store    Store
	auth     Authenticator
	log      zerolog.Logger
	metaXML  []byte
	metaJSON []byte
	aead     cipher.AEAD
	limits   *limiter
	conns    *admission
	now      func() time.Time
	metrics  *metrics
	home     *homePage
	// goneLogged makes the loss of the database file logged once.
	goneLogged atomic.Bool
}

// New builds a server.
func New(cfg Config, m *edm.Model, st Store, a Authenticator, log zerolog.Logger) *Server {
	if cfg.PageSize <= 0 {
		cfg.PageSize = 5000
	}
	if cfg.MaxPageSize < cfg.PageSize {
		cfg.MaxPageSize = max(20000, cfg.PageSize)
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = 60 * time.Second
	}
	if cfg.MaxExpanded <= 0 {
		cfg.MaxExpanded = DefaultMaxExpanded
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	if cfg.ReadSlots <= 0 {
		cfg.ReadSlots = DefaultReadSlots
	}
	if cfg.Limits.QueueWait <= 0 {
		cfg.Limits.QueueWait = DefaultQueueWait
	}
	// A tenant's allowance stays below the pool, so another tenant always
	// finds a connection (or a place at the head of the queue).
	perTenant := cfg.ReadSlots - 1
	if t := cfg.Limits.TenantConcurrent; t > 0 && t < perTenant {
		perTenant = t
	}
	perTenant = max(perTenant, 1)
	s := &Server{cfg: cfg, model: m, store: st, auth: a, log: log,
		metaXML: m.CSDLXML(), metaJSON: m.CSDLJSON(), aead: newAEAD(cfg.PagingSecret),
		limits: newLimiter(cfg.Limits), conns: newAdmission(cfg.ReadSlots, perTenant, cfg.Limits.QueueWait), now: time.Now}
	s.metrics = newMetrics(st, func() time.Time { return s.now() })
	s.metrics.reg.MustRegister(&admissionCollector{a: s.conns})
	s.home = newHomePage(cfg.PublicURL)
	return s
}

// Admission returns the read-connection pool's counters.
func (s *Server) Admission() AdmissionStats { return s.conns.snapshot() }

// Handler returns the HTTP handler. gorilla/mux routes the top level; the
// OData resource path after the service root is parsed by query.ParsePath.
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	r.UseEncodedPath()
	r.Handle("/healthz", http.HandlerFunc(s.handleHealth))
	r.Handle("/readyz", http.HandlerFunc(s.handleReady))
	r.Handle("/livez", http.HandlerFunc(s.handleLive))
	r.Handle("/metrics", s.odata(s.handleMetrics))
	r.Handle("/", s.html(s.handleHome)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/signin", s.html(s.handleSignIn)).Methods(http.MethodPost)
	r.Handle("/signout", s.html(s.handleSignOut)).Methods(http.MethodPost)
	if s.cfg.PowerBI != nil {
		// The Power BI files hold the feed's address and the model, no
		// data and no credential: no sign-in, so that Power BI Desktop
		// can open them from a link.
		pb := http.StripPrefix("/powerbi", s.cfg.PowerBI)
		r.PathPrefix("/powerbi/").Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// No credential is asked for, so the client address pays: a
			// project is built (some milliseconds) for each new host name
			// a request claims, and a client must not make that free.
			release, err := s.limits.acquire("addr:"+clientAddr(r), s.now())
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			defer release()
			pb.ServeHTTP(w, r.WithContext(ccfeed.WithServiceRoot(r.Context(), s.serviceRoot(r))))
		}))
	}
	odata := r.PathPrefix("/odata").Subrouter()
	odata.Handle("", s.odata(s.handleServiceDocument))
	odata.Handle("/", s.odata(s.handleServiceDocument))
	odata.Handle("/$metadata", s.odata(s.handleMetadata))
	odata.Handle("/{rest:.+}", s.odata(s.withConnection(s.handleResource)))
	// An unknown path is answered without asking for a credential: the
	// answer says nothing about any tenant, and a browser that mistypes a
	// path should not get a sign-in prompt first.
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.writeError(w, r, &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Message: r.Method + " is not supported: this feed is read-only"})
			return
		}
		s.writeError(w, r, &ccfeed.Error{Code: ccfeed.ENOTFOUND, Message: "not found: the feed is at /odata/ and its home page at /"})
	})
	r.MethodNotAllowedHandler = r.NotFoundHandler
	return s.middleware(r)
}

// handlerFunc is a handler that returns its error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// odata wraps an OData handler: method check, authentication, errors.
func (s *Server) odata(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.writeError(w, r, &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Message: r.Method + " is not supported: this feed is read-only"})
			return
		}
		if v := r.Header.Get("OData-MaxVersion"); v != "" && !atLeast4(v) {
			s.writeError(w, r, &ccfeed.Error{Code: ccfeed.EINVALID, Target: "OData-MaxVersion",
				Message: "this feed speaks OData 4.0; OData-MaxVersion " + v + " is lower"})
			return
		}
		if err := s.identity(); err != nil {
			// The data served would be a deleted file's, and the tokens
			// checked against it: say so instead.
			s.writeError(w, r, err)
			return
		}
		if len(r.URL.String()) > query.MaxURLLength {
			s.writeError(w, r, &ccfeed.Error{Code: ccfeed.ELIMIT, Message: "the URL is longer than the limit of 16 KB"})
			return
		}
		p, err := s.auth.Authenticate(r)
		if err != nil {
			if info := requestInfo(r); info != nil {
				info.credential = "refused"
				if errors.Is(err, ccfeed.ErrNoCredential) {
					info.credential = "none"
				}
			}
			if ccfeed.ErrorCode(err) == ccfeed.EUNAUTHORIZED {
				// Refused credentials spend the same budget per client
				// address, so guessing tokens is as slow as using one.
				// A request with no credential (Power Query's first
				// probe) is not charged: behind a proxy or a NAT every
				// client shares an address, and a guesser must not stop
				// everyone else from learning where to sign in.
				if !errors.Is(err, ccfeed.ErrNoCredential) {
					release, lerr := s.limits.acquire("addr:"+clientAddr(r), s.now())
					if lerr != nil {
						s.writeError(w, r, lerr)
						return
					}
					release()
				}
				for _, c := range s.auth.Challenge(r) {
					w.Header().Add("WWW-Authenticate", c)
				}
			}
			s.writeError(w, r, err)
			return
		}
		if info := requestInfo(r); info != nil {
			info.subject, info.credential = p.Subject, p.Credential
		}
		release, err := s.limits.acquire(p.Subject, s.now())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		defer release()
		ctx := context.WithValue(r.Context(), principalKey{}, p)
		if err := h(w, r.WithContext(ctx)); err != nil {
			if clientClosed(r) {
				// Whatever failed, no one is there to tell.
				markClosed(r)
				return
			}
			s.writeError(w, r, err)
		}
	})
}

// withConnection runs h once the request is admitted to a read connection
// (see admission), and hands the connection back after it.
func (s *Server) withConnection(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		release, err := s.conns.acquire(r.Context(), principalOf(r))
		if err != nil {
			return err
		}
		defer release()
		return h(w, r)
	}
}

// atLeast4 reports whether an OData-MaxVersion value ("4.0", "4.01",
// "3.0") allows version 4.0. It compares the major version as a number: as
// text, "10.0" would sort before "4.0". A value that does not parse is let
// through; the response says which version it is.
func atLeast4(v string) bool {
	major, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	n, err := strconv.Atoi(major)
	return err != nil || n >= 4
}

// clientAddr is the host of the connection's remote address.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type principalKey struct{}

func principalOf(r *http.Request) *ccfeed.Principal {
	p, _ := r.Context().Value(principalKey{}).(*ccfeed.Principal)
	return p
}

// identity asks the store whether its file is still the one its path
// names, and logs the loss once.
func (s *Server) identity() error {
	err := s.store.Identity()
	if err != nil && s.goneLogged.CompareAndSwap(false, true) {
		s.log.Error().Err(err).Msg("database file lost: answering 503 until restarted")
	}
	return err
}

// WatchStore checks the store's identity every interval until ctx ends, so
// a deleted or replaced database file is noticed (and logged) even while no
// request comes.
func (s *Server) WatchStore(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.identity()
		}
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.identity(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"unavailable","reason":"the database file was deleted or replaced; restart the server"}` + "\n"))
		return
	}
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error().Err(err).Msg("health check failed")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"unavailable"}` + "\n"))
		return
	}
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}
