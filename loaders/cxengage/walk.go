package cxengage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ccfeed/ccfeed/loaders"
)

// walk streams a CxEngage file and hands fn one interaction at a time, as
// its raw JSON and the line it starts on. The file is one of:
//
//	{"interactionId": ..., ...}                      a single interaction
//	{"page": ..., "total": ..., "results": [...]}    a list page
//	[{...}, {...}]                                   a bare list of interactions
//
// A list is never held whole: the decoder goes down to results[] and
// decodes one element at a time. A syntax error anywhere fails the file
// with its line and column (a *loaders.FileError); since the caller's
// transaction then rolls back, nothing of the file is kept.
func walk(ctx context.Context, name string, r io.Reader, fn func(raw []byte, line int64) error) error {
	return newWalker(ctx, name, r, fn).run()
}

func newWalker(ctx context.Context, name string, r io.Reader, fn func(raw []byte, line int64) error) *walker {
	br := bufio.NewReader(r)
	// A UTF-8 byte order mark is not JSON; editors that re-save a file add
	// one. It is dropped, so columns on line 1 count from after it.
	if head, _ := br.Peek(3); bytes.Equal(head, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	t := &tail{r: br}
	dec := json.NewDecoder(t)
	// Numbers met by Token stay text: a huge one is not an overflow error.
	dec.UseNumber()
	return &walker{ctx: ctx, name: name, t: t, dec: dec, fn: fn}
}

// errTrailing is a second JSON value after the first: json.Decoder reads
// streams of values, a file holds one.
var errTrailing = errors.New("data after the end of the top-level value")

// walker holds the state of one walk.
type walker struct {
	ctx  context.Context
	name string
	t    *tail
	dec  *json.Decoder
	fn   func(raw []byte, line int64) error
	// prefix is JSON that puts a fresh parser in the state the stream is
	// in at t.base (inside results[], after an element), so an error can
	// be located by parsing only the retained tail (see locate).
	prefix string
}

func (w *walker) run() error {
	tok, err := w.dec.Token()
	if errors.Is(err, io.EOF) {
		return &loaders.FileError{File: w.name, Line: 1, Col: 1, Msg: "the file is empty; expected a CxEngage interaction or list page"}
	}
	if err != nil {
		return w.fail(err)
	}
	switch tok {
	case json.Delim('{'):
		err = w.object()
	case json.Delim('['):
		err = w.array("[")
	default:
		return w.errorAt(w.valueStart(0), fmt.Sprintf("expected an interaction or a list page (a JSON object), found %s", describe(tok)))
	}
	if err != nil {
		return err
	}
	// Nothing may follow the top-level value.
	if _, err := w.dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errTrailing
		}
		return w.fail(err)
	}
	return nil
}

// object walks the top-level object: a list page, whose results are
// streamed, or a single interaction, whose fields are collected and handed
// over at its end.
func (w *walker) object() error {
	fields := map[string]json.RawMessage{}
	page := false
	for w.dec.More() {
		k, err := w.dec.Token()
		if err != nil {
			return w.fail(err)
		}
		key, _ := k.(string)
		if key == "results" {
			at := w.valueStart(w.dec.InputOffset())
			v, err := w.dec.Token()
			if err != nil {
				return w.fail(err)
			}
			switch v {
			case json.Delim('['):
				page = true
				if err := w.array(`{"results":[`); err != nil {
					return err
				}
			case nil:
				page = true
			default:
				return w.errorAt(at, fmt.Sprintf("results: expected a list of interactions, found %s", describe(v)))
			}
			continue
		}
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return w.fail(err)
		}
		fields[key] = raw
	}
	if _, err := w.dec.Token(); err != nil {
		return w.fail(err)
	}
	if page || isEnvelope(fields) {
		// A page with no results (or results null) loads nothing; a total
		// larger than the results is the API's paging, not an error.
		return nil
	}
	if _, ok := fields["interactionId"]; !ok {
		return &loaders.FileError{File: w.name, Line: 1, Col: 1,
			Msg: "neither an interaction (no interactionId) nor a list page (no results)"}
	}
	raw, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	return w.fn(raw, 1)
}

// isEnvelope reports whether a top-level object without results is still a
// list page (the API leaves out null values unless asked for them).
func isEnvelope(fields map[string]json.RawMessage) bool {
	if _, ok := fields["interactionId"]; ok {
		return false
	}
	for _, k := range []string{"total", "limit", "offset", "tenantTimezone"} {
		if _, ok := fields[k]; ok {
			return true
		}
	}
	return false
}

// array streams the elements of a list of interactions; prefix is the JSON
// that opens the list from the top of the file (see walker.prefix).
func (w *walker) array(prefix string) error {
	for w.dec.More() {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return w.fail(err)
		}
		end := w.dec.InputOffset()
		line, _ := w.t.position(end - int64(len(raw)))
		if err := w.fn(raw, int64(line)); err != nil {
			return err
		}
		// Everything up to here parsed: forget it, so memory stays at one
		// interaction whatever the length of the list.
		w.t.commit(end)
		w.prefix = prefix + "0"
	}
	if _, err := w.dec.Token(); err != nil {
		return w.fail(err)
	}
	return nil
}

// fail turns a decoder error into a *loaders.FileError with a position.
// The decoder's own offsets cannot be trusted for that (a SyntaxError from
// Decode counts only the bytes Decode scanned, not those Token read), so
// the error is found again by parsing the retained input (see locate).
func (w *walker) fail(err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) && !errors.Is(err, errTrailing) {
		// A read error or a cancelled context: not the file's fault.
		return fmt.Errorf("%s: %w", w.name, err)
	}
	if off, msg, ok := w.locate(); ok {
		return w.errorAt(off, msg)
	}
	return w.errorAt(w.dec.InputOffset(), err.Error())
}

// locate parses the retained input, behind w.prefix, and returns the offset
// and message of its first syntax error.
func (w *walker) locate() (int64, string, bool) {
	kept := w.t.retained()
	data := make([]byte, 0, len(w.prefix)+len(kept))
	data = append(append(data, w.prefix...), kept...)
	var v struct{}
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return 0, "", false
	}
	if se.Offset >= int64(len(data)) && strings.HasPrefix(se.Error(), "unexpected end") {
		// Truncated: point just after the last character there is.
		return w.t.base + int64(len(bytes.TrimRight(kept, " \t\r\n"))), se.Error(), true
	}
	// Offset counts the bytes read including the offending one.
	off := max(w.t.base+se.Offset-1-int64(len(w.prefix)), w.t.base)
	msg := se.Error()
	// The scanner names the offending byte; for a character of several
	// bytes (a typographic quote) name the character instead.
	if i := off - w.t.base; i < int64(len(kept)) && kept[i] >= utf8.RuneSelf {
		if r, size := utf8.DecodeRune(kept[i:]); r != utf8.RuneError && size > 1 {
			msg = strings.Replace(msg, "'"+string(rune(kept[i]))+"'", "'"+string(r)+"'", 1)
		}
	}
	return off, msg, true
}

func (w *walker) errorAt(off int64, msg string) error {
	line, col := w.t.position(off)
	return &loaders.FileError{File: w.name, Line: line, Col: col, Msg: msg}
}

// valueStart skips the blanks, colon or comma between the decoder's
// position and the next value, so an error points at the value itself.
func (w *walker) valueStart(off int64) int64 {
	kept := w.t.retained()
	for i := off - w.t.base; i >= 0 && i < int64(len(kept)); i++ {
		switch kept[i] {
		case ' ', '\t', '\r', '\n', ':', ',':
			continue
		}
		return w.t.base + i
	}
	return off
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		if v == '[' {
			return "a list"
		}
		return "an object"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// tail is the reader under the JSON decoder. It keeps the input from the
// last committed offset on (the decoder's look-ahead, at most about one
// interaction), counts the lines before it, and so turns any later offset
// into a line and column.
type tail struct {
	r io.Reader
	// buf[start:] is the input from offset base on.
	buf   []byte
	start int
	base  int64
	// lines is the number of newlines before base; lineRunes the number
	// of characters between the start of base's line and base.
	lines     int
	lineRunes int
}

func (t *tail) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// commit forgets the input before off: no error can be found there any more.
func (t *tail) commit(off int64) {
	k := min(int(off-t.base), len(t.buf)-t.start)
	if k <= 0 {
		return
	}
	// Commits fall between JSON values, never inside a character.
	gone := t.buf[t.start : t.start+k]
	if i := bytes.LastIndexByte(gone, '\n'); i >= 0 {
		t.lines += bytes.Count(gone, []byte{'\n'})
		t.lineRunes = utf8.RuneCount(gone[i+1:])
	} else {
		t.lineRunes += utf8.RuneCount(gone)
	}
	t.start += k
	t.base += int64(k)
	// Compact once the dead half outweighs the live one: amortised
	// constant work per byte, and the buffer never outgrows twice the
	// decoder's look-ahead.
	if t.start > len(t.buf)/2 {
		n := copy(t.buf, t.buf[t.start:])
		t.buf = t.buf[:n]
		t.start = 0
	}
}

func (t *tail) retained() []byte { return t.buf[t.start:] }

// position returns the 1-based line and column (in characters) of offset
// off, which must not be before the last commit.
func (t *tail) position(off int64) (line, col int) {
	rel := min(max(off-t.base, 0), int64(len(t.buf)-t.start))
	seg := t.buf[t.start : t.start+int(rel)]
	line = t.lines + bytes.Count(seg, []byte{'\n'}) + 1
	if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
		return line, utf8.RuneCount(seg[i+1:]) + 1
	}
	return line, t.lineRunes + utf8.RuneCount(seg) + 1
}
