package store

import (
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/query"
)

// Reading the table instead of the scope's index.
//
// A filter that no index serves (a name search, a status) leaves SQLite
// the indexes that narrow rows to the tenant and slice; it takes one
// whatever the statistics say, even when the scope is nearly all of the
// table, and looks up each row it yields in the table, in that index's
// order. Over 1.1M conversations, 1M of them chats, the shell counted the
// chats whose first name starts with "an" in 0.44 s through the slice's
// time index (row ids in time order: random reads) and in 0.20 s reading
// the table. The first page of such a filter over Conversations, whose
// rows index holds the media type after the tenant, sorted every row id
// of the tenant. Through an index that does list rows in row-id order
// there is little to gain (0.34 s against 0.32 s), and nothing to lose.
//
// So when a statement's plan reads its filter block through an index
// constrained by the scope's columns alone, and not covering, and the
// counts (counts.go) say the scope holds at least scanShare of the
// table's rows, the statement is built again reading the table
// (Dialect.TableScan). The index path cost about 440 ns per row of the
// scope and the table path 180 ns per row of the table, so they meet near
// 40% of the table; half leaves a margin. A filter an index does serve (a
// date range, a queue) keeps its plan: that index has more than the
// scope's columns.

// scanShare is the share of a table's rows the scope must hold for its
// filtered statements to read the table instead of the scope's index.
const scanShare = 0.5

// scopeColumns are the columns scopeOf narrows set's rows by.
func scopeColumns(sc *scope, set *edm.EntitySet) []string {
	cols := []string{"tenantId"}
	if set.Slice != nil {
		cols = append(cols, set.Slice.Column.Column())
	}
	if bu := set.Type.Table.BusinessUnit; bu != nil && len(sc.businessUnits) > 0 {
		cols = append(cols, bu.Column())
	}
	return cols
}

// scopeShare is the statement of the number of rows of set the scope sees
// and the number of rows of its table, from the counts.
func (t *translator) scopeShare(set *edm.EntitySet) Fragment {
	seen := t.storedCount(set)
	var sb sqlBuilder
	sb.write("SELECT (").add(seen).write("), (SELECT coalesce(sum(n), 0) FROM ccfeed_counts WHERE tbl = ?)")
	sb.args = append(sb.args, set.Type.Table.Name)
	return sb.fragment()
}

// scanInstead reports whether stmt, whose filter block (alias) reads set,
// should read the table instead (see above), and what its plan says.
func (db *DB) scanInstead(c *readConn, sc *scope, set *edm.EntitySet, stmt Fragment, alias string) (bool, planHint, error) {
	hint, err := db.planOf(c, stmt, alias, scopeColumns(sc, set))
	if err != nil || !hint.scopeIndex {
		return false, hint, err
	}
	share := newTranslator(db.Dialect, sc).scopeShare(set)
	var seen, all int64
	err = db.run(c, share, 2, func(row []any) error {
		seen, all = row[0].(int64), row[1].(int64)
		return nil
	})
	if err != nil {
		return false, hint, err
	}
	return all > 0 && float64(seen) >= scanShare*float64(all), hint, nil
}

// planned is a statement built with its filter block reading through an
// index or the table: build(scan) gives the statement and the alias of
// its filter block ("" when it has none).
type planned func(scan bool) (stmt Fragment, alias string, err error)

// queryPlanned runs the statement build gives, reading the table where
// scanInstead says so.
func (db *DB) queryPlanned(c *readConn, sc *scope, set *edm.EntitySet, build planned, ncols int, fn query.RowFunc) error {
	stmt, alias, err := build(false)
	if err != nil {
		return err
	}
	if alias != "" {
		scan, _, err := db.scanInstead(c, sc, set, stmt, alias)
		if err != nil {
			return err
		}
		if scan {
			if stmt, _, err = build(true); err != nil {
				return err
			}
		}
	}
	return db.run(c, stmt, ncols, fn)
}
