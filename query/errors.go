package query

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ccfeed/ccfeed"
)

// SyntaxError is a parse failure at a byte offset of an option value (or of
// the resource path). It is turned into text only when shown, so tests can
// assert the offset itself.
type SyntaxError struct {
	Option string // "$filter", "$orderby", "resource path", ...
	Input  string
	Pos    int
	Msg    string
	// NotImplemented marks valid OData this service does not offer (501).
	NotImplemented bool
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s: %s at position %d%s", e.Option, e.Msg, e.column(), e.excerpt())
}

// column is the 1-based character (not byte) position, which is what a
// person counting along their query sees.
func (e *SyntaxError) column() int {
	p := min(max(e.Pos, 0), len(e.Input))
	return utf8.RuneCountInString(e.Input[:p]) + 1
}

// excerpt quotes the input from the failing position on, so a reader can
// find the spot without counting characters.
func (e *SyntaxError) excerpt() string {
	p := min(max(e.Pos, 0), len(e.Input))
	if p >= len(e.Input) {
		if e.Input == "" {
			return ""
		}
		return ", at the end"
	}
	rest := e.Input[p:]
	const span = 30
	if utf8.RuneCountInString(rest) > span {
		n := 0
		for i := range rest {
			if n == span {
				rest = rest[:i] + "..."
				break
			}
			n++
		}
	}
	rest = strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(rest)
	return fmt.Sprintf(", near %q", rest)
}

// AsOData converts the error to the service's error vocabulary.
func (e *SyntaxError) AsOData() *ccfeed.Error {
	code := ccfeed.EINVALID
	if e.NotImplemented {
		code = ccfeed.ENOTIMPLEMENTED
	}
	// Where first, then what: "$filter, position 1: ..." reads the same
	// whether or not the message ends with a suggestion.
	return &ccfeed.Error{Code: code, Target: e.Option,
		Message: fmt.Sprintf("%s, position %d%s: %s", e.Option, e.column(), e.excerpt(), e.Msg)}
}

// Unwrap lets errors.As find the OData form.
func (e *SyntaxError) Unwrap() error { return e.AsOData() }
