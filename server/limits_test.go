package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/query"
	"github.com/ccfeed/ccfeed/server"
	"github.com/ccfeed/ccfeed/store"
)

// wholeSeconds is what Retry-After must be: Power Query honours it only as
// an integer number of seconds.
var wholeSeconds = regexp.MustCompile(`^[1-9][0-9]*$`)

// check429 asserts a 429 with a whole-seconds Retry-After no larger than
// maxWait, and the OData error body.
func check429(t *testing.T, r *reply, maxWait int, what string) {
	t.Helper()
	r.mustStatus(t, http.StatusTooManyRequests, what)
	ra := r.Header.Get("Retry-After")
	if !wholeSeconds.MatchString(ra) {
		t.Errorf("%s: Retry-After %q, want whole seconds", what, ra)
	} else if n, _ := strconv.Atoi(ra); n > maxWait {
		t.Errorf("%s: Retry-After %d, want at most %d", what, n, maxWait)
	}
	if e := checkErrorBody(t, r, what); e.Error.Code != ccfeed.ETOOMANY {
		t.Errorf("%s: code %s", what, e.Error.Code)
	}
	if challenges(r) != "" {
		t.Errorf("%s: a 429 carries a challenge: the credential is fine", what)
	}
}

// TestRateLimitLive exhausts one credential's burst: the next request gets
// 429 with Retry-After, whichever way the token is sent, while another
// credential with the same rights is not slowed down.
func TestRateLimitLive(t *testing.T) {
	// One request per 5 s after a burst of 3: the test finishes long
	// before a token refills, so the counts are exact.
	f := feedtest.Start(t, feedtest.OpenDB(t), feedtest.Options{
		Config: server.Config{Limits: server.Limits{Rate: 0.2, Burst: 3, MaxConcurrent: 10}},
		Auth:   func(h *auth.HTTP) { h.Basic, h.KeyParam = true, "access_token" },
	})
	a := f.Token(t, ccfeed.ScopeRead, "contoso")
	b := f.Token(t, ccfeed.ScopeRead, "contoso")
	for i := range 3 {
		get(t, f, f.URL+"Conversations?$top=1", a).mustStatus(t, http.StatusOK, "A within the burst "+strconv.Itoa(i))
	}
	check429(t, get(t, f, f.URL+"Conversations?$top=1", a), 5, "A past the burst (bearer)")
	check429(t, get(t, f, f.URL+"Conversations?$top=1", "", "Authorization", authBasic("u", a)), 5, "A past the burst (basic)")
	check429(t, get(t, f, f.URL+"Conversations?$top=1&access_token="+url.QueryEscape(a), ""), 5, "A past the burst (query key)")
	check429(t, get(t, f, f.URL+"$metadata", a), 5, "A past the burst ($metadata)")
	for i := range 3 {
		get(t, f, f.URL+"Conversations?$top=1", b).mustStatus(t, http.StatusOK, "B unaffected "+strconv.Itoa(i))
	}
	// Refused credentials are not charged to anyone's bucket.
	get(t, f, f.URL+"Conversations", "not-a-token").mustStatus(t, http.StatusUnauthorized, "bad token")
}

// gateStore holds the first ReadPage of one subject until released, so a
// test can have a request in progress for as long as it likes.
type gateStore struct {
	*store.DB
	subject string
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gateStore) ReadPage(ctx context.Context, p *ccfeed.Principal, plan *query.Plan, lay *query.Layout, page query.Page, emit query.RowFunc) (bool, error) {
	if p != nil && p.Subject == g.subject {
		first := false
		g.once.Do(func() { first = true })
		if first {
			close(g.entered)
			<-g.release
		}
	}
	return g.DB.ReadPage(ctx, p, plan, lay, page, emit)
}

// TestConcurrencyCapLive holds one request of credential A in progress with
// a cap of one: A's next request is refused with 429 and Retry-After 1, B
// is served, and once A's request ends A is served again. Requests that
// fail (400) release their slot too.
func TestConcurrencyCapLive(t *testing.T) {
	db := feedtest.DemoDB(t)
	probe := feedtest.Start(t, db, feedtest.Options{})
	a, jti := probe.MintToken(t, ccfeed.ScopeRead, nil, "contoso")
	b := probe.Token(t, ccfeed.ScopeRead, "contoso")
	g := &gateStore{DB: db, subject: "token:" + jti, entered: make(chan struct{}), release: make(chan struct{})}
	f := feedtest.Start(t, db, feedtest.Options{
		Config: server.Config{Limits: server.Limits{Rate: 1000, Burst: 1000, MaxConcurrent: 1}},
		Store:  func(server.Store) server.Store { return g },
	})
	done := make(chan *reply, 1)
	go func() {
		resp, err := f.Client.Do(mustRequest(t, f.URL+"Agents?$top=2", a))
		if err != nil {
			done <- &reply{Status: -1}
			return
		}
		done <- readReply(t, resp)
	}()
	<-g.entered
	check429(t, get(t, f, f.URL+"Agents?$top=1", a), 1, "A's second request while one is in progress")
	if r := get(t, f, f.URL+"Agents?$top=1", a); r.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q for the concurrency cap, want 1", r.Header.Get("Retry-After"))
	}
	get(t, f, f.URL+"Agents?$top=1", b).mustStatus(t, http.StatusOK, "B while A is capped")
	close(g.release)
	(<-done).mustStatus(t, http.StatusOK, "A's held request")
	for range 3 {
		get(t, f, f.URL+"Agents?$filter=nosuch%20eq%201", a).mustStatus(t, http.StatusBadRequest, "A's failing request")
	}
	get(t, f, f.URL+"Agents?$top=1", a).mustStatus(t, http.StatusOK, "A after its requests ended")
}

func mustRequest(t *testing.T, u, token string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Error(err)
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// TestFloodDoesNotThrottleOthers floods the feed with one credential from
// many goroutines while another credential makes its requests: the flood
// gets 429s, the other credential none.
func TestFloodDoesNotThrottleOthers(t *testing.T) {
	f := feedtest.Start(t, feedtest.OpenDB(t), feedtest.Options{
		Config: server.Config{Limits: server.Limits{Rate: 1, Burst: 10, MaxConcurrent: 2}},
	})
	flood := f.Token(t, ccfeed.ScopeRead, "contoso")
	calm := f.Token(t, ccfeed.ScopeRead, "contoso")
	start := time.Now()
	var ok, limited, other atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := f.Client.Do(mustRequest(t, f.URL+"Conversations?$top=1", flood))
				if err != nil {
					other.Add(1)
					continue
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusTooManyRequests:
					limited.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	// The calm credential's ten requests fit its own burst, whatever the
	// flood does meanwhile.
	for i := range 10 {
		get(t, f, f.URL+"Conversations?$top=1", calm).mustStatus(t, http.StatusOK, "calm credential "+strconv.Itoa(i))
	}
	close(stop)
	wg.Wait()
	if limited.Load() == 0 || other.Load() != 0 {
		t.Errorf("flood: %d ok, %d limited, %d other; want some limited and nothing else", ok.Load(), limited.Load(), other.Load())
	}
	// The burst, plus one per second of refill.
	if most := 10 + int64(time.Since(start).Seconds()) + 1; ok.Load() > most {
		t.Errorf("flood: %d requests served, more than the burst and refill allow (%d)", ok.Load(), most)
	}
}
