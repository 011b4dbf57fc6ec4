package cxengage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ccfeed/ccfeed/internal/bytesize"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/jsonin"
)

// walk streams a CxEngage file and hands fn one interaction at a time, as
// its raw JSON and the line it starts on. The file is one of:
//
//	{"interactionId": ..., ...}                      a single interaction
//	{"page": ..., "total": ..., "results": [...]}    a list page
//	[{...}, {...}]                                   a bare list of interactions
//
// A list is never held whole: the reader goes down to results[] and reads
// one element at a time, within the load's limits. A syntax error anywhere
// fails the file with its line and column (a *loaders.FileError); since the
// caller's transaction then rolls back, nothing of the file is kept.
func walk(ctx context.Context, name string, r io.Reader, fn func(raw []byte, line int64) error) error {
	return newWalker(ctx, name, r, loaders.Limits{}, fn, nil).run()
}

// newWalker prepares a walk within lim. refuse is told of an interaction
// refused for a limit or for text that is not UTF-8; when it is nil, such an
// interaction fails the file.
func newWalker(ctx context.Context, name string, r io.Reader, lim loaders.Limits, fn func(raw []byte, line int64) error, refuse func(*jsonin.ValueError) error) *walker {
	l := lim.OrDefault()
	rd := jsonin.NewReader(r, jsonin.Limits{MaxField: l.MaxField, MaxRecord: l.MaxRecord})
	return &walker{ctx: ctx, name: name, rd: rd, fn: fn, refuse: refuse, maxRecord: l.MaxRecord}
}

// walker holds the state of one walk.
type walker struct {
	ctx       context.Context
	name      string
	rd        *jsonin.Reader
	fn        func(raw []byte, line int64) error
	refuse    func(*jsonin.ValueError) error
	maxRecord int
}

func (w *walker) run() error {
	tok, err := w.rd.Next()
	if err != nil {
		var se *jsonin.SyntaxError
		if errors.As(err, &se) && se.EOF && se.Pos.Line == 1 && se.Pos.Col == 1 {
			return &loaders.FileError{File: w.name, Line: 1, Col: 1, Msg: "the file is empty; expected a CxEngage interaction or list page"}
		}
		return w.fail(err)
	}
	switch tok.Kind {
	case jsonin.BeginObject:
		err = w.object()
	case jsonin.BeginArray:
		err = w.array()
	default:
		return w.errorAt(tok.Pos, fmt.Sprintf("expected an interaction or a list page (a JSON object), found %s", tok.Kind.Describe()))
	}
	if err != nil {
		return err
	}
	// Nothing may follow the top-level value.
	if _, err := w.rd.Next(); err != nil {
		return w.fail(err)
	}
	return nil
}

// object walks the top-level object: a list page, whose results are
// streamed, or a single interaction, whose fields are collected (within
// the record limit) and handed over at its end.
func (w *walker) object() error {
	fields := map[string]json.RawMessage{}
	page, size := false, 0
	var refused *jsonin.ValueError
	for w.rd.More() {
		k, err := w.rd.Next()
		if err != nil {
			return w.fail(err)
		}
		if k.Text == "results" {
			v, err := w.rd.Next()
			if err != nil {
				return w.fail(err)
			}
			switch v.Kind {
			case jsonin.BeginArray:
				page = true
				if err := w.array(); err != nil {
					return err
				}
			case jsonin.Null:
				page = true
			default:
				return w.errorAt(v.Pos, fmt.Sprintf("results: expected a list of interactions, found %s", v.Kind.Describe()))
			}
			continue
		}
		raw, start, err := w.rd.Value()
		var ve *jsonin.ValueError
		if errors.As(err, &ve) {
			if refused == nil {
				refused = ve
				refused.Path = joinPath(k.Text, ve.Path)
			}
			continue
		}
		if err != nil {
			return w.fail(err)
		}
		if size += len(raw); size > w.maxRecord {
			if refused == nil {
				refused = &jsonin.ValueError{Start: start, At: start, Path: k.Text,
					Msg: fmt.Sprintf("the interaction is longer than the limit of %s", bytesize.Format(int64(w.maxRecord)))}
			}
			continue
		}
		if refused == nil {
			fields[k.Text] = append(json.RawMessage(nil), raw...)
		}
	}
	if _, err := w.rd.Next(); err != nil {
		return w.fail(err)
	}
	if page || isEnvelope(fields) {
		if refused != nil {
			// The envelope is not a record to refuse on its own.
			return w.errorAt(refused.At, "the list page's "+refused.Path+": "+refused.Msg)
		}
		// A page with no results (or results null) loads nothing; a total
		// larger than the results is the API's paging, not an error.
		return nil
	}
	if refused != nil {
		refused.Start = jsonin.Pos{Line: 1, Col: 1}
		return w.refused(refused)
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

func joinPath(key, inner string) string {
	switch {
	case inner == "":
		return key
	case inner[0] == '[':
		return key + inner
	}
	return key + "." + inner
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

// array streams the elements of a list of interactions, after its '['.
func (w *walker) array() error {
	for w.rd.More() {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		raw, start, err := w.rd.Value()
		var ve *jsonin.ValueError
		if errors.As(err, &ve) {
			if err := w.refused(ve); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return w.fail(err)
		}
		if err := w.fn(raw, int64(start.Line)); err != nil {
			return err
		}
	}
	if _, err := w.rd.Next(); err != nil {
		return w.fail(err)
	}
	return nil
}

// refused hands a refused interaction to refuse, or fails the file without
// one.
func (w *walker) refused(ve *jsonin.ValueError) error {
	if w.refuse != nil {
		return w.refuse(ve)
	}
	return w.errorAt(ve.At, ve.Error())
}

// fail turns a reader error into a *loaders.FileError with its position;
// other errors (a failed read, a cancelled context) are not the file's
// fault and pass through.
func (w *walker) fail(err error) error {
	var se *jsonin.SyntaxError
	if errors.As(err, &se) {
		return w.errorAt(se.Pos, se.Msg)
	}
	var le *jsonin.LimitError
	if errors.As(err, &le) {
		return w.errorAt(le.Pos, le.Msg)
	}
	return fmt.Errorf("%s: %w", w.name, err)
}

func (w *walker) errorAt(p jsonin.Pos, msg string) error {
	return &loaders.FileError{File: w.name, Line: p.Line, Col: p.Col, Msg: msg}
}
