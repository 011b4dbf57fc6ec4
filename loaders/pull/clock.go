package pull

import (
	"context"
	"time"
)

// Clock tells the time and waits. The runner, the rate limiter and the
// retries all wait through it, so a test can run hours of schedule and
// backoff in no time with a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx is done (returning its error).
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func clockOr(c Clock) Clock {
	if c == nil {
		return realClock{}
	}
	return c
}
