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
	"encoding/json"
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

// Pos is a place in the input: a byte offset, and the 1-based line and
// column (in characters) of the byte there.
type Pos struct {
	Offset    int64
	Line, Col int
}

// Kind is the kind of a token.
type Kind uint8

// Token kinds.
const (
	EOF Kind = iota
	BeginObject
	EndObject
	BeginArray
	EndArray
	String
	Number
	Bool
	Null
)

// Describe names a kind for messages: "an object", "a string", ...
func (k Kind) Describe() string {
	return [...]string{"the end of the file", "an object", "the end of an object", "a list", "the end of a list", "a string", "a number", "a boolean", "null"}[k]
}

// Token is one token: a delimiter, a scalar or a name. Text is a string's
// decoded value, a number's digits, or "true"/"false".
type Token struct {
	Kind Kind
	Text string
	// Pos is where the token starts, End just after it.
	Pos, End Pos
}

// SyntaxError is input that is not JSON. The file cannot be read past it.
type SyntaxError struct {
	Pos Pos
	// Msg is encoding/json's wording: "invalid character 'x' looking for
	// beginning of value", "unexpected end of JSON input".
	Msg string
	// Char is the offending character (-1 at the end of the input).
	Char rune
	// Context is what the reader was looking for ("looking for beginning
	// of value", "after array element", ...).
	Context string
	// EOF reports an input that ends too early; Pos is then just after its
	// last character.
	EOF bool
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// CharWithCode is Msg with a character outside ASCII named with its code
// point as well: 'é' (U+00E9).
func (e *SyntaxError) CharWithCode() string {
	if e.Char < utf8.RuneSelf || e.EOF {
		return e.Msg
	}
	q := quoteChar(e.Char)
	return strings.Replace(e.Msg, q, fmt.Sprintf("%s (U+%04X)", q, e.Char), 1)
}

// LimitError is input past a limit outside any record (a name, or a value
// read with Next). The file cannot be read past it either.
type LimitError struct {
	Pos Pos
	Msg string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// ValueError is one value refused by Value: longer than a limit, or with a
// string that is not UTF-8. The reader has moved past the whole value; the
// next call reads what follows it.
type ValueError struct {
	// Start is where the value starts; At where the problem is.
	Start, At Pos
	// Path names the offending field inside the value, in the dotted form
	// the loaders use for fields ("messageRecords[3].messageData.msg.text");
	// "" for the value itself.
	Path string
	Msg  string
	// Excerpt is the beginning of the offending string, valid UTF-8.
	Excerpt string
}

func (e *ValueError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("line %d, field %s: %s", e.At.Line, e.Path, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.At.Line, e.Msg)
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

// scanString reads a string at buf[p] ('"'), within MaxField and checking
// UTF-8. It returns the decoded text when reading tokens, and for a name
// while capturing (the name becomes the path element); otherwise nothing:
// a captured string is in the capture, a skipped one is forgotten.
func (r *Reader) scanString(name bool) (string, error) {
	start := r.pos
	limited := r.mode != modeSkip
	// raw is the string as written, quotes included: whole where its text
	// is wanted, else its first bytes for an excerpt.
	want := r.mode == modeTokens || name && r.mode == modeCapture
	var raw []byte
	size, tooLong, validUTF8 := 0, false, true
	add := func(b []byte) {
		size += len(b)
		if limited && size > r.lim.MaxField && !tooLong {
			tooLong = true
			// Refused as soon as it is known, so the field, not the
			// record it makes too long, is named.
			if r.mode == modeCapture && !name {
				r.refuse(start, fmt.Sprintf("a string longer than the limit of %s", bytesize.Format(int64(r.lim.MaxField))), excerpt(raw))
			}
		}
		if !tooLong && (want || len(raw) < 256) && r.mode != modeSkip {
			raw = append(raw, b...)
		}
	}
	add(r.buf[r.p : r.p+1])
	r.advance(1)
	for {
		r.fill(utf8.UTFMax)
		if r.p == r.n {
			if err := r.readErr(); err != nil {
				return "", err
			}
			return "", r.fail("in string literal")
		}
		// The run up to a quote, backslash or control character.
		chunk := r.buf[r.p:r.n]
		i := 0
		for i < len(chunk) {
			c := chunk[i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			i++
		}
		if i > 0 {
			run := chunk[:i]
			// A character cut by the end of the buffer waits for the
			// next read, so UTF-8 is checked on whole characters.
			if i == len(chunk) && r.rerr == nil {
				j := i - 1
				for j > 0 && i-j < utf8.UTFMax && !utf8.RuneStart(run[j]) {
					j--
				}
				if j > 0 && !utf8.FullRune(run[j:]) {
					run = run[:j]
				}
			}
			if validUTF8 && limited && !utf8.Valid(run) {
				validUTF8 = false
				if r.mode == modeCapture && !name {
					r.refuse(r.pos, notUTF8(run), excerpt(append(raw, run...)))
				}
			}
			add(run)
			r.advance(len(run))
			r.lastNB = r.pos // blanks inside a string are text
			continue
		}
		switch c := chunk[0]; {
		case c == '"':
			add(chunk[:1])
			r.advance(1)
			if r.mode == modeSkip {
				return "", nil
			}
			if tooLong {
				msg := fmt.Sprintf("a string longer than the limit of %s", bytesize.Format(int64(r.lim.MaxField)))
				if r.mode == modeTokens || name {
					return "", &LimitError{Pos: start, Msg: msg}
				}
				return "", nil
			}
			if !validUTF8 && (r.mode == modeTokens || name) {
				return "", &LimitError{Pos: start, Msg: "a string that is not UTF-8 text; JSON files are UTF-8"}
			}
			if !want {
				return "", nil
			}
			text := decodeString(raw)
			if name && r.mode == modeCapture && len(r.path) > 0 {
				r.path[len(r.path)-1].key = shortKey(text)
			}
			return text, nil
		case c == '\\':
			if r.n-r.p < 2 {
				add(chunk[:1])
				r.advance(1)
				return "", r.fail("in string escape code")
			}
			switch e := chunk[1]; e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				add(chunk[:2])
				r.advance(2)
			case 'u':
				add(chunk[:2])
				r.advance(2)
				for k := 0; k < 4; k++ {
					h, ok := r.peek()
					if !ok || !isHex(h) {
						return "", r.fail("in \\u hexadecimal character escape")
					}
					add(r.buf[r.p : r.p+1])
					r.advance(1)
				}
			default:
				add(chunk[:1])
				r.advance(1)
				return "", r.fail("in string escape code")
			}
		default: // a control character
			return "", r.fail("in string literal")
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// decodeString decodes a complete, valid JSON string literal.
func decodeString(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // valid by construction
	return s
}

// shortKey keeps a name short enough for a path in a message.
func shortKey(s string) string {
	if len(s) <= 64 {
		return s
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// excerpt is the beginning of a string as written (without its opening
// quote), valid UTF-8.
func excerpt(raw []byte) string {
	if len(raw) > 0 && raw[0] == '"' {
		raw = raw[1:]
	}
	if len(raw) > 256 {
		raw = raw[:256]
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// notUTF8 describes a string holding bytes that are not UTF-8 (a file
// saved in a legacy encoding): stored as they are, they would be served as
// U+FFFD, which no $filter on the text a user sees can match.
func notUTF8(run []byte) string {
	i := 0
	for i < len(run) {
		rn, w := utf8.DecodeRune(run[i:])
		if rn == utf8.RuneError && w <= 1 {
			break
		}
		i += w
	}
	b := byte(0)
	if i < len(run) {
		b = run[i]
	}
	return fmt.Sprintf("not UTF-8 text (byte 0x%02X); JSON files are UTF-8: if the file was saved in another encoding, load it with --encoding (for example windows-1252)", b)
}

// scanNumber reads a number with JSON's grammar.
func (r *Reader) scanNumber() (string, error) {
	start := r.pos
	var text []byte
	size := 0
	take := func() {
		size++
		if len(text) <= r.lim.MaxField && r.mode != modeSkip {
			text = append(text, r.buf[r.p])
		}
		r.advance(1)
	}
	digits := func() int {
		n := 0
		for {
			c, ok := r.peek()
			if !ok || c < '0' || c > '9' {
				return n
			}
			take()
			n++
		}
	}
	if c, _ := r.peek(); c == '-' {
		take()
		if c, ok := r.peek(); !ok || c < '0' || c > '9' {
			return "", r.fail("in numeric literal")
		}
	}
	if c, _ := r.peek(); c == '0' {
		take()
	} else {
		digits()
	}
	if c, ok := r.peek(); ok && c == '.' {
		take()
		if digits() == 0 {
			return "", r.fail("after decimal point in numeric literal")
		}
	}
	if c, ok := r.peek(); ok && (c == 'e' || c == 'E') {
		take()
		if c, ok := r.peek(); ok && (c == '+' || c == '-') {
			take()
		}
		if digits() == 0 {
			return "", r.fail("in exponent of numeric literal")
		}
	}
	if size > r.lim.MaxField && r.mode != modeSkip {
		msg := fmt.Sprintf("a number longer than the limit of %s", bytesize.Format(int64(r.lim.MaxField)))
		if r.mode == modeTokens {
			return "", &LimitError{Pos: start, Msg: msg}
		}
		r.refuse(start, msg, "")
	}
	return string(text), nil
}

// scanLiteral reads true, false or null.
func (r *Reader) scanLiteral(word string) error {
	r.advance(1)
	r.lastNB = r.pos
	for i := 1; i < len(word); i++ {
		c, ok := r.peek()
		if !ok || c != word[i] {
			return r.fail(fmt.Sprintf("in literal %s (expecting %s)", word, quoteChar(rune(word[i]))))
		}
		r.advance(1)
	}
	return nil
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
