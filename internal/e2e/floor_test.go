package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
)

// TestFloorHarness checks BenchmarkFloor's own machinery on a tiny data
// set: the generated files load without a reject into the counts the spec
// promises, ref.db has the shapes and gives the same answers as
// the hand-written SQL on ccfeed's file and as the feed, and an answer
// that differs (a count, an aggregate's value, a key repeated by the
// nextLink chain) is reported as wrong rather than timed.
func TestFloorHarness(t *testing.T) {
	sqlite3 := tool(t, "sqlite3", "the floor benchmark's harness runs the sqlite3 shell (apt-get install sqlite3)")
	ctx := context.Background()
	spec := floorSpecFor(0.0005)
	fx := floorFixtureFor(spec)
	dir := t.TempDir()
	files, err := writeFloorFiles(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	db := feedtest.OpenDB(t)
	if err := db.SetTenantTimezone(ctx, floorTenant, floorTimezone); err != nil {
		t.Fatal(err)
	}
	for _, r := range loaders.LoadFiles(ctx, db, floorTenant, files.All(), loaders.Options{}) {
		if r.Status != edm.LoadLoaded || r.Rejected > 0 {
			t.Fatalf("%s: %s, %d rejected: %s", r.File, r.Status, r.Rejected, r.Message)
		}
	}
	cli := &sqliteCLI{path: sqlite3}
	if err := checkFloorCounts(cli, db.Path, spec); err != nil {
		t.Fatal(err)
	}
	refPath := dir + "/ref.db"
	if err := buildFloorRefs(ctx, refPath, db.Path, fx.Tenant, floorScope{Units: fx.Units}); err != nil {
		t.Fatal(err)
	}

	// The shapes the issue names.
	for name, want := range map[string]string{
		"ref_chats":   "CREATE TABLE ref_chats (id TEXT PRIMARY KEY) WITHOUT ROWID",
		"ref_chats_t": "CREATE TABLE ref_chats_t (id TEXT PRIMARY KEY, startedAtUTC INTEGER) WITHOUT ROWID",
		"ref_qs":      "CREATE TABLE ref_qs (queueId TEXT, day TEXT, durationInSeconds REAL)",
	} {
		rows, err := cli.query(refPath, "SELECT sql FROM sqlite_master WHERE name = "+sqlText(name))
		if err != nil || len(rows) != 1 || rows[0]["sql"] != want {
			t.Errorf("%s: %v %v, want %s", name, rows, err, want)
		}
	}
	if rows, err := cli.query(refPath, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ref_qs'"); err != nil || len(rows) != 0 {
		t.Errorf("ref_qs has indexes %v (%v): the aggregation floor is a scan", rows, err)
	}
	if rows, err := cli.query(refPath, "SELECT count(*) AS n FROM sqlite_stat1"); err != nil || len(rows) != 1 || rows[0]["n"].(float64) == 0 {
		t.Errorf("ref.db is not analyzed: %v %v", rows, err)
	}

	f := feedtest.Start(t, db, feedtest.Options{})
	all, _ := f.MintToken(t, ccfeed.ScopeRead, nil, ccfeed.AllTenants)
	one, _ := f.MintToken(t, ccfeed.ScopeRead, nil, floorTenant)
	bu, _ := f.MintToken(t, ccfeed.ScopeRead, fx.Units, floorTenant)
	h := &floorHarness{tb: t, cli: cli, db: db.Path, ref: refPath, floors: map[string]floorTiming{},
		feed: newFloorFeed(f.URL, map[string]string{"all": all, "one": one, "bu": bu})}
	t.Cleanup(func() {
		if h.fts != nil {
			h.fts.close()
		}
	})

	var qs []floorQuestion
	for _, q := range floorCountQuestions(fx, 1) {
		if strings.HasPrefix(q.Name, "Chats ") || strings.HasPrefix(q.Name, "QueueSegments ") {
			qs = append(qs, q)
		}
	}
	qs = append(qs, floorApplyQuestions(fx, 1)...)
	qs = append(qs, floorLeadQuestions(fx, 1)...)
	qs = append(qs, floorSearchQuestions(fx, 1)...)
	_, export := floorExportQuestions(fx, 1)
	export.Prefer = 100 // several pages
	qs = append(qs, export)
	for _, q := range qs {
		r := h.measure(q)
		switch {
		case r.Wrong != "":
			t.Errorf("%s [%s]: %s", q.Name, q.Token, r.Wrong)
		case r.Feed == 0 || r.A == 0 || (q.FloorB != "" && r.B == 0):
			t.Errorf("%s [%s]: not timed: feed %v, a %v, b %v (%s)", q.Name, q.Token, r.Feed, r.A, r.B, r.Note)
		case r.Answer.N == 0 && q.Token != "bu":
			t.Errorf("%s [%s]: the answer is empty: the question measures nothing", q.Name, q.Token)
		}
	}

	// Wrong answers are caught, not timed: a floor that counts one more
	// row, a feed asked another question than its floors, an aggregate
	// whose values differ while its row count agrees.
	chats := floorCountQuestions(fx, 1)[0]
	offByOne := chats
	offByOne.FloorB = "SELECT count(*) + 1 AS n FROM ref_chats"
	otherSet := chats
	otherSet.Req = "Conversations/$count"
	perQueue := floorApplyQuestions(fx, 1)[0]
	skewed := perQueue
	skewed.FloorB = "SELECT queueId, avg(durationInSeconds) * 1.001 AS avg FROM ref_qs GROUP BY queueId"
	for _, q := range []floorQuestion{offByOne, otherSet, skewed} {
		if r := h.measure(q); r.Wrong == "" || r.Feed != 0 {
			t.Errorf("%s (%s / %s): a wrong answer passed: %+v", q.Name, q.Req, q.FloorB, r)
		}
	}
}

// TestFloorExportRepeats: the export walk finds a key that the nextLink
// chain sends twice, and a chain whose rows the scan miscounts.
func TestFloorExportRepeats(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/odata/Chats":
			w.Write([]byte(`{"value":[{"id":"a"},{"id":"b"}],"@odata.nextLink":"` + srv.URL + `/odata/next"}`))
		case "/odata/next":
			w.Write([]byte(`{"value":[{"id":"c"},{"id":"b"}]}`))
		case "/odata/Odd":
			w.Write([]byte(`{"value":[{"id":"a"},{"name":"no key"}]}`))
		}
	}))
	defer srv.Close()
	f := newFloorFeed(srv.URL+"/odata/", map[string]string{"one": "t"})
	q := floorQuestion{Name: "export", Token: "one", Req: "Chats", Mode: modeExport}
	if a, err := f.ask(q, true); err == nil || !strings.Contains(err.Error(), "came twice") {
		t.Errorf("a repeated key was not caught: %v %v", a, err)
	}
	if a, err := f.ask(q, false); err != nil || a.N != 4 {
		t.Errorf("the timed walk counted %v (%v), want 4", a, err)
	}
	q.Req = "Odd"
	if a, err := f.ask(q, true); err == nil {
		t.Errorf("a row without a key passed the scan check: %v", a)
	}
}

// TestSameAnswer pins the comparison of answers.
func TestSameAnswer(t *testing.T) {
	rows := func(r ...[]any) floorAnswer { return floorAnswer{N: int64(len(r)), Rows: r} }
	for _, c := range []struct {
		name      string
		got, want floorAnswer
		same      bool
	}{
		{"equal counts", floorAnswer{N: 7}, floorAnswer{N: 7}, true},
		{"different counts", floorAnswer{N: 7}, floorAnswer{N: 8}, false},
		{"rows in another order", rows([]any{"q1", 1.5}, []any{"q2", 2.0}), rows([]any{"q2", 2.0}, []any{"q1", 1.5}), true},
		{"average within the tolerance", rows([]any{"q1", 1.0 / 3}), rows([]any{"q1", 0.33333333333333331}), true},
		{"average beyond the tolerance", rows([]any{"q1", 0.3333}), rows([]any{"q1", 1.0 / 3}), false},
		{"another group", rows([]any{"q1", 1.0}), rows([]any{"q3", 1.0}), false},
		{"null against a value", rows([]any{"q1", nil}), rows([]any{"q1", 0.0}), false},
		{"count only against rows", floorAnswer{N: 1}, rows([]any{"q1", 1.0}), true},
	} {
		if err := sameAnswer(c.got, c.want); (err == nil) != c.same {
			t.Errorf("%s: sameAnswer = %v, want same %v", c.name, err, c.same)
		}
	}
	if got := median([]time.Duration{5, 1, 3}); got != 3 {
		t.Errorf("median of 5, 1, 3 = %v", got)
	}
}
