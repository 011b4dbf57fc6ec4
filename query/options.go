package query

import (
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed"
)

// Options are the query options that can appear at the top level and nested
// inside $expand or $select.
type Options struct {
	Filter  Expr
	Search  SearchExpr
	OrderBy []*OrderItem
	Select  []*SelectItem
	Expand  []*ExpandItem
	Compute []*ComputeItem
	Apply   []Transform
	Top     *int64
	Skip    *int64
	Count   *bool
	// Levels is the $levels of an expand item: 0 when absent, -1 for max.
	Levels int
	// Given lists the option names present, in order.
	Given []string
}

// OrderItem is one key of $orderby.
type OrderItem struct {
	P    int
	Expr Expr
	Desc bool
}

// SelectItem is one item of $select: a property path, "*", or "Ns.*".
type SelectItem struct {
	P       int
	Path    []string
	Star    bool
	Options *Options
}

// ExpandItem is one item of $expand.
type ExpandItem struct {
	P       int
	Path    []string
	PathPos []int
	Star    bool
	Ref     bool
	Count   bool
	Options *Options
}

// ComputeItem is "expr as alias" in $compute.
type ComputeItem struct {
	P     int
	Expr  Expr
	Alias string
}

// Query is a parsed query string.
type Query struct {
	Options
	Format    string
	SkipToken string
	// Aliases maps a parameter alias name (without @) to its value.
	Aliases map[string]Expr
	// Texts holds the decoded text of each option, by canonical name, and
	// of each parameter alias, by "@name", for error messages raised after
	// parsing (binding) and for fingerprinting a query.
	Texts map[string]string
	// Custom lists the names of custom options; they are ignored (Power
	// BI's API-key parameter arrives as one).
	Custom []string
}

// systemOptions maps a lower-case option name, with or without "$" (OData
// 4.01 lets clients drop the prefix and ignores case), to its canonical form.
var systemOptions = map[string]string{}

// implementedOptions may appear in a request; the rest parse as "known but
// not offered" and answer 501.
var implementedOptions = map[string]bool{
	"$filter": true, "$select": true, "$expand": true, "$orderby": true, "$top": true,
	"$skip": true, "$count": true, "$search": true, "$format": true, "$compute": true,
	"$apply": true, "$skiptoken": true,
}

// noDollarToo are options this feed does not offer whose 4.01 name may
// drop the '$' (systemQueryOption in the ABNF): index=1 must answer 501 like
// $index=1, not be ignored as a custom option.
var noDollarToo = map[string]bool{"$index": true, "$schemaversion": true, "$id": true}

func init() {
	for _, n := range []string{"$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$count",
		"$search", "$format", "$compute", "$apply", "$skiptoken", "$index", "$schemaversion",
		"$deltatoken", "$id", "$levels", "$at", "$from", "$to", "$toInclusive"} {
		systemOptions[strings.ToLower(n)] = n
		if implementedOptions[n] || noDollarToo[n] {
			systemOptions[strings.ToLower(n[1:])] = n
		}
	}
}

// ParseQuery parses a raw (still percent-encoded) query string.
func ParseQuery(raw string) (*Query, error) {
	q := &Query{Aliases: map[string]Expr{}, Texts: map[string]string{}}
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		// net/http never passes one: a raw '#' starts the fragment.
		return nil, optionError("query string", fmt.Sprintf("unexpected '#' at position %d: write it as %%23", i+1))
	}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, err := PercentDecode(rawName)
		if err != nil {
			return nil, optionError("query string", err.Error())
		}
		value, semis, err := percentDecode(rawValue)
		if err != nil {
			return nil, optionError(name, err.Error())
		}
		if strings.HasPrefix(name, "@") {
			if err := q.addAlias(name, value); err != nil {
				return nil, err
			}
			continue
		}
		canon, ok := systemOptions[strings.ToLower(name)]
		if !ok {
			if trimmed := strings.TrimSpace(name); trimmed != name && systemOptions[strings.ToLower(trimmed)] != "" {
				return nil, optionError(trimmed, fmt.Sprintf("unexpected space in the option name %q: write %s=value", name, trimmed))
			}
			if strings.HasPrefix(name, "$") {
				msg := fmt.Sprintf("unknown system query option %s", name)
				if strings.EqualFold(name, "$inlinecount") {
					msg += "; OData v4 uses $count=true"
				}
				return nil, &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: name, Message: msg}
			}
			q.Custom = append(q.Custom, name)
			continue
		}
		if _, dup := q.Texts[canon]; dup {
			return nil, optionError(canon, canon+" is given more than once")
		}
		q.Texts[canon] = value
		if !implementedOptions[canon] {
			return nil, &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: canon,
				Message: canon + " is not supported by this read-only feed"}
		}
		if err := q.parseOption(canon, value, semis); err != nil {
			return nil, err
		}
	}
	return q, nil
}

func optionError(option, msg string) *ccfeed.Error {
	return &ccfeed.Error{Code: ccfeed.EINVALID, Target: option, Message: msg}
}

func (q *Query) addAlias(name, value string) error {
	alias := name[1:]
	if alias == "" || !isIdentStart(rune(alias[0])) {
		return optionError(name, "malformed parameter alias name "+name)
	}
	if _, dup := q.Aliases[alias]; dup {
		return optionError(name, "parameter alias "+name+" is given more than once")
	}
	p, err := newParser(name, value)
	if err != nil {
		return err
	}
	if p.peek().Kind == TokEOF {
		return p.errorf(0, "expected a value for %s, found nothing", name)
	}
	// A list in parentheses is kept for use right of "in".
	p.listOK = true
	x, err := p.parseExpr()
	if err != nil {
		return err
	}
	if err := p.atEnd(); err != nil {
		return err
	}
	q.Aliases[alias] = x
	q.Texts[name] = value
	return nil
}

// parseOption parses the decoded value of a system query option; semis
// are the offsets of ';' that arrived as %3B.
func (q *Query) parseOption(name, value string, semis map[int]bool) error {
	switch name {
	case "$format", "$skiptoken", "$search":
	default:
		if value != "" && (value[0] == ' ' || value[0] == '\t') {
			return &SyntaxError{Option: name, Input: value, Pos: 0, Msg: "unexpected space after '='"}
		}
	}
	switch name {
	case "$format":
		q.Format = value
		q.Given = append(q.Given, name)
		return nil
	case "$skiptoken":
		q.SkipToken = value
		// Listed so a token sent where no paging happens (an entity, a
		// property, /$count) is refused rather than silently ignored.
		q.Given = append(q.Given, name)
		return nil
	case "$search":
		// A raw ';' ends a $search value in the grammar (it separates
		// nested options); an encoded %3B is part of a word.
		for i := 0; i < len(value); i++ {
			if value[i] == ';' && !semis[i] {
				return &SyntaxError{Option: name, Input: value, Pos: i, Msg: "unexpected ';': write a ';' in $search as %3B"}
			}
		}
		s, err := ParseSearch(name, value, 0)
		if err != nil {
			return err
		}
		q.Search = s
		q.Given = append(q.Given, name)
		return nil
	case "$apply":
		t, err := ParseApply(value)
		if err != nil {
			return err
		}
		q.Apply = t
		q.Given = append(q.Given, name)
		return nil
	}
	p, err := newParser(name, value)
	if err != nil {
		return err
	}
	p.encodedSemis = semis
	if err := p.parseOptionValue(name, &q.Options); err != nil {
		return err
	}
	return p.atEnd()
}

// parseOptionValue parses the value of one option into o; it stops before
// ';' or an unmatched ')' so it serves nested options too.
func (p *parser) parseOptionValue(name string, o *Options) error {
	o.Given = append(o.Given, name)
	switch name {
	case "$filter":
		if p.atValueEnd() {
			return p.errorf(p.peek().Pos, "$filter needs an expression")
		}
		x, err := p.parseExpr()
		o.Filter = x
		return err
	case "$orderby":
		items, err := p.parseOrderBy()
		o.OrderBy = items
		return err
	case "$select":
		items, err := p.parseSelect()
		o.Select = items
		return err
	case "$expand":
		items, err := p.parseExpand(0)
		o.Expand = items
		return err
	case "$compute":
		items, err := p.parseCompute()
		o.Compute = items
		return err
	case "$top", "$skip":
		n, err := p.parseNonNegative(name)
		if name == "$top" {
			o.Top = &n
		} else {
			o.Skip = &n
		}
		return err
	case "$count":
		t := p.peek()
		if isWord(t, "true") || isWord(t, "false") {
			p.next()
			b := strings.EqualFold(t.Text, "true")
			o.Count = &b
			return nil
		}
		return p.errorf(t.Pos, "$count must be true or false, found %s", t.describe())
	case "$levels":
		t := p.peek()
		if isWord(t, "max") {
			p.next()
			o.Levels = -1
			return nil
		}
		n, err := p.parseNonNegative(name)
		if err == nil && (n == 0 || t.Text[0] == '0') {
			return p.errorf(t.Pos, "$levels must be a positive integer without leading zeros, or max")
		}
		if n > MaxExpandDepth {
			return p.errorf(t.Pos, "$levels is %d; at most %d levels of expansion are allowed", n, MaxExpandDepth)
		}
		o.Levels = int(n)
		return err
	case "$search":
		start, end := p.valueSpan()
		s, err := ParseSearch(p.option, p.input[start:end], start)
		if err != nil {
			if se, ok := err.(*SyntaxError); ok {
				se.Input = p.input
			}
			return err
		}
		o.Search = s
		return nil
	case "$apply":
		// The same grammar as at the top level; it stops before ';' or
		// the ')' that closes the expand options.
		if p.atValueEnd() {
			return p.errorf(p.peek().Pos, "$apply needs a transformation, such as aggregate($count as Total)")
		}
		ts, err := p.parseApply()
		o.Apply = ts
		return err
	}
	return p.errorf(p.peek().Pos, "%s is not allowed here", name)
}

// atValueEnd reports whether the current option value is empty.
func (p *parser) atValueEnd() bool {
	k := p.peek().Kind
	return k == TokEOF || k == TokSemicolon || k == TokRParen
}

// valueSpan returns the byte range of the current option value (up to ';'
// or an unmatched ')') and moves past it; used for $search, whose words are
// not expression tokens.
func (p *parser) valueSpan() (int, int) {
	start := p.peek().Pos
	depth := 0
	for {
		t := p.peek()
		switch {
		case t.Kind == TokEOF:
			return start, len(p.input)
		case t.Kind == TokLParen:
			depth++
		case t.Kind == TokRParen:
			if depth == 0 {
				return start, t.Pos
			}
			depth--
		case t.Kind == TokSemicolon && depth == 0 && !p.encodedSemis[t.Pos]:
			return start, t.Pos
		}
		p.next()
	}
}

func (p *parser) parseNonNegative(name string) (int64, error) {
	t := p.peek()
	neg := false
	if t.Kind == TokMinus {
		neg = true
		p.next()
		t = p.peek()
	}
	if t.Kind != TokInt || !isDigit(t.Text[0]) {
		return 0, p.errorf(t.Pos, "%s must be a non-negative integer, found %s", name, t.describe())
	}
	p.next()
	if neg {
		return 0, p.errorf(t.Pos-1, "%s must not be negative", name)
	}
	var n int64
	for _, c := range t.Text {
		n = n*10 + int64(c-'0')
		if n > 1<<53 {
			return 0, p.errorf(t.Pos, "%s is too large", name)
		}
	}
	switch {
	case name == "$top" && n > MaxTop:
		return 0, p.errorf(t.Pos, "$top is %d; at most %d rows can be asked for at once (follow @odata.nextLink for more)", n, MaxTop)
	case name == "$skip" && n > MaxSkip:
		return 0, p.errorf(t.Pos, "$skip is %d; at most %d rows can be skipped (follow @odata.nextLink instead)", n, MaxSkip)
	}
	return n, nil
}
