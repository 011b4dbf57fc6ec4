package store

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/query"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/sql from the current translator")

// goldenNow is the request instant the golden plans are bound with.
var goldenNow = time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)

// goldenTenants is the principal's tenant list in every golden case.
var goldenTenants = []string{"contoso", "fabrikam"}

type translateCase struct {
	name string
	req  string
	// lits are the user's literal values as they would read if pasted into
	// the SQL; none may appear in the SQL text, each must be an argument.
	lits []any
	// after, when set, renders a later page resuming after these keyset
	// values.
	after []any
	// units narrows the principal to business units.
	units []string
}

var translateCases = []translateCase{
	{name: "eq_null", req: "Conversations?$filter=status eq null&$select=id"},
	{name: "null_eq_prop", req: "Conversations?$filter=null ne agentId&$select=id"},
	{name: "ne_string", req: "Conversations?$filter=status ne 'closed'&$select=id", lits: []any{"closed"}},
	{name: "eq_two_columns", req: "Conversations?$filter=customerFirstName eq customerLastName&$select=id"},
	{name: "not_gt", req: "Conversations?$filter=not (holdCount gt 5)&$select=id", lits: []any{int64(5)}},
	{name: "not_and_or", req: "Conversations?$filter=not (csat ge 4 and (isOutbound or afterHours eq false))&$select=id", lits: []any{int64(4)}},
	{name: "bool_condition_eq_false", req: "Conversations?$filter=(csat gt 3) eq false&$select=id", lits: []any{int64(3)}},
	{name: "in_list", req: "Conversations?$filter=status in ('open','pending')&$select=id", lits: []any{"open", "pending"}},
	{name: "in_list_null", req: "Conversations?$filter=conversationEndedReason in ('Abandoned',null)&$select=id", lits: []any{"Abandoned"}},
	{name: "nav_single", req: "Conversations?$filter=Queue/name eq 'Support'&$select=id", lits: []any{"Support"}},
	{name: "nav_two_steps", req: "Conversations?$filter=Queue/Channel/name eq 'Main hotline' and Agent eq null&$select=id", lits: []any{"Main hotline"}},
	{name: "any_contains", req: "Conversations?$filter=Messages/any(m:contains(m/body,'refund'))&$select=id", lits: []any{"refund"}},
	{name: "any_empty", req: "Conversations?$filter=Messages/any()&$select=id"},
	{name: "all", req: "Conversations?$filter=Messages/all(m:m/senderType ne 'bot')&$select=id", lits: []any{"bot"}},
	{name: "any_outer_it", req: "Conversations?$filter=Messages/any(m:m/agentId eq $it/agentId and m/Agent/name eq 'Zoë Kim')&$select=id", lits: []any{"Zoë Kim"}},
	{name: "nested_any", req: "Agents?$filter=Conversations/any(c:c/Messages/any(m:startswith(m/body,'Bonjour')))&$select=id", lits: []any{"Bonjour"}},
	{name: "double_mod", req: "Conversations?$filter=csat mod 2 eq 1.5&$select=id", lits: []any{int64(2), float64(1.5)}},
	{name: "nan", req: "Conversations?$filter=csat ne NaN and not (csat eq NaN)&$select=id"},
	{name: "count_gt", req: "Conversations?$filter=Messages/$count gt 3&$select=id", lits: []any{int64(3)}},
	{name: "year_utc", req: "Conversations?$filter=year(startedAtUTC) eq 2026&$select=id", lits: []any{int64(2026)}},
	{name: "year_local", req: "Conversations?$filter=year(startedAt) eq 2026 and hour(startedAt) lt 9&$select=id", lits: []any{int64(2026), int64(9)}},
	{name: "dto_offset", req: "Conversations?$filter=startedAtUTC ge 2026-09-01T10:00:00+01:00&$select=id", lits: []any{"2026-09-01T10:00:00+01:00"}},
	{name: "dto_offset_local", req: "Conversations?$filter=startedAt lt 2026-09-01T10:00:00-04:00&$select=id", lits: []any{"2026-09-01T10:00:00-04:00"}},
	{name: "dto_submillisecond", req: "Conversations?$filter=startedAtUTC gt 2026-09-01T10:00:00.0005Z&$select=id"},
	{name: "dto_submillisecond_tiny", req: "Conversations?$filter=startedAtUTC eq 2026-09-01T10:00:00.0000001Z&$select=id"},
	{name: "cast_date", req: "Conversations?$filter=cast(startedAtUTC,Edm.Date) eq 2026-09-01&$select=id", lits: []any{"2026-09-01"}},
	{name: "date_vs_datetime", req: "Conversations?$filter=startedAtUTC eq 2026-09-01&$select=id", lits: []any{"2026-09-01"}},
	{name: "date_vs_local", req: "Conversations?$filter=startedAt ge 2026-09-01&$select=id", lits: []any{"2026-09-01"}},
	{name: "string_functions", req: "Conversations?$filter=contains(summary,'refund') or startswith(customerFirstName,'Zo') or endswith(customerLastName,'ez')&$select=id",
		lits: []any{"refund", "Zo", "ez"}},
	{name: "tolower_startswith", req: "Chats?$filter=startswith(tolower(customerFirstName),'an')&$select=id,customerFirstName",
		lits: []any{"an%"}},
	{name: "tolower_toupper", req: "Conversations?$filter=tolower(customerFirstName) eq 'zoë' or toupper(customerLastName) eq 'MÜLLER'&$select=id",
		lits: []any{"zoë", "MÜLLER"}},
	{name: "endswith_empty", req: "Conversations?$filter=endswith(customerLastName,'')&$select=id"},
	{name: "quote_in_string", req: "Customers?$filter=lastName eq 'O''Neil'&$select=id", lits: []any{"O'Neil"}},
	{name: "arithmetic", req: "Conversations?$filter=durationInSeconds add holdDurationInSeconds gt 600 and holdCount mod 2 eq 1 and holdCount div 2 ge 1&$select=id",
		lits: []any{int64(600)}},
	{name: "dto_arithmetic", req: "Conversations?$filter=endedAtUTC sub startedAtUTC gt duration'PT10M' and startedAtUTC add duration'PT1H' lt now()&$select=id"},
	{name: "matches_pattern", req: "Conversations?$filter=matchesPattern(customerFirstName,'^Z.*ë$')&$select=id", lits: []any{"^Z.*ë$"}},
	{name: "orderby_two_keys", req: "Conversations?$orderby=status desc,startedAtUTC&$select=id,status,startedAt"},
	{name: "orderby_local_and_nav", req: "Conversations?$orderby=startedAt desc,Queue/name&$select=id"},
	{name: "keyset_after_null", req: "Conversations?$orderby=status desc,endedAtUTC&$select=id",
		after: []any{nil, nil, int64(98)}},
	{name: "keyset_after_values", req: "Conversations?$orderby=status desc,endedAtUTC&$select=id",
		after: []any{"closed", int64(1788000000000), int64(5)}},
	{name: "keyset_after_asc_null", req: "Conversations?$orderby=csat,agentId desc&$select=id",
		after: []any{nil, "contoso:demo:agent-01", int64(5)}},
	{name: "key_read", req: "Conversations('contoso:demo:conv-000001')?$select=id", lits: []any{"contoso:demo:conv-000001"}},
	{name: "nav_path_collection", req: "Conversations('contoso:demo:conv-000002')/Messages?$filter=senderType eq 'agent'&$select=id",
		lits: []any{"contoso:demo:conv-000002", "agent"}},
	{name: "nav_path_single", req: "Messages('contoso:demo:conv-000002-m001')/Conversation?$select=id", lits: []any{"contoso:demo:conv-000002-m001"}},
	{name: "nav_path_from_slice", req: "Calls('contoso:demo:conv-000001')/Queue?$select=id", lits: []any{"contoso:demo:conv-000001"}},
	{name: "slice", req: "Calls?$filter=holdCount gt 1&$select=id", lits: []any{int64(1)}},
	{name: "count_path", req: "Conversations/$count?$filter=Messages/any(m:m/senderType eq 'bot')", lits: []any{"bot"}},
	{name: "business_units", req: "Conversations?$filter=Workitems/any(w:w/result eq 'Handled')&$select=id",
		units: []string{"contoso:demo:bu-1"}, lits: []any{"Handled"}},
	{name: "cast_local_text", req: "Conversations?$filter=startswith(cast(startedAt,Edm.String),'2026-09-01T0')&$select=id", lits: []any{"2026-09-01T0"}},
}

// goldenSQL renders a case: the page statement and the count statement,
// each with its arguments.
func goldenSQL(t *testing.T, c translateCase) (string, []Fragment) {
	t.Helper()
	path, raw, _ := strings.Cut(c.req, "?")
	rp, err := query.ParsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	q, err := query.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := query.Bind(edm.Default(), rp, q, goldenNow)
	if err != nil {
		t.Fatalf("bind: %v", err)
	}
	db := &DB{Model: edm.Default(), Dialect: SQLite}
	sc := &scope{tenants: goldenTenants, businessUnits: c.units}
	var b strings.Builder
	fmt.Fprintf(&b, "-- request: %s\n-- tenants: %s", c.req, strings.Join(goldenTenants, ", "))
	if len(c.units) > 0 {
		fmt.Fprintf(&b, "; business units: %s", strings.Join(c.units, ", "))
	}
	b.WriteString("\n")
	var stmts []Fragment
	if plan.Target != query.TargetCount {
		lay := query.NewLayout(&plan.Shape)
		page, err := db.pageSQL(sc, plan, lay, query.Page{Limit: 50, After: c.after})
		if err != nil {
			t.Fatalf("pageSQL: %v", err)
		}
		fmt.Fprintf(&b, "\n-- page: limit 50, after %s\n%s\n%s", formatArgs(c.after), page.SQL, formatArgLines(page.Args))
		stmts = append(stmts, page)
	}
	if plan.Target == query.TargetCollection || plan.Target == query.TargetCount {
		count := countSQL(t, db, sc, plan)
		fmt.Fprintf(&b, "\n-- count\n%s\n%s", count.SQL, formatArgLines(count.Args))
		stmts = append(stmts, count)
	}
	return b.String(), stmts
}

// countSQL builds the statement DB.Count runs.
func countSQL(t *testing.T, db *DB, sc *scope, plan *query.Plan) Fragment {
	t.Helper()
	f, err := db.countSQL(sc, plan.Var, plan.Source, &plan.Shape)
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	return f
}

func formatArg(a any) string {
	switch a.(type) {
	case nil:
		return "NULL"
	case string:
		return fmt.Sprintf("%q", a)
	}
	return fmt.Sprintf("%T(%v)", a, a)
}

func formatArgs(args []any) string {
	if args == nil {
		return "(first page)"
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = formatArg(a)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func formatArgLines(args []any) string {
	var b strings.Builder
	for i, a := range args {
		fmt.Fprintf(&b, "--   ?%d = %s\n", i+1, formatArg(a))
	}
	return b.String()
}

// TestTranslateGolden pins the SQL of each request; a change in translation
// shows up as a reviewable diff of testdata/sql.
func TestTranslateGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range translateCases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %s", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			got, stmts := goldenSQL(t, c)
			again, _ := goldenSQL(t, c)
			if got != again {
				t.Fatalf("two translations of the same request differ; placeholders must be deterministic")
			}
			for i, f := range stmts {
				lits := c.lits
				if i == 0 && c.after != nil {
					lits = append(slices.Clone(lits), c.after...)
				}
				if n := strings.Count(f.SQL, "?"); n != len(f.Args) {
					t.Errorf("%d placeholders but %d arguments in\n%s", n, len(f.Args), f.SQL)
				}
				checkNoLiterals(t, f, lits)
				checkTenantScope(t, f)
			}
			path := filepath.Join("testdata", "sql", c.name+".sql")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./store -run TestTranslateGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the translation (run with -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

// quotedLit matches a single-quoted SQL string literal.
var quotedLit = regexp.MustCompile(`'(?:[^']|'')*'`)

// quotedIdent matches a quoted identifier, which comes from the model.
var quotedIdent = regexp.MustCompile(`"(?:[^"]|"")*"`)

// dialectStrings are the only string literals the translator may write
// itself: strftime formats, modifiers and boolean spellings.
var dialectStrings = []string{"'%Y'", "'%m'", "'%d'", "'%H'", "'%M'", "'%S'", "'%Y-%m-%d'", "'%H:%M:%f'",
	"'%Y-%m-%dT%H:%M:%fZ'", "'unixepoch'", "'subsec'", "'true'", "'false'", "'-'"}

// checkNoLiterals asserts that user values travel only as arguments: the SQL
// text holds no string literal outside the dialect's own, and each of the
// case's literals is an argument and absent from the text.
func checkNoLiterals(t *testing.T, f Fragment, lits []any) {
	t.Helper()
	for _, m := range quotedLit.FindAllString(f.SQL, -1) {
		if !slices.Contains(dialectStrings, m) {
			t.Errorf("SQL text holds the string literal %s:\n%s", m, f.SQL)
		}
	}
	text := quotedIdent.ReplaceAllString(f.SQL, `""`)
	for _, lit := range lits {
		switch v := lit.(type) {
		case string:
			if v != "" && strings.Contains(text, v) {
				t.Errorf("the literal %q appears in the SQL text:\n%s", v, f.SQL)
			}
			if _, err := time.Parse(time.RFC3339, v); err == nil || strings.Count(v, "-") == 2 && len(v) == 10 {
				continue // date-time and date literals travel converted
			}
			if !slices.Contains(f.Args, any(v)) {
				t.Errorf("the literal %q is not among the arguments %v", v, f.Args)
			}
		case int64, float64:
			n := fmt.Sprint(v)
			if regexp.MustCompile(`(^|[^\w.?])` + regexp.QuoteMeta(n) + `($|[^\w.])`).MatchString(text) {
				t.Errorf("the number %s appears in the SQL text:\n%s", n, f.SQL)
			}
			if !slices.Contains(f.Args, lit) {
				t.Errorf("the number %v (%T) is not among the arguments %v", v, v, f.Args)
			}
		}
	}
}

// tableRef matches every table reference: "Table" AS tN.
var tableRef = regexp.MustCompile(`"(\w+)" AS (t\d+)`)

// checkTenantScope asserts that every table reference carries the tenant
// condition with the principal's tenants as arguments.
func checkTenantScope(t *testing.T, f Fragment) {
	t.Helper()
	if strings.HasPrefix(f.SQL, "SELECT coalesce(sum(n), 0) FROM ccfeed_counts ") {
		// A kept count (counts.go): one row per tenant, slice and unit.
		if !strings.Contains(f.SQL, " AND tenant IN (?, ?)") || len(f.Args) < 3 ||
			f.Args[1] != goldenTenants[0] || f.Args[2] != goldenTenants[1] {
			t.Errorf("the kept count is not narrowed to the tenants: %s %v", f.SQL, f.Args)
		}
		return
	}
	refs := tableRef.FindAllStringSubmatch(f.SQL, -1)
	if len(refs) == 0 {
		t.Fatalf("no table reference found in\n%s", f.SQL)
	}
	aliases := map[string]bool{}
	for _, r := range refs {
		if aliases[r[2]] {
			t.Errorf("alias %s is used twice in\n%s", r[2], f.SQL)
		}
		aliases[r[2]] = true
		cond := r[2] + `."tenantId" IN (?, ?)`
		if !strings.Contains(f.SQL, cond) {
			t.Errorf("table %s AS %s lacks %s in\n%s", r[1], r[2], cond, f.SQL)
		}
	}
	if n := strings.Count(f.SQL, `."tenantId" IN (?, ?)`); n != len(refs) {
		t.Errorf("%d tenant conditions for %d table references", n, len(refs))
	}
	// The tenant arguments appear once per reference, in order.
	seen := 0
	for i := 0; i+1 < len(f.Args); i++ {
		if f.Args[i] == goldenTenants[0] && f.Args[i+1] == goldenTenants[1] {
			seen++
		}
	}
	if seen != len(refs) {
		t.Errorf("tenant arguments appear %d times for %d table references: %v", seen, len(refs), f.Args)
	}
}

// TestScopeOfEmptyTenants checks that a principal with no tenants gets a
// condition that is always false, on every table reference.
func TestScopeOfEmptyTenants(t *testing.T) {
	tr := newTranslator(SQLite, &scope{})
	set := edm.Default().Set("Calls")
	f := tr.scopeOf("t1", set)
	if !strings.HasPrefix(f.SQL, "0 AND ") {
		t.Fatalf("scope of no tenants = %q; want a condition starting with the constant false", f.SQL)
	}
}

// TestInstantArg checks that a date-time literal finer than a millisecond
// becomes a number strictly between the two whole milliseconds around it,
// so that it compares with integer milliseconds as the instant would.
func TestInstantArg(t *testing.T) {
	for _, base := range []time.Time{
		time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 998_000_000, time.UTC),
	} {
		if got := instantArg(base); got != base.UnixMilli() {
			t.Errorf("%v: %v (%T), want the integer %d", base, got, got, base.UnixMilli())
		}
		for _, ns := range []int{1, 100, 256, 500_000, 999_744, 999_999} {
			ts := base.Add(time.Duration(ns))
			v, ok := instantArg(ts).(float64)
			ms := float64(ts.UnixMilli())
			if !ok || !(v > ms && v < ms+1) {
				t.Errorf("%s: %v, want a float strictly between %.0f and %.0f", ts.Format(time.RFC3339Nano), instantArg(ts), ms, ms+1)
			}
		}
	}
}
