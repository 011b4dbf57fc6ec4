package query

import (
	"strings"
	"testing"
)

var searchTests = []struct {
	name, in, want string
}{
	{"word", "blue", "blue"},
	{"implicit AND", "blue green", "(blue AND green)"},
	{"implicit AND is left associative", "a b c", "((a AND b) AND c)"},
	{"explicit AND", "blue AND green", "(blue AND green)"},
	{"OR", "blue OR green", "(blue OR green)"},
	{"AND above OR", "a OR b AND c", "(a OR (b AND c))"},
	{"AND above OR on the left", "a AND b OR c", "((a AND b) OR c)"},
	{"implicit AND above OR", "a b OR c d", "((a AND b) OR (c AND d))"},
	{"OR is left associative", "a OR b OR c", "((a OR b) OR c)"},
	{"NOT above AND", "NOT a AND b", "(NOT a AND b)"},
	{"NOT above OR", "NOT a OR b", "(NOT a OR b)"},
	{"NOT after a word", "blue NOT green", "(blue AND NOT green)"},
	{"NOT of a group", "NOT (blue green)", "NOT (blue AND green)"},
	{"NOT directly before a group", "NOT(blue)", "NOT blue"},
	{"NOT NOT", "NOT NOT blue", "NOT NOT blue"},
	{"grouping", "foo AND (bar OR baz)", "(foo AND (bar OR baz))"},
	{"grouping on the left", "(foo AND bar) OR baz", "((foo AND bar) OR baz)"},
	{"spaces inside parentheses", "( blue )", "blue"},
	{"many terms", "foo AND bar OR foo AND baz OR that AND bar", "(((foo AND bar) OR (foo AND baz)) OR (that AND bar))"},
	{"operators are upper case only", "blue and green", "((blue AND and) AND green)"},
	{"lone AND is a word", "AND", "AND"},
	{"lone OR is a word", "OR", "OR"},
	{"lone NOT is a word", "NOT", "NOT"},
	{"NOT of the word NOT", "NOT NOT", "NOT NOT"},
	{"AND OR are words", "AND OR", "(AND AND OR)"},
	{"OR AND are words", "OR AND", "(OR AND AND)"},
	{"AND OR NOT", "AND OR NOT", "(AND OR NOT)"},
	{"trailing AND is a word", "blue AND", "(blue AND AND)"},
	{"phrase", `"blue green"`, `"blue green"`},
	{"phrase and word", `"blue green" red`, `("blue green" AND red)`},
	{"escaped quote in a phrase", `"say \"hi\""`, `"say \"hi\""`},
	{"escaped backslash in a phrase", `"back\\slash"`, `"back\\slash"`},
	{"word characters", "brand-new 3.14 9,81 08/15 $search Daniel's __FILE__ a;b", "(((((((brand-new AND 3.14) AND 9,81) AND 08/15) AND $search) AND Daniel's) AND __FILE__) AND a;b)"},
	{"unicode", "Δ größe", "(Δ AND größe)"},
	{"leading and trailing blanks", "  blue\t", "blue"},
	{"quoted text is one phrase", `'"blue'`, `"\"blue"`},
	{"quoted parenthesis", "'('", `"("`},
	{"quoted text with doubled quote", "'it''s \"x'", `"it's \"x"`},
	{"quoted text with unbalanced phrase", `'"blue" "green'`, `"\"blue\" \"green"`},
}

func TestParseSearch(t *testing.T) {
	for _, tt := range searchTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseSearch("$search", tt.in, 0)
			if err != nil {
				t.Fatalf("ParseSearch(%q): %v", tt.in, err)
			}
			if got := x.String(); got != tt.want {
				t.Errorf("ParseSearch(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestSearchRoundTrip(t *testing.T) {
	for _, tt := range searchTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseSearch("$search", tt.in, 0)
			if err != nil {
				t.Fatalf("ParseSearch(%q): %v", tt.in, err)
			}
			s1 := x.String()
			y, err := ParseSearch("$search", s1, 0)
			if err != nil {
				t.Fatalf("reparsing %q: %v", s1, err)
			}
			if s2 := y.String(); s2 != s1 {
				t.Errorf("round trip of %q: %q then %q", tt.in, s1, s2)
			}
		})
	}
}

var searchErrorTests = []struct {
	name, in string
	pos      int
	msg      string
}{
	{"empty", "", 0, "$search needs at least one word or phrase"},
	{"only blanks", "   ", 0, "$search needs at least one word or phrase"},
	{"unterminated phrase", `"blue`, 0, "unterminated phrase"},
	{"unterminated second phrase", `blue "green`, 5, "unterminated phrase"},
	{"empty phrase", `""`, 0, "empty phrase"},
	{"blank phrase", `" "`, 0, "empty phrase"},
	{"phrase glued to a word", `"blue"green`, 6, "expected a space between search terms"},
	{"word glued to a group", "gr(een)", 2, "expected a space between search terms"},
	{"unclosed group", "(blue", 5, "expected ')' to close the parenthesis opened at position 1"},
	{"unclosed inner group", "a (b (c)", 8, "expected ')' to close the parenthesis opened at position 3"},
	{"stray closing parenthesis", "blue)", 4, `unexpected ")"`},
	{"closing parenthesis first", ")", 0, "unexpected ')'"},
	{"empty group", "()", 1, "unexpected ')'"},
	{"NOT without operand", "NOT (", 5, "expected a word or phrase, found end of input"},
	{"unterminated quoted text", "'abc", 0, "unterminated quoted search text"},
	{"text after quoted text", "'a' b", 4, "unexpected text after the quoted search text"},
	{"empty quoted text", "''", 0, "empty search text"},
}

func TestParseSearchErrors(t *testing.T) {
	for _, tt := range searchErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseSearch("$search", tt.in, 0)
			if err == nil {
				t.Fatalf("ParseSearch(%q) = %s, want an error", tt.in, x)
			}
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("ParseSearch(%q) error %T, want *SyntaxError", tt.in, err)
			}
			if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("ParseSearch(%q) error at %d %q, want at %d containing %q", tt.in, se.Pos, se.Msg, tt.pos, tt.msg)
			}
		})
	}
}

// TestSearchPositions: positions are shifted by base, so a $search nested
// in $expand reports offsets in the $expand text.
func TestSearchPositions(t *testing.T) {
	x, err := ParseSearch("$expand", "blue OR green", 10)
	if err != nil {
		t.Fatal(err)
	}
	b := x.(*SearchBinary)
	if b.P != 15 || b.X.Pos() != 10 || b.Y.Pos() != 18 {
		t.Errorf("positions OR=%d blue=%d green=%d, want 15 10 18", b.P, b.X.Pos(), b.Y.Pos())
	}
	_, err = ParseSearch("$expand", `"open`, 10)
	if se, ok := err.(*SyntaxError); !ok || se.Pos != 10 {
		t.Errorf("error %v, want one at 10", err)
	}
}
