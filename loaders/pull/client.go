package pull

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// Retry policy defaults (see Client).
const (
	DefaultBaseDelay     = time.Second
	DefaultMaxDelay      = 2 * time.Minute
	DefaultMaxRetryAfter = 15 * time.Minute
	// MaxBody bounds one response: a page is loaded from memory.
	MaxBody = 512 << 20
	// excerptLen bounds the part of an error body kept in messages.
	excerptLen = 300
)

// Client is the loaders.Doer the pull framework hands to a source's Fetch:
// one per source, so its rate limit holds across runs.
//
// Each attempt waits for a token of the rate limit, then has Timeout to
// send the request and read the whole body. A 429, a 5xx or a network
// error is retried up to Attempts tries in all, after the delay the
// response's Retry-After asks for (seconds or an HTTP date), else an
// exponential backoff (BaseDelay, doubling, at most MaxDelay) of which a
// random half is jitter, so sources that failed together do not retry
// together. A Retry-After longer than MaxRetryAfter ends the request at
// once: the next run tries again. 401 and 403 come back as a
// *loaders.CredentialError and any other status outside 2xx as a
// *StatusError, neither retried. Requests are rebuilt for every attempt,
// their bodies read again (GetBody, or a copy taken on the first attempt).
type Client struct {
	// HTTP sends the requests (nil: a client on http.DefaultTransport).
	// Its own Timeout should be zero: Timeout below bounds each attempt.
	HTTP          *http.Client
	Limiter       *Limiter
	Attempts      int
	Timeout       time.Duration
	BaseDelay     time.Duration
	MaxDelay      time.Duration
	MaxRetryAfter time.Duration
	Clock         Clock
	// Jitter returns a number in [0, 1) (nil: math/rand/v2).
	Jitter func() float64

	requests, retries atomic.Int64
}

// NewClient returns the client of a configured source.
func NewClient(s *Source, clock Clock, transport http.RoundTripper) *Client {
	return &Client{
		HTTP:     &http.Client{Transport: transport},
		Limiter:  NewLimiter(s.Rate, s.Burst, clock),
		Attempts: s.Attempts, Timeout: s.Timeout,
		Clock: clock,
	}
}

// Stats returns the requests sent and the retries made so far.
func (c *Client) Stats() (requests, retries int64) { return c.requests.Load(), c.retries.Load() }

// StatusError is a response outside 2xx, other than a refused credential,
// that the client gave up on.
type StatusError struct {
	Method string
	// URL is the request's URL without its query string (which may hold
	// a key).
	URL      string
	Status   int
	Attempts int
	// Wait is the Retry-After the API asked for when it was too long to
	// honour.
	Wait time.Duration
	// Body is the start of the response body, on one line.
	Body string
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.Wait > 0 {
		fmt.Fprintf(&b, "; the API asks to wait %s, longer than this pull waits: the next run tries again", e.Wait)
	}
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	return b.String()
}

// errTooLarge is a response bigger than MaxBody; retrying would not help.
var errTooLarge = fmt.Errorf("response larger than %d MiB", MaxBody>>20)

// Do sends req with the retry policy of the client (see Client).
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	clock := clockOr(c.Clock)
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	where := req.Method + " " + redactURL(req.URL)
	attempts := max(c.Attempts, 1)
	for attempt := 1; ; attempt++ {
		if err := c.Limiter.Wait(ctx); err != nil {
			return nil, err
		}
		c.requests.Add(1)
		resp, body, err := c.once(ctx, req)
		var wait time.Duration
		var last error
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, errTooLarge) {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			last = fmt.Errorf("%s: %w", where, err)
			if attempt > 1 {
				last = fmt.Errorf("%s: %w (after %d attempts)", where, err, attempt)
			}
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			resp.Body = io.NopCloser(bytes.NewReader(body))
			return resp, nil
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, &loaders.CredentialError{Status: resp.StatusCode, Body: excerpt(body)}
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			se := &StatusError{Method: req.Method, URL: redactURL(req.URL), Status: resp.StatusCode, Attempts: attempt, Body: excerpt(body)}
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), clock.Now()); ok {
				if ra > c.maxRetryAfter() {
					se.Wait = ra
					return nil, se
				}
				wait = max(ra, time.Nanosecond)
			}
			last = se
		default:
			return nil, &StatusError{Method: req.Method, URL: redactURL(req.URL), Status: resp.StatusCode, Attempts: attempt, Body: excerpt(body)}
		}
		if attempt >= attempts {
			return nil, last
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		c.retries.Add(1)
		if err := clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// once sends one attempt, rebuilt from req, and reads its body whole under
// the per-attempt timeout.
func (c *Client) once(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	actx := ctx
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	r := req.Clone(actx)
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, nil, err
		}
		r.Body = b
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(r)
	if err != nil {
		// url.Error repeats the whole URL, query string included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() == nil && actx.Err() != nil {
			err = fmt.Errorf("no response within %s", c.Timeout)
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		if ctx.Err() == nil && actx.Err() != nil {
			err = fmt.Errorf("body not read within %s", c.Timeout)
		}
		return nil, nil, fmt.Errorf("reading the response: %w", err)
	}
	if len(body) > MaxBody {
		return nil, nil, errTooLarge
	}
	return resp, body, nil
}

// backoff is the delay before retry number n (1 for the first): BaseDelay
// doubled n-1 times, at most MaxDelay, of which the second half is random.
func (c *Client) backoff(n int) time.Duration {
	base, most := c.BaseDelay, c.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if most <= 0 {
		most = DefaultMaxDelay
	}
	d := base
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	d = min(d, most)
	j := c.Jitter
	if j == nil {
		j = rand.Float64
	}
	return d/2 + time.Duration(j()*float64(d/2))
}

func (c *Client) maxRetryAfter() time.Duration {
	if c.MaxRetryAfter > 0 {
		return c.MaxRetryAfter
	}
	return DefaultMaxRetryAfter
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(365*24*3600))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// redactURL is a URL for messages: without its query string and user.
func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = nil, "", false, "", ""
	return c.String()
}

// excerpt is the start of a body on one line.
func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	return loaders.Excerpt(s, excerptLen)
}
