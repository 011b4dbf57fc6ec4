package pull_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/loaders/pull"
)

// TestSchedule runs a source on a fake clock: the first run comes at once
// (give or take the jitter), the next ones an interval apart plus at most
// a tenth of it, one at a time; a restarted schedule waits out the
// interval since the last saved position instead of pulling at once.
func TestSchedule(t *testing.T) {
	f := newFixture(t, spread(25, t0.Add(-5*time.Hour), t0.Add(-time.Hour)), secret, "lookback: 12h", "interval: 15m")
	const interval, slack = 15 * time.Minute, 90*time.Second + time.Second
	schedule := func(runner *pull.Runner, runs int) []time.Time {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var mu sync.Mutex
		var at []time.Time
		var prevEnd time.Time
		f.srv.OnRequest(nil)
		runner.Schedule(ctx, []*pull.Source{f.src}, func(rep pull.Report) {
			mu.Lock()
			defer mu.Unlock()
			if rep.Err != nil {
				t.Errorf("run %d: %v", len(at)+1, rep.Err)
			}
			if rep.Started.Before(prevEnd) {
				t.Errorf("run %d started before the previous one ended", len(at)+1)
			}
			prevEnd = rep.Started.Add(rep.Duration)
			at = append(at, f.clock.Now())
			if len(at) == runs {
				cancel()
			}
		})
		return at
	}
	at := schedule(f.runner, 3)
	if len(at) != 3 {
		t.Fatalf("%d runs, want 3", len(at))
	}
	if first := at[0].Sub(t0); first > slack {
		t.Errorf("first run %s after the start, want at most the jitter", first)
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < interval-time.Second || gap > interval+slack {
			t.Errorf("runs %d and %d are %s apart, want %s plus at most %s", i, i+1, gap, interval, slack)
		}
	}
	// A new process (a new runner) starts from the saved position.
	last := f.clock.Now()
	at = schedule(&pull.Runner{DB: f.db, Clock: f.clock}, 1)
	if wait := at[0].Sub(last); wait < interval-time.Second || wait > interval+slack {
		t.Errorf("after a restart the first run came %s later, want the interval (%s) since the last one", wait, interval)
	}
}
