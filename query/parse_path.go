package query

import (
	"strings"
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
// slashes outside quotes and parentheses, so an encoded %2F inside a key
// never splits a segment.
func ParsePath(raw string) (*ResourcePath, error) {
	rp := &ResourcePath{}
	var decoded []string
	for _, rawSeg := range splitPath(raw) {
		seg, err := PercentDecode(rawSeg)
		if err != nil {
			return nil, &SyntaxError{Option: "resource path", Input: raw, Pos: 0, Msg: err.Error()}
		}
		decoded = append(decoded, seg)
	}
	rp.Text = strings.Join(decoded, "/")
	offset := 0
	for _, seg := range decoded {
		ps, err := parsePathSegment(rp.Text, seg, offset)
		if err != nil {
			return nil, err
		}
		rp.Segs = append(rp.Segs, ps)
		offset += len(seg) + 1
	}
	return rp, nil
}

// splitPath splits on '/' outside single quotes (raw or %27) and parentheses.
func splitPath(raw string) []string {
	var out []string
	depth, inQuote, start := 0, false, 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\'' || (c == '%' && i+2 < len(raw) && raw[i+1] == '2' && raw[i+2] == '7'):
			inQuote = !inQuote
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
	return append(out, raw[start:])
}

// parsePathSegment parses name[(keys)]; a segment that is not of that form
// is kept as text for key-as-segment addressing.
func parsePathSegment(full, seg string, offset int) (*PathSegment, error) {
	ps := &PathSegment{P: offset, Text: seg}
	if seg == "" {
		return ps, nil
	}
	p, err := newParser("resource path", seg)
	if err != nil || p.peek().Kind != TokIdent {
		return ps, nil
	}
	// A bare name that lexes as one identifier.
	s, err := p.parseSegment(true)
	if err != nil || p.peek().Kind != TokEOF {
		if strings.Contains(seg, "(") && err != nil {
			// It looked like name(key) but the key is malformed: report
			// that rather than treating the segment as a key.
			if se, ok := err.(*SyntaxError); ok {
				se.Input = full
				se.Pos += offset
				return nil, se
			}
		}
		return ps, nil
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
