package query

import (
	"sort"
	"strings"
)

// The $apply grammar (OData Data Aggregation 4.0, odata-aggregation-abnf).
// Its keywords are written %s"..." in the ABNF, so unlike the core
// grammar's words they are case-sensitive: groupby, not GroupBy. The
// parser is model-free: whether Sales is a collection or Forecast a custom
// aggregate is the binder's question.

// ParseApply parses a decoded $apply value into its transformations.
//
//	apply = applyTrafo *( "/" applyTrafo )
//
// The text inside search(...) follows the $search grammar, not the token
// grammar: a word may hold an apostrophe (O'Brien) or a '!', which the
// lexer refuses. When lexing fails, parsing starts on the tokens before the
// failure; if a search(...) covers the spot, its scan re-lexes the rest
// and the lexer's error is forgotten, otherwise it is the answer.
func ParseApply(input string) ([]Transform, error) {
	toks, lexErr := lex("$apply", input)
	var pending *SyntaxError
	if lexErr != nil {
		se, ok := lexErr.(*SyntaxError)
		if !ok {
			return nil, lexErr
		}
		prefix, err := lex("$apply", input[:se.Pos])
		if err != nil {
			return nil, lexErr
		}
		toks, pending = prefix, se
	}
	p := &parser{option: "$apply", input: input, toks: toks}
	if p.peek().Kind == TokEOF {
		if pending != nil {
			return nil, pending
		}
		return nil, p.errorf(0, "$apply needs a transformation, such as groupby((Name),aggregate($count as Total))")
	}
	a := &applyParser{parser: p}
	ts, err := a.pipeline(false)
	if err == nil {
		if t := p.peek(); t.Kind != TokEOF {
			err = p.errorf(t.Pos, "expected '/' before the next transformation, found %s", t.describe())
		}
	}
	if pending != nil && !a.rescanned {
		// The parse ran on a truncated token list: a success or an error
		// at the cut means nothing, an error before it is genuine.
		if se, ok := err.(*SyntaxError); !ok || se.Pos >= pending.Pos {
			return nil, pending
		}
	}
	if err != nil {
		return nil, err
	}
	return ts, nil
}

// parseApply reads one applyExpr and stops before anything that cannot
// continue it, so a nested $apply inside $expand ends at ';' or ')'.
func (p *parser) parseApply() ([]Transform, error) {
	a := &applyParser{parser: p}
	return a.pipeline(false)
}

// applyParser counts the transformations of one $apply value, across all
// its nested pipelines, against MaxApplyTransforms.
type applyParser struct {
	*parser
	steps int
	// rescanned is set once search(...) has read its text from the input
	// itself: from there on the first lexing of the input no longer
	// stands, its tokens being replaced or its error judged by ParseSearch.
	rescanned bool
}

// pipeline reads transformations separated by "/". With preserving set,
// only those that keep the input's structure are allowed, as after a
// hierarchy reference (preservingTrafos).
//
//	applyExpr        = applyTrafo *( "/" applyTrafo )
//	preservingTrafos = preservingTrafo *( "/" preservingTrafo )
func (a *applyParser) pipeline(preserving bool) ([]Transform, error) {
	if err := a.enter(a.peek().Pos); err != nil {
		return nil, err
	}
	defer a.leave()
	var ts []Transform
	for {
		t, err := a.transform(preserving)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
		if a.peek().Kind != TokSlash {
			return ts, nil
		}
		a.next()
	}
}

// trafo describes one transformation keyword.
type trafo struct {
	// preserving transformations keep the structure of their input
	// (preservingTrafo in the grammar).
	preserving bool
	// parse reads what stands between the parentheses, which transform
	// has consumed and checks.
	parse func(a *applyParser, name Token) (Transform, error)
}

// trafos maps each keyword to its parser. It is filled in init because
// some parsers read nested pipelines, which look this table up again.
var trafos map[string]trafo

func init() {
	topN := trafo{true, (*applyParser).parseTopN}
	other := func(preserving bool, parse func(*applyParser) error) trafo {
		return trafo{preserving, func(a *applyParser, name Token) (Transform, error) {
			// The caller fills in Text once the closing parenthesis is read.
			return &ApplyOther{P: name.Pos, Name: name.Text}, parse(a)
		}}
	}
	trafos = map[string]trafo{
		"aggregate":     {false, (*applyParser).parseAggregate},
		"groupby":       {false, (*applyParser).parseGroupBy},
		"compute":       {false, (*applyParser).parseComputeTrafo},
		"concat":        {false, (*applyParser).parseConcat},
		"filter":        {true, (*applyParser).parseFilterTrafo},
		"orderby":       {true, (*applyParser).parseOrderByTrafo},
		"search":        {true, (*applyParser).parseSearchTrafo},
		"top":           {true, (*applyParser).parseTopSkip},
		"skip":          {true, (*applyParser).parseTopSkip},
		"topcount":      topN,
		"topsum":        topN,
		"toppercent":    topN,
		"bottomcount":   topN,
		"bottomsum":     topN,
		"bottompercent": topN,
		"nest":          other(false, (*applyParser).parseNest),
		"addnested":     other(false, (*applyParser).parseAddNested),
		"join":          other(false, (*applyParser).parseJoin),
		"outerjoin":     other(false, (*applyParser).parseJoin),
		"ancestors":     other(true, (*applyParser).parseAncestors),
		"descendants":   other(true, (*applyParser).parseAncestors),
		"traverse":      other(true, (*applyParser).parseTraverse),
		// identity has no parentheses; transform handles it.
		"identity": {true, nil},
	}
}

// trafoNames lists the keywords for messages, sorted.
func trafoNames() string {
	names := make([]string, 0, len(trafos))
	for n := range trafos {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// isCustomFunction reports a namespace-qualified name, which in $apply can
// only be a custom function (customFunction).
func isCustomFunction(t Token) bool {
	return t.Kind == TokIdent && strings.Contains(t.Text, ".") && !strings.HasPrefix(t.Text, "$") && !strings.HasSuffix(t.Text, "*")
}

// transform reads one applyTrafo.
func (a *applyParser) transform(preserving bool) (Transform, error) {
	t := a.peek()
	if t.Kind != TokIdent {
		return nil, a.errorf(t.Pos, "expected a transformation such as filter(...), groupby(...) or aggregate(...), found %s", t.describe())
	}
	a.steps++
	if a.steps > MaxApplyTransforms {
		return nil, a.errorf(t.Pos, "$apply has more than %d transformations", MaxApplyTransforms)
	}
	if err := a.count(t.Pos); err != nil {
		return nil, err
	}
	var tr trafo
	switch {
	case isCustomFunction(t):
		tr = trafo{true, func(a *applyParser, name Token) (Transform, error) {
			return &ApplyOther{P: name.Pos, Name: name.Text}, a.parseCustomFunction()
		}}
	default:
		var ok bool
		tr, ok = trafos[t.Text]
		if !ok {
			for name := range trafos {
				if strings.EqualFold(name, t.Text) {
					return nil, a.errorf(t.Pos, "unknown transformation '%s': transformation names are case-sensitive, write %s", t.Text, name)
				}
			}
			return nil, a.errorf(t.Pos, "unknown transformation '%s': $apply takes %s, or a namespace-qualified custom function", t.Text, trafoNames())
		}
	}
	if preserving && !tr.preserving {
		return nil, a.errorf(t.Pos, "%s is not allowed here: a hierarchy takes only transformations that keep their input's structure (filter, search, orderby, skip, top, topcount and the like, identity, ancestors, descendants, traverse, custom functions)", t.Text)
	}
	a.next()
	open := a.peek()
	if t.Text == "identity" {
		if open.Kind == TokLParen && !a.spaceBefore(a.i) {
			return nil, a.errorf(open.Pos, "identity takes no parentheses")
		}
		return &ApplyIdentity{P: t.Pos}, nil
	}
	if open.Kind != TokLParen {
		return nil, a.errorf(open.Pos, "expected '(' after %s, found %s", t.Text, open.describe())
	}
	if a.spaceBefore(a.i) {
		return nil, a.errorf(open.Pos, "unexpected space between %s and '('", t.Text)
	}
	a.next()
	if err := a.enter(open.Pos); err != nil {
		return nil, err
	}
	defer a.leave()
	x, err := tr.parse(a, t)
	if err != nil {
		return nil, err
	}
	closing := a.peek()
	if closing.Kind != TokRParen {
		return nil, a.errorf(closing.Pos, "expected ')' to close %s( opened at position %d, found %s", t.Text, open.Pos+1, closing.describe())
	}
	a.next()
	if o, ok := x.(*ApplyOther); ok {
		o.Text = a.input[t.Pos : closing.Pos+1]
	}
	return x, nil
}

// atClose reports whether the next token is ')', for "needs an argument"
// messages that are clearer than "expected X, found ')'".
func (a *applyParser) atClose() bool { return a.peek().Kind == TokRParen || a.peek().Kind == TokEOF }

// parseFilterTrafo:
//
//	filter = "filter" "(" boolCommonExpr ")"
func (a *applyParser) parseFilterTrafo(name Token) (Transform, error) {
	if a.atClose() {
		return nil, a.errorf(a.peek().Pos, "filter() needs a condition, such as filter(Amount gt 100)")
	}
	x, err := a.parseExpr()
	if err != nil {
		return nil, err
	}
	return &ApplyFilter{P: name.Pos, Expr: x}, nil
}

// parseOrderByTrafo:
//
//	orderby = "orderby" "(" orderbyItem *( "," orderbyItem ) ")"
func (a *applyParser) parseOrderByTrafo(name Token) (Transform, error) {
	items, err := a.parseOrderBy()
	if err != nil {
		return nil, err
	}
	return &ApplyOrderBy{P: name.Pos, Items: items}, nil
}

// parseComputeTrafo:
//
//	compute = "compute" "(" commonExpr "as" alias *( "," commonExpr "as" alias ) ")"
func (a *applyParser) parseComputeTrafo(name Token) (Transform, error) {
	if a.atClose() {
		return nil, a.errorf(a.peek().Pos, "compute() needs an expression and a name, such as compute(year(Started) as Year)")
	}
	items, err := a.parseCompute()
	if err != nil {
		return nil, err
	}
	return &ApplyCompute{P: name.Pos, Items: items}, nil
}

// parseTopSkip:
//
//	top  = "top" "(" 1*DIGIT ")"
//	skip = "skip" "(" 1*DIGIT ")"
//
// MaxSkip applies as to $skip, for the same reason: skipped rows are read
// and thrown away. top(n) only bounds the result and needs no limit of
// its own beyond MaxTop.
func (a *applyParser) parseTopSkip(name Token) (Transform, error) {
	t := a.peek()
	if t.Kind != TokInt || !isDigit(t.Text[0]) {
		return nil, a.errorf(t.Pos, "%s() takes a non-negative integer, found %s", name.Text, t.describe())
	}
	a.next()
	var n int64
	for _, c := range t.Text {
		n = n*10 + int64(c-'0')
		if n > 1<<53 {
			return nil, a.errorf(t.Pos, "%s(%s) is too large", name.Text, t.Text)
		}
	}
	if name.Text == "top" {
		if n > MaxTop {
			return nil, a.errorf(t.Pos, "top(%d) asks for more than %d rows", n, MaxTop)
		}
		return &ApplyTop{P: name.Pos, N: n}, nil
	}
	if n > MaxSkip {
		return nil, a.errorf(t.Pos, "skip(%d) skips more than %d rows", n, MaxSkip)
	}
	return &ApplySkip{P: name.Pos, N: n}, nil
}

// parseTopN reads topcount, topsum, toppercent and their bottom twins:
//
//	topcount = "topcount" "(" collectionExpr "," commonExpr ")"
//
// collectionExpr is a commonExpr over the whole input ($these); that it
// names no single-instance member is for the binder to check.
func (a *applyParser) parseTopN(name Token) (Transform, error) {
	if a.atClose() {
		return nil, a.errorf(a.peek().Pos, "%s() needs a number and a value, as in %s(5,Amount)", name.Text, name.Text)
	}
	n, err := a.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := a.peek(); t.Kind != TokComma {
		return nil, a.errorf(t.Pos, "expected ',' and the value to rank by after the first argument of %s, found %s", name.Text, t.describe())
	}
	a.next()
	v, err := a.parseExpr()
	if err != nil {
		return nil, err
	}
	return &ApplyTopN{P: name.Pos, Name: name.Text, N: n, Value: v}, nil
}

// parseConcat:
//
//	concat = "concat" "(" applyExpr 1*( "," applyExpr ) ")"
func (a *applyParser) parseConcat(name Token) (Transform, error) {
	c := &ApplyConcat{P: name.Pos}
	for {
		seq, err := a.pipeline(false)
		if err != nil {
			return nil, err
		}
		c.Seqs = append(c.Seqs, seq)
		if a.peek().Kind != TokComma {
			break
		}
		a.next()
	}
	if len(c.Seqs) < 2 {
		return nil, a.errorf(a.peek().Pos, "concat needs at least two transformation sequences separated by ',', found %s", a.peek().describe())
	}
	return c, nil
}

// parseSearchTrafo hands the text between the parentheses to the $search
// parser, whose words are not expression tokens:
//
//	search = "search" "(" ( searchExpr / searchExpr-incomplete ) ")"
//
// The tokens the lexer made of that text may be wrong (an apostrophe in a
// word starts a string for the lexer), so the text is delimited by the
// $search grammar's own rules and the input after it is lexed afresh.
func (a *applyParser) parseSearchTrafo(name Token) (Transform, error) {
	start := a.toks[a.i-1].Pos + 1 // after the "(" that transform consumed
	end := searchEnd(a.input, start)
	text := a.input[start:end]
	if trimBlanks(text) == "" {
		return nil, a.errorf(start, "search() needs a word or phrase, such as search(coffee)")
	}
	a.rescanned = true
	s, err := ParseSearch(a.option, text, start)
	if err != nil {
		if se, ok := err.(*SyntaxError); ok {
			// Positions are already shifted by start; the excerpt must
			// come from the same text.
			se.Input = a.input
		}
		return nil, err
	}
	if err := a.relexFrom(end); err != nil {
		return nil, err
	}
	return &ApplySearch{P: name.Pos, Expr: s}, nil
}

// searchEnd returns the offset of the ")" that closes search text
// starting at start, reading as ParseSearch does: a leading single quote
// starts the quoted form (a doubled quote stays inside), double-quoted
// phrases may hold parentheses and backslash escapes, and words hold
// neither parentheses nor quotes, so other parentheses simply nest. It
// returns len(s) when nothing closes the text.
func searchEnd(s string, start int) int {
	i := start
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i < len(s) && s[i] == '\'' {
		for i++; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					i++
					continue
				}
				break
			}
		}
		// Text after the closing quote is ParseSearch's to refuse.
		for i < len(s) && s[i] != ')' {
			i++
		}
		return i
	}
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return len(s)
}

// relexFrom replaces the tokens from the current one on with a fresh lex
// of the input from pos.
func (a *applyParser) relexFrom(pos int) error {
	toks, err := lex(a.option, a.input[pos:])
	if err != nil {
		if se, ok := err.(*SyntaxError); ok {
			se.Pos += pos
			se.Input = a.input
		}
		return err
	}
	for i := range toks {
		toks[i].Pos += pos
	}
	a.toks = append(a.toks[:a.i:a.i], toks...)
	return nil
}
