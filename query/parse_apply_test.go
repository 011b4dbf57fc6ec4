package query

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The flag has its own name so that another golden test of this package
// can own -update without the two registering the same flag.
var updateApply = flag.Bool("update-apply", false, "rewrite testdata/apply/*.txt from the parser's output")

// applyShapeTests are the $apply values BI tools and people send, with the
// tree each must give. The tree is dumped, positions included, into
// testdata/apply/<name>.txt.
var applyShapeTests = []struct{ name, in string }{
	{"group-average", "groupby((queueId,Queue/name),aggregate(queueDurationInSeconds with average as avgQueue))"},
	{"group-count", "groupby((channelId,endedReason),aggregate($count as n))"},
	{"filter-group-navcount", "filter(startedAtUTC ge 2024-01-01T00:00:00Z)/groupby((agentId),aggregate(Messages/$count as msgs))"},
	{"aggregate-two", "aggregate(durationInSeconds with sum as total, id with countdistinct as n)"},
	{"group-topcount", "groupby((channelId),topcount(2,n))"},
	{"compute-group", "compute(year(startedAtUTC) as y)/groupby((y),aggregate($count as n))"},
	{"concat-total", "concat(groupby((channelId),aggregate($count as n)),aggregate($count as n))"},
	{"distinct", "groupby((Queue/name))"},
	{"expression-aggregated", "aggregate((durationInSeconds sub holdSeconds) mul 2 with max as worst)"},
	{"custom-method-and-cast", "aggregate(Product/Self.DigitalProduct with Custom.discount as d,Self.Gift with countdistinct as g)"},
	{"from-chain", "aggregate(Amount with sum from Time with average from Product/Name with max as DailyAverage)"},
	{"custom-aggregates", "aggregate(Budget,Sales/Forecast,Forecast from Time,Product/Name with average as F)"},
	{"count-from", "aggregate(Sales/$count from Time with average as perDay,$count from Product with max as m)"},
	{"rollups", "groupby((rollup(Customer/Country,Customer/Name),rollup(Products),Currency/Code,rolluprecursive($root/Orgs,OrgHierarchy,Org/ID,filter(ID ne 'x'))),aggregate(Amount with sum as Total))"},
	{"paging-sorting", "groupby((agentId),aggregate($count as n))/orderby(n desc,agentId asc)/skip(10)/top(5)"},
	{"search-identity", "search(refund OR \"money back\")/identity"},
	{"search-incomplete", "search(')/top(1')/top(1)"},
	{"search-apostrophe", "search(O'Brien OR (blue! \"a (b)\"))/filter(Name ne 'x')"},
	{"these-aggregate", "groupby((queueId),compute(durationInSeconds div $these/aggregate(durationInSeconds with sum) as share))"},
	{"bottom-and-percent", "bottomsum(100,durationInSeconds)/toppercent($these/$count div 10,n)/bottompercent(5,n)/topsum(1,n)/bottomcount(1,n)"},
	{"kept-as-text", "addnested(Messages,filter(length gt 3) as Long)/nest(groupby((agentId)) as Agents)/join(Messages as M,filter(M/length gt 1))/outerjoin(Tags as T)/Custom.condense(min=1)"},
	{"hierarchies", "ancestors($root/Orgs,OrgHierarchy,ID,search(East)/top(3),2,keep start)/descendants($root/Orgs,OrgHierarchy,ID,filter(ID eq 'US'),keep start)/traverse($root/Orgs,OrgHierarchy,Org/ID,preorder,identity,Name desc,ID)"},
}

func TestParseApplyShape(t *testing.T) {
	for _, tt := range applyShapeTests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := ParseApply(tt.in)
			if err != nil {
				t.Fatalf("ParseApply(%q): %v", tt.in, err)
			}
			got := tt.in + "\n\n" + dumpApply(ts)
			file := filepath.Join("testdata", "apply", tt.name+".txt")
			if *updateApply {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update-apply to create it)", err)
			}
			if got != string(want) {
				t.Errorf("ParseApply(%q) tree differs from %s:\n%s", tt.in, file, got)
			}
		})
	}
}

// dumpApply renders a pipeline one node per line, each with its position,
// so a golden file shows both the shape and where every part was found.
func dumpApply(ts []Transform) string {
	var b strings.Builder
	dumpPipeline(&b, ts, "")
	return b.String()
}

func dumpPipeline(b *strings.Builder, ts []Transform, in string) {
	for _, t := range ts {
		dumpTransform(b, t, in)
	}
}

func dumpTransform(b *strings.Builder, t Transform, in string) {
	line := func(format string, args ...any) { fmt.Fprintf(b, in+format+"\n", args...) }
	switch t := t.(type) {
	case *ApplyAggregate:
		line("aggregate @%d", t.P)
		for _, it := range t.Items {
			line("  %s", dumpItem(it))
		}
	case *ApplyGroupBy:
		line("groupby @%d", t.P)
		for _, g := range t.Props {
			line("  by %s", dumpPath(g))
		}
		for _, r := range t.Rollup {
			switch {
			case r.Recursive:
				line("  rolluprecursive @%d text %q", r.P, r.Text)
			case r.Named != "":
				line("  rollup @%d hierarchy %s", r.P, r.Named)
			default:
				var ps []string
				for _, g := range r.Props {
					ps = append(ps, dumpPath(g))
				}
				line("  rollup @%d %s", r.P, strings.Join(ps, ", "))
			}
		}
		if t.Then != nil {
			line("  then")
			dumpPipeline(b, t.Then, in+"    ")
		}
	case *ApplyFilter:
		line("filter @%d %s @%d", t.P, t.Expr, t.Expr.Pos())
	case *ApplyOrderBy:
		line("orderby @%d", t.P)
		for _, it := range t.Items {
			dir := "asc"
			if it.Desc {
				dir = "desc"
			}
			line("  %s %s @%d", it.Expr, dir, it.P)
		}
	case *ApplyTop:
		line("top @%d %d", t.P, t.N)
	case *ApplySkip:
		line("skip @%d %d", t.P, t.N)
	case *ApplyCompute:
		line("compute @%d", t.P)
		for _, it := range t.Items {
			line("  %s @%d as %s", it.Expr, it.P, it.Alias)
			dumpAggregateExprs(b, it.Expr, in+"    ")
		}
	case *ApplySearch:
		line("search @%d %s @%d", t.P, t.Expr, t.Expr.Pos())
	case *ApplyIdentity:
		line("identity @%d", t.P)
	case *ApplyConcat:
		line("concat @%d", t.P)
		for i, seq := range t.Seqs {
			line("  sequence %d", i+1)
			dumpPipeline(b, seq, in+"    ")
		}
	case *ApplyTopN:
		line("%s @%d n %s @%d value %s @%d", t.Name, t.P, t.N, t.N.Pos(), t.Value, t.Value.Pos())
	case *ApplyOther:
		line("other %s @%d text %q", t.Name, t.P, t.Text)
	default:
		line("unknown %T", t)
	}
}

// dumpAggregateExprs lists the aggregate(...) calls inside an expression.
func dumpAggregateExprs(b *strings.Builder, x Expr, in string) {
	Walk(x, func(n Expr) bool {
		if a, ok := n.(*AggregateExpr); ok {
			of := "$these"
			if a.Of != nil {
				of = fmt.Sprintf("%s @%d", a.Of, a.Of.P)
			}
			fmt.Fprintf(b, "%saggregate over %s @%d: %s\n", in, of, a.P, dumpItem(a.Item))
		}
		return true
	})
}

func dumpPath(g *GroupPath) string {
	parts := make([]string, len(g.Segs))
	for i, s := range g.Segs {
		parts[i] = fmt.Sprintf("%s@%d", s, g.SegPos[i])
	}
	return strings.Join(parts, "/")
}

func dumpItem(it *AggregateItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "item @%d ", it.P)
	switch {
	case it.Count && it.CountPath != nil:
		fmt.Fprintf(&b, "count of %s", dumpPath(it.CountPath))
	case it.Count:
		b.WriteString("count")
	case it.Custom != "":
		fmt.Fprintf(&b, "custom %s", it.Custom)
		if it.CustomPath != nil {
			fmt.Fprintf(&b, " via %s", dumpPath(it.CustomPath))
		}
	default:
		fmt.Fprintf(&b, "%s @%d with %s", it.Expr, it.Expr.Pos(), it.Method)
	}
	for _, f := range it.From {
		var ps []string
		for _, g := range f.Props {
			ps = append(ps, dumpPath(g))
		}
		fmt.Fprintf(&b, " | from @%d %s", f.P, strings.Join(ps, ", "))
		if f.Method != "" {
			b.WriteString(" with " + f.Method)
		}
	}
	if it.Alias != "" {
		fmt.Fprintf(&b, " | as %s @%d", it.Alias, it.AliasPos)
	}
	return b.String()
}

// applyErrorTests pin the message and the position of each kind of
// mistake; the position is a byte offset in the $apply value.
var applyErrorTests = []struct {
	name, in string
	pos      int
	msg      string
}{
	{"empty", "", 0, "$apply needs a transformation, such as groupby((Name),aggregate($count as Total))"},
	{"no alias", "aggregate(amount with sum)", 25, "aggregate needs an alias: write 'amount with sum as Total'"},
	{"no alias after from", "aggregate(amount with sum from day with max)", 43, "aggregate needs an alias: write 'amount with sum from day with max as Total'"},
	{"neither with nor as", "aggregate(amount foo)", 17, "expected 'with' or 'as' after the aggregated expression, found 'foo'"},
	{"expression without method", "aggregate(amount mul 2)", 22, "expected 'with' and an aggregation method after the aggregated expression, found ')'"},
	{"expression with only an alias", "aggregate(amount mul 2 as x)", 23, "expected 'with' and an aggregation method after the aggregated expression, found 'as'"},
	{"nothing to aggregate", "aggregate()", 10, "aggregate() needs at least one aggregate expression, such as Amount with sum as Total or $count as Count"},
	{"trailing comma", "aggregate($count as n,)", 22, "expected an aggregate expression such as Amount with sum as Total, found ')'"},
	{"count with method", "aggregate($count with sum as n)", 17, "$count takes no aggregation method: write '$count as Name'"},
	{"unknown method", "aggregate(amount with median as m)", 22, "expected an aggregation method after 'with' (sum, min, max, average, countdistinct, or a custom method such as Custom.concat), found 'median'"},
	{"method case", "aggregate(amount with Sum as x)", 22, "unknown aggregation method 'Sum': method names are case-sensitive, write sum"},
	{"keyword case", "aggregate(amount With sum as x)", 17, "write 'with' in lower case: the keywords of $apply are case-sensitive"},
	{"no space before with", "aggregate((a add b)with sum as x)", 19, "expected a space before 'with'"},
	{"qualified alias", "aggregate(a with sum as x.y)", 24, "expected an alias name after 'as', found 'x.y'"},
	{"from without with", "aggregate(amount with sum from day as x)", 35, "expected 'with' and an aggregation method after the 'from' properties, found 'as'"},
	{"from twice without with", "aggregate(amount with sum from day from month with max as x)", 35, "expected 'with' and an aggregation method after the 'from' properties, found 'from'"},
	{"junk after an item", "aggregate(a with sum as x y)", 26, "expected ',' or ')' after the aggregate expression, found 'y'"},
	{"count path with key", "aggregate(Sales(1)/$count as n)", 10, "the path before /$count may hold only properties and type casts, without keys or parameters"},
	{"transformation case", "GroupBy((a))", 0, "unknown transformation 'GroupBy': transformation names are case-sensitive, write groupby"},
	{"unknown transformation", "pivot(a)", 0, "unknown transformation 'pivot': $apply takes addnested, aggregate, ancestors, bottomcount, bottompercent, bottomsum, compute, concat, descendants, filter, groupby, identity, join, nest, orderby, outerjoin, search, skip, top, topcount, toppercent, topsum, traverse, or a namespace-qualified custom function"},
	{"space before parenthesis", "groupby ((a))", 8, "unexpected space between groupby and '('"},
	{"groupby without inner parentheses", "groupby(a)", 8, "groupby takes its grouping properties in parentheses, as in groupby((Name),aggregate($count as Count)); found 'a'"},
	{"groupby empty list", "groupby(())", 9, "groupby needs at least one grouping property between the parentheses"},
	{"groupby missing comma", "groupby((a b))", 11, "expected ',' or ')' after the grouping property at position 10, found 'b'"},
	{"groupby trailing comma", "groupby((a),)", 12, "expected a transformation such as filter(...), groupby(...) or aggregate(...), found ')'"},
	{"grouping path with key", "groupby((Queue(1)/name))", 14, "a grouping property takes no key or parameters after Queue"},
	{"grouping path ends in cast", "groupby((Queue/Ns.Special))", 25, "a grouping property cannot end with the type cast Ns.Special: continue it with '/' and a property"},
	{"two casts in a row", "groupby((Ns.A/Ns.B/x))", 14, "two type casts in a row in a grouping property: a cast must be followed by a property"},
	{"grouping path annotation", "groupby((Queue/@Core.Name))", 15, "annotations (@Core.Name) are not allowed in a grouping property: data aggregation paths take no term casts"},
	{"grouping path $count", "groupby((Messages/$count))", 18, "expected a property name in a grouping property, found '$count'"},
	{"rollup of one path", "groupby((rollup(a/b)))", 16, "rollup needs at least two grouping properties, or the name of a leveled hierarchy"},
	{"empty filter", "filter()", 7, "filter() needs a condition, such as filter(Amount gt 100)"},
	{"unclosed filter", "filter(a eq 1", 13, "expected ')' to close filter( opened at position 7, found end of input"},
	{"top negative", "top(-1)", 4, "top() takes a non-negative integer, found '-'"},
	{"top too large", "top(99999999999)", 4, "top(99999999999) asks for more than 10000000 rows"},
	{"skip too large", "skip(10000001)", 5, "skip(10000001) skips more than 10000000 rows"},
	{"identity with parentheses", "identity()", 8, "identity takes no parentheses"},
	{"concat of one", "concat(identity)", 15, "concat needs at least two transformation sequences separated by ',', found ')'"},
	{"topcount with one argument", "topcount(2)", 10, "expected ',' and the value to rank by after the first argument of topcount, found ')'"},
	{"empty search", "search()", 7, "search() needs a word or phrase, such as search(coffee)"},
	{"search error keeps its position", `filter(a)/search(blue"green")`, 21, `expected a space between search terms, found "\""`},
	{"lexer error outside search", "identity/filter(a eq 'x)", 21, "unterminated string: a quote inside a string must be doubled ('')"},
	{"lexer error at the end", "identity!", 8, "unexpected character '!'"},
	{"parse error before a lexer error", "groupby(a)/filter(a eq 'x", 8, "groupby takes its grouping properties in parentheses, as in groupby((Name),aggregate($count as Count)); found 'a'"},
	{"lexer error after search", "search(O'Brien)/filter(a eq 'x)", 28, "unterminated string: a quote inside a string must be doubled ('')"},
	{"unclosed search", "search((a)", 10, "expected ')' to close search( opened at position 7, found end of input"},
	{"unclosed search phrase", `search("a)`, 7, "unterminated phrase"},
	{"trailing slash", "filter(a eq 1)/", 15, "expected a transformation such as filter(...), groupby(...) or aggregate(...), found end of input"},
	{"extra parenthesis", "filter(a eq 1))", 14, "expected '/' before the next transformation, found ')'"},
	{"join without alias", "join(Sales)", 10, "expected 'as' and a name for the joined instances, found ')'"},
	{"join of a path", "join(A/B as x)", 5, "join takes one collection-valued property, optionally cast to a derived type, as in join(Sales as Sale)"},
	{"nest without alias", "nest(identity)", 13, "expected 'as' and a name for the nested result, found ')'"},
	{"hierarchy not from $root", "ancestors(Orgs,H,ID,identity)", 10, "expected the hierarchy's nodes as a $root path, such as $root/Organizations, found 'Orgs'"},
	{"hierarchy node path with key", "ancestors($root/Orgs,H,Sales(4711)/ID,identity)", 28, "the hierarchy's node property path takes no key or parameters after Sales"},
	{"hierarchy takes preserving only", "ancestors($root/Orgs,H,ID,groupby((a)))", 26, "groupby is not allowed here: a hierarchy takes only transformations that keep their input's structure (filter, search, orderby, skip, top, topcount and the like, identity, ancestors, descendants, traverse, custom functions)"},
	{"ancestors fifth argument", "ancestors($root/Orgs,H,ID,filter(a),filter(b))", 36, "expected a maximum distance (an integer) or 'keep start', found 'filter'"},
	{"keep start spacing", "ancestors($root/Orgs,H,ID,identity,keep  start)", 35, "expected 'keep start'"},
	{"traverse order", "traverse($root/Orgs,H,ID,inorder)", 25, "expected preorder or postorder, found 'inorder'"},
	{"custom function positional", "Custom.fn(1)", 10, "expected a parameter as name=value, found integer 1"},
	{"compute without alias", "compute(a)", 9, "expected 'as' and a name after the computed expression, found ')'"},
}

func TestParseApplyErrors(t *testing.T) {
	for _, tt := range applyErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := ParseApply(tt.in)
			if err == nil {
				t.Fatalf("ParseApply(%q) = %s, want an error", tt.in, PipelineString(ts))
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseApply(%q) error %T %v, want *SyntaxError", tt.in, err, err)
			}
			if se.Option != "$apply" || se.NotImplemented {
				t.Errorf("ParseApply(%q) option %q, 501 %v; want $apply, 400", tt.in, se.Option, se.NotImplemented)
			}
			if se.Pos != tt.pos || se.Msg != tt.msg {
				t.Errorf("ParseApply(%q)\n got @%d %s\nwant @%d %s", tt.in, se.Pos, se.Msg, tt.pos, tt.msg)
			}
		})
	}
}

// TestApplyErrorText checks the text a client reads, where the position
// is 1-based and the excerpt starts at the mistake.
func TestApplyErrorText(t *testing.T) {
	_, err := ParseQuery("$apply=groupby((queueId),aggregate(duration%20with%20sum))")
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v, want *SyntaxError", err, err)
	}
	want := `$apply, position 46, near "))": aggregate needs an alias: write 'duration with sum as Total'`
	if got := se.AsOData().Message; got != want {
		t.Errorf("message\n got %s\nwant %s", got, want)
	}
}

func TestApplyLimits(t *testing.T) {
	tests := []struct {
		name, in string
		msg      string
	}{
		{"transformations", strings.Repeat("identity/", MaxApplyTransforms) + "identity", "$apply has more than 32 transformations"},
		{"nested transformations count too", "concat(" + strings.Repeat("identity/", MaxApplyTransforms-1) + "identity,identity)", "$apply has more than 32 transformations"},
		{"nesting depth", strings.Repeat("groupby((a),", 40) + "identity" + strings.Repeat(")", 40), "nested deeper than 64 levels"},
		{"expression size", "filter(" + strings.Repeat("a eq 1 or ", 1100) + "a eq 1)", "expression has more than 2000 parts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseApply(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("ParseApply: error %v, want one containing %q", err, tt.msg)
			}
		})
	}
	// At the limit, not past it.
	in := strings.Repeat("identity/", MaxApplyTransforms-1) + "identity"
	if _, err := ParseApply(in); err != nil {
		t.Errorf("%d transformations: %v", MaxApplyTransforms, err)
	}
}

// aggregateExprTests are the aggregation extension's additions to
// expressions: Path/aggregate(...), $these/aggregate(...) and isdefined.
var aggregateExprTests = []struct {
	name, in, want string
	// of and item describe the first AggregateExpr, if any.
	of, item string
	pos      int
}{
	{"over navigation", "Messages/aggregate(duration with sum) gt 60", "(Messages/aggregate(duration with sum) gt 60)", "Messages", "duration with sum", 9},
	{"over $these", "$these/aggregate($count)", "$these/aggregate($count)", "", "$count", 7},
	{"custom aggregate", "$these/aggregate(Sales/Budget) div 2", "($these/aggregate(Sales/Budget) div 2)", "", "Sales/Budget", 7},
	{"with from", "$these/aggregate(Amount with sum from Time with average)", "$these/aggregate(Amount with sum from Time with average)", "", "Amount with sum from Time with average", 7},
	{"inside a lambda", "Orders/any(o:o/Items/aggregate(Price with max) gt 5)", "Orders/any(o:(o/Items/aggregate(Price with max) gt 5))", "o/Items", "Price with max", 21},
	{"property named aggregate", "Stats/aggregate eq 1", "(Stats/aggregate eq 1)", "", "", -1},
	{"isdefined", "isdefined(Queue/name) and isdefined(Forecast)", "(isdefined(Queue/name) and isdefined(Forecast))", "", "", -1},
}

func TestParseAggregateExpr(t *testing.T) {
	for _, tt := range aggregateExprTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseExpr("$filter", tt.in)
			if err != nil {
				t.Fatalf("ParseExpr(%q): %v", tt.in, err)
			}
			if got := x.String(); got != tt.want {
				t.Errorf("ParseExpr(%q) = %s, want %s", tt.in, got, tt.want)
			}
			var agg *AggregateExpr
			Walk(x, func(n Expr) bool {
				if a, ok := n.(*AggregateExpr); ok && agg == nil {
					agg = a
				}
				return true
			})
			if tt.pos < 0 {
				if agg != nil {
					t.Errorf("ParseExpr(%q) holds aggregate %s, want none", tt.in, agg)
				}
				return
			}
			if agg == nil {
				t.Fatalf("ParseExpr(%q) holds no AggregateExpr", tt.in)
			}
			of := ""
			if agg.Of != nil {
				of = agg.Of.String()
			}
			if of != tt.of || agg.Item.String() != tt.item || agg.P != tt.pos {
				t.Errorf("ParseExpr(%q) aggregate over %q of %q @%d, want over %q of %q @%d", tt.in, of, agg.Item, agg.P, tt.of, tt.item, tt.pos)
			}
		})
	}
}

var aggregateExprErrorTests = []struct {
	name, in string
	pos      int
	msg      string
}{
	{"needs a path", "aggregate(Amount with sum) gt 5", 9, "aggregate() must follow a collection path, as in Sales/aggregate(Amount with sum), or $these for the current input set"},
	{"no alias", "Sales/aggregate(Amount with sum as X)", 32, "unexpected 'as': aggregate(...) inside an expression takes no alias"},
	{"one item", "Sales/aggregate(a with sum,b with sum)", 26, "aggregate(...) inside an expression takes one aggregate expression"},
	{"nothing after", "Sales/aggregate(Amount with sum)/x", 32, "unexpected '/': aggregate(...) ends a path, its value has no members"},
	{"empty", "Sales/aggregate()", 16, "aggregate() needs an aggregate expression, such as aggregate(Amount with sum)"},
	{"no with", "Sales/aggregate(Amount mul 2)", 28, "expected 'with' and an aggregation method after the aggregated expression, found ')'"},
	{"junk", "Sales/aggregate(Amount foo)", 23, "expected 'with' after the aggregated expression, found 'foo'"},
	{"isdefined of a literal", "isdefined(1)", 10, "isdefined takes one property path, as in isdefined(Customer/Name)"},
	{"isdefined of two", "isdefined(a,b)", 10, "isdefined takes one property path, as in isdefined(Customer/Name)"},
	{"isdefined of nothing", "isdefined()", 9, "isdefined takes one property path, as in isdefined(Customer/Name)"},
}

func TestParseAggregateExprErrors(t *testing.T) {
	for _, tt := range aggregateExprErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExpr("$filter", tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseExpr(%q) error %T %v, want *SyntaxError", tt.in, err, err)
			}
			if se.Pos != tt.pos || se.Msg != tt.msg {
				t.Errorf("ParseExpr(%q)\n got @%d %s\nwant @%d %s", tt.in, se.Pos, se.Msg, tt.pos, tt.msg)
			}
		})
	}
}

// TestApplyRoundTrip: String of a parsed pipeline parses to the same
// String, for the tables above and for every positive case of the OASIS
// aggregation file that parses.
func TestApplyRoundTrip(t *testing.T) {
	for _, tt := range applyShapeTests {
		t.Run(tt.name, func(t *testing.T) { checkApplyRoundTrip(t, tt.in) })
	}
	suites := loadABNF(t)
	n := 0
	for i, c := range suites["odata-aggregation-testcases.yaml"].TestCases {
		if c.FailAt != nil {
			continue
		}
		raw := c.Input
		if _, query, ok := strings.Cut(raw, "?"); ok {
			raw = query
		}
		q, err := ParseQuery(raw)
		if err != nil {
			continue // context URLs, or a feature answered 501 (annotations)
		}
		t.Run(fmt.Sprintf("oasis/%d", i), func(t *testing.T) {
			forEachOptions(&q.Options, func(o *Options) {
				if o.Apply != nil {
					n++
					checkApplyRoundTrip(t, PipelineString(o.Apply))
				}
				for _, x := range optionExprs(o) {
					checkExprRoundTrip(t, x)
				}
			})
		})
	}
	if n < 150 {
		t.Errorf("round-tripped %d $apply values of the OASIS file, expected about 160", n)
	}
}

func checkApplyRoundTrip(t *testing.T, in string) {
	t.Helper()
	ts, err := ParseApply(in)
	if err != nil {
		t.Fatalf("ParseApply(%q): %v", in, err)
	}
	s1 := PipelineString(ts)
	ts2, err := ParseApply(s1)
	if err != nil {
		t.Fatalf("ParseApply(%q) rendered %q, which does not parse: %v", in, s1, err)
	}
	if s2 := PipelineString(ts2); s2 != s1 {
		t.Fatalf("ParseApply(%q): String %q, then %q", in, s1, s2)
	}
}

func checkExprRoundTrip(t *testing.T, x Expr) {
	t.Helper()
	s1 := x.String()
	y, err := ParseExpr("$filter", s1)
	if err != nil {
		t.Fatalf("%q does not parse again: %v", s1, err)
	}
	if s2 := y.String(); s2 != s1 {
		t.Fatalf("String %q, then %q", s1, s2)
	}
}

// forEachOptions calls fn for o and every option set nested in $expand.
func forEachOptions(o *Options, fn func(*Options)) {
	fn(o)
	for _, e := range o.Expand {
		if e.Options != nil {
			forEachOptions(e.Options, fn)
		}
	}
}

func optionExprs(o *Options) []Expr {
	var out []Expr
	if o.Filter != nil {
		out = append(out, o.Filter)
	}
	for _, it := range o.OrderBy {
		out = append(out, it.Expr)
	}
	for _, it := range o.Compute {
		out = append(out, it.Expr)
	}
	return out
}

// applySeeds are the inputs of this file's tables, for the fuzzer.
func applySeeds() []string {
	var out []string
	for _, tt := range applyShapeTests {
		out = append(out, tt.in)
	}
	for _, tt := range applyErrorTests {
		out = append(out, tt.in)
	}
	return out
}
