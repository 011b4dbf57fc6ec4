package demo

import (
	"strconv"
	"time"
	"unicode/utf8"
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
	e.b = appendString(e.b, k)
	e.b = append(e.b, ':')
	e.afterKey = true
	return e
}

// S writes a string, N a JSON null, F a number, I an integer, B a boolean.
func (e *enc) S(v string) { e.sep(); e.b = appendString(e.b, v) }
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

const hexDigits = "0123456789abcdef"

// appendString quotes s as a JSON string. Valid UTF-8 passes as it is
// (emoji and accents stay readable); quotes, backslashes and control
// characters are escaped, invalid bytes become U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
