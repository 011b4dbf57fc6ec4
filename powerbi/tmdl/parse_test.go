package tmdl

import (
	"fmt"
	"strings"
	"testing"
)

// dump renders parsed objects one per line, so a test states the whole tree
// it expects: declarations with their positions, properties with their kind.
func dump(objs []*Object) string {
	var b strings.Builder
	var walk func(os []*Object, depth int)
	walk = func(os []*Object, depth int) {
		for _, o := range os {
			ind := strings.Repeat("  ", depth)
			fmt.Fprintf(&b, "%s%s", ind, o.Type)
			if o.Ref {
				b.WriteString(" ref")
			}
			if o.Name != "" {
				fmt.Fprintf(&b, " name=%q", o.Name)
			}
			if o.Default != "" {
				fmt.Fprintf(&b, " default=%q", o.Default)
			}
			if o.Description != "" {
				fmt.Fprintf(&b, " desc=%q", o.Description)
			}
			fmt.Fprintf(&b, " @%s\n", o.Pos)
			for _, p := range o.Properties {
				kind := map[PropKind]string{Value: ":", Flag: "flag", Expression: "="}[p.Kind]
				fmt.Fprintf(&b, "%s  .%s %s %q @%s\n", ind, p.Name, kind, p.Text, p.Pos)
			}
			walk(o.Children, depth+1)
		}
	}
	walk(objs, 0)
	return b.String()
}

// TestParse reads one example of each documented construct.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want string
	}{
		{"object with properties of each form",
			"table Sales\n\tisHidden\n\tdataCategory: Time\n\tlineageTag = x\n",
			"table name=\"Sales\" @1:1\n  .isHidden flag \"\" @2:2\n  .dataCategory : \"Time\" @3:2\n  .lineageTag = \"x\" @4:2\n"},
		{"quoted names, an inner quote doubled",
			"table 'Sales Data'\n\tcolumn 'Customer''s Name'\n\t\tdataType: string\n",
			"table name=\"Sales Data\" @1:1\n  column name=\"Customer's Name\" @2:2\n    .dataType : \"string\" @3:3\n"},
		{"GUID names are bare",
			"relationship 0b1c2d3e-aaaa-4bbb-8ccc-123456789abc\n\tfromColumn: Sales.'Product Key'\n\ttoColumn: Product.id\n",
			"relationship name=\"0b1c2d3e-aaaa-4bbb-8ccc-123456789abc\" @1:1\n  .fromColumn : \"Sales.'Product Key'\" @2:2\n  .toColumn : \"Product.id\" @3:2\n"},
		{"default expression on the declaration line",
			"table T\n\tmeasure 'Total Sales' = SUM(T[amount])\n\t\tformatString: #,0\n",
			"table name=\"T\" @1:1\n  measure name=\"Total Sales\" default=\"SUM(T[amount])\" @2:2\n    .formatString : \"#,0\" @3:3\n"},
		{"multi-line default, two levels deeper, then a property",
			"table T\n\tmeasure M =\n\t\t\tVAR x = 1\n\t\t\t\tRETURN x\n\t\tformatString: 0\n",
			"table name=\"T\" @1:1\n  measure name=\"M\" default=\"VAR x = 1\\n\\tRETURN x\" @2:2\n    .formatString : \"0\" @5:3\n"},
		{"multi-line expression property with blank lines kept inside",
			"table T\n\tpartition P = m\n\t\tmode: import\n\t\tsource =\n\t\t\t\tlet\n\n\t\t\t\t    A = 1\n\t\t\t\tin\n\t\t\t\t    A\n\n\tcolumn c\n",
			"table name=\"T\" @1:1\n  partition name=\"P\" default=\"m\" @2:2\n    .mode : \"import\" @3:3\n    .source = \"let\\n\\n    A = 1\\nin\\n    A\" @4:3\n  column name=\"c\" @11:2\n"},
		{"fenced expression",
			"table T\n\tmeasure M = ```\n\t\t\tSUM(\n\t\t\tT[a])\n\t\t\t```\n\t\tisHidden\n",
			"table name=\"T\" @1:1\n  measure name=\"M\" default=\"SUM(\\nT[a])\" @2:2\n    .isHidden flag \"\" @6:3\n"},
		{"descriptions, one and several lines",
			"/// The sales.\ntable T\n\n\t/// First line\n\t/// second line\n\tcolumn c\n\t\tdataType: int64\n",
			"table name=\"T\" desc=\"The sales.\" @2:1\n  column name=\"c\" desc=\"First line\\nsecond line\" @6:2\n    .dataType : \"int64\" @7:3\n"},
		{"several top-level objects and refs",
			"model Model\n\tculture: en-US\n\nref table A\nref table 'B C'\n",
			"model name=\"Model\" @1:1\n  .culture : \"en-US\" @2:2\ntable ref name=\"A\" @4:1\ntable ref name=\"B C\" @5:1\n"},
		{"unnamed objects",
			"database\n\tcompatibilityLevel: 1567\ntable T\n\trefreshPolicy\n\t\tpolicyType: basic\n\t\tpollingExpression =\n\t\t\t\tList.Max(x)\n",
			"database @1:1\n  .compatibilityLevel : \"1567\" @2:2\ntable name=\"T\" @3:1\n  refreshPolicy @4:2\n    .policyType : \"basic\" @5:3\n    .pollingExpression = \"List.Max(x)\" @6:3\n"},
		{"named expression with its meta record",
			"expression FeedUrl = \"https://x/odata/\" meta [IsParameterQuery=true, Type=\"Text\"]\n",
			"expression name=\"FeedUrl\" default=\"\\\"https://x/odata/\\\" meta [IsParameterQuery=true, Type=\\\"Text\\\"]\" @1:1\n"},
		{"CRLF line ends and a byte order mark",
			"\uFEFFtable T\r\n\tisHidden\r\n",
			"table name=\"T\" @1:1\n  .isHidden flag \"\" @2:2\n"},
		{"values keep their quotes and inner colons",
			"table T\n\tcolumn c\n\t\tformatString: \"hh:mm\"\n",
			"table name=\"T\" @1:1\n  column name=\"c\" @2:2\n    .formatString : \"\\\"hh:mm\\\"\" @3:3\n"},
		{"a dedent closes several levels at once",
			"table A\n\tcolumn a\n\t\tdataType: string\ntable B\n",
			"table name=\"A\" @1:1\n  column name=\"a\" @2:2\n    .dataType : \"string\" @3:3\ntable name=\"B\" @4:1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := Parse("t.tmdl", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(objs); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestParseRejects gives malformed inputs and the place and message of the
// error each must get.
func TestParseRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want string // "line:col: message fragment"
	}{
		{"spaces as indentation", "table T\n    column c\n", "2:1: indentation must be made of tabs"},
		{"tab then space", "table T\n\t column c\n", "2:2: indentation must be made of tabs"},
		{"two levels at once", "table T\n\t\tdataType: string\n", "2:1: unexpected indentation: 2 tabs where at most 1 fit"},
		{"nesting under a property", "table T\n\tisHidden\n\t\tdataType: string\n", "3:1: unexpected indentation"},
		{"nesting under a ref", "ref table T\n\tisHidden\n", "2:1: unexpected indentation"},
		{"property at the top", "dataType: string\n", "1:1: property dataType outside of any object"},
		{"flag at the top", "isHidden\n", "1:1: property isHidden outside of any object"},
		{"description before a property", "table T\n\t/// hidden\n\tisHidden\n", "2:2: a description (///) must come right before an object declaration"},
		{"description at the end", "table T\n/// dangling\n", "2:1: description (///) at the end of the file"},
		{"blank line after a description", "/// d\n\ntable T\n", "2:1: blank line between a description"},
		{"description indented differently", "\t/// d\ntable T\n", "1:1: unexpected indentation"},
		{"description before a ref", "/// d\nref table T\n", "1:1: a description (///) cannot precede a ref"},
		{"unterminated quoted name", "table 'Sales\n", "1:7: unterminated quoted name"},
		{"empty quoted name", "table ''\n", "1:7: empty name"},
		{"dot in a bare name", "table Sales.Q1\n", "1:12: a name with '.' in it must be in single quotes"},
		{"space in a bare name", "table Sales Q1\n", "1:13: unexpected 'Q' after the name of table Sales"},
		{"not a declaration", "+++\n", "1:1: expected an object declaration or a property, found '+'"},
		{"named type without a name", "table T\n\tcolumn\n", "2:8: column needs a name"},
		{"unnamed type with a name", "table T\n\trefreshPolicy P\n", "2:16: refreshPolicy takes no name"},
		{"unknown object type", "tabel Sales\n", "1:1: unknown object type tabel"},
		{"property set twice", "table T\n\tisHidden\n\tisHidden\n", "3:2: property isHidden is set twice (first on line 2)"},
		{"object declared twice", "table T\n\tcolumn c\n\tcolumn c\n", "3:2: column c is declared twice (first on line 2)"},
		{"value missing", "table T\n\tdataType:\n", "2:10: property dataType has no value"},
		{"empty expression block", "table T\n\tmeasure M =\n\t\tformatString: 0\n", "2:12: empty expression"},
		{"expression block one level short", "table T\n\tmeasure M =\n\t\tSUM(x)\n", "2:12: empty expression"},
		{"empty expression at the end", "expression E =\n", "1:14: empty expression"},
		{"unterminated fence", "table T\n\tmeasure M = ```\n\t\t\tSUM(x)\n", "2:12: unterminated ``` expression"},
		{"text after an opening fence", "table T\n\tmeasure M = ```SUM(x)\n\t\t\t```\n", "2:12: nothing may follow ```"},
		{"empty fence", "table T\n\tmeasure M = ```\n\t\t\t```\n", "2:12: empty expression between ```"},
		{"ref without a name", "ref table\n", "1:10: ref table needs a name"},
		{"ref of an unknown type", "ref tabel T\n", "1:5: ref must be followed by an object type"},
		{"text after a ref", "ref table T extra\n", "1:13: unexpected 'e' after ref table T"},
		{"garbage after a flag", "table T\n\tisHidden!\n", "2:10: unexpected '!' after isHidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := Parse("bad.tmdl", []byte(tc.src))
			if err == nil {
				t.Fatalf("accepted:\n%s", dump(objs))
			}
			if !strings.HasPrefix(err.Error(), "bad.tmdl:") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want bad.tmdl:%s", err, tc.want)
			}
		})
	}
}

// TestSplitRef reads the Table.Column references of relationships.
func TestSplitRef(t *testing.T) {
	for _, tc := range []struct{ in, table, column, err string }{
		{"Sales.amount", "Sales", "amount", ""},
		{"'Sales Data'.'Product Key'", "Sales Data", "Product Key", ""},
		{"Date.Date", "Date", "Date", ""},
		{"'It''s'.x", "It's", "x", ""},
		{"Sales", "", "", "expected Table.Column"},
		{"Sales.", "", "", "expected a name"},
		{"Sales.a.b", "", "", "unexpected '.'"},
		{"'Sales.a", "", "", "unterminated"},
	} {
		tb, col, err := SplitRef(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("SplitRef(%q): err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || tb != tc.table || col != tc.column {
			t.Errorf("SplitRef(%q) = %q, %q, %v", tc.in, tb, col, err)
		}
	}
}

// TestQuoteName quotes exactly what a bare name cannot hold.
func TestQuoteName(t *testing.T) {
	for in, want := range map[string]string{
		"Sales": "Sales", "abandon_rate": "abandon_rate", "0b1c-2d": "0b1c-2d",
		"Abandon Rate": "'Abandon Rate'", "It's": "'It''s'", "a.b": "'a.b'", "x=y": "'x=y'",
		"Average Handle Time (s)": "'Average Handle Time (s)'", "": "''",
	} {
		if got := QuoteName(in); got != want {
			t.Errorf("QuoteName(%q) = %s, want %s", in, got, want)
		}
	}
}
