package query

import (
	"github.com/ccfeed/ccfeed/edm"
)

// Target says what a request returns.
type Target int

// Targets.
const (
	TargetCollection Target = iota // entities of a set or a collection navigation
	TargetEntity                   // one entity: by key or through a single navigation
	TargetProperty                 // one property of one entity, JSON-wrapped
	TargetValue                    // the raw value of one property ($value)
	TargetCount                    // /$count, as text/plain
	TargetRefs                     // references of a collection ($ref)
	TargetRef                      // reference of one entity ($ref)
)

// Source is one step of the resource path: a set or a navigation from the
// step before, optionally narrowed to one key. The chain ends at the set the
// request reads.
type Source struct {
	Set    *edm.EntitySet
	Key    *Const
	Via    *edm.NavProperty // navigation from Parent to this step; nil for a set
	Parent *Source
}

// Order is one $orderby key.
type Order struct {
	X    Bound
	Desc bool
}

// Computed is a $compute item.
type Computed struct {
	Name string
	X    Bound
}

// Selection is the properties a response carries.
type Selection struct {
	// Props in output order (model order for "all").
	Props []*edm.Property
	// Computed values from $compute that were selected.
	Computed []*Computed
	// Navs named in $select (Excel lists navigation names there).
	Navs []*edm.NavProperty
	// Explicit is true when $select was given (the context URL lists it).
	Explicit bool
	// Items is $select as written, for the context URL.
	Items []string
}

// Shape is what to read from a set and how. The top level of a request and
// each expanded navigation have one.
type Shape struct {
	Set     *edm.EntitySet
	Var     *Var
	Filter  Bound
	Search  *Search
	OrderBy []Order
	Select  Selection
	Compute []*Computed
	Expand  []*Expand
	Top     *int64
	Skip    *int64
	Count   bool
}

// Expand is one expanded navigation of a Shape.
type Expand struct {
	Nav *edm.NavProperty
	Shape
	// CountOnly is Nav/$count: only Nav@odata.count is written.
	CountOnly bool
	// Ref is Nav/$ref: entity references instead of entities.
	Ref bool
	// Nested is true when the expand item had options or nested expands,
	// which the context URL then spells out.
	Nested bool
}

// Plan is a fully bound read request.
type Plan struct {
	Target Target
	Source *Source
	Shape
	// Property is the addressed property for TargetProperty and TargetValue.
	Property *edm.Property
	// Apply is set when the request has $apply; it replaces Shape's
	// filter/orderby/select for the aggregated result.
	Apply *ApplyPlan
	// PathText is the decoded resource path, for context URLs and links.
	PathText string
}

// Search is a bound $search expression over the set's full-text columns.
type Search struct {
	Expr SearchExpr
}
