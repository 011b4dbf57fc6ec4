package query

import (
	"fmt"
	"strings"
)

// parser is a recursive-descent parser over a token slice. One parser reads
// one option value; nested options ($expand=Nav($filter=...)) are parsed by
// the same parser, so every position refers to the same text.
type parser struct {
	option string
	input  string
	toks   []Token
	i      int
	depth  int
	nodes  int
	// typeArgOK and listOK are set just before a primary that may be a
	// bare qualified type name (an argument of cast or isof) or a list in
	// parentheses (a parameter alias value); parsePrimary clears them.
	typeArgOK bool
	listOK    bool
	// encodedSemis holds the offsets of ';' characters that arrived
	// percent-encoded (%3B): inside a nested $search they are text, not
	// option separators.
	encodedSemis map[int]bool
}

func newParser(option, input string) (*parser, error) {
	toks, err := lex(option, input)
	if err != nil {
		return nil, err
	}
	return &parser{option: option, input: input, toks: toks}, nil
}

func (p *parser) peek() Token { return p.toks[p.i] }

func (p *parser) peekAt(n int) Token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() Token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

// spaceBefore reports whether whitespace separates token i from the one
// before it; the grammar requires it around word operators.
func (p *parser) spaceBefore(i int) bool {
	if i == 0 {
		return false
	}
	prev := p.toks[i-1]
	return p.toks[i].Pos > prev.Pos+len(prev.Text)
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Option: p.option, Input: p.input, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) notImplemented(pos int, format string, args ...any) error {
	return &SyntaxError{Option: p.option, Input: p.input, Pos: pos, Msg: fmt.Sprintf(format, args...), NotImplemented: true}
}

// expect consumes a token of kind k or fails with "expected X, found Y".
func (p *parser) expect(k TokenKind, context string) (Token, error) {
	t := p.peek()
	if t.Kind != k {
		return t, p.errorf(t.Pos, "expected %s %s, found %s", k, context, t.describe())
	}
	return p.next(), nil
}

// isWord reports whether t is the identifier w, ignoring case (the ABNF's
// quoted strings are case-insensitive).
func isWord(t Token, w string) bool { return t.Kind == TokIdent && strings.EqualFold(t.Text, w) }

// enter and leave bound recursion; count bounds the tree size.
func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > MaxExprDepth {
		return &SyntaxError{Option: p.option, Input: p.input, Pos: pos,
			Msg: fmt.Sprintf("expression nested deeper than %d levels", MaxExprDepth)}
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) count(pos int) error {
	p.nodes++
	if p.nodes > MaxExprNodes {
		return &SyntaxError{Option: p.option, Input: p.input, Pos: pos,
			Msg: fmt.Sprintf("expression has more than %d parts", MaxExprNodes)}
	}
	return nil
}

// atEnd fails unless all input was consumed.
func (p *parser) atEnd() error {
	if t := p.peek(); t.Kind != TokEOF {
		return p.errorf(t.Pos, "unexpected %s", t.describe())
	}
	return nil
}

// ParseExpr parses a whole option value as one expression ($filter).
func ParseExpr(option, input string) (Expr, error) {
	p, err := newParser(option, input)
	if err != nil {
		return nil, err
	}
	if p.peek().Kind == TokEOF {
		return nil, p.errorf(0, "expected an expression, found nothing")
	}
	x, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	return x, p.atEnd()
}
