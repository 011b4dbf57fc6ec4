package loaders_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/cxengage"
	"github.com/ccfeed/ccfeed/loaders/liveperson"
	"github.com/ccfeed/ccfeed/store"
)

// Sources of large records report every record to Progress, so a file of a
// few hundred CxEngage interactions or LivePerson conversations does not
// read "0 records" until it ends (Read reports every 1,024).
func TestProgressOfLargeRecords(t *testing.T) {
	root := feedtest.RepoRoot(t)
	for _, tc := range []struct {
		name string
		src  loaders.Source
		file string
	}{
		{"cxengage", cxengage.Source{}, filepath.Join(root, "testdata", "cxengage", "list-page")},
		{"liveperson", liveperson.Source{}, filepath.Join(root, "testdata", "liveperson", "conversations-search-repaired")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := firstJSON(t, tc.file)
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			db := feedtest.OpenDB(t)
			ctx := context.Background()
			var reported []int64
			var read int64
			err = db.Load(ctx, func(lt *store.LoadTx) error {
				b := loaders.NewTestBatch(ctx, lt, db.Model, "acme", tc.src.Kind(), filepath.Base(file), time.UTC)
				b.Progress = func(n int64) { reported = append(reported, n) }
				err := tc.src.Load(ctx, &loaders.File{Name: filepath.Base(file), R: bytes.NewReader(body), RA: bytes.NewReader(body), Size: int64(len(body))}, b)
				read = b.Records()
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if read == 0 || read >= 1024 {
				t.Fatalf("%d records: the case needs a file of 1 to 1,023 records", read)
			}
			if int64(len(reported)) != read || reported[len(reported)-1] != read {
				t.Errorf("Progress saw %v for %d records, want every count 1..%d", reported, read, read)
			}
		})
	}
}

func firstJSON(t *testing.T, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range m {
		if b := filepath.Base(f); b != "want.json" && b != "case.json" {
			return f
		}
	}
	t.Fatalf("no input file in %s", dir)
	return ""
}
