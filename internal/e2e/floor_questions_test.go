package e2e

import (
	"fmt"
	"strings"
	"time"
)

// feedMode is how the feed's answer to a question is read.
type feedMode int

const (
	// modeCount: a /$count body, a bare number.
	modeCount feedMode = iota
	// modeCountTop0: $count=true&$top=0, the @odata.count of an empty page.
	modeCountTop0
	// modeRows: every page, following nextLinks; the answer is the rows.
	modeRows
	// modeFirstPage: the first page only (what a grid shows first).
	modeFirstPage
	// modeExport: every page of a large set; rows are found by a byte scan
	// so that the client costs little next to the server, and keys are
	// checked for repeats.
	modeExport
)

// floorQuestion is one question asked of the feed and of SQLite.
type floorQuestion struct {
	Group string // count, apply, export, lead, search
	Name  string
	Token string // all, one, bu
	// Req is the request relative to the service root, readable (spaces
	// and quotes as typed; escaped when sent).
	Req    string
	Mode   feedMode
	Prefer int // odata.maxpagesize; 0 sends none
	// Cols are the columns compared by content, besides the row count
	// (nil: the count only). The SQL must name its result columns so.
	Cols []string
	// FloorA is the hand-written SQL on ccfeed's file, FloorB the same
	// question on ref.db ("" when there is none). Both print -json.
	FloorA, FloorB string
	// AnswerA and AnswerB replace the floors' SQL when the answer is read
	// (a count instead of a million printed rows).
	AnswerA, AnswerB string
	// Target is the largest feed/floor time ratio that meets the issue's
	// target (0: none, reported only).
	Target float64
	// Runs is the number of timed runs, whose median counts.
	Runs int
}

// floorFixture names the rows the questions pick.
type floorFixture struct {
	Tenant     string
	Units      []string  // the business-unit token's units
	Queue      string    // the queue filter's queue
	MonthStart time.Time // the date filter: one month
	MonthEnd   time.Time
	Day        time.Time // the day page's day (UTC)
	Conv       string    // the conversation whose messages are read
	SmallEnd   time.Time // the 10% export: chats before this
	Word       string    // the $search word
}

func floorFixtureFor(s floorSpec) floorFixture {
	fx := floorFixture{
		Tenant: floorTenant,
		// Queue 11 (index 10) is of business unit 3 (index 2): the
		// business-unit token sees it.
		Queue:      floorBuzzID(kindQueue, 11),
		MonthStart: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		MonthEnd:   time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		// The day of the middle web chat: mid-year, and never empty.
		Day:  floorYear.AddDate(0, 0, (s.WebChats/2)*floorDays/s.WebChats),
		Conv: floorSMSID(max(1, s.SMSChats/2)),
		// 37 days of 365: a tenth of the chats.
		SmallEnd: time.Date(2026, 2, 7, 0, 0, 0, 0, time.UTC),
		Word:     floorSearchWord,
	}
	for u := range max(1, s.Units/2) {
		fx.Units = append(fx.Units, floorBuzzID(kindUnit, u+1))
	}
	return fx
}

func odataTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// Targets, from the issue.
const (
	targetCount  = 2
	targetApply  = 1.3
	targetExport = 2 // feed time at most twice the floor's: at least 0.5x its rows/s
	targetLead   = 1.5
	// concurrentCopies of the per-queue aggregation run at once, each
	// within concurrentFactor times the time of one alone.
	concurrentCopies = 8
	concurrentFactor = 8
)

// floorScopeOf is the rows a token sees.
func (fx floorFixture) scopeOf(token string) (tenant string, sc floorScope) {
	switch token {
	case "all":
		return "", floorScope{}
	case "one":
		return fx.Tenant, floorScope{}
	}
	return fx.Tenant, floorScope{Units: fx.Units}
}

// floorCountQuestions: /$count and $count=true&$top=0 of each set, without
// filter, with a month of its main UTC time and with a queue, for each
// token. Messages have no queue, and the business-unit token sees none of
// them (they belong to SMS chats, which have no business unit), so they
// are asked without queue and by the tenant tokens only.
func floorCountQuestions(fx floorFixture, runs int) []floorQuestion {
	var out []floorQuestion
	for _, s := range floorSets {
		for _, filter := range []string{"none", "month", "queue"} {
			if filter == "queue" && !s.Queue {
				continue
			}
			for _, token := range []string{"all", "one", "bu"} {
				if token == "bu" && s.Name == "Messages" {
					continue
				}
				tenant, sc := fx.scopeOf(token)
				odata, sqlA, sqlB := "", "", ""
				ref := s.ref() + sc.suffix()
				switch filter {
				case "month":
					lo, hi := timeMS(fx.MonthStart), timeMS(fx.MonthEnd)
					odata = fmt.Sprintf("%s ge %s and %s lt %s", s.Time, odataTime(fx.MonthStart), s.Time, odataTime(fx.MonthEnd))
					sqlA = fmt.Sprintf(" AND t.%s >= %d AND t.%s < %d", s.Time, lo, s.Time, hi)
					ref += "_t"
					sqlB = fmt.Sprintf(" WHERE %s >= %d AND %s < %d", s.Time, lo, s.Time, hi)
				case "queue":
					odata = "queueId eq " + sqlText(fx.Queue)
					sqlA = " AND t.queueId = " + sqlText(fx.Queue)
					ref += "_q"
					sqlB = " WHERE queueId = " + sqlText(fx.Queue)
				}
				a := fmt.Sprintf("SELECT count(*) AS n FROM %s AS t WHERE %s%s", s.Table, s.where(tenant, sc), sqlA)
				b := fmt.Sprintf("SELECT count(*) AS n FROM %s%s", ref, sqlB)
				name := s.Name + " " + filter
				withFilter := func(sep string) string {
					if odata == "" {
						return ""
					}
					return sep + "$filter=" + odata
				}
				out = append(out,
					floorQuestion{Group: "count", Name: name + " /$count", Token: token, Req: s.Name + "/$count" + withFilter("?"),
						Mode: modeCount, FloorA: a, FloorB: b, Target: targetCount, Runs: runs},
					floorQuestion{Group: "count", Name: name + " $top=0", Token: token, Req: s.Name + "?$count=true&$top=0" + withFilter("&"),
						Mode: modeCountTop0, FloorA: a, FloorB: b, Target: targetCount, Runs: runs})
			}
		}
	}
	return out
}

// floorApplyQuestions are the aggregations over QueueSegments, asked with
// the one-tenant token.
func floorApplyQuestions(fx floorFixture, runs int) []floorQuestion {
	qs := floorSetNamed("QueueSegments").where(fx.Tenant, floorScope{})
	return floorQuestions{
		{Name: "per queue", Req: "QueueSegments?$apply=groupby((queueId),aggregate(durationInSeconds with average as avg))",
			Cols:   []string{"queueId", "avg"},
			FloorA: "SELECT t.queueId AS queueId, avg(t.durationInSeconds) AS avg FROM QueueSegments AS t WHERE " + qs + " GROUP BY t.queueId",
			FloorB: "SELECT queueId, avg(durationInSeconds) AS avg FROM ref_qs GROUP BY queueId"},
		{Name: "per queue per day", Req: "QueueSegments?$apply=compute(date(queuedAt) as day)/groupby((queueId,day),aggregate(durationInSeconds with average as avg))",
			Cols: []string{"queueId", "day", "avg"},
			FloorA: "SELECT t.queueId AS queueId, substr(t.queuedAt, 1, 10) AS day, avg(t.durationInSeconds) AS avg FROM QueueSegments AS t WHERE " +
				qs + " GROUP BY 1, 2",
			FloorB: "SELECT queueId, day, avg(durationInSeconds) AS avg FROM ref_qs GROUP BY queueId, day"},
		{Name: "filter then aggregate", Req: "QueueSegments?$apply=filter(dequeuedReason eq 'CustomerDisconnected')/groupby((queueId),aggregate(durationInSeconds with average as avg,$count as n))",
			Cols: []string{"queueId", "avg", "n"},
			FloorA: "SELECT t.queueId AS queueId, avg(t.durationInSeconds) AS avg, count(*) AS n FROM QueueSegments AS t WHERE " + qs +
				" AND t.dequeuedReason = 'CustomerDisconnected' GROUP BY t.queueId",
			FloorB: "SELECT queueId, avg(durationInSeconds) AS avg, count(*) AS n FROM ref_qs_reason WHERE dequeuedReason = 'CustomerDisconnected' GROUP BY queueId"},
		{Name: "countdistinct", Req: "QueueSegments?$apply=groupby((queueId),aggregate(conversationId with countdistinct as n))",
			Cols:   []string{"queueId", "n"},
			FloorA: "SELECT t.queueId AS queueId, count(DISTINCT t.conversationId) AS n FROM QueueSegments AS t WHERE " + qs + " GROUP BY t.queueId",
			FloorB: "SELECT queueId, count(DISTINCT conversationId) AS n FROM ref_qs_conv GROUP BY queueId"},
	}.withDefaults("apply", "one", modeRows, targetApply, runs)
}

type floorQuestions []floorQuestion

func (qs floorQuestions) withDefaults(group, token string, mode feedMode, target float64, runs int) []floorQuestion {
	for i := range qs {
		qs[i].Group, qs[i].Token, qs[i].Mode, qs[i].Target, qs[i].Runs = group, token, mode, target, runs
	}
	return qs
}

// floorExportQuestions: every chat, 10 columns, no $orderby, at the
// default largest page size; and a tenth of them, the baseline for the
// server's memory (no floor of its own on ref.db).
func floorExportQuestions(fx floorFixture, runs int) (small, full floorQuestion) {
	chats := floorSetNamed("Chats").where(fx.Tenant, floorScope{})
	cols := strings.Join(floorExportColumns, ",")
	full = floorQuestion{Group: "export", Name: "Chats, 10 columns, all pages", Token: "one",
		Req: "Chats?$select=" + cols, Mode: modeExport, Prefer: benchPageSize,
		FloorA:  "SELECT " + prefixed("t.", floorExportColumns) + " FROM Conversations AS t WHERE " + chats,
		FloorB:  "SELECT * FROM ref_export",
		AnswerA: "SELECT count(*) AS n FROM Conversations AS t WHERE " + chats,
		AnswerB: "SELECT count(*) AS n FROM ref_export",
		Target:  targetExport, Runs: runs}
	small = full
	small.Name = "Chats, 10 columns, a tenth (memory baseline)"
	small.Req += "&$filter=startedAtUTC lt " + odataTime(fx.SmallEnd)
	cut := fmt.Sprintf(" AND t.startedAtUTC < %d", timeMS(fx.SmallEnd))
	small.FloorA += cut
	small.AnswerA += cut
	small.FloorB, small.AnswerB, small.Target = "", "", 0
	return small, full
}

// floorLeadQuestions are the questions where the feed leads its peers
// today, asked with the one-tenant token.
func floorLeadQuestions(fx floorFixture, runs int) []floorQuestion {
	chats := floorSetNamed("Chats").where(fx.Tenant, floorScope{})
	agentCols := floorAgentColumns()
	dayLo, dayHi := fx.Day, fx.Day.AddDate(0, 0, 1)
	return floorQuestions{
		{Name: "Agents $top=100", Req: "Agents?$top=100", Mode: modeRows,
			FloorA: "SELECT " + prefixed("t.", agentCols) + " FROM Agents AS t WHERE t.tenantId = " + sqlText(fx.Tenant) + " LIMIT 100",
			FloorB: "SELECT * FROM ref_agents LIMIT 100"},
		{Name: "a day of Chats, first 1000-row page",
			Req: fmt.Sprintf("Chats?$filter=startedAtUTC ge %s and startedAtUTC lt %s&$select=%s",
				odataTime(dayLo), odataTime(dayHi), strings.Join(floorDayColumns, ",")),
			Mode: modeFirstPage, Prefer: 1000,
			FloorA: fmt.Sprintf("SELECT %s FROM Conversations AS t WHERE %s AND t.startedAtUTC >= %d AND t.startedAtUTC < %d LIMIT 1000",
				prefixed("t.", floorDayColumns), chats, timeMS(dayLo), timeMS(dayHi)),
			FloorB: fmt.Sprintf("SELECT %s FROM ref_day WHERE startedAtUTC >= %d AND startedAtUTC < %d LIMIT 1000",
				strings.Join(floorDayColumns, ", "), timeMS(dayLo), timeMS(dayHi))},
		{Name: "a conversation's Messages by sentAtUTC",
			Req: "Messages?$filter=conversationId eq " + sqlText(fx.Conv) + "&$orderby=sentAtUTC&$select=" +
				strings.Join(floorTranscriptColumns, ","),
			Mode: modeRows, Cols: []string{"id", "senderType", "agentId", "body"},
			FloorA: "SELECT " + prefixed("t.", floorTranscriptColumns) + " FROM Messages AS t WHERE t.tenantId = " + sqlText(fx.Tenant) +
				" AND t.conversationId = " + sqlText(fx.Conv) + " ORDER BY t.sentAtUTC",
			FloorB: "SELECT " + strings.Join(floorTranscriptColumns, ", ") + " FROM ref_transcript WHERE conversationId = " +
				sqlText(fx.Conv) + " ORDER BY sentAtUTC"},
		{Name: "startswith(tolower(customerFirstName),'an')",
			Req:  "Chats?$filter=startswith(tolower(customerFirstName),'an')&$select=id,customerFirstName",
			Mode: modeRows, Cols: []string{"id", "customerFirstName"},
			FloorA: "SELECT t.id AS id, t.customerFirstName AS customerFirstName FROM Conversations AS t WHERE " + chats +
				" AND substr(lower(t.customerFirstName), 1, 2) = 'an'",
			FloorB: "SELECT id, customerFirstName FROM ref_names WHERE substr(lower(customerFirstName), 1, 2) = 'an'"},
	}.withDefaultsKeepMode("lead", "one", targetLead, runs)
}

func (qs floorQuestions) withDefaultsKeepMode(group, token string, target float64, runs int) []floorQuestion {
	for i := range qs {
		qs[i].Group, qs[i].Token, qs[i].Target, qs[i].Runs = group, token, target, runs
	}
	return qs
}

// floorSearchQuestions: one word over every message, counted and listed.
// Their floor is FTS5's own time on ccfeed's index (see floorFTS), not
// SQL on ref.db; there is no target.
func floorSearchQuestions(fx floorFixture, runs int) []floorQuestion {
	return []floorQuestion{
		{Group: "search", Name: "$search one word, /$count", Token: "one", Req: "Messages/$count?$search=" + fx.Word, Mode: modeCount, Runs: runs},
		{Group: "search", Name: "$search one word, ids (all pages)", Token: "one", Req: "Messages?$search=" + fx.Word + "&$select=id",
			Mode: modeRows, Runs: runs},
	}
}
