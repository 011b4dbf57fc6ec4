package csvin

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/ccfeed/ccfeed/internal/bytesize"
)

// Limits bound what one record may make the reader hold. Zero values take
// DefaultLimits.
type Limits struct {
	// MaxField is the largest field, in bytes of its value.
	MaxField int
	// MaxRecord is the largest record, in bytes as written (quotes,
	// delimiters and line breaks included).
	MaxRecord int
}

// DefaultLimits are far above any real export: a message body is a few KB.
var DefaultLimits = Limits{MaxField: 1 << 20, MaxRecord: 16 << 20}

// MaxColumns is the most fields a record may have: Excel's column limit
// (XFD). Each field costs the reader a slice entry whatever its length, so
// a record of nothing but delimiters is bounded too.
const MaxColumns = 16384

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

// RecordError is one record refused for its shape: larger than a limit, or
// text that is not UTF-8. The reader has moved past the whole record; the
// next call reads the one after it. Loaders turn it into a reject.
type RecordError struct {
	File string
	// Line is where the record starts.
	Line int
	// Field is the 0-based position of the offending field (-1 for the
	// record as a whole); Column its header as the file writes it, once the
	// header is known.
	Field  int
	Column string
	Msg    string
	// Excerpt is the beginning of the offending field, valid UTF-8.
	Excerpt string
}

func (e *RecordError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("%s: line %d, field %s: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: line %d: %s", e.File, e.Line, e.Msg)
}

// AsRecordError returns err as a *RecordError, or nil.
func AsRecordError(err error) *RecordError {
	var re *RecordError
	if errors.As(err, &re) {
		return re
	}
	return nil
}

// Errors of a malformed file, worded as encoding/csv words them.
var (
	errBareQuote = errors.New("bare \" in non-quoted-field")
	errQuote     = errors.New("extraneous or missing \" in quoted-field")
)

// scanner reads CSV records with encoding/csv's rules (RFC 4180, quotes
// doubled inside quoted fields, \r\n read as \n, empty lines skipped, a
// quote in an unquoted field an error) and the same line and column in its
// errors, but never holds more than one record within the limits: a record
// or field past a limit is read to its end without being kept, and
// reported as a *RecordError. encoding/csv reads a whole line before
// looking at it, so one 200 MB line costs it 200 MB several times over.
type scanner struct {
	r     io.Reader
	file  string
	comma byte
	lim   Limits

	// raw[rp:rn] is read but not yet scanned.
	raw    []byte
	rp, rn int
	rerr   error
	// line and col locate the next byte to scan (1-based; col in bytes,
	// as encoding/csv counts).
	line, col int

	// The record being read: field values one after the other in buf,
	// each ending at the offset in ends.
	buf  []byte
	ends []int
	rec  []string
	// start is the line the record starts on.
	start int
}

func newScanner(file string, r io.Reader, comma byte, lim Limits) *scanner {
	return &scanner{r: r, file: file, comma: comma, lim: lim.orDefault(), raw: make([]byte, 64<<10), line: 1, col: 1}
}

// peekByte returns the next byte without consuming it; ok is false at the
// end of the input (or on a read error, kept in s.rerr).
func (s *scanner) peekByte() (byte, bool) {
	if s.rp == s.rn && !s.fill() {
		return 0, false
	}
	return s.raw[s.rp], true
}

// fill reads more input; false at its end.
func (s *scanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	s.rp, s.rn = 0, 0
	for s.rn == 0 {
		n, err := s.r.Read(s.raw)
		s.rn = n
		if err != nil {
			s.rerr = err
			return n > 0
		}
	}
	return true
}

// readErr is the error that ended the input: nil for its normal end.
func (s *scanner) readErr() error {
	if s.rerr == nil || errors.Is(s.rerr, io.EOF) {
		return nil
	}
	return s.rerr
}

// field states
const (
	stFieldStart = iota // at the start of a field
	stUnquoted          // inside an unquoted field
	stQuoted            // inside a quoted field
	stQuote             // just after a quote inside a quoted field
)

// next reads the next record: its fields (valid until the following call)
// and the line it starts on, io.EOF at the end, a *ParseError for a
// malformed file, or a *RecordError for a record refused on its own.
func (s *scanner) next() ([]string, int, error) {
	// Skip empty lines, as encoding/csv does.
	for {
		c, ok := s.peekByte()
		if !ok {
			if err := s.readErr(); err != nil {
				return nil, 0, err
			}
			return nil, 0, io.EOF
		}
		if c == '\n' {
			s.consumeNewline()
			continue
		}
		if c == '\r' && s.crlfAhead() {
			s.rp++
			s.consumeNewline()
			continue
		}
		if c == '\r' && s.crAtEOF() {
			// A last line holding only \r is empty once encoding/csv
			// drops the \r before the end of the input.
			s.rp++
			continue
		}
		break
	}
	s.start = s.line
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	var (
		state     = stFieldStart
		recBytes  int // bytes of the record as written
		fieldLen  int // bytes of the current field's value
		over      *RecordError
		fields    = 0 // fields started, counting the current one
		quoteLine int
		quoteCol  int
	)
	// keep appends value bytes of the current field unless a limit was
	// crossed.
	keep := func(b []byte) {
		fieldLen += len(b)
		if over != nil {
			return
		}
		if fieldLen > s.lim.MaxField {
			over = s.tooLarge(fields-1, fmt.Sprintf("the field is longer than the limit of %s", bytesize.Format(int64(s.lim.MaxField))))
			return
		}
		s.buf = append(s.buf, b...)
	}
	// grow counts bytes of the record as written; a delimiter counts with
	// the field it ends.
	grow := func(n int) {
		recBytes += n
		if recBytes > s.lim.MaxRecord && over == nil {
			over = s.tooLarge(fields-1, fmt.Sprintf("the record is longer than the limit of %s", bytesize.Format(int64(s.lim.MaxRecord))))
		}
	}
	endField := func() {
		if over == nil {
			s.ends = append(s.ends, len(s.buf))
		}
		fieldLen = 0
	}
	startField := func() {
		fields++
		if fields > MaxColumns && over == nil {
			over = s.tooLarge(-1, fmt.Sprintf("the record has more than %d fields", MaxColumns))
		}
	}
	startField()
	for {
		if s.rp == s.rn && !s.fill() {
			if err := s.readErr(); err != nil {
				return nil, s.start, err
			}
			switch state {
			case stQuoted:
				return nil, s.start, &ParseError{File: s.file, Line: quoteLine, Col: quoteCol, Msg: errQuote.Error()}
			}
			endField()
			return s.finish(over)
		}
		switch state {
		case stFieldStart, stUnquoted:
			if state == stFieldStart && s.raw[s.rp] == '"' {
				s.rp++
				s.col++
				grow(1)
				state = stQuoted
				quoteLine, quoteCol = s.line, s.col
				continue
			}
			state = stUnquoted
			// The run of plain bytes up to a delimiter, quote or line end.
			chunk := s.raw[s.rp:s.rn]
			i := 0
			for i < len(chunk) {
				c := chunk[i]
				if c == s.comma || c == '"' || c == '\n' || c == '\r' {
					break
				}
				i++
			}
			keep(chunk[:i])
			s.rp += i
			s.col += i
			grow(i)
			if i == len(chunk) {
				continue
			}
			switch c := chunk[i]; c {
			case s.comma:
				s.rp++
				s.col++
				grow(1)
				endField()
				startField()
				state = stFieldStart
			case '"':
				return nil, s.start, &ParseError{File: s.file, Line: s.line, Col: s.col, Msg: errBareQuote.Error()}
			case '\n':
				s.consumeNewline()
				endField()
				return s.finish(over)
			case '\r':
				s.rp++
				if s.crlfAheadAfterCR() {
					s.consumeNewline()
					endField()
					return s.finish(over)
				}
				if s.atEOF() {
					// encoding/csv drops a \r that ends the input.
					endField()
					return s.finish(over)
				}
				s.col++
				grow(1)
				keep([]byte{'\r'})
			}
		case stQuoted:
			chunk := s.raw[s.rp:s.rn]
			i := 0
			for i < len(chunk) {
				c := chunk[i]
				if c == '"' || c == '\n' || c == '\r' {
					break
				}
				i++
			}
			if i > 0 {
				keep(chunk[:i])
				s.rp += i
				s.col += i
				grow(i)
				quoteLine, quoteCol = s.line, s.col
				continue
			}
			// An unterminated quote is reported where encoding/csv reports
			// it: just after the last byte of the input, a line break
			// counting as a byte of the line it ends.
			switch chunk[0] {
			case '"':
				s.rp++
				s.col++
				grow(1)
				state = stQuote
			case '\n':
				quoteLine, quoteCol = s.line, s.col+1
				s.consumeNewline()
				grow(1)
				keep([]byte{'\n'})
			case '\r':
				s.rp++
				grow(1)
				if s.crlfAheadAfterCR() {
					quoteLine, quoteCol = s.line, s.col+1
					s.consumeNewline()
					grow(1)
					keep([]byte{'\n'})
					continue
				}
				if s.atEOF() {
					continue // dropped, as encoding/csv drops a final \r
				}
				s.col++
				keep([]byte{'\r'})
				quoteLine, quoteCol = s.line, s.col
			}
		case stQuote:
			switch c := s.raw[s.rp]; {
			case c == '"':
				s.rp++
				s.col++
				grow(1)
				keep([]byte{'"'})
				state = stQuoted
				quoteLine, quoteCol = s.line, s.col
			case c == s.comma:
				s.rp++
				s.col++
				grow(1)
				endField()
				startField()
				state = stFieldStart
			case c == '\n':
				s.consumeNewline()
				endField()
				return s.finish(over)
			case c == '\r' && s.crlfAhead():
				s.rp++
				s.consumeNewline()
				endField()
				return s.finish(over)
			case c == '\r' && s.crAtEOF():
				s.rp++
				endField()
				return s.finish(over)
			default:
				return nil, s.start, &ParseError{File: s.file, Line: s.line, Col: s.col - 1, Msg: errQuote.Error()}
			}
		}
	}
}

// consumeNewline consumes the '\n' at s.rp.
func (s *scanner) consumeNewline() {
	s.rp++
	s.line++
	s.col = 1
}

// crlfAhead reports whether the '\r' at s.rp is followed by '\n'.
func (s *scanner) crlfAhead() bool {
	if s.rp+1 < s.rn {
		return s.raw[s.rp+1] == '\n'
	}
	// The '\n' may be in the next read: keep the '\r' and look.
	s.rp++
	c, ok := s.peekByteKeepingCR()
	s.rp--
	return ok && c == '\n'
}

// crlfAheadAfterCR reports whether the byte at s.rp (just after a consumed
// '\r') is '\n'.
func (s *scanner) crlfAheadAfterCR() bool {
	c, ok := s.peekByteKeepingCR()
	return ok && c == '\n'
}

// crAtEOF reports whether the '\r' at s.rp is the last byte of the input.
func (s *scanner) crAtEOF() bool {
	s.rp++
	_, ok := s.peekByteKeepingCR()
	s.rp--
	return !ok
}

// atEOF reports whether nothing follows s.rp.
func (s *scanner) atEOF() bool {
	_, ok := s.peekByteKeepingCR()
	return !ok
}

// peekByteKeepingCR is peekByte that keeps the byte just before s.rp (a
// '\r' being decided on) in the buffer across a refill, so s.rp-- stays
// valid.
func (s *scanner) peekByteKeepingCR() (byte, bool) {
	if s.rp < s.rn {
		return s.raw[s.rp], true
	}
	if s.rerr != nil {
		return 0, false
	}
	// Move the last byte to the front and read after it.
	if s.rp > 0 {
		s.raw[0] = s.raw[s.rp-1]
		s.rp, s.rn = 1, 1
	}
	for s.rn == s.rp {
		n, err := s.r.Read(s.raw[s.rn:])
		s.rn += n
		if err != nil {
			s.rerr = err
			break
		}
	}
	if s.rp < s.rn {
		return s.raw[s.rp], true
	}
	return 0, false
}

// tooLarge builds the error of a record past a limit at field i.
func (s *scanner) tooLarge(i int, msg string) *RecordError {
	e := &RecordError{File: s.file, Line: s.start, Field: i, Msg: msg}
	if i >= 0 {
		from := 0
		if i > 0 && i-1 < len(s.ends) {
			from = s.ends[i-1]
		}
		e.Excerpt = validPrefix(s.buf[from:], 256)
	}
	return e
}

// finish ends a record: its fields, or the error that refused it.
func (s *scanner) finish(over *RecordError) ([]string, int, error) {
	if over != nil {
		return nil, s.start, over
	}
	// One string for the whole record, sliced into fields: one allocation
	// per record, as encoding/csv does.
	str := string(s.buf)
	s.rec = s.rec[:0]
	prev := 0
	for _, end := range s.ends {
		s.rec = append(s.rec, str[prev:end])
		prev = end
	}
	for i, f := range s.rec {
		if !utf8.ValidString(f) {
			return nil, s.start, notUTF8(s.file, s.start, i, f)
		}
	}
	return s.rec, s.start, nil
}

// notUTF8 is the error of a field whose bytes are not UTF-8: a file saved
// in a legacy encoding (Windows-1252, Latin-1), read as UTF-8. Stored as
// they are, such bytes would be served as U+FFFD, which no $filter on the
// text a user sees can match.
func notUTF8(file string, line, field int, f string) *RecordError {
	i := 0
	for i < len(f) {
		r, w := utf8.DecodeRuneInString(f[i:])
		if r == utf8.RuneError && w <= 1 {
			break
		}
		i += w
	}
	return &RecordError{File: file, Line: line, Field: field,
		Msg: fmt.Sprintf("not UTF-8 text (byte 0x%02X after %q); if the file was saved in another encoding, load it with --encoding (for example windows-1252)",
			f[i], lastRunes(f[:i], 20)),
		Excerpt: validPrefix([]byte(f), 256)}
}

// validPrefix is at most n bytes of b's beginning, cut at a character
// boundary, with invalid bytes shown as U+FFFD.
func validPrefix(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) && len(b) > n-utf8.UTFMax {
			b = b[:len(b)-1]
		}
	}
	return string([]rune(string(b)))
}

// lastRunes is the last n characters of s.
func lastRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[len(r)-n:]
	}
	return string(r)
}
