package jsonin

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

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
