package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/query"
	"github.com/ccfeed/ccfeed/server"
)

// An expanded navigation must hold exactly what addressing the navigation
// of each parent returns with the same options: for each case, the first
// parents' expansions are compared with Set('key')/Nav?options.
func TestExpandMatchesNavigation(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.Token(t, ccfeed.ScopeRead, "contoso")
	// Conversations are taken in time order: their keys start with the
	// source's name, and the first by key are Buzzeasy's, which have no
	// messages or transfers (Buzzeasy starts a new conversation instead).
	const inTime = "$orderby=startedAtUTC,id&"
	cases := []struct {
		name, set, nav, opts string
		order                string
		single               bool
	}{
		{name: "single", set: "Chats", nav: "Agent", opts: "$select=id,name", single: true},
		{name: "single_no_options", set: "QueueSegments", nav: "Queue", single: true},
		{name: "collection_all_options", set: "Conversations", nav: "Messages", order: inTime,
			opts: "$filter=senderType eq 'agent';$orderby=sentAtUTC desc;$top=3;$skip=1;$select=id,body;$count=true"},
		{name: "collection_plain", set: "Conversations", nav: "Transfers", order: inTime},
		{name: "collection_order_only", set: "Agents", nav: "Workitems", opts: "$orderby=startTimeUTC desc,id;$select=id,startTimeUTC"},
		{name: "collection_search", set: "Conversations", nav: "Messages", order: inTime, opts: "$search=appointment;$select=id"},
		{name: "collection_count_only_rows", set: "Conversations", nav: "Messages", order: inTime, opts: "$filter=senderType eq 'customer';$count=true;$top=0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := f.URL + c.set + "?" + c.order + "$top=25&$expand=" + c.nav
			if c.opts != "" {
				u += "(" + c.opts + ")"
			}
			coll, _ := collectionOf(t, f, escape(u), tok)
			if len(coll.Value) == 0 {
				t.Fatalf("no parents")
			}
			nonEmpty := 0
			for _, parent := range coll.Value {
				key, _ := parent["id"].(string)
				nu := f.URL + c.set + "('" + key + "')/" + c.nav
				if c.opts != "" {
					nu += "?" + strings.ReplaceAll(c.opts, ";", "&")
				}
				got := parent[c.nav]
				if c.single {
					r := get(t, f, escape(nu), tok)
					if r.Status == http.StatusNoContent {
						if got != nil {
							t.Fatalf("%s: expanded %v, the navigation answers 204", key, got)
						}
						continue
					}
					r.mustStatus(t, http.StatusOK, nu)
					var want map[string]any
					r.decode(t, &want, nu)
					delete(want, "@odata.context")
					sameJSON(t, key, got, want)
					nonEmpty++
					continue
				}
				want, _ := collectionOf(t, f, escape(nu), tok)
				sameJSON(t, key, got, want.Value)
				if want.Count != nil {
					n, ok := parent[c.nav+"@odata.count"].(json.Number)
					if !ok || n.String() != fmt.Sprint(*want.Count) {
						t.Fatalf("%s: %s@odata.count = %v, want %d", key, c.nav, parent[c.nav+"@odata.count"], *want.Count)
					}
				}
				if len(want.Value) > 0 || (want.Count != nil && *want.Count > 0) {
					nonEmpty++
				}
			}
			if nonEmpty == 0 {
				t.Fatalf("every expansion was empty: the case proves nothing")
			}
		})
	}
}

// escape percent-encodes the spaces and quotes of a readable test URL. It
// leaves ';' alone: inside $expand options a raw ';' separates options,
// and an encoded one would be part of the value.
func escape(u string) string {
	return strings.NewReplacer(" ", "%20", "'", "%27").Replace(u)
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s: expanded\n %.800s\nwant\n %.800s", what, g, w)
	}
}

// countingStore counts the expansion reads the server makes.
type countingStore struct {
	server.Store
	expands, counts atomic.Int64
}

func (c *countingStore) ReadExpand(ctx context.Context, p *ccfeed.Principal, e *query.Expand, lay *query.Layout, vals []any, emit func(any, []any) error) error {
	c.expands.Add(1)
	return c.Store.ReadExpand(ctx, p, e, lay, vals, emit)
}

func (c *countingStore) CountExpand(ctx context.Context, p *ccfeed.Principal, e *query.Expand, vals []any) (map[any]int64, error) {
	c.counts.Add(1)
	return c.Store.CountExpand(ctx, p, e, vals)
}

// One query per expanded navigation and level, whatever the page size: no
// query per parent row.
func TestExpandQueriesPerLevel(t *testing.T) {
	cs := &countingStore{}
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Store: func(s server.Store) server.Store {
		cs.Store = s
		return cs
	}})
	tok := f.ReadToken(t)
	for _, size := range []int{10, 300} {
		cs.expands.Store(0)
		cs.counts.Store(0)
		// In time order, so the page holds conversations with messages
		// (the first by key are Buzzeasy's, which have none) and the
		// nested level is read too.
		u := escape(f.URL + "Conversations?$select=id&$orderby=startedAtUTC,id&$expand=Messages($select=id;$count=true;$expand=Conversation($select=id)),Agent($select=name)")
		coll, _ := collectionOf(t, f, u, tok, "Prefer", fmt.Sprintf("odata.maxpagesize=%d", size))
		if len(coll.Value) != size {
			t.Fatalf("page of %d rows, asked for %d", len(coll.Value), size)
		}
		if e, c := cs.expands.Load(), cs.counts.Load(); e != 3 || c != 1 {
			t.Errorf("page of %d: %d expansion reads and %d counts, want 3 and 1", size, e, c)
		}
		for _, conv := range coll.Value {
			for _, m := range conv["Messages"].([]any) {
				back := m.(map[string]any)["Conversation"].(map[string]any)["id"]
				if back != conv["id"] {
					t.Fatalf("message of %v expands to conversation %v", conv["id"], back)
				}
			}
		}
	}
}

func TestExpandForms(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.Token(t, ccfeed.ScopeRead, "contoso")
	key := "'" + convKey + "'"
	one := func(u string) map[string]any {
		t.Helper()
		r := get(t, f, escape(f.URL+u), tok)
		r.mustStatus(t, http.StatusOK, u)
		var m map[string]any
		r.decode(t, &m, u)
		return m
	}
	t.Run("count", func(t *testing.T) {
		m := one("Conversations(" + key + ")?$select=id&$expand=Messages/$count")
		if n := m["Messages@odata.count"]; fmt.Sprint(n) != fmt.Sprint(convMsgs) {
			t.Errorf("Messages@odata.count = %v, want %d", n, convMsgs)
		}
		if _, ok := m["Messages"]; ok {
			t.Errorf("Messages/$count also wrote the messages")
		}
	})
	t.Run("count_filtered", func(t *testing.T) {
		m := one("Conversations(" + key + ")?$select=id&$expand=Messages/$count($filter=senderType eq 'agent')")
		want := count(t, f, escape(f.URL+"Conversations("+key+")/Messages/$count?$filter=senderType eq 'agent'"), tok)
		if n := m["Messages@odata.count"]; fmt.Sprint(n) != fmt.Sprint(want) || want == 0 || want == convMsgs {
			t.Errorf("Messages@odata.count = %v, want %d (of %d)", n, want, convMsgs)
		}
	})
	t.Run("ref", func(t *testing.T) {
		m := one("Conversations(" + key + ")?$select=id&$expand=Messages/$ref($orderby=id;$top=2)")
		refs := m["Messages"].([]any)
		if len(refs) != 2 {
			t.Fatalf("%d references, want 2", len(refs))
		}
		for _, r := range refs {
			rm := r.(map[string]any)
			id, _ := rm["@odata.id"].(string)
			if len(rm) != 1 || !strings.HasPrefix(id, f.URL+"Messages('") {
				t.Errorf("reference %v: want only an absolute @odata.id", rm)
			}
		}
	})
	t.Run("star", func(t *testing.T) {
		m := one("Conversations(" + key + ")?$select=id&$expand=*")
		for _, nav := range []string{"Messages", "Agent", "Queue", "Channel", "Transfers"} {
			if _, ok := m[nav]; !ok {
				t.Errorf("$expand=* left out %s", nav)
			}
		}
	})
	t.Run("null_single", func(t *testing.T) {
		m := one("Conversations(" + key + ")?$select=id&$expand=NextConversation")
		if v, ok := m["NextConversation"]; !ok || v != nil {
			t.Errorf("NextConversation = %v (present %v), want null", v, ok)
		}
	})
}

// Context URLs are written the 4.0 way Power Query reads: an expansion with
// no nested options is listed by name, never as Nav().
func TestExpandContextURL(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	cases := []struct{ req, want string }{
		{"Chats?$select=id,Agent&$expand=Agent&$top=1", "$metadata#Chats(id,Agent)"},
		{"Chats?$select=id&$expand=Agent($select=name)&$top=1", "$metadata#Chats(id,Agent(name))"},
		{"Chats?$expand=Agent&$top=1", "$metadata#Chats(Agent)"},
		{"Conversations?$select=id&$expand=Messages($select=id;$expand=Conversation($select=id))&$top=1",
			"$metadata#Conversations(id,Messages(id,Conversation(id)))"},
		{"Conversations('" + convKey + "')?$select=id&$expand=Agent", "$metadata#Conversations(id,Agent)/$entity"},
	}
	for _, c := range cases {
		r := get(t, f, escape(f.URL+c.req), tok)
		r.mustStatus(t, http.StatusOK, c.req)
		var m map[string]any
		r.decode(t, &m, c.req)
		if got := m["@odata.context"]; got != f.URL+c.want {
			t.Errorf("%s: context %v, want %s", c.req, got, f.URL+c.want)
		}
	}
}

func TestExpandLimits(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{MaxExpanded: 100}})
	tok := f.ReadToken(t)
	// In time order: the first conversations by key are Buzzeasy's, which
	// have no messages.
	r := get(t, f, escape(f.URL+"Conversations?$orderby=startedAtUTC&$expand=Messages"), tok)
	r.mustStatus(t, http.StatusBadRequest, "too many expanded entities")
	e := checkErrorBody(t, r, "too many expanded entities")
	if e.Error.Target != "$expand" || !strings.Contains(e.Error.Message, "100") {
		t.Errorf("error %+v: want target $expand and the limit named", e)
	}
	// Narrowed inside the expansion, the same request fits.
	coll, _ := collectionOf(t, f, escape(f.URL+"Conversations?$expand=Messages($top=1;$select=id)&$select=id"), tok,
		"Prefer", "odata.maxpagesize=50")
	if len(coll.Value) != 50 || coll.NextLink == "" {
		t.Errorf("narrowed expansion: %d rows, nextLink %q", len(coll.Value), coll.NextLink)
	}
	// A page of a collection expansion is at most ExpandPageSize entities.
	coll, _ = collectionOf(t, f, escape(f.URL+"Conversations?$expand=Transfers($top=0)&$select=id"), tok)
	if len(coll.Value) != server.ExpandPageSize {
		t.Errorf("expanding page holds %d entities, want %d", len(coll.Value), server.ExpandPageSize)
	}
	r = get(t, f, escape(f.URL+"Conversations?$expand=Messages($expand=Conversation($expand=Messages($expand=Conversation($expand=Agent))))"), tok)
	r.mustStatus(t, http.StatusBadRequest, "too deep")
	if e := checkErrorBody(t, r, "too deep"); !strings.Contains(e.Error.Message, "deeper than") {
		t.Errorf("too deep: %s", e.Error.Message)
	}
}
