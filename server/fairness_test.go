package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/query"
	"github.com/ccfeed/ccfeed/server"
	"github.com/ccfeed/ccfeed/store"
)

// tenantGate holds every ReadPage of one tenant's principals until
// released: slow queries, as long as the test likes.
type tenantGate struct {
	*store.DB
	tenant  string
	entered atomic.Int64
	release chan struct{}
}

func (g *tenantGate) ReadPage(ctx context.Context, p *ccfeed.Principal, plan *query.Plan, lay *query.Layout, page query.Page, emit query.RowFunc) (bool, error) {
	if p != nil && len(p.Tenants) == 1 && p.Tenants[0] == g.tenant {
		g.entered.Add(1)
		select {
		case <-g.release:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	return g.DB.ReadPage(ctx, p, plan, lay, page, emit)
}

// TestFairServiceLive: one tenant's tokens hold their tenant's full
// allowance of slow queries (three of four read connections); another
// tenant is still served at once; the first tenant's next request waits in
// its queue and, when nothing frees within the queue wait, gets 503 with
// Retry-After. Checked by counting with the pool's own counters, not by
// timing.
func TestFairServiceLive(t *testing.T) {
	db := feedtest.DemoDB(t)
	g := &tenantGate{DB: db, tenant: "contoso", release: make(chan struct{})}
	f := feedtest.Start(t, db, feedtest.Options{
		Config: server.Config{ReadSlots: 4, Limits: server.Limits{Rate: 1000, Burst: 1000, MaxConcurrent: 2, QueueWait: 300 * time.Millisecond}},
		Store:  func(server.Store) server.Store { return g },
	})
	stats := func() server.AdmissionStats { return f.Server.Admission() }
	waitFor := func(what string, cond func(server.AdmissionStats) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond(stats()) {
			if time.Now().After(deadline) {
				t.Fatalf("%s never happened; pool: %s", what, stats())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	if s := stats(); s.Slots != 4 || s.PerTenant != 3 {
		t.Fatalf("pool: %s; want 4 connections, 3 per tenant", s)
	}
	// Three tokens of contoso (each below its own allowance of 2).
	held := make(chan *reply, 3)
	for i := range 3 {
		tok := f.Token(t, ccfeed.ScopeRead, "contoso")
		go func() {
			resp, err := f.Client.Do(mustRequest(t, f.URL+"Agents?$top=1&n="+strconv.Itoa(i), tok))
			if err != nil {
				held <- &reply{Status: -1}
				return
			}
			held <- readReply(t, resp)
		}()
	}
	waitFor("contoso holding its allowance", func(s server.AdmissionStats) bool {
		return s.ByTenant["contoso"].InUse == 3 && g.entered.Load() == 3
	})
	// A fourth contoso request waits in contoso's queue...
	waiting := make(chan *reply, 1)
	go func() {
		resp, err := f.Client.Do(mustRequest(t, f.URL+"Agents?$top=1", f.Token(t, ccfeed.ScopeRead, "contoso")))
		if err != nil {
			waiting <- &reply{Status: -1}
			return
		}
		waiting <- readReply(t, resp)
	}()
	waitFor("contoso's fourth request queued", func(s server.AdmissionStats) bool { return s.ByTenant["contoso"].Waiting == 1 })
	// ...while fabrikam is admitted to the connection left and served.
	before := stats().Admitted
	fab := f.Token(t, ccfeed.ScopeRead, "fabrikam")
	get(t, f, f.URL+"Conversations/$count", fab).mustStatus(t, http.StatusOK, "fabrikam while contoso holds its allowance")
	if s := stats(); s.Admitted != before+1 || s.ByTenant["contoso"].InUse != 3 {
		t.Errorf("fabrikam not admitted past contoso: %s", s)
	}
	// Nothing frees: contoso's waiter is told so.
	r := <-waiting
	r.mustStatus(t, http.StatusServiceUnavailable, "contoso's request past the queue wait")
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	if e := checkErrorBody(t, r, "queue wait"); e.Error.Code != ccfeed.EUNAVAILABLE {
		t.Errorf("error %+v", e.Error)
	}
	if s := stats(); s.TimedOut != 1 || s.Waiting != 0 {
		t.Errorf("pool after the time-out: %s", s)
	}
	// The same counters reach /metrics.
	m := get(t, f, f.Base+"/metrics", f.Token(t, ccfeed.ScopeAdmin, ccfeed.AllTenants))
	m.mustStatus(t, http.StatusOK, "/metrics")
	for _, want := range []string{"ccfeed_read_queue_timeouts_total 1", `ccfeed_read_connections_in_use{tenant="contoso"} 3`, "ccfeed_read_connections 4"} {
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	close(g.release)
	for range 3 {
		(<-held).mustStatus(t, http.StatusOK, "contoso's held request")
	}
	waitFor("every connection back", func(s server.AdmissionStats) bool { return s.InUse == 0 })
}
