package query

import (
	"strings"
)

// binaryPrecedence is the OData 4.01 operator precedence (URL Conventions
// 5.1.1.17) for the binary word operators, higher binding tighter. "has" and
// "in" sit at the primary level, above unary operators, and are parsed by
// parsePostfix rather than here.
var binaryPrecedence = map[string]int{
	"or":  1,
	"and": 2,
	"eq":  3, "ne": 3,
	"gt": 4, "ge": 4, "lt": 4, "le": 4,
	"add": 5, "sub": 5,
	"mul": 6, "div": 6, "divby": 6, "mod": 6,
}

// binaryOp returns the lower-cased operator and its precedence when token i
// is a binary word operator standing between spaces.
func (p *parser) binaryOp(i int) (string, int) {
	t := p.toks[i]
	if t.Kind != TokIdent {
		return "", 0
	}
	op := strings.ToLower(t.Text)
	prec, ok := binaryPrecedence[op]
	if !ok {
		return "", 0
	}
	return op, prec
}

// parseExpr parses commonExpr (and boolCommonExpr, which is the same
// grammar with a Boolean type the binder checks).
func (p *parser) parseExpr() (Expr, error) { return p.parseBinary(1) }

// parseBinary implements precedence climbing:
//
//	binary(min) = unary *( RWS op RWS binary(prec(op)+1) )   for prec(op) >= min
func (p *parser) parseBinary(minPrec int) (Expr, error) {
	if err := p.enter(p.peek().Pos); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		op, prec := p.binaryOp(p.i)
		if prec == 0 || prec < minPrec {
			return x, nil
		}
		t := p.next()
		if !p.spaceBefore(p.i - 1) {
			return nil, p.errorf(t.Pos, "expected a space before the operator '%s'", t.Text)
		}
		if k := p.peek().Kind; k == TokEOF || k == TokRParen || k == TokComma || k == TokSemicolon {
			return nil, p.errorf(p.peek().Pos, "expected an operand after '%s', found %s", t.Text, p.peek().describe())
		}
		if !p.spaceBefore(p.i) && p.peek().Kind != TokLParen {
			return nil, p.errorf(p.peek().Pos, "expected a space after the operator '%s'", t.Text)
		}
		y, err := p.parseBinary(prec + 1)
		if err != nil {
			return nil, err
		}
		if err := p.count(t.Pos); err != nil {
			return nil, err
		}
		x = &BinaryExpr{P: t.Pos, Op: op, X: x, Y: y}
	}
}

// parseUnary:
//
//	unary = "not" RWS unary / "-" unary / postfix
func (p *parser) parseUnary() (Expr, error) {
	t := p.peek()
	switch {
	case isWord(t, "not") && (p.spaceBefore(p.i+1) || p.peekAt(1).Kind == TokLParen) && p.peekAt(1).Kind != TokEOF:
		p.next()
		if err := p.enter(t.Pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &UnaryExpr{P: t.Pos, Op: "not", X: x}, nil
	case t.Kind == TokMinus:
		p.next()
		if err := p.enter(t.Pos); err != nil {
			return nil, err
		}
		defer p.leave()
		// "-" directly before a number is part of the literal, so keys and
		// bounds such as -1 and -INF stay literals.
		if n := p.peek(); !p.spaceBefore(p.i) {
			switch {
			case n.Kind == TokInt || n.Kind == TokDecimal || n.Kind == TokDouble:
				p.next()
				return p.numberLiteral(t.Pos, "-"+n.Text, n.Kind)
			case n.Kind == TokIdent && n.Text == "INF":
				p.next()
				return &Literal{P: t.Pos, Kind: LitDouble, Raw: "-INF", Float: negInf()}, nil
			case n.Kind == TokDate || n.Kind == TokDateTimeOffset:
				// year = [ "-" ] ...: valid OData, but see checkYear.
				return nil, p.notImplemented(t.Pos, "-%s: negative years are not supported", n.Text)
			}
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &UnaryExpr{P: t.Pos, Op: "-", X: x}, nil
	}
	return p.parsePostfix()
}

// parsePostfix:
//
//	postfix = primary *( RWS ( "in" / "has" ) RWS primary )
func (p *parser) parsePostfix() (Expr, error) {
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if !(isWord(t, "in") || isWord(t, "has")) || !p.spaceBefore(p.i) {
			return x, nil
		}
		p.next()
		op := strings.ToLower(t.Text)
		var y Expr
		if op == "in" && p.peek().Kind == TokLParen {
			y, err = p.parseList()
		} else {
			y, err = p.parsePrimary()
		}
		if err != nil {
			return nil, err
		}
		if l, ok := y.(*ListExpr); ok && len(l.Items) > MaxInListLength {
			return nil, p.errorf(l.P, "'in' list has %d items; at most %d are allowed", len(l.Items), MaxInListLength)
		}
		if err := p.count(t.Pos); err != nil {
			return nil, err
		}
		x = &BinaryExpr{P: t.Pos, Op: op, X: x, Y: y}
	}
}

// parseList parses the right side of "in" that starts with "(":
//
//	list = "(" [ literal *( "," literal ) ] ")" / "(" expr ")"
//
// One parenthesized expression that is not a literal is just that
// expression (FirstName in (Names) is FirstName in Names).
func (p *parser) parseList() (Expr, error) {
	open := p.next()
	l := &ListExpr{P: open.Pos}
	if p.peek().Kind == TokRParen {
		p.next()
		return l, nil
	}
	if err := p.enter(open.Pos); err != nil {
		return nil, err
	}
	defer p.leave()
	for {
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, x)
		if p.peek().Kind == TokComma {
			p.next()
			continue
		}
		if _, err := p.expect(TokRParen, "to close the list"); err != nil {
			return nil, err
		}
		if len(l.Items) == 1 {
			if _, ok := x.(*Literal); !ok {
				return x, nil
			}
		}
		return l, p.literalItems(l)
	}
}

// literalItems checks that a list in parentheses holds only literals, as
// listExpr says; a list of expressions is written as an array [a,b].
func (p *parser) literalItems(l *ListExpr) error {
	for _, x := range l.Items {
		if _, ok := x.(*Literal); !ok {
			return p.errorf(x.Pos(), "expected a literal in the list, found %s: a list in parentheses holds only literals such as 'a' or 42 (use [...] for expressions)", x)
		}
	}
	return nil
}

// parsePrimary:
//
//	primary = literal / alias / "(" expr ")" / "(" list ")" / array / object
//	        / "case" "(" pairs ")" / call / path
func (p *parser) parsePrimary() (Expr, error) {
	t := p.peek()
	if err := p.count(t.Pos); err != nil {
		return nil, err
	}
	typeArgOK, listOK := p.typeArgOK, p.listOK
	p.typeArgOK, p.listOK = false, false
	switch t.Kind {
	case TokEOF:
		return nil, p.errorf(t.Pos, "expected an operand, found end of input")
	case TokString, TokJSONString, TokInt, TokDecimal, TokDouble, TokDate, TokDateTimeOffset,
		TokTimeOfDay, TokGuid, TokTypedLiteral:
		p.next()
		return p.literal(t)
	case TokAlias:
		if strings.ContainsAny(t.Text, ".#") {
			return nil, p.notImplemented(t.Pos, "annotations in queries (%s) are not supported", t.Text)
		}
		p.next()
		if p.peek().Kind == TokSlash && !p.spaceBefore(p.i) {
			// @alias/member: the alias stands for an instance ($this).
			return p.parsePathRest(&PathExpr{P: t.Pos, Segs: []*Segment{{P: t.Pos, Name: t.Text}}})
		}
		return &AliasExpr{P: t.Pos, Name: t.Text[1:]}, nil
	case TokLParen:
		p.next()
		if err := p.enter(t.Pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c.Kind == TokComma {
			// listExpr stands only right of "in" (parsePostfix); a
			// parameter alias may hold one too, for use there.
			if !listOK {
				return nil, p.errorf(c.Pos, "unexpected ',': a list in parentheses may only stand right of 'in'")
			}
			l := &ListExpr{P: t.Pos, Items: []Expr{x}}
			for p.peek().Kind == TokComma {
				p.next()
				y, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				l.Items = append(l.Items, y)
			}
			if _, err := p.expect(TokRParen, "to close the list"); err != nil {
				return nil, err
			}
			return l, p.literalItems(l)
		}
		if _, err := p.expect(TokRParen, "to close the parenthesis opened at position "+itoa(t.Pos+1)); err != nil {
			return nil, err
		}
		return x, nil
	case TokLBracket:
		return p.parseArray()
	case TokLBrace:
		return p.parseObject()
	case TokIdent:
		switch {
		case strings.EqualFold(t.Text, "true") || strings.EqualFold(t.Text, "false"):
			if p.peekAt(1).Kind != TokSlash && p.peekAt(1).Kind != TokLParen {
				p.next()
				return &Literal{P: t.Pos, Kind: LitBool, Raw: strings.ToLower(t.Text), Bool: strings.EqualFold(t.Text, "true")}, nil
			}
		case strings.EqualFold(t.Text, "null") && p.peekAt(1).Kind != TokSlash && p.peekAt(1).Kind != TokLParen:
			p.next()
			return &Literal{P: t.Pos, Kind: LitNull, Raw: "null"}, nil
		case t.Text == "INF" || t.Text == "NaN":
			p.next()
			return p.numberLiteral(t.Pos, t.Text, TokDouble)
		case strings.EqualFold(t.Text, "case") && p.peekAt(1).Kind == TokLParen:
			return p.parseCase()
		}
		return p.parsePathOrCall(typeArgOK)
	case TokStar:
		return nil, p.errorf(t.Pos, "'*' is not allowed in an expression")
	}
	return nil, p.errorf(t.Pos, "expected an operand, found %s", t.describe())
}

// parseCase:
//
//	case = "case" "(" expr ":" expr *( "," expr ":" expr ) ")"
func (p *parser) parseCase() (Expr, error) {
	t := p.next()
	p.next() // (
	c := &CaseExpr{P: t.Pos}
	for {
		cond, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(TokColon, "between a case condition and its value"); err != nil {
			return nil, err
		}
		val, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		c.Pairs = append(c.Pairs, CasePair{cond, val})
		if p.peek().Kind == TokComma {
			p.next()
			continue
		}
		if _, err := p.expect(TokRParen, "to close case("); err != nil {
			return nil, err
		}
		return c, nil
	}
}

// parseArray parses a JSON array literal whose items may be expressions.
//
//	array = "[" [ expr *( "," expr ) ] "]"
func (p *parser) parseArray() (Expr, error) {
	open := p.next()
	if err := p.enter(open.Pos); err != nil {
		return nil, err
	}
	defer p.leave()
	l := &ListExpr{P: open.Pos, Bracket: true}
	if p.peek().Kind == TokRBracket {
		p.next()
		return l, nil
	}
	for {
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, x)
		if p.peek().Kind == TokComma {
			p.next()
			continue
		}
		if _, err := p.expect(TokRBracket, "to close the array"); err != nil {
			return nil, err
		}
		return l, nil
	}
}

// parseObject keeps a JSON object literal as raw text: it is only valid as a
// function parameter, which this service has none of.
func (p *parser) parseObject() (Expr, error) {
	open := p.next()
	depth := 1
	for depth > 0 {
		t := p.next()
		switch t.Kind {
		case TokEOF:
			return nil, p.errorf(open.Pos, "unterminated JSON object")
		case TokLBrace:
			depth++
		case TokRBrace:
			depth--
		}
	}
	end := p.toks[p.i-1]
	return &ObjectExpr{P: open.Pos, Raw: p.input[open.Pos : end.Pos+1]}, nil
}

// parsePathOrCall:
//
//	call = identifier "(" [ expr *( "," expr ) ] ")"            ; first segment only
//	path = segment *( "/" segment )
//	segment = identifier [ "(" args ")" ] / "$count" / ( "any" / "all" ) "(" [ var ":" expr ] ")"
//
// typeArgOK allows a bare qualified name, which is only a type name: an
// argument of cast or isof.
func (p *parser) parsePathOrCall(typeArgOK bool) (Expr, error) {
	first := p.peek()
	// A function call: a name and "(" with nothing between. A qualified
	// name (Ns.Function) is a path segment with arguments instead.
	if p.peekAt(1).Kind == TokLParen && !p.spaceBefore(p.i+1) && !strings.Contains(first.Text, ".") &&
		!strings.HasPrefix(first.Text, "$") {
		if lower := strings.ToLower(first.Text); lower == "any" || lower == "all" {
			return nil, p.errorf(p.peekAt(1).Pos, "%s() must follow a collection path, as in Items/%s(x:x/Price gt 5)", first.Text, lower)
		}
		if first.Text == "aggregate" {
			return nil, p.errorf(p.peekAt(1).Pos, "aggregate() must follow a collection path, as in Sales/aggregate(Amount with sum), or $these for the current input set")
		}
		p.next()
		p.next()
		call := &CallExpr{P: first.Pos, Name: first.Text}
		if err := p.enter(first.Pos); err != nil {
			return nil, err
		}
		defer p.leave()
		typeArgs := strings.EqualFold(first.Text, "cast") || strings.EqualFold(first.Text, "isof")
		if p.peek().Kind != TokRParen {
			for {
				p.typeArgOK = typeArgs
				arg, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				call.Args = append(call.Args, arg)
				if p.peek().Kind == TokComma {
					p.next()
					continue
				}
				break
			}
		}
		if _, err := p.expect(TokRParen, "to close "+first.Text+"("); err != nil {
			return nil, err
		}
		if first.Text == "isdefined" {
			if err := p.checkIsDefined(call); err != nil {
				return nil, err
			}
		}
		if p.peek().Kind != TokSlash {
			return call, nil
		}
		// name(args)/more: a key or function segment starting a path.
		seg := &Segment{P: call.P, Name: call.Name, Parens: true, Args: call.Args}
		return p.parsePathRest(&PathExpr{P: call.P, Segs: []*Segment{seg}})
	}
	seg, err := p.parseSegment(true)
	if err != nil {
		return nil, err
	}
	x, err := p.parsePathRest(&PathExpr{P: first.Pos, Segs: []*Segment{seg}})
	if err != nil {
		return nil, err
	}
	// A member path starts with a property (never qualified) or a type
	// cast followed by "/": a lone Ns.Name is a function missing its
	// parentheses, or a type name outside cast/isof.
	if path, ok := x.(*PathExpr); ok && len(path.Segs) == 1 && !seg.Parens && !typeArgOK && strings.Contains(seg.Name, ".") {
		return nil, p.errorf(seg.P+len(seg.Name), "expected '(' after the function %s or '/' after the type cast, found %s", seg.Name, p.peek().describe())
	}
	return x, nil
}

func (p *parser) parsePathRest(path *PathExpr) (Expr, error) {
	for p.peek().Kind == TokSlash && !p.spaceBefore(p.i) {
		p.next()
		// Path/aggregate(...) and $these/aggregate(...): the aggregation
		// extension's collectionPathExpr. The keyword is case-sensitive
		// (%s"/aggregate"); without "(" it is a property like any other.
		if t := p.peek(); t.Kind == TokIdent && t.Text == "aggregate" && p.peekAt(1).Kind == TokLParen && !p.spaceBefore(p.i+1) {
			return p.parseAggregateExpr(path)
		}
		seg, err := p.parseSegment(false)
		if err != nil {
			return nil, err
		}
		path.Segs = append(path.Segs, seg)
	}
	return path, nil
}

// parseSegment parses one path segment.
func (p *parser) parseSegment(first bool) (*Segment, error) {
	t := p.peek()
	if t.Kind == TokAlias && !first {
		return nil, p.notImplemented(t.Pos, "annotations in queries (%s) are not supported", t.Text)
	}
	if t.Kind != TokIdent {
		if t.Kind == TokStar && !first {
			return nil, p.errorf(t.Pos, "'*' is not allowed in an expression path")
		}
		return nil, p.errorf(t.Pos, "expected a property or navigation name, found %s", t.describe())
	}
	switch t.Text {
	case "$filter", "$each", "$query":
		return nil, p.notImplemented(t.Pos, "the path segment %s is not supported", t.Text)
	}
	p.next()
	seg := &Segment{P: t.Pos, Name: t.Text}
	if p.peek().Kind != TokLParen || p.spaceBefore(p.i) {
		return seg, nil
	}
	if !first && (strings.EqualFold(t.Text, "any") || strings.EqualFold(t.Text, "all")) {
		lam, err := p.parseLambda(t)
		if err != nil {
			return nil, err
		}
		seg.Name = strings.ToLower(t.Text)
		seg.Lambda = lam
		return seg, nil
	}
	// name(args): key predicate or function parameters.
	p.next()
	seg.Parens = true
	if err := p.enter(t.Pos); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.peek().Kind == TokRParen {
		p.next()
		return seg, nil
	}
	for {
		if a := p.peek(); a.Kind == TokIdent && p.peekAt(1).Kind == TokEquals {
			p.next()
			p.next()
			v, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			seg.NamedArgs = append(seg.NamedArgs, NamedArg{P: a.Pos, Name: a.Text, Value: v})
		} else {
			v, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			seg.Args = append(seg.Args, v)
		}
		if p.peek().Kind == TokComma {
			p.next()
			continue
		}
		if _, err := p.expect(TokRParen, "to close "+t.Text+"("); err != nil {
			return nil, err
		}
		return seg, nil
	}
}

// parseLambda:
//
//	lambda = ( "any" / "all" ) "(" [ var ":" expr ] ")"   ; all needs the argument
func (p *parser) parseLambda(op Token) (*LambdaExpr, error) {
	p.next() // (
	lam := &LambdaExpr{P: op.Pos, Op: strings.ToLower(op.Text)}
	if p.peek().Kind == TokRParen {
		if lam.Op == "all" {
			return nil, p.errorf(p.peek().Pos, "all() needs a condition: all(x:condition)")
		}
		p.next()
		return lam, nil
	}
	v := p.peek()
	if v.Kind != TokIdent || strings.ContainsAny(v.Text, ".$") || p.peekAt(1).Kind != TokColon {
		return nil, p.errorf(v.Pos, "expected a lambda variable and ':' in %s(v:condition), found %s", lam.Op, v.describe())
	}
	p.next()
	p.next()
	if err := p.enter(v.Pos); err != nil {
		return nil, err
	}
	defer p.leave()
	body, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(TokRParen, "to close "+lam.Op+"("); err != nil {
		return nil, err
	}
	lam.Var, lam.Body = v.Text, body
	return lam, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
