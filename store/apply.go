package store

import (
	"context"
	"errors"
	"strings"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/query"
)

// A $apply pipeline runs entirely in SQLite. While it works on entities, its
// steps narrow one query block over the set's table (filters and searches
// become conditions; a top or skip becomes "rowid IN (the rows it keeps)").
// An aggregation turns the block into a GROUP BY query; every later step
// wraps the query before it as a subquery whose columns keep their names
// (v1, v2, ...), so a step only ever refers to the columns of the one below.

type applyQuery struct {
	t    *translator
	plan *query.Plan
	// Entity state.
	b     *block
	conds []Fragment
	// Rows state (after an aggregation): rows is a SELECT with cols.
	inRows bool
	rows   Fragment
	cols   []*query.DynProp
	// order is the last ordering, for a later top or skip and the result.
	order []query.Order
}

func (db *DB) newApplyQuery(sc *scope, plan *query.Plan) (*applyQuery, error) {
	t := newTranslator(db.Dialect, sc)
	aq := &applyQuery{t: t, plan: plan}
	aq.b = t.newBlock(plan.Var, plan.Set)
	conds, err := t.where(aq.b, plan.Source, &query.Shape{Set: plan.Set})
	if err != nil {
		return nil, err
	}
	aq.conds = conds
	for _, s := range plan.Apply.Steps {
		if err := aq.step(s); err != nil {
			return nil, err
		}
	}
	return aq, nil
}

func (aq *applyQuery) quote(s string) string { return aq.t.d.Quote(s) }

// wrap makes the current rows a subquery with a fresh alias, against which
// the next expressions are translated.
func (aq *applyQuery) wrap() string {
	a := aq.t.newAlias()
	aq.t.dynAlias = a
	return a
}

func (aq *applyQuery) step(s query.ApplyStep) error {
	t := aq.t
	switch s := s.(type) {
	case *query.FilterStep:
		if !aq.inRows {
			f, err := t.expr(s.X)
			if err != nil {
				return err
			}
			aq.conds = append(aq.conds, f)
			return nil
		}
		prev := aq.rows
		a := aq.wrap()
		f, err := t.expr(s.X)
		if err != nil {
			return err
		}
		aq.rows = Join("", prev.Wrap("SELECT * FROM (", ") AS "+a+" WHERE "), f)
	case *query.SearchStep:
		f := t.searchExpr(aq.b.alias, s.Set.Type.Table, s.Expr)
		aq.conds = append(aq.conds, f)
	case *query.OrderStep:
		aq.order = s.Keys
	case *query.TopStep:
		return aq.slice(F(" LIMIT ? OFFSET 0", s.N))
	case *query.SkipStep:
		return aq.slice(F(" LIMIT -1 OFFSET ?", s.N))
	case *query.ComputeStep:
		prev := aq.rows
		a := aq.wrap()
		parts := []Fragment{F(a + ".*")}
		for i, p := range s.Props {
			f, err := t.expr(s.X[i])
			if err != nil {
				return err
			}
			parts = append(parts, f.Wrap("", " AS "+aq.quote(p.Col)))
		}
		aq.rows = Join("", Join(", ", parts...).Wrap("SELECT ", " FROM ("), prev.Wrap("", ") AS "+a))
		aq.cols = append(aq.cols, s.Props...)
	case *query.GroupStep:
		return aq.group(s)
	default:
		return errors.New("store: unknown $apply step")
	}
	return nil
}

// orderBy renders the pending order, then tie-breakers that make it total
// (so pages and top/skip are repeatable).
func (aq *applyQuery) orderBy() (Fragment, error) {
	t := aq.t
	var parts []Fragment
	for _, o := range aq.order {
		f, err := t.expr(o.X)
		if err != nil {
			return Fragment{}, err
		}
		if o.Desc {
			f = f.Wrap("", " DESC")
		}
		parts = append(parts, f)
	}
	if aq.inRows {
		for _, c := range aq.cols {
			parts = append(parts, F(t.dynAlias+"."+aq.quote(c.Col)))
		}
	} else {
		parts = append(parts, F(aq.b.alias+"."+aq.quote(ridColumn)))
	}
	return Join(", ", parts...), nil
}

// slice applies top or skip (limit holds the LIMIT/OFFSET clause).
func (aq *applyQuery) slice(limit Fragment) error {
	t := aq.t
	if aq.inRows {
		prev := aq.rows
		a := aq.wrap()
		ob, err := aq.orderBy()
		if err != nil {
			return err
		}
		aq.rows = Join("", prev.Wrap("SELECT * FROM (", ") AS "+a+" ORDER BY "), ob, limit)
		return nil
	}
	ob, err := aq.orderBy()
	if err != nil {
		return err
	}
	var sb sqlBuilder
	sb.write("SELECT ", aq.b.alias, ".rowid FROM ").add(t.from(aq.b)).write(" WHERE ").add(Join(" AND ", aq.conds...)).
		write(" ORDER BY ").add(ob).add(limit)
	inner := sb.fragment()
	// The kept rows become the new block; expressions bound to the set's
	// variable now refer to it.
	aq.b = t.newBlock(aq.plan.Var, aq.plan.Set)
	aq.conds = []Fragment{t.scopeOf(aq.b.alias, aq.plan.Set), inner.Wrap(aq.b.alias+".rowid IN (", ")")}
	return nil
}

func (aq *applyQuery) group(g *query.GroupStep) error {
	t := aq.t
	var prev Fragment
	var from Fragment
	if aq.inRows {
		prev = aq.rows
		a := aq.wrap()
		from = prev.Wrap("(", ") AS "+a)
	}
	var sel, keys []Fragment
	for i, k := range g.Keys {
		var f Fragment
		var err error
		if pr, ok := g.KeyX[i].(*query.PropRef); ok && k.Local {
			f, err = t.localText(pr)
		} else if dr, ok := g.KeyX[i].(*query.DynRef); ok {
			f = F(t.dynAlias + "." + aq.quote(dr.P.Col))
		} else {
			f, err = t.expr(g.KeyX[i])
		}
		if err != nil {
			return err
		}
		sel = append(sel, f.Wrap("", " AS "+aq.quote(k.Col)))
		keys = append(keys, F(aq.quote(k.Col)))
	}
	cond, err := aq.groupWhere(g)
	if err != nil {
		return err
	}
	for _, a := range g.Aggs {
		f, err := aq.aggregate(a, cond)
		if err != nil {
			return err
		}
		sel = append(sel, f.Wrap("", " AS "+aq.quote(a.Prop.Col)))
	}
	var sb sqlBuilder
	sb.write("SELECT ").add(Join(", ", sel...)).write(" FROM ")
	if aq.inRows {
		sb.add(from)
	} else {
		sb.add(t.from(aq.b)).write(" WHERE ").add(Join(" AND ", aq.conds...))
	}
	if len(keys) > 0 {
		sb.write(" GROUP BY ").add(Join(", ", keys...))
	}
	aq.rows = sb.fragment()
	aq.inRows = true
	aq.cols = append(append([]*query.DynProp{}, g.Keys...), aggProps(g.Aggs)...)
	aq.order = nil
	return nil
}

func aggProps(aggs []*query.Aggregate) []*query.DynProp {
	out := make([]*query.DynProp, len(aggs))
	for i, a := range aggs {
		out[i] = a.Prop
	}
	return out
}

// groupWhere is the condition of a groupby's inner filters and searches
// (empty when there are none).
func (aq *applyQuery) groupWhere(g *query.GroupStep) (Fragment, error) {
	var parts []Fragment
	for _, w := range g.Where {
		switch w := w.(type) {
		case *query.FilterStep:
			f, err := aq.t.expr(w.X)
			if err != nil {
				return Fragment{}, err
			}
			parts = append(parts, aq.t.d.Bool(f))
		case *query.SearchStep:
			parts = append(parts, aq.t.searchExpr(aq.b.alias, w.Set.Type.Table, w.Expr))
		default:
			return Fragment{}, errors.New("store: unexpected step inside groupby")
		}
	}
	if len(parts) == 0 {
		return Fragment{}, nil
	}
	return Join(" AND ", parts...).Wrap("(", ")"), nil
}

// aggregate renders one aggregate; a non-empty cond limits it to the rows
// that pass (CASE yields NULL for the others, which every aggregate skips).
func (aq *applyQuery) aggregate(a *query.Aggregate, cond Fragment) (Fragment, error) {
	only := func(x Fragment) Fragment {
		if cond.Empty() {
			return x
		}
		return Join("", cond.Wrap("CASE WHEN ", " THEN "), x.Wrap("", " END"))
	}
	if a.Method == "count" {
		if cond.Empty() {
			return F("COUNT(*)"), nil
		}
		return only(F("1")).Wrap("COUNT(", ")"), nil
	}
	x, err := aq.t.expr(a.X)
	if err != nil {
		return Fragment{}, err
	}
	x = only(x)
	switch a.Method {
	case "sum":
		if _, ok := a.X.(*query.CountOf); ok {
			// Related entities of a group: 0 when there are none.
			return x.Wrap("COALESCE(SUM(", "), 0)"), nil
		}
		return x.Wrap("SUM(", ")"), nil
	case "average":
		return x.Wrap("AVG(", ")"), nil
	case "min":
		return x.Wrap("MIN(", ")"), nil
	case "max":
		return x.Wrap("MAX(", ")"), nil
	case "countdistinct":
		return x.Wrap("COUNT(DISTINCT ", ")"), nil
	}
	return Fragment{}, errors.New("store: unknown aggregation method " + a.Method)
}

// final is the statement of the result: the entity layout's values, or the
// output properties, in the pipeline's order.
func (aq *applyQuery) final(lay *query.Layout) (Fragment, error) {
	t := aq.t
	var sb sqlBuilder
	if !aq.inRows {
		sel, err := t.selectList(aq.b, lay)
		if err != nil {
			return Fragment{}, err
		}
		ob, err := aq.orderBy()
		if err != nil {
			return Fragment{}, err
		}
		sb.write("SELECT ").add(sel).write(" FROM ").add(t.from(aq.b)).write(" WHERE ").add(Join(" AND ", aq.conds...)).
			write(" ORDER BY ").add(ob)
		return sb.fragment(), nil
	}
	prev := aq.rows
	a := aq.wrap()
	out := make([]string, len(aq.plan.Apply.Out))
	for i, p := range aq.plan.Apply.Out {
		out[i] = a + "." + aq.quote(p.Col)
	}
	ob, err := aq.orderBy()
	if err != nil {
		return Fragment{}, err
	}
	sb.write("SELECT ", strings.Join(out, ", ")).add(prev.Wrap(" FROM (", ") AS "+a)).write(" ORDER BY ").add(ob)
	return sb.fragment(), nil
}

// ReadApply streams the rows of a $apply request from offset, at most limit
// of them, and reports whether more follow. For a pipeline that keeps
// entities, rows follow lay; for one that aggregates, they hold the output
// properties (plan.Apply.Out) in order.
func (db *DB) ReadApply(ctx context.Context, p *ccfeed.Principal, plan *query.Plan, lay *query.Layout, offset int64, limit int, emit query.RowFunc) (more bool, err error) {
	if planSearches(plan) {
		db.freshText(ctx)
	}
	sc, err := db.scopeFor(ctx, p)
	if err != nil {
		return false, err
	}
	aq, err := db.newApplyQuery(sc, plan)
	if err != nil {
		return false, err
	}
	stmt, err := aq.final(lay)
	if err != nil {
		return false, err
	}
	stmt = Join("", stmt, F(" LIMIT ? OFFSET ?", int64(limit)+1, offset))
	ncols := len(plan.Apply.Out)
	if !plan.Apply.Aggregates() {
		ncols = len(lay.Cols)
	}
	n := 0
	err = db.query(ctx, stmt, ncols, func(row []any) error {
		n++
		if n > limit {
			more = true
			return errStop
		}
		return emit(row)
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return more, err
}

// CountApply counts the rows of a $apply result.
func (db *DB) CountApply(ctx context.Context, p *ccfeed.Principal, plan *query.Plan) (int64, error) {
	if planSearches(plan) {
		db.freshText(ctx)
	}
	sc, err := db.scopeFor(ctx, p)
	if err != nil {
		return 0, err
	}
	aq, err := db.newApplyQuery(sc, plan)
	if err != nil {
		return 0, err
	}
	var stmt Fragment
	if aq.inRows {
		stmt = aq.rows.Wrap("SELECT COUNT(*) FROM (", ")")
	} else {
		var sb sqlBuilder
		sb.write("SELECT COUNT(*) FROM ").add(aq.t.from(aq.b)).write(" WHERE ").add(Join(" AND ", aq.conds...))
		stmt = sb.fragment()
	}
	var n int64
	err = db.query(ctx, stmt, 1, func(row []any) error {
		n = row[0].(int64)
		return nil
	})
	return n, err
}

// dynCol renders a dynamic property of the current rows.
func (t *translator) dynCol(p *query.DynProp) Fragment {
	return F(t.dynAlias + "." + t.d.Quote(p.Col))
}
