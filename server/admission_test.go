package server

import (
	"context"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
)

func principal(tenants ...string) *ccfeed.Principal {
	return &ccfeed.Principal{Subject: "s", Tenants: tenants, Scope: ccfeed.ScopeRead}
}

// held acquires in the background and reports when admitted.
func held(t *testing.T, a *admission, p *ccfeed.Principal) (admitted chan func(), failed chan error) {
	admitted, failed = make(chan func(), 1), make(chan error, 1)
	go func() {
		release, err := a.acquire(context.Background(), p)
		if err != nil {
			failed <- err
			return
		}
		admitted <- release
	}()
	return admitted, failed
}

// waitFor polls the pool's counters (not the clock) until cond holds.
func waitFor(t *testing.T, a *admission, what string, cond func(AdmissionStats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond(a.snapshot()) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened; pool: %s", what, a.snapshot())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestAdmissionFairness counts, with the pool's own counters: one tenant
// holds its whole allowance and queues more; another tenant is admitted at
// once to the connection left; a third, arriving when the pool is full,
// is served before the first tenant's earlier waiter, because it holds
// fewer connections.
func TestAdmissionFairness(t *testing.T) {
	a := newAdmission(4, 3, time.Hour)
	var aRel []func()
	for range 3 {
		r, err := a.acquire(context.Background(), principal("a"))
		if err != nil {
			t.Fatal(err)
		}
		aRel = append(aRel, r)
	}
	// Tenant a is at its allowance: its fourth request waits, although a
	// connection is free.
	aWait, _ := held(t, a, principal("a"))
	waitFor(t, a, "a's fourth request queued", func(s AdmissionStats) bool { return s.ByTenant["a"].Waiting == 1 })
	if s := a.snapshot(); s.InUse != 3 || s.ByTenant["a"].InUse != 3 {
		t.Fatalf("pool: %s", s)
	}
	// Tenant b gets the free connection at once.
	bRel, err := a.acquire(context.Background(), principal("b"))
	if err != nil {
		t.Fatal(err)
	}
	// The pool is full; tenant c waits behind a's waiter.
	cWait, _ := held(t, a, principal("c"))
	waitFor(t, a, "c queued", func(s AdmissionStats) bool { return s.ByTenant["c"].Waiting == 1 })
	// One of a's connections comes free: c (holding none) gets it, not
	// a's earlier waiter (a would hold its allowance again).
	aRel[0]()
	var cRel func()
	select {
	case cRel = <-cWait:
	case <-aWait:
		t.Fatalf("a's waiter was served before c's: pool %s", a.snapshot())
	case <-time.After(10 * time.Second):
		t.Fatalf("nobody admitted: pool %s", a.snapshot())
	}
	if s := a.snapshot(); s.ByTenant["a"].Waiting != 1 || s.ByTenant["c"].InUse != 1 || s.InUse != 4 {
		t.Fatalf("after the first release: %s", s)
	}
	// The next connection freed (b's) goes to a's waiter.
	bRel()
	aRel = append(aRel, <-aWait)
	if s := a.snapshot(); s.Waiting != 0 || s.ByTenant["a"].InUse != 3 || s.Admitted != 6 || s.Queued != 2 || s.TimedOut != 0 {
		t.Fatalf("at the end: %s", s)
	}
	cRel()
	for _, r := range aRel[1:] {
		r()
	}
	if s := a.snapshot(); s.InUse != 0 || len(s.ByTenant) != 0 {
		t.Fatalf("after every release: %s", s)
	}
}

// TestAdmissionTimeout: a request that gets no connection within the wait
// is answered 503 with Retry-After, and counted.
func TestAdmissionTimeout(t *testing.T) {
	a := newAdmission(2, 1, 50*time.Millisecond)
	r1, err := a.acquire(context.Background(), principal("a"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.acquire(context.Background(), principal("a"))
	e := ccfeed.AsError(err)
	if ccfeed.ErrorCode(err) != ccfeed.EUNAVAILABLE || e.RetryAfter < 1 || e.Message == "" {
		t.Fatalf("got %v, want 503 with Retry-After", err)
	}
	if s := a.snapshot(); s.TimedOut != 1 || s.Waiting != 0 {
		t.Fatalf("pool: %s", s)
	}
	// A token for every tenant counts as its own tenant ("*").
	rAll, err := a.acquire(context.Background(), principal(ccfeed.AllTenants))
	if err != nil {
		t.Fatal(err)
	}
	if s := a.snapshot(); s.ByTenant["*"].InUse != 1 || s.ByTenant["a"].InUse != 1 {
		t.Fatalf("pool: %s", s)
	}
	r1()
	rAll()
	// A token for two tenants counts in both.
	r2, _ := a.acquire(context.Background(), principal("b", "a"))
	if s := a.snapshot(); s.ByTenant["a"].InUse != 1 || s.ByTenant["b"].InUse != 1 {
		t.Fatalf("pool: %s", s)
	}
	if _, err := a.acquire(context.Background(), principal("a")); ccfeed.ErrorCode(err) != ccfeed.EUNAVAILABLE {
		t.Fatalf("a's allowance is taken by the two-tenant token: got %v", err)
	}
	r2()
}
