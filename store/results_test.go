package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/query"
	"github.com/ccfeed/ccfeed/store"
)

// The fixture tenant holds the rows the demo lacks: NULLs where the demo has
// values, case pairs for the string functions, and instants on the
// boundaries of the date-time literals below.
const fxTenant = "acme"

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// conv is one fixture conversation; nil fields stay NULL.
type conv struct {
	native  string
	status  any
	hold    any
	summary any
	first   any
	last    any
	start   any
	csat    any
	bodies  []string
}

var fixtures = []conv{
	{native: "fx-01", status: nil, hold: nil, summary: "Refund requested", first: "ZOË", last: "",
		start: at("2026-09-01T09:00:00Z"), csat: 3.5, bodies: []string{"Refund please"}},
	{native: "fx-02", status: "open", hold: 7, summary: "asked for a refund", first: "Zoë", last: "Martinez",
		start: at("2026-09-01T10:00:00Z"), bodies: []string{"I want a refund", "refund done"}},
	{native: "fx-03", status: "a", hold: 5, first: "zoë", start: at("2026-09-01T10:00:00.001Z"), csat: 2.0},
	{native: "fx-04", status: "A", hold: 0, summary: "REFUND", first: "Zoe", last: "Lopez",
		start: at("2026-12-31T23:30:00Z"), csat: 1.0, bodies: []string{"REFUND"}},
	{native: "fx-05", status: "", hold: 6, summary: "refunded twice", last: "ez", csat: 5.5},
	{native: "fx-06", start: at("1969-12-31T23:59:59.500Z")},
}

// demoWithFixtures is the demo data plus the fixture tenant (Europe/Paris).
func demoWithFixtures(t testing.TB) *store.DB {
	t.Helper()
	db := feedtest.DemoDB(t)
	if err := db.SetTenantTimezone(context.Background(), fxTenant, "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	var rows []*store.Row
	for _, f := range fixtures {
		r := row("Conversations", fxTenant, f.native).Set("mediaType", "chat").
			Set("status", f.status).Set("holdCount", f.hold).Set("summary", f.summary).
			Set("customerFirstName", f.first).Set("customerLastName", f.last).Set("csat", f.csat)
		if f.start != nil {
			r.Set("startedAtUTC", f.start)
		}
		rows = append(rows, r)
		for i, body := range f.bodies {
			rows = append(rows, row("Messages", fxTenant, fmt.Sprintf("%s-m%d", f.native, i)).
				Set("conversationId", fxTenant+":test:"+f.native).Set("senderType", "customer").
				Set("messageIndex", int64(i)).Set("body", body))
		}
	}
	upsertAll(t, db, rows...)
	return db
}

type resultCase struct {
	name string
	req  string
	// oracle is hand-written SQL returning the expected keys in order;
	// {T} stands for the principal's tenant list.
	oracle string
	// want, when set, lists the expected fixture keys instead.
	want []string
}

var resultTenants = []string{fxTenant, "contoso"}

const tenantList = `('acme','contoso')`

func fx(natives ...string) []string {
	out := []string{}
	for _, n := range natives {
		out = append(out, fxTenant+":test:"+n)
	}
	return out
}

var resultCases = []resultCase{
	{name: "ne_includes_null", req: "Conversations?$filter=status ne 'open'",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND (status IS NULL OR status <> 'open') ORDER BY rid`},
	{name: "not_gt_includes_null", req: "Conversations?$filter=not (holdCount gt 1)",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND (holdCount IS NULL OR holdCount <= 1) ORDER BY rid`},
	{name: "gt_excludes_null", req: "Conversations?$filter=holdCount gt 1",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND holdCount > 1 ORDER BY rid`},
	{name: "eq_null", req: "Conversations?$filter=agentId eq null",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND agentId IS NULL ORDER BY rid`},
	{name: "ne_null", req: "Conversations?$filter=endedAtUTC ne null and status ne null",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND endedAtUTC IS NOT NULL AND status IS NOT NULL ORDER BY rid`},
	{name: "eq_empty_string_is_not_null", req: "Conversations?$filter=status eq ''", want: fx("fx-05")},
	{name: "bool_eq_false_includes_null_condition", req: "Conversations?$filter=(csat gt 3) eq false",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND (csat IS NULL OR csat <= 3) ORDER BY rid`},
	{name: "in_with_null", req: "Conversations?$filter=conversationEndedReason in ('Abandoned','IdleTimeout',null)",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND (conversationEndedReason IS NULL OR conversationEndedReason = 'Abandoned' OR conversationEndedReason = 'IdleTimeout') ORDER BY rid`},
	{name: "not_in", req: "Conversations?$filter=not (status in ('open','closed'))",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND (status IS NULL OR status NOT IN ('open','closed')) ORDER BY rid`},
	// The fixture tenant only: the demo's summaries may name refunds too.
	{name: "contains_lower", req: "Conversations?$filter=contains(summary,'refund') and tenantId eq 'acme'", want: fx("fx-02", "fx-05")},
	{name: "contains_capital", req: "Conversations?$filter=contains(summary,'Refund') and tenantId eq 'acme'", want: fx("fx-01")},
	{name: "contains_glob_oracle", req: "Conversations?$filter=contains(customerLastName,'an')",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND customerLastName GLOB '*an*' ORDER BY rid`},
	{name: "startswith_case", req: "Conversations?$filter=startswith(customerFirstName,'Zo')",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND customerFirstName GLOB 'Zo*' ORDER BY rid`},
	{name: "endswith_empty", req: "Conversations?$filter=endswith(customerLastName,'')",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND customerLastName IS NOT NULL ORDER BY rid`},
	{name: "endswith", req: "Conversations?$filter=endswith(customerLastName,'ez')",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND customerLastName GLOB '*ez' ORDER BY rid`},
	{name: "not_endswith_includes_null", req: "Conversations?$filter=not endswith(customerLastName,'ez')",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND (customerLastName IS NULL OR customerLastName NOT GLOB '*ez') ORDER BY rid`},
	{name: "tolower_unicode", req: "Conversations?$filter=tolower(customerFirstName) eq 'zoë'",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND customerFirstName IN ('Zoë','ZOË','zoë') ORDER BY rid`},
	{name: "toupper_unicode", req: "Conversations?$filter=toupper(customerFirstName) eq 'ZOË'",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND customerFirstName IN ('Zoë','ZOË','zoë') ORDER BY rid`},
	{name: "dto_offset_ge", req: "Conversations?$filter=startedAtUTC ge 2026-09-01T10:00:00+01:00",
		oracle: fmt.Sprintf(`SELECT id FROM Conversations WHERE tenantId IN {T} AND startedAtUTC >= %d ORDER BY rid`, ms("2026-09-01T09:00:00Z"))},
	{name: "dto_offset_gt_local", req: "Conversations?$filter=startedAt gt 2026-09-01T10:00:00+01:00",
		oracle: fmt.Sprintf(`SELECT id FROM Conversations WHERE tenantId IN {T} AND startedAtUTC > %d ORDER BY rid`, ms("2026-09-01T09:00:00Z"))},
	{name: "dto_offset_eq", req: "Conversations?$filter=startedAt eq 2026-09-01T05:00:00-04:00", want: fx("fx-01")},
	{name: "submillisecond_gt", req: "Conversations?$filter=startedAtUTC gt 2026-09-01T10:00:00.0005Z",
		oracle: fmt.Sprintf(`SELECT id FROM Conversations WHERE tenantId IN {T} AND startedAtUTC >= %d ORDER BY rid`, ms("2026-09-01T10:00:00.001Z"))},
	{name: "submillisecond_le", req: "Conversations?$filter=startedAtUTC le 2026-09-01T10:00:00.0005Z",
		oracle: fmt.Sprintf(`SELECT id FROM Conversations WHERE tenantId IN {T} AND startedAtUTC <= %d ORDER BY rid`, ms("2026-09-01T10:00:00Z"))},
	{name: "submillisecond_eq", req: "Conversations?$filter=startedAtUTC eq 2026-09-01T10:00:00.0005Z", want: fx()},
	// 100 ns past a millisecond is lost if the literal is converted to
	// a float of nanoseconds first.
	{name: "submillisecond_tiny_gt", req: "Conversations?$filter=startedAtUTC gt 2026-09-01T10:00:00.0000001Z and startedAtUTC lt 2026-09-01T10:00:01Z",
		want: fx("fx-03")},
	{name: "submillisecond_tiny_eq", req: "Conversations?$filter=startedAtUTC eq 2026-09-01T10:00:00.0000001Z", want: fx()},
	{name: "submillisecond_almost_next_gt", req: "Conversations?$filter=startedAtUTC gt 2026-09-01T10:00:00.0009999Z and startedAtUTC lt 2026-09-01T10:00:01Z",
		want: fx("fx-03")},
	{name: "submillisecond_almost_next_eq", req: "Conversations?$filter=startedAtUTC eq 2026-09-01T10:00:00.0009999Z", want: fx()},
	{name: "year_local_vs_utc", req: "Conversations?$filter=year(startedAt) eq 2027", want: fx("fx-04")},
	{name: "year_utc", req: "Conversations?$filter=year(startedAtUTC) eq 2027", want: fx()},
	{name: "date_literal_utc", req: "Conversations?$filter=startedAtUTC eq 2026-12-31", want: fx("fx-04")},
	{name: "date_literal_local", req: "Conversations?$filter=startedAt eq 2027-01-01", want: fx("fx-04")},
	{name: "hour_local", req: "Conversations?$filter=hour(startedAt) eq 11 and tenantId eq 'acme'", want: fx("fx-01")},
	// Before 1970 the milliseconds are negative: dates and fractions must
	// still round down to the earlier day and second.
	{name: "date_before_1970", req: "Conversations?$filter=date(startedAtUTC) eq 1969-12-31", want: fx("fx-06")},
	{name: "cast_date_before_1970", req: "Conversations?$filter=cast(startedAtUTC,Edm.Date) eq 1969-12-31", want: fx("fx-06")},
	{name: "fraction_before_1970", req: "Conversations?$filter=fractionalseconds(startedAtUTC) eq 0.5 and tenantId eq 'acme'", want: fx("fx-06")},
	{name: "local_before_1970", req: "Conversations?$filter=startedAt lt 1970-01-01T00:59:59.6+01:00", want: fx("fx-06")},
	{name: "cast_bool_to_string", req: "Conversations?$filter=cast(isOutbound,Edm.String) eq 'true'",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND isOutbound = 1 ORDER BY rid`},
	{name: "cast_string_to_bool", req: "Conversations?$filter=cast(cast(isOutbound,Edm.String),Edm.Boolean) eq false",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND isOutbound = 0 ORDER BY rid`},
	{name: "cast_string_to_dto_round_trip", req: "Conversations?$filter=cast(cast(startedAtUTC,Edm.String),Edm.DateTimeOffset) eq startedAtUTC",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} ORDER BY rid`},
	// NaN equals nothing and differs from everything, NULL included.
	{name: "ne_nan", req: "Conversations?$filter=csat ne NaN",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} ORDER BY rid`},
	{name: "eq_nan", req: "Conversations?$filter=csat eq NaN or NaN eq null", want: fx()},
	{name: "any_contains_case", req: "Conversations?$filter=Messages/any(m:contains(m/body,'refund'))",
		oracle: `SELECT id FROM Conversations c WHERE tenantId IN {T} AND EXISTS (SELECT 1 FROM Messages m WHERE m.tenantId IN {T} AND m.conversationId = c.id AND m.body GLOB '*refund*') ORDER BY rid`},
	{name: "all_includes_empty", req: "Conversations?$filter=Messages/all(m:m/senderType eq 'customer')",
		oracle: `SELECT id FROM Conversations c WHERE tenantId IN {T} AND NOT EXISTS (SELECT 1 FROM Messages m WHERE m.tenantId IN {T} AND m.conversationId = c.id AND (m.senderType IS NULL OR m.senderType <> 'customer')) ORDER BY rid`},
	{name: "count_gt", req: "Conversations?$filter=Messages/$count gt 15",
		oracle: `SELECT id FROM Conversations c WHERE tenantId IN {T} AND (SELECT count(*) FROM Messages m WHERE m.tenantId IN {T} AND m.conversationId = c.id) > 15 ORDER BY rid`},
	{name: "nav_property", req: "Conversations?$filter=Queue/name eq 'Support'",
		oracle: `SELECT c.id FROM Conversations c JOIN Queues q ON q.id = c.queueId AND q.tenantId IN {T} WHERE c.tenantId IN {T} AND q.name = 'Support' ORDER BY c.rid`},
	{name: "nav_ne_includes_missing", req: "Conversations?$filter=Agent/name ne 'Zoë Kim'",
		oracle: `SELECT c.id FROM Conversations c LEFT JOIN Agents a ON a.id = c.agentId AND a.tenantId IN {T} WHERE c.tenantId IN {T} AND (a.name IS NULL OR a.name <> 'Zoë Kim') ORDER BY c.rid`},
	{name: "arithmetic_null", req: "Conversations?$filter=durationInSeconds sub holdDurationInSeconds gt 300",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND durationInSeconds - holdDurationInSeconds > 300 ORDER BY rid`},
	{name: "int_mod", req: "Conversations?$filter=holdCount mod 2 eq 1",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND holdCount IN (1, 3, 5, 7) ORDER BY rid`},
	{name: "int_div", req: "Conversations?$filter=holdCount div 2 eq 3", want: fx("fx-02", "fx-05")},
	// OData mod on decimals keeps the fraction: 5.5 mod 2 is 1.5.
	{name: "double_mod", req: "Conversations?$filter=csat mod 2 eq 1.5", want: fx("fx-01", "fx-05")},
	{name: "orderby_desc_nulls_last", req: "Conversations?$orderby=csat desc,status&$select=id",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} ORDER BY csat DESC NULLS LAST, status NULLS FIRST, rid`},
	{name: "orderby_local_time", req: "Conversations?$orderby=startedAt,Queue/name desc&$select=id",
		oracle: `SELECT c.id FROM Conversations c LEFT JOIN Queues q ON q.id = c.queueId AND q.tenantId IN {T} WHERE c.tenantId IN {T} ORDER BY c.startedAtUTC NULLS FIRST, q.name DESC NULLS LAST, c.rid`},
	{name: "calls_slice", req: "Calls?$filter=holdCount ge 2&$orderby=holdDurationInSeconds desc",
		oracle: `SELECT id FROM Conversations WHERE tenantId IN {T} AND mediaType = 'voice' AND holdCount >= 2 ORDER BY holdDurationInSeconds DESC NULLS LAST, rid`},
}

// TestResultsMatchSQL compares what the store returns, read page by page,
// with a hand-written query over the same tables.
func TestResultsMatchSQL(t *testing.T) {
	db := demoWithFixtures(t)
	raw := rawDB(t, db)
	p := principal(resultTenants...)
	for _, c := range resultCases {
		t.Run(c.name, func(t *testing.T) {
			plan := bindRequest(t, c.req)
			want := c.want
			if c.oracle != "" {
				want = sqlKeys(t, raw, strings.ReplaceAll(c.oracle, "{T}", tenantList))
			}
			got := keys(readAll(t, db, p, plan, 37, 0))
			sameKeys(t, c.req, got, want)
			n, err := db.Count(context.Background(), p, plan)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(want)) {
				t.Errorf("Count = %d, want %d", n, len(want))
			}
		})
	}
}

// TestOracleSeesFixtures guards the test itself: the fixture rows are there
// and the demo rows of the principal's other tenant too.
func TestOracleSeesFixtures(t *testing.T) {
	db := demoWithFixtures(t)
	raw := rawDB(t, db)
	if n := len(sqlKeys(t, raw, `SELECT id FROM Conversations WHERE tenantId = 'acme'`)); n != len(fixtures) {
		t.Fatalf("%d fixture rows, want %d", n, len(fixtures))
	}
	if n := len(sqlKeys(t, raw, `SELECT id FROM Conversations WHERE tenantId = 'contoso' AND csat IS NULL`)); n < 100 {
		t.Fatalf("only %d demo rows with a NULL csat; the NULL cases would prove little", n)
	}
}

// TestReadErrors checks the errors a read maps to the error vocabulary.
func TestReadErrors(t *testing.T) {
	db := feedtest.DemoDB(t)
	p := principal("contoso")
	read := func(ctx context.Context, req string, page query.Page) error {
		plan := bindRequest(t, req)
		_, err := db.ReadPage(ctx, p, plan, query.NewLayout(&plan.Shape), page, func([]any) error { return nil })
		return err
	}
	err := read(context.Background(), "Conversations?$filter=matchesPattern(customerFirstName,'(')", query.Page{Limit: 10})
	if e := ccfeed.AsError(err); err == nil || e.Code != ccfeed.EINVALID || e.Target != "$filter" || !strings.Contains(e.Message, "regular expression") {
		t.Errorf("invalid pattern: %v, want an invalid $filter error", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	if err := read(ctx, "Conversations", query.Page{Limit: 10}); ccfeed.ErrorCode(err) != ccfeed.ELIMIT {
		t.Errorf("expired deadline: %v, want %s", err, ccfeed.ELIMIT)
	}
	err = read(context.Background(), "Conversations?$orderby=csat", query.Page{Limit: 10, After: []any{"x"}})
	if e := ccfeed.AsError(err); err == nil || e.Code != ccfeed.EINVALID || e.Target != "$skiptoken" {
		t.Errorf("keyset of the wrong length: %v, want an invalid $skiptoken error", err)
	}
}
