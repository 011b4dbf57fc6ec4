package demo

import (
	"strconv"
	"time"

	"github.com/ccfeed/ccfeed/internal/jsonw"
)

// enc appends JSON in the order it is written, so every file comes out
// byte for byte the same for the same input (encoding/json would sort map
// keys, but vendors write their fields in their own order, and the
// generator writes millions of values: appending is also cheaper).
//
// Separators are written on demand: K writes a member's key (after a comma
// if the object has members already), and a value written right after it
// goes without one.
type enc struct {
	b        []byte
	first    []bool // per open container: no member written yet
	afterKey bool
}

func (e *enc) reset() { e.b, e.first, e.afterKey = e.b[:0], e.first[:0], false }

func (e *enc) sep() {
	if e.afterKey {
		e.afterKey = false
		return
	}
	if n := len(e.first); n > 0 {
		if !e.first[n-1] {
			e.b = append(e.b, ',')
		}
		e.first[n-1] = false
	}
}

// Obj opens an object, Arr an array; End closes the innermost.
func (e *enc) Obj() *enc { e.sep(); e.b = append(e.b, '{'); e.first = append(e.first, true); return e }
func (e *enc) Arr() *enc { e.sep(); e.b = append(e.b, '['); e.first = append(e.first, true); return e }

// EndObj and EndArr close the innermost container.
func (e *enc) EndObj() { e.first = e.first[:len(e.first)-1]; e.b = append(e.b, '}') }
func (e *enc) EndArr() { e.first = e.first[:len(e.first)-1]; e.b = append(e.b, ']') }

// K writes a member's key; the next call writes its value.
func (e *enc) K(k string) *enc {
	e.sep()
	e.b = jsonw.AppendString(e.b, k)
	e.b = append(e.b, ':')
	e.afterKey = true
	return e
}

// S writes a string, N a JSON null, F a number, I an integer, B a boolean.
func (e *enc) S(v string) { e.sep(); e.b = jsonw.AppendString(e.b, v) }
func (e *enc) N()         { e.sep(); e.b = append(e.b, "null"...) }
func (e *enc) F(v float64) {
	e.sep()
	e.b = strconv.AppendFloat(e.b, v, 'f', -1, 64)
}
func (e *enc) I(v int64) { e.sep(); e.b = strconv.AppendInt(e.b, v, 10) }
func (e *enc) B(v bool)  { e.sep(); e.b = strconv.AppendBool(e.b, v) }

// SN writes s, or null when s is empty.
func (e *enc) SN(s string) {
	if s == "" {
		e.N()
		return
	}
	e.S(s)
}

// T writes t as text in layout, or null for the zero time.
func (e *enc) T(t time.Time, layout string) {
	if t.IsZero() {
		e.N()
		return
	}
	e.sep()
	e.b = append(e.b, '"')
	e.b = t.AppendFormat(e.b, layout)
	e.b = append(e.b, '"')
}

// NL starts a new line, for files a person may open: one record per line.
func (e *enc) NL() { e.b = append(e.b, '\n') }
