package cxengage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// apiServer serves the list of interactions as the reporting API pages
// it: total interactions, most recent first, limit per page from offset.
// It checks each request and records what it saw.
type apiServer struct {
	t        *testing.T
	total    int
	wantAuth string
	from, to string
	requests []string
	status   int // when set, every response has this status
}

func (s *apiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests = append(s.requests, r.URL.RequestURI())
	if s.status != 0 {
		http.Error(w, `{"error": "no"}`, s.status)
		return
	}
	if r.URL.Path != "/v1/tenants/tenant-1/interactions" {
		s.t.Errorf("path %s", r.URL.Path)
	}
	if got := r.Header.Get("Authorization"); got != s.wantAuth {
		s.t.Errorf("Authorization %q, want %q", got, s.wantAuth)
	}
	q := r.URL.Query()
	if q.Get("start") != s.from || q.Get("end") != s.to {
		s.t.Errorf("window %s .. %s, want %s .. %s", q.Get("start"), q.Get("end"), s.from, s.to)
	}
	limit, err1 := strconv.Atoi(q.Get("limit"))
	offset, err2 := strconv.Atoi(q.Get("offset"))
	if err1 != nil || err2 != nil || limit < 1 || limit > maxLimit {
		s.t.Errorf("limit %q offset %q", q.Get("limit"), q.Get("offset"))
		http.Error(w, "bad paging", http.StatusBadRequest)
		return
	}
	var results []string
	for i := offset; i < min(offset+limit, s.total); i++ {
		results = append(results, fmt.Sprintf(`{"interactionId": "i-%03d", "startTimestamp": "2024-03-09T%02d:00:00.000Z",
			"channelType": "voice", "customer": "+1555555%04d", "dataComplete": true,
			"agents": [{"interactionAgentId": "w-%03d", "agentId": "a-1", "agentName": "Dana Smith",
				"startTimestamp": "2024-03-09T%02d:00:10.000Z"}]}`, i, 23-i%24, i, i, 23-i%24))
	}
	fmt.Fprintf(w, `{"page": null, "limit": %d, "offset": %d, "tenantId": "tenant-1", "total": %d,
		"tenantName": "Test", "tenantTimezone": "US/Eastern", "results": [%s]}`, limit, offset, s.total, strings.Join(results, ","))
}

func TestFetchWalksPages(t *testing.T) {
	w := loaders.Window{From: time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name, secret, auth string
		limit              string
		total, pages       int
	}{
		{"basic auth, pages of 2", "key:se:cret", "Basic a2V5OnNlOmNyZXQ=", "2", 5, 3},
		{"token, one short page", "tok3n", "Bearer tok3n", "", 7, 1},
		{"exact multiple", "tok3n", "Bearer tok3n", "3", 6, 2},
		{"nothing in the window", "tok3n", "Bearer tok3n", "3", 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := &apiServer{t: t, total: c.total, wantAuth: c.auth, from: "2024-03-09T00:00:00.000Z", to: "2024-03-10T00:00:00.000Z"}
			hs := httptest.NewServer(srv)
			defer hs.Close()
			cfg := &loaders.SourceConfig{Tenant: "acme", Kind: loaders.KindCxEngage, Endpoint: hs.URL + "/", Account: "tenant-1",
				Secret: c.secret, Options: map[string]string{OptionLimit: c.limit}}
			db := openDB(t)
			cursor, pages, seen := "", 0, 0
			for {
				p, err := Source{}.Fetch(context.Background(), http.DefaultClient, cfg, w, cursor)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				seen += loadBody(t, db, fmt.Sprintf("page-%d.json", pages), p.Body)
				if p.Next == "" {
					break
				}
				if pages > 10 {
					t.Fatal("paging does not end")
				}
				cursor = p.Next
			}
			if pages != c.pages || seen != c.total {
				t.Errorf("%d pages, %d interactions; want %d, %d (requests %v)", pages, seen, c.pages, c.total, srv.requests)
			}
			if n := count(t, db, "Conversations"); n != c.total {
				t.Errorf("%d conversations stored, want %d", n, c.total)
			}
			if n := count(t, db, "Agents"); c.total > 0 && n != 1 {
				t.Errorf("%d agents stored, want 1", n)
			}
		})
	}
}

// loadBody loads a fetched page with Load, as the pull framework does, and
// returns the number of interactions read.
func loadBody(t *testing.T, db *testDB, name string, body []byte) int {
	t.Helper()
	var n int64
	err := db.Load(context.Background(), func(b *loaders.Batch) error {
		if err := (Source{}).Load(context.Background(), &loaders.File{Name: name, R: bytes.NewReader(body)}, b); err != nil {
			return err
		}
		n = b.Records()
		if b.Rejected() != 0 {
			return fmt.Errorf("%d rejects", b.Rejected())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	return int(n)
}

func TestFetchRefusals(t *testing.T) {
	w := loaders.Window{From: time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name   string
		status int
		cfg    loaders.SourceConfig
		cursor string
		check  func(error) bool
	}{
		{"401 is a credential error", 401, loaders.SourceConfig{Account: "tenant-1", Secret: "s3cr3t-bad"}, "",
			func(err error) bool { var ce *loaders.CredentialError; return errors.As(err, &ce) && ce.Status == 401 }},
		{"403 is a credential error", 403, loaders.SourceConfig{Account: "tenant-1", Secret: "us3r:pa55w0rd"}, "",
			func(err error) bool { var ce *loaders.CredentialError; return errors.As(err, &ce) && ce.Status == 403 }},
		{"500 is an error with the status", 500, loaders.SourceConfig{Account: "tenant-1", Secret: "s3cr3t-t0ken"}, "",
			func(err error) bool { return strings.Contains(err.Error(), "HTTP 500") }},
		{"bad cursor", 0, loaders.SourceConfig{Account: "tenant-1", Secret: "s3cr3t-t0ken"}, "ten",
			func(err error) bool { return strings.Contains(err.Error(), "not an offset") }},
		{"no account", 0, loaders.SourceConfig{Secret: "s3cr3t-t0ken"}, "",
			func(err error) bool { return strings.Contains(err.Error(), "no tenant id") }},
		{"no secret", 0, loaders.SourceConfig{Account: "tenant-1"}, "",
			func(err error) bool { return strings.Contains(err.Error(), "no credential") }},
		{"bad limit", 0, loaders.SourceConfig{Account: "tenant-1", Secret: "s3cr3t-t0ken", Options: map[string]string{OptionLimit: "0"}}, "",
			func(err error) bool { return strings.Contains(err.Error(), "not a page size") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := &apiServer{t: t, status: c.status}
			hs := httptest.NewServer(srv)
			defer hs.Close()
			cfg := c.cfg
			cfg.Endpoint = hs.URL
			_, err := Source{}.Fetch(context.Background(), http.DefaultClient, &cfg, w, c.cursor)
			if err == nil || !c.check(err) {
				t.Errorf("got %v", err)
			}
			if strings.Contains(fmt.Sprint(err), cfg.Secret) && cfg.Secret != "" {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

func TestRequestOptions(t *testing.T) {
	w := loaders.Window{From: time.Date(2017, 12, 29, 14, 0, 0, 0, time.UTC), To: time.Date(2017, 12, 30, 0, 0, 0, 0, time.UTC)}
	cfg := &loaders.SourceConfig{Account: "t/1", Secret: "tok",
		Options: map[string]string{OptionLimit: "5000", OptionTimeParams: "startTimeRange, endTimeRange"}}
	req, limit, err := request(context.Background(), cfg, w, 2000)
	if err != nil {
		t.Fatal(err)
	}
	want := "https://api.cxengage.net/v1/tenants/t%2F1/interactions?endTimeRange=2017-12-30T00%3A00%3A00.000Z&limit=1000&offset=2000&startTimeRange=2017-12-29T14%3A00%3A00.000Z"
	if req.URL.String() != want || limit != maxLimit {
		t.Errorf("request %s (limit %d)\nwant    %s", req.URL, limit, want)
	}
	if (Source{}).MaxWindow() <= 0 {
		t.Error("no window")
	}
}

func TestNextCursor(t *testing.T) {
	for _, c := range []struct {
		body          string
		offset, limit int
		want          string
	}{
		{`{"total": 3, "results": [{}, {}]}`, 0, 2, "2"},
		{`{"total": 3, "results": [{}]}`, 2, 2, ""},
		{`{"total": 30, "results": []}`, 10, 10, ""}, // a total that overstates does not loop
		{`{"total": "25", "results": [{}, {}]}`, 20, 2, "22"},
		{`{"results": [{}, {}]}`, 0, 2, "2"}, // no total: a full page may have a next one
		{`{"results": [{}]}`, 0, 2, ""},
	} {
		got, err := nextCursor([]byte(c.body), c.offset, c.limit)
		if err != nil || got != c.want {
			t.Errorf("nextCursor(%s, %d) = %q, %v; want %q", c.body, c.offset, got, err, c.want)
		}
	}
	if _, err := nextCursor([]byte(`{"results": [`), 0, 2); err == nil {
		t.Error("invalid JSON gave a cursor")
	}
}
