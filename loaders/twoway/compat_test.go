package twoway

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/dbdump"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// TestLegacyStagedChunks: a database written by an earlier ccfeed holds its
// staged conversations as deflated JSON. Loading an overlapping report into
// it must give exactly the rows a fresh load of both reports gives.
func TestLegacyStagedChunks(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "twoway", "daily-overlap")
	day1 := filepath.Join(dir, "SYNTHETIC_two_way_conversation_report_2024-03-09.csv")
	day2 := filepath.Join(dir, "SYNTHETIC_two_way_conversation_report_2024-03-10.csv")
	ctx := context.Background()
	load := func(db *store.DB, path string) {
		t.Helper()
		if res := loaders.LoadFile(ctx, db, "acme", path, loaders.Options{Kind: loaders.KindTwoWay}); res.Status != edm.LoadLoaded {
			t.Fatalf("%s: %s", path, res.Message)
		}
	}

	old := openStore(t)
	load(old, day1)
	raw := rawDB(t, old)
	rows, err := raw.Query("SELECT record, payload FROM ccfeed_staging WHERE source = 'twoway'")
	if err != nil {
		t.Fatal(err)
	}
	legacy := map[string][]byte{}
	for rows.Next() {
		var rec string
		var p []byte
		if err := rows.Scan(&rec, &p); err != nil {
			t.Fatal(err)
		}
		if p[0] != 0 || p[1] != chunkBinary {
			t.Fatalf("staged chunk %s is not in the current encoding (starts %x)", rec, p[:2])
		}
		evs, err := decodeChunk(p[1:])
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(evs)
		legacy[rec] = store.Pack(js)
	}
	rows.Close()
	if len(legacy) == 0 {
		t.Fatal("day 1 staged nothing")
	}
	for rec, p := range legacy {
		if _, err := raw.Exec("UPDATE ccfeed_staging SET payload = ? WHERE source = 'twoway' AND record = ?", p, rec); err != nil {
			t.Fatal(err)
		}
	}
	load(old, day2)

	fresh := openStore(t)
	load(fresh, day1)
	load(fresh, day2)

	got, want := dump(t, old), dump(t, fresh)
	if len(want) == 0 {
		t.Fatal("nothing loaded")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows over legacy chunks differ from a fresh load:\n got %v\nwant %v", got, want)
	}
}

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "feed.db"), edm.Default(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func rawDB(t *testing.T, db *store.DB) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// dump reads every row of the model's tables except the load journal, as
// text, ordered by id, leaving out the internal row id.
func dump(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	raw := rawDB(t, db)
	out := map[string][]string{}
	for _, tbl := range db.Model.Tables {
		if tbl.Name == "Loads" || tbl.Name == "LoadRejects" {
			continue
		}
		rows, err := dbdump.Rows(raw, tbl.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > 0 {
			out[tbl.Name] = rows
		}
	}
	return out
}
