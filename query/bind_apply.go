package query

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
)

// applyState is where a pipeline stands while it is bound: on the entities of
// the set (dyn nil), or on aggregated rows whose properties are dyn.
type applyState struct {
	plan *ApplyPlan
	set  *edm.EntitySet
	dyn  []*DynProp
	// computed lists compute() values added to entities, which the result
	// carries when the pipeline does not aggregate.
	computed []*Computed
}

func (st *applyState) add(s ApplyStep) { st.plan.Steps = append(st.plan.Steps, s) }

// newCol names the SQL column of a new dynamic property.
func (b *binder) newCol() string {
	b.nextID++
	return "v" + strconv.Itoa(b.nextID)
}

func (b *binder) applyNotImplemented(pos int, format string, args ...any) error {
	return b.notImplemented(pos, format, args...)
}

// bindApply binds $apply and then the options that the protocol evaluates
// on its result: $compute, $filter, $search, $orderby, $select, $expand,
// $top, $skip and $count.
func (b *binder) bindApply(plan *Plan) error {
	q := b.q
	switch plan.Target {
	case TargetCollection, TargetCount:
	default:
		return &ccfeed.Error{Code: ccfeed.EINVALID, Target: "$apply", Message: "$apply applies to collections, and this request addresses a single value"}
	}
	if !edm.Features.Apply {
		return &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: "$apply", Message: "$apply is not supported yet"}
	}
	b.use("$apply")
	b.computed = map[string]*Computed{}
	st := &applyState{plan: &ApplyPlan{}, set: plan.Set}
	if err := b.bindTransforms(st, q.Apply); err != nil {
		return err
	}
	o := &q.Options
	if len(o.Compute) > 0 {
		b.use("$compute")
		items := make([]*ComputeItem, len(o.Compute))
		copy(items, o.Compute)
		if err := b.bindCompute(st, &ApplyCompute{Items: items}); err != nil {
			return err
		}
	}
	if o.Filter != nil {
		b.use("$filter")
		x, err := b.bindBool(o.Filter)
		if err != nil {
			return err
		}
		st.add(&FilterStep{X: x})
	}
	if o.Search != nil {
		if st.dyn != nil {
			return &ccfeed.Error{Code: ccfeed.EINVALID, Target: "$search", Message: "$search searches entities, and this $apply returns aggregated rows; put search(...) in $apply before the aggregation"}
		}
		if err := b.checkSearchable(st.set); err != nil {
			return err
		}
		st.add(&SearchStep{Set: st.set, Expr: o.Search})
	}
	if len(o.OrderBy) > 0 {
		b.use("$orderby")
		keys, err := b.bindOrderItems(o.OrderBy)
		if err != nil {
			return err
		}
		st.add(&OrderStep{Keys: keys})
	}
	plan.Apply = st.plan
	plan.Top, plan.Skip = o.Top, o.Skip
	plan.Count = o.Count != nil && *o.Count
	if st.dyn == nil {
		// Entities: $select and $expand work as without $apply.
		if err := b.bindSelect(&plan.Shape, o.Select); err != nil {
			return err
		}
		if len(o.Select) == 0 {
			plan.Select.Computed = st.computed
		}
		if len(o.Expand) > 0 {
			b.use("$expand")
			if err := b.bindExpand(&plan.Shape, o.Expand, 0); err != nil {
				return err
			}
		}
		return nil
	}
	if len(o.Expand) > 0 {
		return &ccfeed.Error{Code: ccfeed.EINVALID, Target: "$expand", Message: "$expand cannot follow a $apply that aggregates: the result rows are not entities"}
	}
	st.plan.Out = st.dyn
	if len(o.Select) > 0 {
		b.use("$select")
		var out []*DynProp
		for _, item := range o.Select {
			if item.Star {
				return b.errorf(item.P, "'*' in $select after an aggregating $apply: list the properties, or leave $select out")
			}
			name := strings.Join(item.Path, "/")
			p := findDyn(st.dyn, name)
			if p == nil {
				return b.errorf(item.P, "the result of $apply has no property '%s'; it has %s", name, dynNames(st.dyn))
			}
			if findDyn(out, name) == nil {
				out = append(out, p)
			}
		}
		st.plan.Out = out
	}
	return nil
}

func (b *binder) checkSearchable(set *edm.EntitySet) error {
	if !edm.Features.Search {
		return &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: "$search", Message: "$search is not supported yet"}
	}
	if !set.Searchable() {
		return &ccfeed.Error{Code: ccfeed.EINVALID, Target: "$search",
			Message: fmt.Sprintf("$search is not available on %s; it searches %s", set.Name, strings.Join(searchableSets(b.model), ", "))}
	}
	return nil
}

// dynClash reports whether name would write a member the aggregated rows
// already have: a property, or the object of a grouping path (Queue for
// Queue/name).
func dynClash(dyn []*DynProp, name string) bool {
	for _, p := range dyn {
		if p.Name == name || p.Path[0] == name {
			return true
		}
	}
	return false
}

func findDyn(dyn []*DynProp, name string) *DynProp {
	for _, p := range dyn {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func dynNames(dyn []*DynProp) string {
	names := make([]string, len(dyn))
	for i, p := range dyn {
		names[i] = p.Name
	}
	if len(names) == 0 {
		return "no properties"
	}
	return strings.Join(names, ", ")
}

// bindDynPath resolves a path against the properties of aggregated rows.
func (b *binder) bindDynPath(p *PathExpr) (Bound, error) {
	var names []string
	for _, s := range p.Segs {
		if s.Parens || s.Lambda != nil {
			return nil, b.errorf(s.P, "after aggregation only the grouping properties and aggregate aliases exist: %s", dynNames(b.dyn))
		}
		names = append(names, s.Name)
	}
	name := strings.Join(names, "/")
	if d := findDyn(b.dyn, name); d != nil {
		return &DynRef{P: d}, nil
	}
	return nil, b.errorf(p.P, "after aggregation there is no property '%s'; there are %s", name, dynNames(b.dyn))
}

func (b *binder) bindOrderItems(items []*OrderItem) ([]Order, error) {
	var keys []Order
	for _, item := range items {
		x, err := b.bindValue(item.Expr)
		if err != nil {
			return nil, err
		}
		if x.Type().Kind == edm.Binary {
			return nil, b.errorf(item.P, "cannot order by a %s value", edm.Binary)
		}
		keys = append(keys, Order{X: x, Desc: item.Desc})
	}
	return keys, nil
}

func (b *binder) bindTransforms(st *applyState, ts []Transform) error {
	for _, t := range ts {
		if err := b.bindTransform(st, t); err != nil {
			return err
		}
	}
	return nil
}

func (b *binder) bindTransform(st *applyState, t Transform) error {
	b.dyn = st.dyn
	switch t := t.(type) {
	case *ApplyIdentity:
		return nil
	case *ApplyFilter:
		x, err := b.bindBool(t.Expr)
		if err != nil {
			return err
		}
		st.add(&FilterStep{X: x})
	case *ApplySearch:
		if st.dyn != nil {
			return b.errorf(t.P, "search() finds entities and must come before the aggregation")
		}
		if err := b.checkSearchable(st.set); err != nil {
			return err
		}
		st.add(&SearchStep{Set: st.set, Expr: t.Expr})
	case *ApplyOrderBy:
		keys, err := b.bindOrderItems(t.Items)
		if err != nil {
			return err
		}
		st.add(&OrderStep{Keys: keys})
	case *ApplyTop:
		if t.N > MaxTop {
			return b.errorf(t.P, "top(%d) is larger than the limit of %d", t.N, MaxTop)
		}
		st.add(&TopStep{N: t.N})
	case *ApplySkip:
		if t.N > MaxSkip {
			return b.errorf(t.P, "skip(%d) is larger than the limit of %d", t.N, MaxSkip)
		}
		st.add(&SkipStep{N: t.N})
	case *ApplyCompute:
		return b.bindCompute(st, t)
	case *ApplyAggregate:
		return b.bindGroup(st, t.P, nil, t.Items, nil)
	case *ApplyGroupBy:
		if len(t.Rollup) > 0 {
			return b.applyNotImplemented(t.Rollup[0].P, "rollup in groupby is not supported")
		}
		return b.bindGroupBy(st, t)
	case *ApplyTopN:
		return b.bindTopN(st, t)
	case *ApplyConcat:
		return b.applyNotImplemented(t.P, "concat() is not supported: run the pipelines as separate requests")
	case *ApplyOther:
		return b.applyNotImplemented(t.P, "the %s transformation is not supported", t.Name)
	default:
		return b.applyNotImplemented(t.Pos(), "this transformation is not supported")
	}
	return nil
}

// bindCompute adds computed values: inlined definitions on entities,
// dynamic columns on aggregated rows.
func (b *binder) bindCompute(st *applyState, t *ApplyCompute) error {
	for _, c := range t.Items {
		if st.dyn == nil {
			if st.set.Type.Property(c.Alias) != nil || st.set.Type.Navigation(c.Alias) != nil || b.computed[c.Alias] != nil {
				return b.errorf(c.P, "computed name '%s' is already a property of %s or another computed name", c.Alias, st.set.Type.Name)
			}
		} else if dynClash(st.dyn, c.Alias) {
			return b.errorf(c.P, "computed name '%s' is already a property of the aggregated rows", c.Alias)
		}
		x, err := b.bindValue(c.Expr)
		if err != nil {
			return err
		}
		if st.dyn == nil {
			cp := &Computed{Name: c.Alias, X: x}
			b.computed[c.Alias] = cp
			st.computed = append(st.computed, cp)
			continue
		}
		p := &DynProp{Name: c.Alias, Path: []string{c.Alias}, Kind: x.Type().Kind, Col: b.newCol()}
		st.add(&ComputeStep{Props: []*DynProp{p}, X: []Bound{x}})
		st.dyn = append(st.dyn, p)
		b.dyn = st.dyn
	}
	return nil
}

// bindGroupBy binds groupby((keys), then). The pipeline inside may filter,
// search and compute, then aggregate. Groups are formed from all the rows
// first: a group whose rows the inner filter removes still gets its
// aggregate (a count of 0), so the inner conditions go into each aggregate
// rather than before the grouping. Without an aggregate, the inner filter
// keeps the rows of each group that pass it, which is the same as
// filtering first.
func (b *binder) bindGroupBy(st *applyState, t *ApplyGroupBy) error {
	var items []*AggregateItem
	aggPos := t.P
	hasAgg := len(t.Then) > 0
	if hasAgg {
		_, hasAgg = t.Then[len(t.Then)-1].(*ApplyAggregate)
	}
	var where []ApplyStep
	for i, inner := range t.Then {
		switch x := inner.(type) {
		case *ApplyFilter, *ApplySearch:
			if !hasAgg {
				if err := b.bindTransform(st, inner); err != nil {
					return err
				}
				continue
			}
			before := len(st.plan.Steps)
			if err := b.bindTransform(st, inner); err != nil {
				return err
			}
			// Taken back out of the pipeline: a condition of the
			// aggregates.
			where = append(where, st.plan.Steps[before:]...)
			st.plan.Steps = st.plan.Steps[:before]
		case *ApplyCompute, *ApplyIdentity:
			if err := b.bindTransform(st, inner); err != nil {
				return err
			}
		case *ApplyAggregate:
			if i != len(t.Then)-1 {
				return b.applyNotImplemented(t.Then[i+1].Pos(), "inside groupby, only filter, search and compute may come before aggregate, and nothing after it")
			}
			items, aggPos = x.Items, x.P
		default:
			return b.applyNotImplemented(inner.Pos(), "inside groupby, only filter, search, compute and aggregate are supported")
		}
	}
	b.dyn = st.dyn
	if err := b.bindGroup(st, aggPos, t.Props, items, t); err != nil {
		return err
	}
	g := st.plan.Steps[len(st.plan.Steps)-1].(*GroupStep)
	g.Where = where
	return nil
}

// bindGroup binds the keys and aggregates of one grouping and moves the
// pipeline onto its result rows.
func (b *binder) bindGroup(st *applyState, pos int, keys []*GroupPath, items []*AggregateItem, gb *ApplyGroupBy) error {
	g := &GroupStep{}
	var out []*DynProp
	for _, k := range keys {
		p, x, err := b.bindGroupKey(st, k)
		if err != nil {
			return err
		}
		if findDyn(out, p.Name) != nil {
			continue
		}
		g.Keys, g.KeyX = append(g.Keys, p), append(g.KeyX, x)
		out = append(out, p)
	}
	for _, it := range items {
		a, err := b.bindAggregate(st, it)
		if err != nil {
			return err
		}
		if dynClash(out, a.Prop.Name) {
			return b.errorf(it.AliasPos, "'%s' is already a property of the result", a.Prop.Name)
		}
		g.Aggs = append(g.Aggs, a)
		out = append(out, a.Prop)
	}
	if gb == nil && len(g.Aggs) == 0 {
		return b.errorf(pos, "aggregate() needs at least one aggregated value")
	}
	st.add(g)
	st.dyn = out
	b.dyn = out
	return nil
}

func (b *binder) bindGroupKey(st *applyState, k *GroupPath) (*DynProp, Bound, error) {
	var segs []*Segment
	var names []string
	for i, s := range k.Segs {
		segs = append(segs, &Segment{P: k.SegPos[i], Name: s})
		if !strings.Contains(s, ".") {
			names = append(names, s)
		}
	}
	name := strings.Join(names, "/")
	if st.dyn != nil {
		d := findDyn(st.dyn, name)
		if d == nil {
			return nil, nil, b.errorf(k.P, "cannot group by '%s': after aggregation there are %s", name, dynNames(st.dyn))
		}
		return &DynProp{Name: d.Name, Path: d.Path, Kind: d.Kind, Col: b.newCol(), Local: d.Local}, &DynRef{P: d}, nil
	}
	x, err := b.bind(&PathExpr{P: k.P, Segs: segs})
	if err != nil {
		return nil, nil, err
	}
	switch x := x.(type) {
	case *PropRef:
		return &DynProp{Name: name, Path: names, Kind: x.Prop.Type, Col: b.newCol(), Local: x.Prop.UTC != nil}, x, nil
	case *ComputedRef:
		return &DynProp{Name: name, Path: names, Kind: x.Type().Kind, Col: b.newCol()}, x, nil
	case *NavRef:
		last := x.Navs[len(x.Navs)-1]
		return nil, nil, b.errorf(k.P, "group by a property of %s, such as %s/%s", name, name, last.Target.Type.Key.Name)
	}
	return nil, nil, b.errorf(k.P, "cannot group by '%s'", name)
}

func (b *binder) bindAggregate(st *applyState, it *AggregateItem) (*Aggregate, error) {
	switch {
	case it.Custom != "":
		return nil, b.errorf(it.P, "the model defines no custom aggregate '%s'; write a property with sum, min, max, average or countdistinct", it.Custom)
	case len(it.From) > 0:
		return nil, b.applyNotImplemented(it.From[0].P, "'from' in aggregate is not supported: group first, then aggregate the groups")
	case it.Alias == "":
		return nil, b.errorf(it.P, "an aggregated value needs a name: add 'as <name>'")
	}
	if st.dyn == nil && (st.set.Type.Property(it.Alias) != nil || st.set.Type.Navigation(it.Alias) != nil) {
		return nil, b.errorf(it.AliasPos, "'%s' is a property of %s; choose another name for the aggregate", it.Alias, st.set.Type.Name)
	}
	a := &Aggregate{Prop: &DynProp{Name: it.Alias, Path: []string{it.Alias}, Col: b.newCol()}}
	if it.Count {
		if it.CountPath == nil {
			a.Method, a.Prop.Kind = "count", edm.Int64
			return a, nil
		}
		if st.dyn != nil {
			return nil, b.errorf(it.P, "counting related entities needs entities: put it before the aggregation")
		}
		var segs []*Segment
		for i, s := range it.CountPath.Segs {
			segs = append(segs, &Segment{P: it.CountPath.SegPos[i], Name: s})
		}
		segs = append(segs, &Segment{P: it.P, Name: "$count"})
		x, err := b.bind(&PathExpr{P: it.P, Segs: segs})
		if err != nil {
			return nil, err
		}
		a.Method, a.X, a.Prop.Kind = "sum", x, edm.Int64
		return a, nil
	}
	if strings.Contains(it.Method, ".") {
		return nil, b.applyNotImplemented(it.P, "custom aggregation method %s is not supported", it.Method)
	}
	x, err := b.bindValue(it.Expr)
	if err != nil {
		return nil, err
	}
	k := x.Type().Kind
	a.Method, a.X = it.Method, x
	switch it.Method {
	case "sum", "average":
		if !k.IsNumeric() && k != edm.Untyped {
			return nil, b.errorf(it.Expr.Pos(), "%s needs a number, and %s is %s", it.Method, it.Expr, k)
		}
		a.Prop.Kind = edm.Decimal
		if k == edm.Double || k == edm.Single {
			a.Prop.Kind = edm.Double
		}
	case "min", "max":
		if k == edm.Binary || k == edm.Untyped {
			return nil, b.errorf(it.Expr.Pos(), "%s needs an orderable value, and %s is %s", it.Method, it.Expr, k)
		}
		a.Prop.Kind = k
	case "countdistinct":
		a.Prop.Kind = edm.Int64
	default:
		return nil, b.errorf(it.P, "unknown aggregation method '%s': use sum, min, max, average or countdistinct", it.Method)
	}
	return a, nil
}

// bindTopN binds topcount and bottomcount: the n rows with the highest (or
// lowest) value, which is an ordering and a top.
func (b *binder) bindTopN(st *applyState, t *ApplyTopN) error {
	desc := true
	switch t.Name {
	case "topcount":
	case "bottomcount":
		desc = false
	default:
		return b.applyNotImplemented(t.P, "%s is not supported; topcount and bottomcount are", t.Name)
	}
	nb, err := b.bind(t.N)
	if err != nil {
		return err
	}
	c, ok := nb.(*Const)
	n, isInt := int64(0), false
	if ok {
		n, isInt = c.V.(int64)
	}
	if !isInt || n < 0 {
		return b.errorf(t.N.Pos(), "%s needs a whole number of rows first, such as %s(5, ...)", t.Name, t.Name)
	}
	x, err := b.bindValue(t.Value)
	if err != nil {
		return err
	}
	st.add(&OrderStep{Keys: []Order{{X: x, Desc: desc}}})
	st.add(&TopStep{N: n})
	return nil
}
