package cxengage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// Pulling: GET {Endpoint}/v1/tenants/{Account}/interactions lists the
// interactions of a time range, most recent first, limit per page (at most
// maxLimit, the vendor's documented ceiling) from offset on. The cursor is
// the next offset. Because new interactions are listed first, one arriving
// during a pull pushes the rest down a place: a page may then repeat an
// interaction of the one before, which its natural key makes harmless; none
// is skipped.

const (
	// maxLimit is the most interactions the API returns per page.
	maxLimit = 1000
	// defaultEndpoint is the vendor's North American region; the European
	// one is configured as the endpoint.
	defaultEndpoint = "https://api.cxengage.net"
	// maxPageBytes bounds one page in memory: a thousand interactions with
	// transcripts stay far below it.
	maxPageBytes = 256 << 20
	// window is the span one query covers. The vendor documents no limit;
	// a day keeps offsets, and the cost of a page repeated after a retry,
	// small.
	window = 24 * time.Hour
)

// Options of a configured CxEngage source (SourceConfig.Options).
const (
	// OptionLimit sets the page size (1 to maxLimit; default maxLimit).
	OptionLimit = "limit"
	// OptionTimeParams names the two query parameters of the time range,
	// "start,end" by default. The vendor's pages disagree (one example
	// uses startTimeRange and endTimeRange); this lets a tenant follow
	// whichever its API honours.
	OptionTimeParams = "timeParams"
)

// MaxWindow implements loaders.API.
func (Source) MaxWindow() time.Duration { return window }

// Fetch implements loaders.API: one page of the interactions that started
// in w, from the offset in cursor. The body is the list page as the API
// sent it, which Load reads unchanged; Next is "" once the page reaches
// the total.
func (Source) Fetch(ctx context.Context, h loaders.Doer, cfg *loaders.SourceConfig, w loaders.Window, cursor string) (loaders.Page, error) {
	offset := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return loaders.Page{}, fmt.Errorf("cxengage: cursor %q is not an offset", cursor)
		}
		offset = n
	}
	req, limit, err := request(ctx, cfg, w, offset)
	if err != nil {
		return loaders.Page{}, err
	}
	resp, err := h.Do(req)
	if err != nil {
		return loaders.Page{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes+1))
	if err != nil {
		return loaders.Page{}, fmt.Errorf("cxengage: reading %s: %w", req.URL.Path, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return loaders.Page{}, &loaders.CredentialError{Status: resp.StatusCode, Body: loaders.Excerpt(string(body), 200)}
	case resp.StatusCode/100 != 2:
		return loaders.Page{}, fmt.Errorf("cxengage: GET %s: HTTP %d: %s", req.URL.Path, resp.StatusCode, loaders.Excerpt(string(body), 200))
	case len(body) > maxPageBytes:
		return loaders.Page{}, fmt.Errorf("cxengage: GET %s: page larger than %d MiB; lower the %q option", req.URL.Path, maxPageBytes>>20, OptionLimit)
	}
	next, err := nextCursor(body, offset, limit)
	if err != nil {
		return loaders.Page{}, fmt.Errorf("cxengage: GET %s: %w", req.URL.Path, err)
	}
	return loaders.Page{Body: body, Next: next}, nil
}

// request builds the GET of one page.
func request(ctx context.Context, cfg *loaders.SourceConfig, w loaders.Window, offset int) (*http.Request, int, error) {
	if cfg.Account == "" {
		return nil, 0, errors.New("cxengage: no tenant id configured (the source's account)")
	}
	if cfg.Secret == "" {
		return nil, 0, errors.New("cxengage: no credential configured")
	}
	limit := maxLimit
	if s := cfg.Options[OptionLimit]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, 0, fmt.Errorf("cxengage: option %s=%q is not a page size", OptionLimit, s)
		}
		limit = min(n, maxLimit)
	}
	startParam, endParam := "start", "end"
	if s := cfg.Options[OptionTimeParams]; s != "" {
		a, b, ok := strings.Cut(s, ",")
		if !ok || strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
			return nil, 0, fmt.Errorf("cxengage: option %s=%q should name two parameters, as in start,end", OptionTimeParams, s)
		}
		startParam, endParam = strings.TrimSpace(a), strings.TrimSpace(b)
	}
	base := cfg.Endpoint
	if base == "" {
		base = defaultEndpoint
	}
	u, err := url.Parse(strings.TrimRight(base, "/") + "/v1/tenants/" + url.PathEscape(cfg.Account) + "/interactions")
	if err != nil {
		return nil, 0, fmt.Errorf("cxengage: endpoint %q: %w", base, err)
	}
	const layout = "2006-01-02T15:04:05.000Z"
	q := url.Values{}
	q.Set(startParam, w.From.UTC().Format(layout))
	q.Set(endParam, w.To.UTC().Format(layout))
	q.Set("limit", strconv.Itoa(limit))
	q.Set("offset", strconv.Itoa(offset))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	// An API key and secret (or a user and password) go as HTTP Basic; any
	// other secret is a token.
	if user, pass, ok := strings.Cut(cfg.Secret, ":"); ok {
		req.SetBasicAuth(user, pass)
	} else {
		req.Header.Set("Authorization", "Bearer "+cfg.Secret)
	}
	return req, limit, nil
}

// nextCursor is the offset after this page, or "" when the page is the
// last: it reaches the total, or is empty (a total that overstates would
// otherwise loop), or, without a total, is short.
func nextCursor(body []byte, offset, limit int) (string, error) {
	var p struct {
		Total   num        `json:"total"`
		Results []struct{} `json:"results"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) || te.Field != "results" {
			return "", fmt.Errorf("not a list page: %w", err)
		}
	}
	n := len(p.Results)
	next := offset + n
	switch {
	case n == 0:
		return "", nil
	case p.Total.ok && float64(next) >= p.Total.v:
		return "", nil
	case !p.Total.ok && n < limit:
		return "", nil
	}
	return strconv.Itoa(next), nil
}
