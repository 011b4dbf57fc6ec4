package pull_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	_ "github.com/ccfeed/ccfeed/loaders/all"
	"github.com/ccfeed/ccfeed/loaders/pull"
	"github.com/ccfeed/ccfeed/loaders/pull/pulltest"
	"github.com/ccfeed/ccfeed/store"
)

// The tests in this file pull each real API source (LivePerson, CxEngage,
// Buzzeasy) the way `ccfeed sync` does: a sources file parsed by
// pull.ParseConfig, a pull.Runner, and the source's own Fetch and Load. Only
// the vendor is fake: an httptest server that answers the request shape and
// the paging each vendor documents, with records rendered from the templates
// in testdata/pull/<source>/ (written from the loader cases in
// testdata/<source>/). The clock is pulltest's fake, so Retry-After and
// backoff cost no wall time.
//
// The oracle for "every record loaded exactly once" is the same records
// loaded as ordinary files into a second store: every data table must hold
// the same number of rows with the same content as the pulled store.

// rec is one record a fake vendor holds.
type rec struct {
	ID string
	// At is the record's main time: the one the vendor filters windows on.
	At time.Time
	// N numbers the records of a vendor; templates derive names from it.
	N int
	// Set is the Buzzeasy table of the record ("" for the other vendors).
	Set string
	// Ref is the conversation a Buzzeasy workitem belongs to.
	Ref string
	// Raw, when set, is served as it is (Buzzeasy lookup rows).
	Raw json.RawMessage
}

// hit is one request a fake vendor received.
type hit struct {
	// At is the fake clock's time of arrival.
	At time.Time
	// Page names the page asked for (window and position); "" for a
	// request that is not a page ($metadata, a refused credential).
	Page string
	// Seq numbers the distinct pages in the order first asked for, from 1;
	// Attempt counts the requests for the same page.
	Seq, Attempt int
	// Whole marks a table read whole in every window (a Buzzeasy lookup):
	// the same page, asked for once per window.
	Whole  bool
	Status int
	// Records are the ids a 200 answer carried.
	Records []string
}

// vendor is what the fake server and the tests need to know of one source.
type vendor struct {
	kind    string
	env     string // environment variable of the credential
	secret  string
	account string
	// root is appended to the server's URL to make the endpoint.
	root    string
	options string // YAML flow mapping
	// auth is the Authorization header the vendor expects for secret.
	auth func(secret string) string
	// refused is the body of the vendor's 401.
	refused string
	// faults are the Seq of the pages answered with a 429 (Retry-After: 7)
	// and then a 503, each on its first attempt only.
	faults [2]int
	// records is what the vendor holds before the first run.
	records func(t *testing.T) []rec
	// fresh is what appears upstream between the first and second run.
	fresh func() []rec
	// page reads a request, fills h.Page, and renders the answer.
	page func(a *api, r *http.Request, h *hit) ([]byte, error)
	// files renders records as the files a person would load instead.
	files func(a *api, recs []rec) (map[string][]byte, error)
	// lands names the set each record becomes one row of.
	lands func(r rec) string
}

// api is a running fake vendor.
type api struct {
	t     *testing.T
	v     *vendor
	clock *pulltest.Clock
	srv   *httptest.Server
	tmpl  *template.Template

	mu      sync.Mutex
	recs    map[string]rec
	hits    []hit
	seq     map[string]int
	attempt map[string]int
	// fault chooses an answer other than the page (nil: none).
	fault func(h hit) *pulltest.Fault
	// onHit is called before a page is answered.
	onHit func(h hit)
}

func newAPI(t *testing.T, v *vendor, clock *pulltest.Clock) *api {
	t.Helper()
	tmpl := template.New(v.kind).Funcs(template.FuncMap{
		"lp":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000-0700") },
		"ms":    func(t time.Time) int64 { return t.UnixMilli() },
		"iso":   func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") },
		"local": func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000") },
		"plus": func(t time.Time, d string) (time.Time, error) {
			dd, err := time.ParseDuration(d)
			return t.Add(dd), err
		},
		"even": func(n int) bool { return n%2 == 0 },
		"add":  func(a, b int) int { return a + b },
		"mod":  func(a, b int) int { return a % b },
	})
	tmpl, err := tmpl.ParseGlob(filepath.Join(pullTestdata(t), v.kind, "*.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	a := &api{t: t, v: v, clock: clock, tmpl: tmpl, recs: map[string]rec{}, seq: map[string]int{}, attempt: map[string]int{}}
	for _, r := range v.records(t) {
		a.recs[r.ID] = r
	}
	a.srv = httptest.NewServer(a)
	t.Cleanup(a.srv.Close)
	return a
}

func pullTestdata(t *testing.T) string {
	return filepath.Join(feedtest.RepoRoot(t), "testdata", "pull")
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := hit{At: a.clock.Now()}
	if r.Header.Get("Authorization") != a.v.auth(a.v.secret) {
		h.Status = http.StatusUnauthorized
		a.record(h)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(h.Status)
		fmt.Fprint(w, a.v.refused)
		return
	}
	body, err := a.v.page(a, r, &h)
	if err != nil {
		a.t.Errorf("%s %s: %v", r.Method, r.URL, err)
		h.Status, h.Records = http.StatusBadRequest, nil
		a.record(h)
		http.Error(w, err.Error(), h.Status)
		return
	}
	var f *pulltest.Fault
	a.mu.Lock()
	if h.Page != "" {
		if _, ok := a.seq[h.Page]; !ok {
			a.seq[h.Page] = len(a.seq) + 1
		}
		a.attempt[h.Page]++
		h.Seq, h.Attempt = a.seq[h.Page], a.attempt[h.Page]
		if a.fault != nil {
			f = a.fault(h)
		}
	}
	hook := a.onHit
	a.mu.Unlock()
	if hook != nil && h.Page != "" {
		hook(h)
	}
	h.Status = http.StatusOK
	if f != nil {
		h.Status, h.Records = f.Status, nil
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		body = []byte(f.Body)
	}
	a.record(h)
	if f == nil && strings.HasSuffix(r.URL.Path, "/$metadata") {
		w.Header().Set("Content-Type", "application/xml")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(h.Status)
	w.Write(body)
}

// setFault sets the fault chooser (nil: none).
func (a *api) setFault(fn func(h hit) *pulltest.Fault) {
	a.mu.Lock()
	a.fault = fn
	a.mu.Unlock()
}

// setOnHit sets the hook called before a page is answered (nil: none).
func (a *api) setOnHit(fn func(h hit)) {
	a.mu.Lock()
	a.onHit = fn
	a.mu.Unlock()
}

func (a *api) record(h hit) {
	a.mu.Lock()
	a.hits = append(a.hits, h)
	a.mu.Unlock()
}

// Hits returns the requests so far.
func (a *api) Hits() []hit {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]hit(nil), a.hits...)
}

func (a *api) put(rs ...rec) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range rs {
		a.recs[r.ID] = r
	}
}

// upstream returns the records held, sorted by time then id.
func (a *api) upstream() []rec {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]rec, 0, len(a.recs))
	for _, r := range a.recs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// render is a record as the vendor sends it.
func (a *api) render(r rec) (json.RawMessage, error) {
	if r.Raw != nil {
		return r.Raw, nil
	}
	name := "conversation.json.tmpl"
	switch a.v.kind {
	case loaders.KindCxEngage:
		name = "interaction.json.tmpl"
	case loaders.KindBuzzeasy:
		name = r.Set + ".json.tmpl"
	}
	var b bytes.Buffer
	if err := a.tmpl.ExecuteTemplate(&b, name, r); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", r.ID, err)
	}
	if !json.Valid(b.Bytes()) {
		return nil, fmt.Errorf("%s renders %s as invalid JSON:\n%s", name, r.ID, b.String())
	}
	return b.Bytes(), nil
}

// renderAll is a JSON array of records as the vendor sends them.
func (a *api) renderAll(rs []rec) ([]byte, error) {
	parts := make([][]byte, len(rs))
	for i, r := range rs {
		var err error
		if parts[i], err = a.render(r); err != nil {
			return nil, err
		}
	}
	return append(append([]byte("["), bytes.Join(parts, []byte(","))...), ']'), nil
}

// spreadTimes returns n times evenly spaced in [from, to), on whole seconds.
func spreadTimes(n int, from, to time.Time) []time.Time {
	out := make([]time.Time, n)
	step := to.Sub(from) / time.Duration(n)
	for i := range out {
		out[i] = from.Add(time.Duration(i) * step).Truncate(time.Second)
	}
	return out
}

// The span the first run's records lie in: inside the 30h lookback, so the
// APIs with day-long windows are read in two windows.
var (
	recFrom = t0.Add(-29 * time.Hour)
	recTo   = t0.Add(-10 * time.Minute)
	// late are times within the two hours the second run's overlap
	// reads again.
	late = []time.Time{t0.Add(-115 * time.Minute), t0.Add(-95 * time.Minute), t0.Add(-55 * time.Minute), t0.Add(-35 * time.Minute)}
)

// times returns n times spread over the first run's span, plus late.
func times(n int, from time.Time) []time.Time {
	return append(spreadTimes(n, from, late[0]), late...)
}

// vendors are the three API sources, each a fresh value.
func vendors() []*vendor {
	return []*vendor{livePerson(), cxEngage(), buzzeasyFeed()}
}

// livePerson is the Messaging Interactions API: POST conversations/search
// with the window in the body (epoch milliseconds, both bounds included)
// and offset, limit, sort and v in the query; _metadata.count holds the
// total and _metadata.next links the next page while there is one.
func livePerson() *vendor {
	mk := func(prefix string, n0 int, ts []time.Time) []rec {
		var out []rec
		for i, at := range ts {
			out = append(out, rec{ID: fmt.Sprintf("%s-%02d", prefix, n0+i), At: at, N: n0 + i})
		}
		return out
	}
	return &vendor{
		kind: loaders.KindLivePerson, env: "ACME_LP_TOKEN", secret: "lp-T0ken-8c1f40e2a9", account: "12345678",
		options: "{limit: 5}",
		auth:    func(s string) string { return "Bearer " + s },
		refused: `{"error":"unauthorized","message":"Bearer token is invalid or expired"}`,
		faults:  [2]int{2, 4},
		records: func(*testing.T) []rec { return mk("lp-conv", 0, times(19, recFrom)) },
		fresh:   func() []rec { return mk("lp-conv", 23, []time.Time{t0.Add(3 * time.Minute), t0.Add(8 * time.Minute)}) },
		lands:   func(rec) string { return "Conversations" },
		page: func(a *api, r *http.Request, h *hit) ([]byte, error) {
			if r.Method != http.MethodPost {
				return nil, fmt.Errorf("method %s, want POST", r.Method)
			}
			if want := "/messaging_history/api/account/" + a.v.account + "/conversations/search"; r.URL.Path != want {
				return nil, fmt.Errorf("path %s, want %s", r.URL.Path, want)
			}
			q := r.URL.Query()
			offset, err1 := strconv.Atoi(q.Get("offset"))
			limit, err2 := strconv.Atoi(q.Get("limit"))
			if err1 != nil || err2 != nil || offset < 0 || limit < 1 || limit > 100 {
				return nil, fmt.Errorf("paging query %q: want offset >= 0 and limit 1..100", r.URL.RawQuery)
			}
			if q.Get("v") != "2" || q.Get("sort") != "start:asc" {
				return nil, fmt.Errorf("query %q: want v=2 and sort=start:asc", r.URL.RawQuery)
			}
			var body struct {
				Start struct{ From, To int64 } `json:"start"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Start.From == 0 || body.Start.To < body.Start.From {
				return nil, fmt.Errorf("search body: %v (%+v)", err, body)
			}
			if span := time.Duration(body.Start.To-body.Start.From) * time.Millisecond; span > 92*24*time.Hour {
				return nil, fmt.Errorf("window of %s: the API refuses more than three months", span)
			}
			h.Page = fmt.Sprintf("%d..%d offset %d", body.Start.From, body.Start.To, offset)
			var in []rec
			for _, x := range a.upstream() {
				if ms := x.At.UnixMilli(); ms >= body.Start.From && ms <= body.Start.To {
					in = append(in, x)
				}
			}
			page := in[min(offset, len(in)):min(offset+limit, len(in))]
			for _, x := range page {
				h.Records = append(h.Records, x.ID)
			}
			link := func(rel string, off int) string {
				return fmt.Sprintf(`{"rel":%q,"href":"https://va.msghist.liveperson.net/messaging_history/api/account/%s/conversations/search?offset=%d&limit=%d&sort=start:asc&v=2"}`,
					rel, a.v.account, off, limit)
			}
			meta := fmt.Sprintf(`"count":%d,"self":%s`, len(in), link("self", offset))
			if offset+limit < len(in) {
				meta += `,"next":` + link("next", offset+limit)
			}
			if offset > 0 {
				meta += `,"prev":` + link("prev", max(offset-limit, 0))
			}
			meta += `,"shardsStatusResult":{"partialResult":false}`
			list, err := a.renderAll(page)
			return fmt.Appendf(nil, `{"_metadata":{%s},"conversationHistoryRecords":%s}`, meta, list), err
		},
		files: func(a *api, recs []rec) (map[string][]byte, error) {
			list, err := a.renderAll(recs)
			return map[string][]byte{"conversations.json": fmt.Appendf(nil,
				`{"_metadata":{"count":%d},"conversationHistoryRecords":%s}`, len(recs), list)}, err
		},
	}
}

// cxEngage is the reporting API's interaction list: GET
// /v1/tenants/{tenant}/interactions with start, end, limit and offset,
// newest first, each page saying page, limit, offset and total.
func cxEngage() *vendor {
	mk := func(n0 int, ts []time.Time) []rec {
		var out []rec
		for i, at := range ts {
			out = append(out, rec{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", 101+n0+i), At: at, N: n0 + i})
		}
		return out
	}
	const layout = "2006-01-02T15:04:05.000Z"
	envelope := func(limit, offset, total int, results []byte) []byte {
		return fmt.Appendf(nil, `{"page": null, "limit": %d, "offset": %d, "tenantId": "00000000-0000-4000-8000-0000000000aa", "total": %d,
			"tenantName": "Synthetic Tenant", "tenantTimezone": "US/Eastern", "results": %s}`, limit, offset, total, results)
	}
	return &vendor{
		kind: loaders.KindCxEngage, env: "ACME_CX_KEY", secret: "apikey-3b7d:Zq9vS3cr3tPart-71", account: "00000000-0000-4000-8000-0000000000aa",
		options: "{limit: 5}",
		auth:    func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) },
		refused: `{"status":401,"error":"Unauthorized","message":"Invalid API key or secret"}`,
		faults:  [2]int{2, 4},
		records: func(*testing.T) []rec { return mk(0, times(19, recFrom)) },
		fresh:   func() []rec { return mk(23, []time.Time{t0.Add(3 * time.Minute), t0.Add(8 * time.Minute)}) },
		lands:   func(rec) string { return "Conversations" },
		page: func(a *api, r *http.Request, h *hit) ([]byte, error) {
			if r.Method != http.MethodGet {
				return nil, fmt.Errorf("method %s, want GET", r.Method)
			}
			if want := "/v1/tenants/" + a.v.account + "/interactions"; r.URL.Path != want {
				return nil, fmt.Errorf("path %s, want %s", r.URL.Path, want)
			}
			q := r.URL.Query()
			from, err1 := time.Parse(layout, q.Get("start"))
			to, err2 := time.Parse(layout, q.Get("end"))
			limit, err3 := strconv.Atoi(q.Get("limit"))
			offset, err4 := strconv.Atoi(q.Get("offset"))
			if err := errors.Join(err1, err2, err3, err4); err != nil || limit < 1 || limit > 1000 || offset < 0 || !from.Before(to) {
				return nil, fmt.Errorf("query %q: want start and end as %s, limit 1..1000 and offset (%v)", r.URL.RawQuery, layout, err)
			}
			h.Page = fmt.Sprintf("%s..%s offset %d", q.Get("start"), q.Get("end"), offset)
			var in []rec
			for _, x := range a.upstream() {
				if !x.At.Before(from) && x.At.Before(to) {
					in = append(in, x)
				}
			}
			// Newest first, as the API lists them.
			sort.SliceStable(in, func(i, j int) bool { return in[i].At.After(in[j].At) })
			page := in[min(offset, len(in)):min(offset+limit, len(in))]
			for _, x := range page {
				h.Records = append(h.Records, x.ID)
			}
			list, err := a.renderAll(page)
			return envelope(limit, offset, len(in), list), err
		},
		files: func(a *api, recs []rec) (map[string][]byte, error) {
			list, err := a.renderAll(recs)
			return map[string][]byte{"interactions.json": envelope(1000, 0, len(recs), list)}, err
		},
	}
}

// buzzeasyTime is the column of each Buzzeasy table the windows filter on,
// as the feed's $metadata (testdata/pull/buzzeasy/metadata.xml) spells it;
// lookups are read whole.
var buzzeasyTime = map[string]string{"Calls": "startedAtUTC", "Chats": "startedAtUTC", "Emails": "startedAtUTC", "Workitems": "startTimeUtc"}

// buzzeasyFeed is the Buzzeasy OData feed: $metadata, then each table with
// a $filter on its time column, paged by the server (Prefer:
// odata.maxpagesize) with an absolute @odata.nextLink carrying a
// $skiptoken.
func buzzeasyFeed() *vendor {
	mk := func(n0 int, calls, chats, emails []time.Time) []rec {
		var out []rec
		n := n0
		for _, c := range []struct {
			set, prefix string
			ts          []time.Time
		}{{"Calls", "a1b2c3d4-0000-4000-8000-", calls}, {"Chats", "b0000000-0000-4000-8000-", chats}, {"Emails", "e0000000-0000-4000-8000-", emails}} {
			for _, at := range c.ts {
				id := fmt.Sprintf("%s%012d", c.prefix, n)
				out = append(out, rec{ID: id, At: at, N: n, Set: c.set})
				if c.set == "Calls" {
					out = append(out, rec{ID: fmt.Sprintf("wi-%04d", n), At: at.Add(55 * time.Second), N: n, Set: "Workitems", Ref: id})
				}
				n++
			}
		}
		return out
	}
	return &vendor{
		kind: loaders.KindBuzzeasy, env: "ACME_BUZZEASY_TOKEN", secret: "bz-eyJhbGciOi-9d0c7e51f2", root: "/odata/",
		options: "{pagesize: 3}",
		auth:    func(s string) string { return "Bearer " + s },
		refused: `{"error":{"code":"401","message":"invalid token"}}`,
		faults:  [2]int{4, 6},
		records: func(t *testing.T) []rec {
			out := mk(0, times(4, recFrom), times(2, recFrom.Add(time.Hour)), spreadTimes(3, recFrom.Add(2*time.Hour), recTo))
			return append(out, buzzeasyLookups(t)...)
		},
		fresh: func() []rec {
			return mk(100, []time.Time{t0.Add(3 * time.Minute)}, []time.Time{t0.Add(8 * time.Minute)}, nil)
		},
		lands: func(r rec) string {
			switch r.Set {
			case "Calls", "Chats", "Emails":
				return "Conversations"
			}
			return r.Set
		},
		page: func(a *api, r *http.Request, h *hit) ([]byte, error) {
			if r.Method != http.MethodGet {
				return nil, fmt.Errorf("method %s, want GET", r.Method)
			}
			set, ok := strings.CutPrefix(r.URL.Path, "/odata/")
			if !ok {
				return nil, fmt.Errorf("path %s is outside the service root", r.URL.Path)
			}
			if set == "$metadata" {
				return os.ReadFile(filepath.Join(pullTestdata(a.t), "buzzeasy", "metadata.xml"))
			}
			_, timed := buzzeasyTime[set]
			if !timed && set != "Agents" && set != "Queues" {
				return nil, fmt.Errorf("table %s is not in $metadata", set)
			}
			if r.Header.Get("OData-MaxVersion") != "4.0" {
				return nil, fmt.Errorf("OData-MaxVersion %q", r.Header.Get("OData-MaxVersion"))
			}
			size := 1000
			if p, ok := strings.CutPrefix(r.Header.Get("Prefer"), "odata.maxpagesize="); ok {
				if n, err := strconv.Atoi(p); err == nil && n > 0 {
					size = n
				}
			}
			q := r.URL.Query()
			filter := q.Get("$filter")
			skip := 0
			if s := q.Get("$skiptoken"); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil {
					return nil, fmt.Errorf("$skiptoken %q", s)
				}
				skip = n
			}
			match := func(rec) bool { return true }
			if timed {
				// "(col ge T and col lt T) or col eq null", the column
				// spelled as $metadata spells it.
				col := buzzeasyTime[set]
				f := strings.Fields(strings.NewReplacer("(", "", ")", "").Replace(filter))
				if len(f) != 11 || f[0] != col || f[1] != "ge" || f[3] != "and" || f[4] != col || f[5] != "lt" ||
					f[7] != "or" || f[8] != col || f[9] != "eq" || f[10] != "null" {
					return nil, fmt.Errorf("%s: $filter %q, want (%s ge FROM and %[2]s lt TO) or %[2]s eq null", set, filter, col)
				}
				from, err1 := time.Parse(time.RFC3339Nano, f[2])
				to, err2 := time.Parse(time.RFC3339Nano, f[6])
				if err := errors.Join(err1, err2); err != nil {
					return nil, err
				}
				match = func(x rec) bool { return !x.At.Before(from) && x.At.Before(to) }
			} else if filter != "" {
				return nil, fmt.Errorf("lookup %s read with $filter %q; lookups are read whole", set, filter)
			}
			h.Page, h.Whole = fmt.Sprintf("%s %s skip %d", set, filter, skip), !timed
			var in []rec
			for _, x := range a.upstream() {
				if x.Set == set && match(x) {
					in = append(in, x)
				}
			}
			page := in[min(skip, len(in)):min(skip+size, len(in))]
			for _, x := range page {
				h.Records = append(h.Records, x.ID)
			}
			list, err := a.renderAll(page)
			if err != nil {
				return nil, err
			}
			base := a.srv.URL + "/odata/"
			body := fmt.Appendf(nil, `{"@odata.context":%q,"value":%s`, base+"$metadata#"+set, list)
			if skip+size < len(in) {
				next := base + set + "?"
				if filter != "" {
					next += "$filter=" + strings.ReplaceAll(url.QueryEscape(filter), "+", "%20") + "&"
				}
				next += "$skiptoken=" + strconv.Itoa(skip+size)
				body = fmt.Appendf(body, `,"@odata.nextLink":%q`, next)
			}
			return append(body, '}'), nil
		},
		files: func(a *api, recs []rec) (map[string][]byte, error) {
			out := map[string][]byte{}
			for i, set := range []string{"Agents", "Queues", "Calls", "Chats", "Emails", "Workitems"} {
				var in []rec
				for _, x := range recs {
					if x.Set == set {
						in = append(in, x)
					}
				}
				list, err := a.renderAll(in)
				if err != nil {
					return nil, err
				}
				out[fmt.Sprintf("%d-%s.json", i+1, set)] = fmt.Appendf(nil, `{"@odata.context":"https://odata.buzzeasy.example/odata/$metadata#%s","value":%s}`,
					set, list)
			}
			return out, nil
		},
	}
}

// buzzeasyLookups are the rows of testdata/pull/buzzeasy/{Agents,Queues}.json.
func buzzeasyLookups(t *testing.T) []rec {
	var out []rec
	for _, set := range []string{"Agents", "Queues"} {
		b, err := os.ReadFile(filepath.Join(pullTestdata(t), "buzzeasy", set+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var rows []json.RawMessage
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatalf("%s.json: %v", set, err)
		}
		for _, raw := range rows {
			var id struct{ ID string }
			json.Unmarshal(raw, &id)
			// Lookups are read whole whatever the window; the zero time
			// keeps them out of the time checks.
			out = append(out, rec{ID: id.ID, Set: set, Raw: raw})
		}
	}
	return out
}

// vendorFixture is a store, a fake vendor and the source pulling it.
type vendorFixture struct {
	v      *vendor
	db     *store.DB
	api    *api
	clock  *pulltest.Clock
	runner *pull.Runner
	src    *pull.Source
}

func newVendorFixture(t *testing.T, v *vendor, secret string) *vendorFixture {
	t.Helper()
	clock := pulltest.NewClock(t0)
	a := newAPI(t, v, clock)
	yml := fmt.Sprintf(`tenants:
  acme:
    sources:
      - kind: %s
        name: %s-eu
        endpoint: %s
        account: %q
        credential: {env: %s}
        lookback: 30h
        overlap: 2h
        lag: 1m
        rate: 1000/s
        options: %s
`, v.kind, v.kind, a.srv.URL+v.root, v.account, v.env, v.options)
	cfg, err := pull.ParseConfig("sources.yaml", []byte(yml), envOf(map[string]string{v.env: secret}))
	if err != nil {
		t.Fatal(err)
	}
	db := feedtest.OpenDB(t)
	return &vendorFixture{v: v, db: db, api: a, clock: clock, runner: &pull.Runner{DB: db, Clock: clock}, src: cfg.Sources[0]}
}

// sync runs the source once, as `ccfeed sync` does (RunAll).
func (f *vendorFixture) sync(ctx context.Context) pull.Report {
	return f.runner.RunAll(ctx, []*pull.Source{f.src})[0]
}

// tableSum is the row count and a hash of the content of a table.
type tableSum struct {
	Rows int
	Hash string
}

// dataTables lists the model's tables but the journal's.
func dataTables(m *edm.Model) []string {
	seen := map[string]bool{"Loads": true, "LoadRejects": true}
	var out []string
	for _, s := range m.Sets {
		if n := s.Type.Table.Name; !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// snapshot sums every data table that holds rows.
func snapshot(t *testing.T, db *store.DB) map[string]tableSum {
	t.Helper()
	r := readDB(t, db)
	out := map[string]tableSum{}
	for _, name := range dataTables(db.Model) {
		rows, err := r.Query(`SELECT * FROM "` + name + `" ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		h := sha256.New()
		n := 0
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			n++
			for i, v := range vals {
				if cols[i] == "rid" {
					continue // the store's internal row id: the order rows arrived in
				}
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%s=%T:%v\x00", cols[i], v, v)
			}
			h.Write([]byte{'\n'})
		}
		rows.Close()
		if n > 0 {
			out[name] = tableSum{Rows: n, Hash: hex.EncodeToString(h.Sum(nil))[:16]}
		}
	}
	return out
}

// oracle loads recs as files into a fresh store and sums it: what the
// pulled store must hold.
func oracle(t *testing.T, a *api, recs []rec) map[string]tableSum {
	t.Helper()
	db := feedtest.OpenDB(t)
	dir := t.TempDir()
	files, err := a.v.files(a, recs)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, res := range loaders.LoadFiles(context.Background(), db, "acme", paths, loaders.Options{Kind: a.v.kind}) {
		if res.Status != edm.LoadLoaded || res.Rejected != 0 {
			t.Fatalf("oracle file %s: %s, %d rejected: %s", res.File, res.Status, res.Rejected, res.Message)
		}
	}
	return snapshot(t, db)
}

// sameContent compares the pulled store with the oracle.
func sameContent(t *testing.T, got, want map[string]tableSum) {
	t.Helper()
	for name, w := range want {
		if g := got[name]; g != w {
			t.Errorf("%s: pulled %d rows (hash %s), files give %d (hash %s)", name, g.Rows, g.Hash, w.Rows, w.Hash)
		}
	}
	for name, g := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: pulled %d rows, files give none", name, g.Rows)
		}
	}
}

// landed counts the records of recs by the set each becomes a row of.
func landed(v *vendor, recs []rec) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		out[v.lands(r)]++
	}
	return out
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := readDB(t, db).QueryRow(`SELECT count(*) FROM "` + table + `" WHERE tenantId = 'acme'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkJournal checks that the loaded journal rows are exactly one pull row
// per page served with 200, and returns their inserted counts' sum.
func checkJournal(t *testing.T, f *vendorFixture, pages int) (inserted int64) {
	t.Helper()
	n := 0
	for i, r := range journal(t, f.db) {
		if r.Status != edm.LoadLoaded {
			continue
		}
		n++
		if r.Kind != loaders.JournalPull || r.Source != f.v.kind || !strings.HasPrefix(r.File, f.v.kind+"-eu ") {
			t.Errorf("journal row %d: %+v, want a pull row of %s naming the source", i, r, f.v.kind)
		}
		inserted += r.Inserted
	}
	if n != pages {
		t.Errorf("%d loaded journal rows, want one per page served (%d)", n, pages)
	}
	return inserted
}

func totalRows(s map[string]tableSum) (n int64) {
	for _, v := range s {
		n += int64(v.Rows)
	}
	return n
}

// served sums up hits: the pages answered 200 and how often each (to catch
// a page loaded twice), and how often each id was served.
func served(hits []hit) (n int, pages map[string]int, ids map[string]int) {
	pages, ids = map[string]int{}, map[string]int{}
	for _, h := range hits {
		if h.Status != http.StatusOK || h.Page == "" {
			continue
		}
		n++
		if !h.Whole {
			pages[h.Page]++
		}
		for _, id := range h.Records {
			ids[id]++
		}
	}
	return n, pages, ids
}

// TestSyncVendorsThrough429And503 pulls each vendor's API with a 429
// (Retry-After: 7) and a 503 in the middle of the paging: the pull waits
// what Retry-After asks, backs off after the 503, and loads every record
// exactly once, one journal row per page, the windows marked complete. A
// second run, 15 minutes later, re-reads the overlap and adds what is new
// without a duplicate row.
func TestSyncVendorsThrough429And503(t *testing.T) {
	for _, v := range vendors() {
		t.Run(v.kind, func(t *testing.T) {
			started := time.Now()
			f := newVendorFixture(t, v, v.secret)
			f.api.setFault(func(h hit) *pulltest.Fault {
				switch {
				case h.Attempt > 1:
					return nil
				case h.Seq == v.faults[0]:
					return &pulltest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7", Body: `{"error":"rate limit exceeded"}`}
				case h.Seq == v.faults[1]:
					return &pulltest.Fault{Status: http.StatusServiceUnavailable, Body: "<html><body>503 Service Unavailable</body></html>"}
				}
				return nil
			})
			rep := f.sync(context.Background())
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			hits := f.api.Hits()
			npages, pages, ids := served(hits)
			for p, n := range pages {
				if n != 1 {
					t.Errorf("page %q served %d times in one run", p, n)
				}
			}
			up := f.api.upstream()
			for _, r := range up {
				if r.Raw == nil && ids[r.ID] != 1 {
					t.Errorf("record %s served %d times, want once", r.ID, ids[r.ID])
				}
			}
			meta := len(hits) - npages - 2 // $metadata reads, one per window
			if rep.Pages != npages || rep.Retries != 2 || rep.Requests != int64(len(hits)) {
				t.Errorf("report: %d pages, %d requests, %d retries; the API served %d pages to %d requests, 2 of them refused",
					rep.Pages, rep.Requests, rep.Retries, npages, len(hits))
			}

			// The retries: the request after the 429 came at least the 7
			// seconds it asked for later, the one after the 503 after a
			// backoff of 0.5 to 1 s.
			var faulted []string
			for i, h := range hits {
				if h.Status != http.StatusTooManyRequests && h.Status != http.StatusServiceUnavailable {
					continue
				}
				faulted = append(faulted, fmt.Sprintf("%d on %q", h.Status, h.Page))
				if i+1 >= len(hits) || hits[i+1].Page != h.Page || hits[i+1].Attempt != 2 {
					t.Errorf("request %d (HTTP %d) was not retried next", i+1, h.Status)
					continue
				}
				gap := hits[i+1].At.Sub(h.At)
				if h.Status == http.StatusTooManyRequests && gap < 7*time.Second {
					t.Errorf("retry after the 429 came %s later; Retry-After asked for 7s", gap)
				}
				if h.Status == http.StatusServiceUnavailable && (gap < 500*time.Millisecond || gap > 1100*time.Millisecond) {
					t.Errorf("retry after the 503 came %s later, want a backoff of 0.5-1s", gap)
				}
			}
			if len(faulted) != 2 {
				t.Errorf("faults served: %v, want a 429 and a 503", faulted)
			}
			var slept7 bool
			for _, d := range f.clock.Sleeps() {
				slept7 = slept7 || d == 7*time.Second
			}
			if !slept7 {
				t.Errorf("sleeps %v: none is the 7s Retry-After asked for", f.clock.Sleeps())
			}

			// Every record once: the store is what loading the records as
			// files gives, and each main row is one record.
			want := oracle(t, f.api, up)
			got := snapshot(t, f.db)
			sameContent(t, got, want)
			for set, n := range landed(v, up) {
				if c := countRows(t, f.db, set); c != n {
					t.Errorf("%s: %d rows, the API served %d records", set, c, n)
				}
			}
			if ins := checkJournal(t, f, npages); ins != totalRows(got) {
				t.Errorf("the journal inserted %d rows, the store holds %d: a row was inserted twice or not counted", ins, totalRows(got))
			}
			for _, r := range journal(t, f.db) {
				if r.Status != edm.LoadLoaded {
					t.Errorf("journal row %+v: a retried page must not leave a failed row", r)
				}
			}
			st, err := f.db.PullState(context.Background(), "acme", f.src.Config.Name)
			if err != nil {
				t.Fatal(err)
			}
			doneTo := t0.Add(-time.Minute)
			if st.InProgress() || !st.DoneTo.Equal(doneTo) || !rep.DoneTo.Equal(doneTo) {
				t.Errorf("state %+v (report: complete to %s), want complete to %s", st, rep.DoneTo, doneTo)
			}
			t.Logf("first run: %d windows, %d pages, %d $metadata reads, %d requests (%d retries: %s), %d records, %d rows; fake time %s, wall %s",
				rep.Windows, rep.Pages, meta, rep.Requests, rep.Retries, strings.Join(faulted, ", "), rep.Records, totalRows(got),
				f.clock.Now().Sub(t0).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))

			// Second run: new records arrived; the overlap reads again the
			// last two hours before doneTo.
			f.api.setFault(nil)
			fresh := v.fresh()
			f.api.put(fresh...)
			before := len(hits)
			f.clock.Advance(15 * time.Minute)
			end2 := f.clock.Now().Add(-time.Minute).Truncate(time.Second)
			rep2 := f.sync(context.Background())
			if rep2.Err != nil {
				t.Fatal(rep2.Err)
			}
			hits2 := f.api.Hits()[before:]
			npages2, pages2, ids2 := served(hits2)
			for p, n := range pages2 {
				if n != 1 {
					t.Errorf("second run: page %q served %d times", p, n)
				}
			}
			var reread, inOverlap int
			for _, r := range up {
				if r.Raw == nil && !r.At.Before(doneTo.Add(-2*time.Hour)) && r.At.Before(doneTo) {
					inOverlap++
					reread += ids2[r.ID]
				}
			}
			for _, r := range fresh {
				if ids2[r.ID] != 1 {
					t.Errorf("second run: new record %s served %d times, want once", r.ID, ids2[r.ID])
				}
			}
			if inOverlap == 0 || reread != inOverlap {
				t.Errorf("second run re-read %d of the %d records of the overlap", reread, inOverlap)
			}
			want2 := oracle(t, f.api, f.api.upstream())
			got2 := snapshot(t, f.db)
			sameContent(t, got2, want2)
			if rep2.Unchanged == 0 || rep2.Inserted != totalRows(got2)-totalRows(got) {
				t.Errorf("second run: %d inserted, %d updated, %d unchanged; want the %d new rows inserted and the re-read ones unchanged",
					rep2.Inserted, rep2.Updated, rep2.Unchanged, totalRows(got2)-totalRows(got))
			}
			if ins := checkJournal(t, f, npages+npages2); ins != totalRows(got2) {
				t.Errorf("after two runs the journal inserted %d rows, the store holds %d", ins, totalRows(got2))
			}
			st, _ = f.db.PullState(context.Background(), "acme", f.src.Config.Name)
			if st.InProgress() || !st.DoneTo.Equal(end2) {
				t.Errorf("state after the second run %+v, want complete to %s", st, end2)
			}
			t.Logf("second run: %d pages, %d records read (%d of them the overlap's %d), %d inserted, %d unchanged",
				rep2.Pages, rep2.Records, reread, inOverlap, rep2.Inserted, rep2.Unchanged)
		})
	}
}

// TestSyncVendorsResumeAfterCancel cancels each vendor's pull while the API
// answers its third page: the pages before it stay, with the cursor after
// them; the next run asks for that page first, and ends with every record
// once.
func TestSyncVendorsResumeAfterCancel(t *testing.T) {
	for _, v := range vendors() {
		t.Run(v.kind, func(t *testing.T) {
			f := newVendorFixture(t, v, v.secret)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stopped hit
			f.api.setOnHit(func(h hit) {
				if h.Seq == 3 && h.Attempt == 1 {
					stopped = h
					cancel()
				}
			})
			rep := f.sync(ctx)
			if !errors.Is(rep.Err, context.Canceled) {
				t.Fatalf("err = %v, want an interruption", rep.Err)
			}
			st, err := f.db.PullState(context.Background(), "acme", f.src.Config.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !st.InProgress() || st.Pages != 2 {
				t.Fatalf("state after the cancel %+v: want the window in progress after two pages", st)
			}
			// What the two committed pages carried is stored, no more.
			var committed []rec
			byID := map[string]rec{}
			for _, r := range f.api.upstream() {
				byID[r.ID] = r
			}
			for _, h := range f.api.Hits() {
				if h.Status == http.StatusOK && h.Seq < 3 {
					for _, id := range h.Records {
						committed = append(committed, byID[id])
					}
				}
			}
			for set, n := range landed(v, committed) {
				if c := countRows(t, f.db, set); c != n {
					t.Errorf("%s: %d rows after the cancel, want the %d of the committed pages", set, c, n)
				}
			}
			j := journal(t, f.db)
			if last := j[len(j)-1]; last.Status != edm.LoadFailed || !strings.Contains(last.Message, "interrupted") || !strings.HasSuffix(last.File, "page 3") {
				t.Errorf("last journal row %+v: want page 3 failed as interrupted", last)
			}

			f.api.setOnHit(nil)
			before := len(f.api.Hits())
			f.clock.Advance(15 * time.Minute)
			rep = f.sync(context.Background())
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			hits := f.api.Hits()
			if first := hits[before]; first.Page != stopped.Page {
				t.Errorf("the second run asked first for %q, want the interrupted page %q", first.Page, stopped.Page)
			}
			if !rep.Resumed {
				t.Error("the report does not say the run resumed a window")
			}
			n, _, _ := served(hits)
			got := snapshot(t, f.db)
			sameContent(t, got, oracle(t, f.api, f.api.upstream()))
			// The interrupted page was answered, but not kept.
			if ins := checkJournal(t, f, n-1); ins != totalRows(got) {
				t.Errorf("the journal inserted %d rows, the store holds %d: a row was lost or inserted twice", ins, totalRows(got))
			}
			t.Logf("cancelled at %q after 2 pages; the resumed run loaded %d pages, %d rows in all", stopped.Page, rep.Pages, totalRows(got))
		})
	}
}

// TestSyncVendorsRefusedCredential: each vendor answering 401 ends the pull
// at its first request, without a retry, with one failed journal row that
// says the credential was refused and where it comes from; the secret is in
// no message, journal row, summary or log line, in any of its forms.
func TestSyncVendorsRefusedCredential(t *testing.T) {
	for _, v := range vendors() {
		t.Run(v.kind, func(t *testing.T) {
			wrong := "wr0ng-" + v.secret[len(v.secret)/2:]
			if v.kind == loaders.KindCxEngage {
				wrong = "apikey-3b7d:wr0ngPassw0rd-22"
			}
			f := newVendorFixture(t, v, wrong)
			rep := f.sync(context.Background())
			var ce *loaders.CredentialError
			if !errors.As(rep.Err, &ce) || ce.Status != http.StatusUnauthorized {
				t.Fatalf("err = %v, want a CredentialError for HTTP 401", rep.Err)
			}
			if hits := f.api.Hits(); len(hits) != 1 {
				t.Errorf("%d requests: a refused credential must end the pull at once", len(hits))
			}
			j := journal(t, f.db)
			if len(j) != 1 || j[0].Status != edm.LoadFailed || j[0].Kind != loaders.JournalPull || j[0].Source != v.kind {
				t.Fatalf("journal %+v: want one failed pull row", j)
			}
			for _, msg := range []string{j[0].Message, rep.Err.Error()} {
				if !strings.Contains(msg, "refused the credential") || !strings.Contains(msg, "env "+v.env) {
					t.Errorf("message %q: want it to say the credential was refused and that it comes from env %s", msg, v.env)
				}
			}
			if rows := totalRows(snapshot(t, f.db)); rows != 0 {
				t.Errorf("%d rows loaded with a refused credential", rows)
			}
			var logged bytes.Buffer
			pull.LogReport(zerolog.New(&logged), rep)
			sum := pull.Summary([]pull.Report{rep})
			forms := []string{wrong, base64.StdEncoding.EncodeToString([]byte(wrong)), url.QueryEscape(wrong)}
			if _, pass, ok := strings.Cut(wrong, ":"); ok {
				forms = append(forms, pass)
			}
			for where, text := range map[string]string{"journal": j[0].Message + " " + j[0].File, "error": rep.Err.Error(), "summary": sum, "log": logged.String()} {
				for _, form := range forms {
					if strings.Contains(text, form) {
						t.Errorf("the secret (as %q) appears in the %s: %s", form, where, text)
					}
				}
			}
			t.Logf("%s", strings.TrimSpace(sum))
		})
	}
}

// TestSyncVendorsRecordsArrivingWhilePaging: two records of the last hour
// appear upstream (reported late by the vendor) while the pull reads the
// page holding the most recent records. CxEngage lists newest first, so
// they land on a page already read and its later pages shift, repeating
// records; LivePerson and Buzzeasy add them after the page being read. A
// run may miss them, but never stores a record twice, and the next run's
// overlap picks up what the first missed: nothing is lost.
func TestSyncVendorsRecordsArrivingWhilePaging(t *testing.T) {
	for _, v := range vendors() {
		t.Run(v.kind, func(t *testing.T) {
			f := newVendorFixture(t, v, v.secret)
			recent := t0.Add(-2 * time.Hour)
			var arrived []rec
			f.api.setOnHit(func(h hit) {
				if arrived != nil {
					return
				}
				at := map[string]time.Time{}
				for _, r := range f.api.upstream() {
					at[r.ID] = r.At
				}
				for _, id := range h.Records {
					if at[id].After(recent) {
						arrived = v.fresh()
						for i := range arrived {
							arrived[i].At = t0.Add(-20*time.Minute - time.Duration(i)*time.Minute)
						}
						f.api.put(arrived...)
						return
					}
				}
			})
			rep := f.sync(context.Background())
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			if arrived == nil {
				t.Fatal("no page held a record of the last two hours")
			}
			_, _, ids := served(f.api.Hits())
			missed := 0
			for _, r := range arrived {
				if ids[r.ID] == 0 {
					missed++
				}
			}
			// Nothing twice, whatever the run read twice.
			if ins := checkJournal(t, f, rep.Pages); ins != totalRows(snapshot(t, f.db)) {
				t.Errorf("the journal inserted %d rows, the store holds %d", ins, totalRows(snapshot(t, f.db)))
			}
			f.api.setOnHit(nil)
			f.clock.Advance(15 * time.Minute)
			rep2 := f.sync(context.Background())
			if rep2.Err != nil {
				t.Fatal(rep2.Err)
			}
			got := snapshot(t, f.db)
			sameContent(t, got, oracle(t, f.api, f.api.upstream()))
			for set, n := range landed(v, f.api.upstream()) {
				if c := countRows(t, f.db, set); c != n {
					t.Errorf("%s: %d rows, %d records upstream", set, c, n)
				}
			}
			if ins := checkJournal(t, f, rep.Pages+rep2.Pages); ins != totalRows(got) {
				t.Errorf("after two runs the journal inserted %d rows, the store holds %d", ins, totalRows(got))
			}
			t.Logf("%d records arrived during the first run, which read %d records in %d pages and missed %d; the second run's overlap read %d",
				len(arrived), rep.Records, rep.Pages, missed, rep2.Records)
		})
	}
}
