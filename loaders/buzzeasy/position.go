package buzzeasy

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// posReader sits between the file and the JSON decoder and turns byte
// offsets into lines and columns. It keeps the bytes the decoder has read
// since the last position asked for (one record and the decoder's read-ahead,
// not the file), so memory stays flat however long the file.
type posReader struct {
	r    io.Reader
	buf  []byte // bytes from offset base on
	base int64
	line int // line of the byte at base (1-based)
	col  int // characters before it on its line
}

func newPosReader(r io.Reader) *posReader { return &posReader{r: r, line: 1} }

func (p *posReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.buf = append(p.buf, b[:n]...)
	return n, err
}

// at returns the line and column (1-based, in characters) of the byte at
// absolute offset off, and forgets the bytes before it: offsets must be
// asked for in increasing order (earlier ones get the last position).
func (p *posReader) at(off int64) (line, col int) {
	n := off - p.base
	if n < 0 {
		n = 0
	}
	if n > int64(len(p.buf)) {
		n = int64(len(p.buf))
	}
	for _, c := range p.buf[:n] {
		switch {
		case c == '\n':
			p.line++
			p.col = 0
		case c&0xC0 != 0x80: // not a UTF-8 continuation byte
			p.col++
		}
	}
	p.buf = append(p.buf[:0], p.buf[n:]...)
	p.base += n
	return p.line, p.col + 1
}

// end is the offset just past the last byte read.
func (p *posReader) end() int64 { return p.base + int64(len(p.buf)) }

// from returns the bytes kept from absolute offset off on (nil when they
// are gone).
func (p *posReader) from(off int64) []byte {
	if off < p.base || off > p.end() {
		return nil
	}
	return p.buf[off-p.base:]
}

// skipSeparators moves off past whitespace and one ':' or ',' to where the
// next JSON value begins.
func (p *posReader) skipSeparators(off int64) int64 {
	b := p.from(off)
	for i, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', ':', ',':
			continue
		}
		return off + int64(i)
	}
	return off + int64(len(b))
}

// syntaxOffset finds where a JSON syntax error is. The decoder's own
// offsets are exact for errors between values (a missing comma) but, for an
// error inside a value it decodes, count from an earlier point; so the value
// that was being read, starting at anchor, is checked again on its own,
// where the offset is exact. It returns the offset of the offending byte.
func (p *posReader) syntaxOffset(err error, anchor int64) int64 {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return p.end()
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return p.end()
	}
	if anchor >= 0 {
		start := p.skipSeparators(anchor)
		var re *json.SyntaxError
		if err := json.Unmarshal(p.from(start), new(json.RawMessage)); errors.As(err, &re) {
			if re.Error() == "unexpected end of JSON input" {
				return p.end()
			}
			// An error "after top-level value" means the value read was
			// whole and the fault lies after it, where the decoder's own
			// offset is right.
			if !strings.Contains(re.Error(), "after top-level value") {
				return start + re.Offset - 1
			}
		}
	}
	return se.Offset
}
