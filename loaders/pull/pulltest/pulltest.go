// Package pulltest is a fake pullable source for tests of the pull
// framework: a loaders.API of kind "pulltest" with a tiny JSON page format,
// an HTTP server that serves it with offset paging and injected faults, and
// a fake clock. Only tests import it; the kind is registered by Register.
package pulltest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// Kind is the registered kind of the fake source.
const Kind = "pulltest"

// MaxWindow is the fake API's longest window.
const MaxWindow = 24 * time.Hour

// Record is one record the fake API serves; it is loaded as a CapturedData
// row whose sourceId is ID and value Value.
type Record struct {
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	Value string    `json:"value"`
}

// page is the fake API's response body.
type page struct {
	Records []Record `json:"records"`
	Next    string   `json:"next,omitempty"`
}

// Source is the fake source.
type Source struct {
	mu     sync.Mutex
	onLoad func(ctx context.Context, records int) error
}

var (
	once sync.Once
	src  = &Source{}
)

// Register registers the fake source (once) and returns it.
func Register() *Source {
	once.Do(func() { loaders.Register(src) })
	return src
}

// OnLoad sets a hook called inside the load transaction of each page after
// its rows are written; an error it returns fails the page. nil removes it.
func (s *Source) OnLoad(fn func(ctx context.Context, records int) error) {
	s.mu.Lock()
	s.onLoad = fn
	s.mu.Unlock()
}

// Kind is "pulltest".
func (s *Source) Kind() string { return Kind }

// Sniff recognises no file: the fake source is pulled only.
func (s *Source) Sniff(string, []byte) bool { return false }

// MaxWindow is a day.
func (s *Source) MaxWindow() time.Duration { return MaxWindow }

// Load writes one CapturedData row per record.
func (s *Source) Load(ctx context.Context, f *loaders.File, b *loaders.Batch) error {
	var p page
	if err := json.NewDecoder(f.R).Decode(&p); err != nil {
		return &loaders.FileError{File: f.Name, Msg: "not a pulltest page: " + err.Error()}
	}
	for _, r := range p.Records {
		b.Read()
		row := b.Row("CapturedData", r.ID).Set("category", Kind).Set("name", "value").
			Set("value", r.Value).Set("valueType", "string").Set("timestampUTC", r.At)
		if err := b.Put(row); err != nil {
			return err
		}
	}
	s.mu.Lock()
	hook := s.onLoad
	s.mu.Unlock()
	if hook != nil {
		return hook(ctx, len(p.Records))
	}
	return nil
}

// Fetch asks GET {endpoint}/records for a page of w: the cursor is the
// offset, the page size the "pageSize" option (default 10).
func (s *Source) Fetch(ctx context.Context, h loaders.Doer, cfg *loaders.SourceConfig, w loaders.Window, cursor string) (loaders.Page, error) {
	q := url.Values{}
	q.Set("account", cfg.Account)
	q.Set("from", w.From.UTC().Format(time.RFC3339Nano))
	q.Set("to", w.To.UTC().Format(time.RFC3339Nano))
	q.Set("offset", "0")
	if cursor != "" {
		q.Set("offset", cursor)
	}
	q.Set("limit", "10")
	if n := cfg.Options["pageSize"]; n != "" {
		q.Set("limit", n)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Endpoint+"/records?"+q.Encode(), nil)
	if err != nil {
		return loaders.Page{}, err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.Secret)
	resp, err := h.Do(req)
	if err != nil {
		return loaders.Page{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return loaders.Page{}, err
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		return loaders.Page{}, fmt.Errorf("pulltest: bad page: %w", err)
	}
	return loaders.Page{Body: body, Next: p.Next}, nil
}

// Request is one request the server received.
type Request struct {
	// N numbers requests from 1.
	N int
	// At is the clock's time when it arrived.
	At       time.Time
	From, To time.Time
	Offset   int
	Limit    int
	Auth     string
	// Status is what the server answered.
	Status int
}

// Fault is an answer the server gives instead of a page.
type Fault struct {
	Status     int
	RetryAfter string
	Body       string
}

// Server is the fake API.
type Server struct {
	*httptest.Server
	// Secret is the bearer token it accepts.
	Secret string
	clock  interface{ Now() time.Time }

	mu       sync.Mutex
	records  map[string]Record
	requests []Request
	fault    func(Request) *Fault
	hook     func(Request)
}

// NewServer serves records, accepting secret, timing requests by clock.
func NewServer(t testing.TB, secret string, clock interface{ Now() time.Time }, records []Record) *Server {
	s := &Server{Secret: secret, clock: clock, records: map[string]Record{}}
	for _, r := range records {
		s.records[r.ID] = r
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Put adds or changes a record upstream.
func (s *Server) Put(r Record) {
	s.mu.Lock()
	s.records[r.ID] = r
	s.mu.Unlock()
}

// Records returns the records served, by id.
func (s *Server) Records() map[string]Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Record, len(s.records))
	for k, v := range s.records {
		out[k] = v
	}
	return out
}

// SetFault makes the server answer fn's fault when it returns one.
func (s *Server) SetFault(fn func(Request) *Fault) {
	s.mu.Lock()
	s.fault = fn
	s.mu.Unlock()
}

// OnRequest calls fn for each request before it is answered.
func (s *Server) OnRequest(fn func(Request)) {
	s.mu.Lock()
	s.hook = fn
	s.mu.Unlock()
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests forgets the requests received.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := Request{At: s.clock.Now(), Auth: r.Header.Get("Authorization")}
	req.From, _ = time.Parse(time.RFC3339Nano, q.Get("from"))
	req.To, _ = time.Parse(time.RFC3339Nano, q.Get("to"))
	req.Offset, _ = strconv.Atoi(q.Get("offset"))
	req.Limit, _ = strconv.Atoi(q.Get("limit"))
	s.mu.Lock()
	req.N = len(s.requests) + 1
	fault, hook := s.fault, s.hook
	s.mu.Unlock()
	var f *Fault
	if fault != nil && req.Auth == "Bearer "+s.Secret {
		f = fault(req)
	}
	status, body := s.answer(req, f)
	req.Status = status
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	if hook != nil {
		hook(req)
	}
	w.Header().Set("Content-Type", "application/json")
	if f != nil && f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	w.WriteHeader(status)
	w.Write(body)
}

func (s *Server) answer(req Request, f *Fault) (int, []byte) {
	if req.Auth != "Bearer "+s.Secret {
		return http.StatusUnauthorized, []byte(`{"error":"invalid token"}`)
	}
	if f != nil {
		return f.Status, []byte(f.Body)
	}
	if req.From.IsZero() || req.To.IsZero() || req.Limit <= 0 {
		return http.StatusBadRequest, []byte(`{"error":"from, to and limit are required"}`)
	}
	s.mu.Lock()
	var in []Record
	for _, r := range s.records {
		if !r.At.Before(req.From) && r.At.Before(req.To) {
			in = append(in, r)
		}
	}
	s.mu.Unlock()
	sort.Slice(in, func(i, j int) bool {
		if !in[i].At.Equal(in[j].At) {
			return in[i].At.Before(in[j].At)
		}
		return in[i].ID < in[j].ID
	})
	var p page
	if req.Offset < len(in) {
		p.Records = in[req.Offset:min(req.Offset+req.Limit, len(in))]
	}
	if req.Offset+req.Limit < len(in) {
		p.Next = strconv.Itoa(req.Offset + req.Limit)
	}
	if p.Records == nil {
		p.Records = []Record{}
	}
	b, _ := json.Marshal(p)
	return http.StatusOK, b
}

// Clock is a fake clock: Sleep returns at once, moving the time forward.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewClock starts a fake clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now is the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and moves the time forward by d.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(max(d, 0))
	return nil
}

// Advance moves the time forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Sleeps returns the waits asked for so far.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
