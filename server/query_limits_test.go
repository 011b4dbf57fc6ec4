package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/query"
	"github.com/ccfeed/ccfeed/server"
)

// Every named limit answers 400 with a message that names it, and requests
// just inside the limits work.
func TestQueryLimits(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	list := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf("'k%d'", i)
		}
		return strings.Join(items, ",")
	}
	nested := func(n int) string { return strings.Repeat("(", n) + "true" + strings.Repeat(")", n) }
	keys := func(n int) string {
		k := make([]string, n)
		for i := range k {
			k[i] = "id"
		}
		return strings.Join(k, ",")
	}
	long := "Conversations?$filter=id ne '" + strings.Repeat("x", 8<<10) + "'&$top=1"
	cases := []struct {
		name, req string
		status    int
		want      string // fragment of the error message
	}{
		{"url_8kb_accepted", long, http.StatusOK, ""},
		{"url_too_long", "Conversations?$filter=" + strings.Repeat("a", query.MaxURLLength), http.StatusBadRequest, "longer than the limit"},
		{"in_list_at_limit", "Conversations?$top=1&$filter=id in (" + list(query.MaxInListLength) + ")", http.StatusOK, ""},
		{"in_list_too_long", "Conversations?$filter=id in (" + list(query.MaxInListLength+1) + ")", http.StatusBadRequest, "at most"},
		{"expr_depth", "Conversations?$filter=" + nested(query.MaxExprDepth+5), http.StatusBadRequest, "nested deeper"},
		{"expr_nodes", "Conversations?$filter=" + strings.Repeat("id eq 'x' or ", query.MaxExprNodes/3) + "true", http.StatusBadRequest,
			fmt.Sprintf("more than %d parts", query.MaxExprNodes)},
		{"orderby_keys_at_limit", "Conversations?$top=1&$orderby=" + keys(query.MaxOrderByKeys), http.StatusOK, ""},
		{"orderby_keys", "Conversations?$orderby=" + keys(query.MaxOrderByKeys+1), http.StatusBadRequest, "more than"},
		{"top", fmt.Sprintf("Conversations?$top=%d", query.MaxTop+1), http.StatusBadRequest, "at most"},
		{"skip", fmt.Sprintf("Conversations?$skip=%d", query.MaxSkip+1), http.StatusBadRequest, ""},
		{"expand_depth", "Conversations?$expand=Messages($expand=Conversation($expand=Messages($expand=Conversation($expand=Agent))))", http.StatusBadRequest, "deeper than"},
		{"apply_top", fmt.Sprintf("Conversations?$apply=top(%d)", query.MaxTop+1), http.StatusBadRequest, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, f, f.URL+strings.ReplaceAll(c.req, " ", "%20"), tok)
			r.mustStatus(t, c.status, c.name)
			if c.status != http.StatusOK {
				e := checkErrorBody(t, r, c.name)
				if !strings.Contains(e.Error.Message, c.want) {
					t.Errorf("message %q does not contain %q", e.Error.Message, c.want)
				}
			}
		})
	}
	if len(long) < 8<<10 {
		t.Fatalf("the long URL is only %d bytes", len(long))
	}
}

// A query that runs past the time limit is interrupted inside SQLite and
// answered with the limit's 400 before any row is sent.
func TestQueryTimeLimit(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{QueryTimeout: 20 * time.Millisecond}})
	tok := f.ReadToken(t)
	// Each message against every message of a large conversation set: far
	// more than 20 ms of work, and no row before the sort finishes.
	heavy := "Messages?$filter=Conversation/Messages/any(m:contains(m/body,'zzz') or m/Conversation/Messages/any(n:n/body eq m/body))&$orderby=body desc"
	start := time.Now()
	r := get(t, f, f.URL+strings.ReplaceAll(heavy, " ", "%20"), tok)
	took := time.Since(start)
	r.mustStatus(t, http.StatusBadRequest, "heavy query")
	e := checkErrorBody(t, r, "heavy query")
	if e.Error.Code != "limit" && !strings.Contains(e.Error.Message, "time limit") {
		t.Errorf("error %+v: want the time limit named", e.Error)
	}
	if took > 5*time.Second {
		t.Errorf("the interrupted query still took %v", took)
	}
	// The connection is usable afterwards.
	get(t, f, f.URL+"Conversations?$top=1", tok).mustStatus(t, http.StatusOK, "after the interrupt")
}

// $apply answers like the rest of the feed for what it cannot answer: a
// navigation from a key that names nothing is a 404, and the result never
// repeats a member.
func TestApplyEdges(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	r := get(t, f, f.URL+"Conversations('contoso:demo:nope')/Messages?$apply=aggregate($count%20as%20n)", tok)
	r.mustStatus(t, http.StatusNotFound, "aggregate below a missing key")
	r = get(t, f, f.URL+"Conversations('"+convKey+"')/Messages?$apply=aggregate($count%20as%20n)", tok)
	r.mustStatus(t, http.StatusOK, "aggregate below a key")
	if !strings.Contains(string(r.Body), fmt.Sprintf(`"n":%d`, convMsgs)) {
		t.Errorf("count of the conversation's messages: %s", r.Body)
	}
	r = get(t, f, f.URL+"Conversations?$apply=groupby((Queue/name),aggregate($count%20as%20n))/compute(n%20as%20Queue)", tok)
	r.mustStatus(t, http.StatusBadRequest, "compute alias equal to a grouping path's object")
	r = get(t, f, f.URL+"Conversations?$apply=groupby((channelId))&$select=channelId,channelId", tok)
	r.mustStatus(t, http.StatusOK, "select twice")
	if strings.Count(string(r.Body), `"channelId"`) != strings.Count(string(r.Body), `{"channelId"`) {
		t.Errorf("a member is repeated: %.300s", r.Body)
	}
}

// An aggregated result comes in large pages (each page runs the whole
// aggregation again), unless the client asks for smaller ones; an entity
// result of $apply keeps the feed's page size.
func TestApplyPageSize(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{PageSize: 100}})
	tok := f.ReadToken(t)
	c, _ := collectionOf(t, f, f.URL+"Conversations?$apply=groupby((id))", tok)
	if c.NextLink != "" || len(c.Value) < 1000 {
		t.Errorf("aggregated: %d rows on the first page, nextLink %q; want every group at once", len(c.Value), c.NextLink)
	}
	pages := walk(t, f, f.URL+"Conversations?$apply=groupby((id))", tok, "Prefer", "odata.maxpagesize=700")
	if len(pages) < 2 || len(pages[0].Coll.Value) != 700 || len(rows(pages)) != len(c.Value) {
		t.Errorf("with maxpagesize=700: %d pages, first %d rows, %d in all (want %d)", len(pages), len(pages[0].Coll.Value), len(rows(pages)), len(c.Value))
	}
	c, _ = collectionOf(t, f, f.URL+"Conversations?$apply=filter(durationInSeconds%20gt%200)", tok)
	if len(c.Value) != 100 || c.NextLink == "" {
		t.Errorf("entities: %d rows on the first page, nextLink %q; want the page size of 100", len(c.Value), c.NextLink)
	}
}

// $search has its own limits on words and nesting, answered with 400
// before SQLite sees the query: 97 words overflowed SQLite's FTS5 parser
// (a 500). At the limits, the most deeply nested search still runs.
func TestSearchLimits(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	words := func(n int, op string) string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("w%d", i)
		}
		return strings.Join(w, op)
	}
	// nested alternates AND and OR at each level, so no chain flattens.
	var nested func(level int) string
	nested = func(level int) string {
		if level == 0 {
			return "hello OR merci"
		}
		op := " AND "
		if level%2 == 0 {
			op = " OR "
		}
		return "(" + nested(level-1) + ")" + op + fmt.Sprintf("n%d", level)
	}
	deepest := nested(query.MaxSearchDepth-1) + " OR " + words(query.MaxSearchTerms-query.MaxSearchDepth-1, " OR ")
	if n := strings.Count(deepest, " OR ") + strings.Count(deepest, " AND ") + 1; n != query.MaxSearchTerms {
		t.Fatalf("the deepest search has %d terms, want %d", n, query.MaxSearchTerms)
	}
	for _, c := range []struct {
		name, req string
		status    int
		want      string
	}{
		{"200 words", "Messages?$search=" + words(200, " "), http.StatusBadRequest, fmt.Sprintf("more than %d words", query.MaxSearchTerms)},
		{"97 words", "Messages?$search=" + words(97, " "), http.StatusBadRequest, "more than"},
		{"200 words in apply", "Messages?$apply=search(" + words(200, " ") + ")/aggregate($count as n)", http.StatusBadRequest, "more than"},
		{"too deep", "Messages?$search=" + strings.Repeat("(", query.MaxSearchDepth+1) + "a" + strings.Repeat(")", query.MaxSearchDepth+1), http.StatusBadRequest, "nested deeper"},
		{"NOT too deep", "Messages?$search=" + strings.Repeat("NOT ", query.MaxSearchDepth+1) + "a", http.StatusBadRequest, "nested deeper"},
		{"words at the limit", "Messages?$search=" + words(query.MaxSearchTerms, " "), http.StatusOK, ""},
		{"ORs at the limit", "Messages?$search=" + words(query.MaxSearchTerms, " OR "), http.StatusOK, ""},
		{"deepest at the limit", "Messages?$search=" + deepest, http.StatusOK, ""},
		{"deepest with NOT", "Messages?$search=NOT (" + nested(query.MaxSearchDepth-2) + ") OR " + words(40, " OR "), http.StatusOK, ""},
		{"deepest in apply", "Messages?$apply=search(" + deepest + ")/aggregate($count as n)", http.StatusOK, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, f, f.URL+strings.ReplaceAll(strings.ReplaceAll(c.req, " ", "%20"), "$count", "%24count"), tok)
			r.mustStatus(t, c.status, c.name)
			if c.status != http.StatusOK {
				if e := checkErrorBody(t, r, c.name); !strings.Contains(e.Error.Message, c.want) || !strings.Contains(e.Error.Message, "$search") {
					t.Errorf("message %q does not name $search and %q", e.Error.Message, c.want)
				}
			}
		})
	}
}
