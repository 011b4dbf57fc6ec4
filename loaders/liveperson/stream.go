package liveperson

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/jsonin"
)

// The loader streams a response: a jsonin.Reader walks the outer object
// token by token down to conversationHistoryRecords and reads one record at
// a time, within the load's limits, so memory follows the largest record,
// not the file. The reader knows the line and column of every token, so a
// syntax error anywhere, in any record, is named where it is.

// walker reads a conversations search response: the object with
// _metadata and conversationHistoryRecords, or a bare array of records.
type walker struct {
	file string
	rd   *jsonin.Reader
	// refuse is told of a record refused for a limit or for text that is
	// not UTF-8; when it is nil, such a record fails the file.
	refuse func(*jsonin.ValueError) error
}

func newWalker(file string, r io.Reader) *walker {
	return newLimitedWalker(file, r, loaders.Limits{}, nil)
}

func newLimitedWalker(file string, r io.Reader, lim loaders.Limits, refuse func(*jsonin.ValueError) error) *walker {
	l := lim.OrDefault()
	return &walker{file: file, rd: jsonin.NewReader(r, jsonin.Limits{MaxField: l.MaxField, MaxRecord: l.MaxRecord}), refuse: refuse}
}

// walk calls fn for each record with its raw JSON and the line where it
// starts. An error of fn stops the walk and is returned as is.
func (w *walker) walk(fn func(raw json.RawMessage, line int64) error) error {
	tok, err := w.rd.Next()
	if err != nil {
		var se *jsonin.SyntaxError
		if errors.As(err, &se) && se.EOF && se.Pos.Line == 1 && se.Pos.Col == 1 {
			return &loaders.FileError{File: w.file, Line: 1, Col: 1, Msg: "the file is empty: expected a LivePerson conversations search response (JSON)"}
		}
		return w.locate(err)
	}
	switch tok.Kind {
	case jsonin.BeginArray:
		if err := w.records(fn); err != nil {
			return err
		}
	case jsonin.BeginObject:
		found := false
		for w.rd.More() {
			key, err := w.rd.Next()
			if err != nil {
				return w.locate(err)
			}
			if key.Text == "conversationHistoryRecords" {
				found = true
				if err := w.recordsValue(fn); err != nil {
					return err
				}
				continue
			}
			if err := w.rd.Skip(); err != nil {
				return w.locate(err)
			}
		}
		if _, err := w.rd.Next(); err != nil {
			return w.locate(err)
		}
		if !found {
			return &loaders.FileError{File: w.file, Line: 1, Col: 1,
				Msg: "no conversationHistoryRecords in the object: not a LivePerson conversations search response"}
		}
	default:
		return &loaders.FileError{File: w.file, Line: tok.Pos.Line, Col: tok.Pos.Col,
			Msg: "expected a JSON object with conversationHistoryRecords, or an array of records"}
	}
	// Nothing may follow the response.
	if _, err := w.rd.Next(); err != nil {
		return w.locate(err)
	}
	return nil
}

// recordsValue reads the value of conversationHistoryRecords: an array, or
// null (no records).
func (w *walker) recordsValue(fn func(json.RawMessage, int64) error) error {
	tok, err := w.rd.Next()
	if err != nil {
		return w.locate(err)
	}
	switch tok.Kind {
	case jsonin.Null:
		return nil
	case jsonin.BeginArray:
		return w.records(fn)
	}
	return &loaders.FileError{File: w.file, Line: tok.Pos.Line, Col: tok.Pos.Col, Msg: "conversationHistoryRecords is not an array"}
}

// records reads the elements of the records array and its closing bracket.
func (w *walker) records(fn func(json.RawMessage, int64) error) error {
	for w.rd.More() {
		raw, start, err := w.rd.Value()
		var ve *jsonin.ValueError
		if errors.As(err, &ve) {
			if w.refuse == nil {
				return &loaders.FileError{File: w.file, Line: ve.At.Line, Col: ve.At.Col, Msg: ve.Error()}
			}
			if err := w.refuse(ve); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return w.locate(err)
		}
		if err := fn(raw, int64(start.Line)); err != nil {
			return err
		}
	}
	if _, err := w.rd.Next(); err != nil {
		return w.locate(err)
	}
	return nil
}

// locate turns a reader error into a *loaders.FileError that names the
// line and column. Errors that are not about the JSON (a failed read) are
// returned as they are.
func (w *walker) locate(err error) error {
	var le *jsonin.LimitError
	if errors.As(err, &le) {
		return &loaders.FileError{File: w.file, Line: le.Pos.Line, Col: le.Pos.Col, Msg: le.Msg}
	}
	var se *jsonin.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	msg := se.CharWithCode()
	if se.EOF {
		msg = "the JSON ends too early: the file is truncated or incomplete"
	}
	switch se.Char {
	case '\u201C', '\u201D', '\u2018', '\u2019', '\u201E', '\u00AB', '\u00BB':
		// The vendor's published example has them.
		msg += `; a typographic quote: JSON strings and names need plain " quotes`
	}
	return &loaders.FileError{File: w.file, Line: se.Pos.Line, Col: se.Pos.Col, Msg: "invalid JSON: " + msg}
}
