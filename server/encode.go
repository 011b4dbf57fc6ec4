package server

import (
	"bufio"
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/jsonw"
	"github.com/ccfeed/ccfeed/query"
)

// encoder writes entities as OData JSON, one row at a time, straight from the
// store's values: the response is never built in memory.
type encoder struct {
	w         *bufio.Writer
	f         format
	root      string // absolute service root, for ids and links (full metadata)
	set       *edm.EntitySet
	lay       *query.Layout
	omitNulls bool
	buf       []byte
}

func newEncoder(w *bufio.Writer, f format, root string, set *edm.EntitySet, lay *query.Layout, omitNulls bool) *encoder {
	return &encoder{w: w, f: f, root: root, set: set, lay: lay, omitNulls: omitNulls, buf: make([]byte, 0, 4096)}
}

// entity writes one entity object from a row in layout order. A non-empty
// ctxURL is written first as @odata.context (a single-entity response);
// extra, when set, appends members (expanded navigations) at the end.
func (e *encoder) entity(row []any, ctxURL string, extra func(b []byte) []byte) {
	e.buf = e.appendEntity(e.buf[:0], row, ctxURL, extra)
	_, _ = e.w.Write(e.buf)
}

// appendEntity appends the entity object of row to b.
func (e *encoder) appendEntity(b []byte, row []any, ctxURL string, extra func(b []byte) []byte) []byte {
	b = append(b, '{')
	first := true
	if ctxURL != "" {
		b = append(b, `"@odata.context":`...)
		b = jsonw.AppendString(b, ctxURL)
		first = false
	}
	comma := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	if e.f.metadata == "full" {
		key, _ := row[e.lay.Key].(string)
		id := e.root + e.set.Name + "(" + keyLiteral(key) + ")"
		comma()
		b = append(b, `"@odata.type":"#`+edm.Namespace+"."+e.set.Type.Name+`","@odata.id":`...)
		b = jsonw.AppendString(b, id)
		b = append(b, `,"@odata.readLink":`...)
		b = jsonw.AppendString(b, id)
	}
	for i, c := range e.lay.Cols {
		if c.Hidden {
			continue
		}
		v := row[i]
		if v == nil && e.omitNulls {
			continue
		}
		comma()
		if e.f.metadata == "full" && v != nil && !c.Kind.JSONNative() {
			b = append(b, '"')
			b = append(b, c.Name...)
			b = append(b, `@odata.type":"#`...)
			b = append(b, c.Kind.String()[len("Edm."):]...)
			b = append(b, `",`...)
		}
		b = append(b, '"')
		b = append(b, c.Name...)
		b = append(b, '"', ':')
		b = e.value(b, c.Kind, v)
	}
	if e.f.metadata == "full" {
		key, _ := row[e.lay.Key].(string)
		for _, n := range e.set.Type.Navigations {
			comma()
			b = append(b, '"')
			b = append(b, n.Name...)
			b = append(b, `@odata.navigationLink":`...)
			b = jsonw.AppendString(b, e.root+e.set.Name+"("+keyLiteral(key)+")/"+n.Name)
		}
	}
	if extra != nil {
		if !first {
			b = append(b, ',')
		}
		b = extra(b)
	}
	return append(b, '}')
}

// value appends one value of kind k as the store returned it.
func (e *encoder) value(b []byte, k edm.Kind, v any) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	switch k {
	case edm.String, edm.Guid, edm.Date, edm.TimeOfDay:
		return appendAny(b, v)
	case edm.Boolean:
		if toInt(v) != 0 {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case edm.Int64:
		if e.f.ieee754 {
			b = append(b, '"')
			b = strconv.AppendInt(b, toInt(v), 10)
			return append(b, '"')
		}
		return strconv.AppendInt(b, toInt(v), 10)
	case edm.Byte, edm.SByte, edm.Int16, edm.Int32:
		return strconv.AppendInt(b, toInt(v), 10)
	case edm.Double, edm.Single:
		return appendDouble(b, toFloat(v), false)
	case edm.Decimal:
		return appendDouble(b, toFloat(v), e.f.ieee754)
	case edm.DateTimeOffset:
		switch x := v.(type) {
		case string: // a tenant-local value, stored with its offset
			return jsonw.AppendString(b, x)
		case int64:
			return appendInstant(b, time.UnixMilli(x))
		case float64:
			return appendInstant(b, time.UnixMicro(int64(math.Round(x*1000))))
		}
	case edm.Duration:
		return jsonw.AppendString(b, isoDuration(toFloat(v)))
	case edm.Binary:
		if x, ok := v.([]byte); ok {
			return jsonw.AppendString(b, base64.RawURLEncoding.EncodeToString(x))
		}
	}
	return appendAny(b, v)
}

func appendInstant(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	return append(b, '"')
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case bool:
		if x {
			return 1
		}
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return 0
}

// appendDouble writes a number without exponent notation: Power Query
// rejects "8.675E-06". NaN and infinities are the strings OData defines.
func appendDouble(b []byte, f float64, quoted bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"INF"`...)
	case math.IsInf(f, -1):
		return append(b, `"-INF"`...)
	}
	if quoted {
		b = append(b, '"')
	}
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	if quoted {
		b = append(b, '"')
	}
	return b
}

// isoDuration renders seconds as an ISO 8601 duration (PT1H2M3.5S).
func isoDuration(secs float64) string {
	neg := secs < 0
	if neg {
		secs = -secs
	}
	days := math.Floor(secs / 86400)
	secs -= days * 86400
	h := math.Floor(secs / 3600)
	secs -= h * 3600
	m := math.Floor(secs / 60)
	secs -= m * 60
	out := "P"
	if neg {
		out = "-P"
	}
	if days > 0 {
		out += strconv.FormatFloat(days, 'f', 0, 64) + "D"
	}
	out += "T"
	if h > 0 {
		out += strconv.FormatFloat(h, 'f', 0, 64) + "H"
	}
	if m > 0 {
		out += strconv.FormatFloat(m, 'f', 0, 64) + "M"
	}
	return out + strconv.FormatFloat(math.Round(secs*1e6)/1e6, 'f', -1, 64) + "S"
}

func appendAny(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return jsonw.AppendString(b, x)
	case []byte:
		return jsonw.AppendString(b, string(x))
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return appendDouble(b, x, false)
	}
	return append(b, "null"...)
}

// keyLiteral renders a string key for a URL path: quoted, quotes doubled,
// and percent-encoded where a path segment needs it.
func keyLiteral(k string) string {
	q := "'" + strings.ReplaceAll(k, "'", "''") + "'"
	const safe = "-._~!$&'()*+,;=:@"
	var out []byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte(safe, c) >= 0 {
			out = append(out, c)
			continue
		}
		out = append(out, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&0xf])
	}
	return string(out)
}
