package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

func upsertOne(t testing.TB, db *store.DB, r *store.Row) (store.Outcome, map[string]*store.Counts) {
	t.Helper()
	var out store.Outcome
	counts := write(t, db, func(w *store.Writer) error {
		var err error
		out, err = w.Upsert(context.Background(), r)
		return err
	})
	return out, counts
}

// column reads one stored value of the row with key id.
func column(t testing.TB, raw *sql.DB, table, col, id string) any {
	t.Helper()
	var v any
	err := raw.QueryRow(`SELECT "`+col+`" FROM "`+table+`" WHERE id = ?`, id).Scan(&v)
	if err != nil {
		t.Fatalf("%s.%s of %s: %v", table, col, id, err)
	}
	return v
}

func TestUpsertOutcomes(t *testing.T) {
	db := feedtest.OpenDB(t)
	raw := rawDB(t, db)
	start := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	mk := func(status string, csat any) *store.Row {
		return row("Conversations", "acme", "c1").Set("mediaType", "chat").Set("status", status).
			Set("startedAtUTC", start).Set("holdCount", 2).Set("csat", csat).Set("isOutbound", true)
	}
	steps := []struct {
		name string
		row  *store.Row
		want store.Outcome
	}{
		{"new row", mk("open", 4), store.Inserted},
		{"same row", mk("open", 4), store.Unchanged},
		// 4 (int) and 4.0 are the same REAL.
		{"same value, other Go type", mk("open", 4.0), store.Unchanged},
		{"changed value", mk("closed", 4), store.Updated},
		{"value to NULL", mk("closed", nil), store.Updated},
		{"NULL again", mk("closed", nil), store.Unchanged},
	}
	for _, s := range steps {
		got, counts := upsertOne(t, db, s.row)
		if got != s.want {
			t.Fatalf("%s: outcome %v, want %v", s.name, got, s.want)
		}
		c := counts["Conversations"]
		one := store.Counts{}
		switch s.want {
		case store.Inserted:
			one.Inserted = 1
		case store.Updated:
			one.Updated = 1
		case store.Unchanged:
			one.Unchanged = 1
		}
		if c == nil || *c != one {
			t.Fatalf("%s: counts %+v, want %+v", s.name, c, one)
		}
	}
	if v := column(t, raw, "Conversations", "status", "acme:test:c1"); v != "closed" {
		t.Errorf("status = %v after the update, want closed", v)
	}
	if v := column(t, raw, "Conversations", "csat", "acme:test:c1"); v != nil {
		t.Errorf("csat = %v after setting NULL", v)
	}
	if v := column(t, raw, "Conversations", "startedAtUTC", "acme:test:c1"); v != start.UnixMilli() {
		t.Errorf("startedAtUTC stored as %v (%T), want %d", v, v, start.UnixMilli())
	}
	if v := column(t, raw, "Conversations", "isOutbound", "acme:test:c1"); v != int64(1) {
		t.Errorf("isOutbound stored as %v (%T), want 1", v, v)
	}
}

func TestUpsertCountsPerTable(t *testing.T) {
	db := feedtest.OpenDB(t)
	upsertAll(t, db, row("Queues", "acme", "q1").Set("name", "Support"))
	counts := upsertAll(t, db,
		row("Queues", "acme", "q1").Set("name", "Support"),
		row("Queues", "acme", "q2").Set("name", "Billing"),
		row("Queues", "acme", "q2").Set("name", "Billing 2"),
		row("Agents", "acme", "a1").Set("name", "Zoë"),
		row("Agents", "acme", "a1").Set("name", "Zoë"),
	)
	want := map[string]store.Counts{
		"Queues": {Inserted: 1, Updated: 1, Unchanged: 1},
		"Agents": {Inserted: 1, Unchanged: 1},
	}
	if len(counts) != len(want) {
		t.Errorf("counts for %d tables, want %d: %v", len(counts), len(want), counts)
	}
	for table, w := range want {
		if c := counts[table]; c == nil || *c != w {
			t.Errorf("%s counts %+v, want %+v", table, c, w)
		}
	}
}

// The local twin is the UTC instant in the tenant's zone, across both
// daylight-saving changes of 2024 in Paris.
var parisDST = []struct{ utc, local string }{
	{"2024-03-31T00:59:59.999Z", "2024-03-31T01:59:59.999+01:00"},
	{"2024-03-31T01:00:00Z", "2024-03-31T03:00:00.000+02:00"},
	{"2024-10-27T00:30:00Z", "2024-10-27T02:30:00.000+02:00"},
	{"2024-10-27T01:30:00Z", "2024-10-27T02:30:00.000+01:00"},
	{"2024-12-31T23:30:00.250Z", "2025-01-01T00:30:00.250+01:00"},
}

func TestLocalTwin(t *testing.T) {
	ctx := context.Background()
	db := feedtest.OpenDB(t)
	raw := rawDB(t, db)
	if err := db.SetTenantTimezone(ctx, "acme", "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	var rows []*store.Row
	for i, c := range parisDST {
		rows = append(rows, row("Messages", "acme", string(rune('a'+i))).Set("sentAtUTC", at(c.utc)))
	}
	upsertAll(t, db, rows...)
	for i, c := range parisDST {
		id := "acme:test:" + string(rune('a'+i))
		got := column(t, raw, "Messages", "sentAt", id)
		if got != c.local {
			t.Errorf("%s: sentAt = %v, want %s", c.utc, got, c.local)
		}
		if _, err := time.Parse(store.LocalLayout, c.local); err != nil {
			t.Fatalf("expected value %s does not follow LocalLayout: %v", c.local, err)
		}
	}
	// The two 02:30 of 27 October are different instants, in order.
	got := readKeys(t, db, principal("acme"), "Messages?$filter=sentAt ge 2024-10-27T02:30:00+01:00", 10)
	sameKeys(t, "after the second 02:30", got, []string{"acme:test:d", "acme:test:e"})
	got = readKeys(t, db, principal("acme"), "Messages?$filter=day(sentAt) eq 27 and hour(sentAt) eq 2", 10)
	sameKeys(t, "both 02:30", got, []string{"acme:test:c", "acme:test:d"})

	// SetTenantTimezone rewrites the stored local values, and only the
	// tenant's.
	upsertAll(t, db, row("Messages", "other", "x").Set("sentAtUTC", at("2024-03-31T01:00:00Z")))
	if err := db.SetTenantTimezone(ctx, "other", "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetTenantTimezone(ctx, "acme", "America/New_York"); err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	for i, c := range parisDST {
		id := "acme:test:" + string(rune('a'+i))
		want := at(c.utc).In(ny).Format(store.LocalLayout)
		if got := column(t, raw, "Messages", "sentAt", id); got != want {
			t.Errorf("after the zone change %s: sentAt = %v, want %s", c.utc, got, want)
		}
	}
	if got := column(t, raw, "Messages", "sentAt", "other:test:x"); got != "2024-03-31T10:00:00.000+09:00" {
		t.Errorf("other tenant's sentAt = %v", got)
	}
	// New writes use the new zone, and an unchanged row stays unchanged.
	out, _ := upsertOne(t, db, row("Messages", "acme", "a").Set("sentAtUTC", at(parisDST[0].utc)))
	if out != store.Unchanged {
		t.Errorf("rewriting a relocalized row: %v, want Unchanged", out)
	}
	if err := db.SetTenantTimezone(ctx, "acme", "Mars/Olympus"); err == nil {
		t.Error("an unknown time zone was accepted")
	}
}

// TestLocalTwinFollowsUTC covers the ways a loader may leave or give the UTC
// value: the twin is NULL exactly when the UTC column is.
func TestLocalTwinFollowsUTC(t *testing.T) {
	ctx := context.Background()
	db := feedtest.OpenDB(t)
	raw := rawDB(t, db)
	if err := db.SetTenantTimezone(ctx, "acme", "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	ts := at("2024-07-01T12:00:00Z")
	cases := []struct {
		name  string
		value any
		local any
	}{
		{"time", ts, "2024-07-01T14:00:00.000+02:00"},
		{"pointer", &ts, "2024-07-01T14:00:00.000+02:00"},
		{"zero time", time.Time{}, nil},
		{"nil pointer", (*time.Time)(nil), nil},
		{"unset", nil, nil},
	}
	for _, c := range cases {
		id := "acme:test:" + strings.ReplaceAll(c.name, " ", "-")
		r := row("Messages", "acme", strings.ReplaceAll(c.name, " ", "-"))
		if c.value != nil {
			r.Set("sentAtUTC", c.value)
		}
		upsertAll(t, db, r)
		utc := column(t, raw, "Messages", "sentAtUTC", id)
		local := column(t, raw, "Messages", "sentAt", id)
		if (utc == nil) != (local == nil) || local != c.local {
			t.Errorf("%s: sentAtUTC = %v, sentAt = %v; want sentAt %v", c.name, utc, local, c.local)
		}
	}
}

func TestUpsertRefusesIncompleteRows(t *testing.T) {
	db := feedtest.OpenDB(t)
	raw := rawDB(t, db)
	for _, missing := range []string{"id", "tenantId", "source", "sourceId"} {
		r := row("Queues", "acme", "q-"+missing).Set("name", "Support")
		r.Set(missing, nil)
		err := db.Load(context.Background(), func(lt *store.LoadTx) error {
			w := lt.Writer
			_, err := w.Upsert(context.Background(), r)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("row without %s: error %v, want one naming the column", missing, err)
		}
		r.Set(missing, "")
		err = db.Load(context.Background(), func(lt *store.LoadTx) error {
			_, err := lt.Upsert(context.Background(), r)
			return err
		})
		if err == nil {
			t.Errorf("row with an empty %s was accepted", missing)
		}
	}
	if n := len(sqlKeys(t, raw, `SELECT id FROM Queues`)); n != 0 {
		t.Errorf("%d incomplete rows were written", n)
	}
	err := db.Load(context.Background(), func(lt *store.LoadTx) error {
		_, err := lt.Upsert(context.Background(), row("Queues", "bad:tenant", "q"))
		return err
	})
	if err == nil {
		t.Error("a tenant name with ':' was accepted")
	}
	if errors.Is(err, sql.ErrNoRows) {
		t.Errorf("unexpected error %v", err)
	}
}
