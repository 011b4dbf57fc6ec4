package query

import (
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
)

// renderPath prints a parsed path: names with their keys, and key-as-segment
// values as [text].
func renderPath(p *ResourcePath) string {
	var parts []string
	for _, s := range p.Segs {
		if s.Name == "" {
			parts = append(parts, "["+s.Text+"]")
			continue
		}
		out := s.Name
		if s.Parens {
			var keys []string
			for _, k := range s.Keys {
				keys = append(keys, k.String())
			}
			for _, k := range s.NamedKeys {
				keys = append(keys, k.Name+"="+k.Value.String())
			}
			out += "(" + strings.Join(keys, ",") + ")"
		}
		parts = append(parts, out)
	}
	return strings.Join(parts, " / ")
}

var pathTests = []struct {
	name, raw, want string
}{
	{"entity set", "Conversations", "Conversations"},
	{"string key", "Conversations('acme:demo:1')", "Conversations('acme:demo:1')"},
	{"encoded key", "Conversations('acme%3Ademo%3A1')", "Conversations('acme:demo:1')"},
	{"doubled quote in key", "Customers('O''Neil')", "Customers('O''Neil')"},
	{"encoded quotes", "Customers(%27O%27%27Neil%27)", "Customers('O''Neil')"},
	{"everything encoded", "Customers%28%27O%27%27Neil%27%29", "Customers('O''Neil')"},
	{"encoded slash stays in the key", "Categories('Smartphone%2FTablet')", "Categories('Smartphone/Tablet')"},
	{"encoded space and parentheses", "Categories('Tablet%20(small)')", "Categories('Tablet (small)')"},
	{"unbalanced parentheses in a string", "Categories('Tablet%20)small(')", "Categories('Tablet )small(')"},
	{"four quotes", "Categories('7''''%20Tablet')", "Categories('7'''' Tablet')"},
	{"numeric key", "Categories(1)", "Categories(1)"},
	{"negative key", "Categories(-1)", "Categories(-1)"},
	{"guid key", "Calls(01234567-89ab-cdef-0123-456789abcdef)", "Calls(01234567-89ab-cdef-0123-456789abcdef)"},
	{"date-time key", "Categories(2018-02-13T23%3A59%3A59Z)", "Categories(2018-02-13T23:59:59Z)"},
	{"time key", "Categories(23:59:59)", "Categories(23:59:59)"},
	{"named key", "Categories(ID=1)", "Categories(ID=1)"},
	{"compound key", "OrderItems(OrderID=1,ItemID='a')", "OrderItems(OrderID=1,ItemID='a')"},
	{"alias key", "Categories(@key)", "Categories(@key)"},
	{"named alias key", "Categories(ID=@key)", "Categories(ID=@key)"},
	{"navigation", "Conversations('a')/Messages", "Conversations('a') / Messages"},
	{"navigation with key", "Categories(1)/Products(2)", "Categories(1) / Products(2)"},
	{"property", "Categories(1)/Name", "Categories(1) / Name"},
	{"count", "Conversations/$count", "Conversations / $count"},
	{"navigation count", "Conversations('a')/Messages/$count", "Conversations('a') / Messages / $count"},
	{"value", "Categories(1)/Name/$value", "Categories(1) / Name / $value"},
	{"ref", "Categories(1)/Products/$ref", "Categories(1) / Products / $ref"},
	{"entity ref", "Categories(1)/$ref", "Categories(1) / $ref"},
	{"key as segment", "Conversations/acme:demo:42", "Conversations / [acme:demo:42]"},
	{"numeric key as segment", "Customers/1", "Customers / [1]"},
	{"name-like key as segment", "Employees/A1245", "Employees / A1245"},
	{"quote in key as segment", "People/O'Neil", "People / [O'Neil]"},
	{"encoded quote in key as segment", "People/O%27Neil", "People / [O'Neil]"},
	{"encoded slash in key as segment", "Categories/Smartphone%2FTablet", "Categories / [Smartphone/Tablet]"},
	{"key as segment then navigation", "Orders/1/Items/2", "Orders / [1] / Items / [2]"},
	{"type cast", "Products/Model.BestSellingProduct(1)", "Products / Model.BestSellingProduct(1)"},
	{"empty path", "", "[]"},
}

func TestParsePath(t *testing.T) {
	for _, tt := range pathTests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePath(tt.raw)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tt.raw, err)
			}
			if got := renderPath(p); got != tt.want {
				t.Errorf("ParsePath(%q) = %s, want %s", tt.raw, got, tt.want)
			}
		})
	}
}

// TestParsePathPositions checks that key positions refer to the decoded
// whole path, which error messages quote.
func TestParsePathPositions(t *testing.T) {
	p, err := ParsePath("Conversations('a%2Fb')/Messages(ID='m')")
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != "Conversations('a/b')/Messages(ID='m')" {
		t.Errorf("Text = %q", p.Text)
	}
	if got := []int{p.Segs[0].P, p.Segs[0].Keys[0].Pos(), p.Segs[1].P, p.Segs[1].NamedKeys[0].P, p.Segs[1].NamedKeys[0].Value.Pos()}; got[0] != 0 || got[1] != 14 || got[2] != 21 || got[3] != 30 || got[4] != 33 {
		t.Errorf("positions %v, want [0 14 21 30 33]", got)
	}
}

var pathErrorTests = []struct {
	name, raw, code string
	pos             int
	msg             string
}{
	{"raw slash in a quoted key", "Categories('Tablet/Slate')", ccfeed.EINVALID, 18, "write a '/' inside a key as %2F"},
	{"single quote not doubled", "Customers('O%27Neil')", ccfeed.EINVALID, 13, "unterminated literal"},
	{"unterminated key string", "Customers('abc)", ccfeed.EINVALID, 10, "unterminated string"},
	{"path as key value", "Categories(ID=wrong)", ccfeed.EINVALID, 14, "expected a literal or a parameter alias as the key value, found wrong"},
	{"unquoted string key", "Conversations(acme)", ccfeed.EINVALID, 14, "write a string key in quotes, as in Conversations('acme')"},
	{"semicolon in compound key", "OrderItems(OrderID=1;ItemID='a')", ccfeed.EINVALID, 20, "expected ')' to close OrderItems(, found ';'"},
	{"unclosed key", "Categories(1", ccfeed.EINVALID, 12, "expected ')' to close Categories("},
	{"trailing dot", "Products.('foo')", ccfeed.EINVALID, 8, "unexpected character '.'"},
	{"leading dot", ".Products('foo')", ccfeed.EINVALID, 0, "unexpected character '.'"},
	{"qualified first segment", "Model.Rejection", ccfeed.EINVALID, 5, "expected an entity set name, found the qualified name"},
	{"number first", "1", ccfeed.EINVALID, 0, "expected an entity set name"},
	{"segment after $count", "Products/$count/foo", ccfeed.EINVALID, 16, "nothing may follow /$count"},
	{"segment after $value", "Categories(1)/ID/$value/foo", ccfeed.EINVALID, 24, "nothing may follow /$value"},
	{"$count after $ref", "Categories(1)/Products/$ref/$count", ccfeed.EINVALID, 28, "nothing may follow /$ref"},
	{"bad escape", "Categories(%zz)", ccfeed.EINVALID, 0, "malformed percent-escape"},
	{"$batch", "$batch", ccfeed.ENOTIMPLEMENTED, 0, "$batch is not supported"},
	{"$crossjoin", "$crossjoin(Customers,Countries)", ccfeed.ENOTIMPLEMENTED, 0, "$crossjoin is not supported"},
	{"$all", "$all/Model.Customer", ccfeed.ENOTIMPLEMENTED, 0, "$all is not supported"},
	{"$entity", "$entity", ccfeed.ENOTIMPLEMENTED, 0, "$entity is not supported"},
	{"$filter segment", "Products/$filter(Age%20gt%203)", ccfeed.ENOTIMPLEMENTED, 9, "$filter is not supported"},
	{"$each segment", "Products/$each", ccfeed.ENOTIMPLEMENTED, 9, "$each is not supported"},
	{"$query segment", "People(42)/$query", ccfeed.ENOTIMPLEMENTED, 11, "$query is not supported"},
	{"function then key", "ProductsByCategoryId(categoryId=2)(2)", ccfeed.ENOTIMPLEMENTED, 34, "a function call followed by a key"},
}

func TestParsePathErrors(t *testing.T) {
	for _, tt := range pathErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePath(tt.raw)
			if err == nil {
				t.Fatalf("ParsePath(%q) = %s, want an error", tt.raw, renderPath(p))
			}
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("ParsePath(%q) error %T, want *SyntaxError", tt.raw, err)
			}
			if code := ccfeed.ErrorCode(err); code != tt.code {
				t.Errorf("ParsePath(%q) code %s, want %s", tt.raw, code, tt.code)
			}
			if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("ParsePath(%q) error at %d %q, want at %d containing %q", tt.raw, se.Pos, se.Msg, tt.pos, tt.msg)
			}
		})
	}
}
