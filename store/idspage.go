package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ccfeed/ccfeed/query"
)

// A filtered page in storage order needs the smallest row ids among the
// rows that match. storagePage lets SQLite sort them (ORDER BY rid LIMIT n
// over the filter's index), and that sort was most of the statement: for a
// day of 2,740 chats, reading the index took 0.13 ms and sorting its row
// ids for a 1000-row page 0.7 ms more. When few rows match, readStoragePage
// gathers all of their row ids in one value instead (0.3 ms), sorts them
// here, and reads the page's rows by id; when more than idsCapFor match, it
// reads the page as storagePage does, having spent one bounded scan of
// the index. Both statements run in one read transaction, so the page is
// the one a single statement would have given.
//
// Only when SQLite would sort: a filter no index serves (a name search)
// reads the table in row-id order, where one plain statement (plainPage)
// stops at the page's last row, and gathering first would read the table
// twice (a search over every chat took 1.4 s instead of 0.6 s). Whether it
// sorts is read from the statement's plan (plans.go).

// idsCapFor is how many matching row ids a page gathers at most: four
// times the rows it skips and returns, within 2,048-8,192 ids (8 bytes
// each). Past it the page is read as storagePage reads it, and the
// gathering was wasted: 4,000 ids take the shell about 0.5 ms, and a
// 1000-row page of a month of chats (85,000 of them) measured 6.2 ms
// against 6.4 ms without this path, within noise, while a day's page
// gained 0.3-0.5 ms.
// A variable for the tests, which force the fallback with it.
var idsCapFor = func(page query.Page) int64 {
	return min(max(4*(page.Skip+int64(page.Limit)+1), 2048), 8192)
}

// storageIDs is the statement gathering the row ids of a storage page's
// matching rows (at most max+1 of them) with their number, and the
// statement of the rows of chosen ids, in row-id order.
func (t *translator) storageIDs(b *block, sel Fragment, plan *query.Plan, lay *query.Layout, page query.Page, most int64) (ids Fragment, rows func([]int64) Fragment, err error) {
	inner, _, err := t.matchingIDs(plan, lay, page)
	if err != nil {
		return Fragment{}, nil, err
	}
	inner.write(" LIMIT ?")
	inner.args = append(inner.args, most+1)
	var sb sqlBuilder
	sb.write("SELECT ", t.d.GroupIDs("r"), ", count(*) FROM (").add(inner.fragment()).write(")")
	ids = sb.fragment()
	rows = func(list []int64) Fragment {
		return t.rowsOfIDs(b, sel, plan, lay, F(t.d.IDList(), t.d.IDListArg(list)))
	}
	return ids, rows, nil
}

// readStoragePage reads a filtered page in storage order (see above).
func (db *DB) readStoragePage(ctx context.Context, sc *scope, plan *query.Plan, lay *query.Layout, pg query.Page, emit query.RowFunc) (more bool, err error) {
	t, b, sel, err := db.pageBlock(sc, plan, lay, false)
	if err != nil {
		return false, err
	}
	fallback, err := t.storagePage(b, sel, plan, lay, pg)
	if err != nil {
		return false, err
	}
	filterAlias := t.filterAlias
	n := 0
	emitPage := func(row []any) error {
		n++
		if n > pg.Limit {
			more = true
			return errStop
		}
		return emit(row)
	}
	err = db.withRawConn(ctx, func(c *readConn) error {
		page := func(stmt Fragment) error { return db.run(c, stmt, len(lay.Cols), emitPage) }
		return c.inSnapshot(func() error {
			// A filter no index serves, over most of the table, reads the
			// table in row-id order (scan.go). Without that, the scope's
			// index may not give row-id order either: Conversations by
			// tenant (its rows index holds the media type next), or two
			// tenants; SQLite then sorted all of the scope's row ids.
			scan, hint, err := db.scanInstead(c, sc, plan.Set, fallback, filterAlias)
			if err != nil {
				return err
			}
			if scan || !hint.sorts && !hint.covered {
				// The filter is read in row-id order, from the table: one
				// statement reads each row once, where storagePage's reads
				// the page's rows a second time by id (a 5000-row page of a
				// name search: 12 ms against 20 ms in the shell). A filter
				// read from an index alone ($search: the rows index and the
				// full-text matches) keeps storagePage's form, which reads
				// only the page's rows: one statement looked up every
				// match before the page's first (45 ms against 92 ms for a
				// page in the middle of 5M messages).
				plain, _, err := db.plainPage(sc, plan, lay, pg, scan)
				if err != nil {
					return err
				}
				return page(plain)
			}
			if !hint.sorts {
				return page(fallback)
			}
			most := idsCapFor(pg)
			idsStmt, rowsStmt, err := t.storageIDs(b, sel, plan, lay, pg, most)
			if err != nil {
				return err
			}
			var list any
			var matched int64
			err = db.run(c, idsStmt, 2, func(row []any) error {
				list, matched = row[0], row[1].(int64)
				return nil
			})
			if err != nil {
				return err
			}
			if matched > most {
				return page(fallback)
			}
			ids, err := parseIDs(list)
			if err != nil {
				return err
			}
			slices.Sort(ids)
			if pg.Skip >= int64(len(ids)) {
				return nil
			}
			ids = ids[pg.Skip:]
			ids = ids[:min(len(ids), pg.Limit+1)]
			return page(rowsStmt(ids))
		})
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return more, wrapQueryErr(ctx, err)
}

// parseIDs reads the comma-separated row ids of GroupIDs (NULL when none
// matched).
func parseIDs(v any) ([]int64, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return nil, fmt.Errorf("store: row ids as %T", v)
	}
	ids := make([]int64, 0, len(s)/8+1)
	var n int64
	digits := false
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if !digits {
				return nil, fmt.Errorf("store: row ids %.40q", s)
			}
			ids = append(ids, n)
			n, digits = 0, false
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("store: row ids %.40q", s)
		}
		n = n*10 + int64(c-'0')
		digits = true
	}
	return ids, nil
}
