package query

import "strings"

// The transformations in this file parse completely, so a malformed one is
// a 400 with a position, but they become ApplyOther: the feed executes
// none of them (the binder answers 501), and keeping their source text is
// all a message needs.

// parseHierarchy reads a reference to a recursive hierarchy:
//
//	hierarchy = rootExpr "," qualifier "," nodePath
//	nodePath  = [ cast "/" ] property *( "/" [ cast "/" ] property )
func (a *applyParser) parseHierarchy() error {
	t := a.peek()
	if t.Kind != TokIdent || t.Text != "$root" {
		return a.errorf(t.Pos, "expected the hierarchy's nodes as a $root path, such as $root/Organizations, found %s", t.describe())
	}
	x, err := a.parseExpr()
	if err != nil {
		return err
	}
	if _, ok := x.(*PathExpr); !ok {
		return a.errorf(x.Pos(), "expected the hierarchy's nodes as a $root path, such as $root/Organizations, found %s", x)
	}
	if err := a.comma("after the hierarchy's nodes"); err != nil {
		return err
	}
	q := a.peek()
	if q.Kind != TokIdent || strings.ContainsAny(q.Text, ".$*") {
		return a.errorf(q.Pos, "expected the qualifier of the hierarchy, found %s", q.describe())
	}
	a.next()
	if err := a.comma("after the hierarchy qualifier"); err != nil {
		return err
	}
	_, err = a.parseGroupPath("the hierarchy's node property path", false)
	return err
}

// comma consumes "," or fails naming where it was expected.
func (a *applyParser) comma(where string) error {
	t := a.peek()
	if t.Kind != TokComma {
		return a.errorf(t.Pos, "expected ',' %s, found %s", where, t.describe())
	}
	a.next()
	return nil
}

// parseAncestors reads ancestors and descendants:
//
//	ancestors = "ancestors" "(" hierarchy "," preservingTrafos [ "," 1*DIGIT ] [ "," "keep start" ] ")"
func (a *applyParser) parseAncestors() error {
	if err := a.parseHierarchy(); err != nil {
		return err
	}
	if err := a.comma("and the transformations that select the start nodes"); err != nil {
		return err
	}
	if _, err := a.pipeline(true); err != nil {
		return err
	}
	distance := false
	for a.peek().Kind == TokComma {
		a.next()
		t := a.peek()
		switch {
		case t.Kind == TokInt && isDigit(t.Text[0]) && !distance:
			a.next()
			distance = true
		case isWordExactly(t, "keep"):
			return a.keepStart()
		default:
			if distance {
				return a.errorf(t.Pos, "expected 'keep start', found %s", t.describe())
			}
			return a.errorf(t.Pos, "expected a maximum distance (an integer) or 'keep start', found %s", t.describe())
		}
	}
	return nil
}

// keepStart reads the two words "keep start", one space apart as the
// grammar spells them.
func (a *applyParser) keepStart() error {
	keep := a.next()
	start := a.peek()
	if !isWordExactly(start, "start") || start.Pos != keep.Pos+len("keep ") {
		return a.errorf(keep.Pos, "expected 'keep start'")
	}
	a.next()
	return nil
}

// parseTraverse:
//
//	traverse = "traverse" "(" hierarchy "," ( "preorder" / "postorder" )
//	           [ "," preservingTrafos ] [ "," orderbyItem *( "," orderbyItem ) ] ")"
//
// After the order, a transformation keyword directly followed by "(" (or
// identity) starts transformations; anything else starts the sort order.
func (a *applyParser) parseTraverse() error {
	if err := a.parseHierarchy(); err != nil {
		return err
	}
	if err := a.comma("and preorder or postorder"); err != nil {
		return err
	}
	if t := a.peek(); !isWordExactly(t, "preorder") && !isWordExactly(t, "postorder") {
		return a.errorf(t.Pos, "expected preorder or postorder, found %s", t.describe())
	}
	a.next()
	if a.peek().Kind != TokComma {
		return nil
	}
	a.next()
	if a.startsTransform() {
		if _, err := a.pipeline(true); err != nil {
			return err
		}
		if a.peek().Kind != TokComma {
			return nil
		}
		a.next()
	}
	_, err := a.parseOrderBy()
	return err
}

// startsTransform reports whether the next tokens begin a transformation
// rather than an expression.
func (a *applyParser) startsTransform() bool {
	t := a.peek()
	if t.Kind != TokIdent {
		return false
	}
	if t.Text == "identity" {
		k := a.peekAt(1).Kind
		return k == TokSlash || k == TokComma || k == TokRParen
	}
	_, known := trafos[t.Text]
	return (known || isCustomFunction(t)) && a.peekAt(1).Kind == TokLParen && !a.spaceBefore(a.i+1)
}

// parseNest:
//
//	nest     = "nest" "(" nestItem *( "," nestItem ) ")"
//	nestItem = applyExpr "as" alias
func (a *applyParser) parseNest() error {
	for {
		if _, err := a.pipeline(false); err != nil {
			return err
		}
		t := a.peek()
		ok, err := a.keyword("as")
		if err != nil {
			return err
		}
		if !ok {
			return a.errorf(t.Pos, "expected 'as' and a name for the nested result, found %s", t.describe())
		}
		if _, err := a.parseAlias(); err != nil {
			return err
		}
		if a.peek().Kind != TokComma {
			return nil
		}
		a.next()
	}
}

// parseAddNested:
//
//	addnested = "addnested" "(" nestPath "," nestItem *( "," nestItem ) ")"
//
// The path may end in a type cast of its navigation property.
func (a *applyParser) parseAddNested() error {
	if _, err := a.parseGroupPath("the path of addnested", true); err != nil {
		return err
	}
	if err := a.comma("after the path of addnested"); err != nil {
		return err
	}
	return a.parseNest()
}

// parseJoin reads join and outerjoin:
//
//	join         = "join" "(" joinProperty "as" alias [ "," applyExpr ] ")"
//	joinProperty = property [ "/" cast ] / annotation
func (a *applyParser) parseJoin() error {
	t := a.peek()
	if t.Kind == TokAlias {
		return a.notImplemented(t.Pos, "annotations in queries (%s) are not supported", t.Text)
	}
	g, err := a.parseGroupPath("the joined property", true)
	if err != nil {
		return err
	}
	if isCast(g.Segs[0]) || len(g.Segs) > 2 || (len(g.Segs) == 2 && !isCast(g.Segs[1])) {
		return a.errorf(g.P, "join takes one collection-valued property, optionally cast to a derived type, as in join(Sales as Sale)")
	}
	as := a.peek()
	ok, err := a.keyword("as")
	if err != nil {
		return err
	}
	if !ok {
		return a.errorf(as.Pos, "expected 'as' and a name for the joined instances, found %s", as.describe())
	}
	if _, err := a.parseAlias(); err != nil {
		return err
	}
	if a.peek().Kind != TokComma {
		return nil
	}
	a.next()
	_, err = a.pipeline(false)
	return err
}

// parseCustomFunction reads the parameters of a bound function used as a
// transformation:
//
//	customFunction = namespace "." name "(" [ param "=" value *( "," param "=" value ) ] ")"
func (a *applyParser) parseCustomFunction() error {
	if a.peek().Kind == TokRParen {
		return nil
	}
	for {
		n := a.peek()
		if n.Kind != TokIdent || strings.ContainsAny(n.Text, ".$*") || a.peekAt(1).Kind != TokEquals {
			return a.errorf(n.Pos, "expected a parameter as name=value, found %s", n.describe())
		}
		a.next()
		a.next()
		if _, err := a.parseExpr(); err != nil {
			return err
		}
		if a.peek().Kind != TokComma {
			return nil
		}
		a.next()
	}
}
