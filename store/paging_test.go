package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

// pagingDB holds one tenant whose order keys are full of duplicates and
// NULLs, next to another tenant whose rows must never show up.
func pagingDB(t testing.TB) *store.DB {
	t.Helper()
	db := feedtest.OpenDB(t)
	base := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	var rows []*store.Row
	rows = append(rows,
		row("Queues", "pg", "q-0").Set("name", "Support"),
		row("Queues", "pg", "q-1").Set("name", "billing"),
		row("Queues", "other", "q-0").Set("name", "Aardvark"),
	)
	for _, tenant := range []string{"pg", "other"} {
		for i := 0; i < 120; i++ {
			r := row("Conversations", tenant, fmt.Sprintf("c-%03d", (i*37)%120)).
				Set("mediaType", "chat").
				Set("csat", []any{nil, 1.0, 2.0, nil, 2.0, 5.0}[i%6]).
				Set("status", []any{nil, "open", "closed", "closed"}[i%4]).
				Set("isOutbound", i%2 == 0).
				Set("customerFirstName", []any{"Zoë", "zoe", "Zoe", "ZOË", nil, ""}[i%6])
			if i%5 != 0 {
				r.Set("holdCount", i%3)
			}
			if i%7 != 0 {
				r.Set("startedAtUTC", base.Add(time.Duration(i%10)*time.Hour))
			}
			if i%4 != 0 {
				r.Set("queueId", fmt.Sprintf("%s:test:q-%d", tenant, i%3)) // q-2 dangles
			}
			if i%3 != 0 {
				r.Set("afterHours", i%2 == 1)
			}
			rows = append(rows, r)
		}
	}
	upsertAll(t, db, rows...)
	return db
}

var pagingOrders = []string{
	"",
	"csat",
	"csat desc",
	"status desc,csat",
	"holdCount desc,startedAtUTC",
	"startedAt desc,status",
	"Queue/name,csat desc",
	"Queue/name desc,startedAt",
	"customerFirstName desc",
	"isOutbound,afterHours desc,holdCount",
	"tolower(customerFirstName),csat",
	"afterHours eq true desc,csat",
	"id desc",
	"csat desc,id desc",
}

// TestKeysetPaging walks every ordering page by page and compares the walk
// with one unpaged read.
func TestKeysetPaging(t *testing.T) {
	db := pagingDB(t)
	p := principal("pg")
	for _, order := range pagingOrders {
		req := "Conversations?$select=id,csat,status,startedAt"
		if order != "" {
			req += "&$orderby=" + order
		}
		t.Run(order, func(t *testing.T) {
			plan := bindRequest(t, req)
			lay, all := readAll(t, db, p, plan, 100000, 0)
			if len(all) != 120 {
				t.Fatalf("unpaged read returned %d rows, want 120", len(all))
			}
			ks := keys(lay, all)
			seen := map[string]bool{}
			for _, k := range ks {
				if seen[k] {
					t.Fatalf("unpaged read returns %s twice", k)
				}
				seen[k] = true
			}
			for _, size := range []int{1, 2, 7, 100} {
				_, got := readAll(t, db, p, plan, size, 0)
				if !reflect.DeepEqual(got, all) {
					sameKeys(t, fmt.Sprintf("page size %d", size), keys(lay, got), ks)
					t.Fatalf("page size %d: same keys but different row values", size)
				}
			}
			for _, skip := range []int64{1, 5, 119, 120, 500} {
				want := ks[min(int(skip), len(ks)):]
				for _, size := range []int{2, 7} {
					_, got := readAll(t, db, p, plan, size, skip)
					sameKeys(t, fmt.Sprintf("skip %d, page size %d", skip, size), keys(lay, got), want)
				}
			}
		})
	}
}

// TestKeysetPagingDemo walks orderings with many NULLs over the demo data.
func TestKeysetPagingDemo(t *testing.T) {
	db := feedtest.DemoDB(t)
	p := principal("contoso")
	for _, req := range []string{
		"Conversations?$orderby=csat desc,conversationEndedReason&$select=id",
		"Conversations?$orderby=Agent/name,endedAt desc&$select=id&$filter=mediaType ne 'email'",
		"Conversations?$orderby=Messages/$count desc,csat&$select=id&$filter=mediaType eq 'email'",
		"Messages?$orderby=agentId desc,messageIndex&$select=id&$filter=startswith(conversationId,'" + demoChatRange + "')",
	} {
		t.Run(req, func(t *testing.T) {
			plan := bindRequest(t, req)
			lay, all := readAll(t, db, p, plan, 100000, 0)
			if len(all) < 100 {
				t.Fatalf("only %d rows; the walk would prove little", len(all))
			}
			for _, size := range []int{7, 100} {
				_, got := readAll(t, db, p, plan, size, 0)
				sameKeys(t, fmt.Sprintf("page size %d", size), keys(lay, got), keys(lay, all))
			}
		})
	}
}

// TestOrderNullsFirstAscending pins where NULLs sort: before every value
// ascending and after every value descending (OData 11.2.6.2), which the
// keyset conditions assume.
func TestOrderNullsFirstAscending(t *testing.T) {
	db := pagingDB(t)
	p := principal("pg")
	for _, c := range []struct {
		order     string
		nullFirst bool
	}{{"csat", true}, {"csat desc", false}} {
		_, rows := readAll(t, db, p, bindRequest(t, "Conversations?$select=id,csat&$orderby="+c.order), 1000, 0)
		nulls := 0
		for _, r := range rows {
			if r[1] == nil {
				nulls++
			}
		}
		if nulls == 0 {
			t.Fatalf("%s: no NULL csat in the fixture", c.order)
		}
		from := 0
		if !c.nullFirst {
			from = len(rows) - nulls
		}
		for i := from; i < from+nulls; i++ {
			if rows[i][1] != nil {
				t.Fatalf("%s: row %d has csat %v; want the %d NULLs %s", c.order, i, rows[i][1], nulls,
					map[bool]string{true: "first", false: "last"}[c.nullFirst])
			}
		}
	}
}
