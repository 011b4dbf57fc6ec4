package xlsx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// xmlScanner reads the XML of a workbook part as tags and text, holding
// nothing the caller does not ask for. encoding/xml cannot bound what it
// holds: it returns each run of text, comment or CDATA section whole, so
// a sheet of 3 GB of blanks between two tags (3 MB zipped) became 8 GB of
// memory. Here text is kept only while the caller wants it (keep), and a
// tag, name or attribute has a fixed maximum size. The XML of a workbook is
// plain (no DTD: one is refused, and with it any entity expansion), so the
// scanner reads just what SpreadsheetML uses: elements, attributes, text
// with the predefined and numeric character references, CDATA, comments
// and processing instructions.
type xmlScanner struct {
	part string
	r    *bufio.Reader
	line int
	// keep is set by the caller: the text that follows is wanted.
	keep bool

	stack   []string
	pending bool // an empty element's end is due
	tok     xmlToken
	text    []byte
}

// Limits of the scanner's own: far above anything SpreadsheetML writes.
const (
	maxXMLName  = 256
	maxXMLAttr  = 64 << 10
	maxXMLAttrs = 512
	maxXMLDepth = 128
	// maxXMLText is the most text one text token carries; longer text
	// comes as several tokens, which the caller accumulates within its
	// own limit.
	maxXMLText = 64 << 10
)

type xmlKind uint8

const (
	xmlEOF xmlKind = iota
	xmlStart
	xmlEnd
	xmlText
)

type xmlAttr struct{ name, value string }

// xmlToken is one tag or run of text; it is valid until the next call.
type xmlToken struct {
	kind  xmlKind
	name  string // local name, without a namespace prefix
	attrs []xmlAttr
	// text is the decoded text (only when keep was set).
	text []byte
}

func (t *xmlToken) attr(name string) string {
	for _, a := range t.attrs {
		if a.name == name {
			return a.value
		}
	}
	return ""
}

func newXMLScanner(part string, r io.Reader) *xmlScanner {
	return &xmlScanner{part: part, r: bufio.NewReaderSize(r, 64<<10), line: 1}
}

func (s *xmlScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("%s line %d: %s", s.part, s.line, fmt.Sprintf(format, args...))
}

// readErr wraps a read error (a limit of the part, a corrupt zip) with
// where it happened; the end of the input inside an element is an error.
func (s *xmlScanner) readErr(err error) error {
	if errors.Is(err, io.EOF) {
		if len(s.stack) > 0 {
			return s.errorf("the part ends inside <%s>", s.stack[len(s.stack)-1])
		}
		return io.EOF
	}
	var le *limitError
	if errors.As(err, &le) {
		return le
	}
	return s.errorf("%v", err)
}

// next returns the next tag or (when kept) text. Text that is not kept is
// skipped without being held.
func (s *xmlScanner) next() (*xmlToken, error) {
	if s.pending {
		s.pending = false
		s.tok.kind = xmlEnd
		s.tok.name = s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		return &s.tok, nil
	}
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) && len(s.stack) == 0 {
				return &xmlToken{kind: xmlEOF}, nil
			}
			return nil, s.readErr(err)
		}
		if c != '<' {
			s.r.UnreadByte()
			if !s.keep {
				if err := s.skipText(); err != nil {
					return nil, err
				}
				continue
			}
			if err := s.readText(); err != nil {
				return nil, err
			}
			if len(s.text) == 0 {
				continue
			}
			s.tok.kind, s.tok.text = xmlText, s.text
			return &s.tok, nil
		}
		c, err = s.r.ReadByte()
		if err != nil {
			return nil, s.readErr(err)
		}
		switch c {
		case '/':
			return s.endTag()
		case '?':
			if err := s.instruction(); err != nil {
				return nil, err
			}
		case '!':
			tok, err := s.bang()
			if err != nil || tok != nil {
				return tok, err
			}
		default:
			s.r.UnreadByte()
			return s.startTag()
		}
	}
}

// skipText consumes text up to the next '<', counting lines.
func (s *xmlScanner) skipText() error {
	for {
		chunk, err := s.r.ReadSlice('<')
		s.line += bytes.Count(chunk, []byte{'\n'})
		if err == nil {
			s.r.UnreadByte()
			return nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return s.readErr(err)
		}
	}
}

// readText reads text up to the next '<' (about maxXMLText of it at most:
// longer text comes in several tokens, each ending on a whole character),
// decoding references and line ends.
func (s *xmlScanner) readText() error {
	s.text = s.text[:0]
	for len(s.text) < maxXMLText || !wholeTail(s.text) {
		c, err := s.r.ReadByte()
		if err != nil {
			return s.readErr(err)
		}
		switch c {
		case '<':
			s.r.UnreadByte()
			return s.checkUTF8()
		case '&':
			if err := s.reference(&s.text); err != nil {
				return err
			}
		case '\r':
			// XML reads \r\n and a lone \r as \n.
			if n, _ := s.r.Peek(1); len(n) == 1 && n[0] == '\n' {
				continue
			}
			s.text = append(s.text, '\n')
			s.line++
		case '\n':
			s.text = append(s.text, '\n')
			s.line++
		default:
			s.text = append(s.text, c)
		}
	}
	return s.checkUTF8()
}

// wholeTail reports whether b does not end in the middle of a UTF-8
// character (an invalid byte counts as whole).
func wholeTail(b []byte) bool {
	for k := 1; k <= utf8.UTFMax && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			return utf8.FullRune(b[len(b)-k:]) || k == utf8.UTFMax
		}
	}
	return true
}

func (s *xmlScanner) checkUTF8() error {
	if utf8.Valid(s.text) {
		return nil
	}
	return s.errorf("text that is not UTF-8")
}

// reference decodes a character reference after '&' into dst.
func (s *xmlScanner) reference(dst *[]byte) error {
	var name [12]byte
	n := 0
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return s.readErr(err)
		}
		if c == ';' {
			break
		}
		if n == len(name) {
			return s.errorf("an unterminated character reference")
		}
		name[n] = c
		n++
	}
	ref := string(name[:n])
	switch ref {
	case "lt":
		*dst = append(*dst, '<')
	case "gt":
		*dst = append(*dst, '>')
	case "amp":
		*dst = append(*dst, '&')
	case "quot":
		*dst = append(*dst, '"')
	case "apos":
		*dst = append(*dst, '\'')
	default:
		if !strings.HasPrefix(ref, "#") {
			return s.errorf("unknown entity &%s; (a workbook uses only the predefined ones)", ref)
		}
		var v uint64
		var err error
		if strings.HasPrefix(ref, "#x") {
			v, err = strconv.ParseUint(ref[2:], 16, 32)
		} else {
			v, err = strconv.ParseUint(ref[1:], 10, 32)
		}
		if err != nil || !utf8.ValidRune(rune(v)) {
			return s.errorf("invalid character reference &%s;", ref)
		}
		*dst = utf8.AppendRune(*dst, rune(v))
	}
	return nil
}

// name reads an XML name (up to a delimiter) and returns its local part.
func (s *xmlScanner) name() (string, error) {
	var b [maxXMLName]byte
	n := 0
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return "", s.readErr(err)
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/' || c == '=' {
			s.r.UnreadByte()
			break
		}
		if n == len(b) {
			return "", s.errorf("a name longer than %d bytes", maxXMLName)
		}
		b[n] = c
		n++
	}
	if n == 0 {
		return "", s.errorf("expected a name")
	}
	name := b[:n]
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	return internName(name), nil
}

// internName avoids an allocation for the names a sheet repeats.
func internName(b []byte) string {
	switch string(b) {
	case "c":
		return "c"
	case "v":
		return "v"
	case "row":
		return "row"
	case "t":
		return "t"
	case "r":
		return "r"
	case "s":
		return "s"
	case "is":
		return "is"
	case "si":
		return "si"
	}
	return string(b)
}

func (s *xmlScanner) skipSpace() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, s.readErr(err)
		}
		switch c {
		case '\n':
			s.line++
		case ' ', '\t', '\r':
		default:
			return c, nil
		}
	}
}

// startTag reads "name attr='v' ...>" or "/>".
func (s *xmlScanner) startTag() (*xmlToken, error) {
	name, err := s.name()
	if err != nil {
		return nil, err
	}
	if len(s.stack) >= maxXMLDepth {
		return nil, s.errorf("elements nested deeper than %d levels", maxXMLDepth)
	}
	s.tok.kind, s.tok.name, s.tok.attrs = xmlStart, name, s.tok.attrs[:0]
	for {
		c, err := s.skipSpace()
		if err != nil {
			return nil, err
		}
		switch c {
		case '>':
			s.stack = append(s.stack, name)
			return &s.tok, nil
		case '/':
			if c, err := s.r.ReadByte(); err != nil || c != '>' {
				return nil, s.errorf("expected /> in <%s>", name)
			}
			s.stack = append(s.stack, name)
			s.pending = true
			return &s.tok, nil
		}
		s.r.UnreadByte()
		if len(s.tok.attrs) == maxXMLAttrs {
			return nil, s.errorf("more than %d attributes in <%s>", maxXMLAttrs, name)
		}
		an, err := s.name()
		if err != nil {
			return nil, err
		}
		if c, err := s.skipSpace(); err != nil || c != '=' {
			return nil, s.errorf("expected = after attribute %s of <%s>", an, name)
		}
		q, err := s.skipSpace()
		if err != nil {
			return nil, err
		}
		if q != '"' && q != '\'' {
			return nil, s.errorf("expected a quoted value for attribute %s of <%s>", an, name)
		}
		var v []byte
		for {
			c, err := s.r.ReadByte()
			if err != nil {
				return nil, s.readErr(err)
			}
			if c == q {
				break
			}
			if len(v) >= maxXMLAttr {
				return nil, s.errorf("attribute %s of <%s> is longer than %d bytes", an, name, maxXMLAttr)
			}
			switch c {
			case '&':
				if err := s.reference(&v); err != nil {
					return nil, err
				}
			case '<':
				return nil, s.errorf("'<' in attribute %s of <%s>", an, name)
			case '\n':
				s.line++
				v = append(v, c)
			default:
				v = append(v, c)
			}
		}
		s.tok.attrs = append(s.tok.attrs, xmlAttr{name: an, value: string(v)})
	}
}

// endTag reads "name>" after "</".
func (s *xmlScanner) endTag() (*xmlToken, error) {
	name, err := s.name()
	if err != nil {
		return nil, err
	}
	if c, err := s.skipSpace(); err != nil || c != '>' {
		return nil, s.errorf("expected > after </%s", name)
	}
	if len(s.stack) == 0 || s.stack[len(s.stack)-1] != name {
		return nil, s.errorf("</%s> closes no open element", name)
	}
	s.stack = s.stack[:len(s.stack)-1]
	s.tok.kind, s.tok.name, s.tok.attrs = xmlEnd, name, s.tok.attrs[:0]
	return &s.tok, nil
}

// instruction skips a processing instruction after "<?"; the XML
// declaration's encoding must be UTF-8 (what every spreadsheet writes).
func (s *xmlScanner) instruction() error {
	var head []byte
	prev := byte(0)
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return s.readErr(err)
		}
		if c == '\n' {
			s.line++
		}
		if prev == '?' && c == '>' {
			break
		}
		if len(head) < 512 {
			head = append(head, c)
		}
		prev = c
	}
	decl := strings.ToLower(string(head))
	if strings.HasPrefix(decl, "xml") {
		if i := strings.Index(decl, "encoding="); i >= 0 {
			enc := strings.Trim(strings.Fields(decl[i+len("encoding="):] + " ")[0], `"'?`)
			if enc != "utf-8" && enc != "utf8" {
				return s.errorf("the part is encoded in %s; workbooks are UTF-8", enc)
			}
		}
	}
	return nil
}

// bang reads what follows "<!": a comment (skipped), CDATA (text) or a
// DTD (refused).
func (s *xmlScanner) bang() (*xmlToken, error) {
	p, _ := s.r.Peek(7)
	switch {
	case bytes.HasPrefix(p, []byte("--")):
		s.r.Discard(2)
		return nil, s.skipUntil("-->")
	case bytes.HasPrefix(p, []byte("[CDATA[")):
		s.r.Discard(7)
		if !s.keep {
			return nil, s.skipUntil("]]>")
		}
		s.text = s.text[:0]
		for {
			c, err := s.r.ReadByte()
			if err != nil {
				return nil, s.readErr(err)
			}
			if c == '\n' {
				s.line++
			}
			s.text = append(s.text, c)
			if bytes.HasSuffix(s.text, []byte("]]>")) {
				s.text = s.text[:len(s.text)-3]
				break
			}
			if len(s.text) >= maxXMLText+3 {
				return nil, s.errorf("a CDATA section longer than %d bytes", maxXMLText)
			}
		}
		if err := s.checkUTF8(); err != nil {
			return nil, err
		}
		s.tok.kind, s.tok.text = xmlText, s.text
		return &s.tok, nil
	}
	return nil, s.errorf("a document type declaration: a workbook part has none")
}

// skipUntil consumes input up to and including end, holding none of it.
func (s *xmlScanner) skipUntil(end string) error {
	matched := 0
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return s.readErr(err)
		}
		if c == '\n' {
			s.line++
		}
		switch {
		case c == end[matched]:
			matched++
			if matched == len(end) {
				return nil
			}
		case c == end[0]:
			matched = 1
		default:
			matched = 0
		}
	}
}
