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
		case t.Kind == TokIdent:
			for {
				seg := p.next()
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
				o, err := p.parseNestedOptions()
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
			o, err := p.parseNestedOptionsDepth(depth + 1)
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

func (p *parser) parseNestedOptions() (*Options, error) { return p.parseNestedOptionsDepth(1) }

// parseNestedOptionsDepth:
//
//	nested = "(" option *( ";" option ) ")"
//	option = name "=" value
func (p *parser) parseNestedOptionsDepth(depth int) (*Options, error) {
	open := p.next()
	o := &Options{}
	seen := map[string]bool{}
	for {
		t := p.next()
		if t.Kind != TokIdent {
			return nil, p.errorf(t.Pos, "expected a query option such as $select or $filter, found %s", t.describe())
		}
		canon, ok := systemOptions[strings.ToLower(t.Text)]
		if !ok {
			return nil, p.errorf(t.Pos, "unknown query option %s", t.Text)
		}
		if seen[canon] {
			return nil, p.errorf(t.Pos, "%s is given more than once", canon)
		}
		seen[canon] = true
		if _, err := p.expect(TokEquals, "after "+t.Text); err != nil {
			return nil, err
		}
		var err error
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
