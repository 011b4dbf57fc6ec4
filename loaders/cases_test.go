package loaders_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	_ "github.com/ccfeed/ccfeed/loaders/all"
)

var update = flag.Bool("update", false, "rewrite the want.json of every loader case from what the loaders produce")

// caseSpec is the optional case.json of a case folder.
type caseSpec struct {
	// Timezone of the tenant ("UTC" when empty).
	Timezone string `json:"timezone"`
	// Files in load order; default: every input file, sorted by name.
	Files []string `json:"files"`
	// Source forces the kind.
	Source string `json:"source"`
	// Twice loads the files a second time and requires nothing to change.
	Twice bool `json:"twice"`
}

// want is a case's want.json: the rows the inputs must produce.
type want struct {
	// Files: the status of each load, and for failures a fragment of the
	// message (which must name the line and column).
	Files []wantFile `json:"files"`
	// Counts of rows per entity set after all loads.
	Counts map[string]int `json:"counts"`
	// Rows lists, per entity set, rows by id with the columns to check.
	Rows map[string][]map[string]any `json:"rows"`
	// Rejects lists the refused records.
	Rejects []map[string]any `json:"rejects"`
}

type wantFile struct {
	File    string `json:"file"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

const tenant = "acme"

// TestCases runs every folder under testdata/<source>/<case>/, for every
// registered source kind: load the input files into a fresh store and
// compare with want.json.
func TestCases(t *testing.T) {
	root := filepath.Join(feedtest.RepoRoot(t), "testdata")
	for _, src := range loaders.Kinds() {
		dirs, err := os.ReadDir(filepath.Join(root, src))
		if err != nil {
			if src == loaders.KindTwoWay || src == loaders.KindIno {
				t.Fatalf("no cases for %s: %v", src, err)
			}
			continue
		}
		for _, d := range dirs {
			if !d.IsDir() {
				continue
			}
			dir := filepath.Join(root, src, d.Name())
			t.Run(src+"/"+d.Name(), func(t *testing.T) { runCase(t, dir) })
		}
	}
}

func runCase(t *testing.T, dir string) {
	var spec caseSpec
	if b, err := os.ReadFile(filepath.Join(dir, "case.json")); err == nil {
		if err := json.Unmarshal(b, &spec); err != nil {
			t.Fatalf("case.json: %v", err)
		}
	}
	files := spec.Files
	if len(files) == 0 {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			n := e.Name()
			if n != "case.json" && n != "want.json" && !e.IsDir() {
				files = append(files, n)
			}
		}
		sort.Strings(files)
	}
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	if spec.Timezone != "" {
		if err := db.SetTenantTimezone(ctx, tenant, spec.Timezone); err != nil {
			t.Fatal(err)
		}
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(dir, f))
	}
	results := loaders.LoadFiles(ctx, db, tenant, paths, loaders.Options{Kind: spec.Source})
	got := want{Counts: map[string]int{}, Rows: map[string][]map[string]any{}}
	for _, r := range results {
		wf := wantFile{File: r.File, Status: r.Status}
		if r.Status != edm.LoadLoaded {
			wf.Message = r.Message
		}
		got.Files = append(got.Files, wf)
	}
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	snapshot := func() map[string][]map[string]any {
		out := map[string][]map[string]any{}
		for _, tbl := range db.Model.Tables {
			if tbl.Name == "Loads" || tbl.Name == "LoadRejects" {
				continue
			}
			rows := readTable(t, raw, tbl)
			if len(rows) > 0 {
				out[tbl.Name] = rows
			}
		}
		return out
	}
	got.Rows = snapshot()
	for set, rows := range got.Rows {
		got.Counts[set] = len(rows)
	}
	for _, r := range readTable(t, raw, db.Model.Set("LoadRejects").Type.Table) {
		got.Rejects = append(got.Rejects, map[string]any{"file": r["fileName"], "line": r["line"], "field": r["field"], "reason": r["reason"]})
	}
	if spec.Twice {
		again := loaders.LoadFiles(ctx, db, tenant, paths, loaders.Options{Kind: spec.Source})
		for _, r := range again {
			for set, c := range r.Counts {
				if set == "Loads" || set == "LoadRejects" {
					continue
				}
				if c.Inserted+c.Updated != 0 {
					t.Errorf("loading %s again changed %s: %+v", r.File, set, *c)
				}
			}
		}
		if after := snapshot(); !jsonEqual(after, got.Rows) {
			t.Errorf("loading the files again changed the stored rows")
		}
	}
	wantPath := filepath.Join(dir, "want.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(wantPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatalf("%v (create it with -update, then review it)", err)
	}
	var w want
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatalf("want.json: %v", err)
	}
	compare(t, w, got)
}

// compare checks got against w. Rows are compared by id, on the columns
// want.json lists (so a case states only what it is about).
func compare(t *testing.T, w, got want) {
	t.Helper()
	if !jsonEqual(w.Files, got.Files) {
		t.Errorf("file results:\n got %s\nwant %s", js(got.Files), js(w.Files))
	}
	for _, f := range w.Files {
		// A text file's failure names the line (and column); a broken
		// workbook has no lines to name.
		text := strings.HasSuffix(f.File, ".csv") || strings.HasSuffix(f.File, ".json")
		if f.Status == edm.LoadFailed && text && !strings.Contains(f.Message, "line") {
			t.Errorf("failure of %s does not say where: %q", f.File, f.Message)
		}
	}
	if !jsonEqual(w.Counts, got.Counts) {
		t.Errorf("row counts:\n got %s\nwant %s", js(got.Counts), js(w.Counts))
	}
	for set, rows := range w.Rows {
		byID := map[any]map[string]any{}
		for _, r := range got.Rows[set] {
			byID[r["id"]] = r
		}
		for _, wr := range rows {
			gr, ok := byID[wr["id"]]
			if !ok {
				t.Errorf("%s: no row %v", set, wr["id"])
				continue
			}
			for col, wv := range wr {
				if !jsonEqual(wv, gr[col]) {
					t.Errorf("%s %v: %s = %s, want %s", set, wr["id"], col, js(gr[col]), js(wv))
				}
			}
		}
	}
	// Reject ids start with the load id (a time and random hex), so their
	// stored order says nothing; compare by where each reject points.
	sortRejects(w.Rejects)
	sortRejects(got.Rejects)
	if !jsonEqual(w.Rejects, got.Rejects) {
		t.Errorf("rejects:\n got %s\nwant %s", js(got.Rejects), js(w.Rejects))
	}
}

// readTable reads a tenant's rows, timestamps rendered as the feed writes
// them, ids sorted.
func readTable(t *testing.T, db *sql.DB, tbl *edm.Table) []map[string]any {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf(`SELECT * FROM %q WHERE tenantId = ? ORDER BY id`, tbl.Name), tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := map[string]any{}
		for i, c := range cols {
			v := vals[i]
			if v == nil {
				continue
			}
			p := tbl.Column(c)
			if p == nil || p.Internal {
				continue // the store's own columns (rid, mentions of people)
			}
			if p.Type == edm.DateTimeOffset && p.UTC == nil {
				if ms, ok := v.(int64); ok {
					v = time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
				}
			}
			if p.Type == edm.Boolean {
				v = v.(int64) != 0
			}
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			// Through JSON, so numbers compare as want.json reads them.
			var norm any
			bs, _ := json.Marshal(v)
			_ = json.Unmarshal(bs, &norm)
			r[c] = norm
		}
		out = append(out, r)
	}
	return out
}

func jsonEqual(a, b any) bool { return js(a) == js(b) }

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortRejects(rs []map[string]any) {
	key := func(r map[string]any) string {
		line := fmt.Sprint(r["line"])
		return fmt.Sprintf("%v\x00%012s\x00%v\x00%v", r["file"], line, r["field"], r["reason"])
	}
	sort.SliceStable(rs, func(i, j int) bool { return key(rs[i]) < key(rs[j]) })
}
