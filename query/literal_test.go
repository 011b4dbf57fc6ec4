package query

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// litValue renders the typed value of a literal for comparison.
func litValue(l *Literal) string {
	switch l.Kind {
	case LitNull:
		return "null"
	case LitBool:
		return strconv.FormatBool(l.Bool)
	case LitInt:
		return strconv.FormatInt(l.Int, 10)
	case LitDecimal, LitDouble:
		if math.IsNaN(l.Float) {
			return "NaN"
		}
		return strconv.FormatFloat(l.Float, 'g', -1, 64)
	case LitString, LitGuid:
		return l.Str
	case LitDate:
		return l.Time.Format("2006-01-02")
	case LitDateTimeOffset:
		return l.Time.Format(time.RFC3339Nano) + " frac=" + itoa(l.FracDigits)
	case LitTimeOfDay, LitDuration:
		return time.Duration(l.Nanos).String()
	case LitBinary:
		return hex.EncodeToString(l.Bytes)
	case LitEnum, LitGeo:
		return l.TypeName + ":" + l.Str
	}
	return "?"
}

var literalTests = []struct {
	name, in string
	kind     LitKind
	value    string
}{
	{"string", "'Milk'", LitString, "Milk"},
	{"string with doubled quote", "'O''Neil'", LitString, "O'Neil"},
	{"string of only a quote", "''''", LitString, "'"},
	{"empty string", "''", LitString, ""},
	{"string with spaces and symbols", "'a b&c=d;e/f'", LitString, "a b&c=d;e/f"},
	{"JSON string", `"a\"b"`, LitString, `a"b`},
	{"int", "42", LitInt, "42"},
	{"negative int", "-42", LitInt, "-42"},
	{"int with plus sign", "+42", LitInt, "42"},
	{"int64", "1234567890123456789", LitInt, "1234567890123456789"},
	{"too large for int64 is a decimal", "12345678901234567890", LitDecimal, "1.2345678901234567e+19"},
	{"decimal", "3.14", LitDecimal, "3.14"},
	{"negative decimal", "-0.5", LitDecimal, "-0.5"},
	{"double with exponent", "4.2e1", LitDouble, "42"},
	{"double with capital exponent and sign", "-0.314E+1", LitDouble, "-3.14"},
	{"double with negative exponent", "1e-101", LitDouble, "1e-101"},
	{"signed double", "+0.314e+1", LitDouble, "3.14"},
	{"INF", "INF", LitDouble, "+Inf"},
	{"-INF", "-INF", LitDouble, "-Inf"},
	{"NaN", "NaN", LitDouble, "NaN"},
	{"true", "true", LitBool, "true"},
	{"false", "false", LitBool, "false"},
	{"booleans ignore case", "tRUe", LitBool, "true"},
	{"FALSE", "FALSE", LitBool, "false"},
	{"null", "null", LitNull, "null"},
	{"null ignores case", "NULL", LitNull, "null"},
	{"guid", "01234567-89ab-cdef-0123-456789abcdef", LitGuid, "01234567-89ab-cdef-0123-456789abcdef"},
	{"guid upper case is folded", "01234567-89AB-CDEF-0123-456789ABCDEF", LitGuid, "01234567-89ab-cdef-0123-456789abcdef"},
	{"guid starting with a letter", "abcdef01-2345-6789-abcd-ef0123456789", LitGuid, "abcdef01-2345-6789-abcd-ef0123456789"},
	{"date", "2024-03-09", LitDate, "2024-03-09"},
	{"leap day", "2024-02-29", LitDate, "2024-02-29"},
	{"year zero", "0000-01-01", LitDate, "0000-01-01"},
	{"date-time Z", "2024-03-09T10:00:00Z", LitDateTimeOffset, "2024-03-09T10:00:00Z frac=0"},
	{"date-time lower-case z", "2024-03-09T10:00:00z", LitDateTimeOffset, "2024-03-09T10:00:00Z frac=0"},
	{"date-time without seconds", "2012-09-03T13:52Z", LitDateTimeOffset, "2012-09-03T13:52:00Z frac=0"},
	{"date-time with offset", "2021-02-03T00:00:00+01:00", LitDateTimeOffset, "2021-02-03T00:00:00+01:00 frac=0"},
	{"date-time with negative offset", "2012-09-03T14:53-03:30", LitDateTimeOffset, "2012-09-03T14:53:00-03:30 frac=0"},
	{"date-time with fraction", "2012-08-31T18:19:22.1Z", LitDateTimeOffset, "2012-08-31T18:19:22.1Z frac=1"},
	{"date-time with 12 fraction digits", "2012-07-26T10:59:59.999999999999-08:00", LitDateTimeOffset, "2012-07-26T10:59:59.999999999-08:00 frac=12"},
	{"leap second", "1972-06-30T23:59:60Z", LitDateTimeOffset, "1972-07-01T00:00:00Z frac=0"},
	{"time of day", "11:22:33", LitTimeOfDay, "11h22m33s"},
	{"time of day without seconds", "11:22", LitTimeOfDay, "11h22m0s"},
	{"time of day with fraction", "11:22:33.4444444", LitTimeOfDay, "11h22m33.4444444s"},
	{"midnight", "00:00", LitTimeOfDay, "0s"},
	{"duration", "duration'P1DT2H30M'", LitDuration, "26h30m0s"},
	{"duration with fraction", "duration'P6DT23H59M59.9999S'", LitDuration, "167h59m59.9999s"},
	{"negative duration", "duration'-PT1S'", LitDuration, "-1s"},
	{"duration prefix ignores case", "Duration'PT5M'", LitDuration, "5m0s"},
	{"binary", "binary'AQID'", LitBinary, "010203"},
	{"binary with padding", "binary'Zg=='", LitBinary, "66"},
	{"binary without padding", "binary'Zg'", LitBinary, "66"},
	{"empty binary", "binary''", LitBinary, ""},
	{"binary base64url", "binary'-_8'", LitBinary, "fbff"},
	{"enum", "Sales.Pattern'Yellow'", LitEnum, "Sales.Pattern:Yellow"},
	{"enum flags", "Sales.Pattern'Solid,Yellow'", LitEnum, "Sales.Pattern:Solid,Yellow"},
	{"geography", "geography'SRID=0;Point(142.1 64.1)'", LitGeo, "geography:SRID=0;Point(142.1 64.1)"},
}

func TestLiterals(t *testing.T) {
	for _, tt := range literalTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseExpr("$filter", tt.in)
			if err != nil {
				t.Fatalf("ParseExpr(%q): %v", tt.in, err)
			}
			l, ok := x.(*Literal)
			if !ok {
				t.Fatalf("ParseExpr(%q) = %T %s, want a literal", tt.in, x, x)
			}
			if l.Kind != tt.kind {
				t.Errorf("ParseExpr(%q) kind %d, want %d", tt.in, l.Kind, tt.kind)
			}
			if got := litValue(l); got != tt.value {
				t.Errorf("ParseExpr(%q) value %q, want %q", tt.in, got, tt.value)
			}
		})
	}
}

// invalidLiteralTests look like literals but are not valid values.
var invalidLiteralTests = []struct {
	name, in string
	pos      int
	msg      string
}{
	{"February 30th", "2024-02-30", 0, "2024-02-30 is not a valid date"},
	{"February 29th of a common year", "2023-02-29", 0, "is not a valid date"},
	{"month 13", "2024-13-01", 0, "is not a valid date"},
	{"day zero", "2024-01-00", 0, "is not a valid date"},
	{"hour 25", "25:00", 0, "25:00 is not a valid time of day"},
	{"hour 24", "24:00:00", 0, "is not a valid time of day"},
	{"minute 60", "23:60", 0, "is not a valid time of day"},
	{"second 61", "23:59:61", 0, "is not a valid time of day"},
	{"13 fraction digits", "10:00:00.1234567890123", 0, "is not a valid time of day"},
	{"date-time hour 24", "2011-12-31T24:00Z", 0, "is not a valid date-time"},
	{"date-time of a missing day", "2024-02-30T10:00:00Z", 0, "is not a valid date-time"},
	{"offset hour 25", "2024-01-01T10:00:00+25:00", 0, "is not a valid date-time"},
	{"date-time without zone", "2024-01-01T10:00:00", 19, "date-time needs a time zone: add Z for UTC or an offset such as +01:00"},
	{"date-time without seconds or zone", "2024-01-01T10:00", 16, "add Z for UTC or an offset"},
	{"date-time with a short offset", "2024-01-01T10:00:00+01", 19, "date-time needs a time zone"},
	{"five-digit year", "10000-04-01", 0, "years after 9999 are not supported"},
	{"negative year", "-2024-04-01", 0, "negative years are not supported"},
	{"duration with years", "duration'P1Y'", 0, "is not a valid duration"},
	{"duration with months", "duration'P1M6D'", 0, "is not a valid duration"},
	{"duration without P", "duration'1D'", 0, "is not a valid duration"},
	{"duration with plus", "duration'+P1D'", 0, "is not a valid duration"},
	{"duration T without time", "duration'P1DT'", 0, "is not a valid duration"},
	{"binary not base64", "binary'!!'", 0, "binary'!!' is not valid base64url"},
	{"unknown prefix", "X'1a2B'", 0, `unknown literal prefix "X"`},
	{"unterminated typed literal", "binary'AQID", 0, "unterminated literal"},
	{"trailing dot", "42.", 3, "expected digits after the decimal point"},
	{"leading dot", ".1", 0, "unexpected character '.'"},
	{"two exponents", "-0.314e1e2", 1, "malformed number"},
	{"plus before INF", "+INF", 0, "unexpected character '+'"},
	{"guid with a wrong character", "01234g67-89ab-cdef-0123-456789abcdef", 0, "malformed number"},
	{"guid too short", "01234567-89ab-cdef-456789abcdef", 0, "malformed GUID"},
	{"unterminated string", "'abc", 0, "unterminated string: a quote inside a string must be doubled ('')"},
	{"single quote in a string", "'O'Neil'", 3, "unterminated literal"},
}

func TestInvalidLiterals(t *testing.T) {
	for _, tt := range invalidLiteralTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseExpr("$filter", tt.in)
			if err == nil {
				t.Fatalf("ParseExpr(%q) = %s, want an error", tt.in, x)
			}
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("ParseExpr(%q) error %T, want *SyntaxError", tt.in, err)
			}
			if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("ParseExpr(%q) error at %d %q, want at %d containing %q", tt.in, se.Pos, se.Msg, tt.pos, tt.msg)
			}
		})
	}
}

func TestPercentDecode(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"plain", "abc", "abc", ""},
		{"space", "a%20b", "a b", ""},
		{"plus stays a plus", "a+b", "a+b", ""},
		{"encoded plus", "%2B01%3A00", "+01:00", ""},
		{"lower-case hex", "%2b%3a", "+:", ""},
		{"multi-byte UTF-8", "%CE%94", "Δ", ""},
		{"encoded percent", "100%25", "100%", ""},
		{"truncated escape", "a%2", "", `malformed percent-escape "%2" at position 2`},
		{"bad hex", "a%zz", "", `malformed percent-escape "%zz" at position 2`},
		{"lone percent", "%", "", "malformed percent-escape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PercentDecode(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("PercentDecode(%q) = %q, %v, want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("PercentDecode(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestDateTimeInQueryString checks that offsets survive the query string:
// a raw '+' is a plus sign and %2B decodes to one, so both of Power
// Query's spellings reach the lexer intact.
func TestDateTimeInQueryString(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"raw plus", "$filter=d%20gt%202021-02-03T00:00:00+01:00", "2021-02-03T00:00:00+01:00 frac=0"},
		{"encoded plus and colons", "$filter=d%20gt%202021-02-03T00%3A00%3A00%2B01%3A00", "2021-02-03T00:00:00+01:00 frac=0"},
		{"negative offset", "$filter=d%20gt%202021-02-03T00%3A00%3A00-05%3A30", "2021-02-03T00:00:00-05:30 frac=0"},
		{"UTC", "$filter=d%20gt%202021-02-03T00%3A00%3A00Z", "2021-02-03T00:00:00Z frac=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.raw)
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tt.raw, err)
			}
			b, ok := q.Filter.(*BinaryExpr)
			if !ok {
				t.Fatalf("$filter = %T, want a comparison", q.Filter)
			}
			l, ok := b.Y.(*Literal)
			if !ok || l.Kind != LitDateTimeOffset {
				t.Fatalf("right side %s, want a date-time literal", b.Y)
			}
			if got := litValue(l); got != tt.want {
				t.Errorf("value %q, want %q", got, tt.want)
			}
		})
	}
}
