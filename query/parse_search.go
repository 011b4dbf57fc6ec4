package query

import (
	"strings"
	"unicode/utf8"
)

// SearchExpr is a node of a $search expression.
type SearchExpr interface {
	Node
	searchNode()
}

// SearchTerm is a word or a "quoted phrase".
type SearchTerm struct {
	P      int
	Text   string
	Phrase bool
}

// SearchNot is NOT x.
type SearchNot struct {
	P int
	X SearchExpr
}

// SearchBinary is x AND y or x OR y (juxtaposition is AND).
type SearchBinary struct {
	P  int
	Op string
	X  SearchExpr
	Y  SearchExpr
}

func (*SearchTerm) searchNode()   {}
func (*SearchNot) searchNode()    {}
func (*SearchBinary) searchNode() {}

func (n *SearchTerm) Pos() int   { return n.P }
func (n *SearchNot) Pos() int    { return n.P }
func (n *SearchBinary) Pos() int { return n.P }

func (n *SearchTerm) String() string {
	if n.Phrase {
		return `"` + strings.ReplaceAll(strings.ReplaceAll(n.Text, `\`, `\\`), `"`, `\"`) + `"`
	}
	return n.Text
}
func (n *SearchNot) String() string { return "NOT " + n.X.String() }
func (n *SearchBinary) String() string {
	return "(" + n.X.String() + " " + n.Op + " " + n.Y.String() + ")"
}

// searchParser reads $search text directly: its words are free text, not
// expression tokens. The operators AND, OR and NOT are upper case only, as
// the grammar spells them case-sensitively.
type searchParser struct {
	option string
	input  string
	base   int // offset of input within the option text, for positions
	pos    int
	depth  int
}

// ParseSearch parses a $search value. base is added to every position.
func ParseSearch(option, input string, base int) (SearchExpr, error) {
	s := &searchParser{option: option, input: input, base: base}
	s.skipSpace()
	if s.pos >= len(s.input) {
		return nil, s.errorf(0, "$search needs at least one word or phrase")
	}
	x, err := s.parseOr()
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.pos < len(s.input) {
		return nil, s.errorf(s.pos, "unexpected %q in $search", s.input[s.pos:s.pos+1])
	}
	return x, nil
}

func (s *searchParser) errorf(pos int, msg string, args ...any) error {
	e := &SyntaxError{Option: s.option, Input: s.input, Pos: pos, Msg: sprintf(msg, args...)}
	if s.base > 0 {
		e.Pos += s.base
	}
	return e
}

func (s *searchParser) skipSpace() {
	for s.pos < len(s.input) && (s.input[s.pos] == ' ' || s.input[s.pos] == '\t') {
		s.pos++
	}
}

// keywordAt reports whether the operator kw stands at the current position
// as a whole word.
func (s *searchParser) keywordAt(kw string) bool {
	if !strings.HasPrefix(s.input[s.pos:], kw) {
		return false
	}
	end := s.pos + len(kw)
	return end == len(s.input) || s.input[end] == ' ' || s.input[end] == '\t' || s.input[end] == '('
}

// parseOr:  or = and *( RWS "OR" RWS and )
func (s *searchParser) parseOr() (SearchExpr, error) {
	x, err := s.parseAnd()
	if err != nil {
		return nil, err
	}
	for {
		save := s.pos
		s.skipSpace()
		if !s.keywordAt("OR") {
			s.pos = save
			return x, nil
		}
		op := s.pos
		s.pos += 2
		s.skipSpace()
		y, err := s.parseAnd()
		if err != nil {
			return nil, err
		}
		x = &SearchBinary{P: s.base + op, Op: "OR", X: x, Y: y}
	}
}

// parseAnd:  and = not *( RWS [ "AND" RWS ] not )
func (s *searchParser) parseAnd() (SearchExpr, error) {
	x, err := s.parseNot()
	if err != nil {
		return nil, err
	}
	for {
		save := s.pos
		s.skipSpace()
		if s.pos >= len(s.input) || s.input[s.pos] == ')' || s.keywordAt("OR") {
			s.pos = save
			return x, nil
		}
		op := s.pos
		if s.keywordAt("AND") {
			s.pos += 3
			s.skipSpace()
		}
		y, err := s.parseNot()
		if err != nil {
			return nil, err
		}
		x = &SearchBinary{P: s.base + op, Op: "AND", X: x, Y: y}
	}
}

// parseNot:  not = "NOT" RWS primary / primary
func (s *searchParser) parseNot() (SearchExpr, error) {
	if s.keywordAt("NOT") {
		p := s.pos
		s.pos += 3
		s.skipSpace()
		x, err := s.parsePrimary()
		if err != nil {
			return nil, err
		}
		return &SearchNot{P: s.base + p, X: x}, nil
	}
	return s.parsePrimary()
}

// parsePrimary:  primary = "(" or ")" / phrase / word
func (s *searchParser) parsePrimary() (SearchExpr, error) {
	if s.pos >= len(s.input) {
		return nil, s.errorf(s.pos, "expected a word or phrase, found end of input")
	}
	start := s.pos
	switch c := s.input[s.pos]; c {
	case '(':
		s.depth++
		if s.depth > MaxExprDepth {
			return nil, s.errorf(start, "$search nested deeper than %d levels", MaxExprDepth)
		}
		s.pos++
		s.skipSpace()
		x, err := s.parseOr()
		if err != nil {
			return nil, err
		}
		s.skipSpace()
		if s.pos >= len(s.input) || s.input[s.pos] != ')' {
			return nil, s.errorf(s.pos, "expected ')' to close the parenthesis opened at position %d", start+1)
		}
		s.pos++
		s.depth--
		return x, nil
	case '"':
		s.pos++
		var b strings.Builder
		for {
			if s.pos >= len(s.input) {
				return nil, s.errorf(start, "unterminated phrase")
			}
			c := s.input[s.pos]
			if c == '\\' && s.pos+1 < len(s.input) {
				b.WriteByte(s.input[s.pos+1])
				s.pos += 2
				continue
			}
			s.pos++
			if c == '"' {
				break
			}
			b.WriteByte(c)
		}
		if strings.TrimSpace(b.String()) == "" {
			return nil, s.errorf(start, "empty phrase")
		}
		return &SearchTerm{P: s.base + start, Text: b.String(), Phrase: true}, nil
	case ')':
		return nil, s.errorf(start, "unexpected ')'")
	}
	for s.pos < len(s.input) {
		r, w := utf8.DecodeRuneInString(s.input[s.pos:])
		if r == ' ' || r == '\t' || r == '(' || r == ')' || r == '"' {
			break
		}
		s.pos += w
	}
	word := s.input[start:s.pos]
	if word == "AND" || word == "OR" {
		return nil, s.errorf(start, "expected a word or phrase before %s", word)
	}
	return &SearchTerm{P: s.base + start, Text: word}, nil
}
