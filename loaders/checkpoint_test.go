package loaders_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
)

// A load's commit does not copy the write-ahead log into the database file
// (that would put the copy on the load's path); LoadFiles does it once its
// files are in, so the log does not grow from one command to the next.
func TestLoadFilesCheckpoints(t *testing.T) {
	dir := filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "daily-overlap")
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no input files in %s (%v)", dir, err)
	}
	ctx := context.Background()
	db := feedtest.OpenDB(t)
	size := func() int64 {
		st, err := os.Stat(db.Path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	empty := size()
	if res := loaders.LoadFile(ctx, db, "acme", files[0], loaders.Options{}); res.Status != edm.LoadLoaded {
		t.Fatal(res.Message)
	}
	if got := size(); got != empty {
		t.Fatalf("LoadFile changed the database file (%d -> %d bytes): its commit checkpointed", empty, got)
	}
	for _, r := range loaders.LoadFiles(ctx, db, "acme", files[1:], loaders.Options{}) {
		if r.Status != edm.LoadLoaded {
			t.Fatal(r.Message)
		}
	}
	if got := size(); got <= empty {
		t.Fatalf("the database file is still %d bytes after LoadFiles: the log was not copied into it", got)
	}
	raw := openRO(t, db)
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM Messages`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("messages after the loads: %d (%v)", n, err)
	}
}
