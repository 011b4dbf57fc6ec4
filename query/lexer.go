package query

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The lexer follows text/template's shape: state functions that consume
// runes with next/peek/backup and emit tokens. Input is an option value that
// is already percent-decoded, so a '+' is a plus sign (RFC 3986 gives it no
// special meaning in a query; Power Query encodes it as %2B anyway).

const eof = -1

type lexer struct {
	option string
	input  string
	start  int
	pos    int
	width  int
	tokens []Token
	err    *SyntaxError
}

type stateFn func(*lexer) stateFn

// lex tokenizes input completely. The token list always ends with TokEOF.
func lex(option, input string) ([]Token, error) {
	l := &lexer{option: option, input: input}
	for state := lexAny; state != nil; {
		state = state(l)
	}
	if l.err != nil {
		return nil, l.err
	}
	return l.tokens, nil
}

func (l *lexer) next() rune {
	if l.pos >= len(l.input) {
		l.width = 0
		return eof
	}
	r, w := utf8.DecodeRuneInString(l.input[l.pos:])
	l.width = w
	l.pos += w
	return r
}

func (l *lexer) peek() rune {
	r := l.next()
	l.backup()
	return r
}

// backup steps back one rune; it may be called once per call of next.
func (l *lexer) backup() { l.pos -= l.width }

func (l *lexer) emit(k TokenKind) {
	l.tokens = append(l.tokens, Token{Kind: k, Pos: l.start, Text: l.input[l.start:l.pos]})
	l.start = l.pos
}

func (l *lexer) ignore() { l.start = l.pos }

func (l *lexer) errorf(pos int, msg string) stateFn {
	l.err = &SyntaxError{Option: l.option, Input: l.input, Pos: pos, Msg: msg}
	return nil
}

func (l *lexer) rest() string { return l.input[l.pos:] }

func lexAny(l *lexer) stateFn {
	switch r := l.next(); {
	case r == eof:
		l.emit(TokEOF)
		return nil
	case r == ' ' || r == '\t':
		l.ignore()
		return lexAny
	case r == '\'':
		return lexString
	case r == '"':
		return lexJSONString
	case r == '@':
		return lexAlias
	case r == '$':
		return lexIdent
	case r >= '0' && r <= '9':
		l.backup()
		return lexDigitStart
	case r == '+':
		// A sign belongs to the number it stands before (decimalLiteral =
		// [ SIGN ] 1*DIGIT ...); anywhere else a '+' is most likely a space
		// encoded the HTML-form way.
		if r := l.peek(); r >= '0' && r <= '9' {
			return lexNumber
		}
		return l.errorf(l.start, "unexpected character '+': in a URL a space is written %20, not +")
	case isIdentStart(r):
		l.backup()
		return lexWordStart
	default:
		if k, ok := punct[r]; ok {
			l.emit(k)
			return lexAny
		}
		return l.errorf(l.start, "unexpected character "+quoteRune(r))
	}
}

var punct = map[rune]TokenKind{
	'(': TokLParen, ')': TokRParen, '[': TokLBracket, ']': TokRBracket,
	'{': TokLBrace, '}': TokRBrace, ',': TokComma, '/': TokSlash, ':': TokColon,
	';': TokSemicolon, '=': TokEquals, '*': TokStar, '-': TokMinus,
}

// lexString scans a single-quoted string; a quote inside is doubled.
func lexString(l *lexer) stateFn {
	for {
		switch l.next() {
		case eof:
			return l.errorf(l.start, "unterminated string: a quote inside a string must be doubled ('')")
		case '\'':
			if l.peek() == '\'' {
				l.next()
				continue
			}
			l.emit(TokString)
			return lexAny
		}
	}
}

func lexJSONString(l *lexer) stateFn {
	for {
		switch l.next() {
		case eof:
			return l.errorf(l.start, "unterminated JSON string")
		case '\\':
			l.next()
		case '"':
			l.emit(TokJSONString)
			return lexAny
		}
	}
}

// lexAlias scans @name. It also takes the annotation forms @Ns.Term and
// @Term#Qualifier whole, so the parser can refuse them by name.
func lexAlias(l *lexer) stateFn {
	if !isIdentStart(l.peek()) {
		return l.errorf(l.start, "'@' must be followed by a parameter alias name")
	}
	for {
		for isIdentChar(l.peek()) {
			l.next()
		}
		if r := l.peek(); (r == '.' || r == '#') && l.pos+1 < len(l.input) {
			if nr, _ := utf8.DecodeRuneInString(l.input[l.pos+1:]); isIdentStart(nr) {
				l.next()
				continue
			}
		}
		break
	}
	l.emit(TokAlias)
	return lexAny
}

// lexIdent scans a (possibly dotted) identifier whose first rune is already
// consumed; identifiers beginning with '$' land here too.
func lexIdent(l *lexer) stateFn {
	for {
		r := l.peek()
		if isIdentChar(r) {
			l.next()
			continue
		}
		// A dot continues a qualified name only when a name follows it.
		if r == '.' && l.pos+1 < len(l.input) {
			nr, _ := utf8.DecodeRuneInString(l.input[l.pos+1:])
			if isIdentStart(nr) {
				l.next()
				continue
			}
			// "Namespace.*" in $select is one name.
			if nr == '*' {
				l.next()
				l.next()
				l.emit(TokIdent)
				return lexAny
			}
		}
		break
	}
	if l.pos-l.start > maxIdentifierLength {
		return l.errorf(l.start, "name longer than 128 characters")
	}
	// A name immediately followed by a quote is a typed literal:
	// duration'P1D', binary'AQ', geography'...', Namespace.EnumType'Member'.
	if l.peek() == '\'' && l.input[l.start] != '$' {
		l.next()
		for {
			switch l.next() {
			case eof:
				return l.errorf(l.start, "unterminated literal "+l.input[l.start:l.pos])
			case '\'':
				if l.peek() == '\'' {
					l.next()
					continue
				}
				l.emit(TokTypedLiteral)
				return lexAny
			}
		}
	}
	l.emit(TokIdent)
	return lexAny
}

// lexWordStart handles a word starting with a letter, which may also be a
// GUID whose first group starts with a hex letter.
func lexWordStart(l *lexer) stateFn {
	if n := matchGuid(l.rest()); n > 0 {
		l.pos += n
		l.emit(TokGuid)
		return lexAny
	}
	l.next()
	return lexIdent
}

// lexDigitStart decides between GUID, date-time, date, time of day and
// number. OData spells arithmetic with words (sub, not '-'), so a digit run
// followed by '-' or ':' can only be a date, a time or a GUID.
func lexDigitStart(l *lexer) stateFn {
	rest := l.rest()
	if n := matchGuid(rest); n > 0 {
		l.pos += n
		l.emit(TokGuid)
		return lexAny
	}
	if guidLike(rest) {
		return l.errorf(l.start, "malformed GUID: expected 8-4-4-4-12 hexadecimal digits such as 01234567-89ab-cdef-0123-456789abcdef")
	}
	if n := matchDate(rest); n > 0 {
		l.pos += n
		if l.peek() != 'T' && l.peek() != 't' {
			l.emit(TokDate)
			return lexAny
		}
		l.next()
		tn := matchTime(l.rest())
		if tn == 0 {
			return l.errorf(l.pos, "expected a time of day (hh:mm or hh:mm:ss) after 'T' in a date-time")
		}
		l.pos += tn
		zn := matchZone(l.rest())
		if zn == 0 {
			return l.errorf(l.pos, "date-time needs a time zone: add Z for UTC or an offset such as +01:00")
		}
		l.pos += zn
		l.emit(TokDateTimeOffset)
		return lexAny
	}
	if n := matchTime(rest); n > 0 && len(rest) > 2 && rest[2] == ':' {
		l.pos += n
		l.emit(TokTimeOfDay)
		return lexAny
	}
	return lexNumber
}

// lexNumber scans digits [. digits] [e [sign] digits].
func lexNumber(l *lexer) stateFn {
	kind := TokInt
	digits := func() int {
		n := 0
		for r := l.peek(); r >= '0' && r <= '9'; r = l.peek() {
			l.next()
			n++
		}
		return n
	}
	digits()
	if l.peek() == '.' {
		l.next()
		if digits() == 0 {
			return l.errorf(l.pos, "expected digits after the decimal point")
		}
		kind = TokDecimal
	}
	if r := l.peek(); r == 'e' || r == 'E' {
		l.next()
		if r := l.peek(); r == '+' || r == '-' {
			l.next()
		}
		if digits() == 0 {
			return l.errorf(l.pos, "expected digits in the exponent")
		}
		kind = TokDouble
	}
	if r := l.peek(); isIdentChar(r) {
		return l.errorf(l.start, "malformed number "+strings.TrimSpace(l.input[l.start:l.pos+utf8.RuneLen(r)])+": OData numbers take no type suffix")
	}
	l.emit(kind)
	return lexAny
}

// maxIdentifierLength is the ABNF's limit on odataIdentifier.
const maxIdentifierLength = 128

func isIdentStart(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') ||
		(r > 127 && (unicode.IsLetter(r) || unicode.Is(unicode.Nl, r)))
}

func isIdentChar(r rune) bool {
	return isIdentStart(r) || (r >= '0' && r <= '9') ||
		(r > 127 && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Pc, r) || unicode.Is(unicode.Cf, r)))
}

func quoteRune(r rune) string {
	if r < 32 || r == 127 {
		return "(control character)"
	}
	return "'" + string(r) + "'"
}

func isHex(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// matchGuid returns 36 if s starts with 8-4-4-4-12 hex digits not followed
// by another name character.
func matchGuid(s string) int {
	if len(s) < 36 {
		return 0
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return 0
			}
		default:
			if !isHex(s[i]) {
				return 0
			}
		}
	}
	if len(s) > 36 {
		if r, _ := utf8.DecodeRuneInString(s[36:]); isIdentChar(r) || r == '-' {
			return 0
		}
	}
	return 36
}

// guidLike reports text that starts like a GUID (eight hex digits and a
// dash) but is not one, so the error names a GUID rather than a number.
func guidLike(s string) bool {
	if len(s) < 9 || s[8] != '-' {
		return false
	}
	for i := 0; i < 8; i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return matchDate(s) == 0
}

// matchDate matches YYYY-MM-DD (four or more year digits).
func matchDate(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < 4 || len(s) < i+6 || s[i] != '-' || !isDigit(s[i+1]) || !isDigit(s[i+2]) ||
		s[i+3] != '-' || !isDigit(s[i+4]) || !isDigit(s[i+5]) {
		return 0
	}
	return i + 6
}

// matchTime matches hh:mm[:ss[.fffffffff]].
func matchTime(s string) int {
	if len(s) < 5 || !isDigit(s[0]) || !isDigit(s[1]) || s[2] != ':' || !isDigit(s[3]) || !isDigit(s[4]) {
		return 0
	}
	n := 5
	if len(s) >= 8 && s[5] == ':' && isDigit(s[6]) && isDigit(s[7]) {
		n = 8
		if len(s) > 9 && s[8] == '.' && isDigit(s[9]) {
			n = 9
			for n < len(s) && isDigit(s[n]) {
				n++
			}
		}
	}
	return n
}

// matchZone matches Z or +hh:mm / -hh:mm.
func matchZone(s string) int {
	if len(s) >= 1 && (s[0] == 'Z' || s[0] == 'z') {
		return 1
	}
	if len(s) >= 6 && (s[0] == '+' || s[0] == '-') && isDigit(s[1]) && isDigit(s[2]) &&
		s[3] == ':' && isDigit(s[4]) && isDigit(s[5]) {
		return 6
	}
	return 0
}
