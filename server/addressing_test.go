package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// TestAddressing checks the resource paths below the service root: keys in
// every spelling, properties and raw values, navigation, $count, $ref, and
// what unknown names, keys and methods get.
func TestAddressing(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	entityCtx := f.URL + "$metadata#Conversations/$entity"

	for _, tc := range []struct {
		name, path string
		status     int
		ctype      string // Content-Type prefix
		check      func(t *testing.T, r *reply)
	}{
		{"key in parentheses", "Conversations('" + convKey + "')", 200, "application/json", entityIs(convKey, entityCtx)},
		{"key with %3A", "Conversations('" + strings.ReplaceAll(convKey, ":", "%3A") + "')", 200, "application/json", entityIs(convKey, entityCtx)},
		{"key with %27 quotes", "Conversations(%27" + strings.ReplaceAll(convKey, ":", "%3A") + "%27)", 200, "application/json", entityIs(convKey, entityCtx)},
		{"trailing slash on an entity", "Conversations('" + convKey + "')/", 200, "application/json", entityIs(convKey, entityCtx)},
		{"trailing slash on a set", "Conversations/?$top=3&$select=id", 200, "application/json", func(t *testing.T, r *reply) {
			var c collection
			r.decode(t, &c, "set/")
			if len(c.Value) != 3 || c.Context != f.URL+"$metadata#Conversations(id)" {
				t.Errorf("Conversations/: %d rows, context %q", len(c.Value), c.Context)
			}
		}},
		{"trailing slash on a navigation", "Conversations('" + convKey + "')/Messages/$count/", 200, "text/plain", bodyIs(strconv.Itoa(convMsgs))},
		{"key as segment", "Conversations/" + convKey, 200, "application/json", entityIs(convKey, entityCtx)},
		{"key as segment, encoded", "Conversations/" + strings.ReplaceAll(convKey, ":", "%3A"), 200, "application/json", entityIs(convKey, entityCtx)},
		{"named key", "Conversations(id='" + convKey + "')", 200, "application/json", entityIs(convKey, entityCtx)},
		{"slice set by key", "Chats('" + convKey + "')", 200, "application/json", entityIs(convKey, f.URL+"$metadata#Chats/$entity")},
		{"key of another slice", "Calls('" + convKey + "')", 404, "application/json", errorIs("not_found", convKey)},
		{"entity with $select", "Conversations('" + convKey + "')?$select=id,agentId", 200, "application/json", func(t *testing.T, r *reply) {
			var e map[string]any
			r.decode(t, &e, "entity")
			if len(e) != 3 || e["agentId"] != convAgent || e["@odata.context"] != f.URL+"$metadata#Conversations(id,agentId)/$entity" {
				t.Errorf("entity with $select: %v", e)
			}
		}},
		{"property", "Conversations('" + convKey + "')/agentId", 200, "application/json", func(t *testing.T, r *reply) {
			var v map[string]any
			r.decode(t, &v, "property")
			if v["value"] != convAgent || len(v) != 2 {
				t.Errorf("property body %v, want value %q and a context", v, convAgent)
			}
			if ctx, _ := v["@odata.context"].(string); !strings.HasPrefix(ctx, f.URL+"$metadata#") {
				t.Errorf("property @odata.context %q is not absolute", ctx)
			}
		}},
		{"date-time property", "Conversations('" + convKey + "')/startedAtUTC", 200, "application/json", func(t *testing.T, r *reply) {
			var v map[string]any
			r.decode(t, &v, "property")
			if v["value"] != convStart {
				t.Errorf("startedAtUTC %v, want %s", v["value"], convStart)
			}
		}},
		{"$value string", "Conversations('" + convKey + "')/agentId/$value", 200, "text/plain", bodyIs(convAgent)},
		{"$value date-time", "Conversations('" + convKey + "')/startedAtUTC/$value", 200, "text/plain", bodyIs(convStart)},
		{"$value boolean", "Conversations('" + convKey + "')/isOutbound/$value", 200, "text/plain", bodyIs("true")},
		{"$value double", "Conversations('" + convKey + "')/durationInSeconds/$value", 200, "text/plain", bodyIs(convDuration)},
		{"null property", "Conversations('" + convKey + "')/endedAtUTC", 204, "", bodyIs("")},
		{"null $value", "Conversations('" + convKey + "')/endedAtUTC/$value", 204, "", bodyIs("")},
		{"single navigation", "Conversations('" + convKey + "')/Agent", 200, "application/json", entityIs(convAgent, f.URL+"$metadata#Agents/$entity")},
		{"property through navigation", "Conversations('" + convKey + "')/Agent/id/$value", 200, "text/plain", bodyIs(convAgent)},
		{"null single navigation", "Conversations('" + convKey + "')/NextConversation", 204, "", bodyIs("")},
		{"collection navigation", "Conversations('" + convKey + "')/Messages?$select=id,conversationId", 200, "application/json", func(t *testing.T, r *reply) {
			var c collection
			r.decode(t, &c, "nav")
			if len(c.Value) != convMsgs || c.Context != f.URL+"$metadata#Messages(id,conversationId)" {
				t.Errorf("%d messages, context %q; want %d and #Messages(id,conversationId)", len(c.Value), c.Context, convMsgs)
			}
			for _, m := range c.Value {
				if m["conversationId"] != convKey {
					t.Errorf("message %v belongs to %v", m["id"], m["conversationId"])
				}
			}
		}},
		{"collection navigation with options", "Conversations('" + convKey + "')/Messages?$select=id&$orderby=id%20desc&$top=2&$count=true", 200, "application/json", func(t *testing.T, r *reply) {
			var c collection
			r.decode(t, &c, "nav")
			if len(c.Value) != 2 || c.Count == nil || *c.Count != convMsgs || c.Value[0]["id"] != convLastMsg {
				t.Errorf("rows %v count %v; want the last two messages and a count of %d", c.Value, c.Count, convMsgs)
			}
		}},
		{"navigation $count", "Conversations('" + convKey + "')/Messages/$count", 200, "text/plain", bodyIs(strconv.Itoa(convMsgs))},
		{"navigation $count with $filter", "Conversations('" + convKey + "')/Messages/$count?$filter=senderType%20eq%20%27bot%27", 200, "text/plain", nil},
		{"entity through collection navigation", "Conversations('" + convKey + "')/Messages('" + convMsg + "')?$select=id", 200, "application/json", entityIs(convMsg, f.URL+"$metadata#Messages(id)/$entity")},
		{"entity of another parent", "Conversations('" + convKey + "')/Messages('" + otherMsg + "')", 404, "application/json", errorIs("not_found", "")},
		{"$ref of an entity", "Conversations('" + convKey + "')/$ref", 200, "application/json", func(t *testing.T, r *reply) {
			var v map[string]any
			r.decode(t, &v, "$ref")
			if v["@odata.id"] != f.URL+"Conversations('"+convKey+"')" || v["@odata.context"] != f.URL+"$metadata#$ref" {
				t.Errorf("$ref body %v", v)
			}
		}},
		{"$ref of a collection", "Conversations('" + convKey + "')/Messages/$ref?$top=3", 200, "application/json", func(t *testing.T, r *reply) {
			var c collection
			r.decode(t, &c, "$ref")
			if c.Context != f.URL+"$metadata#Collection($ref)" || len(c.Value) != 3 {
				t.Fatalf("$ref collection: context %q, %d rows", c.Context, len(c.Value))
			}
			for _, v := range c.Value {
				id, _ := v["@odata.id"].(string)
				if len(v) != 1 || !strings.HasPrefix(id, f.URL+"Messages('"+convKey+":") {
					t.Errorf("$ref entry %v", v)
				}
			}
		}},
		{"unknown key", "Conversations('contoso:demo:nope')", 404, "application/json", errorIs("not_found", "contoso:demo:nope")},
		{"unknown key with a doubled quote", "Conversations('it''s')", 404, "application/json", errorIs("not_found", "it's")},
		{"unknown key with an encoded slash", "Conversations('a%2Fb')", 404, "application/json", errorIs("not_found", "a/b")},
		{"property of an unknown key", "Conversations('nope')/agentId", 404, "application/json", errorIs("not_found", "nope")},
		{"single navigation of an unknown key", "Conversations('nope')/Agent", 404, "application/json", errorIs("not_found", "")},
		{"collection navigation of an unknown key", "Conversations('nope')/Messages", 404, "application/json", errorIs("not_found", "nope")},
		{"$count of a navigation of an unknown key", "Conversations('nope')/Messages/$count", 404, "application/json", errorIs("not_found", "nope")},
		{"$ref of a navigation of an unknown key", "Conversations('nope')/Messages/$ref", 404, "application/json", errorIs("not_found", "nope")},
		{"unknown set", "Conversation", 404, "application/json", errorIs("not_found", "did you mean 'Conversations'?")},
		{"unknown set, case", "conversations", 404, "application/json", errorIs("not_found", "did you mean 'Conversations'?")},
		{"unknown property", "Conversations('" + convKey + "')/agnetId", 404, "application/json", errorIs("not_found", "did you mean 'agentId'?")},
		{"unquoted key", "Conversations(42)", 400, "application/json", errorIs("invalid", "in quotes")},
		{"wrong key name", "Conversations(key='x')", 400, "application/json", errorIs("invalid", "'id'")},
		{"key on a single navigation", "Conversations('" + convKey + "')/Agent('x')", 400, "application/json", errorIs("invalid", "takes no key")},
		{"$value of an entity", "Conversations('" + convKey + "')/$value", 400, "application/json", errorIs("invalid", "$value")},
		{"$count of an entity", "Conversations('" + convKey + "')/$count", 400, "application/json", errorIs("invalid", "$count")},
		{"segment after $count", "Conversations/$count/x", 400, "application/json", errorIs("invalid", "nothing may follow")},
		{"$batch", "$batch", 501, "application/json", errorIs("not_implemented", "$batch")},
		{"$filter on an entity", "Conversations('" + convKey + "')?$filter=id%20eq%20%27x%27", 400, "application/json", errorIs("invalid", "$filter")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, f, f.URL+tc.path, tok)
			if r.Status != tc.status {
				t.Fatalf("GET %s: status %d, want %d: %.400s", tc.path, r.Status, tc.status, r.Body)
			}
			checkOneVersion(t, r, tc.name)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) || (tc.ctype == "" && ct != "") {
				t.Errorf("Content-Type %q, want %q", ct, tc.ctype)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}

	t.Run("navigation collection equals a $filter on the foreign key", func(t *testing.T) {
		nav := ids(t, rows(walk(t, f, f.URL+"Agents('"+convAgent+"')/Conversations?$select=id", tok, "Prefer", "odata.maxpagesize=7")))
		flt := ids(t, rows(walk(t, f, f.URL+"Conversations?$select=id&$filter=agentId%20eq%20%27"+strings.ReplaceAll(convAgent, ":", "%3A")+"%27", tok)))
		if len(nav) == 0 {
			t.Fatal("the agent has no conversations: the test proves nothing")
		}
		sameKeys(t, "Agents(k)/Conversations versus $filter=agentId eq k", nav, flt)
		if n := count(t, f, f.URL+"Agents('"+convAgent+"')/Conversations/$count", tok); n != len(nav) {
			t.Errorf("/$count %d, walked %d", n, len(nav))
		}
	})

	t.Run("query options", func(t *testing.T) {
		for _, tc := range []struct {
			name, query string
			status      int
			want        []string // substrings of the body
		}{
			{"unknown custom option ignored", "$select=id&$top=1&apikey=secret&foo=bar", 200, []string{`"value":[{"id":`}},
			{"Power BI API key parameter", "ApiKey=abc&$top=1&$select=id", 200, []string{`"value":[{"id":`}},
			{"unknown $-option", "$foo=1", 501, []string{"$foo"}},
			{"OData 3 $inlinecount", "$inlinecount=allpages", 501, []string{"$count=true"}},
			{"known, not offered", "$deltatoken=1", 501, []string{"$deltatoken"}},
			{"option without $ is 4.01 style", "top=1&select=id", 200, []string{`"value":[{"id":`}},
			{"unknown property in $select", "$select=id,agnetId", 400, []string{"agnetId", "position 4", "agentId"}},
			{"unknown property in $filter", "$filter=csat%20gt%203%20and%20agnetId%20eq%20null", 400, []string{"agnetId", "position 15", "agentId"}},
			{"unknown property in $orderby", "$orderby=startedAtUTC,strtedAt%20desc", 400, []string{"strtedAt", "position 14", "startedAt"}},
			{"option given twice", "$top=1&$top=2", 400, []string{"$top"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := get(t, f, f.URL+"Conversations?"+tc.query, tok)
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %.400s", r.Status, tc.status, r.Body)
				}
				if r.Status >= 400 {
					checkErrorBody(t, r, tc.name)
				}
				for _, w := range tc.want {
					if !strings.Contains(string(r.Body), w) {
						t.Errorf("body lacks %q: %.400s", w, r.Body)
					}
				}
			})
		}
	})

	t.Run("methods", func(t *testing.T) {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			for _, p := range []string{"Conversations", "Conversations('" + convKey + "')", "$batch", ""} {
				r := do(t, m, f.URL+p, tok, "Content-Type", "application/json")
				if r.Status != http.StatusNotImplemented {
					t.Errorf("%s %s: status %d, want 501", m, p, r.Status)
					continue
				}
				checkOneVersion(t, r, m)
				e := checkErrorBody(t, r, m)
				if !strings.Contains(e.Error.Message, m) || !strings.Contains(e.Error.Message, "read-only") {
					t.Errorf("%s %s: message %q, want the method and read-only", m, p, e.Error.Message)
				}
			}
		}
		// HEAD is a GET without a body.
		r := do(t, http.MethodHead, f.URL+"Agents", tok)
		if r.Status != http.StatusOK || len(r.Body) != 0 {
			t.Errorf("HEAD: %d with %d body bytes", r.Status, len(r.Body))
		}
	})
}

func entityIs(id, ctx string) func(t *testing.T, r *reply) {
	return func(t *testing.T, r *reply) {
		t.Helper()
		var e map[string]any
		r.decode(t, &e, "entity")
		if e["id"] != id {
			t.Errorf("entity id %v, want %s", e["id"], id)
		}
		if e["@odata.context"] != ctx {
			t.Errorf("@odata.context %v, want %s", e["@odata.context"], ctx)
		}
		if _, ok := e["value"]; ok {
			t.Error("a single entity is not wrapped in value")
		}
	}
}

func bodyIs(want string) func(t *testing.T, r *reply) {
	return func(t *testing.T, r *reply) {
		t.Helper()
		if string(r.Body) != want {
			t.Errorf("body %q, want %q", r.Body, want)
		}
	}
}

func errorIs(code, inMessage string) func(t *testing.T, r *reply) {
	return func(t *testing.T, r *reply) {
		t.Helper()
		e := checkErrorBody(t, r, "error")
		if e.Error.Code != code {
			t.Errorf("code %q, want %q", e.Error.Code, code)
		}
		if !strings.Contains(e.Error.Message, inMessage) {
			t.Errorf("message %q does not contain %q", e.Error.Message, inMessage)
		}
	}
}

// TestTenantScope checks addressing with a token for one tenant: other
// tenants' rows are invisible, and addressing one by key, or navigating from
// it, answers the same 404 as a key that does not exist.
func TestTenantScope(t *testing.T) {
	f := feedtest.StartDemo(t)
	all := f.ReadToken(t)
	contoso := f.Token(t, ccfeed.ScopeRead, "contoso")
	const other = otherCall

	got := ids(t, rows(walk(t, f, f.URL+"Conversations?$select=id,tenantId", contoso, "Prefer", "odata.maxpagesize=500")))
	want := ids(t, rows(walk(t, f, f.URL+"Conversations?$select=id&$filter=tenantId%20eq%20%27contoso%27", all)))
	if len(want) == 0 || len(want) == 4500 {
		t.Fatalf("contoso has %d of 4500 conversations: the test proves nothing", len(want))
	}
	sameKeys(t, "contoso token versus tenantId filter", got, want)
	if n := count(t, f, f.URL+"Conversations/$count", contoso); n != len(want) {
		t.Errorf("/$count with a contoso token: %d, want %d", n, len(want))
	}

	if r := get(t, f, f.URL+"Conversations('"+other+"')", all); r.Status != http.StatusOK {
		t.Fatalf("%s does not exist for an all-tenant token (%d): pick another key", other, r.Status)
	}
	for _, p := range []string{
		"Conversations('" + other + "')",
		"Conversations('" + other + "')/agentId",
		"Conversations('" + other + "')/Agent",
		"Conversations('" + other + "')/Messages",
		"Conversations('" + other + "')/Messages/$count",
	} {
		r := get(t, f, f.URL+p, contoso)
		if r.Status != http.StatusNotFound {
			t.Errorf("%s with a contoso token: status %d, want 404: %.300s", p, r.Status, r.Body)
			continue
		}
		checkErrorBody(t, r, p)
	}
}
