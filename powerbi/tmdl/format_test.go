package tmdl

import (
	"regexp"
	"strings"
	"testing"
)

// canonical is a document in the form Format writes: every construct the
// generator uses, so Format(Parse(canonical)) must give it back unchanged.
const canonical = `/// Every conversation.
table Conversations

	/// How many conversations.
	measure Conversations = COUNTROWS('Conversations')
		formatString: #,0

	measure 'Abandon Rate' =
			DIVIDE(
				[Abandoned],
				[Conversations]
			)
		formatString: 0.0%

	column id
		dataType: string
		isHidden
		summarizeBy: none
		sourceColumn: id

	partition Conversations = m
		mode: import
		source =
				let
				    Source = OData.Feed(FeedUrl, null, [Implementation = "2.0"])

				in
				    Source

	refreshPolicy
		policyType: basic
		pollingExpression =
				let
				    x = 1
				in
				    x

model Model
	culture: en-US

ref table Conversations
ref table 'Date Table'
`

func TestFormatRoundTrip(t *testing.T) {
	objs, err := Parse("c.tmdl", []byte(canonical))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(Format(objs)); got != canonical {
		t.Errorf("Format(Parse(doc)) differs from doc:\n%s", got)
	}
}

// TestFormatQuotes builds objects whose names and texts need care and reads
// them back unchanged.
func TestFormatQuotes(t *testing.T) {
	objs := []*Object{{
		Type: "table", Name: "Sales 'EU'", Description: "Line one\n\nline three",
		Properties: []*Property{{Name: "isHidden", Kind: Flag}},
		Children: []*Object{
			{Type: "measure", Name: "Average Handle Time (s)", Default: "AVERAGE('Sales ''EU'''[x])"},
			{Type: "measure", Name: "fence", Default: "```not a fence"},
			{Type: "column", Name: "a.b", Properties: []*Property{{Name: "formatString", Kind: Value, Text: `"hh:mm"`}}},
		},
	}}
	back, err := Parse("q.tmdl", Format(objs))
	if err != nil {
		t.Fatalf("%v\n%s", err, Format(objs))
	}
	if got, want := stripPos(dump(back)), stripPos(dump(objs)); got != want {
		t.Errorf("round trip\n got %s\nwant %s", got, want)
	}
}

var posRE = regexp.MustCompile(` @\d+:\d+`)

func stripPos(s string) string { return posRE.ReplaceAllString(s, "") }

// FuzzParse: no input makes the reader panic, and whatever it accepts
// reads back the same after Format.
func FuzzParse(f *testing.F) {
	f.Add(canonical)
	f.Add("table T\n\tmeasure M = ```\n\t\t\tSUM(\n\t\t\tT[a])\n\t\t\t```\n")
	f.Add("/// d\ntable 'a''b'\n\tcolumn c\n\t\tisHidden\n")
	f.Add("ref table T\nexpression E =\n\t\tx\n")
	f.Fuzz(func(t *testing.T, src string) {
		objs, err := Parse("f.tmdl", []byte(src))
		if err != nil {
			return
		}
		out := Format(objs)
		back, err := Parse("f2.tmdl", out)
		if err != nil {
			t.Fatalf("Format wrote what Parse refuses: %v\n%q\nfrom %q", err, out, src)
		}
		if a, b := stripPos(dump(objs)), stripPos(dump(back)); a != b {
			t.Fatalf("round trip changed the document:\n%s\n%s", a, b)
		}
		if strings.Contains(string(out), "\r") && !strings.Contains(src, "\r") {
			t.Fatal("Format invented a carriage return")
		}
	})
}
