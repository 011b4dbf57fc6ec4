package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/query"
	"github.com/ccfeed/ccfeed/store"
)

// Keys of the demo data set (loaders/demo) the tests rely on. Every
// tenant has a row under each of these source ids, so swapping the tenant
// prefix names a row that exists in another tenant.
const (
	// demoCall is a Buzzeasy call.
	demoCall = "contoso:buzzeasy:000000c0-0b0e-4000-8000-000000000001"
	// demoChat is a LivePerson chat with messages.
	demoChat = "contoso:liveperson:0000002a-1e9e-4000-8000-000000000003"
	// demoQueue is a Buzzeasy queue, on a channel.
	demoQueue = "contoso:buzzeasy:0000009e-0b0e-4000-8000-000000000001"
	// demoUnit1 and demoUnit2 are business units with channels and
	// conversations.
	demoUnit1 = "contoso:buzzeasy:000000b0-0b0e-4000-8000-000000000001"
	demoUnit2 = "contoso:buzzeasy:000000b0-0b0e-4000-8000-000000000002"
	// demoChatRange starts the keys of a hundred LivePerson chats (the
	// 100th to the 199th).
	demoChatRange = "contoso:liveperson:0000002a-1e9e-4000-8000-0000000001"
)

// inTenant moves a demo key to another tenant.
func inTenant(tenant, key string) string {
	_, rest, _ := strings.Cut(key, ":")
	return tenant + ":" + rest
}

// fixedNow is the instant every test request is bound with, so now() and
// the translated SQL are deterministic.
var fixedNow = time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)

// bindRequest parses and binds "Path?query" against the default model.
func bindRequest(t testing.TB, req string) *query.Plan {
	t.Helper()
	plan, err := tryBind(req)
	if err != nil {
		t.Fatalf("bind %s: %v", req, err)
	}
	return plan
}

func tryBind(req string) (*query.Plan, error) {
	path, raw, _ := strings.Cut(req, "?")
	rp, err := query.ParsePath(path)
	if err != nil {
		return nil, err
	}
	q, err := query.ParseQuery(raw)
	if err != nil {
		return nil, err
	}
	return query.Bind(edm.Default(), rp, q, fixedNow)
}

// principal reads the given tenants.
func principal(tenants ...string) *ccfeed.Principal {
	return &ccfeed.Principal{Subject: "test", Tenants: tenants, Scope: ccfeed.ScopeRead}
}

// readAll reads every row of plan through ReadPage in pages of limit rows,
// resuming each page after the keyset values of the last row, the way the
// server's nextLinks do. skip applies to the first page only.
func readAll(t testing.TB, db *store.DB, p *ccfeed.Principal, plan *query.Plan, limit int, skip int64) (*query.Layout, [][]any) {
	t.Helper()
	lay := query.NewLayout(&plan.Shape)
	var rows [][]any
	page := query.Page{Limit: limit, Skip: skip}
	for pages := 0; ; pages++ {
		if pages > 100000 {
			t.Fatalf("paging does not end")
		}
		n := 0
		more, err := db.ReadPage(context.Background(), p, plan, lay, page, func(row []any) error {
			rows = append(rows, append([]any(nil), row...))
			n++
			return nil
		})
		if err != nil {
			t.Fatalf("ReadPage: %v", err)
		}
		if n > limit {
			t.Fatalf("page returned %d rows, limit %d", n, limit)
		}
		if !more {
			return lay, rows
		}
		if n == 0 {
			t.Fatalf("a page with more=true returned no rows")
		}
		last := rows[len(rows)-1]
		after := make([]any, len(lay.Order))
		for i, idx := range lay.Order {
			after[i] = last[idx]
		}
		page = query.Page{Limit: limit, After: after}
	}
}

// keys returns the entity keys of rows.
func keys(lay *query.Layout, rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i], _ = r[lay.Key].(string)
	}
	return out
}

// readKeys reads every key plan addresses, in pages of limit.
func readKeys(t testing.TB, db *store.DB, p *ccfeed.Principal, req string, limit int) []string {
	t.Helper()
	lay, rows := readAll(t, db, p, bindRequest(t, req), limit, 0)
	return keys(lay, rows)
}

// sqlKeys runs a hand-written query whose first column is the key.
func sqlKeys(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rawDB opens a second, plain connection to the store's file for the
// hand-written oracle queries (no custom functions, nothing of the store).
func rawDB(t testing.TB, db *store.DB) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// sameKeys fails unless got equals want in order, reporting the first
// difference.
func sameKeys(t testing.TB, what string, got, want []string) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	if got == nil {
		got = []string{}
	}
	if reflect.DeepEqual(got, want) {
		return
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			t.Fatalf("%s: %d rows, want %d; first difference at %d: got %s, want %s", what, len(got), len(want), i, got[i], want[i])
		}
	}
	t.Fatalf("%s: %d rows, want %d (common prefix equal)", what, len(got), len(want))
}

// write runs fn with a Writer in one transaction.
func write(t testing.TB, db *store.DB, fn func(w *store.Writer) error) map[string]*store.Counts {
	t.Helper()
	var counts map[string]*store.Counts
	err := db.Load(context.Background(), func(lt *store.LoadTx) error {
		w := lt.Writer
		if err := fn(w); err != nil {
			return err
		}
		counts = w.Counts
		return nil
	})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	return counts
}

// row starts a row of set with its identity columns.
func row(set, tenant, native string) *store.Row {
	r := store.NewRow(edm.Default().Set(set).Type.Table)
	return r.Set("id", fmt.Sprintf("%s:test:%s", tenant, native)).Set("tenantId", tenant).
		Set("source", "test").Set("sourceId", native)
}

// upsertAll writes rows in one transaction.
func upsertAll(t testing.TB, db *store.DB, rows ...*store.Row) map[string]*store.Counts {
	t.Helper()
	return write(t, db, func(w *store.Writer) error {
		for _, r := range rows {
			if _, err := w.Upsert(context.Background(), r); err != nil {
				return err
			}
		}
		return nil
	})
}
