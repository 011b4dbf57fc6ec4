package twoway_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/twoway"
)

// cancelAfter cancels a load once its progress lines report n records.
type cancelAfter struct {
	mu     sync.Mutex
	n      int64
	cancel func()
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var pct float64
	var size, recs int64
	var name string
	_, err := fmt.Sscanf(string(p), "loading %s %f%% of %d bytes, %d records", &name, &pct, &size, &recs)
	if err == nil && recs >= c.n {
		c.cancel()
	}
	return len(p), nil
}

// A load cancelled half way (ccfeed serve shutting down, Ctrl-C) keeps
// nothing of the file, says so, and the same file loads whole afterwards.
func TestCancelledLoadKeepsNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := twoway.Synthetic(f, 200_000, 5, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	db := feedtest.OpenDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := loaders.LoadFile(ctx, db, "acme", path, loaders.Options{Progress: &cancelAfter{n: 20_000, cancel: cancel}, Every: 5 * time.Millisecond})
	if res.Status != edm.LoadFailed || !strings.Contains(res.Message, "interrupted") {
		t.Fatalf("cancelled load: %s %q, want failed as interrupted", res.Status, res.Message)
	}
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	count := func(table string) int {
		var n int
		if err := raw.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, table := range []string{"Messages", "Conversations", "Workitems", "Customers", "ccfeed_staging"} {
		if n := count(table); n != 0 {
			t.Fatalf("%d rows in %s after a cancelled load", n, table)
		}
	}
	res = loaders.LoadFile(context.Background(), db, "acme", path, loaders.Options{})
	if res.Status != edm.LoadLoaded || res.Records < 200_000 {
		t.Fatalf("reload: %s %q, %d records", res.Status, res.Message, res.Records)
	}
	if n := count("Messages"); n == 0 {
		t.Fatal("no messages after the reload")
	}
}
