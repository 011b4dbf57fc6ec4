package query

// parseGroupBy:
//
//	groupby = "groupby" "(" "(" element *( "," element ) ")" [ "," applyExpr ] ")"
//	element = groupingProperty / rollup / rolluprecursive
func (a *applyParser) parseGroupBy(name Token) (Transform, error) {
	g := &ApplyGroupBy{P: name.Pos}
	open := a.peek()
	if open.Kind != TokLParen {
		return nil, a.errorf(open.Pos, "groupby takes its grouping properties in parentheses, as in groupby((Name),aggregate($count as Count)); found %s", open.describe())
	}
	a.next()
	if a.atClose() {
		return nil, a.errorf(a.peek().Pos, "groupby needs at least one grouping property between the parentheses")
	}
	for {
		t := a.peek()
		switch {
		case a.isCall("rollup"):
			r, err := a.parseRollup()
			if err != nil {
				return nil, err
			}
			g.Rollup = append(g.Rollup, r)
		case a.isCall("rolluprecursive"):
			r, err := a.parseRollupRecursive()
			if err != nil {
				return nil, err
			}
			g.Rollup = append(g.Rollup, r)
		default:
			path, err := a.parseGroupPath("a grouping property", false)
			if err != nil {
				return nil, err
			}
			g.Props = append(g.Props, path)
		}
		n := a.peek()
		if n.Kind == TokComma {
			a.next()
			continue
		}
		if n.Kind != TokRParen {
			return nil, a.errorf(n.Pos, "expected ',' or ')' after the grouping property at position %d, found %s", t.Pos+1, n.describe())
		}
		a.next()
		break
	}
	if a.peek().Kind == TokComma {
		a.next()
		then, err := a.pipeline(false)
		if err != nil {
			return nil, err
		}
		g.Then = then
	}
	return g, nil
}

// isCall reports the keyword w directly followed by "(".
func (a *applyParser) isCall(w string) bool {
	t := a.peek()
	return t.Kind == TokIdent && t.Text == w && a.peekAt(1).Kind == TokLParen && !a.spaceBefore(a.i+1)
}

// parseRollup:
//
//	rollup = "rollup" "(" ( groupingProperty 1*( "," groupingProperty ) / hierarchyQualifier ) ")"
//
// One plain name is the qualifier of an Aggregation.LeveledHierarchy
// annotation; a leveled rollup needs at least two paths.
func (a *applyParser) parseRollup() (*RollupItem, error) {
	kw := a.next()
	open := a.next()
	if err := a.enter(open.Pos); err != nil {
		return nil, err
	}
	defer a.leave()
	r := &RollupItem{P: kw.Pos}
	if a.atClose() {
		return nil, a.errorf(a.peek().Pos, "rollup() needs at least two grouping properties, or the name of a leveled hierarchy")
	}
	props, err := a.parseGroupPaths("a rollup property")
	if err != nil {
		return nil, err
	}
	if len(props) == 1 {
		if len(props[0].Segs) > 1 || isCast(props[0].Segs[0]) {
			return nil, a.errorf(props[0].P, "rollup needs at least two grouping properties, or the name of a leveled hierarchy")
		}
		r.Named = props[0].Segs[0]
	} else {
		r.Props = props
	}
	if t := a.peek(); t.Kind != TokRParen {
		return nil, a.errorf(t.Pos, "expected ',' or ')' in rollup( opened at position %d, found %s", open.Pos+1, t.describe())
	}
	a.next()
	return r, nil
}

// parseRollupRecursive keeps its arguments as text once they parse:
//
//	rolluprecursive = "rolluprecursive" "(" hierarchy [ "," preservingTrafos ] ")"
func (a *applyParser) parseRollupRecursive() (*RollupItem, error) {
	kw := a.next()
	open := a.next()
	if err := a.enter(open.Pos); err != nil {
		return nil, err
	}
	defer a.leave()
	start := a.peek().Pos
	if err := a.parseHierarchy(); err != nil {
		return nil, err
	}
	if a.peek().Kind == TokComma {
		a.next()
		if _, err := a.pipeline(true); err != nil {
			return nil, err
		}
	}
	t := a.peek()
	if t.Kind != TokRParen {
		return nil, a.errorf(t.Pos, "expected ')' to close rolluprecursive( opened at position %d, found %s", open.Pos+1, t.describe())
	}
	a.next()
	return &RollupItem{P: kw.Pos, Recursive: true, Text: trimBlanks(a.input[start:t.Pos])}, nil
}

func trimBlanks(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
