package pull_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/pull"
	"github.com/ccfeed/ccfeed/loaders/pull/pulltest"
	"github.com/ccfeed/ccfeed/store"
)

// vendorFixture is a store, a fake vendor and the source pulling it.
type vendorFixture struct {
	v      *vendor
	db     *store.DB
	api    *api
	clock  *pulltest.Clock
	runner *pull.Runner
	src    *pull.Source
}

func newVendorFixture(t *testing.T, v *vendor, secret string) *vendorFixture {
	t.Helper()
	clock := pulltest.NewClock(t0)
	a := newAPI(t, v, clock)
	yml := fmt.Sprintf(`tenants:
  acme:
    sources:
      - kind: %s
        name: %s-eu
        endpoint: %s
        account: %q
        credential: {env: %s}
        lookback: 30h
        overlap: 2h
        lag: 1m
        rate: 1000/s
        options: %s
`, v.kind, v.kind, a.srv.URL+v.root, v.account, v.env, v.options)
	cfg, err := pull.ParseConfig("sources.yaml", []byte(yml), envOf(map[string]string{v.env: secret}))
	if err != nil {
		t.Fatal(err)
	}
	db := feedtest.OpenDB(t)
	return &vendorFixture{v: v, db: db, api: a, clock: clock, runner: &pull.Runner{DB: db, Clock: clock}, src: cfg.Sources[0]}
}

// sync runs the source once, as `ccfeed sync` does (RunAll).
func (f *vendorFixture) sync(ctx context.Context) pull.Report {
	return f.runner.RunAll(ctx, []*pull.Source{f.src})[0]
}

// tableSum is the row count and a hash of the content of a table.
type tableSum struct {
	Rows int
	Hash string
}

// dataTables lists the model's tables but the journal's.
func dataTables(m *edm.Model) []string {
	seen := map[string]bool{"Loads": true, "LoadRejects": true}
	var out []string
	for _, s := range m.Sets {
		if n := s.Type.Table.Name; !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// snapshot sums every data table that holds rows.
func snapshot(t *testing.T, db *store.DB) map[string]tableSum {
	t.Helper()
	r := readDB(t, db)
	out := map[string]tableSum{}
	for _, name := range dataTables(db.Model) {
		rows, err := r.Query(`SELECT * FROM "` + name + `" ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		h := sha256.New()
		n := 0
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			n++
			for i, v := range vals {
				if cols[i] == "rid" || cols[i] == edm.ModifiedColumn {
					continue // the store's internal row id (the order rows arrived in) and when rows were written
				}
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%s=%T:%v\x00", cols[i], v, v)
			}
			h.Write([]byte{'\n'})
		}
		rows.Close()
		if n > 0 {
			out[name] = tableSum{Rows: n, Hash: hex.EncodeToString(h.Sum(nil))[:16]}
		}
	}
	return out
}

// oracle loads recs as files into a fresh store and sums it: what the
// pulled store must hold.
func oracle(t *testing.T, a *api, recs []rec) map[string]tableSum {
	t.Helper()
	db := feedtest.OpenDB(t)
	dir := t.TempDir()
	files, err := a.v.files(a, recs)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, res := range loaders.LoadFiles(context.Background(), db, "acme", paths, loaders.Options{Kind: a.v.kind}) {
		if res.Status != edm.LoadLoaded || res.Rejected != 0 {
			t.Fatalf("oracle file %s: %s, %d rejected: %s", res.File, res.Status, res.Rejected, res.Message)
		}
	}
	return snapshot(t, db)
}

// sameContent compares the pulled store with the oracle.
func sameContent(t *testing.T, got, want map[string]tableSum) {
	t.Helper()
	for name, w := range want {
		if g := got[name]; g != w {
			t.Errorf("%s: pulled %d rows (hash %s), files give %d (hash %s)", name, g.Rows, g.Hash, w.Rows, w.Hash)
		}
	}
	for name, g := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: pulled %d rows, files give none", name, g.Rows)
		}
	}
}

// landed counts the records of recs by the set each becomes a row of.
func landed(v *vendor, recs []rec) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		out[v.lands(r)]++
	}
	return out
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := readDB(t, db).QueryRow(`SELECT count(*) FROM "` + table + `" WHERE tenantId = 'acme'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkJournal checks that the loaded journal rows are exactly one pull row
// per page served with 200, and returns their inserted counts' sum.
func checkJournal(t *testing.T, f *vendorFixture, pages int) (inserted int64) {
	t.Helper()
	n := 0
	for i, r := range journal(t, f.db) {
		if r.Status != edm.LoadLoaded {
			continue
		}
		n++
		if r.Kind != loaders.JournalPull || r.Source != f.v.kind || !strings.HasPrefix(r.File, f.v.kind+"-eu ") {
			t.Errorf("journal row %d: %+v, want a pull row of %s naming the source", i, r, f.v.kind)
		}
		inserted += r.Inserted
	}
	if n != pages {
		t.Errorf("%d loaded journal rows, want one per page served (%d)", n, pages)
	}
	return inserted
}

func totalRows(s map[string]tableSum) (n int64) {
	for _, v := range s {
		n += int64(v.Rows)
	}
	return n
}

// served sums up hits: the pages answered 200 and how often each (to catch
// a page loaded twice), and how often each id was served.
func served(hits []hit) (n int, pages map[string]int, ids map[string]int) {
	pages, ids = map[string]int{}, map[string]int{}
	for _, h := range hits {
		if h.Status != http.StatusOK || h.Page == "" {
			continue
		}
		n++
		if !h.Whole {
			pages[h.Page]++
		}
		for _, id := range h.Records {
			ids[id]++
		}
	}
	return n, pages, ids
}
