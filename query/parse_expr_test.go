package query

import (
	"strings"
	"testing"
)

// exprTests are valid expressions and their canonical rendering: binary
// operators fully parenthesized, operator words lower-cased.
var exprTests = []struct {
	name, in, want string
}{
	{"comparison", "Name eq 'Milk'", "(Name eq 'Milk')"},
	{"and of comparisons", "Name eq 'Milk' and Price lt 2.55", "((Name eq 'Milk') and (Price lt 2.55))"},
	{"operators ignore case", "Name EQ 'Milk' AND Price Lt 2.55", "((Name eq 'Milk') and (Price lt 2.55))"},
	{"extra spaces", "a  eq   1", "(a eq 1)"},
	{"parentheses are kept by structure", "(a eq 1)", "(a eq 1)"},
	{"not with parentheses", "not (a eq 1)", "not (a eq 1)"},
	{"not before a call", "not endswith(Name,'ilk')", "not endswith(Name,'ilk')"},
	{"negation", "-Price", "-Price"},
	{"negation with a space", "- Price", "-Price"},
	{"negation of a literal keeps apart", "- 5", "- 5"},
	{"negative literal", "-5", "-5"},
	{"double negation", "- -a", "- -a"},
	{"negated operand of has", "(-a) has b", "((-a) has b)"},
	{"negated operand of in", "a in (-b)", "(a in (-b))"},
	{"same-level chains print flat", "a or b or c", "(a or b or c)"},
	{"mixed levels keep their parentheses", "a eq 1 or b eq 2 and c", "((a eq 1) or ((b eq 2) and c))"},
	{"call", "contains(CompanyName,'lfreds')", "contains(CompanyName,'lfreds')"},
	{"call with spaces", "substring( CompanyName , 5 )", "substring(CompanyName,5)"},
	{"call without arguments", "now()", "now()"},
	{"nested calls", "concat(concat(Street,'-'),City)", "concat(concat(Street,'-'),City)"},
	{"member path", "Queue/Name eq 'Sales'", "(Queue/Name eq 'Sales')"},
	{"$it path", "$it/Name", "$it/Name"},
	{"count segment", "Messages/$count gt 2", "(Messages/$count gt 2)"},
	{"any with lambda", "Messages/any(m:m/Length gt 5)", "Messages/any(m:(m/Length gt 5))"},
	{"any with spaces", "Messages/any( m : m/Length gt 5 )", "Messages/any(m:(m/Length gt 5))"},
	{"any without argument", "Messages/any()", "Messages/any()"},
	{"all", "Messages/all(m:m/Read)", "Messages/all(m:m/Read)"},
	{"lambda uses outer $it", "Messages/any(m:m/From eq $it/Agent)", "Messages/any(m:(m/From eq $it/Agent))"},
	{"in list", "Status in ('open','closed')", "(Status in ('open','closed'))"},
	{"in list with spaces", "Status in ( 'open' , 'closed' )", "(Status in ('open','closed'))"},
	{"in empty list", "Status in ()", "(Status in ())"},
	{"in one literal", "Status in ('open')", "(Status in ('open'))"},
	{"in parenthesized path", "Status in (States)", "(Status in States)"},
	{"in array", "Status in [\"open\",'closed']", "(Status in [\"open\",'closed'])"},
	{"in alias", "Status in @states", "(Status in @states)"},
	{"negative numbers in list", "n in (-1,2)", "(n in (-1,2))"},
	{"has enum", "style has Sales.Pattern'Yellow'", "(style has Sales.Pattern'Yellow')"},
	{"case", "case(X gt 0:1,X lt 0:-1,true:0)", "case((X gt 0):1,(X lt 0):-1,true:0)"},
	{"case with spaces", "case( X gt 0 : 1 , true : 0)", "case((X gt 0):1,true:0)"},
	{"cast with type", "cast(Duration,Edm.Int64)", "cast(Duration,Edm.Int64)"},
	{"isof with one argument", "isof(Model.Customer)", "isof(Model.Customer)"},
	{"alias", "Title eq @title", "(Title eq @title)"},
	{"alias with path", "@a/Street", "@a/Street"},
	{"array", "[1,2,'x',null]", "[1,2,'x',null]"},
	{"empty array", "[]", "[]"},
	{"json object kept as text", `{"a":1,"b":[2]}`, `{"a":1,"b":[2]}`},
	{"qualified function with parameters", "Model.Similar(Word=Name,N=2)", "Model.Similar(Word=Name,N=2)"},
	{"key after set navigation", "Items(1)/Name", "Items(1)/Name"},
	{"type cast then member", "Address/Model.AddressWithLocation/Street", "Address/Model.AddressWithLocation/Street"},
	{"boolean property alone", "Completed", "Completed"},
	{"percent signs in strings", "Name eq '100%'", "(Name eq '100%')"},
	{"unicode string", "Name eq 'Zoë ☎'", "(Name eq 'Zoë ☎')"},
	{"unicode names", "Größe gt 1", "(Größe gt 1)"},
	{"date-time comparison", "Started ge 2021-02-03T00:00:00+01:00 and Started lt 2021-02-04T00:00:00Z",
		"((Started ge 2021-02-03T00:00:00+01:00) and (Started lt 2021-02-04T00:00:00Z))"},
}

func TestParseExpr(t *testing.T) {
	for _, tt := range exprTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseExpr("$filter", tt.in)
			if err != nil {
				t.Fatalf("ParseExpr(%q): %v", tt.in, err)
			}
			if got := x.String(); got != tt.want {
				t.Errorf("ParseExpr(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// precedenceTests follow URL Conventions 5.1.1.17 (OData 4.01): has and in
// at the primary level, then unary not and -, then mul/div/divby/mod,
// add/sub, gt/ge/lt/le, eq/ne, and, or; binary operators are left
// associative.
var precedenceTests = []struct {
	name, in, want string
}{
	{"or below and", "a or b and c", "(a or (b and c))"},
	{"and above or on the left", "a and b or c", "((a and b) or c)"},
	{"and below eq", "a and b eq c", "(a and (b eq c))"},
	{"eq below gt", "a eq b gt c", "(a eq (b gt c))"},
	{"ne below le", "a le b ne c", "((a le b) ne c)"},
	{"gt below add", "a gt b add c", "(a gt (b add c))"},
	{"ge below sub", "a sub b ge c", "((a sub b) ge c)"},
	{"add below mul", "a add b mul c", "(a add (b mul c))"},
	{"sub below div", "a div b sub c", "((a div b) sub c)"},
	{"add below divby", "a add b divby c", "(a add (b divby c))"},
	{"add below mod", "a mod b add c", "((a mod b) add c)"},
	{"mul below unary minus", "-a mul b", "(-a mul b)"},
	{"unary minus on the right", "a mul -b", "(a mul -b)"},
	{"and below not", "not a and b", "(not a and b)"},
	{"eq below not", "not a eq b", "(not a eq b)"},
	{"not below in", "not a in ('x')", "not (a in ('x'))"},
	{"minus below has", "-a has b", "-(a has b)"},
	{"has above mul", "a has b mul c", "((a has b) mul c)"},
	{"in above eq", "a in (1) eq b", "((a in (1)) eq b)"},
	{"or is left associative", "a or b or c", "((a or b) or c)"},
	{"and is left associative", "a and b and c", "((a and b) and c)"},
	{"eq is left associative", "a eq b ne c", "((a eq b) ne c)"},
	{"relations are left associative", "a lt b gt c", "((a lt b) gt c)"},
	{"add and sub are left associative", "a sub b add c sub d", "(((a sub b) add c) sub d)"},
	{"mul family is left associative", "a div b divby c mod d mul e", "((((a div b) divby c) mod d) mul e)"},
	{"has is left associative", "a has b has c", "((a has b) has c)"},
	{"parentheses override", "(a or b) and c", "((a or b) and c)"},
	{"parentheses override arithmetic", "(a add b) mul c", "((a add b) mul c)"},
	{"all levels at once", "a or b and c eq d gt e add f mul -g has h",
		"(a or (b and (c eq (d gt (e add (f mul -(g has h)))))))"},
	{"all levels reversed", "-a has b mul c add d gt e eq f and g or h",
		"((((((-(a has b) mul c) add d) gt e) eq f) and g) or h)"},
}

func TestPrecedence(t *testing.T) {
	for _, tt := range precedenceTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseExpr("$filter", tt.in)
			if err != nil {
				t.Fatalf("ParseExpr(%q): %v", tt.in, err)
			}
			if got := tree(x); got != tt.want {
				t.Errorf("ParseExpr(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// exprErrorTests are malformed expressions with the byte offset and a
// fragment of the message the error must carry.
var exprErrorTests = []struct {
	name, in string
	pos      int
	msg      string
}{
	{"empty", "", 0, "expected an expression, found nothing"},
	{"missing right operand", "a eq", 4, "expected an operand after 'eq', found end of input"},
	{"missing operand before or", "a eq 'x' or", 11, "expected an operand after 'or'"},
	{"unclosed parenthesis", "(a eq 1", 7, "expected ')' to close the parenthesis opened at position 1, found end of input"},
	{"unclosed inner parenthesis", "a eq 1 and (b or c", 18, "expected ')' to close the parenthesis opened at position 12"},
	{"stray closing parenthesis", "a eq 1)", 6, "unexpected ')'"},
	{"two operands", "a eq 1 b", 7, "unexpected 'b'"},
	{"operator glued to its left", "a eq@p", 4, "expected a space after the operator 'eq'"},
	{"unknown word as operator", "a eqb", 2, "unexpected 'eqb'"},
	{"unterminated string", "a eq 'x", 5, "unterminated string"},
	{"unterminated JSON string", `Name eq "x`, 8, "unterminated JSON string"},
	{"unterminated call", "contains(a,", 11, "expected an operand, found end of input"},
	{"unterminated case", "case(a:1", 8, "expected ')' to close case(, found end of input"},
	{"unterminated array", "[1,2", 4, "expected ']' to close the array, found end of input"},
	{"unterminated object", `{"a":1`, 0, "unterminated JSON object"},
	{"lambda without colon", "Items/any(x)", 10, "expected a lambda variable and ':' in any(v:condition), found 'x'"},
	{"lambda without body", "Items/any(x:)", 12, "expected an operand, found ')'"},
	{"all without condition", "Items/all()", 10, "all() needs a condition"},
	{"any without path", "any()", 3, "any() must follow a collection path"},
	{"list of paths", "a in (b,c)", 6, "expected a literal in the list, found b"},
	{"list outside in", "a eq ('x','y')", 9, "a list in parentheses may only stand right of 'in'"},
	{"trailing slash", "a/", 2, "expected a property or navigation name, found end of input"},
	{"star in a path", "a/*", 2, "'*' is not allowed in an expression path"},
	{"star alone", "*", 0, "'*' is not allowed in an expression"},
	{"minus alone", "a eq -", 6, "expected an operand, found end of input"},
	{"function without parentheses", "a eq Model.Foo", 14, "expected '(' after the function Model.Foo or '/' after the type cast"},
	{"hash", "a eq #", 5, "unexpected character '#'"},
	{"plus as space", "a+eq+1", 1, "in a URL a space is written %20, not +"},
	{"at without a name", "@", 0, "'@' must be followed by a parameter alias name"},
	{"number with suffix", "x eq 12abc", 5, "malformed number 12a"},
	{"decimal point without digits", "x eq 1.", 7, "expected digits after the decimal point"},
	{"exponent without digits", "x eq 1e", 7, "expected digits in the exponent"},
	{"date-time without zone", "a eq 2024-01-01T10:00:00", 24, "add Z for UTC or an offset such as +01:00"},
	{"date-time without time", "a eq 2024-01-01T", 16, "expected a time of day"},
	{"positions count bytes", "'Zoë' eq 1)", 11, "unexpected ')'"},
}

func TestParseExprErrors(t *testing.T) {
	for _, tt := range exprErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseExpr("$filter", tt.in)
			if err == nil {
				t.Fatalf("ParseExpr(%q) = %s, want an error", tt.in, x)
			}
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("ParseExpr(%q) error %T %v, want *SyntaxError", tt.in, err, err)
			}
			if se.Pos != tt.pos {
				t.Errorf("ParseExpr(%q) error at %d, want %d (%s)", tt.in, se.Pos, tt.pos, se.Msg)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("ParseExpr(%q) error %q, want it to contain %q", tt.in, se.Msg, tt.msg)
			}
		})
	}
}

func TestSyntaxErrorText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"column counts characters", "'Zoë' eq 1)", "$filter: unexpected ')' at position 11, near \")\""},
		{"at the end", "a eq", "$filter: expected an operand after 'eq', found end of input at position 5, at the end"},
		{"long rest is cut", "a eq 1) and b eq 'a very long tail of text here'", `near ") and b eq 'a very long tail o..."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExpr("$filter", tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseExpr(%q) error %v, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

// validExprs gathers every valid expression of the tables in this package,
// for the round-trip test and as fuzz seeds.
func validExprs() []string {
	var out []string
	for _, tt := range exprTests {
		out = append(out, tt.in)
	}
	for _, tt := range precedenceTests {
		out = append(out, tt.in)
	}
	for _, tt := range literalTests {
		out = append(out, tt.in)
	}
	return out
}

// TestRoundTrip: String renders a tree that parses back to itself, so
// parse, String, parse, String is a fixed point.
func TestRoundTrip(t *testing.T) {
	for _, in := range validExprs() {
		t.Run(in, func(t *testing.T) {
			x1, err := ParseExpr("$filter", in)
			if err != nil {
				t.Fatalf("ParseExpr(%q): %v", in, err)
			}
			s1 := x1.String()
			x2, err := ParseExpr("$filter", s1)
			if err != nil {
				t.Fatalf("reparsing %q (from %q): %v", s1, in, err)
			}
			if s2 := x2.String(); s2 != s1 {
				t.Errorf("round trip of %q: %q then %q", in, s1, s2)
			}
			if k1, k2 := shape(x1), shape(x2); k1 != k2 {
				t.Errorf("round trip of %q changed the tree: %s then %s", in, k1, k2)
			}
		})
	}
}

// tree renders every binary operator in its own parentheses, showing the
// tree that String, which prints same-level chains flat, leaves implicit.
func tree(x Expr) string {
	switch x := x.(type) {
	case *BinaryExpr:
		return "(" + tree(x.X) + " " + x.Op + " " + tree(x.Y) + ")"
	case *UnaryExpr:
		if x.Op == "-" {
			return "-" + tree(x.X)
		}
		return x.Op + " " + tree(x.X)
	}
	return x.String()
}

// shape renders the node types of a tree, which String alone could hide
// (a negative literal and a negated literal print alike).
func shape(x Expr) string {
	var b strings.Builder
	Walk(x, func(n Expr) bool {
		switch n := n.(type) {
		case *Literal:
			b.WriteString("L" + itoa(int(n.Kind)) + " ")
		case *UnaryExpr:
			b.WriteString("U" + n.Op + " ")
		case *BinaryExpr:
			b.WriteString("B" + n.Op + " ")
		case *PathExpr:
			b.WriteString("P" + itoa(len(n.Segs)) + " ")
		case *CallExpr:
			b.WriteString("C" + n.Name + " ")
		case *ListExpr:
			b.WriteString("List" + itoa(len(n.Items)) + " ")
		default:
			b.WriteString("? ")
		}
		return true
	})
	return b.String()
}
