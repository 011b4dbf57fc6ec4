package liveperson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ccfeed/ccfeed/loaders"
)

// The loader streams a response: a json.Decoder walks the outer object token
// by token down to conversationHistoryRecords and decodes one record at a
// time, so memory follows the largest record, not the file.
//
// json.Decoder's SyntaxError offsets are not positions in the stream once
// Token and Decode are mixed (each Decode counts from its own value), and a
// truncated stream yields io.ErrUnexpectedEOF with no offset at all. So the
// loader keeps the bytes it has read since the end of the last complete
// record (tracker), and on an error validates them again with
// json.Unmarshal, whose offsets are exact, after a short prefix that puts
// the scanner back where it was ({"x":[0 for "inside the records array,
// after a record"). That names the line and column of any syntax error, in
// any record, at a memory cost of one record.

// tracker is the reader under the decoder: it counts lines and keeps the
// window of bytes since the last trim.
type tracker struct {
	r   io.Reader
	off int64  // stream offset of win[0]
	win []byte // bytes read since off
	// lines is the number of newlines before off; lineRunes the characters
	// between the last of them and off.
	lines, lineRunes int
	// resume is the JSON text that puts a scanner in the state it is in at
	// off ("" at the start of the stream).
	resume string
	// maxWin is the largest window held, for tests of flat memory.
	maxWin int
}

func (t *tracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.win = append(t.win, p[:n]...)
	t.maxWin = max(t.maxWin, len(t.win))
	return n, err
}

// trim forgets the bytes before stream offset to, which must be the end of
// a complete record; resume is the scanner state there.
func (t *tracker) trim(to int64, resume string) {
	k := int(to - t.off)
	if k <= 0 || k > len(t.win) {
		return
	}
	seg := t.win[:k]
	if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
		t.lines += bytes.Count(seg, []byte{'\n'})
		t.lineRunes = runes(seg[i+1:])
	} else {
		t.lineRunes += runes(seg)
	}
	t.win = t.win[k:]
	t.off = to
	t.resume = resume
}

// position returns the 1-based line and column (in characters) of stream
// offset off, or 0, 0 when off is before the window.
func (t *tracker) position(off int64) (line, col int) {
	k := off - t.off
	if k < 0 {
		return 0, 0
	}
	k = min(k, int64(len(t.win)))
	seg := t.win[:k]
	if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
		return t.lines + bytes.Count(seg, []byte{'\n'}) + 1, runes(seg[i+1:]) + 1
	}
	return t.lines + 1, t.lineRunes + runes(seg) + 1
}

// valueStart is the stream offset of the first byte of the value that
// starts after offset off, past spaces and the comma or colon before it.
func (t *tracker) valueStart(off int64) int64 {
	k := off - t.off
	for k >= 0 && k < int64(len(t.win)) {
		c := t.win[k]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',' && c != ':' {
			break
		}
		k++
	}
	return t.off + k
}

// lineOf is the line where the value after offset off (a record) begins.
func (t *tracker) lineOf(off int64) int64 {
	line, _ := t.position(t.valueStart(off))
	return int64(line)
}

// runes counts characters: every byte that does not continue a UTF-8
// sequence, so a character split between two reads counts once.
func runes(b []byte) int {
	n := 0
	for _, c := range b {
		if c&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

// locate turns a decoding error into a *loaders.FileError that names the
// line and column, by validating the window again (see above). Errors that
// are not about the JSON (a failed read) are returned as they are.
func (t *tracker) locate(file string, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) && !errors.Is(err, errUnexpected) {
		return err
	}
	data := append([]byte(t.resume), t.win...)
	var v json.RawMessage
	verr := json.Unmarshal(data, &v)
	if !errors.As(verr, &se) {
		// The window is valid JSON on its own: the structure around it is
		// wrong (a records field that is not an array...). Say so at the
		// decoder's position.
		line, col := t.position(t.off + int64(len(t.win)))
		return &loaders.FileError{File: file, Line: line, Col: col, Msg: "invalid LivePerson response: " + err.Error()}
	}
	// encoding/json reports the offset just after the offending byte, or
	// the length of the input when it ends too early.
	pos := se.Offset - int64(len(t.resume))
	msg := se.Error()
	if msg == "unexpected end of JSON input" {
		msg = "the JSON ends too early: the file is truncated or incomplete"
	} else {
		pos--
		msg = describeChar(msg, t.win, pos)
	}
	line, col := t.position(t.off + pos)
	return &loaders.FileError{File: file, Line: line, Col: col, Msg: "invalid JSON: " + msg}
}

// errUnexpected marks a structural error found by the walker itself (a
// token where another was expected); locate treats it like a syntax error.
var errUnexpected = errors.New("unexpected token")

// describeChar rewrites encoding/json's "invalid character 'â'", which
// shows the first byte of a multi-byte character as if it were a whole
// character, to name the character the file holds; typographic quotes (the
// vendor's published example has them) get a hint.
func describeChar(msg string, win []byte, pos int64) string {
	if pos < 0 || pos >= int64(len(win)) || win[pos] < utf8.RuneSelf {
		return msg
	}
	r, _ := utf8.DecodeRune(win[pos:])
	if r == utf8.RuneError {
		return msg
	}
	shown := "'" + string(rune(win[pos])) + "'"
	named := fmt.Sprintf("'%c' (U+%04X)", r, r)
	out := strings.Replace(msg, shown, named, 1)
	switch r {
	case '\u201C', '\u201D', '\u2018', '\u2019', '\u201E', '\u00AB', '\u00BB':
		out += `; a typographic quote: JSON strings and names need plain " quotes`
	}
	return out
}

// walker reads a conversations search response: the object with
// _metadata and conversationHistoryRecords, or a bare array of records.
type walker struct {
	file string
	tr   *tracker
	dec  *json.Decoder
}

func newWalker(file string, r io.Reader) *walker {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	// A byte-order mark is not JSON; it is invisible, so columns on the
	// first line do not count it.
	if head, _ := br.Peek(3); bytes.Equal(head, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	tr := &tracker{r: br}
	return &walker{file: file, tr: tr, dec: json.NewDecoder(tr)}
}

// walk calls fn for each record with its raw JSON and the stream offset
// where it starts. An error of fn stops the walk and is returned as is.
func (w *walker) walk(fn func(raw json.RawMessage, start int64) error) error {
	tok, err := w.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) && w.tr.off+int64(len(w.tr.win)) == 0 {
			return &loaders.FileError{File: w.file, Line: 1, Col: 1, Msg: "the file is empty: expected a LivePerson conversations search response (JSON)"}
		}
		return w.tr.locate(w.file, err)
	}
	switch tok {
	case json.Delim('['):
		if err := w.records(fn, "[0"); err != nil {
			return err
		}
	case json.Delim('{'):
		found := false
		for w.dec.More() {
			key, err := w.dec.Token()
			if err != nil {
				return w.tr.locate(w.file, err)
			}
			if key == "conversationHistoryRecords" {
				found = true
				if err := w.recordsValue(fn); err != nil {
					return err
				}
				continue
			}
			var skip json.RawMessage
			if err := w.dec.Decode(&skip); err != nil {
				return w.tr.locate(w.file, err)
			}
		}
		if _, err := w.dec.Token(); err != nil {
			return w.tr.locate(w.file, err)
		}
		if !found {
			return &loaders.FileError{File: w.file, Line: 1, Col: 1,
				Msg: "no conversationHistoryRecords in the object: not a LivePerson conversations search response"}
		}
	default:
		line, col := w.tr.position(w.tr.valueStart(0))
		return &loaders.FileError{File: w.file, Line: line, Col: col,
			Msg: "expected a JSON object with conversationHistoryRecords, or an array of records"}
	}
	// Nothing may follow the response.
	if _, err := w.dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errUnexpected
		}
		return w.tr.locate(w.file, err)
	}
	return nil
}

// recordsValue reads the value of conversationHistoryRecords: an array, or
// null (no records).
func (w *walker) recordsValue(fn func(json.RawMessage, int64) error) error {
	at := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return w.tr.locate(w.file, err)
	}
	switch tok {
	case nil:
		return nil
	case json.Delim('['):
		return w.records(fn, `{"x":[0`)
	}
	line, col := w.tr.position(w.tr.valueStart(at))
	return &loaders.FileError{File: w.file, Line: line, Col: col, Msg: "conversationHistoryRecords is not an array"}
}

// records reads the elements of the records array and its closing bracket;
// resume is the scanner state after an element.
func (w *walker) records(fn func(json.RawMessage, int64) error, resume string) error {
	for w.dec.More() {
		start := w.dec.InputOffset()
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return w.tr.locate(w.file, err)
		}
		if err := fn(raw, start); err != nil {
			return err
		}
		w.tr.trim(w.dec.InputOffset(), resume)
	}
	if _, err := w.dec.Token(); err != nil {
		return w.tr.locate(w.file, err)
	}
	return nil
}
