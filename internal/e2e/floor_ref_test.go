package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	// The reference database is written with plain go-sqlite3 (driver
	// "sqlite3"), not through the store: it is not a ccfeed database.
	_ "github.com/mattn/go-sqlite3"
)

// The reference database (ref.db) holds, for every question, the rows the
// question is about in the plainest table that can answer it: the floor
// the issue sets is the faster of the hand-written SQL on ccfeed's own file
// and the same question on these tables. They are built from ccfeed's
// loaded rows (its file attached read-only), so both floors see the same
// rows as the feed, and ANALYZEd.
//
// Count tables: ref_<chats|conv|segs|msgs>[_t|_q][_bu]. The plain table holds only the key
// (`id TEXT PRIMARY KEY` WITHOUT ROWID: a count reads nothing else); _t
// adds the set's main UTC time (INTEGER milliseconds, as ccfeed stores it)
// with an index, for the date-range count; _q adds queueId with an index,
// for the queue count; _bu holds only the rows the business-unit token
// sees. Aggregation tables have no index: the floor of a groupby over every
// row is a scan.

// floorScope is whose rows a question is about: the tenant (the all-tenant
// and the one-tenant token see the same rows, there being one tenant), or
// the business units of the narrowed token.
type floorScope struct {
	Units []string // nil: the whole tenant
}

// suffix names the scope's reference tables.
func (s floorScope) suffix() string {
	if s.Units == nil {
		return ""
	}
	return "_bu"
}

// sqlText quotes a string as an SQL literal.
func sqlText(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = sqlText(v)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// floorSet is one set the count questions ask about, and where its rows
// live in ccfeed's file.
type floorSet struct {
	Name  string // entity set
	Table string // ccfeed's table
	Time  string // the main UTC time column (the date filter's)
	Queue bool   // has queueId
	// Owned is how a business unit reaches the rows: "" directly
	// (businessUnitId), or the column naming the owning conversation.
	Owned string
}

var floorSets = []floorSet{
	{Name: "Chats", Table: "Conversations", Time: "startedAtUTC", Queue: true},
	{Name: "Conversations", Table: "Conversations", Time: "startedAtUTC", Queue: true},
	{Name: "QueueSegments", Table: "QueueSegments", Time: "queuedAtUTC", Queue: true, Owned: "conversationId"},
	{Name: "Messages", Table: "Messages", Time: "sentAtUTC", Owned: "conversationId"},
}

func floorSetNamed(name string) floorSet {
	for _, s := range floorSets {
		if s.Name == name {
			return s
		}
	}
	panic("no floor set " + name)
}

// ref is the base name of the set's reference tables.
func (s floorSet) ref() string {
	switch s.Name {
	case "Chats":
		return "ref_chats"
	case "Conversations":
		return "ref_conv"
	case "QueueSegments":
		return "ref_segs"
	}
	return "ref_msgs"
}

// where is the hand-written predicate that selects the set's rows of the
// scope in ccfeed's table, aliased t: the tenant, the slice (Chats are the
// chat rows of Conversations; from the model, so a new slice value is
// followed) and, for a business-unit scope, the units directly or through
// the owning conversation. tenant "" leaves the tenant out (the
// all-tenant token's hand-written SQL needs no tenant test).
func (s floorSet) where(tenant string, sc floorScope) string {
	parts := []string{"1"}
	if tenant != "" {
		parts = append(parts, "t.tenantId = "+sqlText(tenant))
	}
	if sl := edm.Default().Set(s.Name).Slice; sl != nil {
		parts = append(parts, "t."+sl.Column.Column()+" IN "+sqlList(sl.Values))
	}
	if sc.Units != nil {
		if s.Owned == "" {
			parts = append(parts, "t.businessUnitId IN "+sqlList(sc.Units))
		} else {
			parts = append(parts, "EXISTS (SELECT 1 FROM Conversations AS o WHERE o.tenantId = t.tenantId AND o.id = t."+
				s.Owned+" AND o.businessUnitId IN "+sqlList(sc.Units)+")")
		}
	}
	if len(parts) > 1 {
		parts = parts[1:]
	}
	return strings.Join(parts, " AND ")
}

// floorRefStatements are the statements that build ref.db from ccfeed's
// file attached as src, in order.
func floorRefStatements(tenant string, bu floorScope) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	// src.Table AS t WHERE ...: the attached file's tables are named with
	// the schema; the predicate's unqualified Conversations (for the
	// business-unit EXISTS) resolves to src as well, main having none.
	for _, sc := range []floorScope{{}, bu} {
		for _, s := range floorSets {
			if s.Name == "Messages" && sc.Units != nil {
				continue // see floorCountQuestions
			}
			from := fmt.Sprintf("FROM src.%s AS t WHERE %s ORDER BY t.id", s.Table, s.where(tenant, sc))
			name := s.ref() + sc.suffix()
			add("CREATE TABLE %s (id TEXT PRIMARY KEY) WITHOUT ROWID", name)
			add("INSERT INTO %s SELECT t.id %s", name, from)
			add("CREATE TABLE %s_t (id TEXT PRIMARY KEY, %s INTEGER) WITHOUT ROWID", name, s.Time)
			add("INSERT INTO %s_t SELECT t.id, t.%s %s", name, s.Time, from)
			add("CREATE INDEX %s_t_time ON %s_t (%s)", name, name, s.Time)
			if s.Queue {
				add("CREATE TABLE %s_q (id TEXT PRIMARY KEY, queueId TEXT) WITHOUT ROWID", name)
				add("INSERT INTO %s_q SELECT t.id, t.queueId %s", name, from)
				add("CREATE INDEX %s_q_queue ON %s_q (queueId)", name, name)
			}
		}
	}
	qs := floorSetNamed("QueueSegments").where(tenant, floorScope{})
	chats := floorSetNamed("Chats").where(tenant, floorScope{})
	// Aggregations: exactly the columns each question reads, no index.
	add("CREATE TABLE ref_qs (queueId TEXT, day TEXT, durationInSeconds REAL)")
	add("INSERT INTO ref_qs SELECT t.queueId, substr(t.queuedAt, 1, 10), t.durationInSeconds FROM src.QueueSegments AS t WHERE %s", qs)
	add("CREATE TABLE ref_qs_reason (queueId TEXT, dequeuedReason TEXT, durationInSeconds REAL)")
	add("INSERT INTO ref_qs_reason SELECT t.queueId, t.dequeuedReason, t.durationInSeconds FROM src.QueueSegments AS t WHERE %s", qs)
	add("CREATE TABLE ref_qs_conv (queueId TEXT, conversationId TEXT)")
	add("INSERT INTO ref_qs_conv SELECT t.queueId, t.conversationId FROM src.QueueSegments AS t WHERE %s", qs)
	// The export: the selected columns in key order, printed in storage
	// order.
	add("CREATE TABLE ref_export AS SELECT %s FROM src.Conversations AS t WHERE %s ORDER BY t.tenantId, t.id",
		prefixed("t.", floorExportColumns), chats)
	// The questions that lead today.
	add("CREATE TABLE ref_agents AS SELECT %s FROM src.Agents AS t WHERE t.tenantId = %s ORDER BY t.id",
		prefixed("t.", floorAgentColumns()), sqlText(tenant))
	add("CREATE TABLE ref_day (%s) ", strings.Join(append([]string{"startedAtUTC INTEGER"}, floorDayColumns...), ", "))
	add("INSERT INTO ref_day SELECT t.startedAtUTC, %s FROM src.Conversations AS t WHERE %s ORDER BY t.tenantId, t.id",
		prefixed("t.", floorDayColumns), chats)
	add("CREATE INDEX ref_day_time ON ref_day (startedAtUTC)")
	add("CREATE TABLE ref_transcript (conversationId TEXT, sentAtUTC INTEGER, %s)", strings.Join(floorTranscriptColumns[1:], ", "))
	add("INSERT INTO ref_transcript SELECT t.conversationId, %s FROM src.Messages AS t WHERE %s",
		prefixed("t.", floorTranscriptColumns), floorSetNamed("Messages").where(tenant, floorScope{}))
	add("CREATE INDEX ref_transcript_conv ON ref_transcript (conversationId, sentAtUTC)")
	add("CREATE TABLE ref_names (id TEXT, customerFirstName TEXT)")
	add("INSERT INTO ref_names SELECT t.id, t.customerFirstName FROM src.Conversations AS t WHERE %s ORDER BY t.tenantId, t.id", chats)
	add("ANALYZE main")
	return out
}

// The selected columns of the export, the day page and the transcript.
var (
	floorExportColumns = []string{"id", "startedAt", "endedAt", "durationInSeconds", "queueId", "agentId",
		"businessUnitId", "customerFirstName", "customerLastName", "conversationEndedReason"}
	floorDayColumns        = []string{"id", "startedAt", "queueId", "agentId", "durationInSeconds", "customerFirstName"}
	floorTranscriptColumns = []string{"sentAtUTC", "id", "senderType", "agentId", "body"}
)

// floorAgentColumns are every property of Agents in model order: what the
// feed sends for an agent without $select.
func floorAgentColumns() []string {
	var cols []string
	for _, p := range edm.Default().Set("Agents").Type.Properties {
		cols = append(cols, p.Column())
	}
	return cols
}

func prefixed(prefix string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = prefix + c + " AS " + c
	}
	return strings.Join(out, ", ")
}

// buildFloorRefs writes ref.db at refPath from the database at dbPath. An
// existing file is replaced.
func buildFloorRefs(ctx context.Context, refPath, dbPath, tenant string, bu floorScope) error {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		if err := os.Remove(refPath + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	db, err := sql.Open("sqlite3", "file:"+refPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// One connection: ATTACH is per connection.
	db.SetMaxOpenConns(1)
	pre := []string{
		// ccfeed's page size (store.pageSize), so the two floors differ by
		// their tables' shape and not by the page size.
		"PRAGMA page_size = 16384",
		// A file built in one go and rebuilt on failure needs no journal.
		"PRAGMA journal_mode = OFF",
		"PRAGMA synchronous = OFF",
		"PRAGMA cache_size = -262144",
		"PRAGMA temp_store = FILE",
		"ATTACH DATABASE " + sqlText("file:"+dbPath+"?mode=ro") + " AS src",
	}
	for _, stmt := range append(pre, floorRefStatements(tenant, bu)...) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("ref.db: %s: %w", stmt, err)
		}
	}
	_, err = db.ExecContext(ctx, "DETACH DATABASE src")
	return err
}

// timeMS is t as ccfeed stores a UTC time: Unix milliseconds.
func timeMS(t time.Time) int64 { return t.UnixMilli() }
