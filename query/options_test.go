package query

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
)

// render prints parsed options in a canonical form for comparison.
func render(o *Options) string {
	if o == nil {
		return ""
	}
	var parts []string
	for _, name := range o.Given {
		var v string
		switch name {
		case "$filter":
			v = o.Filter.String()
		case "$search":
			v = o.Search.String()
		case "$orderby":
			var items []string
			for _, it := range o.OrderBy {
				s := it.Expr.String()
				if it.Desc {
					s += " desc"
				}
				items = append(items, s)
			}
			v = strings.Join(items, ",")
		case "$select":
			var items []string
			for _, it := range o.Select {
				s := strings.Join(it.Path, "/")
				if it.Star {
					s = strings.TrimPrefix(s+"/*", "/")
				}
				if it.Options != nil {
					s += "(" + render(it.Options) + ")"
				}
				items = append(items, s)
			}
			v = strings.Join(items, ",")
		case "$expand":
			var items []string
			for _, it := range o.Expand {
				s := strings.Join(it.Path, "/")
				if it.Star {
					s = "*"
				}
				if it.Ref {
					s += "/$ref"
				}
				if it.Count {
					s += "/$count"
				}
				if it.Options != nil {
					s += "(" + render(it.Options) + ")"
				}
				items = append(items, s)
			}
			v = strings.Join(items, ",")
		case "$compute":
			var items []string
			for _, it := range o.Compute {
				items = append(items, it.Expr.String()+" as "+it.Alias)
			}
			v = strings.Join(items, ",")
		case "$top":
			v = strconv.FormatInt(*o.Top, 10)
		case "$skip":
			v = strconv.FormatInt(*o.Skip, 10)
		case "$count":
			v = strconv.FormatBool(*o.Count)
		case "$levels":
			v = strconv.Itoa(o.Levels)
		case "$apply":
			v = PipelineString(o.Apply)
		case "$format":
			continue
		}
		parts = append(parts, name+"="+v)
	}
	return strings.Join(parts, ";")
}

var queryTests = []struct {
	name, raw, want string
}{
	{"Power Query preview", "$top=1000", "$top=1000"},
	{"Power Query column choice", "$select=A%2CB", "$select=A,B"},
	{"Power Query date filter", "$filter=lastActivityDate%20gt%202021-02-03T00%3A00%3A00%2B01%3A00",
		"$filter=(lastActivityDate gt 2021-02-03T00:00:00+01:00)"},
	{"incremental refresh range", "$filter=Started%20ge%202024-01-01T00%3A00%3A00Z%20and%20Started%20lt%202024-02-01T00%3A00%3A00Z",
		"$filter=((Started ge 2024-01-01T00:00:00Z) and (Started lt 2024-02-01T00:00:00Z))"},
	{"several options", "$select=Id,Name&$orderby=Name%20desc,Id&$top=10&$skip=20&$count=true",
		"$select=Id,Name;$orderby=Name desc,Id;$top=10;$skip=20;$count=true"},
	{"API key is a custom option", "apikey=s3cr%26t&$top=5", "$top=5"},
	{"custom option without value", "debug&$top=5", "$top=5"},
	{"empty parts are ignored", "$top=1&&$skip=2&", "$top=1;$skip=2"},
	{"4.01 names without $", "top=5&skip=10&count=true", "$top=5;$skip=10;$count=true"},
	{"4.01 names ignore case", "$Filter=a%20eq%201&ORDERBY=a&Select=a", "$filter=(a eq 1);$orderby=a;$select=a"},
	{"$count=false", "$count=false", "$count=false"},
	{"$count ignores case", "$count=TRUE", "$count=true"},
	{"$top zero", "$top=0", "$top=0"},
	{"$top with leading zeros", "$top=007", "$top=7"},
	{"orderby expression", "$orderby=Cost%20ge%20Revenue%20asc", "$orderby=(Cost ge Revenue)"},
	{"orderby tab before asc", "$orderby=Name%09asc", "$orderby=Name"},
	{"select star", "$select=*", "$select=*"},
	{"select path", "$select=Address/Street", "$select=Address/Street"},
	{"compute", "$compute=Amount%20mul%20TaxRate%20as%20Tax,day(Time)%20as%20Day", "$compute=(Amount mul TaxRate) as Tax,day(Time) as Day"},
	{"search", "$search=blue%20OR%20green", "$search=(blue OR green)"},
	{"format is kept aside", "$format=json&$top=1", "$top=1"},
	{"expand star", "$expand=*", "$expand=*"},
	{"expand ref and count", "$expand=Items/$ref,Orders/$count", "$expand=Items/$ref,Orders/$count"},
	{"nested expand options", "$expand=Messages($select=Id,Text;$filter=Length%20gt%205;$orderby=Sent%20desc;$top=2;$skip=1;$count=true;$expand=Author($levels=2);$search=hello)",
		"$expand=Messages($select=Id,Text;$filter=(Length gt 5);$orderby=Sent desc;$top=2;$skip=1;$count=true;$expand=Author($levels=2);$search=hello)"},
	{"nested options without $", "expand=Customer,Items(expand=Product;levels=max;top=1)",
		"$expand=Customer,Items($expand=Product;$levels=-1;$top=1)"},
	{"nested $compute", "$expand=Sales($compute=Amount%20mul%20TaxRate%20as%20Tax)", "$expand=Sales($compute=(Amount mul TaxRate) as Tax)"},
	{"filter and search after /$count", "$expand=Items/$count($filter=Price%20gt%205;$search=red)", "$expand=Items/$count($filter=(Price gt 5);$search=red)"},
	{"options after /$ref", "$expand=Items/$ref($filter=Price%20gt%205;$orderby=Price;$top=1;$skip=1;$count=true)",
		"$expand=Items/$ref($filter=(Price gt 5);$orderby=Price;$top=1;$skip=1;$count=true)"},
	{"levels after star", "$expand=*($levels=2)", "$expand=*($levels=2)"},
	{"nested $search with encoded semicolon", "$expand=Manager($search=a%3Bb)", "$expand=Manager($search=a;b)"},
	{"nested $search with parentheses", "$expand=Manager($search=(green))", "$expand=Manager($search=green)"},
	{"select with nested options", "$select=Tags($filter=$this%20ne%20'x';$top=2)", "$select=Tags($filter=($this ne 'x');$top=2)"},
	{"apply", "$apply=groupby((Queue/name),aggregate($count%20as%20n))", "$apply=groupby((Queue/name),aggregate($count as n))"},
	{"apply inside expand", "$expand=Messages($apply=aggregate(length%20with%20sum%20as%20total);$top=1)",
		"$expand=Messages($apply=aggregate(length with sum as total);$top=1)"},
	{"apply with search inside expand", "$expand=Messages($apply=search(hello)/top(2))", "$expand=Messages($apply=search(hello)/top(2))"},
}

func TestParseQuery(t *testing.T) {
	for _, tt := range queryTests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.raw)
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tt.raw, err)
			}
			if got := render(&q.Options); got != tt.want {
				t.Errorf("ParseQuery(%q)\n got %s\nwant %s", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseQueryKeepsTexts(t *testing.T) {
	q, err := ParseQuery("$filter=Title%20eq%20@t&@t='Wizard%20of%20Oz'&$format=json&$skiptoken=abc&apikey=k")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k, v := range q.Texts {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	want := "$filter=Title eq @t|$format=json|$skiptoken=abc|@t='Wizard of Oz'"
	if got := strings.Join(keys, "|"); got != want {
		t.Errorf("Texts = %s, want %s", got, want)
	}
	if q.Format != "json" || q.SkipToken != "abc" || len(q.Custom) != 1 || q.Custom[0] != "apikey" {
		t.Errorf("Format %q, SkipToken %q, Custom %q", q.Format, q.SkipToken, q.Custom)
	}
}

func TestParseQueryAliases(t *testing.T) {
	tests := []struct {
		name, raw string
		want      map[string]string
	}{
		{"string alias", "$filter=Title%20eq%20@title&@title='Wizard%20of%20Oz'", map[string]string{"title": "'Wizard of Oz'"}},
		{"alias before use", "@word='Black'&$filter=contains(Title,@word)", map[string]string{"word": "'Black'"}},
		{"expression alias", "@e=5%20add%203", map[string]string{"e": "(5 add 3)"}},
		{"list alias for in", "$filter=Status%20in%20@s&@s=('open','closed')", map[string]string{"s": "('open','closed')"}},
		{"array alias", "@s=[\"a\",\"b\"]", map[string]string{"s": `["a","b"]`}},
		{"unused alias", "@x=1", map[string]string{"x": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.raw)
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tt.raw, err)
			}
			if len(q.Aliases) != len(tt.want) {
				t.Errorf("%d aliases, want %d", len(q.Aliases), len(tt.want))
			}
			for name, want := range tt.want {
				x, ok := q.Aliases[name]
				if !ok {
					t.Errorf("alias @%s missing", name)
					continue
				}
				if got := x.String(); got != want {
					t.Errorf("@%s = %s, want %s", name, got, want)
				}
			}
		})
	}
}

var queryErrorTests = []struct {
	name, raw, code, msg string
}{
	{"unknown system option", "$foo=1", ccfeed.ENOTIMPLEMENTED, "unknown system query option $foo"},
	{"v3 inlinecount", "$inlinecount=allpages", ccfeed.ENOTIMPLEMENTED, "OData v4 uses $count=true"},
	{"$index", "$index=1", ccfeed.ENOTIMPLEMENTED, "$index is not supported"},
	{"index without $", "index=-42", ccfeed.ENOTIMPLEMENTED, "$index is not supported"},
	{"$schemaversion", "schemaversion=1.42.2", ccfeed.ENOTIMPLEMENTED, "$schemaversion is not supported"},
	{"$id", "$id=urn:x", ccfeed.ENOTIMPLEMENTED, "$id is not supported"},
	{"$deltatoken", "$deltatoken=x", ccfeed.ENOTIMPLEMENTED, "$deltatoken is not supported"},
	{"temporal $at", "$at=2019-01-30", ccfeed.ENOTIMPLEMENTED, "$at is not supported"},
	{"$apply unknown transformation", "$apply=pivot((a))", ccfeed.EINVALID, "unknown transformation 'pivot'"},
	{"$apply inside $expand is checked", "$expand=Items($apply=groupby(a))", ccfeed.EINVALID, "groupby takes its grouping properties in parentheses"},
	{"empty $apply inside $expand", "$expand=Items($apply=)", ccfeed.EINVALID, "$apply needs a transformation"},
	{"temporal inside $expand", "$expand=History($at=2013-01-01)", ccfeed.ENOTIMPLEMENTED, "$at is not supported"},
	{"alias inside $expand", "$expand=Items(@c=15;$top=1)", ccfeed.ENOTIMPLEMENTED, "parameter aliases defined inside"},
	{"annotation in $select", "$select=@Core.Messages", ccfeed.ENOTIMPLEMENTED, "annotations in queries"},
	{"annotation in $filter", "$filter=Price/@Measures.Currency%20eq%20'EUR'", ccfeed.ENOTIMPLEMENTED, "annotations in queries"},
	{"function in $select", "$select=Model.Fn(Location,Kind)", ccfeed.ENOTIMPLEMENTED, "selecting a function"},
	{"duplicate option", "$top=1&$top=2", ccfeed.EINVALID, "$top is given more than once"},
	{"duplicate across spellings", "$top=1&TOP=2", ccfeed.EINVALID, "$top is given more than once"},
	{"duplicate nested option", "$expand=Items($top=1;$top=2)", ccfeed.EINVALID, "$top is given more than once"},
	{"duplicate alias", "@p=1&@p=2", ccfeed.EINVALID, "parameter alias @p is given more than once"},
	{"negative $top", "$top=-1", ccfeed.EINVALID, "$top must not be negative"},
	{"negative $skip", "$skip=-5", ccfeed.EINVALID, "$skip must not be negative"},
	{"signed $top", "$top=%2B5", ccfeed.EINVALID, "$top must be a non-negative integer"},
	{"$top not a number", "$top=ten", ccfeed.EINVALID, "$top must be a non-negative integer, found 'ten'"},
	{"$top too large", "$top=99999999999", ccfeed.EINVALID, "at most 10000000 rows"},
	{"empty $filter", "$filter=", ccfeed.EINVALID, "$filter needs an expression"},
	{"$count not boolean", "$count=yes", ccfeed.EINVALID, "$count must be true or false"},
	{"$count without value", "$count", ccfeed.EINVALID, "$count must be true or false, found end of input"},
	{"space after =", "$filter=%20true", ccfeed.EINVALID, "unexpected space after '='"},
	{"space in the name", "$filter%20=true", ccfeed.EINVALID, "unexpected space in the option name"},
	{"raw hash", "$search=#1", ccfeed.EINVALID, "unexpected '#'"},
	{"raw semicolon in $search", "$search=a;b", ccfeed.EINVALID, "write a ';' in $search as %3B"},
	{"bad escape in value", "$filter=a%zz", ccfeed.EINVALID, `malformed percent-escape "%zz"`},
	{"bad escape in name", "a%zz=1", ccfeed.EINVALID, "malformed percent-escape"},
	{"malformed alias name", "@1a=1", ccfeed.EINVALID, "malformed parameter alias name"},
	{"empty alias value", "@a=", ccfeed.EINVALID, "expected a value for @a"},
	{"list outside in", "$filter=a%20eq%20('x','y')", ccfeed.EINVALID, "may only stand right of 'in'"},
	{"unknown nested option", "$expand=Items($foo=1)", ccfeed.EINVALID, "unknown query option $foo"},
	{"$format nested", "$expand=Items($format=json)", ccfeed.EINVALID, "$format is not allowed in $expand"},
	{"$levels after $ref", "$expand=Customer/$ref($levels=4)", ccfeed.EINVALID, "$levels is not allowed after /$ref"},
	{"$count after $count", "$expand=Items/$count($count=true)", ccfeed.EINVALID, "$count is not allowed after /$count"},
	{"$expand in $select", "$select=Tags($expand=X)", ccfeed.EINVALID, "$expand is not allowed in $select"},
	{"$levels with leading zero", "$expand=Category($levels=04)", ccfeed.EINVALID, "without leading zeros"},
	{"$levels zero", "$expand=Category($levels=0)", ccfeed.EINVALID, "$levels must be a positive integer"},
	{"expand too deep", "$expand=A($expand=B($expand=C($expand=D($expand=E))))", ccfeed.EINVALID, "nested deeper than 4 levels"},
	{"unclosed nested options", "$expand=Items($top=1", ccfeed.EINVALID, "expected ';' or ')'"},
	{"compute without alias", "$compute=a%20add%201", ccfeed.EINVALID, "expected 'as' and a name"},
	{"compute with qualified alias", "$compute=1%20as%20No.Dot", ccfeed.EINVALID, "expected a name for the computed property"},
	{"orderby empty item", "$orderby=a,", ccfeed.EINVALID, "expected a property or expression to order by"},
	{"select trailing slash", "$select=a/", ccfeed.EINVALID, "expected a property name in $select"},
}

func TestParseQueryErrors(t *testing.T) {
	for _, tt := range queryErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.raw)
			if err == nil {
				t.Fatalf("ParseQuery(%q) = %s, want an error", tt.raw, render(&q.Options))
			}
			if code := ccfeed.ErrorCode(err); code != tt.code {
				t.Errorf("ParseQuery(%q) code %s, want %s (%v)", tt.raw, code, tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseQuery(%q) error %q, want it to contain %q", tt.raw, err, tt.msg)
			}
		})
	}
}

// TestParseQueryErrorPositions checks offsets inside option values.
func TestParseQueryErrorPositions(t *testing.T) {
	tests := []struct {
		name, raw string
		pos       int
	}{
		{"filter", "$filter=a%20eq%20", 5},
		{"nested filter keeps the $expand text", "$expand=Items($filter=a%20eq)", 18},
		{"levels after ref", "$expand=Customer/$ref($levels=4)", 14},
		{"nested $search", "$expand=Manager($search=gr(een)", 18},
		{"search", "$search=%22blue", 0},
		{"raw semicolon in $search", "$search=a;b", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQuery(tt.raw)
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("ParseQuery(%q) error %T %v, want *SyntaxError", tt.raw, err, err)
			}
			if se.Pos != tt.pos {
				t.Errorf("ParseQuery(%q) error at %d, want %d (%s)", tt.raw, se.Pos, tt.pos, se.Msg)
			}
		})
	}
}
