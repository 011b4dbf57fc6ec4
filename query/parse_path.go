package query

import (
	"strings"
	"unicode/utf8"
)

// ResourcePath is the parsed path after the service root.
type ResourcePath struct {
	// Text is the decoded path, segments joined by '/'; positions refer to it.
	Text string
	Segs []*PathSegment
}

// PathSegment is one segment: a name with an optional key predicate, or, for
// key-as-segment addressing, just the decoded text.
type PathSegment struct {
	P int
	// Text is the whole decoded segment.
	Text string
	// Name is the identifier of the segment ("" when the segment is not a
	// name, which makes it a key-as-segment value).
	Name      string
	Parens    bool
	Keys      []Expr
	NamedKeys []NamedArg
}

// ParsePath parses a raw (percent-encoded) resource path such as
// Conversations('acme%3Ademo%3A1')/Messages. It splits before decoding, on
// raw slashes outside parentheses, so an encoded %2F inside a key never
// splits a segment; a raw '/' inside a quoted key is an error, as in the
// grammar (pchar has no '/').
//
//	path    = first *( "/" segment )
//	first   = name [ "(" args ")" ]                  ; an entity set: not qualified
//	segment = name [ "(" args ")" ] / "$count" / "$value" / "$ref" / keyAsSegment
//	args    = value *( "," value ) / name "=" value *( "," name "=" value )
//	value   = literal / "@" alias
func ParsePath(raw string) (*ResourcePath, error) {
	rp := &ResourcePath{}
	rawSegs, err := splitPath(raw)
	if err != nil {
		return nil, err
	}
	var decoded []string
	for _, rawSeg := range rawSegs {
		seg, err := PercentDecode(rawSeg)
		if err != nil {
			return nil, &SyntaxError{Option: "resource path", Input: raw, Pos: 0, Msg: err.Error()}
		}
		decoded = append(decoded, seg)
	}
	rp.Text = strings.Join(decoded, "/")
	offset := 0
	for i, seg := range decoded {
		if i > 0 {
			switch prev := decoded[i-1]; prev {
			case "$count", "$value", "$ref":
				return nil, &SyntaxError{Option: "resource path", Input: rp.Text, Pos: offset,
					Msg: "nothing may follow /" + prev}
			}
		}
		ps, err := parsePathSegment(rp.Text, seg, offset, i == 0)
		if err != nil {
			return nil, err
		}
		rp.Segs = append(rp.Segs, ps)
		offset += len(seg) + 1
	}
	return rp, nil
}

// splitPath splits on '/' outside single quotes (raw or %27) and parentheses.
func splitPath(raw string) ([]string, error) {
	var out []string
	depth, inQuote, start, quoteAt := 0, false, 0, 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\'' || (c == '%' && i+2 < len(raw) && raw[i+1] == '2' && raw[i+2] == '7'):
			inQuote = !inQuote
			quoteAt = i
		case inQuote && c == '/':
			return nil, &SyntaxError{Option: "resource path", Input: raw, Pos: i,
				Msg: "unexpected '/' in the string that starts at position " + itoa(quoteAt+1) + ": write a '/' inside a key as %2F"}
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case c == '/' && depth == 0:
			out = append(out, raw[start:i])
			start = i + 1
		}
	}
	return append(out, raw[start:]), nil
}

// unsupportedSegments are system segments of the grammar this read-only
// feed does not offer: they answer 501, not 404.
var unsupportedSegments = map[string]bool{
	"$batch": true, "$crossjoin": true, "$all": true, "$entity": true, "$query": true,
	"$each": true, "$filter": true, "$apply": true,
}

// parsePathSegment parses one decoded segment. A segment that starts like
// name( must be a well-formed name(args); any other segment that is not a
// single name is a key-as-segment value, except the first, which must name
// an entity set.
func parsePathSegment(full, seg string, offset int, first bool) (*PathSegment, error) {
	ps := &PathSegment{P: offset, Text: seg}
	fail := func(pos int, msg string, notImpl bool) error {
		return &SyntaxError{Option: "resource path", Input: full, Pos: offset + pos, Msg: msg, NotImplemented: notImpl}
	}
	name := seg
	if i := strings.IndexByte(seg, '('); i >= 0 {
		name = seg[:i]
	}
	if unsupportedSegments[name] {
		return nil, fail(0, name+" is not supported by this feed", true)
	}
	if seg == "" {
		return ps, nil
	}
	p, lexErr := newParser("resource path", seg)
	looksLikeCall := lexErr == nil && p.peek().Kind == TokIdent && p.peekAt(1).Kind == TokLParen && !p.spaceBefore(1)
	if lexErr != nil || p.peek().Kind != TokIdent || (p.peekAt(1).Kind != TokEOF && !looksLikeCall) {
		if !first && !(lexErr != nil && isNameThenParen(seg)) {
			return ps, nil // key-as-segment
		}
		if se, ok := lexErr.(*SyntaxError); ok {
			return nil, fail(se.Pos, se.Msg, false)
		}
		return nil, fail(0, "expected an entity set name, found '"+seg+"'", false)
	}
	s, err := p.parseSegment(true)
	if err != nil {
		if se, ok := err.(*SyntaxError); ok {
			return nil, fail(se.Pos, se.Msg, se.NotImplemented)
		}
		return nil, err
	}
	if t := p.peek(); t.Kind != TokEOF {
		if t.Kind == TokLParen {
			return nil, fail(t.Pos, "a function call followed by a key is not supported: this feed has no functions", true)
		}
		return nil, fail(t.Pos, "unexpected "+t.describe(), false)
	}
	if first && strings.Contains(s.Name, ".") && !strings.HasPrefix(s.Name, "$") {
		return nil, fail(strings.IndexByte(s.Name, '.'), "expected an entity set name, found the qualified name "+s.Name, false)
	}
	for _, x := range append(append([]Expr(nil), s.Args...), namedValues(s.NamedArgs)...) {
		switch x.(type) {
		case *Literal, *AliasExpr:
		default:
			return nil, fail(x.Pos(), "expected a literal or a parameter alias as the key value, found "+x.String()+
				": write a string key in quotes, as in "+s.Name+"('"+x.String()+"')", false)
		}
	}
	ps.Name, ps.Parens = s.Name, s.Parens
	ps.Keys, ps.NamedKeys = s.Args, s.NamedArgs
	// Shift positions into the whole path.
	for _, k := range ps.Keys {
		shift(k, offset)
	}
	for i := range ps.NamedKeys {
		ps.NamedKeys[i].P += offset
		shift(ps.NamedKeys[i].Value, offset)
	}
	return ps, nil
}

func namedValues(args []NamedArg) []Expr {
	out := make([]Expr, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

// isNameThenParen reports whether seg starts with an identifier directly
// followed by '(': then it is meant as name(key), even if the key does not
// lex.
func isNameThenParen(seg string) bool {
	i := 0
	for i < len(seg) {
		r, w := utf8.DecodeRuneInString(seg[i:])
		if !(isIdentChar(r) || (r == '.' && i > 0) || (r == '$' && i == 0)) {
			break
		}
		i += w
	}
	return i > 0 && i < len(seg) && seg[i] == '('
}

// shift moves every position in x by d.
func shift(x Expr, d int) {
	Walk(x, func(n Expr) bool {
		switch n := n.(type) {
		case *Literal:
			n.P += d
		case *PathExpr:
			n.P += d
			for _, s := range n.Segs {
				s.P += d
			}
		case *CallExpr:
			n.P += d
		case *UnaryExpr:
			n.P += d
		case *BinaryExpr:
			n.P += d
		case *ListExpr:
			n.P += d
		case *AliasExpr:
			n.P += d
		case *CaseExpr:
			n.P += d
		case *ObjectExpr:
			n.P += d
		}
		return true
	})
}
