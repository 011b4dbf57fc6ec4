package query

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

func negInf() float64 { return math.Inf(-1) }

// literal turns a literal token into a Literal, checking that the value is
// real (no month 13, no 25 o'clock) so the binder only sees valid values.
func (p *parser) literal(t Token) (Expr, error) {
	switch t.Kind {
	case TokString:
		return &Literal{P: t.Pos, Kind: LitString, Raw: t.Text, Str: unquote(t.Text)}, nil
	case TokJSONString:
		var s string
		if err := json.Unmarshal([]byte(t.Text), &s); err != nil {
			return nil, p.errorf(t.Pos, "malformed JSON string %s", t.Text)
		}
		return &Literal{P: t.Pos, Kind: LitString, Raw: t.Text, Str: s}, nil
	case TokInt, TokDecimal, TokDouble:
		return p.numberLiteral(t.Pos, t.Text, t.Kind)
	case TokDate:
		if err := p.checkYear(t); err != nil {
			return nil, err
		}
		d, ok := parseDate(t.Text)
		if !ok {
			return nil, p.errorf(t.Pos, "%s is not a valid date", t.Text)
		}
		return &Literal{P: t.Pos, Kind: LitDate, Raw: t.Text, Time: d}, nil
	case TokDateTimeOffset:
		if err := p.checkYear(t); err != nil {
			return nil, err
		}
		d, frac, ok := parseDateTimeOffset(t.Text)
		if !ok {
			return nil, p.errorf(t.Pos, "%s is not a valid date-time", t.Text)
		}
		return &Literal{P: t.Pos, Kind: LitDateTimeOffset, Raw: t.Text, Time: d, FracDigits: frac}, nil
	case TokTimeOfDay:
		n, ok := parseTimeOfDay(t.Text)
		if !ok {
			return nil, p.errorf(t.Pos, "%s is not a valid time of day", t.Text)
		}
		return &Literal{P: t.Pos, Kind: LitTimeOfDay, Raw: t.Text, Nanos: n}, nil
	case TokGuid:
		return &Literal{P: t.Pos, Kind: LitGuid, Raw: t.Text, Str: strings.ToLower(t.Text)}, nil
	case TokTypedLiteral:
		return p.typedLiteral(t)
	}
	return nil, p.errorf(t.Pos, "expected a literal, found %s", t.describe())
}

// checkYear answers 501 for years the grammar allows but the store cannot
// compare: more than four digits (and, in parseUnary, negative years).
// Dates are kept as ISO 8601 text, which orders correctly only for
// 0000-9999.
func (p *parser) checkYear(t Token) error {
	if i := strings.IndexByte(t.Text, '-'); i > 4 {
		return p.notImplemented(t.Pos, "%s: years after 9999 are not supported", t.Text)
	}
	return nil
}

func unquote(s string) string {
	return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
}

func (p *parser) numberLiteral(pos int, text string, kind TokenKind) (Expr, error) {
	switch text {
	case "INF":
		return &Literal{P: pos, Kind: LitDouble, Raw: text, Float: math.Inf(1)}, nil
	case "NaN":
		return &Literal{P: pos, Kind: LitDouble, Raw: text, Float: math.NaN()}, nil
	}
	if kind == TokInt {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return &Literal{P: pos, Kind: LitInt, Raw: text, Int: n}, nil
		}
		kind = TokDecimal // too large for Int64: a decimal
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return nil, p.errorf(pos, "malformed number %s", text)
	}
	if kind == TokDecimal {
		return &Literal{P: pos, Kind: LitDecimal, Raw: text, Float: f}, nil
	}
	return &Literal{P: pos, Kind: LitDouble, Raw: text, Float: f}, nil
}

// typedLiteral handles prefix'...' literals.
func (p *parser) typedLiteral(t Token) (Expr, error) {
	q := strings.IndexByte(t.Text, '\'')
	prefix, body := t.Text[:q], unquote(t.Text[q:])
	switch strings.ToLower(prefix) {
	case "duration":
		n, ok := parseDuration(body)
		if !ok {
			return nil, p.errorf(t.Pos, "%s is not a valid duration: expected ISO 8601 such as P1DT2H30M", t.Text)
		}
		return &Literal{P: t.Pos, Kind: LitDuration, Raw: t.Text, Nanos: n}, nil
	case "binary":
		b, ok := parseBinary(body)
		if !ok {
			return nil, p.errorf(t.Pos, "%s is not valid base64url", t.Text)
		}
		return &Literal{P: t.Pos, Kind: LitBinary, Raw: t.Text, Bytes: b}, nil
	case "geography", "geometry":
		return &Literal{P: t.Pos, Kind: LitGeo, Raw: t.Text, TypeName: strings.ToLower(prefix), Str: body}, nil
	}
	if strings.Contains(prefix, ".") {
		return &Literal{P: t.Pos, Kind: LitEnum, Raw: t.Text, TypeName: prefix, Str: body}, nil
	}
	return nil, p.errorf(t.Pos, "unknown literal prefix %q: expected duration, binary, geography, geometry or a qualified enumeration type", prefix)
}

func atoiN(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
		if n > 1_000_000_000 {
			return 0, false
		}
	}
	return n, true
}

// parseDate parses YYYY-MM-DD, rejecting days that do not exist.
func parseDate(s string) (time.Time, bool) {
	i := strings.LastIndexByte(s[:len(s)-3], '-')
	if i < 4 {
		return time.Time{}, false
	}
	y, ok1 := atoiN(s[:i])
	m, ok2 := atoiN(s[i+1 : i+3])
	d, ok3 := atoiN(s[i+4:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || y > 9999 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return time.Time{}, false
	}
	return t, true
}

// parseTimeOfDay parses hh:mm[:ss[.fffffffff]] into nanoseconds.
func parseTimeOfDay(s string) (int64, bool) {
	h, ok1 := atoiN(s[0:2])
	m, ok2 := atoiN(s[3:5])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	var sec int
	var frac int64
	if len(s) > 5 {
		var ok bool
		sec, ok = atoiN(s[6:8])
		// 60 is a leap second (the grammar allows it); it counts as the
		// first second of the next minute.
		if !ok || sec > 60 {
			return 0, false
		}
		if len(s) > 9 {
			f := s[9:]
			if len(f) > 12 {
				return 0, false
			}
			frac = fracNanos(f)
		}
	}
	return int64(h)*3600e9 + int64(m)*60e9 + int64(sec)*1e9 + frac, true
}

// fracNanos converts fraction digits to nanoseconds, truncating beyond nine.
func fracNanos(f string) int64 {
	var n int64
	for i := 0; i < 9; i++ {
		n *= 10
		if i < len(f) {
			n += int64(f[i] - '0')
		}
	}
	return n
}

// parseDateTimeOffset parses date "T" time zone; it returns the instant in
// the literal's own offset and the number of fraction digits written.
func parseDateTimeOffset(s string) (time.Time, int, bool) {
	ti := strings.IndexAny(s, "Tt")
	date, ok := parseDate(s[:ti])
	if !ok {
		return time.Time{}, 0, false
	}
	rest := s[ti+1:]
	zi := strings.IndexAny(rest, "Zz+-")
	clock, zone := rest[:zi], rest[zi:]
	nanos, ok := parseTimeOfDay(clock)
	if !ok {
		return time.Time{}, 0, false
	}
	frac := 0
	if dot := strings.IndexByte(clock, '.'); dot >= 0 {
		frac = len(clock) - dot - 1
	}
	loc := time.UTC
	if zone != "Z" && zone != "z" {
		oh, ok1 := atoiN(zone[1:3])
		om, ok2 := atoiN(zone[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, 0, false
		}
		off := oh*3600 + om*60
		if zone[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	t := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc).Add(time.Duration(nanos))
	return t, frac, true
}

// parseDuration parses an ISO 8601 day-time duration: [-]P[nD][T[nH][nM][n[.n]S]].
func parseDuration(s string) (int64, bool) {
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 2 {
		return 0, false
	}
	s = s[1:]
	var total float64
	inTime, any := false, false
	for s != "" {
		if s[0] == 'T' {
			if inTime || len(s) == 1 {
				return 0, false
			}
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, false
		}
		v, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, false
		}
		unit := s[i]
		if strings.Contains(s[:i], ".") && unit != 'S' {
			return 0, false
		}
		switch {
		case unit == 'D' && !inTime:
			total += v * 86400
		case unit == 'H' && inTime:
			total += v * 3600
		case unit == 'M' && inTime:
			total += v * 60
		case unit == 'S' && inTime:
			total += v
		default:
			return 0, false
		}
		any = true
		s = s[i+1:]
	}
	if !any || total > 9.2e9 { // beyond int64 nanoseconds
		return 0, false
	}
	n := int64(math.Round(total * 1e9))
	if neg {
		n = -n
	}
	return n, true
}

func parseBinary(s string) ([]byte, bool) {
	s = strings.TrimRight(s, "=")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(s)
	}
	return b, err == nil
}
