package pull

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limiter is a token bucket: it holds up to burst tokens, gains rate tokens
// per second, and every request takes one. Waiting callers reserve their
// token first, so they leave in order and the rate holds over any interval:
// at most burst + rate*T requests in any T.
type Limiter struct {
	rate  float64 // tokens per second
	burst float64
	clock Clock

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter of rate requests per second, burst at once;
// nil (no limit) when rate is not positive.
func NewLimiter(rate float64, burst int, clock Clock) *Limiter {
	if rate <= 0 {
		return nil
	}
	return &Limiter{rate: rate, burst: float64(max(burst, 1)), clock: clockOr(clock)}
}

// Wait takes a token, waiting until one is due. A nil Limiter never waits.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	now := l.clock.Now()
	if l.last.IsZero() {
		l.tokens = l.burst
	} else if now.After(l.last) {
		l.tokens = math.Min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	if now.After(l.last) {
		l.last = now
	}
	l.tokens--
	var wait time.Duration
	if l.tokens < 0 {
		wait = time.Duration(math.Ceil(-l.tokens / l.rate * float64(time.Second)))
	}
	l.mu.Unlock()
	if wait == 0 {
		return ctx.Err()
	}
	if err := l.clock.Sleep(ctx, wait); err != nil {
		// The reservation is given back: the request will not be sent.
		l.mu.Lock()
		l.tokens++
		l.mu.Unlock()
		return err
	}
	return nil
}
