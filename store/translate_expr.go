package store

import (
	"fmt"
	"math"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/query"
)

// expr translates a bound expression into a SQL value. Tenant-local
// timestamps translate to their UTC instant column: comparing and ordering a
// local value means comparing the instant it names.
func (t *translator) expr(x query.Bound) (Fragment, error) {
	switch x := x.(type) {
	case *query.Const:
		return t.constant(x)
	case *query.PropRef:
		alias, err := t.pathAlias(x.Var, x.Navs)
		if err != nil {
			return Fragment{}, err
		}
		p := x.Prop
		if p.UTC != nil {
			p = p.UTC
		}
		return F(t.col(alias, p)), nil
	case *query.NavRef:
		alias, err := t.pathAlias(x.Var, x.Navs)
		if err != nil {
			return Fragment{}, err
		}
		last := x.Navs[len(x.Navs)-1]
		return F(t.col(alias, last.Target.Type.Key)), nil
	case *query.ComputedRef:
		return t.expr(x.X)
	case *query.DynRef:
		if x.P.Local {
			// A grouping key read from a tenant-local timestamp holds its
			// local text; compared or ordered, it stands for its instant.
			return t.dynCol(x.P).Wrap("CAST(ROUND(unixepoch(", ", 'subsec') * 1000) AS INTEGER)"), nil
		}
		return t.dynCol(x.P), nil
	case *query.BinOp:
		return t.binary(x)
	case *query.UnOp:
		v, err := t.expr(x.X)
		if err != nil {
			return Fragment{}, err
		}
		if x.Op == "not" {
			return t.d.Bool(v).Wrap("(NOT ", ")"), nil
		}
		return v.Wrap("(-", ")"), nil
	case *query.InList:
		return t.inList(x)
	case *query.Call:
		return t.call(x)
	case *query.Lambda:
		return t.lambda(x)
	case *query.CountOf:
		return t.countOf(x)
	case *query.CaseOf:
		var sb sqlBuilder
		sb.write("(CASE")
		for i := range x.Conds {
			c, err := t.expr(x.Conds[i])
			if err != nil {
				return Fragment{}, err
			}
			v, err := t.expr(x.Values[i])
			if err != nil {
				return Fragment{}, err
			}
			sb.write(" WHEN ").add(c).write(" THEN ").add(v)
		}
		sb.write(" END)")
		return sb.fragment(), nil
	case *query.Cast:
		if pr, ok := x.X.(*query.PropRef); ok && pr.Prop.UTC != nil && x.T.Kind == edm.String {
			return t.localText(pr)
		}
		v, err := t.expr(x.X)
		if err != nil {
			return Fragment{}, err
		}
		return t.d.Cast(v, x.X.Type().Kind, x.T.Kind), nil
	}
	return Fragment{}, fmt.Errorf("store: cannot translate %T", x)
}

// localText is the stored local representation of a tenant-local timestamp.
func (t *translator) localText(pr *query.PropRef) (Fragment, error) {
	alias, err := t.pathAlias(pr.Var, pr.Navs)
	if err != nil {
		return Fragment{}, err
	}
	return F(t.col(alias, pr.Prop)), nil
}

// constant binds a constant as an argument in the column's representation.
func (t *translator) constant(c *query.Const) (Fragment, error) {
	if c.V == nil {
		return F("NULL"), nil
	}
	switch c.T.Kind {
	case edm.Boolean:
		if c.V.(bool) {
			return F("?", int64(1)), nil
		}
		return F("?", int64(0)), nil
	case edm.DateTimeOffset:
		return F("?", instantArg(c.V.(time.Time))), nil
	case edm.Date:
		return F("?", c.V.(time.Time).Format("2006-01-02")), nil
	case edm.TimeOfDay:
		n := c.V.(int64)
		return F("?", fmt.Sprintf("%02d:%02d:%02d.%03d", n/3600e9, n/60e9%60, n/1e9%60, n/1e6%1000)), nil
	case edm.Duration:
		return F("?", float64(c.V.(int64))/1e9), nil
	case edm.Double, edm.Decimal, edm.Single:
		f := c.V.(float64)
		if math.IsNaN(f) {
			return F("NULL"), nil
		}
		return F("?", f), nil
	case edm.Binary:
		return F("?", c.V), nil
	}
	return F("?", c.V), nil
}

// instantArg is the milliseconds of t. A literal finer than a millisecond is
// passed as a REAL so that "x gt 10:00:00.0005" keeps its exact meaning
// against integer milliseconds (SQLite compares INTEGER and REAL by value).
// The REAL must lie strictly between the two whole milliseconds around the
// literal: a float of the nanoseconds since 1970 has only about 256 ns of
// resolution, so 100 ns past a millisecond would round onto it (and match
// "eq"), and 999,900 ns past would round onto the next one.
func instantArg(t time.Time) any {
	ms := t.UnixMilli()
	sub := t.Nanosecond() % 1e6
	if sub == 0 {
		return ms
	}
	lo, hi := float64(ms), float64(ms+1)
	v := lo + float64(sub)/1e6
	if v <= lo {
		v = math.Nextafter(lo, hi)
	}
	if v >= hi {
		v = math.Nextafter(hi, lo)
	}
	return v
}

func (t *translator) binary(x *query.BinOp) (Fragment, error) {
	if x.Op == "eq" {
		for _, o := range [][2]query.Bound{{x.X, x.Y}, {x.Y, x.X}} {
			if f, ok, err := t.foldedMatch("eq", o[0], o[1]); ok || err != nil {
				return f, err
			}
		}
	}
	l, err := t.expr(x.X)
	if err != nil {
		return Fragment{}, err
	}
	r, err := t.expr(x.Y)
	if err != nil {
		return Fragment{}, err
	}
	lk, rk := x.X.Type().Kind, x.Y.Type().Kind
	switch x.Op {
	case "and":
		return Join(" AND ", l, r).Wrap("(", ")"), nil
	case "or":
		return Join(" OR ", l, r).Wrap("(", ")"), nil
	case "eq", "ne":
		// Conditions compared as values must be 0 or 1, never NULL.
		if lk == edm.Boolean && isCondition(x.X) {
			l = t.d.Bool(l)
		}
		if rk == edm.Boolean && isCondition(x.Y) {
			r = t.d.Bool(r)
		}
		if isNaN(x.X) || isNaN(x.Y) {
			// NaN reaches SQLite as NULL (it stores no NaN), so decide
			// here: NaN equals nothing, itself included, and differs
			// from everything, null included.
			if x.Op == "eq" {
				return F("0"), nil
			}
			return F("1"), nil
		}
		lnull, rnull := query.IsNullConst(x.X), query.IsNullConst(x.Y)
		switch {
		case lnull && rnull:
			if x.Op == "eq" {
				return F("1"), nil
			}
			return F("0"), nil
		case rnull:
			return l.Wrap("(", nullTest(x.Op)), nil
		case lnull:
			return r.Wrap("(", nullTest(x.Op)), nil
		case x.Op == "eq" && (isConst(x.X) || isConst(x.Y)):
			// "=" lets SQLite use an index; with a non-null constant it
			// means the same as IS.
			return Join(" = ", l, r).Wrap("(", ")"), nil
		case x.Op == "eq":
			// Two nullable values: null eq null is true in OData.
			return Join(" IS ", l, r).Wrap("(", ")"), nil
		}
		// OData: null ne 5 is true. "<>" would give NULL (false); IS NOT
		// gives true.
		return Join(" IS NOT ", l, r).Wrap("(", ")"), nil
	case "gt", "ge", "lt", "le":
		op := map[string]string{"gt": " > ", "ge": " >= ", "lt": " < ", "le": " <= "}[x.Op]
		// A comparison with NULL is NULL here and false in OData; NULL is
		// treated as false wherever a condition is read (see UnOp "not").
		return Join(op, l, r).Wrap("(", ")"), nil
	}
	return t.arithmetic(x, l, r, lk, rk)
}

func nullTest(op string) string {
	if op == "eq" {
		return " IS NULL)"
	}
	return " IS NOT NULL)"
}

// isNaN reports whether x is the constant NaN.
func isNaN(x query.Bound) bool {
	c, ok := x.(*query.Const)
	if !ok {
		return false
	}
	f, ok := c.V.(float64)
	return ok && math.IsNaN(f)
}

func isConst(x query.Bound) bool {
	_, ok := x.(*query.Const)
	return ok
}

// isCondition reports whether x is computed by a comparison or logical
// operator (which may yield NULL) rather than read from a column.
func isCondition(x query.Bound) bool {
	switch x.(type) {
	case *query.BinOp, *query.UnOp, *query.InList, *query.Call:
		return true
	}
	return false
}

func (t *translator) arithmetic(x *query.BinOp, l, r Fragment, lk, rk edm.Kind) (Fragment, error) {
	switch {
	case x.T.Kind == edm.DateTimeOffset:
		// Instant plus or minus a duration: milliseconds and seconds.
		if lk == edm.Duration {
			l, r = r, l
		}
		op := " + "
		if x.Op == "sub" {
			op = " - "
		}
		return Join(op, l, r.Wrap("CAST(ROUND((", ") * 1000) AS INTEGER)")).Wrap("(", ")"), nil
	case x.T.Kind == edm.Duration && lk == edm.DateTimeOffset:
		return Join(" - ", l, r).Wrap("((", ") / 1000.0)"), nil
	}
	switch x.Op {
	case "add":
		return Join(" + ", l, r).Wrap("(", ")"), nil
	case "sub":
		return Join(" - ", l, r).Wrap("(", ")"), nil
	case "mul":
		return Join(" * ", l, r).Wrap("(", ")"), nil
	case "div":
		if lk.IsIntegral() && rk.IsIntegral() {
			return t.d.IntDiv(l, r), nil
		}
		return t.d.Div(l, r), nil
	case "divby":
		return t.d.Div(l, r), nil
	case "mod":
		if lk.IsIntegral() && rk.IsIntegral() {
			return t.d.Mod(l, r), nil
		}
		// A fractional operand needs a remainder that keeps the fraction
		// (5.5 mod 2 is 1.5); SQLite's "%" truncates both operands first.
		return t.d.FMod(l, r), nil
	}
	return Fragment{}, fmt.Errorf("store: unknown operator %s", x.Op)
}

func (t *translator) inList(x *query.InList) (Fragment, error) {
	v, err := t.expr(x.X)
	if err != nil {
		return Fragment{}, err
	}
	var items []Fragment
	hasNull := false
	for _, it := range x.Items {
		if query.IsNullConst(it) {
			hasNull = true
			continue
		}
		f, err := t.expr(it)
		if err != nil {
			return Fragment{}, err
		}
		items = append(items, f)
	}
	var out Fragment
	switch {
	case len(items) == 0:
		out = F("0")
	default:
		out = Join(" IN ", v, Join(", ", items...).Wrap("(", ")"))
	}
	if hasNull {
		out = Join(" OR ", out, v.Wrap("", " IS NULL"))
	}
	return out.Wrap("(", ")"), nil
}

func (t *translator) call(c *query.Call) (Fragment, error) {
	if len(c.Args) == 2 {
		if f, ok, err := t.foldedMatch(c.Sig.ID, c.Args[0], c.Args[1]); ok || err != nil {
			return f, err
		}
	}
	args := make([]Fragment, len(c.Args))
	local := false
	for i, a := range c.Args {
		if dr, ok := a.(*query.DynRef); ok && dr.P.Local && i == 0 {
			args[i], local = t.dynCol(dr.P), true
			continue
		}
		if pr, ok := a.(*query.PropRef); ok && pr.Prop.UTC != nil && i == 0 {
			f, err := t.localText(pr)
			if err != nil {
				return Fragment{}, err
			}
			args[i], local = f, true
			continue
		}
		f, err := t.expr(a)
		if err != nil {
			return Fragment{}, err
		}
		args[i] = f
	}
	f, ok := t.d.Function(c.Sig.ID, args, local)
	if !ok {
		return Fragment{}, fmt.Errorf("store: dialect lacks function %s", c.Sig.ID)
	}
	return f, nil
}

// related opens a subquery block over the targets of nav, correlated with
// the entity reached from `from` through navs.
func (t *translator) related(from *query.Var, navs []*edm.NavProperty, nav *edm.NavProperty, v *query.Var) (*block, Fragment, error) {
	src, err := t.pathAlias(from, navs)
	if err != nil {
		return nil, Fragment{}, err
	}
	b := t.newBlock(v, nav.Target)
	corr := F(t.col(b.alias, nav.TargetProp) + " = " + t.col(src, nav.SourceProp))
	return b, Join(" AND ", t.scopeOf(b.alias, nav.Target), corr), nil
}

func (t *translator) lambda(l *query.Lambda) (Fragment, error) {
	b, where, err := t.related(l.From, l.Navs, l.Nav, l.Var)
	if err != nil {
		return Fragment{}, err
	}
	if l.Body != nil {
		body, err := t.expr(l.Body)
		if err != nil {
			return Fragment{}, err
		}
		if l.All {
			// all(): no member for which the condition is not true (a
			// NULL condition counts as not true).
			body = t.d.Bool(body).Wrap("NOT ", "")
		}
		where = Join(" AND ", where, body)
	}
	sub := Join(" WHERE ", t.from(b), where).Wrap("SELECT 1 FROM ", "")
	if l.All {
		return sub.Wrap("(NOT EXISTS (", "))"), nil
	}
	return sub.Wrap("(EXISTS (", "))"), nil
}

func (t *translator) countOf(c *query.CountOf) (Fragment, error) {
	b, where, err := t.related(c.From, c.Navs, c.Nav, nil)
	if err != nil {
		return Fragment{}, err
	}
	return Join(" WHERE ", t.from(b), where).Wrap("(SELECT COUNT(*) FROM ", ")"), nil
}
