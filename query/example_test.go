package query_test

import (
	"fmt"

	"github.com/ccfeed/ccfeed/query"
)

func ExampleParseExpr() {
	x, err := query.ParseExpr("$filter", "Status eq 'open' and Started ge 2024-01-01T00:00:00+01:00")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x)
	// Output: ((Status eq 'open') and (Started ge 2024-01-01T00:00:00+01:00))
}

func ExampleParseExpr_error() {
	_, err := query.ParseExpr("$filter", "Status eq 'open' and")
	fmt.Println(err)
	// Output: $filter: expected an operand after 'and', found end of input at position 21, at the end
}

func ExampleParseQuery() {
	// What Power Query sends for a preview of two columns.
	q, err := query.ParseQuery("$select=Id%2CStatus&$top=1000&apikey=secret")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.Given, *q.Top, q.Select[1].Path, q.Custom)
	// Output: [$select $top] 1000 [Status] [apikey]
}

func ExampleParseApply() {
	// A Power BI style summary: average queue time per queue.
	ts, err := query.ParseApply("filter(startedAtUTC ge 2024-01-01T00:00:00Z)/groupby((Queue/name),aggregate(queueSeconds with average as avgQueue))")
	if err != nil {
		fmt.Println(err)
		return
	}
	g := ts[1].(*query.ApplyGroupBy)
	agg := g.Then[0].(*query.ApplyAggregate)
	fmt.Println(len(ts), g.Props[0].Segs, agg.Items[0].Method, agg.Items[0].Alias)
	fmt.Println(query.PipelineString(ts))
	// Output:
	// 2 [Queue name] average avgQueue
	// filter((startedAtUTC ge 2024-01-01T00:00:00Z))/groupby((Queue/name),aggregate(queueSeconds with average as avgQueue))
}

func ExampleParseApply_error() {
	_, err := query.ParseApply("groupby((Queue/name),aggregate(queueSeconds with average))")
	fmt.Println(err)
	// Output: $apply: aggregate needs an alias: write 'queueSeconds with average as Total' at position 57, near "))"
}
