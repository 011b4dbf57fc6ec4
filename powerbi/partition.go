package powerbi

import (
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/powerbi/tmdl"
)

// The partition queries navigate from one OData.Feed(FeedUrl) source to the
// entity set by name, rather than building a URL per table from text: the
// Power BI Service refreshes only data sources it can see without running
// the query, and a URL made by concatenation is a dynamic source it
// refuses. FeedUrl is a parameter, so moving the feed is one edit.

// feedSource is the OData.Feed call every query starts from.
func feedSource(opt Options) string {
	o := `[Implementation = "2.0"`
	if opt.APIKeyName != "" {
		o += ", ApiKeyName = " + mString(opt.APIKeyName)
	}
	return "OData.Feed(FeedUrl, null, " + o + "])"
}

// mBuilder writes a let expression one step at a time.
type mBuilder struct {
	steps []string
	last  string
}

func (b *mBuilder) step(name, expr string) {
	b.steps = append(b.steps, "    "+name+" = "+expr)
	b.last = name
}

func (b *mBuilder) String() string {
	return "let\n" + strings.Join(b.steps, ",\n") + "\nin\n    " + b.last
}

// mList writes an M list with one item per line.
func mList(items []string) string {
	return "{\n        " + strings.Join(items, ",\n        ") + "\n    }"
}

// rangeFilter keeps the rows whose main UTC time falls in [RangeStart,
// RangeEnd): the filter incremental refresh needs, written so it folds into
// $filter (the parameters are date-times without zone, taken as UTC).
func rangeFilter(b *mBuilder, t *table) {
	c := "[" + t.mainUTC.Name + "]"
	b.step("InRange", "Table.SelectRows("+b.last+", each "+c+" >= DateTime.AddZone(RangeStart, 0) and "+c+" < DateTime.AddZone(RangeEnd, 0))")
}

// partitionQuery is the M of a table's partition: the set from the feed,
// only the model's columns (folded into $select), timestamps as plain
// date-times (UTC ones in UTC, tenant-local ones in the tenant's clock),
// and the day column for the date table.
func partitionQuery(t *table, opt Options, incremental bool) string {
	b := &mBuilder{}
	b.step("Source", feedSource(opt))
	b.step("Rows", "Source{[Name = "+mString(t.set.Name)+", Signature = \"table\"]}[Data]")
	if incremental {
		rangeFilter(b, t)
	}
	var cols, times []string
	for _, p := range t.set.Type.Properties {
		cols = append(cols, mString(p.Name))
		if p.Type == edm.DateTimeOffset {
			times = append(times, "{"+mString(p.Name)+", DateTimeZone.RemoveZone, type nullable datetime}")
		}
	}
	b.step("Columns", "Table.SelectColumns("+b.last+", "+mList(cols)+")")
	if len(times) > 0 {
		b.step("Times", "Table.TransformColumns("+b.last+", "+mList(times)+")")
	}
	if t.dayColumn != nil {
		b.step("Days", "Table.AddColumn("+b.last+", "+mString(t.dayColumn.name)+", each Date.From(["+t.dayFrom.Name+"]), type nullable date)")
	}
	return b.String()
}

// pollingQuery is "detect data changes": the latest modifiedAtUTC of the
// partition's rows, read as one row ($orderby desc, $top=1) rather than the
// whole column. A partition is refreshed again only when it changes.
func pollingQuery(t *table, opt Options) string {
	b := &mBuilder{}
	b.step("Source", feedSource(opt))
	b.step("Rows", "Source{[Name = "+mString(t.set.Name)+", Signature = \"table\"]}[Data]")
	rangeFilter(b, t)
	m := mString(t.modified.Name)
	b.step("Latest", "Table.FirstN(Table.Sort(Table.SelectColumns("+b.last+", {"+m+"}), {{"+m+", Order.Descending}}), 1)")
	b.step("LastChange", "if Table.IsEmpty(Latest) then null else DateTimeZone.RemoveZone(Latest{0}["+t.modified.Name+"])")
	return b.String()
}

// refreshPolicy keeps two years of data and refreshes the last days on
// each refresh; with a change timestamp it looks further back (30 days)
// since unchanged days are skipped, so late updates are picked up.
func refreshPolicy(t *table, opt Options, source string) *tmdl.Object {
	days := "7"
	if t.modified != nil {
		days = "30"
	}
	props := []*tmdl.Property{
		{Name: "policyType", Kind: tmdl.Value, Text: "basic"},
		{Name: "rollingWindowGranularity", Kind: tmdl.Value, Text: "year"},
		{Name: "rollingWindowPeriods", Kind: tmdl.Value, Text: "2"},
		{Name: "incrementalGranularity", Kind: tmdl.Value, Text: "day"},
		{Name: "incrementalPeriods", Kind: tmdl.Value, Text: days},
	}
	if t.modified != nil {
		props = append(props, &tmdl.Property{Name: "pollingExpression", Kind: tmdl.Expression, Text: pollingQuery(t, opt)})
	}
	props = append(props, &tmdl.Property{Name: "sourceExpression", Kind: tmdl.Expression, Text: source})
	return &tmdl.Object{Type: "refreshPolicy", Properties: props}
}
