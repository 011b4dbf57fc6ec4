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
	terms  int
}

// ParseSearch parses a $search value. base is added to every position.
//
//	search     = BWS ( or / incomplete )
//	incomplete = "'" *( "''" / char ) "'"     ; the whole text, as one phrase
func ParseSearch(option, input string, base int) (SearchExpr, error) {
	s := &searchParser{option: option, input: input, base: base}
	s.skipSpace()
	if s.pos >= len(s.input) {
		return nil, s.errorf(0, "$search needs at least one word or phrase")
	}
	if s.input[s.pos] == '\'' {
		return s.parseIncomplete()
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

// parseIncomplete reads searchExpr-incomplete: text in single quotes (a
// quote inside doubled), which 4.01 lets a client send when the user's
// text is not a well-formed expression, such as '"blue' or '('. It is
// searched for as one phrase.
func (s *searchParser) parseIncomplete() (SearchExpr, error) {
	start := s.pos
	var b strings.Builder
	for s.pos++; ; s.pos++ {
		if s.pos >= len(s.input) {
			return nil, s.errorf(start, "unterminated quoted search text: a quote inside it must be doubled ('')")
		}
		c := s.input[s.pos]
		if c == '\'' {
			if s.pos+1 < len(s.input) && s.input[s.pos+1] == '\'' {
				s.pos++
			} else {
				break
			}
		}
		b.WriteByte(c)
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(s.input) {
		return nil, s.errorf(s.pos, "unexpected text after the quoted search text")
	}
	if strings.TrimSpace(b.String()) == "" {
		return nil, s.errorf(start, "empty search text")
	}
	return &SearchTerm{P: s.base + start, Text: b.String(), Phrase: true}, nil
}

func (s *searchParser) errorf(pos int, msg string, args ...any) error {
	e := &SyntaxError{Option: s.option, Input: s.input, Pos: pos, Msg: sprintf(msg, args...)}
	if s.base > 0 {
		e.Pos += s.base
	}
	return e
}

// term counts a word or phrase against MaxSearchTerms.
func (s *searchParser) term(pos int) error {
	if s.terms++; s.terms > MaxSearchTerms {
		return s.errorf(pos, "$search has more than %d words and phrases; search for fewer", MaxSearchTerms)
	}
	return nil
}

// skipSpace skips blanks and reports how many it skipped.
func (s *searchParser) skipSpace() int {
	n := 0
	for s.pos < len(s.input) && (s.input[s.pos] == ' ' || s.input[s.pos] == '\t') {
		s.pos++
		n++
	}
	return n
}

// operatorAt reports whether the operator kw stands at the current
// position: the word, then blanks and an operand, or directly "(". Where an
// operand does not follow, AND, OR and NOT are ordinary words ($search=NOT
// finds "NOT").
func (s *searchParser) operatorAt(kw string) bool {
	if !strings.HasPrefix(s.input[s.pos:], kw) {
		return false
	}
	end := s.pos + len(kw)
	if end < len(s.input) && s.input[end] == '(' {
		return true
	}
	if end == len(s.input) || (s.input[end] != ' ' && s.input[end] != '\t') {
		return false
	}
	for end < len(s.input) && (s.input[end] == ' ' || s.input[end] == '\t') {
		end++
	}
	return end < len(s.input) && s.input[end] != ')'
}

// parseOr:  or = and *( RWS "OR" RWS and )
func (s *searchParser) parseOr() (SearchExpr, error) {
	x, err := s.parseAnd()
	if err != nil {
		return nil, err
	}
	for {
		save := s.pos
		if s.skipSpace() == 0 || !s.operatorAt("OR") {
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
		spaces := s.skipSpace()
		if s.pos >= len(s.input) || s.input[s.pos] == ')' || (spaces > 0 && s.operatorAt("OR")) {
			s.pos = save
			return x, nil
		}
		if spaces == 0 {
			return nil, s.errorf(s.pos, "expected a space between search terms, found %q", s.input[s.pos:s.pos+1])
		}
		op := s.pos
		if s.operatorAt("AND") {
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

// parseNot:  not = "NOT" RWS not / primary
func (s *searchParser) parseNot() (SearchExpr, error) {
	if s.operatorAt("NOT") {
		p := s.pos
		s.depth++
		if s.depth > MaxSearchDepth {
			return nil, s.errorf(p, "$search nested deeper than %d levels (parentheses and NOT)", MaxSearchDepth)
		}
		s.pos += 3
		s.skipSpace()
		x, err := s.parseNot()
		if err != nil {
			return nil, err
		}
		s.depth--
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
		if s.depth > MaxSearchDepth {
			return nil, s.errorf(start, "$search nested deeper than %d levels (parentheses and NOT)", MaxSearchDepth)
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
		if err := s.term(start); err != nil {
			return nil, err
		}
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
	if err := s.term(start); err != nil {
		return nil, err
	}
	for s.pos < len(s.input) {
		r, w := utf8.DecodeRuneInString(s.input[s.pos:])
		if r == ' ' || r == '\t' || r == '(' || r == ')' || r == '"' {
			break
		}
		s.pos += w
	}
	return &SearchTerm{P: s.base + start, Text: s.input[start:s.pos]}, nil
}
