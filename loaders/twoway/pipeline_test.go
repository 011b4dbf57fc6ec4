package twoway

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
)

// The reader, writer and builder overlap across batches, and a batch
// boundary cuts conversations in two (their first events in one batch, the
// rest in the next, rebuilt from what is staged). Whatever the cut, the rows
// must be those of one batch holding the whole file: with the events in
// file order, shuffled across the file, and with a second, overlapping file.
func TestBatchBoundaries(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := Synthetic(&buf, 3000, 7, time.Date(2025, 3, 30, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(buf.String(), "\n"), "\n")
	header, body := lines[0], lines[1:]
	write := func(name string, rows []string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(header+strings.Join(rows, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	shuffled := append([]string(nil), body...)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	cases := map[string][]string{
		"file order":  {write("ordered.csv", body)},
		"shuffled":    {write("shuffled.csv", shuffled)},
		"overlapping": {write("first.csv", body[:2000]), write("second.csv", body[1500:])},
	}
	defer func(n int) { flushEvery = n }(flushEvery)
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			load := func(every int) map[string][]string {
				flushEvery = every
				db := openStore(t)
				for _, f := range files {
					res := loaders.LoadFile(context.Background(), db, "acme", f, loaders.Options{Kind: loaders.KindTwoWay})
					if res.Status != edm.LoadLoaded {
						t.Fatalf("%s: %s", f, res.Message)
					}
				}
				return dump(t, db)
			}
			whole, cut := load(1_000_000), load(7)
			if len(whole["Messages"]) == 0 || len(whole["Workitems"]) == 0 {
				t.Fatalf("nothing loaded: %v", whole)
			}
			if !reflect.DeepEqual(cut, whole) {
				for table := range whole {
					if !reflect.DeepEqual(cut[table], whole[table]) {
						t.Errorf("%s differs when the file is cut into batches of 7 conversations", table)
					}
				}
			}
		})
	}
}
