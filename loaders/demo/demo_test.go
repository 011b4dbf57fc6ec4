package demo_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/demo"
	"github.com/ccfeed/ccfeed/store"
)

// TestGenerateDeterministic generates twice with the same scale and seed
// and compares every byte of every file; another seed must change them.
func TestGenerateDeterministic(t *testing.T) {
	ctx := context.Background()
	gen := func(seed uint64) (*demo.Manifest, string) {
		dir := t.TempDir()
		m, err := demo.Generate(ctx, dir, demo.Options{Scale: 1, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return m, dir
	}
	a, dirA := gen(7)
	b, dirB := gen(7)
	c, dirC := gen(8)
	if len(a.Files) != len(b.Files) {
		t.Fatalf("%d files, then %d", len(a.Files), len(b.Files))
	}
	changed := 0
	for i, f := range a.Files {
		if b.Files[i].Path != f.Path {
			t.Fatalf("file %d is %s, then %s", i, f.Path, b.Files[i].Path)
		}
		x, y := read(t, dirA, f.Path), read(t, dirB, f.Path)
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", f.Path)
		}
		if i < len(c.Files) && c.Files[i].Path == f.Path && !bytes.Equal(x, read(t, dirC, f.Path)) {
			changed++
		}
	}
	if !bytes.Equal(read(t, dirA, "README.txt"), read(t, dirB, "README.txt")) {
		t.Error("README.txt differs between two runs")
	}
	if changed < len(a.Files)/2 {
		t.Errorf("another seed changed only %d of %d files", changed, len(a.Files))
	}
}

func read(t *testing.T, dir, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGenerateLayout checks the file layout the documentation promises:
// every tenant has every source, ino has a French export for contoso and a
// workbook for fabrikam, and several pages or days per paged source.
func TestGenerateLayout(t *testing.T) {
	m, err := demo.Generate(context.Background(), t.TempDir(), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, f := range m.Files {
		count[f.Tenant+"/"+f.Source]++
		if f.Records == 0 || f.Bytes == 0 {
			t.Errorf("%s is empty", f.Path)
		}
	}
	for _, tn := range demo.Tenants {
		for src, least := range map[string]int{loaders.KindBuzzeasy: 26, loaders.KindCxEngage: 2, loaders.KindIno: 8,
			loaders.KindLivePerson: 2, loaders.KindTwoWay: demo.Days} {
			if n := count[tn.Name+"/"+src]; n < least {
				t.Errorf("%s: %d %s files, want at least %d", tn.Name, n, src, least)
			}
		}
	}
	for _, want := range []string{
		"contoso/ino/distributions-messages-entrantes_2026-09.csv",
		"fabrikam/ino/incoming-message-distributions_2026-09.xlsx",
		"northwind/ino/incoming-message-distributions_2026-09.csv",
		"contoso/twoway/two_way_conversation_report_2026-10-31.csv",
		"contoso/buzzeasy/07-Agents-0001.json",
	} {
		found := false
		for _, f := range m.Files {
			found = found || f.Path == want
		}
		if !found {
			t.Errorf("no file %s", want)
		}
	}
}

// TestScaleIsLinear: the conversations grow with the scale and nothing
// else changes their number.
func TestScaleIsLinear(t *testing.T) {
	for _, scale := range []int{1, 3} {
		m, err := demo.Generate(context.Background(), t.TempDir(), demo.Options{Scale: scale})
		if err != nil {
			t.Fatal(err)
		}
		want := demo.PerScale * scale * len(demo.Tenants)
		if got := m.Totals()[""].Conversations; got != want {
			t.Errorf("scale %d: %d conversations, want %d", scale, got, want)
		}
	}
}

var (
	loadOnce sync.Once
	loaded   struct {
		db  *store.DB
		raw *sql.DB
		man *demo.Manifest
		sum demo.Summary
		err error
	}
)

// loadedDemo loads the demo once for the tests below, with a manifest of
// the same files to compare with.
func loadedDemo(t *testing.T) (*sql.DB, *demo.Manifest, demo.Summary) {
	t.Helper()
	loadOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ccfeed-demo-test-")
		if err != nil {
			loaded.err = err
			return
		}
		// Removed by TestMain when the package's tests end.
		cleanup = append(cleanup, dir)
		ctx := context.Background()
		loaded.man, loaded.err = demo.Generate(ctx, filepath.Join(dir, "files"), demo.Options{})
		if loaded.err != nil {
			return
		}
		loaded.db, loaded.err = store.Open(filepath.Join(dir, "demo.db"), edm.Default(), store.Options{})
		if loaded.err != nil {
			return
		}
		loaded.sum, loaded.err = demo.Load(ctx, loaded.db, demo.Options{})
		if loaded.err != nil {
			return
		}
		loaded.raw, loaded.err = sql.Open("sqlite3", "file:"+loaded.db.Path+"?mode=ro")
	})
	if loaded.err != nil {
		t.Fatal(loaded.err)
	}
	return loaded.raw, loaded.man, loaded.sum
}

var cleanup []string

func TestMain(m *testing.M) {
	code := m.Run()
	if loaded.raw != nil {
		loaded.raw.Close()
	}
	if loaded.db != nil {
		loaded.db.Close()
	}
	for _, d := range cleanup {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func scalar(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestEverySetPopulated: after loading, every entity set of the model has
// rows in every tenant, and the journal has one clean load per file.
// LoadRejects is the exception that proves the rule: it must stay empty.
func TestEverySetPopulated(t *testing.T) {
	raw, man, _ := loadedDemo(t)
	m := edm.Default()
	for _, s := range m.Sets {
		if s.AdminOnly {
			continue
		}
		for _, tn := range demo.Tenants {
			q := fmt.Sprintf("SELECT count(*) FROM %q WHERE tenantId = ?", s.Type.Table.Name)
			if s.Slice != nil {
				q += fmt.Sprintf(" AND %q = '%s'", s.Slice.Column.Name, s.Slice.Values[0])
			}
			if n := scalar(t, raw, q, tn.Name); n == 0 {
				t.Errorf("%s: no rows for tenant %s", s.Name, tn.Name)
			}
		}
	}
	if n := scalar(t, raw, `SELECT count(*) FROM Loads WHERE status = 'loaded' AND rejected = 0`); n != len(man.Files) {
		t.Errorf("%d clean loads in the journal, want one per file (%d)", n, len(man.Files))
	}
	if n := scalar(t, raw, `SELECT count(*) FROM LoadRejects`); n != 0 {
		t.Errorf("%d records rejected, want none", n)
	}
}

// TestOneAgentAcrossSources: every agent is one Agents row, found by its
// email address, that the work of all five sources points to.
func TestOneAgentAcrossSources(t *testing.T) {
	raw, _, _ := loadedDemo(t)
	const email = "camille.dupont@contoso.example"
	if n := scalar(t, raw, `SELECT count(*) FROM Agents WHERE emailAddress = ?`, email); n != 1 {
		t.Fatalf("%d Agents rows for %s, want one", n, email)
	}
	var id, name string
	if err := raw.QueryRow(`SELECT id, name FROM Agents WHERE emailAddress = ?`, email).Scan(&id, &name); err != nil {
		t.Fatal(err)
	}
	if n := scalar(t, raw, `SELECT count(*) FROM Agents WHERE tenantId = 'contoso' AND name = ?`, name); n != 1 {
		t.Errorf("%d Agents rows named %s, want one", n, name)
	}
	rows, err := raw.Query(`SELECT DISTINCT source FROM Workitems WHERE agentId = ? ORDER BY source`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var sources []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		sources = append(sources, s)
	}
	if want := []string{"buzzeasy", "cxengage", "ino", "liveperson", "twoway"}; fmt.Sprint(sources) != fmt.Sprint(want) {
		t.Errorf("workitems of %s come from %v, want %v", id, sources, want)
	}
	// No source made a second row for any agent: one per person and
	// tenant, plus LivePerson's welcome bot.
	if n := scalar(t, raw, `SELECT count(*) FROM Agents`); n != (20+1)*len(demo.Tenants) {
		t.Errorf("%d Agents rows, want %d (20 people and a bot per tenant)", n, 21*len(demo.Tenants))
	}
}

// TestCustomerAcrossSources: the customers Buzzeasy's conversations name are
// the rows LivePerson, CxEngage and ino conversations point to when they
// know the customer's email address or phone number: one person, which
// both sources mention.
func TestCustomerAcrossSources(t *testing.T) {
	raw, _, _ := loadedDemo(t)
	for _, src := range []string{"cxengage", "ino", "liveperson"} {
		n := scalar(t, raw, `SELECT count(*) FROM Conversations c JOIN Customers cu ON cu.id = c.customerId
			WHERE c.source = ? AND ','||cu.source||',' LIKE '%,buzzeasy,%' AND ','||cu.source||',' LIKE '%,'||c.source||',%'`, src)
		if n == 0 {
			t.Errorf("no %s conversation points to a Buzzeasy customer", src)
		}
	}
}

// TestSummaryCounts: the manifest's conversations and messages per source
// are the rows the loaders made of them, and Load's summary counts the
// rows of each set.
func TestSummaryCounts(t *testing.T) {
	raw, man, sum := loadedDemo(t)
	for src, f := range man.Totals() {
		if src == "" {
			continue
		}
		if n := scalar(t, raw, `SELECT count(*) FROM Conversations WHERE source = ?`, src); n != f.Conversations {
			t.Errorf("%s: %d conversations loaded, the manifest says %d", src, n, f.Conversations)
		}
		if n := scalar(t, raw, `SELECT count(*) FROM Messages WHERE source = ?`, src); n != f.Messages {
			t.Errorf("%s: %d messages loaded, the manifest says %d", src, n, f.Messages)
		}
	}
	tot := man.Totals()[""]
	if tot.Conversations != demo.PerScale*len(demo.Tenants) || tot.Messages < 15000 {
		t.Errorf("scale 1: %d conversations and %d messages, want %d and tens of thousands", tot.Conversations, tot.Messages, demo.PerScale*len(demo.Tenants))
	}
	for _, s := range edm.Default().Sets {
		if s.AdminOnly || s.Slice != nil {
			continue
		}
		if n := scalar(t, raw, fmt.Sprintf("SELECT count(*) FROM %q", s.Type.Table.Name)); n != sum[s.Name] {
			t.Errorf("%s: %d rows, Load's summary says %d", s.Name, n, sum[s.Name])
		}
	}
}
