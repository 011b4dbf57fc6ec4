package buzzeasy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
)

// Pulling the feed.
//
// Buzzeasy's feed has no time-window parameters of its own, so a window is a
// $filter on each fact table's main UTC time (startedAtUTC for
// conversations, queuedAtUTC, startTimeUTC, timestampUTC, ...): "ge From and
// lt To", so consecutive windows neither overlap nor leave a gap (rows with
// no such time are read in every window). Lookup
// tables are read whole in every window: they are small and refreshed once a
// day, and a full read is the only way to see a deletedAt set later. Tables
// without a time column (WorkitemConversationSessions, the campaign record
// detail tables) and CampaignRecords, which change state long after they are
// created, are read whole too.
//
// Which tables, and how the feed spells each time column, comes from the
// feed's $metadata, read at the start of a pull: OData names are
// case-sensitive and Buzzeasy writes startTimeUtc where the model (and a
// ccfeed feed) writes startTimeUTC. By default every table of the feed the
// model knows is pulled, except Conversations when Calls, Chats and Emails
// are there (it is their union; they also say the medium). The "tables"
// option (comma-separated) restricts the list.
//
// Paging follows @odata.nextLink until a page has none. The cursor holds the
// tables still to read and the next page's URL, so an interrupted pull
// resumes at the page it stopped at; it is "" when every table is done.

// maxWindow is one day. Buzzeasy documents no limit; a day keeps each
// filtered query small for the vendor's server and a backfill in units that
// resume cheaply, and costs one extra read of the (small) lookup tables per
// day of history.
const maxWindow = 24 * time.Hour

// maxBody bounds one response: a page of a few thousand rows is a few
// megabytes, and the whole page is held in memory to be loaded.
const maxBody = 256 << 20

// MaxWindow implements loaders.API.
func (Source) MaxWindow() time.Duration { return maxWindow }

// cursor is where a pull stands, as Page.Next carries it.
type cursor struct {
	// Tables still to read, the current one first.
	Tables []step `json:"tables"`
	// Next is the URL of the current table's next page; "" for its first.
	Next string `json:"next,omitempty"`
}

// step is one table of a pull.
type step struct {
	// Set is the feed's name of the table.
	Set string `json:"set"`
	// Time is the feed's name of the column the window filters on; "" reads
	// the table whole.
	Time string `json:"time,omitempty"`
}

// wholeTables change after their main time or have none: always read whole.
var wholeTables = map[string]bool{"CampaignRecords": true}

// Fetch implements loaders.API.
func (s Source) Fetch(ctx context.Context, h loaders.Doer, cfg *loaders.SourceConfig, w loaders.Window, cur string) (loaders.Page, error) {
	if strings.TrimSpace(cfg.Endpoint) == "" {
		return loaders.Page{}, errors.New("buzzeasy: no endpoint configured (the feed's service root, https://.../odata)")
	}
	if cfg.Secret == "" {
		return loaders.Page{}, errors.New("buzzeasy: no bearer token configured for this source")
	}
	var c cursor
	if cur == "" {
		tables, err := plan(ctx, h, cfg)
		if err != nil {
			return loaders.Page{}, err
		}
		c.Tables = tables
	} else if err := json.Unmarshal([]byte(cur), &c); err != nil || len(c.Tables) == 0 {
		return loaders.Page{}, fmt.Errorf("buzzeasy: unreadable cursor %q", loaders.Excerpt(cur, 80))
	}
	st := c.Tables[0]
	u := c.Next
	if u == "" {
		u = firstPage(cfg, st, w)
	}
	body, err := get(ctx, h, cfg, u, "application/json;odata.metadata=minimal")
	if err != nil {
		return loaders.Page{}, err
	}
	var env struct {
		Context string          `json:"@odata.context"`
		Next    string          `json:"@odata.nextLink"`
		Value   json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return loaders.Page{}, fmt.Errorf("buzzeasy: page of %s is not valid JSON: %v", st.Set, err)
	}
	if len(env.Value) == 0 || env.Value[0] != '[' {
		return loaders.Page{}, fmt.Errorf("buzzeasy: page of %s has no value array", st.Set)
	}
	// The page is loaded like a file, which learns its table from the
	// context URL: it must be there and name the table asked for.
	if _, t := tableFromContext(env.Context); t == nil || t != tableFor(st.Set) {
		return loaders.Page{}, fmt.Errorf("buzzeasy: page of %s has the context URL %q, which does not name that table", st.Set, env.Context)
	}
	var next cursor
	switch {
	case env.Next != "":
		link, err := followable(cfg, u, env.Next)
		if err != nil {
			return loaders.Page{}, err
		}
		next = cursor{Tables: c.Tables, Next: link}
	case len(c.Tables) > 1:
		next = cursor{Tables: c.Tables[1:]}
	default:
		return loaders.Page{Body: body}, nil
	}
	nb, err := json.Marshal(next)
	if err != nil {
		return loaders.Page{}, err
	}
	return loaders.Page{Body: body, Next: string(nb)}, nil
}

// plan reads the feed's $metadata and lists the tables to pull, lookups
// first, each with the column its window is filtered on.
func plan(ctx context.Context, h loaders.Doer, cfg *loaders.SourceConfig) ([]step, error) {
	doc, err := get(ctx, h, cfg, serviceRoot(cfg)+"/$metadata", "application/xml")
	if err != nil {
		return nil, err
	}
	sets, order, err := feedSets(doc)
	if err != nil {
		return nil, fmt.Errorf("buzzeasy: %s/$metadata: %w", serviceRoot(cfg), err)
	}
	// The feed's name of each model table it has.
	feedName := map[*table]string{}
	for _, name := range order {
		if t := tableFor(name); t != nil && feedName[t] == "" {
			feedName[t] = name
		}
	}
	var chosen []*table
	if opt := strings.TrimSpace(cfg.Options["tables"]); opt != "" {
		seen := map[*table]bool{}
		for _, name := range strings.Split(opt, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			t := tableFor(name)
			if t == nil {
				return nil, fmt.Errorf("buzzeasy: option tables: unknown table %q", name)
			}
			if feedName[t] == "" {
				return nil, fmt.Errorf("buzzeasy: option tables: the feed at %s has no table %s", serviceRoot(cfg), name)
			}
			if !seen[t] {
				seen[t] = true
				chosen = append(chosen, t)
			}
		}
	} else {
		slices := 0
		for _, n := range []string{"Calls", "Chats", "Emails"} {
			if feedName[tableFor(n)] != "" {
				slices++
			}
		}
		for _, t := range allTables() {
			if feedName[t] == "" || (t.set.Name == "Conversations" && slices == 3) {
				continue
			}
			chosen = append(chosen, t)
		}
	}
	if len(chosen) == 0 {
		return nil, fmt.Errorf("buzzeasy: the feed at %s has none of the tables to pull", serviceRoot(cfg))
	}
	// Lookups first, so a pull that stops half way has the names of what
	// it loaded; otherwise model order.
	sort.SliceStable(chosen, func(i, j int) bool { return chosen[i].set.Lookup && !chosen[j].set.Lookup })
	out := make([]step, 0, len(chosen))
	for _, t := range chosen {
		st := step{Set: feedName[t]}
		if !t.set.Lookup && !wholeTables[t.set.Name] {
			st.Time = feedColumn(sets[st.Set], mainTime(t))
		}
		out = append(out, st)
	}
	return out, nil
}

// mainTime is a table's main UTC time: its first UTC timestamp (as the
// model's index on it), or "" when it has none.
func mainTime(t *table) string {
	for _, c := range t.set.Type.Table.Columns {
		if c.Type == edm.DateTimeOffset && c.UTC == nil && c.Name != "deletedAtUTC" {
			return c.Name
		}
	}
	return ""
}

// feedColumn finds the feed's spelling of a model column among props.
func feedColumn(props []string, model string) string {
	if model == "" {
		return ""
	}
	for _, p := range props {
		if normalize(p) == normalize(model) {
			return p
		}
	}
	return ""
}

func serviceRoot(cfg *loaders.SourceConfig) string {
	return strings.TrimRight(strings.TrimSpace(cfg.Endpoint), "/")
}

// firstPage is the URL of a table's first page in window w.
func firstPage(cfg *loaders.SourceConfig, st step, w loaders.Window) string {
	u := serviceRoot(cfg) + "/" + url.PathEscape(st.Set)
	if st.Time == "" {
		return u
	}
	const layout = "2006-01-02T15:04:05.999999999Z07:00"
	// Rows without the time (a ccfeed feed upstream has some: survey
	// answers and captured values its sources give no time) belong to no
	// window, so every window reads them again; loading is idempotent.
	filter := fmt.Sprintf("(%s ge %s and %s lt %s) or %s eq null", st.Time, w.From.UTC().Format(layout), st.Time, w.To.UTC().Format(layout), st.Time)
	return u + "?$filter=" + queryEscape(filter)
}

// queryEscape escapes a query value with %20 for spaces: in an OData URL a
// '+' may be read as a plus sign (a ccfeed feed does), not a space.
func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// followable resolves a nextLink against the page it came from and checks it
// stays on the feed's host: the request carries the bearer token.
func followable(cfg *loaders.SourceConfig, from, link string) (string, error) {
	base, err := url.Parse(from)
	if err != nil {
		return "", err
	}
	ref, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("buzzeasy: unreadable @odata.nextLink %q: %v", loaders.Excerpt(link, 120), err)
	}
	abs := base.ResolveReference(ref)
	root, err := url.Parse(serviceRoot(cfg))
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(abs.Scheme, root.Scheme) || !strings.EqualFold(abs.Host, root.Host) {
		return "", fmt.Errorf("buzzeasy: @odata.nextLink points to %s://%s, not to the configured feed %s; not following it with the token", abs.Scheme, abs.Host, root.Host)
	}
	if abs.String() == from {
		return "", fmt.Errorf("buzzeasy: @odata.nextLink repeats the page it is on (%s)", loaders.Excerpt(from, 120))
	}
	return abs.String(), nil
}

// get sends an authenticated GET and returns the body of a 2xx answer.
func get(ctx context.Context, h loaders.Doer, cfg *loaders.SourceConfig, u, accept string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("buzzeasy: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+cfg.Secret)
	req.Header.Set("Accept", accept)
	req.Header.Set("OData-MaxVersion", "4.0")
	if n, err := strconv.Atoi(cfg.Options["pagesize"]); err == nil && n > 0 {
		req.Header.Set("Prefer", "odata.maxpagesize="+strconv.Itoa(n))
	}
	resp, err := h.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("buzzeasy: reading %s: %w", pathOf(u), err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, &loaders.CredentialError{Status: resp.StatusCode, Body: loaders.Excerpt(string(body), 200)}
	case resp.StatusCode/100 != 2:
		return nil, fmt.Errorf("buzzeasy: %s: HTTP %d: %s", pathOf(u), resp.StatusCode, loaders.Excerpt(strings.TrimSpace(string(body)), 200))
	case len(body) > maxBody:
		return nil, fmt.Errorf("buzzeasy: %s: the answer is larger than %d MB; lower the page size (option pagesize)", pathOf(u), maxBody>>20)
	}
	return body, nil
}

// pathOf shortens a URL for messages to its path: the query can be long.
func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Path
	}
	return loaders.Excerpt(u, 80)
}
