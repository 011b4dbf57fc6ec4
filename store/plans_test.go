package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/query"
)

// The standard questions must run on the index chosen for them: a plan
// that falls back to reading the table (or sorting all of it) is the
// difference between milliseconds and seconds at a few million rows, and
// nothing else would notice. This test builds a small database shaped like
// the floor benchmark's (one big tenant, one small; eight business units,
// fifty queues, three media), lets the planner see it (the ANALYZE that
// Optimize runs after loads), and asserts the plan of each question.

// planQuestions are the questions, the tokens they are asked with, and what
// the plan must (and must not) say.
var planQuestions = []struct {
	name string
	req  string
	// units narrows the principal to business units; both reads two
	// tenants (a token for every tenant of a two-tenant database).
	units, both bool
	// want must all appear in the plan; never must not.
	want, never []string
	// apply marks a $apply request; count reads the count statement.
	apply, count bool
}{
	{name: "chats in a month", req: "Chats/$count?$filter=startedAtUTC ge 2026-03-01T00:00:00Z and startedAtUTC lt 2026-04-01T00:00:00Z", count: true,
		want: []string{"COVERING INDEX ix_Conversations_mediaType_startedAtUTC (tenantId=? AND mediaType=? AND startedAtUTC>? AND startedAtUTC<?)"}},
	{name: "chats in a month, business units", req: "Chats/$count?$filter=startedAtUTC ge 2026-03-01T00:00:00Z and startedAtUTC lt 2026-04-01T00:00:00Z", count: true, units: true,
		want: []string{"COVERING INDEX ix_Conversations_businessUnitId_mediaType_startedAtUTC (tenantId=? AND businessUnitId=? AND mediaType=? AND startedAtUTC>? AND startedAtUTC<?)"}},
	{name: "chats of a queue", req: "Chats/$count?$filter=queueId eq 'bench:q:7'", count: true,
		want: []string{"COVERING INDEX ix_Conversations_queue (tenantId=? AND queueId=? AND mediaType=?)"}},
	{name: "chats of a queue, business units", req: "Chats/$count?$filter=queueId eq 'bench:q:7'", count: true, units: true,
		want: []string{"COVERING INDEX ix_Conversations_queue (tenantId=? AND queueId=? AND mediaType=? AND businessUnitId=?)"}},
	{name: "conversations in a month", req: "Conversations/$count?$filter=startedAtUTC ge 2026-03-01T00:00:00Z and startedAtUTC lt 2026-04-01T00:00:00Z", count: true,
		want: []string{"COVERING INDEX ix_Conversations_startedAtUTC (tenantId=? AND startedAtUTC>? AND startedAtUTC<?)"}},
	{name: "conversations in a month, business units", req: "Conversations/$count?$filter=startedAtUTC ge 2026-03-01T00:00:00Z and startedAtUTC lt 2026-04-01T00:00:00Z", count: true, units: true,
		want: []string{"COVERING INDEX ix_Conversations_businessUnitId_startedAtUTC (tenantId=? AND businessUnitId=? AND startedAtUTC>? AND startedAtUTC<?)"}},
	{name: "queue segments in a month, business units", req: "QueueSegments/$count?$filter=queuedAtUTC ge 2026-03-01T00:00:00Z and queuedAtUTC lt 2026-04-01T00:00:00Z", count: true, units: true,
		want: []string{"COVERING INDEX ix_QueueSegments_ownerBusinessUnitId_queuedAtUTC (tenantId=? AND ownerBusinessUnitId=? AND queuedAtUTC>? AND queuedAtUTC<?)"}},
	{name: "queue segments of a queue", req: "QueueSegments/$count?$filter=queueId eq 'bench:q:7'", count: true,
		want: []string{"COVERING INDEX ix_QueueSegments_queue_stats (tenantId=? AND queueId=?)"}},
	{name: "queue segments of a queue, business units", req: "QueueSegments/$count?$filter=queueId eq 'bench:q:7'", count: true, units: true,
		want: []string{"COVERING INDEX ix_QueueSegments_queue_stats (tenantId=? AND queueId=? AND ownerBusinessUnitId=?)"}},
	{name: "messages in a month, business units", req: "Messages/$count?$filter=sentAtUTC ge 2026-03-01T00:00:00Z and sentAtUTC lt 2026-04-01T00:00:00Z", count: true, units: true,
		want: []string{"COVERING INDEX ix_Messages_ownerBusinessUnitId_sentAtUTC (tenantId=? AND ownerBusinessUnitId=? AND sentAtUTC>? AND sentAtUTC<?)"}},

	{name: "wait per queue", apply: true,
		req:   "QueueSegments?$apply=groupby((queueId),aggregate(durationInSeconds with average as avg))",
		want:  []string{"COVERING INDEX ix_QueueSegments_queue_stats (tenantId=?)"},
		never: []string{"TEMP B-TREE FOR GROUP BY"}},
	{name: "wait per queue, business units", apply: true, units: true,
		req:   "QueueSegments?$apply=groupby((queueId),aggregate(durationInSeconds with average as avg))",
		want:  []string{"COVERING INDEX ix_QueueSegments_queue_stats (tenantId=?)"},
		never: []string{"TEMP B-TREE FOR GROUP BY"}},
	{name: "wait per queue and day", apply: true,
		req:  "QueueSegments?$apply=compute(date(queuedAt) as day)/groupby((queueId,day),aggregate(durationInSeconds with average as avg))",
		want: []string{"COVERING INDEX ix_QueueSegments_queue_stats (tenantId=?)"}},
	{name: "filter then aggregate", apply: true,
		req:  "QueueSegments?$apply=filter(dequeuedReason eq 'CustomerDisconnected' and durationInSeconds gt 30)/groupby((entryType),aggregate($count as n,durationInSeconds with sum as total))",
		want: []string{"COVERING INDEX ix_QueueSegments_outcomes (tenantId=? AND dequeuedReason=?)"}},
	{name: "an outcome per queue", apply: true,
		req:   "QueueSegments?$apply=filter(dequeuedReason eq 'CustomerDisconnected')/groupby((queueId),aggregate(durationInSeconds with average as avg,$count as n))",
		want:  []string{"COVERING INDEX ix_QueueSegments_outcomes (tenantId=? AND dequeuedReason=?)"},
		never: []string{"TEMP B-TREE FOR GROUP BY"}},
	{name: "distinct conversations per queue", apply: true,
		req:  "QueueSegments?$apply=groupby((queueId),aggregate(conversationId with countdistinct as n))",
		want: []string{"COVERING INDEX ix_QueueSegments_queue_stats (tenantId=?)"}},

	{name: "export of chats", req: "Chats?$select=id,channelId,businessUnitId,customerId,agentId,queueId,startedAt,endedAt,durationInSeconds,status",
		want:  []string{"INDEX ix_Conversations_rows (tenantId=? AND mediaType=? AND rowid>?)"},
		never: []string{"TEMP B-TREE"}},
	{name: "export of chats, business units", units: true, req: "Chats?$select=id,status",
		want:  []string{"INDEX ix_Conversations_rows (tenantId=? AND mediaType=? AND rowid>?)"},
		never: []string{"TEMP B-TREE"}},
	{name: "export of chats, every tenant", both: true, req: "Chats?$select=id,status",
		never: []string{"TEMP B-TREE"}},
	{name: "export of messages", req: "Messages",
		want:  []string{"INDEX ix_Messages_rows (tenantId=? AND rowid>?)"},
		never: []string{"TEMP B-TREE"}},
	{name: "a day of chats", req: "Chats?$filter=startedAtUTC ge 2026-03-01T00:00:00Z and startedAtUTC lt 2026-03-02T00:00:00Z&$select=id,status,startedAt",
		want: []string{"INDEX ix_Conversations_mediaType_startedAtUTC (tenantId=? AND mediaType=? AND startedAtUTC>? AND startedAtUTC<?)"}},
	// Ascending only: a descending key's resume condition ("before x, or
	// null") is an OR that SQLite answers from two ranges and then sorts.
	{name: "chats by start", req: "Chats?$orderby=startedAtUTC&$select=id",
		want:  []string{"INDEX ix_Conversations_mediaType_startedAtUTC (tenantId=? AND mediaType=?"},
		never: []string{"TEMP B-TREE"}},
	{name: "messages of a conversation", req: "Messages?$filter=conversationId eq 'bench:c:70'&$orderby=sentAtUTC",
		want: []string{"INDEX ix_Messages_conversationId (tenantId=? AND conversationId=?)"}},
	{name: "agents top 100", req: "Agents?$top=100",
		never: []string{"TEMP B-TREE"}},
}

// planOf parses and binds "Path?query" against db's model (the internal
// tests' bindRequest).
func planOf(t *testing.T, db *DB, req string) *query.Plan {
	t.Helper()
	path, raw, _ := strings.Cut(req, "?")
	rp, err := query.ParsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := query.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := query.Bind(db.Model, rp, opts, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// planDB is a small database of the benchmark's shape, analyzed.
func planDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "plans.db"), edm.Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		for _, stmt := range []string{
			// Children first: the conversations' insert trigger gives them
			// their business unit (raw inserts do not compute it themselves).
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
			 INSERT INTO QueueSegments (id, tenantId, source, sourceId, conversationId, queueId, queuedAtUTC, queuedAt, durationInSeconds, dequeuedReason, entryType)
			 SELECT 'bench:qs:' || i, 'bench', 'test', i, 'bench:c:' || (i / 2 + 1), 'bench:q:' || (i % 50), 1767225600000 + i * 788400,
			   '2026-01-01T00:00:00.000+01:00', i % 600, CASE i % 3 WHEN 0 THEN 'AgentConnected' ELSE 'CustomerDisconnected' END, 'ivr' FROM n`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
			 INSERT INTO Messages (id, tenantId, source, sourceId, conversationId, sentAtUTC, body)
			 SELECT 'bench:m:' || i, 'bench', 'test', i, 'bench:c:' || (i / 5 + 1), 1767225600000 + i * 315360, 'hello' FROM n`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
			 INSERT INTO Conversations (id, tenantId, source, sourceId, mediaType, businessUnitId, queueId, channelId, agentId, startedAtUTC, startedAt, durationInSeconds, status)
			 SELECT 'bench:c:' || i, 'bench', 'test', i, CASE i % 3 WHEN 0 THEN 'voice' WHEN 1 THEN 'chat' ELSE 'email' END,
			   'bench:bu:' || (i % 8), 'bench:q:' || (i % 50), 'bench:ch:' || (i % 20), 'bench:a:' || (i % 1000),
			   1767225600000 + i * 1576800, '2026-01-01T00:00:00.000+01:00', i % 900, 'closed' FROM n`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
			 INSERT INTO Conversations (id, tenantId, source, sourceId, mediaType, businessUnitId, queueId, startedAtUTC)
			 SELECT 'small:c:' || i, 'small', 'test', i, 'chat', 'small:bu:1', 'small:q:1', 1767225600000 + i * 60000 FROM n`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
			 INSERT INTO Agents (id, tenantId, source, sourceId, name) SELECT 'bench:a:' || i, 'bench', 'test', i, 'Agent ' || i FROM n`,
		} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		// Raw inserts leave the kept counts alone (the loaders' writer
		// keeps them); scan.go reads them.
		return db.recountAll(ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestQueryPlans(t *testing.T) {
	db := planDB(t)
	ctx := context.Background()
	// The copies were set by the triggers as the rows went in.
	var owned int
	if err := db.write.QueryRowContext(ctx, `SELECT count(*) FROM Messages WHERE ownerBusinessUnitId IS NOT NULL`).Scan(&owned); err != nil || owned == 0 {
		t.Fatalf("no message carries its conversation's business unit (%v): the business-unit plans prove nothing", err)
	}
	for _, q := range planQuestions {
		t.Run(q.name, func(t *testing.T) {
			plan := planOf(t, db, q.req)
			sc := &scope{tenants: []string{"bench"}}
			if q.both {
				sc.tenants = append(sc.tenants, "small")
			}
			if q.units {
				sc.businessUnits = []string{"bench:bu:1", "bench:bu:2", "bench:bu:3"}
			}
			lay := query.NewLayout(&plan.Shape)
			var stmt Fragment
			var err error
			switch {
			case q.count:
				stmt, err = db.countSQL(sc, plan.Var, plan.Source, &plan.Shape)
			case q.apply:
				var aq *applyQuery
				if aq, err = db.newApplyQuery(sc, plan); err == nil {
					stmt, err = aq.final(lay)
				}
			default:
				// A later page: the resume condition is part of the plan.
				after := make([]any, len(lay.Order))
				for i := range after {
					after[i] = int64(1772323200000) // 2026-03-01, for times
				}
				after[len(after)-1] = int64(100)
				stmt, err = db.pageSQL(sc, plan, lay, query.Page{Limit: 1000, After: after})
			}
			if err != nil {
				t.Fatal(err)
			}
			got := explain(t, db, stmt)
			for _, w := range q.want {
				if !strings.Contains(got, w) {
					t.Errorf("the plan lacks %q:\n%s\n-- for --\n%s", w, got, stmt.SQL)
				}
			}
			for _, n := range q.never {
				if strings.Contains(got, n) {
					t.Errorf("the plan has %q:\n%s\n-- for --\n%s", n, got, stmt.SQL)
				}
			}
			noTableScan(t, got, stmt)
		})
	}
}

// noTableScan fails when a plan reads a whole table of the model (a scan of
// a subquery's rows is not one).
func noTableScan(t *testing.T, plan string, stmt Fragment) {
	t.Helper()
	for _, m := range tableRef.FindAllStringSubmatch(stmt.SQL, -1) {
		for _, line := range strings.Split(plan, "\n") {
			if line == "SCAN "+m[2] || strings.HasPrefix(line, "SCAN "+m[2]+" ") && !strings.Contains(line, "INDEX") {
				t.Errorf("the plan reads all of %s: %q\n%s\n-- for --\n%s", m[1], line, plan, stmt.SQL)
			}
		}
	}
}

// TestWritePlans: what loads run per row or per owner must seek, never read
// a table or sort it: the copy updates of the owner triggers (by the
// foreign key's index) and the recount of each table (grouped in the order
// of an index).
func TestWritePlans(t *testing.T) {
	db := planDB(t)
	for _, tbl := range db.Model.Tables {
		for _, c := range copyColumns(tbl) {
			stmt := Fragment{SQL: db.copyUpdate(tbl, c, "?", "?", "?"), Args: []any{"x", "bench", "bench:c:1"}}
			got := explain(t, db, stmt)
			if want := "INDEX " + viaIndexName(tbl, c.Copy.Via) + " (tenantId=? AND " + c.Copy.Via.Name + "=?)"; !strings.Contains(got, want) {
				t.Errorf("%s.%s: the copy update does not seek %s:\n%s", tbl.Name, c.Name, want, got)
			}
		}
	}
	for _, name := range []string{"Conversations", "QueueSegments", "Messages"} {
		tbl := db.Model.Set(name).Type.Table
		totals, units := db.recountSQL(tbl)
		for _, q := range []string{totals, units} {
			if q == "" {
				continue
			}
			stmt := Fragment{SQL: q, Args: []any{"bench"}}
			got := explain(t, db, stmt)
			if strings.Contains(got, "TEMP B-TREE") || !strings.Contains(got, "COVERING INDEX") {
				t.Errorf("%s: the recount sorts or reads the table:\n%s\n-- for --\n%s", name, got, stmt.SQL)
			}
		}
	}
}

// viaIndexName names the index that leads with (tenantId, via).
func viaIndexName(t *edm.Table, via *edm.Property) string {
	for _, x := range t.Indexes {
		if !x.Rows && len(x.Columns) >= 2 && x.Columns[1] == via {
			return x.Name
		}
	}
	return "(none)"
}

// explain returns the EXPLAIN QUERY PLAN of stmt, one step per line.
func explain(t *testing.T, db *DB, stmt Fragment) string {
	t.Helper()
	rows, err := db.read.Query("EXPLAIN QUERY PLAN "+stmt.SQL, stmt.Args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stmt.SQL)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// TestScanInstead: a filter no index serves reads the table when the scope
// is most of it (the big tenant's Conversations), and the scope's index
// otherwise (the small tenant; Chats, a third of the table); a filter an
// index serves keeps it. Both statements count the same rows.
func TestScanInstead(t *testing.T) {
	db := planDB(t)
	ctx := context.Background()
	for _, c := range []struct {
		req, tenant      string
		scopeIndex, scan bool
		want             int64
	}{
		{"Conversations/$count?$filter=status eq 'closed'", "bench", true, true, 20000},
		{"Conversations/$count?$filter=startswith(tolower(status),'clo')", "bench", true, true, 20000},
		{"Conversations/$count?$filter=status eq 'closed'", "small", true, false, 0},
		{"Chats/$count?$filter=status eq 'closed'", "bench", true, false, 6667},
		{"Chats/$count?$filter=startedAtUTC ge 2026-03-01T00:00:00Z and startedAtUTC lt 2026-04-01T00:00:00Z", "bench", false, false, 566},
		{"Conversations/$count?$filter=queueId eq 'bench:q:7'", "bench", false, false, 400},
	} {
		t.Run(c.tenant+" "+c.req, func(t *testing.T) {
			plan := planOf(t, db, c.req)
			sc := &scope{tenants: []string{c.tenant}}
			err := db.withRawConn(ctx, func(rc *readConn) error {
				stmt, alias, err := db.countStmt(sc, plan.Var, plan.Source, &plan.Shape, false)
				if err != nil {
					return err
				}
				scan, hint, err := db.scanInstead(rc, sc, plan.Set, stmt, alias)
				if err != nil {
					return err
				}
				if hint.scopeIndex != c.scopeIndex || scan != c.scan {
					t.Errorf("scope index %v, scan %v; want %v, %v\n%s", hint.scopeIndex, scan, c.scopeIndex, c.scan, explain(t, db, stmt))
				}
				scanned, _, err := db.countStmt(sc, plan.Var, plan.Source, &plan.Shape, true)
				if err != nil {
					return err
				}
				if got := explain(t, db, scanned); strings.Contains(got, "INDEX ") && !strings.Contains(got, "INTEGER PRIMARY KEY") {
					t.Errorf("the table-reading statement uses an index:\n%s", got)
				}
				for _, s := range []Fragment{stmt, scanned} {
					var n int64
					if err := rc.query(s.SQL, s.Args, 1, func(row []any) error { n = row[0].(int64); return nil }); err != nil {
						return err
					}
					if n != c.want {
						t.Errorf("%s: %d rows, want %d", s.SQL, n, c.want)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestScanInsteadPages: a storage page of a filter no index serves, over
// most of the table, is one statement reading the table in row-id order,
// with nothing to sort; through the scope's index SQLite sorted every row
// id of the tenant (Conversations' rows index holds the media type after
// the tenant).
func TestScanInsteadPages(t *testing.T) {
	db := planDB(t)
	db.freshText(context.Background())
	for _, c := range []struct {
		req                  string
		after                bool
		scan, sorts, covered bool
	}{
		{"Conversations?$filter=startswith(tolower(status),'op')&$select=id,status", false, true, true, false},
		// A later page reads the table from its last row id already.
		{"Conversations?$filter=startswith(tolower(status),'op')&$select=id,status", true, false, false, false},
		{"Chats?$filter=startswith(tolower(status),'op')&$select=id,status", false, false, false, false},
		// $search is read from the rows index and the full-text index
		// alone: readStoragePage keeps storagePage's two steps for it.
		{"Messages?$search=hello&$select=id", true, false, false, true},
	} {
		plan := planOf(t, db, c.req)
		lay := query.NewLayout(&plan.Shape)
		sc := &scope{tenants: []string{"bench"}}
		page := query.Page{Limit: 1000}
		if c.after {
			page.After = []any{int64(100)}
		}
		stmt, alias, err := db.pageStmt(sc, plan, lay, page, false)
		if err != nil {
			t.Fatal(err)
		}
		err = db.withRawConn(context.Background(), func(rc *readConn) error {
			scan, hint, err := db.scanInstead(rc, sc, plan.Set, stmt, alias)
			if scan != c.scan || hint.sorts != c.sorts || hint.covered != c.covered {
				t.Errorf("%s: scan %v, sorts %v, covered %v; want %v, %v, %v\n%s", c.req, scan, hint.sorts, hint.covered,
					c.scan, c.sorts, c.covered, explain(t, db, stmt))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		plain, _, err := db.plainPage(sc, plan, lay, page, c.scan)
		if err != nil {
			t.Fatal(err)
		}
		if got := explain(t, db, plain); strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("%s: the page statement sorts:\n%s\n-- for --\n%s", c.req, got, plain.SQL)
		}
	}
}
