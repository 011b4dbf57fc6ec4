package query

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

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

// FuzzApply feeds one string to ParseApply, with the oracle of FuzzParse:
// no panic, only typed errors with positions inside the input, and a
// parsed pipeline whose String parses again to the same String. Seeds are
// the tables of parse_apply_test.go and the $apply values of the OASIS
// aggregation cases. Crashers are kept under testdata/fuzz/FuzzApply.
func FuzzApply(f *testing.F) {
	for _, s := range applyFuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseApply(s)
		checkFuzzErr(t, "ParseApply", s, err)
		if err != nil {
			return
		}
		s1 := PipelineString(ts)
		ts2, err := ParseApply(s1)
		if err != nil {
			if se, ok := err.(*SyntaxError); ok && isLimitError(se) {
				return
			}
			t.Fatalf("ParseApply(%q) rendered %q, which does not parse: %v", s, s1, err)
		}
		if s2 := PipelineString(ts2); s2 != s1 {
			t.Fatalf("ParseApply(%q): String %q, then %q", s, s1, s2)
		}
	})
}

// applyFuzzSeeds adds to the tables the decoded $apply values of the
// OASIS aggregation cases, when the conformance folder is present.
func applyFuzzSeeds() []string {
	out := applySeeds()
	b, err := os.ReadFile(filepath.Join(abnfDir, "odata-aggregation-testcases.yaml"))
	if err != nil {
		return out
	}
	var suite abnfSuite
	if yaml.Unmarshal(b, &suite) != nil {
		return out
	}
	for _, c := range suite.TestCases {
		_, v, ok := strings.Cut(c.Input, "$apply=")
		if !ok {
			continue
		}
		v, _, _ = strings.Cut(v, "&")
		if d, err := PercentDecode(v); err == nil {
			out = append(out, d)
		}
	}
	return out
}

func isLimitError(e *SyntaxError) bool {
	return strings.Contains(e.Msg, "nested deeper than") || strings.Contains(e.Msg, "parts") || strings.Contains(e.Msg, "transformations")
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
	for _, s := range applySeeds() {
		out = append(out, "$apply="+s)
	}
	for _, tt := range aggregateExprTests {
		out = append(out, tt.in)
	}
	for _, tt := range aggregateExprErrorTests {
		out = append(out, tt.in)
	}
	return out
}
