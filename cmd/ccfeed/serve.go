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
	"github.com/ccfeed/ccfeed/powerbi"
	"github.com/ccfeed/ccfeed/server"
	"github.com/ccfeed/ccfeed/store"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("serve", "[--db PATH] [--addr HOST:PORT] [flags]", `
Serve the OData feed, the home page, /metrics and the health endpoints.
Creates the database when --db does not exist (with the demo data set
unless --demo=false). One server per database: a second serve on the same
file is refused while the first runs.`, stdout)
	dbPath := c.String("db", "CCFEED_DB", "ccfeed.db", "database `path`; created (with the demo data set unless --demo=false) if missing")
	addr := c.String("addr", "CCFEED_ADDR", "127.0.0.1:8080", "listen `address`")
	publicURL := c.String("public-url", "CCFEED_PUBLIC_URL", "", "scheme and host clients use, for links behind a proxy")
	pageSize := c.Int("page-size", "CCFEED_PAGE_SIZE", 5000, "entities per page")
	maxPage := c.Int("max-page-size", "CCFEED_MAX_PAGE_SIZE", 20000, "largest odata.maxpagesize honoured")
	timeout := c.Duration("query-timeout", "CCFEED_QUERY_TIMEOUT", 60*time.Second, "longest one query may run")
	withDemo := c.Bool("demo", "CCFEED_DEMO", true, "fill a new database with the demo data set")
	logFormat := c.String("log-format", "CCFEED_LOG_FORMAT", "", "json or console (default: console on a terminal, json otherwise)")
	inbox := c.String("inbox", "CCFEED_INBOX", "", "drop `folder`: files put in DIR/<tenant>/ are loaded, then moved to done/ or failed/")
	tlsCert := c.String("tls-cert", "CCFEED_TLS_CERT", "", "certificate `file` (PEM): serve HTTPS, which Power BI Service requires")
	tlsKey := c.String("tls-key", "CCFEED_TLS_KEY", "", "private key `file` (PEM) of --tls-cert")
	oidcPath := c.String("oidc", "CCFEED_OIDC", "", "`file` configuring organizational sign-in (issuer, audience, JWKS, claim mappings)")
	basic := c.Bool("basic", "CCFEED_BASIC", true, "accept the token as the password of HTTP Basic")
	keyParam := c.String("api-key-param", "CCFEED_API_KEY_PARAM", "access_token", "query `parameter` that may carry the token (Power BI's ApiKeyName); empty disables")
	insecureFrom := c.String("insecure-credentials-from", "CCFEED_INSECURE_CREDENTIALS_FROM", "", "comma-separated private `networks` (CIDR) from which Basic and URL keys are accepted over plain HTTP, as from loopback; for a container's own network only")
	keyOutOfLinks := c.Bool("key-out-of-links", "CCFEED_KEY_OUT_OF_LINKS", false, "leave a token that came in --api-key-param out of @odata.nextLink (only for clients known to add it to every request)")
	trustProxy := c.Bool("trust-proxy", "CCFEED_TRUST_PROXY", false, "believe X-Forwarded-Proto and X-Forwarded-Host from a TLS-terminating proxy, for HTTPS checks and links")
	rate := c.Float("rate-limit", "CCFEED_RATE_LIMIT", server.DefaultLimits.Rate, "requests per second per credential")
	burst := c.Int("burst", "CCFEED_BURST", server.DefaultLimits.Burst, "requests a credential may send at once after a pause")
	readConns := c.Int("read-connections", "CCFEED_READ_CONNECTIONS", 0, "queries that may read at once (0: one per CPU, at least 6); each connection keeps 8 MB of page cache")
	concurrent := c.Int("max-concurrent", "CCFEED_MAX_CONCURRENT", server.DefaultLimits.MaxConcurrent, "requests of one credential in progress at a time, below the read connections; past it, 429")
	tenantConcurrent := c.Int("tenant-concurrent", "CCFEED_TENANT_CONCURRENT", 0, "read connections one tenant's requests may hold at once, all its credentials together; past it they wait (0: one less than the read connections)")
	queueWait := c.Duration("queue-wait", "CCFEED_QUEUE_WAIT", server.DefaultQueueWait, "longest a request waits for a read connection before 503 with Retry-After")
	inboxQuiet := c.Duration("inbox-quiet", "CCFEED_INBOX_QUIET", loaders.DefaultSettle, "how long a file in the inbox must stay unchanged before it is loaded; writers should write under a temporary name and rename")
	lim := limitFlags(c, true)
	sources := c.String("sources", "CCFEED_SOURCES", "", "`file` declaring the API sources to pull on a schedule")
	metricsAddr := c.String("metrics-addr", "CCFEED_METRICS_ADDR", "", "serve /metrics on this `address` without credentials, and not on --addr (where it needs an admin token)")
	if err := c.parse(args, false); err != nil {
		return err
	}
	if err := checkLogFormat(*logFormat); err != nil {
		return c.usageErr(err.Error())
	}
	limits, err := lim.limits(c)
	if err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return c.usageErr("--tls-cert and --tls-key go together")
	}
	insecureNets, err := auth.ParseNetworks(*insecureFrom)
	if err != nil {
		return c.usageErr("--insecure-credentials-from: " + err.Error())
	}
	// Files named by flags are read before the database is touched: a
	// mistake in one stops the server without creating or locking anything.
	var oidc *auth.OIDC
	if *oidcPath != "" {
		cfg, err := auth.LoadOIDCConfig(*oidcPath)
		if err != nil {
			return err
		}
		oidc = auth.NewOIDC(cfg, nil)
	}
	log := newLogger(stderr, *logFormat)
	_, statErr := os.Stat(*dbPath)
	fresh := errors.Is(statErr, os.ErrNotExist)
	// The lock is taken before SQLite opens (and maybe creates) the file,
	// so a refused second server changes nothing.
	unlock, err := lockServe(*dbPath, *addr)
	if err != nil {
		return err
	}
	defer unlock()
	if *readConns < 0 || *readConns > maxReadConns {
		return c.usageErr(fmt.Sprintf("--read-connections %d: want 0 (the default) to %d", *readConns, maxReadConns))
	}
	db, err := openStoreWith(*dbPath, store.Options{ReadConns: *readConns})
	if err != nil {
		return err
	}
	defer db.Close()
	if fresh && !*withDemo {
		fmt.Fprintf(stdout, "created %s, an empty database (--demo=false)\n", *dbPath)
	}
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
	authn := &auth.HTTP{Keys: keySource{ring}, Basic: *basic, KeyParam: *keyParam, TrustProxy: *trustProxy, OIDC: oidc,
		InsecureFrom: insecureNets}
	if *concurrent >= db.ReadConns() {
		return c.usageErr(fmt.Sprintf("--max-concurrent %d must be below the %d read connections, or one credential could hold them all", *concurrent, db.ReadConns()))
	}
	srv := server.New(server.Config{
		PublicURL: *publicURL, TrustProxy: *trustProxy, KeyOutOfLinks: *keyOutOfLinks, PageSize: *pageSize, MaxPageSize: *maxPage,
		QueryTimeout: *timeout, PagingSecret: secret,
		Limits: server.Limits{Rate: *rate, Burst: *burst, MaxConcurrent: *concurrent,
			TenantConcurrent: *tenantConcurrent, QueueWait: *queueWait},
		ReadSlots:        db.ReadConns(),
		MetricsElsewhere: *metricsAddr != "",
		// /powerbi/feed.pbids and /powerbi/project.zip, built for the URL
		// clients reach the feed at, with the key parameter this feed
		// accepts as the Web API key credential's ApiKeyName.
		PowerBI: powerbi.Handler(edm.Default(), powerbi.Options{APIKeyName: *keyParam}),
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
	if len(insecureNets) > 0 && *tlsCert == "" {
		// Said at every start, so the opt-in is never forgotten in a log
		// nobody reads: it is meant for a container's own network only.
		log.Warn().Str("networks", *insecureFrom).Msg("accepting Basic passwords and URL keys over plain HTTP from these networks (--insecure-credentials-from)")
	}
	startIndexer(ctx, db, log)
	if err := startPulls(ctx, db, *sources, log); err != nil {
		return err
	}
	if *inbox != "" {
		in := &loaders.Inbox{Dir: *inbox, DB: db, Settle: *inboxQuiet, Options: loaders.Options{Limits: limits},
			Log:  func(format string, args ...any) { log.Info().Msgf(format, args...) },
			Warn: func(format string, args ...any) { log.Warn().Msgf(format, args...) },
		}
		fmt.Fprintf(stdout, "Watching the %s\n", in)
		go func() {
			if err := in.Run(ctx); err != nil {
				log.Error().Err(err).Msg("inbox stopped")
			}
		}()
	}
	errc := make(chan error, 2)
	var metricsSrv *http.Server
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", srv.MetricsHandler())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		log.Info().Str("addr", mln.Addr().String()).Msg("serving /metrics")
		go func() { errc <- metricsSrv.Serve(mln) }()
	}
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
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdown)
	}
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
	base := strings.TrimSuffix(root, "odata/")
	fmt.Fprintf(w, "Power BI project: %spowerbi/project.zip (or %spowerbi/feed.pbids)\n", base, base)
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

// maxReadConns bounds --read-connections: each connection holds its own
// page cache (8 MB) and file handles.
const maxReadConns = 256
