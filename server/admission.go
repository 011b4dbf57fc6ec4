package server

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ccfeed/ccfeed"
)

// The read connections are the feed's scarcest resource: a request that
// reads rows holds one of the store's read connections from its first query
// to its last row. They were handed out first come, first served, and the
// pool was exactly one credential's --max-concurrent: four slow but legal
// queries of one token held all four, and another tenant's /$count went
// from 110 ms to 10.6 s at p99, with no answer to say why.
//
// admission hands the connections out instead:
//   - a credential holds at most its allowance (Limits.MaxConcurrent) and a
//     tenant, however many tokens it has, at most its own
//     (Limits.TenantConcurrent); both are below the number of connections,
//     so no one can take them all;
//   - a request beyond its credential's allowance gets 429 at once (as
//     before); one beyond its tenant's allowance, or finding every
//     connection taken, waits in its tenant's queue;
//   - a freed connection goes to the waiting tenant holding the fewest
//     connections (the longest-waiting request first among equals), so a
//     busy tenant's queue cannot starve a quiet one's;
//   - a request that gets no connection within Limits.QueueWait is told so:
//     503 with Retry-After, never a silent wait.

// admission is the pool of read connections.
type admission struct {
	slots     int
	perTenant int
	wait      time.Duration

	mu    sync.Mutex
	inUse int
	// byTenant counts the connections held per tenant name (a request of
	// a token for several tenants counts in each).
	byTenant map[string]int
	waiting  []*waiter
	seq      uint64
	stats    admissionCounters
}

// admissionCounters are the pool's running totals.
type admissionCounters struct {
	admitted, queued, timedOut uint64
}

// waiter is one request waiting for a connection.
type waiter struct {
	tenants []string
	seq     uint64
	ready   chan struct{} // closed when the request is admitted
}

// AdmissionStats is a snapshot of the pool's own counters.
type AdmissionStats struct {
	// Slots is the number of read connections; InUse those held now;
	// Waiting the requests queued for one.
	Slots, InUse, Waiting int
	// PerTenant is the allowance of one tenant.
	PerTenant int
	// ByTenant counts, per tenant, the connections held and the requests
	// waiting.
	ByTenant map[string]TenantAdmission
	// Admitted counts requests given a connection, Queued those that had
	// to wait for it first, TimedOut those that gave up waiting (503).
	Admitted, Queued, TimedOut uint64
}

// TenantAdmission is one tenant's share of the pool.
type TenantAdmission struct{ InUse, Waiting int }

func newAdmission(slots, perTenant int, wait time.Duration) *admission {
	return &admission{slots: slots, perTenant: perTenant, wait: wait, byTenant: map[string]int{}}
}

// tenantsOf are the names a principal's requests count against: its
// tenants, or "*" for a token of every tenant (minted by an operator).
func tenantsOf(p *ccfeed.Principal) []string {
	if p == nil || len(p.Tenants) == 0 {
		return []string{""}
	}
	if p.AllTenantsAllowed() {
		return []string{ccfeed.AllTenants}
	}
	out := slices.Clone(p.Tenants)
	sort.Strings(out)
	return slices.Compact(out)
}

// fits reports whether a request of tenants may take a connection now
// (a.mu held).
func (a *admission) fits(tenants []string) bool {
	if a.inUse >= a.slots {
		return false
	}
	for _, t := range tenants {
		if a.byTenant[t] >= a.perTenant {
			return false
		}
	}
	return true
}

func (a *admission) take(tenants []string) {
	a.inUse++
	for _, t := range tenants {
		a.byTenant[t]++
	}
	a.stats.admitted++
}

// load is how many connections the busiest of tenants holds, for choosing
// whom a freed connection goes to.
func (a *admission) load(tenants []string) int {
	n := 0
	for _, t := range tenants {
		n = max(n, a.byTenant[t])
	}
	return n
}

// acquire gives the request a connection, waiting for one if need be, and
// returns the function that hands it back. It fails with EUNAVAILABLE (503,
// Retry-After) after the wait, or with the context's error.
func (a *admission) acquire(ctx context.Context, p *ccfeed.Principal) (func(), error) {
	tenants := tenantsOf(p)
	a.mu.Lock()
	// Nobody waits ahead of a request that fits: a queue holds only what
	// does not fit, and admission on release keeps it that way.
	if a.fits(tenants) && !a.queuedFor(tenants) {
		a.take(tenants)
		a.mu.Unlock()
		return a.releaser(tenants), nil
	}
	a.seq++
	w := &waiter{tenants: tenants, seq: a.seq, ready: make(chan struct{})}
	a.waiting = append(a.waiting, w)
	a.stats.queued++
	a.mu.Unlock()

	timer := time.NewTimer(a.wait)
	defer timer.Stop()
	select {
	case <-w.ready:
		return a.releaser(tenants), nil
	case <-ctx.Done():
		if a.leave(w, false) {
			return nil, ctx.Err()
		}
		return a.releaser(tenants), nil // admitted meanwhile
	case <-timer.C:
		if !a.leave(w, true) {
			return a.releaser(tenants), nil // admitted meanwhile
		}
		return nil, a.busy(tenants)
	}
}

// queuedFor reports whether a request of one of tenants already waits (a.mu
// held): a newcomer of the same tenant must not overtake it.
func (a *admission) queuedFor(tenants []string) bool {
	for _, w := range a.waiting {
		for _, t := range w.tenants {
			if slices.Contains(tenants, t) {
				return true
			}
		}
	}
	return false
}

// leave takes w out of the queue (counting a time-out); false if it was
// admitted first.
func (a *admission) leave(w *waiter, timedOut bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, x := range a.waiting {
		if x == w {
			a.waiting = slices.Delete(a.waiting, i, i+1)
			if timedOut {
				a.stats.timedOut++
			}
			return true
		}
	}
	return false
}

// busy is the 503 of a request that waited QueueWait in vain.
func (a *admission) busy(tenants []string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Long enough for a slow query to finish, short enough that a
	// refresh retries soon.
	const retry = 5
	for _, t := range tenants {
		if a.byTenant[t] >= a.perTenant {
			return &ccfeed.Error{Code: ccfeed.EUNAVAILABLE, RetryAfter: retry,
				Message: fmt.Sprintf("this tenant's requests already hold %d of the feed's read connections, the most one tenant may hold, and none came free within %s; retry after the time in Retry-After", a.perTenant, a.wait)}
		}
	}
	return &ccfeed.Error{Code: ccfeed.EUNAVAILABLE, RetryAfter: retry,
		Message: fmt.Sprintf("all %d read connections of the feed are busy and none came free within %s; retry after the time in Retry-After", a.slots, a.wait)}
}

func (a *admission) releaser(tenants []string) func() {
	var once sync.Once
	return func() { once.Do(func() { a.release(tenants) }) }
}

// release hands a connection back and gives the freed capacity to the
// waiters it lets in, fairest first.
func (a *admission) release(tenants []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inUse--
	for _, t := range tenants {
		if a.byTenant[t]--; a.byTenant[t] <= 0 {
			delete(a.byTenant, t)
		}
	}
	for {
		best := -1
		for i, w := range a.waiting {
			if !a.fits(w.tenants) {
				continue
			}
			// Fewest connections held first, then the longest waiting.
			if best < 0 || a.load(w.tenants) < a.load(a.waiting[best].tenants) ||
				a.load(w.tenants) == a.load(a.waiting[best].tenants) && w.seq < a.waiting[best].seq {
				best = i
			}
		}
		if best < 0 {
			return
		}
		w := a.waiting[best]
		a.waiting = slices.Delete(a.waiting, best, best+1)
		a.take(w.tenants)
		close(w.ready)
	}
}

// snapshot returns the pool's counters.
func (a *admission) snapshot() AdmissionStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := AdmissionStats{Slots: a.slots, InUse: a.inUse, Waiting: len(a.waiting), PerTenant: a.perTenant,
		ByTenant: map[string]TenantAdmission{}, Admitted: a.stats.admitted, Queued: a.stats.queued, TimedOut: a.stats.timedOut}
	for t, n := range a.byTenant {
		ta := st.ByTenant[t]
		ta.InUse = n
		st.ByTenant[t] = ta
	}
	for _, w := range a.waiting {
		for _, t := range w.tenants {
			ta := st.ByTenant[t]
			ta.Waiting++
			st.ByTenant[t] = ta
		}
	}
	return st
}

// String renders the counters for logs and test failures.
func (s AdmissionStats) String() string {
	var parts []string
	for t, ta := range s.ByTenant {
		parts = append(parts, fmt.Sprintf("%s:%d+%d", t, ta.InUse, ta.Waiting))
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d/%d in use, %d waiting [%s], admitted %d, queued %d, timed out %d",
		s.InUse, s.Slots, s.Waiting, strings.Join(parts, " "), s.Admitted, s.Queued, s.TimedOut)
}
