package query

import (
	"github.com/ccfeed/ccfeed/edm"
)

// ApplyPlan is a bound $apply pipeline, followed by the request's own
// $filter and $orderby, which the protocol evaluates on its result. The
// steps up to the first aggregation work on the entities of the set; an
// aggregation replaces them with rows of dynamic properties (its grouping
// properties and aggregate aliases), which later steps work on.
type ApplyPlan struct {
	Steps []ApplyStep
	// Out lists the properties of the result rows, in output order, when
	// the pipeline aggregates; nil when its result is entities of the set,
	// which the Plan's Shape then describes (selection, computed values,
	// expansions).
	Out []*DynProp
}

// Aggregates reports whether the result is aggregated rows.
func (a *ApplyPlan) Aggregates() bool { return a.Out != nil }

// DynProp is a dynamic property of aggregated rows.
type DynProp struct {
	// Name is the alias, or the grouping path as written ("Queue/name").
	Name string
	// Path is Name's segments: a grouping path through navigation is
	// written nested ({"Queue":{"name":...}}).
	Path []string
	Kind edm.Kind
	// Col is the SQL column name that carries the value through the
	// pipeline's nested queries; unique within a plan.
	Col string
	// Local is true for a grouping key read from a tenant-local
	// timestamp: the value is its local text.
	Local bool
}

// DynRef reads a dynamic property of the current aggregated row.
type DynRef struct{ P *DynProp }

func (n *DynRef) Type() Type { return prim(n.P.Kind) }
func (*DynRef) boundNode()   {}

// ApplyStep is one bound step of a pipeline.
type ApplyStep interface{ applyStep() }

// FilterStep keeps the rows for which X is true.
type FilterStep struct{ X Bound }

// SearchStep keeps the entities matching a full-text search.
type SearchStep struct {
	Set  *edm.EntitySet
	Expr SearchExpr
}

// OrderStep orders the rows; it matters to a later TopStep or SkipStep and,
// as the last ordering of the pipeline, to the result.
type OrderStep struct{ Keys []Order }

// TopStep keeps the first N rows; SkipStep drops them.
type TopStep struct{ N int64 }

// SkipStep drops the first N rows.
type SkipStep struct{ N int64 }

// ComputeStep adds dynamic properties to aggregated rows (computed values
// on entities are inlined where they are used, as $compute's are).
type ComputeStep struct {
	Props []*DynProp
	X     []Bound
}

// GroupStep groups the rows by Keys (none: one group of all rows) and
// computes Aggs per group. Its result has the keys and the aggregates.
type GroupStep struct {
	Keys []*DynProp
	KeyX []Bound
	Aggs []*Aggregate
	// Where holds the filter and search steps of the pipeline inside
	// groupby: each aggregate counts only the rows that pass them, and
	// every group is kept.
	Where []ApplyStep
}

// Aggregate is one aggregated value of a GroupStep.
type Aggregate struct {
	Prop *DynProp
	// Method is sum, min, max, average, countdistinct or count ($count:
	// X is nil).
	Method string
	X      Bound
}

func (*FilterStep) applyStep()  {}
func (*SearchStep) applyStep()  {}
func (*OrderStep) applyStep()   {}
func (*TopStep) applyStep()     {}
func (*SkipStep) applyStep()    {}
func (*ComputeStep) applyStep() {}
func (*GroupStep) applyStep()   {}
