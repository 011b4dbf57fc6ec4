package query

import (
	"strings"
)

// parseOrderBy:
//
//	orderby = item *( "," item )
//	item    = expr [ RWS ( "asc" / "desc" ) ]
func (p *parser) parseOrderBy() ([]*OrderItem, error) {
	var items []*OrderItem
	for {
		if p.atValueEnd() {
			return nil, p.errorf(p.peek().Pos, "expected a property or expression to order by, found %s", p.peek().describe())
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		item := &OrderItem{P: x.Pos(), Expr: x}
		if t := p.peek(); (isWord(t, "asc") || isWord(t, "desc")) && p.spaceBefore(p.i) {
			p.next()
			item.Desc = strings.EqualFold(t.Text, "desc")
		}
		items = append(items, item)
		if len(items) > MaxOrderByKeys {
			return nil, p.errorf(item.P, "$orderby has more than %d keys", MaxOrderByKeys)
		}
		if p.peek().Kind != TokComma {
			return items, nil
		}
		p.next()
	}
}

// parseSelect:
//
//	select = item *( "," item )
//	item   = "*" / Namespace ".*" / segment *( "/" segment ) [ "(" options ")" ]
func (p *parser) parseSelect() ([]*SelectItem, error) {
	var items []*SelectItem
	for {
		t := p.peek()
		item := &SelectItem{P: t.Pos}
		switch {
		case t.Kind == TokStar:
			p.next()
			item.Star = true
		case t.Kind == TokAlias:
			return nil, p.notImplemented(t.Pos, "annotations in queries (%s) are not supported", t.Text)
		case t.Kind == TokIdent:
			for {
				seg := p.next()
				if seg.Kind == TokAlias {
					return nil, p.notImplemented(seg.Pos, "annotations in queries (%s) are not supported", seg.Text)
				}
				if seg.Kind != TokIdent {
					return nil, p.errorf(seg.Pos, "expected a property name in $select, found %s", seg.describe())
				}
				item.Path = append(item.Path, seg.Text)
				if p.peek().Kind != TokSlash {
					break
				}
				p.next()
				if p.peek().Kind == TokStar {
					p.next()
					item.Star = true
					break
				}
			}
			if p.peek().Kind == TokLParen {
				// Function(Param1,Param2) names an overload by its
				// parameters; options always read name=value.
				if p.peekAt(1).Kind == TokIdent && p.peekAt(2).Kind != TokEquals {
					return nil, p.notImplemented(p.peek().Pos, "selecting a function by its parameter names is not supported: this feed has no functions")
				}
				o, err := p.parseNestedOptions(nestSelect, 0)
				if err != nil {
					return nil, err
				}
				item.Options = o
			}
		default:
			return nil, p.errorf(t.Pos, "expected a property name or '*' in $select, found %s", t.describe())
		}
		items = append(items, item)
		if p.peek().Kind != TokComma {
			return items, nil
		}
		p.next()
	}
}

// parseExpand:
//
//	expand = item *( "," item )
//	item   = "*" [ "/$ref" ] [ "(" options ")" ]
//	       / segment *( "/" segment ) [ "/$ref" / "/$count" ] [ "(" options ")" ]
func (p *parser) parseExpand(depth int) ([]*ExpandItem, error) {
	if depth >= MaxExpandDepth {
		return nil, p.errorf(p.peek().Pos, "$expand is nested deeper than %d levels", MaxExpandDepth)
	}
	var items []*ExpandItem
	for {
		t := p.peek()
		item := &ExpandItem{P: t.Pos}
		switch {
		case t.Kind == TokStar:
			p.next()
			item.Star = true
		case t.Kind == TokAlias:
			return nil, p.notImplemented(t.Pos, "annotations in queries (%s) are not supported", t.Text)
		case t.Kind == TokIdent && t.Text == "$value":
			return nil, p.notImplemented(t.Pos, "expanding stream properties ($value) is not supported: this feed has no media")
		case t.Kind == TokIdent && !strings.HasPrefix(t.Text, "$"):
			for {
				seg := p.next()
				item.Path = append(item.Path, seg.Text)
				item.PathPos = append(item.PathPos, seg.Pos)
				if p.peek().Kind != TokSlash {
					break
				}
				p.next()
				n := p.peek()
				if n.Kind == TokStar {
					// Address/*: the navigation properties of a complex
					// property.
					return nil, p.notImplemented(n.Pos, "'*' after a path in $expand is not supported: this model has no complex properties")
				}
				if n.Kind != TokIdent {
					return nil, p.errorf(n.Pos, "expected a navigation property after '/' in $expand, found %s", n.describe())
				}
				if strings.HasPrefix(n.Text, "$") {
					break
				}
			}
		default:
			return nil, p.errorf(t.Pos, "expected a navigation property or '*' in $expand, found %s", t.describe())
		}
		// "/$ref" or "/$count" after the path (the slash was consumed).
		if n := p.peek(); n.Kind == TokIdent && strings.HasPrefix(n.Text, "$") && p.toks[p.i-1].Kind == TokSlash {
			switch n.Text {
			case "$ref":
				item.Ref = true
			case "$count":
				item.Count = true
			default:
				return nil, p.errorf(n.Pos, "expected $ref or $count, found %s", n.describe())
			}
			p.next()
		} else if item.Star && p.peek().Kind == TokSlash {
			p.next()
			if n := p.peek(); n.Kind == TokIdent && n.Text == "$ref" {
				p.next()
				item.Ref = true
			} else {
				return nil, p.errorf(n.Pos, "expected $ref after '*/', found %s", n.describe())
			}
		}
		if p.peek().Kind == TokLParen {
			ctx := nestExpand
			switch {
			case item.Star && item.Ref:
				ctx = nestNone
			case item.Star:
				ctx = nestStar
			case item.Ref:
				ctx = nestRef
			case item.Count:
				ctx = nestCount
			}
			o, err := p.parseNestedOptions(ctx, depth+1)
			if err != nil {
				return nil, err
			}
			item.Options = o
		}
		items = append(items, item)
		if p.peek().Kind != TokComma {
			return items, nil
		}
		p.next()
	}
}

// nestContext says where a parenthesized option list stands; the grammar
// allows different options after an expand path, /$ref, /$count, '*' and
// in $select.
type nestContext int

const (
	nestExpand nestContext = iota // expandOption
	nestRef                       // expandRefOption
	nestCount                     // expandCountOption
	nestStar                      // '*' takes only $levels
	nestNone                      // '*/$ref' takes none
	nestSelect                    // selectOption
)

var nestAllowed = map[nestContext]map[string]bool{
	nestExpand: {"$filter": true, "$search": true, "$orderby": true, "$skip": true, "$top": true, "$count": true,
		"$select": true, "$expand": true, "$compute": true, "$levels": true, "$apply": true},
	nestRef:   {"$filter": true, "$search": true, "$orderby": true, "$skip": true, "$top": true, "$count": true},
	nestCount: {"$filter": true, "$search": true},
	nestStar:  {"$levels": true},
	nestNone:  {},
	nestSelect: {"$filter": true, "$search": true, "$orderby": true, "$skip": true, "$top": true, "$count": true,
		"$select": true, "$compute": true},
}

var nestWhere = map[nestContext]string{
	nestExpand: "in $expand", nestRef: "after /$ref", nestCount: "after /$count",
	nestStar: "after '*'", nestNone: "after '*/$ref'", nestSelect: "in $select",
}

// nestedOptionName returns the canonical name of an option inside
// parentheses; $levels, which exists only there, may drop its '$' too.
func nestedOptionName(name string) (string, bool) {
	lower := strings.ToLower(name)
	if lower == "levels" {
		return "$levels", true
	}
	canon, ok := systemOptions[lower]
	return canon, ok
}

// parseNestedOptions:
//
//	nested = "(" option *( ";" option ) ")"
//	option = name "=" value
func (p *parser) parseNestedOptions(ctx nestContext, depth int) (*Options, error) {
	open := p.next()
	if err := p.enter(open.Pos); err != nil {
		return nil, err
	}
	defer p.leave()
	o := &Options{}
	seen := map[string]bool{}
	for {
		t := p.next()
		if t.Kind == TokAlias {
			return nil, p.notImplemented(t.Pos, "parameter aliases defined inside $select or $expand options are not supported; define %s at the top level of the query", t.Text)
		}
		if t.Kind != TokIdent {
			return nil, p.errorf(t.Pos, "expected a query option such as $select or $filter, found %s", t.describe())
		}
		canon, ok := nestedOptionName(t.Text)
		switch {
		case !ok:
			return nil, p.errorf(t.Pos, "unknown query option %s", t.Text)
		case !implementedOptions[canon] && canon != "$levels":
			return nil, p.notImplemented(t.Pos, "%s is not supported by this read-only feed", canon)
		case !nestAllowed[ctx][canon]:
			return nil, p.errorf(t.Pos, "%s is not allowed %s", canon, nestWhere[ctx])
		case seen[canon]:
			return nil, p.errorf(t.Pos, "%s is given more than once", canon)
		}
		seen[canon] = true
		eq, err := p.expect(TokEquals, "after "+t.Text)
		if err != nil {
			return nil, err
		}
		if canon != "$search" && p.spaceBefore(p.i) {
			return nil, p.errorf(eq.Pos+1, "unexpected space after '=' in %s", canon)
		}
		if canon == "$expand" {
			o.Given = append(o.Given, canon)
			o.Expand, err = p.parseExpand(depth)
		} else {
			err = p.parseOptionValue(canon, o)
		}
		if err != nil {
			return nil, err
		}
		switch p.peek().Kind {
		case TokSemicolon:
			p.next()
			continue
		case TokRParen:
			p.next()
			return o, nil
		}
		return nil, p.errorf(p.peek().Pos, "expected ';' or ')' after the option started at position %d, found %s", open.Pos+1, p.peek().describe())
	}
}

// parseCompute:
//
//	compute = item *( "," item )
//	item    = expr RWS "as" RWS alias
func (p *parser) parseCompute() ([]*ComputeItem, error) {
	var items []*ComputeItem
	for {
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		t := p.peek()
		if !isWord(t, "as") {
			return nil, p.errorf(t.Pos, "expected 'as' and a name after the computed expression, found %s", t.describe())
		}
		p.next()
		a := p.peek()
		if a.Kind != TokIdent || strings.ContainsAny(a.Text, ".$") {
			return nil, p.errorf(a.Pos, "expected a name for the computed property, found %s", a.describe())
		}
		p.next()
		items = append(items, &ComputeItem{P: x.Pos(), Expr: x, Alias: a.Text})
		if p.peek().Kind != TokComma {
			return items, nil
		}
		p.next()
	}
}
