package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

// The isolation fixture is the demo data (contoso, fabrikam and northwind
// interleaved in time, with the same native ids in every tenant) plus rows
// whose foreign keys cross tenants. A loader bug or a hostile source can
// write such rows; they must not open a window onto the other tenant.
const (
	isoOther   = otherCall                  // exists, in another tenant
	isoNever   = "contoso:demo:conv-999999" // never existed
	isoParent  = demoChat                   // has a fabrikam message filed under it
	isoCross   = "contoso:test:cross"       // points at fabrikam's queue, agent and next conversation
	isoDangle  = "contoso:test:dangle"      // points at ids that exist nowhere
	isoLeakMsg = "fabrikam:test:leak"
	isoSecret  = "secret-xyz-fabrikam"
)

// isoRow starts a row of set with its identity columns.
func isoRow(set, tenant, native string) *store.Row {
	r := store.NewRow(edm.Default().Set(set).Type.Table)
	return r.Set("id", tenant+":test:"+native).Set("tenantId", tenant).Set("source", "test").Set("sourceId", native)
}

func isolationDB(t testing.TB) *store.DB {
	t.Helper()
	db := feedtest.DemoDB(t)
	rows := []*store.Row{
		isoRow("Messages", "fabrikam", "leak").Set("conversationId", isoParent).Set("senderType", "customer").Set("body", isoSecret),
		isoRow("Workitems", "fabrikam", "leak-wi").Set("primaryConversationId", isoParent).Set("businessUnitId", demoUnit1),
		isoRow("Conversations", "contoso", "cross").Set("mediaType", "chat").Set("queueId", otherQueue).
			Set("agentId", store.PersonRef{ID: otherAgent, Mention: 2}).Set("nextConversationId", isoOther).Set("businessUnitId", demoUnit1),
		isoRow("Conversations", "contoso", "dangle").Set("mediaType", "chat").Set("queueId", "contoso:demo:q-999").
			Set("agentId", store.PersonRef{ID: "contoso:demo:agent-999", Mention: 1}).Set("nextConversationId", isoNever).Set("businessUnitId", demoUnit1),
		// A fabrikam row wearing a contoso-looking key: keys are unique per
		// tenant only, so this is the same key in another tenant.
		isoRow("Conversations", "fabrikam", "dup").Set("id", demoCall2).Set("mediaType", "chat").Set("customerLastName", isoSecret),
		// Fabrikam's queue gets a name nobody else has, to see whether a
		// filter or an order on Queue/name reaches it.
		isoRow("Queues", "fabrikam", "q-1").Set("id", otherQueue).Set("sourceId", otherQueueSource).Set("source", "buzzeasy").Set("name", "zzzz "+isoSecret),
	}
	err := db.Load(context.Background(), func(lt *store.LoadTx) error {
		w := lt.Writer
		for _, r := range rows {
			if _, err := w.Upsert(context.Background(), r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// rawDB opens the feed's file read-only for the test's own SQL: the oracle
// the HTTP answers are compared with.
func rawDB(t testing.TB, db *store.DB) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func sqlIDs(t testing.TB, raw *sql.DB, q string, args ...any) []string {
	t.Helper()
	rs, err := raw.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var s string
		if err := rs.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func quoteIdent(s string) string { return `"` + s + `"` }

// visible is the oracle's rule for what a principal narrowed to tenant (and
// to business units, when bus is not empty) may see of set: its tenant, the
// set's slice, and the business-unit rule of store/translate.go (rows with
// a business unit directly, rows of a conversation or workitem through
// their owner's, lookups not narrowed).
func visible(set *edm.EntitySet, alias, tenant string, bus []string) (string, []any) {
	cond := alias + ".tenantId = ?"
	args := []any{tenant}
	if set.Slice != nil {
		cond += " AND " + alias + "." + quoteIdent(set.Slice.Column.Column()) + " IN ('" + strings.Join(set.Slice.Values, "','") + "')"
	}
	if len(bus) == 0 {
		return cond, args
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(bus)), ",") + ")"
	tbl := set.Type.Table
	add := func(c string) {
		cond += " AND " + c
		for _, b := range bus {
			args = append(args, b)
		}
	}
	switch {
	case tbl.Column("businessUnitId") != nil:
		add(alias + ".businessUnitId IN " + in)
	case tbl.Column("conversationId") != nil:
		add("EXISTS (SELECT 1 FROM Conversations o WHERE o.tenantId = " + alias + ".tenantId AND o.id = " + alias + ".conversationId AND o.businessUnitId IN " + in + ")")
	case tbl.Column("primaryConversationId") != nil:
		add("EXISTS (SELECT 1 FROM Conversations o WHERE o.tenantId = " + alias + ".tenantId AND o.id = " + alias + ".primaryConversationId AND o.businessUnitId IN " + in + ")")
	case tbl.Column("workitemId") != nil:
		add("EXISTS (SELECT 1 FROM Workitems o WHERE o.tenantId = " + alias + ".tenantId AND o.id = " + alias + ".workitemId AND o.businessUnitId IN " + in + ")")
	}
	return cond, args
}

// readableSets are the sets a read token addresses (admin-only sets answer
// 404 to it; TestAdminSetsHidden covers them).
func readableSets() []*edm.EntitySet {
	var out []*edm.EntitySet
	for _, s := range edm.Default().Sets {
		if !s.AdminOnly {
			out = append(out, s)
		}
	}
	return out
}

// tenantsOf returns the tenantId member of each row.
func tenantsOf(t testing.TB, rs []map[string]any) []string {
	t.Helper()
	out := make([]string, len(rs))
	for i, r := range rs {
		s, ok := r["tenantId"].(string)
		if !ok {
			t.Fatalf("row %d has no tenantId: %v", i, r)
		}
		out[i] = s
	}
	return out
}

// onlyTenant fails when a row of another tenant came back.
func onlyTenant(t testing.TB, what, tenant string, rs []map[string]any) {
	t.Helper()
	for i, tn := range tenantsOf(t, rs) {
		if tn != tenant {
			t.Errorf("%s: row %v of tenant %s reached a %s credential", what, rs[i]["id"], tn, tenant)
			return
		}
	}
}

// TestIsolationEverySet reads every entity set with a one-tenant token and
// with a token narrowed to one business unit, and compares rows, /$count
// and $count=true with the oracle's SQL.
func TestIsolationEverySet(t *testing.T) {
	db := isolationDB(t)
	raw := rawDB(t, db)
	f := feedtest.Start(t, db, feedtest.Options{})
	contoso := f.Token(t, ccfeed.ScopeRead, "contoso")
	buTok, _ := f.MintToken(t, ccfeed.ScopeRead, []string{demoUnit2}, "contoso")
	for _, cred := range []struct {
		name  string
		token string
		bus   []string
	}{{"tenant", contoso, nil}, {"business unit", buTok, []string{demoUnit2}}} {
		for _, set := range readableSets() {
			t.Run(cred.name+"/"+set.Name, func(t *testing.T) {
				cond, args := visible(set, "t", "contoso", cred.bus)
				want := sqlIDs(t, raw, "SELECT t.id FROM "+quoteIdent(set.Type.Table.Name)+" AS t WHERE "+cond, args...)
				all := sqlIDs(t, raw, "SELECT id FROM "+quoteIdent(set.Type.Table.Name))
				if len(want) == 0 && len(all) > 0 && cred.bus == nil {
					t.Fatalf("contoso has no %s: the case proves nothing", set.Name)
				}
				got := rows(walk(t, f, f.URL+set.Name+"?$select=id,tenantId", cred.token, "Prefer", "odata.maxpagesize=5000"))
				onlyTenant(t, set.Name, "contoso", got)
				sameKeys(t, set.Name, ids(t, got), want)
				if n := count(t, f, f.URL+set.Name+"/$count", cred.token); n != len(want) {
					t.Errorf("/$count %d, want %d", n, len(want))
				}
				c, _ := collectionOf(t, f, f.URL+set.Name+"?$count=true&$top=0", cred.token)
				if c.Count == nil || *c.Count != int64(len(want)) {
					t.Errorf("$count=true: %v, want %d", c.Count, len(want))
				}
			})
		}
	}
}

// notFoundShape fetches path with key and with a key that never existed,
// and fails unless both are 404 with bodies identical once the key text is
// swapped: the answer must not reveal that the other tenant's key exists.
func notFoundShape(t *testing.T, f *feedtest.Feed, token, path, key, never string) {
	t.Helper()
	a := get(t, f, f.URL+strings.ReplaceAll(path, "KEY", key), token)
	b := get(t, f, f.URL+strings.ReplaceAll(path, "KEY", never), token)
	if a.Status != http.StatusNotFound {
		t.Errorf("%s with another tenant's key: status %d, want 404: %.300s", path, a.Status, a.Body)
		return
	}
	if b.Status != http.StatusNotFound {
		t.Errorf("%s with a never-existing key: status %d, want 404: %.300s", path, b.Status, b.Body)
		return
	}
	checkErrorBody(t, a, path)
	if got := strings.ReplaceAll(string(a.Body), key, never); got != string(b.Body) {
		t.Errorf("%s: the 404 for another tenant's key differs from a missing key's:\n%s\n%s", path, got, b.Body)
	}
	for _, h := range []string{"Content-Type", "OData-Version", "WWW-Authenticate"} {
		if a.Header.Get(h) != b.Header.Get(h) {
			t.Errorf("%s: header %s %q versus %q", path, h, a.Header.Get(h), b.Header.Get(h))
		}
	}
}

// TestIsolationByKey addresses another tenant's entities by key through
// every kind of path, for every entity set and navigation property: each
// answer is the 404 a key that never existed gets, byte for byte.
func TestIsolationByKey(t *testing.T) {
	db := isolationDB(t)
	raw := rawDB(t, db)
	f := feedtest.Start(t, db, feedtest.Options{})
	contoso := f.Token(t, ccfeed.ScopeRead, "contoso")
	buTok, _ := f.MintToken(t, ccfeed.ScopeRead, []string{demoUnit2}, "contoso")

	t.Run("Conversations paths", func(t *testing.T) {
		for _, path := range []string{
			"Conversations('KEY')",
			"Conversations(id='KEY')",
			"Conversations/KEY",
			"Conversations('KEY')?$select=id,customerLastName",
			"Conversations('KEY')/customerLastName",
			"Conversations('KEY')/customerLastName/$value",
			"Conversations('KEY')/startedAtUTC/$value",
			"Conversations('KEY')/$ref",
			"Conversations('KEY')/Agent",
			"Conversations('KEY')/Agent/name",
			"Conversations('KEY')/Agent/$ref",
			"Conversations('KEY')/Agent/Messages",
			"Conversations('KEY')/Messages",
			"Conversations('KEY')/Messages?$filter=senderType%20eq%20%27customer%27&$orderby=sentAtUTC",
			"Conversations('KEY')/Messages/$count",
			"Conversations('KEY')/Messages/$ref",
			"Conversations('KEY')/Messages?$count=true",
			"Conversations('KEY')/NextConversation/Messages/$count",
		} {
			notFoundShape(t, f, contoso, path, isoOther, isoNever)
		}
		// A key that exists in contoso, in a business unit the narrowed
		// token does not have, is as missing as another tenant's.
		inBU1 := sqlIDs(t, raw, "SELECT id FROM Conversations WHERE tenantId='contoso' AND businessUnitId='"+demoUnit1+"' ORDER BY id LIMIT 1")[0]
		for _, path := range []string{"Conversations('KEY')", "Conversations('KEY')/Messages", "Conversations('KEY')/Messages/$count", "Conversations('KEY')/customerLastName/$value"} {
			notFoundShape(t, f, buTok, path, inBU1, isoNever)
		}
		// The fabrikam row wearing a contoso-looking key is not contoso's:
		// contoso reads its own conversation, never fabrikam's name.
		r := get(t, f, f.URL+"Conversations('"+demoCall2+"')/customerLastName/$value", contoso)
		if strings.Contains(string(r.Body), isoSecret) {
			t.Errorf("contoso read fabrikam's row under a shared key: %s", r.Body)
		}
	})

	t.Run("every set and navigation", func(t *testing.T) {
		for _, set := range readableSets() {
			// A fabrikam entity of the set whose key contoso does not also
			// use (keys are unique per tenant only).
			tbl := quoteIdent(set.Type.Table.Name)
			cond, args := visible(set, "t", "fabrikam", nil)
			others := sqlIDs(t, raw, "SELECT t.id FROM "+tbl+" AS t WHERE "+cond+
				" AND t.id NOT IN (SELECT id FROM "+tbl+" WHERE tenantId = 'contoso') ORDER BY t.id LIMIT 1", args...)
			if len(others) == 0 {
				continue
			}
			key, never := others[0], "contoso:never:"+set.Name
			paths := []string{set.Name + "('KEY')", set.Name + "('KEY')/id", set.Name + "('KEY')/tenantId/$value", set.Name + "('KEY')/$ref"}
			for _, n := range set.Type.Navigations {
				paths = append(paths, set.Name+"('KEY')/"+n.Name)
				if n.Collection {
					paths = append(paths, set.Name+"('KEY')/"+n.Name+"/$count", set.Name+"('KEY')/"+n.Name+"/$ref")
				}
			}
			for _, p := range paths {
				notFoundShape(t, f, contoso, p, key, never)
			}
		}
	})

	t.Run("navigations from own entities", func(t *testing.T) {
		// Every navigation of one contoso entity per set returns only what
		// the oracle finds: targets in contoso matching the relation.
		for _, set := range readableSets() {
			cond, args := visible(set, "t", "contoso", nil)
			own := sqlIDs(t, raw, "SELECT t.id FROM "+quoteIdent(set.Type.Table.Name)+" AS t WHERE "+cond+" ORDER BY t.id LIMIT 1", args...)
			if len(own) == 0 {
				continue
			}
			key := own[0]
			if set.Name == "Conversations" || set.Name == "Chats" {
				key = isoParent // has fabrikam rows filed under it
			}
			for _, n := range set.Type.Navigations {
				if !n.Collection {
					continue
				}
				cond, args := visible(n.Target, "t", "contoso", nil)
				want := sqlIDs(t, raw, "SELECT t.id FROM "+quoteIdent(n.Target.Type.Table.Name)+" AS t WHERE "+cond+
					" AND t."+quoteIdent(n.TargetProp.Column())+" = (SELECT s."+quoteIdent(n.SourceProp.Column())+
					" FROM "+quoteIdent(set.Type.Table.Name)+" AS s WHERE s.tenantId = 'contoso' AND s.id = ?)", append(args, key)...)
				u := f.URL + set.Name + "('" + key + "')/" + n.Name
				got := rows(walk(t, f, u+"?$select=id,tenantId", contoso, "Prefer", "odata.maxpagesize=5000"))
				onlyTenant(t, u, "contoso", got)
				sameKeys(t, u, ids(t, got), want)
				if c := count(t, f, u+"/$count", contoso); c != len(want) {
					t.Errorf("%s/$count %d, want %d", u, c, len(want))
				}
			}
		}
	})

	t.Run("single navigations to another tenant's entity", func(t *testing.T) {
		// isoCross points at fabrikam's queue, agent and conversation;
		// isoDangle at ids that exist nowhere. Both must answer alike: a
		// null navigation, never the fabrikam entity.
		for _, nav := range []string{"Queue", "Agent", "NextConversation"} {
			for _, suffix := range []string{"", "/$ref", "/id", "/id/$value"} {
				cross := get(t, f, f.URL+"Conversations('"+isoCross+"')/"+nav+suffix, contoso)
				dangle := get(t, f, f.URL+"Conversations('"+isoDangle+"')/"+nav+suffix, contoso)
				what := "Conversations(cross)/" + nav + suffix
				if cross.Status == http.StatusInternalServerError || dangle.Status == http.StatusInternalServerError {
					t.Errorf("%s: status %d (dangling: %d), want 204 or 404 (see report: serveProperty on a null navigation)", what, cross.Status, dangle.Status)
					continue
				}
				if cross.Status != dangle.Status || strings.ReplaceAll(string(cross.Body), isoCross, isoDangle) != string(dangle.Body) {
					t.Errorf("%s: %d %s, while a dangling reference gets %d %s", what, cross.Status, cross.Body, dangle.Status, dangle.Body)
				}
				if strings.Contains(string(cross.Body), "fabrikam") {
					t.Errorf("%s: %s", what, cross.Body)
				}
			}
		}
		// The reverse: fabrikam rows filed under contoso's conversation.
		got := ids(t, rows(walk(t, f, f.URL+"Conversations('"+isoParent+"')/Messages?$select=id,tenantId", contoso)))
		if slices.Contains(got, isoLeakMsg) || len(got) == 0 {
			t.Errorf("messages of %s: %d, leak included: %v", isoParent, len(got), slices.Contains(got, isoLeakMsg))
		}
		get(t, f, f.URL+"Messages('"+isoLeakMsg+"')/Conversation", contoso).mustStatus(t, http.StatusNotFound, "the leak message's conversation")
	})
}

// TestIsolationQueries runs query options that reach through navigation
// (lambdas, orderby and filters on navigation paths, $ref, $expand, $apply,
// $search) with a contoso token, and checks that none reaches fabrikam.
func TestIsolationQueries(t *testing.T) {
	db := isolationDB(t)
	raw := rawDB(t, db)
	f := feedtest.Start(t, db, feedtest.Options{})
	contoso := f.Token(t, ccfeed.ScopeRead, "contoso")
	all := f.ReadToken(t)
	nConv := len(sqlIDs(t, raw, "SELECT id FROM Conversations WHERE tenantId = 'contoso'"))

	type check func(t *testing.T, r *reply)
	rowsAre := func(n int) check {
		return func(t *testing.T, r *reply) {
			var c collection
			r.decode(t, &c, "")
			if len(c.Value) != n {
				t.Errorf("%d rows, want %d: %.300s", len(c.Value), n, r.Body)
			}
		}
	}
	countIs := func(n int) check {
		return func(t *testing.T, r *reply) {
			if got := strings.TrimSpace(string(r.Body)); got != strconv.Itoa(n) {
				t.Errorf("count %s, want %d", got, n)
			}
		}
	}
	firstIsNot := func(id string) check {
		return func(t *testing.T, r *reply) {
			var c collection
			r.decode(t, &c, "")
			if len(c.Value) == 0 || c.Value[0]["id"] == id {
				t.Errorf("first row %v: the order used fabrikam's value", c.Value)
			}
		}
	}
	has := func(sub string) func(string) bool { return func(b string) bool { return strings.Contains(b, sub) } }
	is := func(want string) func(string) bool {
		return func(b string) bool { return strings.TrimSpace(b) == want }
	}
	anySecret := "Messages/any(m:m/body%20eq%20%27" + isoSecret + "%27)"
	for _, tc := range []struct {
		name  string
		path  string
		check check
		// control, run on the same path with an every-tenant token (or on
		// controlPath when set), must see fabrikam's data: it proves the
		// case can find what the contoso token must not.
		control     func(body string) bool
		controlPath string
	}{
		{name: "any over navigation", path: "Conversations?$select=id,tenantId&$filter=" + anySecret, check: rowsAre(0),
			controlPath: "Conversations/$count?$filter=" + anySecret, control: is("1")},
		{name: "any over navigation, tenantId", path: "Conversations/$count?$filter=Messages/any(m:m/tenantId%20eq%20%27fabrikam%27)", check: countIs(0),
			control: func(b string) bool { return !is("0")(b) }},
		{name: "any without predicate", path: "Conversations/$count?$filter=Workitems/any()%20and%20id%20eq%20%27" + isoCross + "%27", check: countIs(0)},
		{name: "all over navigation", path: "Conversations/$count?$filter=Messages/all(m:m/tenantId%20eq%20%27contoso%27)", check: countIs(nConv)},
		{name: "nested lambdas", path: "Agents/$count?$filter=Conversations/any(c:c/" + anySecret + ")", check: countIs(0), control: is("1")},
		{name: "filter on single navigation", path: "Conversations?$select=id,tenantId&$filter=Queue/name%20eq%20%27zzzz%20" + isoSecret + "%27", check: rowsAre(0),
			control: has(`"fabrikam:buzzeasy:000000c0-`)},
		{name: "filter on navigation of another tenant's target", path: "Conversations/$count?$filter=Agent/tenantId%20eq%20%27fabrikam%27", check: countIs(0),
			control: func(b string) bool { return !is("0")(b) }},
		{name: "filter on a null-by-scope navigation", path: "Conversations/$count?$filter=Queue%20eq%20null%20and%20id%20eq%20%27" + isoCross + "%27", check: countIs(1),
			control: is("0")},
		{name: "orderby on navigation", path: "Conversations?$select=id,tenantId&$orderby=Queue/name%20desc,tenantId&$top=1", check: firstIsNot(isoCross),
			control: has(`"id":"` + isoCross + `"`)},
		{name: "orderby on navigation, nulls first", path: "Conversations?$select=id,tenantId&$orderby=Queue/name,id&$filter=id%20eq%20%27" + isoCross + "%27%20or%20id%20eq%20%27" + isoParent + "%27", check: func(t *testing.T, r *reply) {
			var c collection
			r.decode(t, &c, "")
			if len(c.Value) != 2 || c.Value[0]["id"] != isoCross {
				t.Errorf("order %v: the cross row's queue must be null (first)", c.Value)
			}
		}},
		{name: "tenantId filter for another tenant", path: "Conversations?$select=id,tenantId&$filter=tenantId%20eq%20%27fabrikam%27", check: rowsAre(0), control: has(`"tenantId":"fabrikam"`)},
		{name: "tenantId ne own", path: "Conversations/$count?$filter=tenantId%20ne%20%27contoso%27", check: countIs(0), control: func(b string) bool { return !is("0")(b) }},
		{name: "tenantId in list", path: "Messages/$count?$filter=tenantId%20in%20(%27fabrikam%27,%27northwind%27)", check: countIs(0), control: func(b string) bool { return !is("0")(b) }},
		{name: "$ref collection", path: "Conversations('" + isoParent + "')/Messages/$ref", check: func(t *testing.T, r *reply) {
			if !strings.Contains(string(r.Body), "@odata.id") {
				t.Errorf("refs: %.400s", r.Body)
			}
		}, controlPath: "Conversations('" + isoParent + "')/Messages?$select=id&$orderby=id", control: has(isoLeakMsg)},
		{name: "$count=true with filter through navigation", path: "Conversations?$select=id,tenantId&$count=true&$top=1&$filter=Messages/any()", check: func(t *testing.T, r *reply) {
			var c collection
			r.decode(t, &c, "")
			want := len(sqlIDs(t, raw, "SELECT DISTINCT c.id FROM Conversations c JOIN Messages m ON m.tenantId = c.tenantId AND m.conversationId = c.id WHERE c.tenantId = 'contoso'"))
			if c.Count == nil || *c.Count != int64(want) {
				t.Errorf("@odata.count %v, want %d", c.Count, want)
			}
		}},
		{name: "$expand collection", path: "Conversations?$filter=id%20eq%20%27" + isoParent + "%27&$expand=Messages($select=id,tenantId),Workitems($select=id,tenantId)", check: func(t *testing.T, r *reply) {
			if !strings.Contains(string(r.Body), isoParent+":") {
				t.Errorf("expanded: %.600s", r.Body)
			}
		}, control: has(isoLeakMsg)},
		{name: "$expand single", path: "Conversations('" + isoCross + "')?$expand=Queue,Agent,NextConversation", check: func(t *testing.T, r *reply) {
			var e map[string]any
			r.decode(t, &e, "")
			for _, n := range []string{"Queue", "Agent", "NextConversation"} {
				if v, ok := e[n]; !ok || v != nil {
					t.Errorf("%s expanded to %v, want null", n, v)
				}
			}
		}, control: has(`"` + otherQueue + `"`)},
		{name: "$expand with $count", path: "Conversations('" + isoParent + "')?$expand=Messages($count=true;$top=0)", check: func(t *testing.T, r *reply) {
			var e map[string]json.RawMessage
			r.decode(t, &e, "")
			want := len(sqlIDs(t, raw, "SELECT id FROM Messages WHERE tenantId='contoso' AND conversationId=?", isoParent))
			if got := strings.TrimSpace(string(e["Messages@odata.count"])); got != strconv.Itoa(want) {
				t.Errorf("Messages@odata.count %s, want %d", got, want)
			}
		}},
		{name: "$apply groupby tenant", path: "Conversations?$apply=groupby((tenantId))", check: func(t *testing.T, r *reply) {
			var c collection
			r.decode(t, &c, "")
			if len(c.Value) != 1 || c.Value[0]["tenantId"] != "contoso" {
				t.Errorf("groups %v, want contoso only", c.Value)
			}
		}, control: has(`"fabrikam"`)},
		{name: "$apply aggregate count", path: "Messages?$apply=aggregate($count%20as%20n)", check: func(t *testing.T, r *reply) {
			want := len(sqlIDs(t, raw, "SELECT id FROM Messages WHERE tenantId='contoso'"))
			if !strings.Contains(string(r.Body), `"n":`+strconv.Itoa(want)) {
				t.Errorf("aggregate: %.300s, want n=%d", r.Body, want)
			}
		}},
		{name: "$apply filter through navigation", path: "Conversations?$apply=filter(" + anySecret + ")/aggregate($count%20as%20n)", check: func(t *testing.T, r *reply) {
			if !strings.Contains(string(r.Body), `"n":0`) {
				t.Errorf("aggregate: %.300s, want n=0", r.Body)
			}
		}, control: has(`"n":1`)},
		{name: "$search for another tenant's text", path: "Messages?$select=id,tenantId&$search=" + isoSecret, check: rowsAre(0), control: has(isoLeakMsg)},
		{name: "$search on conversations", path: "Conversations?$select=id,tenantId&$search=" + isoSecret, check: rowsAre(0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, f, f.URL+tc.path, contoso)
			r.mustStatus(t, http.StatusOK, tc.path)
			// (A contoso row's own foreign keys may name fabrikam ids: the
			// cross row does. Rows and text of fabrikam may not appear.)
			if strings.Contains(string(r.Body), isoSecret) || strings.Contains(string(r.Body), isoLeakMsg) ||
				strings.Contains(string(r.Body), `"tenantId":"fabrikam"`) {
				t.Errorf("fabrikam's data in the answer: %.300s", r.Body)
			}
			tc.check(t, r)
			if tc.control != nil {
				cp := tc.path
				if tc.controlPath != "" {
					cp = tc.controlPath
				}
				c := get(t, f, f.URL+cp, all)
				if c.Status != http.StatusOK || !tc.control(string(c.Body)) {
					t.Errorf("control: with every tenant, %s answers %d %.300s: the case cannot see what it guards", cp, c.Status, c.Body)
				}
			}
		})
	}
}

// TestIsolationNextLinks checks that a $skiptoken is bound to the
// credential and the query: another tenant's credential, a changed query or
// a tampered token get the same 400, and never a page.
func TestIsolationNextLinks(t *testing.T) {
	db := isolationDB(t)
	f := feedtest.Start(t, db, feedtest.Options{})
	contoso := f.Token(t, ccfeed.ScopeRead, "contoso")
	fabrikam := f.Token(t, ccfeed.ScopeRead, "fabrikam")
	contoso2 := f.Token(t, ccfeed.ScopeRead, "contoso")
	buTok, _ := f.MintToken(t, ccfeed.ScopeRead, []string{demoUnit2}, "contoso")

	pages := walk(t, f, f.URL+"Conversations?$select=id,tenantId&$orderby=startedAtUTC", contoso, "Prefer", "odata.maxpagesize=300")
	if len(pages) < 3 {
		t.Fatalf("%d pages", len(pages))
	}
	onlyTenant(t, "walk", "contoso", rows(pages))
	link := pages[1].Coll.NextLink
	tok := param(t, link, "$skiptoken")
	flip := []byte(tok)
	flip[len(flip)/3] ^= 1
	for _, tc := range []struct {
		name, url, token string
	}{
		{"another tenant's credential", link, fabrikam},
		{"same tenant, another credential", link, contoso2},
		{"narrowed credential of the same tenant", link, buTok},
		{"changed $filter", withQuery(link, "$filter=tenantId%20eq%20%27fabrikam%27"), contoso},
		{"changed $select", setParam(t, link, "$select", "id,tenantId,customerLastName"), contoso},
		{"changed $orderby", setParam(t, link, "$orderby", "startedAtUTC%20desc"), contoso},
		{"other set", strings.Replace(link, "/Conversations?", "/Calls?", 1), contoso},
		{"tampered", setParam(t, link, "$skiptoken", string(flip)), contoso},
		{"token on a key path", f.URL + "Conversations('" + isoParent + "')?$skiptoken=" + tok, contoso},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, f, tc.url, tc.token)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %.300s", r.Status, r.Body)
			}
			e := checkErrorBody(t, r, tc.name)
			if e.Error.Target != "$skiptoken" && !strings.Contains(e.Error.Message, "skiptoken") {
				t.Errorf("error %+v does not name $skiptoken", e.Error)
			}
		})
	}
}

// TestAdminSetsHidden checks that admin-only sets answer a read token with
// the 404 of a set that does not exist, and are readable (tenant-scoped)
// with an admin token.
func TestAdminSetsHidden(t *testing.T) {
	f := feedtest.Start(t, isolationDB(t), feedtest.Options{})
	reader := f.Token(t, ccfeed.ScopeRead, "contoso")
	admin := f.Token(t, ccfeed.ScopeAdmin, "contoso")
	for _, set := range edm.Default().Sets {
		if !set.AdminOnly {
			continue
		}
		for _, suffix := range []string{"", "/$count", "?$top=1", "?$filter=id%20eq%20%27x%27"} {
			a := get(t, f, f.URL+set.Name+suffix, reader)
			b := get(t, f, f.URL+"Xyzzq"+suffix, reader)
			if a.Status != http.StatusNotFound || strings.ReplaceAll(string(a.Body), set.Name, "Xyzzq") != string(b.Body) {
				t.Errorf("%s%s with a read token: %d %s; an unknown set gets %d %s", set.Name, suffix, a.Status, a.Body, b.Status, b.Body)
			}
		}
		c, _ := collectionOf(t, f, f.URL+set.Name+"?$select=id,tenantId", admin)
		onlyTenant(t, set.Name, "contoso", c.Value)
	}
}
