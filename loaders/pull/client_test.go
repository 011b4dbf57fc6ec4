package pull_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/pull"
	"github.com/ccfeed/ccfeed/loaders/pull/pulltest"
)

// answer is one scripted response.
type answer struct {
	status     int
	retryAfter string
	body       string
}

// scripted serves the answers in order (200 "ok" once they run out) and
// records each request's body.
func scripted(t *testing.T, answers ...answer) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		n := len(bodies)
		bodies = append(bodies, string(b))
		mu.Unlock()
		a := answer{status: 200, body: "ok"}
		if n < len(answers) {
			a = answers[n]
		}
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return srv, &bodies
}

func testClient(clock pull.Clock) *pull.Client {
	return &pull.Client{Attempts: 4, Timeout: 5 * time.Second, Clock: clock, Jitter: func() float64 { return 0.5 }}
}

// TestClientRetryPolicy: which statuses are retried, how long the client
// waits, and what it returns when it gives up.
func TestClientRetryPolicy(t *testing.T) {
	date := t0.Add(90 * time.Second).Format(http.TimeFormat)
	for _, tc := range []struct {
		name     string
		answers  []answer
		requests int
		sleeps   []time.Duration // waits between attempts (1s base, jitter fixed at half)
		err      string          // "" for success
		cred     bool
	}{
		{"ok", nil, 1, nil, "", false},
		{"429 then ok", []answer{{429, "", ""}}, 2, []time.Duration{750 * time.Millisecond}, "", false},
		{"retry-after seconds", []answer{{429, "7", ""}}, 2, []time.Duration{7 * time.Second}, "", false},
		{"retry-after date", []answer{{503, date, ""}}, 2, []time.Duration{90 * time.Second}, "", false},
		{"retry-after zero", []answer{{503, "0", ""}}, 2, []time.Duration{time.Nanosecond}, "", false},
		{"5xx backoff doubles", []answer{{500, "", ""}, {502, "", ""}, {504, "", ""}}, 4,
			[]time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second}, "", false},
		{"gives up after attempts", []answer{{503, "", "down"}, {503, "", "down"}, {503, "", "down"}, {503, "", "still down"}}, 4,
			[]time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second}, "HTTP 503 Service Unavailable after 4 attempts: still down", false},
		{"retry-after too long", []answer{{429, "3600", ""}}, 1, nil, "asks to wait 1h0m0s", false},
		{"401 not retried", []answer{{401, "", "nope"}}, 1, nil, "refused the credential", true},
		{"403 not retried", []answer{{403, "", ""}}, 1, nil, "refused the credential", true},
		{"404 not retried", []answer{{404, "", "no such thing"}}, 1, nil, "HTTP 404 Not Found: no such thing", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, bodies := scripted(t, tc.answers...)
			clock := pulltest.NewClock(t0)
			c := testClient(clock)
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x?key=hidden", nil)
			resp, err := c.Do(req)
			if len(*bodies) != tc.requests {
				t.Errorf("%d requests, want %d", len(*bodies), tc.requests)
			}
			if got := clock.Sleeps(); !equalDurations(got, tc.sleeps) {
				t.Errorf("sleeps %v, want %v", got, tc.sleeps)
			}
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				if string(b) != "ok" {
					t.Errorf("body %q", b)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			var ce *loaders.CredentialError
			if errors.As(err, &ce) != tc.cred {
				t.Errorf("CredentialError: %v, want %v", errors.As(err, &ce), tc.cred)
			}
			if strings.Contains(err.Error(), "hidden") {
				t.Errorf("error %q shows the query string", err)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestClientRebuildsRequests: a retried request is sent again whole, its
// body included, also when the body cannot be re-read by itself.
func TestClientRebuildsRequests(t *testing.T) {
	for _, tc := range []struct {
		name string
		body func() io.Reader
	}{
		{"GetBody", func() io.Reader { return strings.NewReader(`{"q":1}`) }},
		{"one-shot reader", func() io.Reader { return io.MultiReader(strings.NewReader(`{"q":1}`)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, bodies := scripted(t, answer{status: 503}, answer{status: 429})
			c := testClient(pulltest.NewClock(t0))
			req, _ := http.NewRequest(http.MethodPost, srv.URL, tc.body())
			if _, err := c.Do(req); err != nil {
				t.Fatal(err)
			}
			if len(*bodies) != 3 {
				t.Fatalf("%d requests, want 3", len(*bodies))
			}
			for i, b := range *bodies {
				if b != `{"q":1}` {
					t.Errorf("attempt %d sent body %q", i+1, b)
				}
			}
		})
	}
}

// TestClientTimeout: an attempt that gets no answer within Timeout is
// abandoned and retried.
func TestClientTimeout(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := &pull.Client{Attempts: 3, Timeout: 100 * time.Millisecond, BaseDelay: time.Millisecond}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "ok" || n != 2 {
		t.Errorf("body %q after %d requests, want ok after 2", b, n)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s: the timeout was not applied", d)
	}
}

// TestClientStopsOnCancel: a cancelled context ends the wait for a retry.
func TestClientStopsOnCancel(t *testing.T) {
	srv, bodies := scripted(t, answer{status: 503, retryAfter: "600"})
	ctx, cancel := context.WithCancel(context.Background())
	c := &pull.Client{Attempts: 3}
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	start := time.Now()
	if _, err := c.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 5*time.Second || len(*bodies) != 1 {
		t.Errorf("%d requests in %s: want one, and no waiting out the Retry-After", len(*bodies), time.Since(start))
	}
}

// TestClientRateLimit sends 30 requests at 5 per second with a burst of 2:
// in every second of (fake) time the server sees at most 2 + 5 of them,
// and the whole takes the 5.6 s the rate implies.
func TestClientRateLimit(t *testing.T) {
	clock := pulltest.NewClock(t0)
	var mu sync.Mutex
	var at []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, clock.Now())
		mu.Unlock()
	}))
	defer srv.Close()
	c := &pull.Client{Attempts: 1, Limiter: pull.NewLimiter(5, 2, clock), Clock: clock}
	for range 30 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if _, err := c.Do(req); err != nil {
			t.Fatal(err)
		}
	}
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
			n++
		}
		if n > 7 {
			t.Errorf("%d requests in the second from %s", n, at[i].Sub(t0))
		}
	}
	if d := at[len(at)-1].Sub(at[0]); d < 5600*time.Millisecond || d > 5700*time.Millisecond {
		t.Errorf("30 requests took %s, want 5.6s at 5/s after a burst of 2", d)
	}
}

// TestLimiterRealTime checks the limiter against the wall clock once.
func TestLimiterRealTime(t *testing.T) {
	l := pull.NewLimiter(100, 1, nil)
	start := time.Now()
	for range 11 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 95*time.Millisecond {
		t.Errorf("11 tokens at 100/s in %s, want at least 100ms", d)
	}
}
