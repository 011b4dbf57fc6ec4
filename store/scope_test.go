package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/query"
	"github.com/ccfeed/ccfeed/store"
)

// scopeDB is the demo data plus rows whose foreign keys cross tenants: a
// fabrikam message filed under a contoso conversation, and a contoso
// conversation pointing at a fabrikam queue. Keys carry their tenant, so
// only a loader bug or a hostile source makes such rows, and they must not
// open a window onto the other tenant.
func scopeDB(t testing.TB) *store.DB {
	t.Helper()
	db := feedtest.DemoDB(t)
	upsertAll(t, db,
		row("Messages", "fabrikam", "leak").Set("conversationId", demoChat).
			Set("senderType", "customer").Set("body", "secret-xyz"),
		row("Conversations", "contoso", "cross").Set("mediaType", "chat").Set("queueId", inTenant("fabrikam", demoQueue)),
	)
	return db
}

func count(t testing.TB, db *store.DB, p *ccfeed.Principal, req string) int64 {
	t.Helper()
	n, err := db.Count(context.Background(), p, bindRequest(t, req))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func exists(t testing.TB, db *store.DB, p *ccfeed.Principal, req string) bool {
	t.Helper()
	ok, err := db.Exists(context.Background(), p, bindRequest(t, req).Source)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestScopeEverySet reads every entity set as contoso and compares with the
// contoso rows of its table (and slice).
func TestScopeEverySet(t *testing.T) {
	db := scopeDB(t)
	raw := rawDB(t, db)
	p := principal("contoso")
	for _, set := range edm.Default().Sets {
		t.Run(set.Name, func(t *testing.T) {
			q := `SELECT id FROM "` + set.Type.Table.Name + `" WHERE tenantId = 'contoso'`
			if set.Slice != nil {
				q += ` AND "` + set.Slice.Column.Column() + `" IN ('` + strings.Join(set.Slice.Values, "','") + `')`
			}
			want := sqlKeys(t, raw, q+" ORDER BY rid")
			got := readKeys(t, db, p, set.Name+"?$select=id", 500)
			sameKeys(t, set.Name, got, want)
			if n := count(t, db, p, set.Name); n != int64(len(want)) {
				t.Errorf("Count = %d, want %d", n, len(want))
			}
			for _, k := range got {
				if !strings.HasPrefix(k, "contoso:") {
					t.Fatalf("contoso reads %s", k)
				}
			}
		})
	}
}

func TestScopeKeysPathsLambdas(t *testing.T) {
	db := scopeDB(t)
	raw := rawDB(t, db)
	p := principal("contoso")
	cases := []struct {
		req  string
		want int
	}{
		{"Conversations('" + inTenant("fabrikam", demoCall) + "')", 0},
		{"Conversations('" + demoCall + "')", 1},
		{"Calls('" + inTenant("fabrikam", demoCall) + "')", 0},
		// A chat is not a call: the slice holds on key reads and paths.
		{"Calls('" + demoChat + "')", 0},
		{"Calls('" + demoChat + "')/Messages", 0},
		{"Chats('" + demoChat + "')", 1},
		{"Conversations('" + inTenant("fabrikam", demoChat) + "')/Messages", 0},
		{"Conversations('" + inTenant("fabrikam", demoChat) + "')/Queue", 0},
		{"Messages('fabrikam:test:leak')", 0},
		{"Messages('fabrikam:test:leak')/Conversation", 0},
		{"Queues('" + inTenant("fabrikam", demoQueue) + "')/Channel", 0},
		// The cross-tenant foreign keys lead nowhere.
		{"Conversations('contoso:test:cross')/Queue", 0},
		{"Conversations?$filter=id eq 'contoso:test:cross' and Queue ne null", 0},
		{"Conversations?$filter=id eq 'contoso:test:cross' and Queue eq null", 1},
		{"Conversations?$filter=Queue/name eq 'Support' and id eq 'contoso:test:cross'", 0},
		{"Conversations?$filter=Messages/any(m:contains(m/body,'secret-xyz'))", 0},
		{"Conversations?$filter=Messages/any(m:m/tenantId ne 'contoso')", 0},
		{"Agents?$filter=Conversations/any(c:c/Messages/any(m:m/tenantId eq 'fabrikam'))", 0},
		{"Conversations?$filter=Messages/all(m:m/tenantId eq 'contoso') and id eq '" + demoChat + "'", 1},
	}
	for _, c := range cases {
		plan := bindRequest(t, c.req)
		got := keys(readAll(t, db, p, plan, 50, 0))
		if len(got) != c.want {
			t.Errorf("%s: %d rows %v, want %d", c.req, len(got), got, c.want)
		}
		for _, k := range got {
			if !strings.HasPrefix(k, "contoso:") {
				t.Errorf("%s: contoso reads %s", c.req, k)
			}
		}
		if plan.Target == query.TargetEntity && exists(t, db, p, c.req) != (c.want == 1) {
			t.Errorf("%s: Exists disagrees with the read", c.req)
		}
	}
	// The contoso conversation's messages, through the path and through
	// $count, leave out the fabrikam message filed under it.
	want := sqlKeys(t, raw, `SELECT id FROM Messages WHERE tenantId = 'contoso' AND conversationId = '`+demoChat+`' ORDER BY rid`)
	if len(want) == 0 {
		t.Fatal(demoChat + " has no messages in the demo")
	}
	got := readKeys(t, db, p, "Conversations('"+demoChat+"')/Messages?$select=id", 50)
	sameKeys(t, "messages of the demo chat", got, want)
	if n := count(t, db, p, "Conversations('"+demoChat+"')/Messages/$count"); n != int64(len(want)) {
		t.Errorf("path $count = %d, want %d", n, len(want))
	}
	got = readKeys(t, db, p, "Conversations?$filter=id eq '"+demoChat+"' and Messages/$count eq "+strconv.Itoa(len(want)), 50)
	sameKeys(t, "Messages/$count in a filter", got, []string{demoChat})
	// The same reads as fabrikam see the planted message.
	if n := count(t, db, principal("fabrikam"), "Messages?$filter=body eq 'secret-xyz'"); n != 1 {
		t.Errorf("fabrikam sees %d of its own planted message", n)
	}
}

func TestScopeAllAndNone(t *testing.T) {
	ctx := context.Background()
	db := scopeDB(t)
	raw := rawDB(t, db)
	all := sqlKeys(t, raw, `SELECT id FROM Conversations ORDER BY rid`)
	got := readKeys(t, db, principal(ccfeed.AllTenants), "Conversations?$select=id", 1000)
	sameKeys(t, "'*'", got, all)
	if n := count(t, db, principal(ccfeed.AllTenants), "Conversations"); n != int64(len(all)) {
		t.Errorf("'*' Count = %d, want %d", n, len(all))
	}
	// A tenant added after the first read is part of '*' at once.
	upsertAll(t, db, row("Conversations", "newco", "c1").Set("mediaType", "chat"))
	if !exists(t, db, principal(ccfeed.AllTenants), "Conversations('newco:test:c1')") {
		t.Error("'*' does not see a tenant written after its first read")
	}
	tenants, err := db.Tenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tenants, ",") != "contoso,fabrikam,newco,northwind" {
		t.Errorf("Tenants = %v", tenants)
	}

	for name, p := range map[string]*ccfeed.Principal{
		"empty list": principal(),
		"nil list":   {Subject: "x", Scope: ccfeed.ScopeRead},
		"nil":        nil,
		"unknown":    principal("nobody"),
	} {
		for _, req := range []string{"Conversations", "Messages", "Conversations('" + demoChat + "')/Messages"} {
			if got := readKeys(t, db, p, req, 100); len(got) != 0 {
				t.Errorf("%s principal reads %d rows of %s", name, len(got), req)
			}
			if n := count(t, db, p, req); n != 0 {
				t.Errorf("%s principal counts %d rows of %s", name, n, req)
			}
		}
		if exists(t, db, p, "Conversations('"+demoCall+"')") {
			t.Errorf("%s principal finds a contoso conversation", name)
		}
	}
}

func TestScopeBusinessUnits(t *testing.T) {
	db := feedtest.DemoDB(t)
	raw := rawDB(t, db)
	p := principal("contoso")
	p.BusinessUnits = []string{demoUnit2}
	want := sqlKeys(t, raw, `SELECT id FROM Conversations WHERE tenantId = 'contoso' AND businessUnitId = '`+demoUnit2+`' ORDER BY rid`)
	if len(want) == 0 {
		t.Fatal("no conversation in bu-2")
	}
	sameKeys(t, "bu-2 conversations", readKeys(t, db, p, "Conversations?$select=id", 500), want)
	// A navigation to a set with business units is narrowed too.
	got := readKeys(t, db, p, "Channels?$select=id", 50)
	for _, k := range got {
		if !strings.HasPrefix(k, "contoso:") {
			t.Errorf("reads %s", k)
		}
	}
	wantCh := sqlKeys(t, raw, `SELECT id FROM Channels WHERE tenantId = 'contoso' AND businessUnitId = '`+demoUnit2+`' ORDER BY rid`)
	sameKeys(t, "bu-2 channels", got, wantCh)
}
