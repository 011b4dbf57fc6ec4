package pull_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/pull"
	"github.com/ccfeed/ccfeed/loaders/pull/pulltest"
	"github.com/ccfeed/ccfeed/store"
)

// TestPullThrough429And503 serves a 429 with Retry-After and a 503 in the
// middle of a window: the pull waits as asked, retries, and loads every
// record exactly once, one journal row per page.
func TestPullThrough429And503(t *testing.T) {
	f := newFixture(t, spread(95, t0.Add(-10*time.Hour), t0.Add(-time.Hour)), secret, "lookback: 12h")
	var mu sync.Mutex
	failed := map[int]bool{}
	f.srv.SetFault(func(r pulltest.Request) *pulltest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if failed[r.Offset] {
			return nil
		}
		switch r.Offset {
		case 20:
			failed[r.Offset] = true
			return &pulltest.Fault{Status: 429, RetryAfter: "7", Body: `{"error":"slow down"}`}
		case 50:
			failed[r.Offset] = true
			return &pulltest.Fault{Status: 503, Body: "upstream down"}
		}
		return nil
	})
	rep := f.run(t)
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	if rep.Windows != 1 || rep.Pages != 10 || rep.Records != 95 || rep.Inserted != 95 || rep.Updated+rep.Unchanged != 0 {
		t.Errorf("report: %d windows, %d pages, %d records, %d/%d/%d; want 1, 10, 95, 95/0/0",
			rep.Windows, rep.Pages, rep.Records, rep.Inserted, rep.Updated, rep.Unchanged)
	}
	if rep.Requests != 12 || rep.Retries != 2 {
		t.Errorf("%d requests, %d retries; want 12 and 2", rep.Requests, rep.Retries)
	}
	want(t, f.db, f.srv)
	j := journal(t, f.db)
	if len(j) != 10 {
		t.Fatalf("%d journal rows, want one per page (10): %+v", len(j), j)
	}
	for i, r := range j {
		if r.Kind != loaders.JournalPull || r.Status != edm.LoadLoaded || r.Source != pulltest.Kind {
			t.Errorf("journal row %d: %+v", i, r)
		}
		if !strings.HasPrefix(r.File, "fake 2024-05-10T00:00:00Z/2024-05-10T11:59:00Z page ") {
			t.Errorf("journal row %d names %q", i, r.File)
		}
	}
	if n := sumInserted(j); n != 95 {
		t.Errorf("journal inserted %d rows, want 95 (each once)", n)
	}
	var waited7, backedOff bool
	for _, d := range f.clock.Sleeps() {
		waited7 = waited7 || d == 7*time.Second
		backedOff = backedOff || d >= 500*time.Millisecond && d <= time.Second
	}
	if !waited7 || !backedOff {
		t.Errorf("sleeps %v: want the 7s of Retry-After and a backoff of 0.5-1s after the 503", f.clock.Sleeps())
	}
	st, err := f.db.PullState(context.Background(), "acme", "fake")
	if err != nil {
		t.Fatal(err)
	}
	if st.InProgress() || !st.DoneTo.Equal(t0.Add(-time.Minute)) {
		t.Errorf("state %+v: want complete to %s", st, t0.Add(-time.Minute))
	}
}

// TestPullRefusedCredential: a wrong secret gets a 401, which ends the pull
// with a failed journal row saying so; the secret appears in no message,
// journal row, summary or log line.
func TestPullRefusedCredential(t *testing.T) {
	const wrong = "wr0ng-s3cret-99817"
	f := newFixture(t, spread(30, t0.Add(-5*time.Hour), t0.Add(-time.Hour)), wrong, "lookback: 12h")
	rep := f.run(t)
	var ce *loaders.CredentialError
	if !errors.As(rep.Err, &ce) || ce.Status != 401 {
		t.Fatalf("err = %v, want a CredentialError for HTTP 401", rep.Err)
	}
	if got := len(f.srv.Requests()); got != 1 {
		t.Errorf("%d requests: a refused credential must not be retried", got)
	}
	j := journal(t, f.db)
	if len(j) != 1 || j[0].Status != edm.LoadFailed || j[0].Kind != loaders.JournalPull {
		t.Fatalf("journal %+v: want one failed pull row", j)
	}
	for _, msg := range []string{j[0].Message, rep.Err.Error()} {
		if !strings.Contains(msg, "refused the credential") || !strings.Contains(msg, "env FAKE_TOKEN") {
			t.Errorf("message %q: want it to say the credential was refused and where it comes from", msg)
		}
	}
	if len(stored(t, f.db)) != 0 {
		t.Error("rows were loaded with a refused credential")
	}
	var logged bytes.Buffer
	pull.LogReport(zerolog.New(&logged), rep)
	sum := pull.Summary([]pull.Report{rep})
	if !strings.Contains(sum, "FAILED") || !strings.Contains(logged.String(), "refused the credential") {
		t.Errorf("summary %q / log %q do not report the failure", sum, logged.String())
	}
	for where, text := range map[string]string{"journal": j[0].Message + j[0].File, "error": rep.Err.Error(), "summary": sum, "log": logged.String()} {
		if strings.Contains(text, wrong) {
			t.Errorf("the secret appears in the %s: %s", where, text)
		}
	}
}

// TestPullRedactsEchoedSecret: an API error that quotes the request's
// Authorization header reaches the journal and the report with the secret
// replaced.
func TestPullRedactsEchoedSecret(t *testing.T) {
	f := newFixture(t, spread(30, t0.Add(-5*time.Hour), t0.Add(-time.Hour)), secret, "lookback: 12h")
	f.srv.SetFault(func(r pulltest.Request) *pulltest.Fault {
		return &pulltest.Fault{Status: 400, Body: `{"error":"bad request","authorization":"` + r.Auth + `"}`}
	})
	rep := f.run(t)
	if rep.Err == nil {
		t.Fatal("want a failed run")
	}
	j := journal(t, f.db)
	if len(j) != 1 || j[0].Status != edm.LoadFailed {
		t.Fatalf("journal %+v: want one failed row", j)
	}
	for _, msg := range []string{rep.Err.Error(), j[0].Message, pull.Summary([]pull.Report{rep})} {
		if strings.Contains(msg, secret) || !strings.Contains(msg, "Bearer [redacted]") || !strings.Contains(msg, "HTTP 400") {
			t.Errorf("message %q: want HTTP 400 with the secret redacted", msg)
		}
		if strings.Contains(msg, "offset=") {
			t.Errorf("message %q carries the query string", msg)
		}
	}
}

// TestPullResumesAfterCancel cancels a pull while it fetches a page in the
// middle of a window: the pages before commit with the cursor after them,
// and the next run asks for the saved cursor first and ends with every
// record once.
func TestPullResumesAfterCancel(t *testing.T) {
	f := newFixture(t, spread(95, t0.Add(-10*time.Hour), t0.Add(-time.Hour)), secret, "lookback: 12h")
	ctx, cancel := context.WithCancel(context.Background())
	f.srv.OnRequest(func(r pulltest.Request) {
		if r.Offset == 50 {
			cancel()
		}
	})
	rep := f.runner.Run(ctx, f.src)
	if !errors.Is(rep.Err, context.Canceled) {
		t.Fatalf("err = %v, want an interruption", rep.Err)
	}
	st, err := f.db.PullState(context.Background(), "acme", "fake")
	if err != nil {
		t.Fatal(err)
	}
	if !st.InProgress() || st.Cursor != "50" || st.Pages != 5 {
		t.Fatalf("state after the cancel %+v: want page 6 (cursor 50) in progress", st)
	}
	if n := len(stored(t, f.db)); n != 50 {
		t.Errorf("%d rows after the cancel, want the 50 of the five committed pages", n)
	}
	j := journal(t, f.db)
	if last := j[len(j)-1]; last.Status != edm.LoadFailed || !strings.Contains(last.Message, "interrupted") || !strings.HasSuffix(last.File, "page 6") {
		t.Errorf("last journal row %+v: want page 6 failed as interrupted", last)
	}

	f.srv.OnRequest(nil)
	f.srv.ResetRequests()
	f.clock.Advance(15 * time.Minute)
	rep = f.run(t)
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	reqs := f.srv.Requests()
	if len(reqs) == 0 || reqs[0].Offset != 50 || !reqs[0].From.Equal(st.From) || !reqs[0].To.Equal(st.To) {
		t.Fatalf("first request of the second run %+v: want offset 50 of window %s-%s", reqs[0], st.From, st.To)
	}
	if !rep.Resumed {
		t.Error("report does not say the run resumed")
	}
	want(t, f.db, f.srv)
	if n := sumInserted(journal(t, f.db)); n != 95 {
		t.Errorf("journal inserted %d rows, want 95 (none lost, none twice)", n)
	}
}

// TestPullInterruptedPageKeepsNothing cancels inside the load transaction
// of a page, after its rows were written: none of them stays, and the next
// run loads that page again.
func TestPullInterruptedPageKeepsNothing(t *testing.T) {
	f := newFixture(t, spread(45, t0.Add(-10*time.Hour), t0.Add(-time.Hour)), secret, "lookback: 12h")
	ctx, cancel := context.WithCancel(context.Background())
	pages := 0
	pulltest.Register().OnLoad(func(lctx context.Context, n int) error {
		if pages++; pages == 3 {
			cancel()
			return lctx.Err()
		}
		return nil
	})
	defer pulltest.Register().OnLoad(nil)
	rep := f.runner.Run(ctx, f.src)
	if rep.Err == nil {
		t.Fatal("want an interrupted run")
	}
	if n := len(stored(t, f.db)); n != 20 {
		t.Errorf("%d rows, want the 20 of the two committed pages and none of the third", n)
	}
	st, _ := f.db.PullState(context.Background(), "acme", "fake")
	if st.Cursor != "20" {
		t.Errorf("cursor %q, want 20", st.Cursor)
	}
	pulltest.Register().OnLoad(nil)
	if rep = f.run(t); rep.Err != nil {
		t.Fatal(rep.Err)
	}
	want(t, f.db, f.srv)
	if n := sumInserted(journal(t, f.db)); n != 45 {
		t.Errorf("journal inserted %d rows, want 45", n)
	}
}

// TestPullOverlapRereadsLateUpdates: a record changed upstream after its
// window completed is updated by the next run when it lies within the
// overlap, and not when it lies before it.
func TestPullOverlapRereadsLateUpdates(t *testing.T) {
	recs := spread(40, t0.Add(-10*time.Hour), t0.Add(-2*time.Minute))
	f := newFixture(t, recs, secret, "lookback: 12h", "overlap: 2h")
	if rep := f.run(t); rep.Err != nil {
		t.Fatal(rep.Err)
	}
	doneTo := t0.Add(-time.Minute)
	late, early := recs[len(recs)-1], recs[0] // ~17 minutes and ~10 hours before doneTo
	late.Value, early.Value = "v2", "v2"
	f.srv.Put(late)
	f.srv.Put(early)
	f.srv.ResetRequests()
	f.clock.Advance(15 * time.Minute)
	rep := f.run(t)
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	if r := f.srv.Requests()[0]; !r.From.Equal(doneTo.Add(-2*time.Hour)) || !r.To.Equal(t0.Add(14*time.Minute)) {
		t.Errorf("second run asked for %s-%s, want %s-%s", r.From, r.To, doneTo.Add(-2*time.Hour), t0.Add(14*time.Minute))
	}
	got := stored(t, f.db)
	if got[late.ID] != "v2" {
		t.Errorf("record %s changed within the overlap: stored %q, want v2", late.ID, got[late.ID])
	}
	if got[early.ID] != "v1" {
		t.Errorf("record %s changed before the overlap: stored %q, want it untouched (v1)", early.ID, got[early.ID])
	}
	if rep.Updated != 1 {
		t.Errorf("second run updated %d rows, want 1", rep.Updated)
	}
}

// TestPullSplitsWindowsAtMaxWindow: a first run reaching back 70 hours asks
// for three contiguous windows, none longer than the API's MaxWindow.
func TestPullSplitsWindowsAtMaxWindow(t *testing.T) {
	f := newFixture(t, spread(60, t0.Add(-69*time.Hour), t0.Add(-time.Hour)), secret, "lookback: 70h", "lag: 0s")
	rep := f.run(t)
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	var windows []loaders.Window
	for _, r := range f.srv.Requests() {
		w := loaders.Window{From: r.From, To: r.To}
		if len(windows) == 0 || windows[len(windows)-1] != w {
			windows = append(windows, w)
		}
	}
	wantW := []loaders.Window{
		{From: t0.Add(-70 * time.Hour), To: t0.Add(-46 * time.Hour)},
		{From: t0.Add(-46 * time.Hour), To: t0.Add(-22 * time.Hour)},
		{From: t0.Add(-22 * time.Hour), To: t0},
	}
	if len(windows) != len(wantW) {
		t.Fatalf("windows %v, want %v", windows, wantW)
	}
	for i := range wantW {
		if !windows[i].From.Equal(wantW[i].From) || !windows[i].To.Equal(wantW[i].To) || windows[i].To.Sub(windows[i].From) > pulltest.MaxWindow {
			t.Errorf("window %d = %v, want %v", i, windows[i], wantW[i])
		}
	}
	if rep.Windows != 3 {
		t.Errorf("report: %d windows, want 3", rep.Windows)
	}
	want(t, f.db, f.srv)
}

// TestWindows covers the splitting rule on its own.
func TestWindows(t *testing.T) {
	h := time.Hour
	for _, tc := range []struct {
		name string
		span time.Duration
		most time.Duration
		want []time.Duration // lengths
	}{
		{"empty", 0, h, nil},
		{"shorter", 30 * time.Minute, h, []time.Duration{30 * time.Minute}},
		{"exact", 2 * h, h, []time.Duration{h, h}},
		{"remainder", 150 * time.Minute, h, []time.Duration{h, h, 30 * time.Minute}},
		{"no limit", 100 * h, 0, []time.Duration{100 * h}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pull.Windows(t0, t0.Add(tc.span), tc.most)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v", got)
			}
			at := t0
			for i, w := range got {
				if !w.From.Equal(at) || w.To.Sub(w.From) != tc.want[i] {
					t.Errorf("window %d = %v", i, w)
				}
				at = w.To
			}
		})
	}
}

// TestPullStopsWhenMovedElsewhere: when another process advances the
// source's position during a page, the page is not kept and the run stops.
func TestPullStopsWhenMovedElsewhere(t *testing.T) {
	f := newFixture(t, spread(30, t0.Add(-5*time.Hour), t0.Add(-time.Hour)), secret, "lookback: 12h")
	f.srv.OnRequest(func(r pulltest.Request) {
		if r.Offset == 10 {
			err := f.db.Load(context.Background(), func(lt *store.LoadTx) error {
				return lt.SavePullState(context.Background(), "acme", "fake", store.PullState{DoneTo: t0, Saved: t0})
			})
			if err != nil {
				t.Error(err)
			}
		}
	})
	rep := f.run(t)
	if rep.Err == nil || !strings.Contains(rep.Err.Error(), "another ccfeed") {
		t.Fatalf("err = %v, want the run to stop because the position moved", rep.Err)
	}
	if n := len(stored(t, f.db)); n != 10 {
		t.Errorf("%d rows, want the 10 of the first page only", n)
	}
}
