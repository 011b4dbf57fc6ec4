package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/demo"
	"github.com/ccfeed/ccfeed/server"
	"github.com/ccfeed/ccfeed/store"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	dbPath := fs.String("db", env("CCFEED_DB", "ccfeed.db"), "database `path`; created with the demo data set if missing (env CCFEED_DB)")
	addr := fs.String("addr", env("CCFEED_ADDR", "127.0.0.1:8080"), "listen `address` (env CCFEED_ADDR)")
	publicURL := fs.String("public-url", env("CCFEED_PUBLIC_URL", ""), "scheme and host clients use, for links behind a proxy (env CCFEED_PUBLIC_URL)")
	pageSize := fs.Int("page-size", envInt("CCFEED_PAGE_SIZE", 5000), "entities per page (env CCFEED_PAGE_SIZE)")
	maxPage := fs.Int("max-page-size", envInt("CCFEED_MAX_PAGE_SIZE", 20000), "largest odata.maxpagesize honoured (env CCFEED_MAX_PAGE_SIZE)")
	timeout := fs.Duration("query-timeout", envDuration("CCFEED_QUERY_TIMEOUT", 60*time.Second), "longest one query may run (env CCFEED_QUERY_TIMEOUT)")
	withDemo := fs.Bool("demo", env("CCFEED_DEMO", "true") == "true", "fill a new database with the demo data set (env CCFEED_DEMO)")
	logFormat := fs.String("log-format", env("CCFEED_LOG_FORMAT", ""), "json or console (default: console on a terminal)")
	inbox := fs.String("inbox", env("CCFEED_INBOX", ""), "drop `folder`: files put in DIR/<tenant>/ are loaded, then moved to done/ or failed/ (env CCFEED_INBOX)")
	tlsCert := fs.String("tls-cert", env("CCFEED_TLS_CERT", ""), "certificate `file` (PEM): serve HTTPS, which Power BI Service requires (env CCFEED_TLS_CERT)")
	tlsKey := fs.String("tls-key", env("CCFEED_TLS_KEY", ""), "private key `file` (PEM) of --tls-cert (env CCFEED_TLS_KEY)")
	oidcPath := fs.String("oidc", env("CCFEED_OIDC", ""), "`file` configuring organizational sign-in (issuer, audience, JWKS, claim mappings) (env CCFEED_OIDC)")
	basic := fs.Bool("basic", env("CCFEED_BASIC", "true") == "true", "accept the token as the password of HTTP Basic (env CCFEED_BASIC)")
	keyParam := fs.String("api-key-param", env("CCFEED_API_KEY_PARAM", "access_token"), "query `parameter` that may carry the token (Power BI's ApiKeyName); empty disables (env CCFEED_API_KEY_PARAM)")
	trustProxy := fs.Bool("trust-proxy", env("CCFEED_TRUST_PROXY", "false") == "true", "believe X-Forwarded-Proto and X-Forwarded-Host from a TLS-terminating proxy, for HTTPS checks and links (env CCFEED_TRUST_PROXY)")
	rate := fs.Float64("rate-limit", float64(envInt("CCFEED_RATE_LIMIT", int(server.DefaultLimits.Rate))), "requests per second per credential (env CCFEED_RATE_LIMIT)")
	burst := fs.Int("burst", envInt("CCFEED_BURST", server.DefaultLimits.Burst), "requests a credential may send at once after a pause (env CCFEED_BURST)")
	concurrent := fs.Int("max-concurrent", envInt("CCFEED_MAX_CONCURRENT", server.DefaultLimits.MaxConcurrent), "requests of one credential in progress at a time, below the read connections; past it, 429 (env CCFEED_MAX_CONCURRENT)")
	tenantConcurrent := fs.Int("tenant-concurrent", envInt("CCFEED_TENANT_CONCURRENT", 0), "read connections one tenant's requests may hold at once, all its credentials together; past it they wait (default: one less than the read connections) (env CCFEED_TENANT_CONCURRENT)")
	queueWait := fs.Duration("queue-wait", envDuration("CCFEED_QUEUE_WAIT", server.DefaultQueueWait), "longest a request waits for a read connection before 503 with Retry-After (env CCFEED_QUEUE_WAIT)")
	sources := fs.String("sources", env("CCFEED_SOURCES", ""), "`file` declaring the API sources to pull on a schedule (env CCFEED_SOURCES)")
	inboxQuiet := fs.Duration("inbox-quiet", envDuration("CCFEED_INBOX_QUIET", loaders.DefaultSettle), "how long a file in the inbox must stay unchanged before it is loaded; writers should write under a temporary name and rename (env CCFEED_INBOX_QUIET)")
	lim := limitFlags(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	limits, err := lim.limits()
	if err != nil {
		return err
	}
	log := newLogger(stderr, *logFormat)
	_, statErr := os.Stat(*dbPath)
	fresh := errors.Is(statErr, os.ErrNotExist)
	db, err := openStore(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if fresh && *withDemo {
		fmt.Fprintf(stdout, "creating %s with the demo data set...\n", *dbPath)
		start := time.Now()
		sum, err := demo.Load(ctx, db, demo.Options{Scale: 1})
		if err != nil {
			return err
		}
		total := 0
		for _, n := range sum {
			total += n
		}
		fmt.Fprintf(stdout, "loaded %d demo rows from the files of five sources into %d entity sets in %s\n", total, len(sum), time.Since(start).Round(time.Millisecond))
	}
	ring, err := db.NewKeyRing(ctx)
	if err != nil {
		return err
	}
	secret, err := db.PagingSecret(ctx)
	if err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError{"--tls-cert and --tls-key go together"}
	}
	authn := &auth.HTTP{Keys: keySource{ring}, Basic: *basic, KeyParam: *keyParam, TrustProxy: *trustProxy}
	if *oidcPath != "" {
		cfg, err := auth.LoadOIDCConfig(*oidcPath)
		if err != nil {
			return err
		}
		authn.OIDC = auth.NewOIDC(cfg, nil)
	}
	if *concurrent >= db.ReadConns() {
		return usageError{fmt.Sprintf("--max-concurrent %d must be below the %d read connections, or one credential could hold them all", *concurrent, db.ReadConns())}
	}
	srv := server.New(server.Config{
		PublicURL: *publicURL, TrustProxy: *trustProxy, PageSize: *pageSize, MaxPageSize: *maxPage,
		QueryTimeout: *timeout, PagingSecret: secret,
		Limits: server.Limits{Rate: *rate, Burst: *burst, MaxConcurrent: *concurrent,
			TenantConcurrent: *tenantConcurrent, QueueWait: *queueWait},
		ReadSlots: db.ReadConns(),
	}, edm.Default(), db, authn, log)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// No write timeout: a full export streams for minutes. Each query
		// is bounded by --query-timeout instead.
		IdleTimeout: 2 * time.Minute,
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	if err := banner(ctx, stdout, db, scheme, ln.Addr().String(), *publicURL); err != nil {
		return err
	}
	log.Info().Str("addr", ln.Addr().String()).Str("db", *dbPath).Msg("serving")
	// A database file deleted or replaced under the server is noticed
	// within seconds even without requests.
	go srv.WatchStore(ctx, 5*time.Second)
	startIndexer(ctx, db, log)
	if err := startPulls(ctx, db, *sources, log); err != nil {
		return err
	}
	if *inbox != "" {
		in := &loaders.Inbox{Dir: *inbox, DB: db, Settle: *inboxQuiet, Options: loaders.Options{Limits: limits},
			Log: func(format string, args ...any) {
				log.Info().Msgf(format, args...)
			}}
		fmt.Fprintf(stdout, "Watching the %s\n", in)
		go func() {
			if err := in.Run(ctx); err != nil {
				log.Error().Err(err).Msg("inbox stopped")
			}
		}()
	}
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- hs.ServeTLS(ln, *tlsCert, *tlsKey)
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}

// banner tells a newcomer where the feed is and how to call it. A token is
// printed only while every load in the journal is a load of the demo data
// set, and only for the demo's tenants: printing a credential of real data
// into a log would hand it to whoever reads the log, and a token for every
// tenant ('*') would read tenants loaded later too.
func banner(ctx context.Context, w io.Writer, db *store.DB, scheme, addr, publicURL string) error {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	root := scheme + "://" + net.JoinHostPort(host, port) + "/odata/"
	if publicURL != "" {
		root = publicURL + "/odata/"
	}
	fmt.Fprintf(w, "\nccfeed is serving the OData feed at %s\n", root)
	fmt.Fprintf(w, "Power BI / Excel: Get Data > OData feed > %s\n", root)
	tenants, err := db.TenantsIfOnlyKind(ctx, loaders.JournalDemo)
	if err != nil {
		return err
	}
	if len(tenants) == 0 {
		if n, err := db.RevokeDemoTokens(ctx); err != nil {
			return err
		} else if n > 0 {
			fmt.Fprintf(w, "Real data is loaded: the %d demo token(s) printed before are revoked.\n", n)
		}
		fmt.Fprintf(w, "Create an access token with: ccfeed token --db %s --tenant NAME\n\n", db.Path)
		return nil
	}
	tok, jti, err := mintToken(ctx, db, tenants, nil, ccfeed.ScopeRead, 30*24*time.Hour)
	if err != nil {
		return err
	}
	if err := db.RememberDemoToken(ctx, jti); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nAccess token for the demo tenants %s (read, valid 30 days):\n%s\n\n", strings.Join(tenants, ", "), tok)
	fmt.Fprintf(w, "Try it:\n  curl -H 'Authorization: Bearer %s' '%sConversations?$top=3&$select=id,mediaType,startedAtUTC,durationInSeconds'\n\n", tok, root)
	return nil
}
