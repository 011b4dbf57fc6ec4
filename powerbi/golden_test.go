package powerbi

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
)

var update = flag.Bool("update", false, "rewrite the golden projects in testdata/golden from the current model")

// withModified returns a copy of m in which the named sets have a
// modifiedAtUTC property, as the model will once the change timestamp is
// added: the generator must find it by looking, and use it for "detect
// data changes". m itself is not touched.
func withModified(m *edm.Model, sets ...string) *edm.Model {
	cp := *m
	cp.Sets = nil
	for _, s := range m.Sets {
		for _, name := range sets {
			if s.Name == name {
				set, typ := *s, *s.Type
				typ.Properties = append(append([]*edm.Property{}, typ.Properties...), &edm.Property{
					Name: "modifiedAtUTC", Type: edm.DateTimeOffset, Nullable: true,
					Description: "When the served row's values last changed. In UTC.",
				})
				set.Type = &typ
				s = &set
			}
		}
		cp.Sets = append(cp.Sets, s)
	}
	return &cp
}

// goldenCases are the projects pinned in testdata/golden.
var goldenCases = []struct {
	name  string
	model func() *edm.Model
	opt   Options
}{
	{"default", edm.Default, Options{FeedURL: "https://feed.example.com/odata/", APIKeyName: "access_token"}},
	{"incremental", edm.Default, Options{FeedURL: "https://feed.example.com/odata/", APIKeyName: "access_token", Incremental: true}},
	{"incremental-modified", func() *edm.Model { return withModified(edm.Default(), "Conversations", "Messages") },
		Options{FeedURL: "https://feed.example.com/odata/", APIKeyName: "access_token", Incremental: true}},
	{"two-sets", edm.Default, Options{FeedURL: "http://127.0.0.1:8080", Name: "Calls", Sets: []string{"Calls", "Agents"}}},
}

// TestGoldenProjects pins every generated file byte for byte, so a change
// to the model or the generator shows up as a reviewable diff (regenerate
// with go test ./powerbi -update).
func TestGoldenProjects(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Bundle(tc.model(), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := Bundle(tc.model(), tc.opt)
			for i := range files {
				if !bytes.Equal(files[i].Data, again[i].Data) {
					t.Fatalf("%s differs between two runs: the output must be deterministic", files[i].Path)
				}
			}
			dir := filepath.Join("testdata", "golden", tc.name)
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				if err := WriteDir(dir, files, false); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readTree(t, dir)
			got := map[string][]byte{}
			for _, f := range files {
				got[f.Path] = f.Data
			}
			for _, p := range sortedKeys(want) {
				if _, ok := got[p]; !ok {
					t.Errorf("%s is no longer generated (go test ./powerbi -update if intended)", p)
				}
			}
			for _, p := range sortedKeys(got) {
				w, ok := want[p]
				if !ok {
					t.Errorf("%s is new (go test ./powerbi -update if intended)", p)
					continue
				}
				if line, g, wl, differ := firstDiff(got[p], w); differ {
					t.Errorf("%s differs at line %d (go test ./powerbi -update if intended):\n got: %q\nwant: %q", p, line, g, wl)
				}
			}
		})
	}
}

// readTree reads every file under dir, keyed by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatalf("%v (run go test ./powerbi -update to create the golden files)", err)
	}
	return out
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// firstDiff returns the first line (1-based) where a and b differ.
func firstDiff(a, b []byte) (line int, la, lb string, differ bool) {
	if bytes.Equal(a, b) {
		return 0, "", "", false
	}
	as, bs := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; ; i++ {
		var x, y = "<end of file>", "<end of file>"
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		if x != y || i >= len(as) || i >= len(bs) {
			return i + 1, x, y, true
		}
	}
}
