package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/query"
)

// An expansion is read with one statement per expanded navigation and
// level, whatever the number of parent rows: the parents' join values go in
// as one JSON array argument (json_each), so a page of 5,000 parents is one
// query, not 5,000, and the statement text does not grow with the page.

// expandBlock opens the query block of an expansion: the related rows in
// scope that pass its $filter and $search, restricted to the parents' join
// values (vals, one JSON array argument). join is the related rows' join
// column.
func (t *translator) expandBlock(e *query.Expand, vals []any) (b *block, conds []Fragment, join string, err error) {
	b = t.newBlock(e.Var, e.Set)
	if conds, err = t.where(b, nil, &e.Shape); err != nil {
		return nil, nil, "", err
	}
	js, err := json.Marshal(vals)
	if err != nil {
		return nil, nil, "", err
	}
	join = t.col(b.alias, e.Nav.TargetProp)
	conds = append(conds, F(join+" IN (SELECT value FROM json_each(?))", string(js)))
	return b, conds, join, nil
}

// ReadExpand streams the entities related through e.Nav to the parents whose
// join values (e.Nav.SourceProp of each parent) are vals, grouped by join
// value and, within one parent, in the expansion's order. emit receives the
// parent's join value and the row in lay's order (the slice is reused).
// $top and $skip inside the expansion apply per parent.
func (db *DB) ReadExpand(ctx context.Context, p *ccfeed.Principal, e *query.Expand, lay *query.Layout, vals []any, emit func(join any, row []any) error) error {
	if searches(&e.Shape) {
		db.freshText(ctx)
	}
	if len(vals) == 0 {
		return nil
	}
	sc, err := db.scopeFor(ctx, p)
	if err != nil {
		return err
	}
	stmt, err := db.expandSQL(sc, e, lay, vals)
	if err != nil {
		return err
	}
	n := len(lay.Cols)
	return db.query(ctx, stmt, n+1, func(row []any) error {
		return emit(joinKey(row[n]), row[:n])
	})
}

func (db *DB) expandSQL(sc *scope, e *query.Expand, lay *query.Layout, vals []any) (Fragment, error) {
	t := newTranslator(db.Dialect, sc)
	b, conds, join, err := t.expandBlock(e, vals)
	if err != nil {
		return Fragment{}, err
	}
	sel, err := t.selectList(b, lay)
	if err != nil {
		return Fragment{}, err
	}
	joinCol := "c" + strconv.Itoa(len(lay.Cols))

	var sb sqlBuilder
	if e.Top == nil && e.Skip == nil {
		sb.write("SELECT ").add(sel).write(", ", join, " AS ", joinCol, " FROM ").add(t.from(b)).
			write(" WHERE ").add(Join(" AND ", conds...)).write(" ORDER BY ", joinCol)
		for i, idx := range lay.Order {
			sb.write(", c", strconv.Itoa(idx))
			if lay.Desc[i] {
				sb.write(" DESC")
			}
		}
		return sb.fragment(), nil
	}
	// $top and $skip count per parent: number each parent's rows in the
	// expansion's order and keep the slice asked for.
	order, err := t.orderExprs(b, lay)
	if err != nil {
		return Fragment{}, err
	}
	cols := make([]string, len(lay.Cols)+1)
	for i := range cols {
		cols[i] = "c" + strconv.Itoa(i)
	}
	sb.write("SELECT ", strings.Join(cols, ", "), " FROM (SELECT ").add(sel).write(", ", join, " AS ", joinCol,
		", ROW_NUMBER() OVER (PARTITION BY ", join, " ORDER BY ").add(order).write(") AS rn FROM ").
		add(t.from(b)).write(" WHERE ").add(Join(" AND ", conds...)).write(") WHERE rn > ?")
	skip := int64(0)
	if e.Skip != nil {
		skip = *e.Skip
	}
	sb.args = append(sb.args, skip)
	if e.Top != nil {
		sb.write(" AND rn <= ?")
		sb.args = append(sb.args, skip+*e.Top)
	}
	sb.write(" ORDER BY ", joinCol, ", rn")
	return sb.fragment(), nil
}

// orderExprs renders the layout's keyset order as expressions (window
// definitions cannot name result columns).
func (t *translator) orderExprs(b *block, lay *query.Layout) (Fragment, error) {
	parts := make([]Fragment, len(lay.Order))
	for i, idx := range lay.Order {
		c := lay.Cols[idx]
		var f Fragment
		if c.X == nil {
			f = F(t.col(b.alias, c.Prop))
		} else {
			var err error
			if f, err = t.expr(c.X); err != nil {
				return Fragment{}, err
			}
		}
		if lay.Desc[i] {
			f = f.Wrap("", " DESC")
		}
		parts[i] = f
	}
	return Join(", ", parts...), nil
}

// CountExpand counts, per join value, the entities e.Nav relates to the
// parents (with the expansion's $filter and $search): Nav@odata.count and
// Nav/$count.
func (db *DB) CountExpand(ctx context.Context, p *ccfeed.Principal, e *query.Expand, vals []any) (map[any]int64, error) {
	if searches(&e.Shape) {
		db.freshText(ctx)
	}
	out := map[any]int64{}
	if len(vals) == 0 {
		return out, nil
	}
	sc, err := db.scopeFor(ctx, p)
	if err != nil {
		return nil, err
	}
	t := newTranslator(db.Dialect, sc)
	b, conds, join, err := t.expandBlock(e, vals)
	if err != nil {
		return nil, err
	}
	var sb sqlBuilder
	sb.write("SELECT ", join, ", COUNT(*) FROM ").add(t.from(b)).write(" WHERE ").add(Join(" AND ", conds...)).
		write(" GROUP BY ", join)
	err = db.query(ctx, sb.fragment(), 2, func(row []any) error {
		out[joinKey(row[0])] = row[1].(int64)
		return nil
	})
	return out, err
}

// joinKey normalises a join value for use as a map key: SQLite may return
// TEXT as []byte.
func joinKey(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}
