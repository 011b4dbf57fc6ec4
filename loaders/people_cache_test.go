package loaders_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/twoway"
)

// The people cache is bounded; a person it forgot is resolved again, to the
// same row. A load through a cache of three people writes what a load
// through the full cache writes, people included.
func TestPeopleCacheBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var agents []twoway.SyntheticAgent
	for _, n := range []string{"Ann", "Bob", "Cy", "Di"} {
		agents = append(agents, twoway.SyntheticAgent{Email: n + "@x.example", First: n, Last: "Agent"})
	}
	if err := twoway.Synthetic(f, 4000, 11, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), agents); err != nil {
		t.Fatal(err)
	}
	f.Close()
	load := func() (map[string][]map[string]any, int64) {
		db := feedtest.OpenDB(t)
		res := loaders.LoadFile(context.Background(), db, "acme", path, loaders.Options{})
		if res.Status != edm.LoadLoaded {
			t.Fatal(res.Message)
		}
		raw := openRO(t, db)
		out := map[string][]map[string]any{}
		for _, tbl := range db.Model.Tables {
			if tbl.Name != "Loads" && tbl.Name != "LoadRejects" {
				out[tbl.Name] = readTable(t, raw, tbl)
			}
		}
		var unchanged int64
		for set, c := range res.Counts {
			if set == "Customers" || set == "Agents" {
				unchanged += int64(c.Unchanged)
			}
		}
		return out, unchanged
	}
	full, fullSame := load()
	restore := loaders.SetPeopleCached(3)
	small, smallSame := load()
	restore()
	if len(full["Customers"]) < 100 || len(full["Agents"]) != 4 {
		t.Fatalf("%d customers, %d agents: the file does not exercise the cache", len(full["Customers"]), len(full["Agents"]))
	}
	if smallSame <= fullSame {
		t.Fatalf("a cache of 3 resolved people again %d times, the full one %d: the bound did not bite", smallSame, fullSame)
	}
	if !reflect.DeepEqual(small, full) {
		for table := range full {
			if !reflect.DeepEqual(small[table], full[table]) {
				t.Errorf("%s differs with a cache of 3 people", table)
			}
		}
	}
}
