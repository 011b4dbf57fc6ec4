package pull

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// maxJitter caps the random delay added to each scheduled run.
const maxJitter = time.Minute

// Schedule runs each source every Interval until ctx is done, then returns
// once the runs in flight have stopped. Each source has its own loop, so
// its runs never overlap and a slow source delays no other. done is called
// after each run (from the source's goroutine).
//
// The first run of a source comes when its interval has passed since its
// position was last saved (at once for a source never pulled or left in
// the middle of a window), so restarting the server does not pull
// everything again. Every wait gets a random jitter of up to a tenth of the
// interval (at most a minute), so sources configured alike do not all call
// out at the same instant.
func (r *Runner) Schedule(ctx context.Context, sources []*Source, done func(Report)) {
	var wg sync.WaitGroup
	for _, s := range sources {
		wg.Go(func() { r.loop(ctx, s, done) })
	}
	wg.Wait()
}

func (r *Runner) loop(ctx context.Context, s *Source, done func(Report)) {
	clock := clockOr(r.Clock)
	var wait time.Duration
	if st, err := r.DB.PullState(ctx, s.Config.Tenant, s.Config.Name); err == nil && !st.Saved.IsZero() && !st.InProgress() {
		wait = max(st.Saved.Add(s.Interval).Sub(clock.Now()), 0)
	}
	for {
		if clock.Sleep(ctx, wait+jitter(s.Interval)) != nil {
			return
		}
		began := clock.Now()
		rep := r.Run(ctx, s)
		if done != nil {
			done(rep)
		}
		if ctx.Err() != nil {
			return
		}
		wait = max(began.Add(s.Interval).Sub(clock.Now()), 0)
	}
}

// jitter is a random delay of up to a tenth of interval, at most maxJitter.
func jitter(interval time.Duration) time.Duration {
	j := min(interval/10, maxJitter)
	if j <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(j)))
}
