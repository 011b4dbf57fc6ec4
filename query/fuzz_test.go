package query

import (
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
)

// FuzzParse feeds one string to every parser entry point. The oracle is
// the server's: no panic, and every error is a *SyntaxError (with a
// position inside its input) or a *ccfeed.Error, so nothing becomes a 500.
// A parsed expression must also survive String and parse again unchanged.
// Crashers are kept under testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ParseQuery(s)
		checkFuzzErr(t, "ParseQuery", s, err)

		_, err = ParsePath(s)
		checkFuzzErr(t, "ParsePath", s, err)

		_, err = ParseSearch("$search", s, 0)
		checkFuzzErr(t, "ParseSearch", s, err)

		x, err := ParseExpr("$filter", s)
		checkFuzzErr(t, "ParseExpr", s, err)
		if err != nil {
			return
		}
		s1 := x.String()
		y, err := ParseExpr("$filter", s1)
		if err != nil {
			// The parentheses String adds count against MaxExprDepth and
			// MaxExprNodes, so an input close to a limit may render past
			// it; any other failure is a bug.
			if se, ok := err.(*SyntaxError); ok && isLimitError(se) {
				return
			}
			t.Fatalf("ParseExpr(%q) rendered %q, which does not parse: %v", s, s1, err)
		}
		if s2 := y.String(); s2 != s1 {
			t.Fatalf("ParseExpr(%q): String %q, then %q", s, s1, s2)
		}
		if k1, k2 := shape(x), shape(y); k1 != k2 {
			t.Fatalf("ParseExpr(%q): tree %s, after String %s", s, k1, k2)
		}
	})
}

func isLimitError(e *SyntaxError) bool {
	return strings.Contains(e.Msg, "nested deeper than") || strings.Contains(e.Msg, "parts")
}

func checkFuzzErr(t *testing.T, fn, in string, err error) {
	t.Helper()
	switch e := err.(type) {
	case nil, *ccfeed.Error:
	case *SyntaxError:
		if e.Pos < 0 || e.Pos > len(e.Input) {
			t.Fatalf("%s(%q): error position %d outside its input %q", fn, in, e.Pos, e.Input)
		}
		_ = e.Error() // renders without panicking
	default:
		t.Fatalf("%s(%q): error of type %T: %v", fn, in, err, err)
	}
}

// fuzzSeeds collects the inputs of every table in the package's tests.
func fuzzSeeds() []string {
	out := validExprs()
	for _, tt := range exprErrorTests {
		out = append(out, tt.in)
	}
	for _, tt := range invalidLiteralTests {
		out = append(out, tt.in)
	}
	for _, tt := range queryTests {
		out = append(out, tt.raw)
	}
	for _, tt := range queryErrorTests {
		out = append(out, tt.raw)
	}
	for _, tt := range pathTests {
		out = append(out, tt.raw)
	}
	for _, tt := range pathErrorTests {
		out = append(out, tt.raw)
	}
	for _, tt := range searchTests {
		out = append(out, tt.in)
	}
	for _, tt := range searchErrorTests {
		out = append(out, tt.in)
	}
	return out
}
