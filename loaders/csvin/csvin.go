// Package csvin reads vendor CSV exports: it strips a UTF-8 BOM, finds the
// delimiter (comma, semicolon or tab), and matches header names by a
// normalized form, so column order, case, Unicode composition and unknown
// extra columns do not matter. Records are read within Limits, and a field
// that is not UTF-8 refuses its record (see RecordError).
package csvin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// RowSource yields the rows of a table: a CSV file or a spreadsheet sheet.
// line is the 1-based line (or sheet row) the record starts on.
type RowSource interface {
	Next() (rec []string, line int, err error)
}

// Reader reads records of one table, matching columns by name.
type Reader struct {
	src    RowSource
	file   string
	Delim  rune
	Header []string
	// orig holds the header names as the file writes them.
	orig []string
	// index maps a canonical column name to its first position.
	index map[string]int
	// Duplicates lists header names that appear more than once (the first
	// occurrence is used).
	Duplicates []string
	line       int
}

// ParseError is a CSV file that cannot be read past a point.
type ParseError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s: line %d, column %d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Normalize is the form header names are compared in: NFC, lower case,
// typographic apostrophes made plain, runs of spaces and underscores made
// one space.
func Normalize(s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	s = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u00a0", " ").Replace(s)
	s = strings.ToLower(s)
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '_' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// Open reads the header. aliases maps normalized header names (any language
// or spelling) to the canonical names the loader asks for; lim bounds each
// record (zero values take DefaultLimits).
func Open(file string, in io.Reader, aliases map[string]string, lim Limits) (*Reader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	if b, _ := br.Peek(3); len(b) == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		br.Discard(3)
	}
	first, _ := br.Peek(16 << 10)
	delim := sniffDelimiter(first)
	r, err := FromSource(file, &csvSource{s: newScanner(file, br, byte(delim), lim)}, aliases)
	if err != nil {
		return nil, err
	}
	r.Delim = delim
	return r, nil
}

// FromSource reads the header of src and returns a Reader over its rows.
func FromSource(file string, src RowSource, aliases map[string]string) (*Reader, error) {
	r := &Reader{src: src, file: file, Delim: ',', index: map[string]int{}}
	head, _, err := src.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{File: file, Line: 1, Col: 1, Msg: "the file is empty: expected a header line"}
		}
		if re := AsRecordError(err); re != nil {
			// Without its header the file cannot be read at all.
			return nil, &ParseError{File: file, Line: re.Line, Col: 1, Msg: "the header: " + re.Msg}
		}
		return nil, err
	}
	r.Header = make([]string, len(head))
	r.orig = append([]string(nil), head...)
	for i, h := range head {
		n := Normalize(h)
		if c, ok := aliases[n]; ok {
			n = c
		}
		r.Header[i] = n
		if _, dup := r.index[n]; dup {
			r.Duplicates = append(r.Duplicates, n)
			continue
		}
		r.index[n] = i
	}
	r.line = 1
	return r, nil
}

// sniffDelimiter counts candidate delimiters outside quotes on the first line.
func sniffDelimiter(b []byte) rune {
	counts := map[rune]int{}
	inQuote := false
	for _, c := range string(b) {
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		if c == '\n' || c == '\r' {
			break
		}
		if c == ',' || c == ';' || c == '\t' {
			counts[c]++
		}
	}
	best, n := ',', 0
	for _, c := range []rune{',', ';', '\t'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return best
}

// csvSource is a RowSource over the scanner, adding the hint a person
// needs for the commonest malformation.
type csvSource struct{ s *scanner }

func (c *csvSource) Next() ([]string, int, error) {
	rec, line, err := c.s.next()
	var pe *ParseError
	if errors.As(err, &pe) && (pe.Msg == errQuote.Error() || pe.Msg == errBareQuote.Error()) {
		pe.Msg += " (a quote inside a quoted field must be doubled)"
	}
	return rec, line, err
}

// Next returns the next record (reused by the following call), io.EOF, a
// *ParseError that ends the file, or a *RecordError for a record refused on
// its own (the next call reads on after it).
func (r *Reader) Next() ([]string, error) {
	rec, line, err := r.src.Next()
	if re := AsRecordError(err); re != nil {
		r.line = re.Line
		if re.Field >= 0 && re.Field < len(r.orig) {
			re.Column = r.Column(r.Header[re.Field])
			if r.index[r.Header[re.Field]] != re.Field {
				re.Column = strings.TrimSpace(r.orig[re.Field])
			}
		}
		return nil, re
	}
	if err != nil {
		return nil, err
	}
	r.line = line
	return rec, nil
}

// Line is the line the current record starts on (the header is line 1).
func (r *Reader) Line() int { return r.line }

// Column returns the header of a column as the file writes it (for reject
// messages), or the canonical name when the file lacks the column.
func (r *Reader) Column(col string) string {
	if i, ok := r.index[col]; ok {
		return strings.TrimSpace(strings.TrimPrefix(r.orig[i], "\uFEFF"))
	}
	return col
}

// Index returns the position of a column in the file's records, or -1 when
// the file lacks it: for loaders that read many records, looking columns up
// by name once rather than per field.
func (r *Reader) Index(col string) int {
	if i, ok := r.index[col]; ok {
		return i
	}
	return -1
}

// Has reports whether the file has a column.
func (r *Reader) Has(col string) bool { _, ok := r.index[col]; return ok }

// Get returns a column of rec, trimmed; "" when the file lacks it.
func (r *Reader) Get(rec []string, col string) string {
	i, ok := r.index[col]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// Raw returns a column untrimmed (message bodies keep their spacing).
func (r *Reader) Raw(rec []string, col string) string {
	i, ok := r.index[col]
	if !ok || i >= len(rec) {
		return ""
	}
	return rec[i]
}

// Width checks the record has as many fields as the header.
func (r *Reader) Width(rec []string) error {
	if len(rec) != len(r.Header) {
		return fmt.Errorf("expected %d fields as in the header, found %d", len(r.Header), len(rec))
	}
	return nil
}
