package query

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ccfeed/ccfeed"
)

// The OASIS OData ABNF test cases (oasis-tcs/odata-abnf) run against this
// package's parser entry points. Each case names an ABNF start rule; the
// rules this read-only feed implements map to ParseQuery, ParsePath,
// ParseExpr or ParseSearch in abnf_rules_test.go. Positive cases of an
// implemented rule must parse, negative cases (FailAt) must be rejected.
// Everything else is skipped with a reason, and when a skipped feature
// still reaches a parser entry point it must parse or answer 501, never
// panic. The summary table is logged under -v.

// abnfDir is the conformance folder relative to the package directory.
const abnfDir = "../../shared/conformance/odata-abnf"

var abnfFiles = []string{
	"odata-abnf-testcases.yaml",
	"odata-aggregation-testcases.yaml",
	"odata-temporal-testcases.yaml",
}

type abnfSuite struct {
	Constraints map[string][]string `yaml:"Constraints"`
	TestCases   []abnfCase          `yaml:"TestCases"`
}

type abnfCase struct {
	Name   string   `yaml:"Name"`
	Rule   string   `yaml:"Rule"`
	Input  string   `yaml:"Input"`
	FailAt *int     `yaml:"FailAt"`
	Expect []string `yaml:"Expect"`
}

// ruleStats is one row of the summary table.
type ruleStats struct {
	rule, entry                     string
	cases, passed, failed, skipped  int
	answered501, parsedWhileSkipped int
	rejected, atFailAt              int
	reasons                         map[string]int
}

func loadABNF(t *testing.T) map[string]*abnfSuite {
	t.Helper()
	suites := map[string]*abnfSuite{}
	var missing []string
	for _, f := range abnfFiles {
		b, err := os.ReadFile(filepath.Join(abnfDir, f))
		if errors.Is(err, os.ErrNotExist) {
			missing = append(missing, f)
			continue
		}
		if err != nil {
			t.Fatalf("reading %s: %v", f, err)
		}
		var s abnfSuite
		if err := yaml.Unmarshal(b, &s); err != nil {
			t.Fatalf("decoding %s: %v", f, err)
		}
		if len(s.TestCases) == 0 {
			t.Fatalf("%s holds no test cases", f)
		}
		suites[f] = &s
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("SKIPPED, NOT PASSED: OASIS ABNF conformance cases missing: %s not found in %s "+
			"(copy them from oasis-tcs/odata-abnf, see its README.md)", strings.Join(missing, ", "), abnfDir)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return suites
}

func TestABNFConformance(t *testing.T) {
	suites := loadABNF(t)
	stats := map[string]*ruleStats{}
	for _, f := range abnfFiles {
		suite := suites[f]
		for i, c := range suite.TestCases {
			v := classify(f, c, suite.Constraints)
			key := strings.ToLower(c.Rule)
			st := stats[key]
			if st == nil {
				st = &ruleStats{rule: c.Rule, entry: v.entryName, reasons: map[string]int{}}
				stats[key] = st
			}
			st.cases++
			name := fmt.Sprintf("%s/%d/%s", strings.TrimSuffix(f, "-testcases.yaml"), i, c.Rule)
			t.Run(name, func(t *testing.T) {
				res := runCase(c, v)
				switch {
				case res.fail != "":
					st.failed++
					t.Errorf("%s\n  rule:  %s\n  input: %q\n  %s", c.Name, c.Rule, c.Input, res.fail)
				case v.skip != notSkipped:
					st.skipped++
					st.reasons[v.reason]++
					if res.answered501 {
						st.answered501++
					}
					if res.parsed {
						st.parsedWhileSkipped++
					}
					t.Skip(v.reason)
				default:
					st.passed++
					if c.FailAt != nil {
						st.rejected++
						if res.atFailAt {
							st.atFailAt++
						}
					}
				}
			})
		}
	}
	logABNFTable(t, stats)
}

// caseResult is what running one case found.
type caseResult struct {
	fail        string // non-empty: the case failed, and why
	parsed      bool
	answered501 bool
	atFailAt    bool // a negative case was rejected at the FailAt offset
}

// runCase runs the entry point for the case and judges the outcome.
func runCase(c abnfCase, v verdict) (res caseResult) {
	if v.run == nil {
		if v.skip == notSkipped {
			return caseResult{fail: "no parser entry point for an implemented rule"}
		}
		return caseResult{}
	}
	negative := c.FailAt != nil
	defer func() {
		if r := recover(); r != nil {
			res = caseResult{fail: fmt.Sprintf("panic: %v", r)}
		}
	}()
	err := v.run(c.Input)
	var wrong wrongErrorType
	if errors.As(err, &wrong) {
		return caseResult{fail: "error of type " + wrong.typ + ": " + err.Error()}
	}
	res.parsed = err == nil
	res.answered501 = err != nil && ccfeed.ErrorCode(err) == ccfeed.ENOTIMPLEMENTED
	res.atFailAt = negative && errorOffset(c.Input, err) == *c.FailAt
	switch v.skip {
	case notSkipped:
		if negative && err == nil {
			res.fail = fmt.Sprintf("negative case (FailAt %d) was accepted", *c.FailAt)
		}
		if !negative && err != nil {
			res.fail = "positive case was rejected: " + err.Error()
		}
	case skip501:
		if !negative && !res.answered501 {
			res.fail = fmt.Sprintf("unsupported feature must answer 501, got %v", err)
		}
	case skipUnsupported, skipNotYet:
		// Valid OData the feed does not offer must be accepted by the
		// model-free parser (the binder then answers) or answered with 501,
		// never with a 400 that blames the client.
		if !negative && err != nil && !res.answered501 {
			res.fail = "unsupported feature answered neither 501 nor parsed: " + err.Error()
		}
	}
	return res
}

// errorOffset maps a syntax error's position back into the case input,
// or returns -1 when it cannot (percent-encoded input, other errors).
func errorOffset(input string, err error) int {
	var se *SyntaxError
	if !errors.As(err, &se) || strings.Contains(input, "%") || se.Input == "" {
		return -1
	}
	base := strings.Index(input, se.Input)
	if base < 0 {
		return -1
	}
	return base + se.Pos
}

// wrongErrorType marks an error that is neither a *SyntaxError nor a
// *ccfeed.Error: the server would answer 500 for it.
type wrongErrorType struct {
	typ string
	err error
}

func (e wrongErrorType) Error() string { return e.err.Error() }

// checkErr passes parser errors through, flagging foreign error types.
func checkErr(err error) error {
	switch err.(type) {
	case nil, *SyntaxError, *ccfeed.Error:
		return err
	}
	return wrongErrorType{typ: fmt.Sprintf("%T", err), err: err}
}

func logABNFTable(t *testing.T, stats map[string]*ruleStats) {
	keys := make([]string, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := stats[keys[i]], stats[keys[j]]
		if (a.passed > 0) != (b.passed > 0) {
			return a.passed > 0
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	var tot ruleStats
	implemented := 0
	fmt.Fprintf(&b, "\nOASIS ABNF conformance by start rule\n")
	fmt.Fprintf(&b, "%-30s %-22s %5s %6s %6s %7s  %s\n", "rule", "entry point", "cases", "passed", "failed", "skipped", "skip reasons (501 = answered 501)")
	for _, k := range keys {
		s := stats[k]
		if s.passed+s.failed > 0 {
			implemented++
		}
		tot.cases += s.cases
		tot.passed += s.passed
		tot.failed += s.failed
		tot.skipped += s.skipped
		tot.answered501 += s.answered501
		tot.rejected += s.rejected
		tot.atFailAt += s.atFailAt
		var rs []string
		for r, n := range s.reasons {
			rs = append(rs, fmt.Sprintf("%d× %s", n, r))
		}
		sort.Strings(rs)
		fmt.Fprintf(&b, "%-30s %-22s %5d %6d %6d %7d  %s\n", s.rule, s.entry, s.cases, s.passed, s.failed, s.skipped, strings.Join(rs, "; "))
		if s.answered501 > 0 {
			fmt.Fprintf(&b, "%-30s %-22s %5s %6s %6s %7s  (%d of the skipped answered 501, %d parsed for the binder to judge)\n", "", "", "", "", "", "", s.answered501, s.parsedWhileSkipped)
		}
	}
	fmt.Fprintf(&b, "%-30s %-22s %5d %6d %6d %7d  (%d rules with run cases, %d answered 501)\n", "TOTAL", "", tot.cases, tot.passed, tot.failed, tot.skipped, implemented, tot.answered501)
	fmt.Fprintf(&b, "negative cases of run rules rejected: %d, of them at the FailAt offset: %d\n", tot.rejected, tot.atFailAt)
	t.Log(b.String())
}
