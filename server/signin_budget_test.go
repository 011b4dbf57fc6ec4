package server_test

import (
	"net/http"
	"testing"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/server"
)

// Refused tokens spend a per-address budget; requests that carry no
// credential (Power Query's probes) do not, so a guesser behind the same
// proxy cannot stop others from being told where to sign in.
func TestFailedSignInBudget(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{
		Limits: server.Limits{Rate: 0.001, Burst: 3, MaxConcurrent: 10}}})
	for i := 0; i < 10; i++ {
		for _, h := range [][]string{nil, {"Authorization", "Bearer"}} {
			if r := get(t, f, f.URL, "", h...); r.Status != http.StatusUnauthorized {
				t.Fatalf("probe %d (%v): status %d, want 401 every time", i, h, r.Status)
			}
		}
	}
	statuses := map[int]int{}
	for i := 0; i < 6; i++ {
		r := get(t, f, f.URL, "not-a-token")
		statuses[r.Status]++
		if r.Status == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	}
	if statuses[http.StatusUnauthorized] != 3 || statuses[http.StatusTooManyRequests] != 3 {
		t.Errorf("refused tokens: %v, want 3×401 then 3×429", statuses)
	}
	// The probes still get their challenge while the address is throttled.
	if r := get(t, f, f.URL, "", "Authorization", "Bearer"); r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("probe after the guessing: %d %q", r.Status, r.Header.Get("WWW-Authenticate"))
	}
}
