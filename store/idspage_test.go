package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/query"
)

// TestStoragePageByIDs: a filtered page in storage order gives the same
// rows whether its row ids are gathered and sorted here (idsPage), sorted
// by SQLite after too many matched (the fallback), read by one plain
// statement when the filter comes in row-id order, or read by the
// statement of pageSQL, for every page of every page size, with $skip,
// one or two tenants and business units. Conversations added last with
// early start times make the time index's order differ from storage
// order, so an unsorted gathering would show.
func TestStoragePageByIDs(t *testing.T) {
	db := planDB(t)
	ctx := context.Background()
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
			INSERT INTO Conversations (id, tenantId, source, sourceId, mediaType, businessUnitId, queueId, startedAtUTC, startedAt, status)
			SELECT 'bench:late:' || i, 'bench', 'test', 'late' || i, 'chat', 'bench:bu:' || (i % 8), 'bench:q:' || (i % 50),
			  1767225600000 + 86400000 * 3 + (300 - i) * 60000, '2026-01-04T00:00:00.000+01:00', 'open' FROM n`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	requests := []string{
		"Chats?$filter=startedAtUTC ge 2026-01-02T00:00:00Z and startedAtUTC lt 2026-01-10T00:00:00Z&$select=id,startedAtUTC,status",
		"Chats?$filter=startedAtUTC ge 2026-01-02T00:00:00Z and startedAtUTC lt 2026-01-10T00:00:00Z&$select=id&$skip=5",
		"Conversations?$filter=queueId eq 'bench:q:7' or status eq 'open'&$select=id,queueId",
		"Messages?$filter=sentAtUTC lt 2026-01-03T00:00:00Z&$select=id,conversationId",
		"Chats?$filter=status eq 'nothing'",
		// Read in row-id order: one plain statement (plainPage).
		"Conversations?$filter=startswith(tolower(status),'op')&$select=id,status&$skip=3",
	}
	scopes := map[string]*scope{
		"one tenant":     {tenants: []string{"bench"}},
		"two tenants":    {tenants: []string{"bench", "small"}},
		"business units": {tenants: []string{"bench"}, businessUnits: []string{"bench:bu:1", "bench:bu:4"}},
	}
	reference := func(sc *scope, plan *query.Plan, lay *query.Layout, page query.Page) ([][]any, bool) {
		stmt, err := db.pageSQL(sc, plan, lay, page)
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]any
		more := false
		err = db.query(ctx, stmt, len(lay.Cols), func(row []any) error {
			if len(rows) == page.Limit {
				more = true
				return errStop
			}
			rows = append(rows, append([]any(nil), row...))
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			t.Fatal(err)
		}
		return rows, more
	}
	read := func(sc *scope, plan *query.Plan, lay *query.Layout, page query.Page) ([][]any, bool) {
		var rows [][]any
		more, err := db.readPage(ctx, sc, plan, lay, page, func(row []any) error {
			rows = append(rows, append([]any(nil), row...))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return rows, more
	}
	byIDs := idsCapFor
	defer func() { idsCapFor = byIDs }()
	for _, req := range requests {
		plan := planOf(t, db, req)
		lay := query.NewLayout(&plan.Shape)
		if !storageOrdered(plan, lay) {
			t.Fatalf("%s: not a storage-ordered page", req)
		}
		for sname, sc := range scopes {
			for _, limit := range []int{1, 7, 1000} {
				for mode, capFor := range map[string]func(query.Page) int64{
					"by ids":   byIDs,
					"fallback": func(query.Page) int64 { return 0 },
				} {
					idsCapFor = capFor
					name := fmt.Sprintf("%s as %s, pages of %d, %s", req, sname, limit, mode)
					page := query.Page{Limit: limit}
					if plan.Shape.Skip != nil {
						page.Skip = *plan.Shape.Skip
					}
					total := 0
					for pages := 0; ; pages++ {
						if pages > 30000 {
							t.Fatalf("%s: the pages do not end", name)
						}
						want, wantMore := reference(sc, plan, lay, page)
						got, gotMore := read(sc, plan, lay, page)
						if !reflect.DeepEqual(got, want) || gotMore != wantMore {
							t.Fatalf("%s, page %d: got %d rows (more %v), want %d (more %v)\ngot  %v\nwant %v",
								name, pages, len(got), gotMore, len(want), wantMore, head(got), head(want))
						}
						total += len(got)
						if !gotMore {
							break
						}
						last := got[len(got)-1]
						page = query.Page{Limit: limit, After: []any{last[lay.Order[0]]}}
					}
					if total == 0 && !strings.Contains(req, "nothing") && sname != "business units" {
						t.Errorf("%s: no rows: the comparison proves nothing", name)
					}
				}
			}
		}
	}
}

func head(rows [][]any) [][]any { return rows[:min(len(rows), 3)] }

// TestStoragePageByIDsPlans: the gathering reads only the filter's index,
// and the rows are read by their ids, without a sort.
func TestStoragePageByIDsPlans(t *testing.T) {
	db := planDB(t)
	plan := planOf(t, db, "Chats?$filter=startedAtUTC ge 2026-03-01T00:00:00Z and startedAtUTC lt 2026-03-02T00:00:00Z&$select=id,status,startedAt")
	lay := query.NewLayout(&plan.Shape)
	tr := newTranslator(db.Dialect, &scope{tenants: []string{"bench"}})
	b := tr.newBlock(plan.Var, plan.Set)
	sel, err := tr.selectList(b, lay)
	if err != nil {
		t.Fatal(err)
	}
	page := query.Page{Limit: 1000, After: []any{int64(100)}}
	ids, rows, err := tr.storageIDs(b, sel, plan, lay, page, idsCapFor(page))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		stmt        Fragment
		want, never string
	}{
		{ids, "COVERING INDEX ix_Conversations_mediaType_startedAtUTC (tenantId=? AND mediaType=? AND startedAtUTC>? AND startedAtUTC<?)", "TEMP B-TREE"},
		{rows([]int64{3, 5, 8}), "USING INTEGER PRIMARY KEY (rowid=?)", "TEMP B-TREE"},
	} {
		got := explain(t, db, c.stmt)
		if !strings.Contains(got, c.want) || strings.Contains(got, c.never) {
			t.Errorf("plan (want %q, never %q):\n%s\n-- for --\n%s", c.want, c.never, got, c.stmt.SQL)
		}
		noTableScan(t, got, c.stmt)
	}

	// Ids are gathered only where SQLite would sort: a day of chats (the
	// time index), not a filter that reads the table in row-id order.
	for req, want := range map[string]bool{
		"Chats?$filter=startedAtUTC ge 2026-03-01T00:00:00Z and startedAtUTC lt 2026-03-02T00:00:00Z": true,
		"Chats?$filter=startswith(tolower(status),'clo')":                                             false,
	} {
		plan := planOf(t, db, req)
		lay := query.NewLayout(&plan.Shape)
		stmt, err := db.pageSQL(&scope{tenants: []string{"bench"}}, plan, lay, query.Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var sorts bool
		err = db.withRawConn(context.Background(), func(c *readConn) error {
			hint, err := db.planOf(c, stmt, "", nil)
			sorts = hint.sorts
			return err
		})
		if err != nil || sorts != want {
			t.Errorf("%s: sorts %v (%v), want %v\n%s", req, sorts, err, want, explain(t, db, stmt))
		}
	}
}
