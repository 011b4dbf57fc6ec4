package store

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// Dialect is the seam between query translation and one SQL engine: how
// identifiers are quoted, how placeholders are written, how column types and
// canonical functions are spelled. Translation never writes engine-specific
// SQL itself, so a PostgreSQL store needs a second Dialect, not a second
// translator.
type Dialect interface {
	// Quote is the one identifier-quoting function. Identifiers come only
	// from the model, never from a request.
	Quote(ident string) string
	// Rebind rewrites "?" placeholders into the engine's form.
	Rebind(sql string) string
	// ColumnType is the storage type of a property.
	ColumnType(k edm.Kind) string
	// Function translates a canonical function overload (query.Signature.ID).
	// local is true when the single date-time argument is a tenant-local
	// column, whose text (with its offset) is args[0].
	Function(id string, args []Fragment, local bool) (Fragment, bool)
	// Concat concatenates two string expressions.
	Concat(a, b Fragment) Fragment
	// IntDiv, Div and Mod are integer division, true division and the
	// remainder of two integers; FMod is the remainder when an operand may
	// have a fraction (truncated, so its sign is the dividend's).
	IntDiv(a, b Fragment) Fragment
	Div(a, b Fragment) Fragment
	Mod(a, b Fragment) Fragment
	FMod(a, b Fragment) Fragment
	// Cast converts x from kind `from` to kind `to`.
	Cast(x Fragment, from, to edm.Kind) Fragment
	// Bool wraps a condition that may be NULL so that it is 0 or 1.
	Bool(cond Fragment) Fragment
	// GroupIDs aggregates an integer column into one text value of
	// comma-separated numbers (the row ids of a storage page, see
	// idsPage).
	GroupIDs(col string) string
	// IDList is a subquery giving the integers of one argument, which
	// IDListArg makes from a list.
	IDList() string
	IDListArg(ids []int64) any
	// FoldedMatch compares the text x, folded to lower case (to upper
	// case when upper), with the literal lit: op is "eq", "startswith",
	// "endswith" or "contains". ok is false when the engine has no form
	// that answers exactly the rows folding would (see folded.go); the
	// translator then folds x.
	FoldedMatch(op string, x Fragment, lit string, upper bool) (f Fragment, ok bool)
	// Explain is the statement describing how stmt would run: cols
	// columns per row, the description in the last one. Sorts reports
	// whether such a description sorts rows to give an ORDER BY.
	Explain(stmt string) (sql string, cols int)
	Sorts(plan []string) bool
	// ScopeIndexOnly reports whether such a description reads the table
	// under alias through an index that narrows its rows by equality on
	// scopeCols alone and does not cover the statement (see scan.go).
	ScopeIndexOnly(plan []string, alias string, scopeCols []string) bool
	// Covered reports whether such a description reads the table under
	// alias from an index alone.
	Covered(plan []string, alias string) bool
	// TableScan follows a table's alias in FROM to have the engine read
	// the table in storage order rather than through an index ("" when
	// the engine's planner makes that choice itself).
	TableScan() string
}

// sqliteDialect spells SQL for SQLite 3.40+ with the math functions compiled
// in (build tag sqlite_math_functions).
type sqliteDialect struct{}

// SQLite is the SQLite dialect.
var SQLite Dialect = sqliteDialect{}

func (sqliteDialect) Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

func (sqliteDialect) Rebind(sql string) string { return sql }

func (sqliteDialect) GroupIDs(col string) string { return "group_concat(" + col + ", ',')" }

func (sqliteDialect) IDList() string { return "SELECT value FROM json_each(?)" }

func (sqliteDialect) Explain(stmt string) (string, int) { return "EXPLAIN QUERY PLAN " + stmt, 4 }

func (sqliteDialect) Sorts(plan []string) bool {
	for _, line := range plan {
		if strings.Contains(line, "USE TEMP B-TREE FOR ORDER BY") || strings.Contains(line, "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY") {
			return true
		}
	}
	return false
}

// FoldedMatch compares without folding each row: NOCASE and LIKE fold
// ASCII letters (SQLite's default, case_sensitive_like off), which is
// exact for the literals asciiFolded accepts. LIKE's pattern is an
// argument, its wildcards escaped.
func (sqliteDialect) FoldedMatch(op string, x Fragment, lit string, upper bool) (Fragment, bool) {
	if !asciiFolded(lit, upper) {
		return Fragment{}, false
	}
	if op == "eq" {
		return Join("", x.Wrap("(", " = "), F("? COLLATE NOCASE)", lit)), true
	}
	pattern := likeEscaper.Replace(lit)
	switch op {
	case "startswith":
		pattern += "%"
	case "endswith":
		pattern = "%" + pattern
	case "contains":
		pattern = "%" + pattern + "%"
	default:
		return Fragment{}, false
	}
	return Join("", x.Wrap("(", " LIKE "), F("? ESCAPE ?)", pattern, `\`)), true
}

// ScopeIndexOnly reads lines such as "SEARCH t2 USING INDEX
// ix_Conversations_rows (tenantId=? AND mediaType=?)"; a covering index
// says "USING COVERING INDEX" and needs no lookups.
func (sqliteDialect) ScopeIndexOnly(plan []string, alias string, scopeCols []string) bool {
	prefix := "SEARCH " + alias + " USING INDEX "
	for _, line := range plan {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		_, cons, ok := strings.Cut(rest, " (")
		if !ok || !strings.HasSuffix(cons, ")") {
			return false
		}
		for _, c := range strings.Split(strings.TrimSuffix(cons, ")"), " AND ") {
			col, ok := strings.CutSuffix(c, "=?")
			if !ok || !slices.Contains(scopeCols, col) {
				return false
			}
		}
		return true
	}
	return false
}

func (sqliteDialect) Covered(plan []string, alias string) bool {
	for _, line := range plan {
		for _, verb := range []string{"SEARCH ", "SCAN "} {
			if strings.HasPrefix(line, verb+alias+" USING COVERING INDEX ") {
				return true
			}
		}
	}
	return false
}

// TableScan: SQLite's planner keeps to an index that matches the leading
// equality terms even when its statistics say the index selects nearly
// every row, so the choice is made for it.
func (sqliteDialect) TableScan() string { return " NOT INDEXED" }

// IDListArg writes the ids as a JSON array for json_each.
func (sqliteDialect) IDListArg(ids []int64) any {
	b := make([]byte, 0, 2+8*len(ids))
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

func (sqliteDialect) ColumnType(k edm.Kind) string {
	switch k {
	case edm.Boolean, edm.Byte, edm.SByte, edm.Int16, edm.Int32, edm.Int64:
		return "INTEGER"
	case edm.DateTimeOffset:
		// Milliseconds since the Unix epoch, UTC: compact, exact to compare
		// and order, and what every source can give.
		return "INTEGER"
	case edm.Single, edm.Double, edm.Decimal:
		return "REAL"
	}
	return "TEXT"
}

func (sqliteDialect) Concat(a, b Fragment) Fragment { return Join(" || ", a, b).Wrap("(", ")") }

func (sqliteDialect) IntDiv(a, b Fragment) Fragment {
	// SQLite divides integers as integers and returns NULL for x/0.
	return Join(" / ", a, b).Wrap("(", ")")
}

func (sqliteDialect) Div(a, b Fragment) Fragment {
	return Join(" / ", a.Wrap("CAST(", " AS REAL)"), b).Wrap("(", ")")
}

func (sqliteDialect) Mod(a, b Fragment) Fragment { return Join(" % ", a, b).Wrap("(", ")") }

// FMod uses the math function mod(): the "%" operator casts both operands
// to INTEGER, which turns 5.5 % 2 into 1.
func (sqliteDialect) FMod(a, b Fragment) Fragment { return Join(", ", a, b).Wrap("mod(", ")") }

func (sqliteDialect) Bool(cond Fragment) Fragment { return cond.Wrap("COALESCE(", ", 0)") }

func (sqliteDialect) Cast(x Fragment, from, to edm.Kind) Fragment {
	switch {
	case from == to:
		return x
	case to == edm.String && from == edm.DateTimeOffset:
		return x.Wrap("strftime('%Y-%m-%dT%H:%M:%fZ', (", ") / 1000.0, 'unixepoch')")
	case to == edm.String && from == edm.Boolean:
		return x.Wrap("(CASE ", " WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)")
	case to == edm.String:
		return x.Wrap("CAST(", " AS TEXT)")
	case to == edm.Date && from == edm.DateTimeOffset:
		// 1000.0, not 1000: integer division truncates toward zero and
		// would move instants before 1970 to the next day.
		return x.Wrap("strftime('%Y-%m-%d', (", ") / 1000.0, 'unixepoch')")
	case to == edm.DateTimeOffset && from == edm.String:
		return x.Wrap("CAST(ROUND(unixepoch(", ", 'subsec') * 1000) AS INTEGER)")
	case to.IsIntegral():
		return x.Wrap("CAST(", " AS INTEGER)")
	case to.IsNumeric():
		return x.Wrap("CAST(", " AS REAL)")
	case to == edm.Boolean:
		return x.Wrap("(CASE lower(", ") WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)")
	}
	return x
}
