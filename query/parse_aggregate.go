package query

import (
	"strings"
)

// aggregateMethods are the standard aggregation methods; any other method
// is namespace-qualified (a custom aggregation method).
var aggregateMethods = []string{"sum", "min", "max", "average", "countdistinct"}

// parseAggregate:
//
//	aggregate = "aggregate" "(" aggregateExpr *( "," aggregateExpr ) ")"
func (a *applyParser) parseAggregate(name Token) (Transform, error) {
	if a.atClose() {
		return nil, a.errorf(a.peek().Pos, "aggregate() needs at least one aggregate expression, such as Amount with sum as Total or $count as Count")
	}
	agg := &ApplyAggregate{P: name.Pos}
	for {
		item, err := a.parseAggregateItem(true)
		if err != nil {
			return nil, err
		}
		agg.Items = append(agg.Items, item)
		switch t := a.peek(); t.Kind {
		case TokComma:
			a.next()
			continue
		case TokRParen:
			return agg, nil
		default:
			return nil, a.errorf(t.Pos, "expected ',' or ')' after the aggregate expression, found %s", t.describe())
		}
	}
}

// parseAggregateItem reads one aggregateExpr of the aggregate
// transformation (withAlias) or the aggregateFunctionExpr of
// Path/aggregate(...) in an expression, which has no alias:
//
//	item       = "$count" [ from ] as
//	           / commonExpr "with" method [ from ] as
//	           / path "/$count" [ from ] as
//	           / [ path "/" ] customAggregate [ [ customFrom ] as ]
//	from       = "from" groupingProperties "with" method [ from ]
//	customFrom = "from" groupingProperties [ "with" method ] [ customFrom ]
//	as         = "as" alias
//
// A path followed by neither "with" nor "/$count" can only name a custom
// aggregate; which names are custom aggregates is the model's business, so
// aggregate(Amount as Total) parses and the binder refuses it.
func (p *parser) parseAggregateItem(withAlias bool) (*AggregateItem, error) {
	start := p.peek()
	if err := p.count(start.Pos); err != nil {
		return nil, err
	}
	item := &AggregateItem{P: start.Pos}
	custom := false
	switch {
	case start.Kind == TokIdent && start.Text == "$count":
		p.next()
		item.Count = true
		if w := p.peek(); w.Kind == TokIdent && w.Text == "with" {
			return nil, p.errorf(w.Pos, "$count takes no aggregation method: write '$count as Name'")
		}
	case start.Kind == TokRParen || start.Kind == TokComma || start.Kind == TokEOF:
		return nil, p.errorf(start.Pos, "expected an aggregate expression such as Amount with sum as Total, found %s", start.describe())
	default:
		var x Expr
		if isCustomFunction(start) && isWordExactly(p.peekAt(1), "with") {
			// A lone type cast (Self.DigitalProduct with Custom.discount)
			// aggregates the instances of that type; the expression
			// grammar has no such operand, so it is read here.
			p.next()
			x = &PathExpr{P: start.Pos, Segs: []*Segment{{P: start.Pos, Name: start.Text}}}
		} else {
			var err error
			if x, err = p.parseExpr(); err != nil {
				return nil, err
			}
		}
		ok, err := p.keyword("with")
		if err != nil {
			return nil, err
		}
		path, _ := x.(*PathExpr)
		switch {
		case ok:
			m, err := p.parseMethod()
			if err != nil {
				return nil, err
			}
			item.Expr, item.Method = x, m
		case path != nil && len(path.Segs) > 1 && isCountSeg(path.Segs[len(path.Segs)-1]):
			g, ok := groupPathOf(path.Segs[:len(path.Segs)-1])
			if !ok {
				return nil, p.errorf(path.P, "the path before /$count may hold only properties and type casts, without keys or parameters")
			}
			item.Count, item.CountPath = true, g
		case !endsItem(p.peek()):
			// Neither a method nor anything a custom aggregate may be
			// followed by: the most likely omission is "with".
			t := p.peek()
			if withAlias {
				return nil, p.errorf(t.Pos, "expected 'with' or 'as' after the aggregated expression, found %s", t.describe())
			}
			return nil, p.errorf(t.Pos, "expected 'with' after the aggregated expression, found %s", t.describe())
		case path != nil && isCustomAggregate(path):
			custom = true
			item.Custom = path.Segs[len(path.Segs)-1].Name
			if len(path.Segs) > 1 {
				item.CustomPath, _ = groupPathOf(path.Segs[:len(path.Segs)-1])
			}
		default:
			t := p.peek()
			return nil, p.errorf(t.Pos, "expected 'with' and an aggregation method after the aggregated expression, found %s", t.describe())
		}
	}
	for {
		t := p.peek()
		ok, err := p.keyword("from")
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		f, err := p.parseFrom(t, custom)
		if err != nil {
			return nil, err
		}
		item.From = append(item.From, f)
	}
	as := p.peek()
	ok, err := p.keyword("as")
	if err != nil {
		return nil, err
	}
	switch {
	case ok && !withAlias:
		return nil, p.errorf(as.Pos, "unexpected 'as': aggregate(...) inside an expression takes no alias")
	case ok:
		alias, err := p.parseAlias()
		if err != nil {
			return nil, err
		}
		item.Alias, item.AliasPos = alias.Text, alias.Pos
	case withAlias && (!custom || len(item.From) > 0):
		// Only a bare custom aggregate may go without a name: it
		// brings its own.
		t := p.peek()
		if k := t.Kind; k == TokComma || k == TokRParen || k == TokEOF {
			return nil, p.errorf(t.Pos, "aggregate needs an alias: write '%s as Total'", p.sourceFrom(start.Pos))
		}
		return nil, p.errorf(t.Pos, "expected 'as' and an alias after the aggregate expression, found %s", t.describe())
	}
	return item, nil
}

// parseFrom reads the rest of a from clause; the keyword is consumed.
// After a custom aggregate "with method" is optional (customFrom).
func (p *parser) parseFrom(from Token, custom bool) (*AggregateFrom, error) {
	f := &AggregateFrom{P: from.Pos}
	props, err := p.parseGroupPaths("a 'from' property")
	if err != nil {
		return nil, err
	}
	f.Props = props
	ok, err := p.keyword("with")
	if err != nil {
		return nil, err
	}
	if ok {
		m, err := p.parseMethod()
		if err != nil {
			return nil, err
		}
		f.Method = m
		return f, nil
	}
	if !custom {
		t := p.peek()
		return nil, p.errorf(t.Pos, "expected 'with' and an aggregation method after the 'from' properties, found %s", t.describe())
	}
	return f, nil
}

// parseMethod:
//
//	method = "sum" / "min" / "max" / "average" / "countdistinct" / namespace "." identifier
func (p *parser) parseMethod() (string, error) {
	t := p.peek()
	if t.Kind == TokIdent {
		for _, m := range aggregateMethods {
			if t.Text == m {
				p.next()
				return m, nil
			}
			if strings.EqualFold(t.Text, m) {
				return "", p.errorf(t.Pos, "unknown aggregation method '%s': method names are case-sensitive, write %s", t.Text, m)
			}
		}
		if isCustomFunction(t) {
			p.next()
			return t.Text, nil
		}
	}
	return "", p.errorf(t.Pos, "expected an aggregation method after 'with' (sum, min, max, average, countdistinct, or a custom method such as Custom.concat), found %s", t.describe())
}

// parseAlias reads the name after "as": a simple identifier.
func (p *parser) parseAlias() (Token, error) {
	t := p.peek()
	if t.Kind != TokIdent || strings.ContainsAny(t.Text, ".$*") {
		return t, p.errorf(t.Pos, "expected an alias name after 'as', found %s", t.describe())
	}
	p.next()
	return t, nil
}

// keyword consumes the word w when it comes next. The aggregation grammar
// spells its keywords case-sensitively and wants a space before them; a
// word that differs only in case gets a message of its own instead of a
// puzzling "expected 'with', found 'With'".
func (p *parser) keyword(w string) (bool, error) {
	t := p.peek()
	if t.Kind != TokIdent || !strings.EqualFold(t.Text, w) {
		return false, nil
	}
	if t.Text != w {
		return false, p.errorf(t.Pos, "write '%s' in lower case: the keywords of $apply are case-sensitive", w)
	}
	if !p.spaceBefore(p.i) {
		return false, p.errorf(t.Pos, "expected a space before '%s'", w)
	}
	p.next()
	return true, nil
}

func isWordExactly(t Token, w string) bool { return t.Kind == TokIdent && t.Text == w }

// endsItem reports a token that may follow the value of an aggregate
// expression when no "with" is given: "from", "as", or the end of the item.
func endsItem(t Token) bool {
	switch t.Kind {
	case TokComma, TokRParen, TokEOF:
		return true
	}
	return t.Kind == TokIdent && (strings.EqualFold(t.Text, "as") || strings.EqualFold(t.Text, "from"))
}

// sourceFrom returns the input from pos to the end of the last token read,
// for messages that quote what the user wrote.
func (p *parser) sourceFrom(pos int) string {
	if p.i == 0 {
		return ""
	}
	last := p.toks[p.i-1]
	end := last.Pos + len(last.Text)
	if end < pos {
		return ""
	}
	return p.input[pos:end]
}

func isCountSeg(s *Segment) bool { return s.Name == "$count" && !s.Parens && s.Lambda == nil }

// isCustomAggregate reports a path that can end in a custom aggregate:
// properties and type casts, the last step a simple name.
//
//	aggregateCustom = [ ( aggrPathPrefix / aggrCastPath ) "/" ] customAggregate
func isCustomAggregate(x *PathExpr) bool {
	last := x.Segs[len(x.Segs)-1].Name
	if strings.ContainsAny(last, ".$") {
		return false
	}
	_, ok := groupPathOf(x.Segs)
	return ok
}

// groupPathOf converts expression segments into a data aggregation path,
// or reports that they hold more than names: keys, parameters, lambdas,
// $-segments, or two type casts in a row.
func groupPathOf(segs []*Segment) (*GroupPath, bool) {
	g := &GroupPath{P: segs[0].P}
	for i, s := range segs {
		if s.Parens || s.Lambda != nil || strings.HasPrefix(s.Name, "$") || strings.HasPrefix(s.Name, "@") || strings.HasSuffix(s.Name, "*") {
			return nil, false
		}
		if i > 0 && isCast(s.Name) && isCast(segs[i-1].Name) {
			return nil, false
		}
		g.Segs = append(g.Segs, s.Name)
		g.SegPos = append(g.SegPos, s.P)
	}
	return g, true
}

// isCast reports a qualified name, which in a path is a type cast.
func isCast(seg string) bool { return strings.Contains(seg, ".") }

// parseGroupPaths reads paths separated by commas:
//
//	groupingProperties = groupingProperty *( "," groupingProperty )
func (p *parser) parseGroupPaths(what string) ([]*GroupPath, error) {
	var out []*GroupPath
	for {
		g, err := p.parseGroupPath(what, false)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
		if p.peek().Kind != TokComma {
			return out, nil
		}
		p.next()
	}
}

// parseGroupPath reads a data aggregation path, names separated by "/"
// where a qualified name is a type cast:
//
//	groupingProperty = [ cast "/" ] property *( "/" [ cast "/" ] property )
//
// Whether each step is single-valued, and whether a primitive property
// ends the path, needs the model. What is syntax: no keys or parameters,
// no annotations (the grammar allows no term casts here), no two casts in
// a row, and, unless castEnd, no cast at the end.
func (p *parser) parseGroupPath(what string, castEnd bool) (*GroupPath, error) {
	first := p.peek()
	if err := p.count(first.Pos); err != nil {
		return nil, err
	}
	g := &GroupPath{P: first.Pos}
	for {
		t := p.peek()
		switch {
		case t.Kind == TokAlias:
			return nil, p.errorf(t.Pos, "annotations (%s) are not allowed in %s: data aggregation paths take no term casts", t.Text, what)
		case t.Kind != TokIdent || strings.HasPrefix(t.Text, "$") || strings.HasSuffix(t.Text, "*"):
			return nil, p.errorf(t.Pos, "expected a property name in %s, found %s", what, t.describe())
		case isCast(t.Text) && len(g.Segs) > 0 && isCast(g.Segs[len(g.Segs)-1]):
			return nil, p.errorf(t.Pos, "two type casts in a row in %s: a cast must be followed by a property", what)
		}
		p.next()
		g.Segs = append(g.Segs, t.Text)
		g.SegPos = append(g.SegPos, t.Pos)
		if n := p.peek(); n.Kind == TokLParen && !p.spaceBefore(p.i) {
			return nil, p.errorf(n.Pos, "%s takes no key or parameters after %s", what, t.Text)
		}
		if p.peek().Kind != TokSlash || p.spaceBefore(p.i) {
			break
		}
		p.next()
	}
	if last := g.Segs[len(g.Segs)-1]; isCast(last) && !castEnd {
		t := p.peek()
		return nil, p.errorf(t.Pos, "%s cannot end with the type cast %s: continue it with '/' and a property", what, last)
	}
	return g, nil
}

// parseAggregateExpr reads aggregate(...) after a collection path in an
// expression; the "/" is consumed and "aggregate" is next.
//
//	collectionPathExpr =/ "/aggregate" "(" aggregateFunctionExpr ")"
//
// $these/aggregate(...) aggregates the current input set (Of is nil).
// Nothing may follow: the value is a single number.
func (p *parser) parseAggregateExpr(of *PathExpr) (Expr, error) {
	kw := p.next()
	open := p.next()
	if err := p.enter(kw.Pos); err != nil {
		return nil, err
	}
	defer p.leave()
	if k := p.peek().Kind; k == TokRParen || k == TokEOF {
		return nil, p.errorf(p.peek().Pos, "aggregate() needs an aggregate expression, such as aggregate(Amount with sum)")
	}
	item, err := p.parseAggregateItem(false)
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.Kind {
	case TokRParen:
		p.next()
	case TokComma:
		return nil, p.errorf(t.Pos, "aggregate(...) inside an expression takes one aggregate expression")
	default:
		return nil, p.errorf(t.Pos, "expected ')' to close aggregate( opened at position %d, found %s", open.Pos+1, t.describe())
	}
	x := &AggregateExpr{P: kw.Pos, Of: of, Item: item}
	if len(of.Segs) == 1 && of.Segs[0].Name == "$these" && !of.Segs[0].Parens {
		x.Of = nil
	}
	if t := p.peek(); t.Kind == TokSlash && !p.spaceBefore(p.i) {
		return nil, p.errorf(t.Pos, "unexpected '/': aggregate(...) ends a path, its value has no members")
	}
	return x, nil
}

// checkIsDefined checks the argument of the aggregation extension's
// isdefined, which asks whether a property has a value in the current
// (possibly aggregated) instance:
//
//	isdefinedExpr = "isdefined" "(" firstMemberExpr ")"
func (p *parser) checkIsDefined(call *CallExpr) error {
	if len(call.Args) == 1 {
		if _, ok := call.Args[0].(*PathExpr); ok {
			return nil
		}
	}
	pos := call.P + len(call.Name)
	if len(call.Args) > 0 {
		pos = call.Args[0].Pos()
	}
	return p.errorf(pos, "isdefined takes one property path, as in isdefined(Customer/Name)")
}
