package query

// The $apply syntax tree (OData Data Aggregation 4.0). The parser builds it
// for every transformation the aggregation grammar defines, so any
// well-formed $apply parses; the binder then accepts the ones this feed
// executes and answers 501 for the rest.

// Transform is one step of a $apply pipeline.
type Transform interface {
	Node
	transformNode()
}

// GroupPath is a property path used for grouping or in "from":
// Queue/name, channelId. Segments are kept as written, type casts included.
type GroupPath struct {
	P    int
	Segs []string
	// SegPos is the position of each segment, for errors.
	SegPos []int
}

// AggregateItem is one "expr with method as alias" (or "$count as alias",
// or "Nav/$count as alias") of aggregate().
type AggregateItem struct {
	P int
	// Expr is the aggregated value; nil for a count.
	Expr Expr
	// Count is true for $count and path/$count.
	Count bool
	// CountPath is the navigation path before /$count (empty for $count).
	CountPath *GroupPath
	// Method is sum, min, max, average, countdistinct, or a
	// namespace-qualified custom method; "" for counts and custom
	// aggregates.
	Method string
	// Custom is the name of a custom aggregate (no "with").
	Custom string
	// CustomPath is the path before a custom aggregate reached through
	// navigation or a type cast (Sales in Sales/Forecast); nil when the
	// aggregate belongs to the input set itself.
	CustomPath *GroupPath
	// From lists the "from" clauses, outermost first.
	From []*AggregateFrom
	// Alias is the "as" name ("" only for a custom aggregate without one).
	Alias string
	// AliasPos locates the alias.
	AliasPos int
}

// AggregateFrom is "from groupingProperties with method".
type AggregateFrom struct {
	P      int
	Props  []*GroupPath
	Method string
}

// ApplyAggregate is aggregate(item, ...).
type ApplyAggregate struct {
	P     int
	Items []*AggregateItem
}

// RollupItem is rollup(...) inside groupby: a list of grouping paths, or
// the qualifier of a named hierarchy (Named != "").
type RollupItem struct {
	P     int
	Props []*GroupPath
	Named string
	// Recursive is rolluprecursive(...); its arguments are kept as text.
	Recursive bool
	Text      string
}

// ApplyGroupBy is groupby((paths, rollups), then).
type ApplyGroupBy struct {
	P      int
	Props  []*GroupPath
	Rollup []*RollupItem
	// Then is the pipeline applied to each group (nil: the groups alone).
	Then []Transform
}

// ApplyFilter is filter(condition).
type ApplyFilter struct {
	P    int
	Expr Expr
}

// ApplyOrderBy is orderby(item, ...).
type ApplyOrderBy struct {
	P     int
	Items []*OrderItem
}

// ApplyTop is top(n); ApplySkip is skip(n).
type ApplyTop struct {
	P int
	N int64
}

// ApplySkip is skip(n).
type ApplySkip struct {
	P int
	N int64
}

// ApplyCompute is compute(expr as alias, ...).
type ApplyCompute struct {
	P     int
	Items []*ComputeItem
}

// ApplySearch is search(terms).
type ApplySearch struct {
	P    int
	Expr SearchExpr
}

// ApplyIdentity is identity.
type ApplyIdentity struct{ P int }

// ApplyConcat is concat(seq, seq, ...): the union of several pipelines.
type ApplyConcat struct {
	P    int
	Seqs [][]Transform
}

// ApplyTopN is topcount, topsum, toppercent, bottomcount, bottomsum or
// bottompercent: Name(N, Value).
type ApplyTopN struct {
	P     int
	Name  string
	N     Expr
	Value Expr
}

// ApplyOther is a transformation that parses but that this feed does not
// execute (nest, addnested, join, outerjoin, ancestors, descendants,
// traverse, custom functions). Text is its source, for messages.
type ApplyOther struct {
	P    int
	Name string
	Text string
}

func (t *ApplyAggregate) Pos() int { return t.P }
func (t *ApplyGroupBy) Pos() int   { return t.P }
func (t *ApplyFilter) Pos() int    { return t.P }
func (t *ApplyOrderBy) Pos() int   { return t.P }
func (t *ApplyTop) Pos() int       { return t.P }
func (t *ApplySkip) Pos() int      { return t.P }
func (t *ApplyCompute) Pos() int   { return t.P }
func (t *ApplySearch) Pos() int    { return t.P }
func (t *ApplyIdentity) Pos() int  { return t.P }
func (t *ApplyConcat) Pos() int    { return t.P }
func (t *ApplyTopN) Pos() int      { return t.P }
func (t *ApplyOther) Pos() int     { return t.P }

func (*ApplyAggregate) transformNode() {}
func (*ApplyGroupBy) transformNode()   {}
func (*ApplyFilter) transformNode()    {}
func (*ApplyOrderBy) transformNode()   {}
func (*ApplyTop) transformNode()       {}
func (*ApplySkip) transformNode()      {}
func (*ApplyCompute) transformNode()   {}
func (*ApplySearch) transformNode()    {}
func (*ApplyIdentity) transformNode()  {}
func (*ApplyConcat) transformNode()    {}
func (*ApplyTopN) transformNode()      {}
func (*ApplyOther) transformNode()     {}

// AggregateExpr is aggregate(...) used inside an expression, as in
// $filter=Messages/aggregate(duration with sum) gt 60 or
// $these/aggregate(...) in topcount. Of is the collection path before it
// (nil for $these).
type AggregateExpr struct {
	P    int
	Of   *PathExpr
	Item *AggregateItem
}

func (x *AggregateExpr) Pos() int { return x.P }
func (*AggregateExpr) exprNode()  {}
