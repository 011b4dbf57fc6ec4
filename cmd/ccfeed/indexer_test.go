package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// TestIndexerRefreshesStatistics: after a load in the serving process (the
// inbox, a pull), the indexer loop refreshes the planner's statistics, so
// the indexes chosen for the standard questions are used; a load in
// another process (ccfeed load) refreshes them itself.
func TestIndexerRefreshesStatistics(t *testing.T) {
	defer func(d time.Duration) { optimizeEvery = d }(optimizeEvery)
	optimizeEvery = 0
	path := filepath.Join(t.TempDir(), "feed.db")
	db, err := store.Open(path, edm.Default(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	startIndexer(ctx, db, zerolog.Nop())

	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	analyzed := func() int {
		var n int
		// sqlite_stat1 does not exist until the first ANALYZE.
		if err := raw.QueryRow(`SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'Messages'`).Scan(&n); err != nil {
			return 0
		}
		return n
	}
	time.Sleep(1500 * time.Millisecond)
	if n := analyzed(); n != 0 {
		t.Fatalf("%d statistics before any load: the test cannot tell", n)
	}
	file := filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "daily-overlap", "SYNTHETIC_two_way_conversation_report_2024-03-09.csv")
	if res := loaders.LoadFile(ctx, db, "acme", file, loaders.Options{}); res.Status != edm.LoadLoaded {
		t.Fatalf("load: %s", res.Message)
	}
	deadline := time.Now().Add(10 * time.Second)
	for analyzed() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no statistics for Messages 10 s after a load")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
