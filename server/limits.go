package server

import (
	"math"
	"sync"
	"time"

	"github.com/ccfeed/ccfeed"
)

// Limits bound what one credential may ask of the server. Power BI refreshes
// one request at a time, so the defaults leave it untouched while a runaway
// script gets 429s instead of starving everyone else.
type Limits struct {
	// Rate is the sustained requests per second per credential; Burst how
	// many may come at once after a quiet spell. Rate 0 disables.
	Rate  float64
	Burst int
	// MaxConcurrent caps the requests of one credential in progress at a
	// time (each holds a SQLite read connection); past it, 429. 0 disables.
	MaxConcurrent int
	// TenantConcurrent caps the read connections the requests of one
	// tenant hold at once, whatever the number of its credentials; past
	// it, requests wait (see admission). 0 means one less than the read
	// connections; it is never more.
	TenantConcurrent int
	// QueueWait is the longest a request waits for a read connection
	// before it is answered 503 with Retry-After (0: DefaultQueueWait).
	QueueWait time.Duration
}

// DefaultLimits are used when Config.Limits is zero.
var DefaultLimits = Limits{Rate: 20, Burst: 100, MaxConcurrent: 4}

// DefaultQueueWait is how long a request waits for a read connection.
const DefaultQueueWait = 15 * time.Second

// DefaultReadSlots is the number of read connections assumed when the
// configuration does not say (the store's own default is at least 6).
const DefaultReadSlots = 6

type limiter struct {
	cfg   Limits
	mu    sync.Mutex
	m     map[string]*bucket
	sweep time.Time
}

type bucket struct {
	tokens   float64
	last     time.Time
	inflight int
}

func newLimiter(cfg Limits) *limiter {
	return &limiter{cfg: cfg, m: map[string]*bucket{}}
}

// acquire admits a request of subject, or returns an ETOOMANY error with the
// seconds to wait. A successful acquire must be followed by release.
func (l *limiter) acquire(subject string, now time.Time) (func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maybeSweep(now)
	b := l.m[subject]
	if b == nil {
		b = &bucket{tokens: float64(l.cfg.Burst), last: now}
		l.m[subject] = b
	}
	if l.cfg.Rate > 0 {
		b.tokens = math.Min(float64(l.cfg.Burst), b.tokens+now.Sub(b.last).Seconds()*l.cfg.Rate)
		b.last = now
		if b.tokens < 1 {
			wait := int(math.Ceil((1 - b.tokens) / l.cfg.Rate))
			return nil, &ccfeed.Error{Code: ccfeed.ETOOMANY, RetryAfter: max(wait, 1),
				Message: "too many requests with this credential; retry after the time in Retry-After"}
		}
	}
	if l.cfg.MaxConcurrent > 0 && b.inflight >= l.cfg.MaxConcurrent {
		return nil, &ccfeed.Error{Code: ccfeed.ETOOMANY, RetryAfter: 1,
			Message: "this credential already has the maximum number of requests in progress; retry when one has finished"}
	}
	if l.cfg.Rate > 0 {
		b.tokens--
	}
	b.inflight++
	return func() {
		l.mu.Lock()
		b.inflight--
		l.mu.Unlock()
	}, nil
}

// maybeSweep drops idle, full buckets now and then, so the map does not grow
// with every credential ever seen.
func (l *limiter) maybeSweep(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, b := range l.m {
		if b.inflight == 0 && now.Sub(b.last) > 10*time.Minute {
			delete(l.m, k)
		}
	}
}
