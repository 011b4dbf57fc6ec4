package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/query"
	"github.com/ccfeed/ccfeed/store"
)

// applyCases are $apply requests with the hand-written SQL that answers the
// same question. The oracle's columns are the result's output properties in
// order, and its ORDER BY is the order the feed promises: the pipeline's own
// ordering, then every output column.
var applyCases = []struct {
	name, req, oracle string
}{
	{"count_per_channel_and_reason",
		"Conversations?$apply=groupby((channelId,conversationEndedReason),aggregate($count as n))",
		`SELECT channelId, conversationEndedReason, COUNT(*) FROM Conversations WHERE tenantId IN {T}
		 GROUP BY 1, 2 ORDER BY 1, 2, 3`},
	{"average_queue_time_per_queue_per_day",
		"QueueSegments?$apply=compute(date(queuedAt) as day)/groupby((queueId,Queue/name,day),aggregate(durationInSeconds with average as avgQueue))&$orderby=day desc",
		`SELECT s.queueId, q.name, substr(s.queuedAt, 1, 10) AS day, AVG(s.durationInSeconds) FROM QueueSegments s
		 LEFT JOIN Queues q ON q.id = s.queueId AND q.tenantId IN {T}
		 WHERE s.tenantId IN {T} GROUP BY 1, 2, 3 ORDER BY 3 DESC, 1, 2, 3, 4`},
	{"messages_per_agent_per_hour",
		"Messages?$apply=filter(senderType eq 'agent')/compute(date(sentAt) as day,hour(sentAt) as hour)/groupby((agentId,day,hour),aggregate($count as n))",
		`SELECT agentId, substr(sentAt, 1, 10), CAST(substr(sentAt, 12, 2) AS INTEGER), COUNT(*) FROM Messages
		 WHERE tenantId IN {T} AND senderType = 'agent' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3, 4`},
	{"aggregate_without_groups",
		"Conversations?$apply=aggregate(durationInSeconds with sum as total,csat with max as best,id with countdistinct as n,$count as rows)",
		`SELECT SUM(durationInSeconds), MAX(csat), COUNT(DISTINCT id), COUNT(*) FROM Conversations WHERE tenantId IN {T}`},
	{"aggregate_of_nothing",
		"Conversations?$apply=filter(status eq 'no such status')/aggregate($count as n,durationInSeconds with sum as s)",
		`SELECT COUNT(*), SUM(durationInSeconds) FROM Conversations WHERE tenantId IN {T} AND status = 'no such status'`},
	{"related_count",
		"Conversations?$apply=groupby((mediaType),aggregate(Messages/$count as msgs))",
		`SELECT c.mediaType, COALESCE(SUM((SELECT COUNT(*) FROM Messages m WHERE m.tenantId IN {T} AND m.conversationId = c.id)), 0)
		 FROM Conversations c WHERE c.tenantId IN {T} GROUP BY 1 ORDER BY 1, 2`},
	{"filter_after_groupby",
		"Conversations?$apply=groupby((agentId),aggregate(durationInSeconds with sum as total))/filter(total gt 20000)&$orderby=total desc",
		`SELECT agentId, SUM(durationInSeconds) AS total FROM Conversations WHERE tenantId IN {T}
		 GROUP BY 1 HAVING total > 20000 ORDER BY 2 DESC, 1, 2`},
	{"regroup",
		"Conversations?$apply=groupby((channelId,mediaType),aggregate($count as n))/groupby((mediaType),aggregate(n with average as avgPerChannel,n with max as busiest))",
		`SELECT mediaType, AVG(n), MAX(n) FROM (SELECT channelId, mediaType, COUNT(*) AS n FROM Conversations
		 WHERE tenantId IN {T} GROUP BY 1, 2) GROUP BY 1 ORDER BY 1, 2, 3`},
	{"compute_after_aggregate",
		"Conversations?$apply=groupby((mediaType),aggregate(durationInSeconds with sum as s))/compute(s div 60 as mins)&$select=mediaType,mins",
		`SELECT mediaType, SUM(durationInSeconds) / 60.0 FROM Conversations WHERE tenantId IN {T} GROUP BY 1 ORDER BY 1, 2`},
	{"topcount_of_groups",
		"Conversations?$apply=groupby((agentId),aggregate($count as n))/topcount(3,n)",
		`SELECT agentId, n FROM (SELECT agentId, COUNT(*) AS n FROM Conversations WHERE tenantId IN {T} GROUP BY 1
		 ORDER BY 2 DESC, 1, 2 LIMIT 3) ORDER BY 2 DESC, 1, 2`},
	{"top_before_groupby",
		"Conversations?$apply=orderby(durationInSeconds desc)/top(50)/groupby((mediaType),aggregate($count as n))",
		`SELECT mediaType, COUNT(*) FROM (SELECT mediaType FROM Conversations WHERE tenantId IN {T}
		 ORDER BY durationInSeconds DESC, tenantId, id LIMIT 50) GROUP BY 1 ORDER BY 1, 2`},
	{"search_then_group",
		"Messages?$apply=search(refund)/groupby((senderType),aggregate($count as n))",
		`SELECT senderType, COUNT(*) FROM Messages WHERE tenantId IN {T} AND rowid IN (SELECT rowid FROM fts_Messages WHERE fts_Messages MATCH '"refund"')
		 GROUP BY 1 ORDER BY 1, 2`},
	{"group_by_local_time_then_filter",
		"Conversations?$apply=filter(mediaType eq 'chat')/groupby((startedAt),aggregate($count as n))/filter(startedAt lt 2026-09-15T00:00:00Z)",
		`SELECT startedAt, COUNT(*) FROM Conversations WHERE tenantId IN {T} AND mediaType = 'chat' AND startedAtUTC < 1789430400000
		 GROUP BY startedAt ORDER BY 1, 2`},
	{"entities_filtered_and_topped",
		"Conversations?$apply=filter(durationInSeconds gt 100)/orderby(durationInSeconds desc)/top(7)&$select=id,durationInSeconds",
		`SELECT id, durationInSeconds FROM Conversations WHERE tenantId IN {T} AND durationInSeconds > 100
		 ORDER BY durationInSeconds DESC, tenantId, id LIMIT 7`},
	// Groups come from all the rows; the inner filter only narrows what
	// each group aggregates, so a group it empties still has its row.
	{"groupby_inner_filter_keeps_empty_groups",
		"Conversations?$apply=groupby((channelId),filter(durationInSeconds gt 100000000)/aggregate($count as n))",
		`SELECT k.channelId, COALESCE(f.n, 0) FROM (SELECT DISTINCT channelId FROM Conversations WHERE tenantId IN {T}) AS k
		 LEFT JOIN (SELECT channelId, COUNT(*) AS n FROM Conversations WHERE tenantId IN {T} AND durationInSeconds > 100000000 GROUP BY 1) AS f
		   ON f.channelId IS k.channelId
		 ORDER BY 1, 2`},
	{"groupby_inner_filter_sum",
		"Conversations?$apply=groupby((mediaType),filter(csat ge 4)/aggregate(durationInSeconds with sum as s,$count as n))",
		`SELECT k.mediaType, f.s, COALESCE(f.n, 0) FROM (SELECT DISTINCT mediaType FROM Conversations WHERE tenantId IN {T}) AS k
		 LEFT JOIN (SELECT mediaType, SUM(durationInSeconds) AS s, COUNT(*) AS n FROM Conversations WHERE tenantId IN {T} AND csat >= 4 GROUP BY 1) AS f
		   ON f.mediaType IS k.mediaType
		 ORDER BY 1, 2, 3`},
	// Without an aggregate, a group keeps the rows that pass: an emptied
	// group is gone.
	{"groupby_inner_filter_no_aggregate",
		"Conversations?$apply=groupby((mediaType),filter(durationInSeconds gt 2500))",
		`SELECT DISTINCT mediaType FROM Conversations WHERE tenantId IN {T} AND durationInSeconds > 2500 ORDER BY 1`},
	{"min_max_of_instants",
		"Conversations?$apply=groupby((mediaType),aggregate(startedAtUTC with min as first,startedAt with max as last))",
		`SELECT mediaType, MIN(startedAtUTC), MAX(startedAtUTC) FROM Conversations WHERE tenantId IN {T} GROUP BY 1 ORDER BY 1, 2, 3`},
}

// TestApplyMatchesSQL reads each $apply result page by page and compares it,
// row for row and value for value, with its hand-written SQL.
func TestApplyMatchesSQL(t *testing.T) {
	db := demoWithFixtures(t)
	raw := rawDB(t, db)
	p := principal(resultTenants...)
	for _, c := range applyCases {
		t.Run(c.name, func(t *testing.T) {
			plan := bindRequest(t, c.req)
			got := readApply(t, db, p, plan, 7)
			want := sqlRows(t, raw, strings.ReplaceAll(c.oracle, "{T}", tenantList))
			if len(want) == 0 && !strings.Contains(c.name, "nothing") {
				t.Fatalf("the oracle returns no rows: the case proves nothing")
			}
			sameRows(t, got, want)
			n, err := db.CountApply(context.Background(), p, plan)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(want)) {
				t.Errorf("CountApply = %d, want %d", n, len(want))
			}
		})
	}
}

// readApply reads every page of an aggregated result (output properties) or
// an entity result (its selected properties, hidden columns dropped).
func readApply(t *testing.T, db *store.DB, p *ccfeed.Principal, plan *query.Plan, limit int) [][]any {
	t.Helper()
	var lay *query.Layout
	if !plan.Apply.Aggregates() {
		lay = query.NewLayout(&plan.Shape)
	}
	var rows [][]any
	for offset := int64(0); ; {
		n := 0
		more, err := db.ReadApply(context.Background(), p, plan, lay, offset, limit, func(row []any) error {
			var r []any
			for i, v := range row {
				if lay == nil || !lay.Cols[i].Hidden {
					r = append(r, v)
				}
			}
			rows = append(rows, r)
			n++
			return nil
		})
		if err != nil {
			t.Fatalf("ReadApply: %v", err)
		}
		if !more {
			return rows
		}
		offset += int64(n)
	}
}

func sqlRows(t *testing.T, db *sql.DB, q string) [][]any {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("oracle: %v\n%s", err, q)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameRows compares values; numbers compare by value (SQLite may answer an
// integer where the feed computed a real, and sums may round differently in
// the last bit).
func sameRows(t *testing.T, got, want [][]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d\n got: %v\nwant: %v", len(got), len(want), head(got), head(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("row %d has %d values, want %d: %v vs %v", i, len(got[i]), len(want[i]), got[i], want[i])
		}
		for j := range want[i] {
			if !sameValue(got[i][j], want[i][j]) {
				t.Fatalf("row %d value %d = %v (%T), want %v (%T)\n got row: %v\nwant row: %v", i, j, got[i][j], got[i][j], want[i][j], want[i][j], got[i], want[i])
			}
		}
	}
}

func head(rows [][]any) [][]any {
	if len(rows) > 5 {
		return rows[:5]
	}
	return rows
}

func sameValue(a, b any) bool {
	fa, aok := number(a)
	fb, bok := number(b)
	if aok && bok {
		return fa == fb || math.Abs(fa-fb) <= 1e-9*math.Max(math.Abs(fa), math.Abs(fb))
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
