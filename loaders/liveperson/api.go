package liveperson

import (
	"bytes"
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

// The pull uses the Messaging Interactions conversations search method:
// POST {endpoint}/messaging_history/api/account/{account}/conversations/search
// with the window in the body as epoch milliseconds, paged by offset and
// limit in the query string.

// maxWindow keeps each query inside the vendor's limit of three months per
// search. The shortest three calendar months (February to April of a
// common year) are 89 days, and the API widens the bounds to whole ten
// minutes; 88 days stays inside the limit whatever the month.
const maxWindow = 88 * 24 * time.Hour

// pageLimit is the vendor's largest page.
const pageLimit = 100

// maxPageBytes bounds one response in memory (100 conversations with their
// messages and attributes are a few megabytes).
const maxPageBytes = 256 << 20

// contentToRetrieve asks for everything the loader maps: without it the
// API leaves out the unauthenticated attributes and the monitoring data.
var contentToRetrieve = []string{
	"campaign", "messageRecords", "agentParticipants", "agentParticipantsLeave", "agentParticipantsActive",
	"consumerParticipants", "transfers", "interactions", "messageScores", "messageStatuses",
	"conversationSurveys", "coBrowseSessions", "summary", "sdes", "unAuthSdes", "monitoring",
}

// MaxWindow implements loaders.API.
func (Source) MaxWindow() time.Duration { return maxWindow }

// searchBody is the request body: conversations that started in the window.
type searchBody struct {
	Start struct {
		From int64 `json:"from"`
		To   int64 `json:"to"`
	} `json:"start"`
	ContentToRetrieve []string `json:"contentToRetrieve"`
}

// Fetch implements loaders.API: one page of the conversations that started
// in [w.From, w.To). The cursor is the offset of the next page as decimal
// text ("" for the first page, and "" after the last). Pages are sorted by
// start time, ascending, so conversations that start while the pull pages
// through the window land after the current offset instead of shifting the
// pages already read. The body of the page is returned unchanged: Load
// reads it as it reads a file.
//
// The credential is sent as a bearer token; Options["limit"] lowers the
// page size (at most 100).
func (Source) Fetch(ctx context.Context, h loaders.Doer, cfg *loaders.SourceConfig, w loaders.Window, cursor string) (loaders.Page, error) {
	if cfg.Endpoint == "" || cfg.Account == "" {
		return loaders.Page{}, errors.New("liveperson: the source needs an endpoint (the messaging history domain) and an account id")
	}
	if !w.To.After(w.From) {
		return loaders.Page{}, fmt.Errorf("liveperson: empty window %s to %s", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	if w.To.Sub(w.From) > maxWindow {
		return loaders.Page{}, fmt.Errorf("liveperson: window of %s is longer than the %s one search may cover", w.To.Sub(w.From), maxWindow)
	}
	offset := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return loaders.Page{}, fmt.Errorf("liveperson: bad page cursor %q", cursor)
		}
		offset = n
	}
	limit := pageLimit
	if s := cfg.Options["limit"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return loaders.Page{}, fmt.Errorf("liveperson: option limit must be a whole number from 1 to %d, not %q", pageLimit, s)
		}
		limit = min(n, pageLimit)
	}

	var body searchBody
	// The API includes both bounds; the window excludes its end.
	body.Start.From, body.Start.To = w.From.UnixMilli(), w.To.UnixMilli()-1
	body.ContentToRetrieve = contentToRetrieve
	payload, _ := json.Marshal(body)
	q := url.Values{}
	q.Set("offset", strconv.Itoa(offset))
	q.Set("limit", strconv.Itoa(limit))
	q.Set("sort", "start:asc")
	// Version 2 returns unauthenticated attributes too, with their types.
	q.Set("v", "2")
	u := strings.TrimRight(cfg.Endpoint, "/") + "/messaging_history/api/account/" + url.PathEscape(cfg.Account) +
		"/conversations/search?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return loaders.Page{}, fmt.Errorf("liveperson: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+cfg.Secret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := h.Do(req)
	if err != nil {
		return loaders.Page{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes+1))
	if err != nil {
		return loaders.Page{}, fmt.Errorf("liveperson: reading the page at offset %d: %w", offset, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return loaders.Page{}, &loaders.CredentialError{Status: resp.StatusCode, Body: loaders.Excerpt(string(data), 200)}
	case resp.StatusCode/100 != 2:
		return loaders.Page{}, fmt.Errorf("liveperson: conversations search answered HTTP %d: %s", resp.StatusCode, loaders.Excerpt(string(data), 200))
	case len(data) > maxPageBytes:
		return loaders.Page{}, fmt.Errorf("liveperson: the page at offset %d is larger than %d MB; lower the limit option", offset, maxPageBytes>>20)
	}
	next, err := nextCursor(data, offset, limit)
	if err != nil {
		return loaders.Page{}, err
	}
	return loaders.Page{Body: data, Next: next}, nil
}

// nextCursor reads where the next page starts: the offset in _metadata's
// next link when there is one (only its offset: the link's host is not
// trusted with the token), else offset + records while fewer than count
// were read. A page without records ends the window.
func nextCursor(data []byte, offset, limit int) (string, error) {
	var page struct {
		Metadata struct {
			Count scalar `json:"count"`
			Next  struct {
				Href string `json:"href"`
			} `json:"next"`
		} `json:"_metadata"`
		Records []json.RawMessage `json:"conversationHistoryRecords"`
	}
	if err := json.Unmarshal(data, &page); err != nil {
		return "", fmt.Errorf("liveperson: the page at offset %d is not a conversations search response: %w", offset, err)
	}
	n := len(page.Records)
	if n == 0 {
		return "", nil
	}
	if href := page.Metadata.Next.Href; href != "" {
		if u, err := url.Parse(href); err == nil {
			if o, err := strconv.Atoi(u.Query().Get("offset")); err == nil && o > offset {
				return strconv.Itoa(o), nil
			}
		}
	}
	if count, ok := page.Metadata.Count.int(); ok {
		if int64(offset+n) < count {
			return strconv.Itoa(offset + n), nil
		}
		return "", nil
	}
	if n >= limit {
		return strconv.Itoa(offset + n), nil
	}
	return "", nil
}
