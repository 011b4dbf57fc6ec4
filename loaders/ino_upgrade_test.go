package loaders_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// A database where an older ccfeed staged an ino messages export under the
// bare interaction id (the layout before schema version 2) loads the
// distributions export of the same interaction after the upgrade, and the
// interaction keeps the rows of both.
func TestInoStagingUpgrade(t *testing.T) {
	dir := filepath.Join(feedtest.RepoRoot(t), "testdata", "ino", "messages-and-distributions")
	path := filepath.Join(t.TempDir(), "old.db")
	ctx := context.Background()
	db, err := store.Open(path, edm.Default(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res := loaders.LoadFile(ctx, db, tenant, filepath.Join(dir, "2-messages.csv"), loaders.Options{}); res.Status != edm.LoadLoaded {
		t.Fatalf("messages: %s", res.Message)
	}
	db.Close()

	// Put the staged rows back in the old layout and mark the database as
	// written by the older version.
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE ccfeed_staging SET grp = substr(grp, 10), record = CAST(substr(CAST(record AS BLOB), 10) AS TEXT) WHERE source = 'ino' AND grp LIKE 'messages:%'`,
		`PRAGMA user_version = 1`,
		`UPDATE ccfeed_meta SET value = 'old' WHERE key = 'schema_fingerprint'`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	var old int
	if err := raw.QueryRow(`SELECT count(*) FROM ccfeed_staging WHERE source = 'ino' AND grp = 'SYN-BOTH-1'`).Scan(&old); err != nil || old != 2 {
		t.Fatalf("old-layout rows: %d %v", old, err)
	}
	raw.Close()

	db, err = store.Open(path, edm.Default(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if res := loaders.LoadFile(ctx, db, tenant, filepath.Join(dir, "1-distributions.csv"), loaders.Options{}); res.Status != edm.LoadLoaded {
		t.Fatalf("distributions after the upgrade: %s", res.Message)
	}
	// Loading the messages again rebuilds the interaction from all its
	// message rows, the moved ones included: nothing new is staged.
	res := loaders.LoadFile(ctx, db, tenant, filepath.Join(dir, "2-messages.csv"), loaders.Options{})
	if res.Status != edm.LoadLoaded {
		t.Fatalf("messages again: %s", res.Message)
	}
	// The same rows as the case folder's loads into a new database.
	var w want
	b, err := os.ReadFile(filepath.Join(dir, "want.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	for _, set := range []string{"Conversations", "QueueSegments", "Workitems"} {
		if n, err := countRows(db, set); err != nil || n != w.Counts[set] {
			t.Errorf("%s: %d rows (%v), want %d", set, n, err, w.Counts[set])
		}
	}
	var staged int
	raw2, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw2.Close()
	if err := raw2.QueryRow(`SELECT count(*) FROM ccfeed_staging WHERE source = 'ino' AND grp NOT LIKE 'messages:%'
		AND substr(CAST(record AS BLOB), instr(CAST(record AS BLOB), x'00') + 1, 1) BETWEEN x'30' AND x'39'`).Scan(&staged); err != nil || staged != 0 {
		t.Errorf("%d message rows left in the old layout (%v)", staged, err)
	}
}
