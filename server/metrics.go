package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
)

// metrics are the server's Prometheus series. Each server has its own
// registry (not the global one), so tests can run several servers in one
// process. Labels hold entity set names, status classes, credential kinds,
// tenant names and source kinds: never a key, a value from a query, a
// subject or a token.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	rows      *prometheus.CounterVec
	bytes     *prometheus.CounterVec
	throttled *prometheus.CounterVec
}

func newMetrics(st Operations, now func() time.Time) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccfeed_http_requests_total",
			Help: "HTTP requests by entity set (or route), status class and credential kind.",
		}, []string{"set", "status", "credential"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ccfeed_http_request_duration_seconds",
			Help: "Time from a request's arrival to its last byte, by entity set (or route).",
			// From a key lookup (milliseconds) to a full export page
			// (seconds) to a query stopped by --query-timeout (60 s).
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"set"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccfeed_http_response_rows_total",
			Help: "Entities served, by entity set.",
		}, []string{"set"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccfeed_http_response_bytes_total",
			Help: "Response body bytes written (before compression), by entity set (or route).",
		}, []string{"set"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccfeed_http_throttled_total",
			Help: "Requests answered 429 (rate or concurrency limit), by credential kind.",
		}, []string{"credential"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.rows, m.bytes, m.throttled,
		&journalCollector{st: st, now: now},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe counts one finished request.
func (m *metrics) observe(inf *info, route string) {
	set := inf.set
	if set == "" {
		set = route
	}
	cred := inf.credential
	if cred == "" {
		cred = "none"
	}
	m.requests.WithLabelValues(set, strconv.Itoa(inf.status/100)+"xx", cred).Inc()
	m.latency.WithLabelValues(set).Observe(time.Since(inf.start).Seconds())
	if inf.rows > 0 {
		m.rows.WithLabelValues(set).Add(float64(inf.rows))
	}
	m.bytes.WithLabelValues(set).Add(float64(inf.bytes))
	if inf.status == http.StatusTooManyRequests {
		m.throttled.WithLabelValues(cred).Inc()
	}
}

// handler serves the registry in the Prometheus text format. A failing
// journal read does not fail the scrape: ccfeed_journal_up says so and
// the request series still come.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// MetricsHandler serves /metrics without a credential, for a listener of
// its own (--metrics-addr): the address is the protection.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// handleMetrics serves /metrics on the main address to an admin-scope
// credential: the series name tenants and show how the feed is used.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.MetricsElsewhere {
		return &ccfeed.Error{Code: ccfeed.ENOTFOUND, Message: "not found: /metrics is served on its own address (--metrics-addr)"}
	}
	if !principalOf(r).IsAdmin() {
		return &ccfeed.Error{Code: ccfeed.EFORBIDDEN, Message: "/metrics needs a token with the admin scope (ccfeed token --admin), or serve it on its own address with --metrics-addr"}
	}
	s.metrics.handler().ServeHTTP(w, r)
	return nil
}

// journalCollector reads, at each scrape, the load journal and the
// database files: loads and pulls by outcome, records and rejects, the age
// of each source's newest data, database and log sizes and the full-text
// index lag. The journal is one small table summed in one query, so a
// scrape costs the same whatever the volume of data.
type journalCollector struct {
	st  Operations
	now func() time.Time
}

var (
	descJournalUp = prometheus.NewDesc("ccfeed_journal_up",
		"1 when the load journal could be read for this scrape, else 0.", nil, nil)
	descLoads = prometheus.NewDesc("ccfeed_loads_total",
		"Loads in the journal: kind file (ccfeed load, the drop folder) or pull (one page of an API pull), by outcome (loaded, failed).",
		[]string{"tenant", "source", "kind", "outcome"}, nil)
	descRecords = prometheus.NewDesc("ccfeed_load_records_total",
		"Records read by successful loads.", []string{"tenant", "source", "kind"}, nil)
	descRejected = prometheus.NewDesc("ccfeed_load_rejected_total",
		"Records refused by successful loads (each is a LoadRejects row).", []string{"tenant", "source", "kind"}, nil)
	descLastLoad = prometheus.NewDesc("ccfeed_last_load_timestamp_seconds",
		"When the newest successful load or pull page of a source finished (Unix time).", []string{"tenant", "source"}, nil)
	descAge = prometheus.NewDesc("ccfeed_data_age_seconds",
		"Seconds since the newest successful load or pull page of a source finished: alert when it grows past the source's schedule.",
		[]string{"tenant", "source"}, nil)
	descDBBytes = prometheus.NewDesc("ccfeed_database_bytes",
		"Size of the SQLite database file.", nil, nil)
	descWALBytes = prometheus.NewDesc("ccfeed_wal_bytes",
		"Size of the SQLite write-ahead log; it shrinks back after checkpoints.", nil, nil)
	descPending = prometheus.NewDesc("ccfeed_search_index_pending_rows",
		"Rows waiting for the full-text ($search) index; a search brings it up to date first.", nil, nil)
)

// Describe sends the descriptors of every series the collector emits.
func (c *journalCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descJournalUp, descLoads, descRecords, descRejected, descLastLoad, descAge,
		descDBBytes, descWALBytes, descPending} {
		ch <- d
	}
}

// Collect reads the journal and the files.
func (c *journalCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if dbBytes, walBytes, err := c.st.FileSizes(); err == nil {
		ch <- prometheus.MustNewConstMetric(descDBBytes, prometheus.GaugeValue, float64(dbBytes))
		ch <- prometheus.MustNewConstMetric(descWALBytes, prometheus.GaugeValue, float64(walBytes))
	} else {
		ch <- prometheus.NewInvalidMetric(descDBBytes, err)
	}
	if n, err := c.st.PendingText(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(n))
	} else {
		ch <- prometheus.NewInvalidMetric(descPending, err)
	}
	stats, err := c.st.SourceStatuses(ctx, nil)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descJournalUp, prometheus.GaugeValue, 0)
		ch <- prometheus.NewInvalidMetric(descLoads, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descJournalUp, prometheus.GaugeValue, 1)
	type key struct{ tenant, source string }
	newest := map[key]time.Time{}
	for _, s := range stats {
		kind := s.Kind
		if kind == "" {
			kind = "file"
		}
		ch <- prometheus.MustNewConstMetric(descLoads, prometheus.CounterValue, float64(s.Loaded), s.Tenant, s.Source, kind, edm.LoadLoaded)
		ch <- prometheus.MustNewConstMetric(descLoads, prometheus.CounterValue, float64(s.Failed), s.Tenant, s.Source, kind, edm.LoadFailed)
		ch <- prometheus.MustNewConstMetric(descRecords, prometheus.CounterValue, float64(s.Records), s.Tenant, s.Source, kind)
		ch <- prometheus.MustNewConstMetric(descRejected, prometheus.CounterValue, float64(s.Rejected), s.Tenant, s.Source, kind)
		k := key{s.Tenant, s.Source}
		if s.LastLoaded.After(newest[k]) {
			newest[k] = s.LastLoaded
		}
	}
	now := c.now()
	for k, t := range newest {
		ch <- prometheus.MustNewConstMetric(descLastLoad, prometheus.GaugeValue, float64(t.UnixMilli())/1000, k.tenant, k.source)
		ch <- prometheus.MustNewConstMetric(descAge, prometheus.GaugeValue, max(now.Sub(t).Seconds(), 0), k.tenant, k.source)
	}
}
