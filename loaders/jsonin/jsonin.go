// Package jsonin reads vendor JSON files as a stream of tokens, with the
// line and column of each, and hands over records (one conversation, one
// interaction, one row of a page) as raw JSON within limits.
//
// encoding/json's Decoder cannot serve a hostile file: it holds a whole
// value before decoding it, and whitespace before a value too, so one
// 200 MB string or 3 GB of blanks becomes as much memory; its errors carry
// offsets that are wrong once Token and Decode are mixed; and it reads
// invalid UTF-8 as U+FFFD without a word. This reader holds at most one
// record within the limits: a record past a limit, or with a string that is
// not UTF-8, is read to its end without being kept and reported as a
// *ValueError naming the field, so a loader rejects it and reads on. Syntax
// errors are worded as encoding/json words them, at the offending
// character.
package jsonin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ccfeed/ccfeed/internal/bytesize"
)

// Limits bound what one record may make the reader hold. Zero values take
// DefaultLimits.
type Limits struct {
	// MaxField is the longest string or number, in bytes as written.
	MaxField int
	// MaxRecord is the longest value read with Value, in bytes as written.
	MaxRecord int
}

// DefaultLimits are far above any real vendor record.
var DefaultLimits = Limits{MaxField: 1 << 20, MaxRecord: 16 << 20}

// MaxDepth bounds the nesting of arrays and objects. The vendors' records
// nest a dozen levels; encoding/json, which decodes each record afterwards,
// stops at 10,000.
const MaxDepth = 512

func (l Limits) orDefault() Limits {
	if l.MaxField <= 0 {
		l.MaxField = DefaultLimits.MaxField
	}
	if l.MaxRecord <= 0 {
		l.MaxRecord = DefaultLimits.MaxRecord
	}
	l.MaxField = min(l.MaxField, l.MaxRecord)
	return l
}

// modes of reading
const (
	modeTokens = iota
	modeCapture
	modeSkip
)

// expectations between tokens, as encoding/json's scanner has them.
const (
	expTop         = iota // the top-level value
	expEnd                // nothing: the top-level value is complete
	expArrayFirst         // a value or ']'
	expArrayValue         // a value (after ',')
	expArrayNext          // ',' or ']'
	expObjectFirst        // a name or '}'
	expObjectKey          // a name (after ',')
	expColon              // ':'
	expObjectValue        // a value (after ':')
	expObjectNext         // ',' or '}'
)

// Reader reads one JSON text.
type Reader struct {
	r   io.Reader
	lim Limits

	buf    []byte
	p, n   int
	rerr   error
	pos    Pos // of buf[p]
	lastNB Pos // just after the last byte that is not a blank

	exp   int
	stack []byte // '{' or '[' per open container

	// mode is what becomes of the bytes read: tokens decoded (Next), the
	// value captured (Value), or nothing kept (Skip).
	mode int
	// The value being captured, and the problem that refuses it.
	rec  []byte
	over *ValueError
	path []pathElem
	// held is the largest capture, for tests of flat memory.
	held int
}

type pathElem struct {
	key   string // the current name in an object
	index int    // the current index in an array (-1 for an object)
}

// NewReader reads r (after a UTF-8 byte-order mark, which is dropped and
// not counted in columns).
func NewReader(r io.Reader, lim Limits) *Reader {
	rd := &Reader{r: r, lim: lim.orDefault(), buf: make([]byte, 64<<10), pos: Pos{Line: 1, Col: 1}}
	rd.lastNB = rd.pos
	if rd.fill(3) && bytes.HasPrefix(rd.buf[rd.p:rd.n], []byte("\xEF\xBB\xBF")) {
		rd.p += 3
		rd.pos.Offset += 3
		rd.lastNB.Offset += 3
	}
	return rd
}

// MaxHeld is the largest record the reader has held, in bytes.
func (r *Reader) MaxHeld() int { return r.held }

// Depth is the number of arrays and objects open.
func (r *Reader) Depth() int { return len(r.stack) }

// fill makes at least k bytes available at buf[p:] if the input has them.
func (r *Reader) fill(k int) bool {
	for r.n-r.p < k {
		if r.rerr != nil {
			return r.n > r.p
		}
		if r.p > 0 {
			copy(r.buf, r.buf[r.p:r.n])
			r.n -= r.p
			r.p = 0
		}
		if r.n == len(r.buf) {
			r.buf = append(r.buf, make([]byte, len(r.buf))...)
		}
		m, err := r.r.Read(r.buf[r.n:])
		r.n += m
		if err != nil {
			r.rerr = err
		}
	}
	return true
}

// peek returns the next byte; ok is false at the end of the input.
func (r *Reader) peek() (byte, bool) {
	if r.p == r.n && !r.fill(1) {
		return 0, false
	}
	return r.buf[r.p], true
}

// readErr is the read error that ended the input, nil for its normal end.
func (r *Reader) readErr() error {
	if r.rerr == nil || errors.Is(r.rerr, io.EOF) {
		return nil
	}
	return r.rerr
}

// advance consumes k bytes of buf[p:], which hold no line break, counting
// columns in characters, and captures them when a value is being read.
func (r *Reader) advance(k int) {
	b := r.buf[r.p : r.p+k]
	r.capture(b)
	for i, c := range b {
		if c&0xC0 != 0x80 {
			r.pos.Col++
		}
		if c != ' ' && c != '\t' && c != '\r' {
			// An input that ends too early is reported just after its
			// last character that is not a blank between tokens.
			r.lastNB = Pos{Offset: r.pos.Offset + int64(i) + 1, Line: r.pos.Line, Col: r.pos.Col}
		}
	}
	r.p += k
	r.pos.Offset += int64(k)
}

func (r *Reader) capture(b []byte) {
	if r.mode != modeCapture || r.over != nil {
		return
	}
	if len(r.rec)+len(b) > r.lim.MaxRecord {
		r.refuse(r.pos, fmt.Sprintf("the record is longer than the limit of %s", bytesize.Format(int64(r.lim.MaxRecord))), "")
		return
	}
	r.rec = append(r.rec, b...)
	r.held = max(r.held, len(r.rec))
}

// skipBlanks consumes blanks between tokens without keeping them.
func (r *Reader) skipBlanks() {
	for {
		if r.p == r.n && !r.fill(1) {
			return
		}
		switch r.buf[r.p] {
		case ' ', '\t', '\r':
			r.capture(r.buf[r.p : r.p+1])
			r.p++
			r.pos.Offset++
			r.pos.Col++
		case '\n':
			r.capture(r.buf[r.p : r.p+1])
			r.p++
			r.pos.Offset++
			r.pos.Line++
			r.pos.Col = 1
		default:
			return
		}
	}
}

// fail builds the syntax error of the next byte in the current context.
func (r *Reader) fail(context string) error {
	if err := r.readErr(); err != nil {
		return err
	}
	c, ok := r.peek()
	if !ok {
		return &SyntaxError{Pos: r.lastNB, Msg: "unexpected end of JSON input", Char: -1, EOF: true, Context: context}
	}
	ch := rune(c)
	if c >= utf8.RuneSelf {
		r.fill(utf8.UTFMax)
		if rn, w := utf8.DecodeRune(r.buf[r.p:r.n]); rn != utf8.RuneError || w > 1 {
			ch = rn
		}
	}
	return &SyntaxError{Pos: r.pos, Msg: "invalid character " + quoteChar(ch) + " " + context, Char: ch, Context: context}
}

// quoteChar is encoding/json's way of showing a character in an error.
func quoteChar(c rune) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(c))
	return "'" + s[1:len(s)-1] + "'"
}

// More reports whether the array or object being read has another element
// (the next token is not its end). A syntax error there is left for Next.
func (r *Reader) More() bool {
	r.skipBlanks()
	c, ok := r.peek()
	if !ok {
		return false
	}
	switch r.exp {
	case expArrayNext, expObjectNext:
		return c == ','
	case expArrayFirst:
		return c != ']'
	case expObjectFirst:
		return c != '}'
	}
	return true
}

// Next reads the next token. Names and string values come as String
// tokens; the ':' and ',' between them are checked and consumed.
func (r *Reader) Next() (Token, error) {
	if err := r.separator(); err != nil {
		return Token{}, err
	}
	if r.exp == expEnd {
		r.skipBlanks()
		if _, ok := r.peek(); !ok {
			if err := r.readErr(); err != nil {
				return Token{}, err
			}
			return Token{Kind: EOF, Pos: r.pos, End: r.pos}, nil
		}
		return Token{}, r.fail("after top-level value")
	}
	return r.token()
}

// separator consumes the ',' or ':' the expectation calls for, or reports
// the syntax error of what stands there instead.
func (r *Reader) separator() error {
	r.skipBlanks()
	c, ok := r.peek()
	switch r.exp {
	case expColon:
		if !ok || c != ':' {
			return r.fail("after object key")
		}
		r.advance(1)
		r.exp = expObjectValue
	case expArrayNext:
		if ok && c == ',' {
			r.advance(1)
			r.exp = expArrayValue
		} else if !ok || c != ']' {
			return r.fail("after array element")
		}
	case expObjectNext:
		if ok && c == ',' {
			r.advance(1)
			r.exp = expObjectKey
		} else if !ok || c != '}' {
			return r.fail("after object key:value pair")
		}
	}
	return nil
}

// token reads one token at the current expectation (separators done).
func (r *Reader) token() (Token, error) {
	r.skipBlanks()
	start := r.pos
	c, ok := r.peek()
	switch r.exp {
	case expObjectFirst, expObjectKey:
		if ok && c == '}' && r.exp == expObjectFirst {
			return r.close('{', start)
		}
		if !ok || c != '"' {
			return Token{}, r.fail("looking for beginning of object key string")
		}
		text, err := r.scanString(true)
		if err != nil {
			return Token{}, err
		}
		r.exp = expColon
		return Token{Kind: String, Text: text, Pos: start, End: r.pos}, nil
	case expArrayNext:
		return r.close('[', start) // separator saw the ']'
	case expObjectNext:
		return r.close('{', start)
	case expArrayFirst:
		if ok && c == ']' {
			return r.close('[', start)
		}
	}
	// A value.
	if !ok {
		return Token{}, r.fail("looking for beginning of value")
	}
	switch {
	case c == '{' || c == '[':
		if len(r.stack) >= MaxDepth {
			return Token{}, &LimitError{Pos: start, Msg: fmt.Sprintf("nested deeper than %d levels", MaxDepth)}
		}
		r.advance(1)
		r.stack = append(r.stack, c)
		if c == '{' {
			r.exp = expObjectFirst
			r.pushPath(-1)
			return Token{Kind: BeginObject, Pos: start, End: r.pos}, nil
		}
		r.exp = expArrayFirst
		r.pushPath(0)
		return Token{Kind: BeginArray, Pos: start, End: r.pos}, nil
	case c == '"':
		text, err := r.scanString(false)
		if err != nil {
			return Token{}, err
		}
		r.valueDone()
		return Token{Kind: String, Text: text, Pos: start, End: r.pos}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		text, err := r.scanNumber()
		if err != nil {
			return Token{}, err
		}
		r.valueDone()
		return Token{Kind: Number, Text: text, Pos: start, End: r.pos}, nil
	case c == 't' || c == 'f' || c == 'n':
		word := map[byte]string{'t': "true", 'f': "false", 'n': "null"}[c]
		if err := r.scanLiteral(word); err != nil {
			return Token{}, err
		}
		r.valueDone()
		if c == 'n' {
			return Token{Kind: Null, Pos: start, End: r.pos}, nil
		}
		return Token{Kind: Bool, Text: word, Pos: start, End: r.pos}, nil
	}
	return Token{}, r.fail("looking for beginning of value")
}

// close consumes the ']' or '}' that ends the open container.
func (r *Reader) close(open byte, start Pos) (Token, error) {
	r.advance(1)
	r.lastNB = r.pos
	r.stack = r.stack[:len(r.stack)-1]
	r.popPath()
	r.valueDone()
	if open == '{' {
		return Token{Kind: EndObject, Pos: start, End: r.pos}, nil
	}
	return Token{Kind: EndArray, Pos: start, End: r.pos}, nil
}

// valueDone sets the expectation after a complete value.
func (r *Reader) valueDone() {
	if len(r.stack) == 0 {
		r.exp = expEnd
		return
	}
	if r.stack[len(r.stack)-1] == '{' {
		r.exp = expObjectNext
		return
	}
	r.exp = expArrayNext
	if n := len(r.path); n > 0 {
		r.path[n-1].index++
	}
}

func (r *Reader) pushPath(index int) {
	if r.mode == modeCapture {
		r.path = append(r.path, pathElem{index: index})
	}
}

func (r *Reader) popPath() {
	if r.mode == modeCapture && len(r.path) > 0 {
		r.path = r.path[:len(r.path)-1]
	}
}

// pathString renders the path of the value being read, inside the
// captured value.
func (r *Reader) pathString() string {
	var b strings.Builder
	for _, e := range r.path {
		if e.index < 0 {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(e.key)
		} else {
			fmt.Fprintf(&b, "[%d]", e.index)
		}
	}
	return b.String()
}

// refuse marks the value being captured as refused, once.
func (r *Reader) refuse(at Pos, msg, excerpt string) {
	if r.mode != modeCapture || r.over != nil {
		return
	}
	r.over = &ValueError{At: at, Path: r.pathString(), Msg: msg, Excerpt: excerpt}
	r.rec = r.rec[:0]
}

// Value reads the next value whole and returns it as written, with where
// it starts. A value past a limit, or holding a string that is not UTF-8,
// is read to its end and refused with a *ValueError; the returned bytes are
// valid only until the next call.
func (r *Reader) Value() ([]byte, Pos, error) {
	if err := r.separator(); err != nil {
		return nil, Pos{}, err
	}
	r.skipBlanks()
	start := r.pos
	if r.exp == expEnd {
		return nil, start, r.fail("after top-level value")
	}
	r.mode, r.over = modeCapture, nil
	r.rec, r.path = r.rec[:0], r.path[:0]
	defer func() { r.mode = modeTokens }()
	if err := r.value(); err != nil {
		return nil, start, err
	}
	if r.over != nil {
		r.over.Start = start
		return nil, start, r.over
	}
	return r.rec, start, nil
}

// Skip reads the next value and forgets it, keeping nothing whatever its
// size.
func (r *Reader) Skip() error {
	if err := r.separator(); err != nil {
		return err
	}
	r.mode = modeSkip
	defer func() { r.mode = modeTokens }()
	return r.value()
}

// value reads tokens until the value that starts here is complete.
func (r *Reader) value() error {
	depth := len(r.stack)
	for {
		if _, err := r.token(); err != nil {
			return err
		}
		// Complete when back at the starting depth, unless a name was
		// read (its value follows).
		if len(r.stack) == depth && r.exp != expColon {
			return nil
		}
		if err := r.separator(); err != nil {
			return err
		}
	}
}
