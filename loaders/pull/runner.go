package pull

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// MaxPagesPerWindow stops a source whose API never stops paging.
const MaxPagesPerWindow = 1_000_000

// DefaultConcurrency is how many sources RunAll pulls at once.
const DefaultConcurrency = 4

// Runner pulls configured sources into a store.
type Runner struct {
	DB *store.DB
	// Clock tells the time of windows and waits for backoff, rate limit
	// and schedule (nil: the wall clock).
	Clock Clock
	// Transport sends the requests (nil: http.DefaultTransport).
	Transport http.RoundTripper
	// Concurrency bounds RunAll (0: DefaultConcurrency).
	Concurrency int
	// Page, when set, is told after each loaded page how the run stands
	// so far (a copy of its report), so a long pull can show progress. It
	// is called from the goroutine of each source's run.
	Page func(Report)

	mu      sync.Mutex
	clients map[*Source]*Client
}

// Client returns the HTTP client of a source, the same for every run so
// its rate limit holds across runs.
func (r *Runner) Client(s *Source) *Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clients == nil {
		r.clients = map[*Source]*Client{}
	}
	c, ok := r.clients[s]
	if !ok {
		c = NewClient(s, clockOr(r.Clock), r.Transport)
		r.clients[s] = c
	}
	return c
}

// RunAll runs each source once, a few at a time, and returns their reports
// in the order of sources.
func (r *Runner) RunAll(ctx context.Context, sources []*Source) []Report {
	out := make([]Report, len(sources))
	n := r.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, s := range sources {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = r.Run(ctx, s)
		})
	}
	wg.Wait()
	return out
}

// Windows splits [from, to) into windows no longer than most (one window
// when most is not positive), oldest first; none when from is not before
// to.
func Windows(from, to time.Time, most time.Duration) []loaders.Window {
	var out []loaders.Window
	for from.Before(to) {
		end := to
		if most > 0 && end.Sub(from) > most {
			end = from.Add(most)
		}
		out = append(out, loaders.Window{From: from, To: end})
		from = end
	}
	return out
}

// Run pulls one source once: it finishes the window a previous run left in
// progress, if any, then reads from the end of the last completed window
// minus the overlap (now minus the lookback on the first run) to now minus
// the lag, window by window, page by page. Every page commits with its
// journal row and the source's new position; a failure stops the run with
// a failed journal row, and the next run resumes at the page that failed.
func (r *Runner) Run(ctx context.Context, s *Source) (rep Report) {
	clock := clockOr(r.Clock)
	rep = Report{Tenant: s.Config.Tenant, Source: s.Config.Name, Kind: s.Config.Kind, Started: time.Now()}
	cl := r.Client(s)
	req0, retry0 := cl.Stats()
	defer func() {
		req, retry := cl.Stats()
		rep.Requests, rep.Retries = req-req0, retry-retry0
		rep.Duration = time.Since(rep.Started)
	}()
	p := &puller{db: r.DB, s: s, cl: cl, clock: clock, red: newRedactor(s.Config.Secret), rep: &rep, page: r.Page}
	p.src = &redactingSource{API: s.API, red: p.red}
	st, err := r.DB.PullState(ctx, s.Config.Tenant, s.Config.Name)
	if err != nil {
		rep.Err = p.journal(ctx, s.Config.Name, time.Now(), fmt.Errorf("reading the pull state: %w", err))
		return rep
	}
	p.st = st
	defer func() { rep.DoneTo = p.st.DoneTo }()
	now := clock.Now().UTC()
	end := now.Add(-s.Lag).Truncate(time.Second)
	if st.InProgress() {
		rep.Resumed = true
		if rep.Err = p.window(ctx, loaders.Window{From: st.From, To: st.To}); rep.Err != nil {
			return rep
		}
	}
	from := now.Add(-s.Lookback).Truncate(time.Second)
	if !p.st.DoneTo.IsZero() {
		from = p.st.DoneTo.Add(-s.Overlap)
	}
	for _, w := range Windows(from, end, s.API.MaxWindow()) {
		if rep.Err = p.window(ctx, w); rep.Err != nil {
			return rep
		}
	}
	return rep
}

// puller is one run of one source.
type puller struct {
	db    *store.DB
	s     *Source
	src   loaders.Source
	cl    *Client
	clock Clock
	red   redactor
	rep   *Report
	page  func(Report)
	// st is the source's position as last committed.
	st store.PullState
}

// errMoved is the position of a source changing under a run: another
// process pulls the same source.
var errMoved = errors.New("the position of this source changed during the page: another ccfeed (sync or serve) is pulling it; this run stops and the next continues from there")

// window fetches and loads the pages of w, from the saved cursor when w is
// the window in progress.
func (p *puller) window(ctx context.Context, w loaders.Window) error {
	cursor, page := "", 0
	if p.st.InProgress() && p.st.From.Equal(w.From) && p.st.To.Equal(w.To) {
		cursor, page = p.st.Cursor, p.st.Pages
	}
	tenant, name := p.s.Config.Tenant, p.s.Config.Name
	for {
		start := time.Now()
		label := pageName(name, w, page+1)
		if ctx.Err() != nil {
			return p.journal(ctx, label, start, ctx.Err())
		}
		pg, err := p.s.API.Fetch(ctx, p.cl, &p.s.Config, w, cursor)
		if err == nil && pg.Next != "" && pg.Next == cursor {
			err = fmt.Errorf("the API returned the cursor it was asked for as the next one; paging would never end")
		}
		if err == nil && pg.Next != "" && page+1 >= MaxPagesPerWindow {
			err = fmt.Errorf("more than %d pages in one window; paging stopped", MaxPagesPerWindow)
		}
		if err != nil {
			return p.journal(ctx, label, start, err)
		}
		expect := p.st
		next := store.PullState{DoneTo: p.st.DoneTo, From: w.From, To: w.To, Cursor: pg.Next, Pages: page + 1}
		if pg.Next == "" {
			next = store.PullState{DoneTo: w.To}
			if p.st.DoneTo.After(w.To) {
				next.DoneTo = p.st.DoneTo
			}
		}
		next.Saved = p.clock.Now().UTC()
		res := loaders.LoadPage(ctx, p.db, tenant, p.src, loaders.PulledPage{Name: label, Body: pg.Body, Start: start},
			func(lt *store.LoadTx) error {
				cur, err := lt.PullState(ctx, tenant, name)
				if err != nil {
					return err
				}
				if !cur.Same(expect) {
					return errMoved
				}
				return lt.SavePullState(ctx, tenant, name, next)
			})
		if res.Status != edm.LoadLoaded {
			// LoadPage journaled it; an interruption still reads as one.
			msg := res.Message
			if !strings.HasPrefix(msg, label) {
				msg = label + ": " + msg
			}
			return &redactedError{msg: p.red.String(msg), err: ctx.Err()}
		}
		p.add(res)
		if p.page != nil {
			rep := *p.rep
			rep.Duration = time.Since(rep.Started)
			p.page(rep)
		}
		p.st, cursor, page = next, pg.Next, page+1
		if pg.Next == "" {
			p.rep.Windows++
			return nil
		}
	}
}

// journal writes the failed journal row of a page that could not be
// fetched, and returns the error the report gives, both free of the secret.
func (p *puller) journal(ctx context.Context, label string, start time.Time, err error) error {
	var msg string
	var ce *loaders.CredentialError
	switch {
	case ctx.Err() != nil:
		msg = "interrupted before this page was loaded; the next run resumes here"
		err = ctx.Err()
	case errors.As(err, &ce):
		msg = ce.Error()
		if p.s.Credential != "" {
			msg += " (" + p.s.Credential + ")"
		}
	default:
		msg = err.Error()
	}
	msg = p.red.String(msg)
	loaders.JournalPullFailure(ctx, p.db, p.s.Config.Tenant, p.s.Config.Kind, label, start, errors.New(msg))
	return &redactedError{msg: label + ": " + msg, err: err}
}

func (p *puller) add(res loaders.Result) {
	p.rep.Pages++
	p.rep.Records += res.Records
	p.rep.Rejected += res.Rejected
	for set, c := range res.Counts {
		if set == "Loads" || set == "LoadRejects" {
			continue
		}
		p.rep.Inserted += int64(c.Inserted)
		p.rep.Updated += int64(c.Updated)
		p.rep.Unchanged += int64(c.Unchanged)
	}
}

// pageName is the journal's fileName of a page: source, window (ISO 8601
// interval) and page number.
func pageName(source string, w loaders.Window, page int) string {
	return fmt.Sprintf("%s %s/%s page %d", source, w.From.UTC().Format(time.RFC3339Nano), w.To.UTC().Format(time.RFC3339Nano), page)
}

// redactingSource loads through an API's Load and clears the secret from
// its errors before LoadPage journals them.
type redactingSource struct {
	loaders.API
	red redactor
}

func (s *redactingSource) Load(ctx context.Context, f *loaders.File, b *loaders.Batch) error {
	err := s.API.Load(ctx, f, b)
	if err != nil && len(s.red) > 0 {
		if msg := s.red.String(err.Error()); msg != err.Error() {
			return &redactedError{msg: msg, err: err}
		}
	}
	return err
}
