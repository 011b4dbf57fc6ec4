package powerbi

import (
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/powerbi/tmdl"
)

// The date table: one row per day that the fact tables' main dates cover,
// related to each fact table's day column, so one date slicer filters
// every fact table.
const (
	dateTable  = "Date"
	dateColumn = "Date"
)

// newDateTable returns the date table, or nil when no chosen fact table has
// a main date.
func newDateTable(tables []*table) *table {
	var facts []*table
	for _, t := range tables {
		if t.dayColumn != nil {
			facts = append(facts, t)
		}
	}
	if len(facts) == 0 {
		return nil
	}
	return &table{name: dateTable,
		desc: "Calendar of every day the fact tables cover. Each fact table's day column (the tenant's day of its main time) relates to Date, so one date filter applies to all of them.",
		columns: []*column{
			{name: dateColumn, dataType: "dateTime", format: "yyyy-mm-dd", summarize: "none", calculated: true, key: true, desc: "The day."},
			{name: "Year", dataType: "int64", format: "0", summarize: "none", calculated: true, desc: "Calendar year of the day."},
			{name: "Quarter", dataType: "string", summarize: "none", calculated: true, desc: "Year and quarter, for example 2026 Q3."},
			{name: "Month", dataType: "string", summarize: "none", calculated: true, desc: "Year and month, for example 2026-09; sorts in time order."},
		},
	}
}

// dateTableDAX spans the first to the last day found in the fact tables'
// day columns (today when they are empty, so the table is never blank).
func dateTableDAX(tables []*table) string {
	var mins, maxs []string
	for _, t := range tables {
		if t.dayColumn != nil && t.name != dateTable {
			ref := daxColumn(t.name, t.dayColumn.name)
			mins = append(mins, "MIN("+ref+")")
			maxs = append(maxs, "MAX("+ref+")")
		}
	}
	return fmt.Sprintf(`VAR FirstDay = MINX({ %s }, [Value])
VAR LastDay = MAXX({ %s }, [Value])
RETURN
    ADDCOLUMNS(
        CALENDAR(COALESCE(FirstDay, TODAY()), COALESCE(LastDay, TODAY())),
        "Year", YEAR([Date]),
        "Quarter", YEAR([Date]) & " Q" & QUARTER([Date]),
        "Month", FORMAT([Date], "yyyy-MM")
    )`, strings.Join(mins, ", "), strings.Join(maxs, ", "))
}

// daxColumn writes 'Table'[Column].
func daxColumn(table, col string) string {
	return "'" + strings.ReplaceAll(table, "'", "''") + "'[" + strings.ReplaceAll(col, "]", "]]") + "]"
}

// datePartition is the calculated partition of the date table.
func datePartition(tables []*table) *tmdl.Object {
	return &tmdl.Object{Type: "partition", Name: dateTable, Default: "calculated",
		Properties: []*tmdl.Property{
			{Name: "mode", Kind: tmdl.Value, Text: "import"},
			{Name: "source", Kind: tmdl.Expression, Text: dateTableDAX(tables)},
		}}
}
