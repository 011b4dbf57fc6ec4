package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	_ "github.com/ccfeed/ccfeed/loaders/all"
	"github.com/ccfeed/ccfeed/server"
)

// scrape reads /metrics with the Prometheus text parser.
type scrape map[string]*dto.MetricFamily

func parseMetrics(t *testing.T, body []byte) scrape {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%.2000s", err, body)
	}
	return fams
}

// value returns the value of the series of name whose labels include want,
// and whether there is one.
func (s scrape) value(name string, want map[string]string) (float64, bool) {
	fam := s[name]
	if fam == nil {
		return 0, false
	}
	for _, m := range fam.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if labels[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// must is value that fails the test when there is no such series.
func (s scrape) must(t *testing.T, name string, want map[string]string) float64 {
	t.Helper()
	v, ok := s.value(name, want)
	if !ok {
		t.Fatalf("no series %s%v", name, want)
	}
	return v
}

// TestMetrics scrapes /metrics as Prometheus would and checks that the
// counters move with requests and loads: requests by set, status class and
// credential kind, rows served, 429s, loads and rejects from the journal,
// the age of a source's newest data, and the database's size.
func TestMetrics(t *testing.T) {
	db := feedtest.DemoDB(t)
	f := feedtest.Start(t, db, feedtest.Options{
		Auth:   func(h *auth.HTTP) { h.Basic = true },
		Config: server.Config{Limits: server.Limits{Rate: 1000, Burst: 1000, MaxConcurrent: 100}},
	})
	admin := f.Token(t, ccfeed.ScopeAdmin, ccfeed.AllTenants)
	read := f.Token(t, ccfeed.ScopeRead, "contoso")

	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"no credential", "", http.StatusUnauthorized},
		{"read token", read, http.StatusForbidden},
		{"admin token", admin, http.StatusOK},
	} {
		if r := get(t, f, f.Base+"/metrics", tc.token); r.Status != tc.want {
			t.Errorf("/metrics with %s: %d, want %d", tc.name, r.Status, tc.want)
		}
	}
	before := parseMetrics(t, get(t, f, f.Base+"/metrics", admin).Body)
	bearer := map[string]string{"set": "Conversations", "status": "2xx", "credential": "bearer"}
	n0, _ := before.value("ccfeed_http_requests_total", bearer)
	rows0, _ := before.value("ccfeed_http_response_rows_total", map[string]string{"set": "Conversations"})

	for i := 0; i < 3; i++ {
		get(t, f, f.URL+"Conversations?$top=4", read).mustStatus(t, http.StatusOK, "Conversations")
	}
	get(t, f, f.URL+"Conversations?$top=4", "", "Authorization", authBasic("pbi", read)).mustStatus(t, http.StatusOK, "Basic")
	get(t, f, f.URL+"Conversations?$filter=nope", read).mustStatus(t, http.StatusBadRequest, "bad filter")

	// A file with known rejects, loaded beside the server as ccfeed load
	// would: the journal series show it at the next scrape.
	res := loaders.LoadFile(context.Background(), db, "acme", filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "rejects", "report.csv"), loaders.Options{})
	if res.Status != edm.LoadLoaded || res.Rejected == 0 {
		t.Fatalf("load: %+v", res)
	}

	after := parseMetrics(t, get(t, f, f.Base+"/metrics", admin).Body)
	if n := after.must(t, "ccfeed_http_requests_total", bearer); n-n0 != 3 {
		t.Errorf("bearer requests to Conversations moved by %v, want 3", n-n0)
	}
	if n := after.must(t, "ccfeed_http_requests_total", map[string]string{"set": "Conversations", "status": "2xx", "credential": "basic"}); n != 1 {
		t.Errorf("basic requests: %v, want 1", n)
	}
	// A request refused before its set is known counts under its route.
	if n := after.must(t, "ccfeed_http_requests_total", map[string]string{"set": "/odata/{resource}", "status": "4xx", "credential": "bearer"}); n != 1 {
		t.Errorf("4xx requests: %v, want 1", n)
	}
	if n := after.must(t, "ccfeed_http_response_rows_total", map[string]string{"set": "Conversations"}); n-rows0 != 16 {
		t.Errorf("rows served moved by %v, want 16", n-rows0)
	}
	if n := after.must(t, "ccfeed_http_request_duration_seconds", map[string]string{"set": "Conversations"}); n < 4 {
		t.Errorf("latency observations: %v, want at least 4", n)
	}
	acme := map[string]string{"tenant": "acme", "source": "twoway", "kind": "file"}
	if n := after.must(t, "ccfeed_loads_total", map[string]string{"tenant": "acme", "source": "twoway", "kind": "file", "outcome": "loaded"}); n != 1 {
		t.Errorf("acme loads: %v, want 1", n)
	}
	if n := after.must(t, "ccfeed_load_rejected_total", acme); n != float64(res.Rejected) {
		t.Errorf("acme rejected: %v, want %d", n, res.Rejected)
	}
	if n := after.must(t, "ccfeed_load_records_total", acme); n != float64(res.Records) {
		t.Errorf("acme records: %v, want %d", n, res.Records)
	}
	if age := after.must(t, "ccfeed_data_age_seconds", map[string]string{"tenant": "acme", "source": "twoway"}); age < 0 || age > 120 {
		t.Errorf("age of acme's newest data: %v s", age)
	}
	for _, src := range []string{"twoway", "ino", "cxengage", "liveperson", "buzzeasy"} {
		if _, ok := after.value("ccfeed_data_age_seconds", map[string]string{"tenant": "contoso", "source": src}); !ok {
			t.Errorf("no data age for contoso/%s", src)
		}
	}
	if n := after.must(t, "ccfeed_database_bytes", nil); n <= 0 {
		t.Errorf("database bytes %v", n)
	}
	after.must(t, "ccfeed_wal_bytes", nil)
	after.must(t, "ccfeed_search_index_pending_rows", nil)
	if up := after.must(t, "ccfeed_journal_up", nil); up != 1 {
		t.Errorf("journal_up %v", up)
	}
	// Labels name sets, routes, tenants and sources; never a subject or a
	// token.
	body := get(t, f, f.Base+"/metrics", admin).Body
	if bytes.Contains(body, []byte("token:")) || bytes.Contains(body, []byte(read[:20])) {
		t.Error("/metrics holds a token or a subject")
	}
}

// 429s are counted by credential kind.
func TestMetricsThrottled(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{
		Config: server.Config{Limits: server.Limits{Rate: 0.001, Burst: 2, MaxConcurrent: 4}},
	})
	read := f.Token(t, ccfeed.ScopeRead, "contoso")
	limited := 0
	for i := 0; i < 4; i++ {
		if get(t, f, f.URL+"Queues?$top=1", read).Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("no request was limited")
	}
	// The scrape itself is throttled for this token's own budget only:
	// the admin token has its own.
	admin := f.Token(t, ccfeed.ScopeAdmin, ccfeed.AllTenants)
	s := parseMetrics(t, get(t, f, f.Base+"/metrics", admin).Body)
	if n := s.must(t, "ccfeed_http_throttled_total", map[string]string{"credential": "bearer"}); n != float64(limited) {
		t.Errorf("throttled %v, want %d", n, limited)
	}
}

// With MetricsElsewhere, the main address does not serve /metrics (even to
// an admin) and MetricsHandler serves it without a credential.
func TestMetricsElsewhere(t *testing.T) {
	f := feedtest.Start(t, feedtest.OpenDB(t), feedtest.Options{Config: server.Config{MetricsElsewhere: true}})
	admin := f.Token(t, ccfeed.ScopeAdmin, ccfeed.AllTenants)
	if r := get(t, f, f.Base+"/metrics", admin); r.Status != http.StatusNotFound {
		t.Errorf("/metrics on the main address: %d, want 404", r.Status)
	}
	srv := server.New(server.Config{MetricsElsewhere: true}, edm.Default(), f.DB, &auth.HTTP{}, zerolog.Nop())
	ts := httptest.NewServer(srv.MetricsHandler())
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	body := feedtest.Body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics address: %d", resp.StatusCode)
	}
	parseMetrics(t, body).must(t, "ccfeed_database_bytes", nil)
}
