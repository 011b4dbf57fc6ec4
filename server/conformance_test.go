package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/query"
)

// The OASIS ABNF test cases, sent to a running feed. The query package's
// conformance test checks the parser against them; this one checks the
// whole server: every case that is a URL or a URL part becomes a request,
// and
//
//   - no request is answered 500 (or panics),
//   - every error is a well-formed OData error body,
//   - every request that binds to this feed's model is answered 200 (or,
//     for a key that names nothing, 404/204).
//
// Most cases name the fake model of the test suite (Products, Customers),
// so they answer 404 or 400; they still prove the server survives them.

type conformanceCase struct {
	Name   string `yaml:"Name"`
	Rule   string `yaml:"Rule"`
	Input  string `yaml:"Input"`
	FailAt *int   `yaml:"FailAt"`
}

func loadConformance(t testing.TB) []conformanceCase {
	dir := filepath.Join(feedtest.Shared(t), "conformance", "odata-abnf")
	var all []conformanceCase
	for _, f := range []string{"odata-abnf-testcases.yaml", "odata-aggregation-testcases.yaml", "odata-temporal-testcases.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("conformance cases: %v", err)
		}
		var doc struct {
			TestCases []conformanceCase `yaml:"TestCases"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all = append(all, doc.TestCases...)
	}
	return all
}

// requestFor turns a case into a path and raw query under /odata/, or ok
// false for rules that are not URL parts (headers, payload values).
func requestFor(c conformanceCase) (path, rawQuery string, ok bool) {
	in := c.Input
	switch strings.ToLower(c.Rule) {
	case "queryoptions", "systemqueryoption", "customqueryoption":
		return "Conversations", in, true
	case "filter", "orderby", "select", "expand", "search", "compute", "skiptoken":
		return "Conversations", "$" + strings.ToLower(c.Rule) + "=" + in, true
	case "boolcommonexpr", "commonexpr", "firstmemberexpr":
		return "Conversations", "$filter=" + in, true
	case "searchexpr":
		return "Messages", "$search=" + in, true
	case "resourcepath", "entitysetname":
		return in, "", true
	case "odatarelativeuri":
		p, q, _ := strings.Cut(in, "?")
		return p, q, true
	}
	return "", "", false
}

// serve sends one request in process, with a raw path and query exactly as
// written (a client library would refuse or re-encode many of them).
func serve(h http.Handler, token, path, rawQuery string) (rec *httptest.ResponseRecorder, panicked any) {
	defer func() { panicked = recover() }()
	u := &url.URL{Scheme: "http", Host: "127.0.0.1", Path: "/odata/" + path, RawPath: "/odata/" + path, RawQuery: rawQuery}
	if p, err := url.PathUnescape("/odata/" + path); err == nil {
		u.Path = p
	}
	req := &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}, Host: "127.0.0.1",
		RemoteAddr: "127.0.0.1:1234", RequestURI: u.RequestURI(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	req.Header.Set("Authorization", "Bearer "+token)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec, nil
}

// bindsToModel reports whether the request parses and binds against the
// feed's model, which obliges the server to answer it.
func bindsToModel(path, rawQuery string) bool {
	p, err := query.ParsePath(path)
	if err != nil {
		return false
	}
	q, err := query.ParseQuery(rawQuery)
	if err != nil {
		return false
	}
	_, err = query.Bind(edm.Default(), p, q, time.Now())
	return err == nil
}

func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder, panicked any) {
	t.Helper()
	if panicked != nil {
		t.Fatalf("%s: panic: %v", what, panicked)
	}
	if rec.Code >= 500 && rec.Code != http.StatusNotImplemented {
		t.Fatalf("%s: status %d: %.400s", what, rec.Code, rec.Body.Bytes())
	}
	if rec.Code >= 400 {
		var e struct {
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == nil || e.Error.Message == "" {
			t.Fatalf("%s: status %d without an OData error body: %.400s", what, rec.Code, rec.Body.Bytes())
		}
	}
}

func TestConformanceCasesAgainstServer(t *testing.T) {
	cases := loadConformance(t)
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	statuses := map[int]int{}
	bound, boundOK := 0, 0
	var notURL int
	for i, c := range cases {
		path, raw, ok := requestFor(c)
		if !ok {
			notURL++
			continue
		}
		what := fmt.Sprintf("case %d %q (%s) as /odata/%s?%s", i, c.Name, c.Rule, path, raw)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			rec, panicked := serve(f.Handler, tok, path, raw)
			checkAnswer(t, what, rec, panicked)
			statuses[rec.Code]++
			if c.FailAt == nil && bindsToModel(path, raw) {
				bound++
				switch {
				case rec.Code == http.StatusOK, rec.Code == http.StatusNoContent, rec.Code == http.StatusNotFound:
					boundOK++
				case strings.Contains(raw, "$format=") && rec.Code == http.StatusNotAcceptable,
					strings.Contains(raw, "$skiptoken=") && rec.Code == http.StatusBadRequest:
					// Negotiation and the paging token are judged after
					// binding: a media type this feed does not write, a
					// token it did not issue.
					boundOK++
				default:
					t.Errorf("%s binds to the model but was answered %d: %.400s", what, rec.Code, rec.Body.Bytes())
				}
			}
		})
	}
	var codes []string
	for c, n := range statuses {
		codes = append(codes, fmt.Sprintf("%d×%d", n, c))
	}
	sort.Strings(codes)
	t.Logf("%d cases sent (%d not URL parts); answers: %s; %d bind to this model, %d of them answered",
		len(cases)-notURL, notURL, strings.Join(codes, " "), bound, boundOK)
	if bound == 0 {
		t.Fatal("no case binds to the model: the check of 200 answers proves nothing")
	}
}

// FuzzRequests sends arbitrary query strings and paths; the seeds are the
// conformance inputs. The server must answer without 500 or panic.
func FuzzRequests(f *testing.F) {
	for _, c := range loadConformance(f) {
		if path, raw, ok := requestFor(c); ok {
			f.Add(path, raw)
		}
	}
	f.Add("Conversations", "$apply=groupby((channelId),aggregate($count as n))/filter(n gt 1)")
	f.Add("Conversations", "$expand=Messages($expand=Conversation($select=id);$top=1)&$search=refund")
	f.Add("Messages", "$search=NOT (a OR \"b c\")&$count=true")
	feed := feedtest.Start(f, feedtest.DemoDB(f), feedtest.Options{})
	tok := feed.Token(f, ccfeed.ScopeRead, "contoso")
	f.Fuzz(func(t *testing.T, path, raw string) {
		if strings.ContainsAny(path, "?#") {
			return
		}
		rec, panicked := serve(feed.Handler, tok, path, raw)
		checkAnswer(t, fmt.Sprintf("/odata/%s?%s", path, raw), rec, panicked)
	})
}
