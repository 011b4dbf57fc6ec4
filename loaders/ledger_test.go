package loaders_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
)

// ledgerSources are the five vendor documents and how their fields are
// found: in the document (extract) and in the test files (carries).
var ledgerSources = []struct {
	kind, seed string
	extract    func(doc string) []fieldKey
	// carries returns the values a field has in the test files, and false
	// when no test file has the field at all.
	carries func(fx *fixture, k fieldKey) ([]string, bool)
}{
	{loaders.KindTwoWay, "two-way-conversation-report.txt", twowayFields, func(fx *fixture, k fieldKey) ([]string, bool) {
		return fx.column("report.csv", k.Name)
	}},
	{loaders.KindIno, "ino-messaging-data-source.txt", inoFields, func(fx *fixture, k fieldKey) ([]string, bool) {
		return fx.column(inoFiles[k.Section], k.Name)
	}},
	{loaders.KindCxEngage, "cxengage-get-interaction.txt", cxengageFields, func(fx *fixture, k fieldKey) ([]string, bool) {
		return fx.path("interactions.json", k.Name, "")
	}},
	{loaders.KindLivePerson, "liveperson-messaging-interactions.txt", livepersonFields, func(fx *fixture, k fieldKey) ([]string, bool) {
		if k.Section == "JSON example" {
			return fx.path("conversations.json", k.Name, lpRecordPrefix)
		}
		return fx.attribute("conversations.json", k.Section, k.Name)
	}},
	{loaders.KindBuzzeasy, "buzzeasy-odata-feed.txt", buzzeasyFields, func(fx *fixture, k fieldKey) ([]string, bool) {
		return fx.path(strings.ReplaceAll(k.Section, " ", "")+".json", "value[]."+k.Name, "")
	}},
}

// inoFiles are the test files of the Reporter's data sources.
var inoFiles = map[string]string{
	"Incoming message distribution":  "incoming-distributions.csv",
	"Outgoing message distributions": "outgoing-distributions.csv",
	"Messages":                       "messages.csv",
	"SMS":                            "sms.csv",
}

// TestFieldLedgers holds each source's FIELDS.md to the vendor document and
// to the loader: every field the document defines has a line; every target
// is a property the feed serves ($metadata); and the test files, which
// carry every field that lands, loaded through the real loader into a fresh
// store, put a value (the stated one, where the ledger states it) where the
// ledger says.
func TestFieldLedgers(t *testing.T) {
	root := feedtest.RepoRoot(t)
	model := edm.Default()
	for _, src := range ledgerSources {
		t.Run(src.kind, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(root, "loaders", src.kind, "FIELDS.md"))
			if err != nil {
				t.Fatal(err)
			}
			entries, errs := readLedger(string(text))
			for _, err := range errs {
				t.Errorf("FIELDS.md: %v", err)
			}
			doc, err := os.ReadFile(filepath.Join(root, "testdata", "seeds", src.seed))
			if err != nil {
				t.Fatal(err)
			}
			checkCoverage(t, src.extract(string(doc)), entries)
			for _, e := range entries {
				for _, tg := range e.Targets {
					if err := inModel(model, tg); err != nil {
						t.Errorf("FIELDS.md line %d (%s): %v", e.Line, e.Key, err)
					}
				}
			}
			if t.Failed() {
				return
			}
			fx := loadFixture(t, src.kind, entries)
			for _, e := range entries {
				if e.Dropped != "" {
					continue
				}
				given, ok := src.carries(fx, e.Key)
				if !ok {
					t.Errorf("FIELDS.md line %d: no test file in testdata/ledger/%s carries %s", e.Line, src.kind, e.Key)
					continue
				}
				for _, tg := range e.Targets {
					if err := fx.holds(tg, given); err != nil {
						t.Errorf("FIELDS.md line %d (%s): %s: %v", e.Line, e.Key, tg, err)
					}
				}
			}
		})
	}
}

// checkCoverage requires every field of the document in the ledger, once,
// and nothing else.
func checkCoverage(t *testing.T, doc []fieldKey, entries []ledgerEntry) {
	t.Helper()
	if len(doc) == 0 {
		t.Fatal("the extractor found no field in the vendor document")
	}
	inDoc := map[fieldKey]bool{}
	for _, k := range doc {
		inDoc[k] = true
	}
	inLedger := map[fieldKey]int{}
	for _, e := range entries {
		if l, dup := inLedger[e.Key]; dup {
			t.Errorf("FIELDS.md lines %d and %d: %s is listed twice", l, e.Line, e.Key)
		}
		inLedger[e.Key] = e.Line
		if !inDoc[e.Key] {
			t.Errorf("FIELDS.md line %d: %s is not a field of the vendor document (a typo, or the wrong section?)", e.Line, e.Key)
		}
	}
	var missing []string
	for _, k := range doc {
		if _, ok := inLedger[k]; !ok {
			missing = append(missing, k.String())
		}
	}
	if len(missing) > 0 {
		t.Errorf("FIELDS.md lacks %d fields of the vendor document:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}

// inModel checks that a target names what the feed serves: a set of the
// model (not the admin journal) and a property of the set's entity type.
func inModel(m *edm.Model, tg target) error {
	s := m.Set(tg.Set)
	if s == nil {
		return fmt.Errorf("no entity set %s in the model", tg.Set)
	}
	if s.AdminOnly {
		return fmt.Errorf("%s is the load journal, not data", tg.Set)
	}
	props := []string{tg.Property}
	if tg.Property == "" {
		props = []string{"category", "name", "value"}
	}
	for _, p := range props {
		if prop := s.Type.Property(p); prop == nil || prop.Internal {
			return fmt.Errorf("%s has no property %s in $metadata", tg.Set, p)
		}
	}
	return nil
}

// fixture is a source's test files (testdata/ledger/<kind>/), loaded into a
// fresh store.
type fixture struct {
	t     *testing.T
	dir   string
	db    *sql.DB
	model *edm.Model
}

const ledgerTenant = "ledger"

// ledgerZone is the test tenant's time zone: the local-time sources
// (two-way, ino, Buzzeasy's local-only times) need one, and a ledger's local
// values are read in it.
const ledgerZone = "Europe/Paris"

// loadFixture loads every file of the source's test folder, in name order,
// through loaders.LoadFile. Every file must load without a reject, except
// a Buzzeasy report of a field the loader does not know, which must be a
// field the ledger drops.
func loadFixture(t *testing.T, kind string, entries []ledgerEntry) *fixture {
	t.Helper()
	dir := filepath.Join(feedtest.RepoRoot(t), "testdata", "ledger", kind)
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	// The local-time sources (two-way, ino, Buzzeasy's local-only times)
	// need the tenant's zone.
	if err := db.SetTenantTimezone(ctx, ledgerTenant, ledgerZone); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.IsDir() {
			continue
		}
		r := loaders.LoadFile(ctx, db, ledgerTenant, filepath.Join(dir, f.Name()), loaders.Options{Kind: kind})
		if r.Status != edm.LoadLoaded {
			t.Fatalf("%s: %s", f.Name(), r.Message)
		}
	}
	fx := &fixture{t: t, dir: dir, db: openRO(t, db), model: db.Model}
	dropped := map[string]bool{}
	for _, e := range entries {
		if e.Dropped != "" {
			dropped[e.Key.Name] = true
		}
	}
	rows, err := fx.db.Query(`SELECT fileName, line, field, reason FROM LoadRejects WHERE tenantId = ?`, ledgerTenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var file, field, reason string
		var line int64
		if err := rows.Scan(&file, &line, &field, &reason); err != nil {
			t.Fatal(err)
		}
		if kind == loaders.KindBuzzeasy && strings.HasPrefix(reason, "unknown field") && dropped[field] {
			continue
		}
		t.Errorf("%s line %d: %s rejected: %s", file, line, field, reason)
	}
	return fx
}

// holds checks that the target received a value: some row of the set (of
// its slice, for Calls, Chats and Emails) has the property, or a
// CapturedData row has the category and name; and, when the ledger states a
// value, that one of them has it (given are the field's values in the test
// files, for "= *").
func (fx *fixture) holds(tg target, given []string) error {
	s := fx.model.Set(tg.Set)
	tbl := s.Type.Table
	where, args := []string{"tenantId = ?"}, []any{ledgerTenant}
	if s.Slice != nil {
		where = append(where, fmt.Sprintf("%q IN (%s)", s.Slice.Column.Name, strings.TrimSuffix(strings.Repeat("?,", len(s.Slice.Values)), ",")))
		for _, v := range s.Slice.Values {
			args = append(args, v)
		}
	}
	col := tg.Property
	if col == "" {
		col = "value"
		where = append(where, "category = ?", "name = ?")
		args = append(args, tg.Category, tg.Name)
	}
	where = append(where, fmt.Sprintf("%q IS NOT NULL", col))
	q := fmt.Sprintf("SELECT %q FROM %q WHERE %s", col, tbl.Name, strings.Join(where, " AND "))
	rows, err := fx.db.Query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var got []any
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return err
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(got) == 0 {
		if tg.Property == "" {
			return fmt.Errorf("no CapturedData row with category %q and name %q", tg.Category, tg.Name)
		}
		return fmt.Errorf("no row of %s has a value in %s", tg.Set, tg.Property)
	}
	if !tg.HasValue {
		return nil
	}
	want := []string{tg.Value}
	if tg.AsGiven {
		want = given
	}
	prop := tbl.Column(col)
	for _, g := range got {
		for _, w := range want {
			if sameValue(prop, g, w) {
				return nil
			}
		}
	}
	shown := make([]string, len(got))
	for i, g := range got {
		shown[i] = render(prop, g)
	}
	sort.Strings(shown)
	if len(shown) > 8 {
		shown = append(shown[:8], "...")
	}
	return fmt.Errorf("no row holds %q; the values are %s", want, strings.Join(shown, ", "))
}

// sameValue compares a stored value with a value written in a ledger or a
// test file, by the property's type: instants as instants (text in ISO
// 8601, or epoch milliseconds), booleans and numbers by value, text as is.
func sameValue(p *edm.Property, stored any, want string) bool {
	want = strings.TrimSpace(want)
	switch {
	case p.Type == edm.DateTimeOffset && p.UTC == nil:
		ms, ok := stored.(int64)
		if !ok {
			return false
		}
		w, ok := instant(want, time.UTC)
		return ok && w.Equal(time.UnixMilli(ms))
	case p.Type == edm.DateTimeOffset:
		// A tenant-local twin, stored as text with its offset; a value
		// without an offset is a wall time of the tenant's zone.
		s, ok := stored.(string)
		if !ok {
			return false
		}
		loc, err := time.LoadLocation(ledgerZone)
		if err != nil {
			return false
		}
		g, ok1 := instant(s, loc)
		w, ok2 := instant(want, loc)
		return ok1 && ok2 && g.Equal(w)
	case p.Type == edm.Boolean:
		b, err := strconv.ParseBool(want)
		n, ok := stored.(int64)
		return err == nil && ok && (n != 0) == b
	case p.Type == edm.Double || p.Type == edm.Int32 || p.Type == edm.Int64:
		w, err := strconv.ParseFloat(want, 64)
		if err != nil {
			return false
		}
		switch v := stored.(type) {
		case int64:
			return float64(v) == w
		case float64:
			return math.Abs(v-w) < 1e-9
		}
		return false
	}
	return render(p, stored) == want
}

// instant reads a time written in a ledger or a test file: ISO 8601 (a
// wall time without offset is read in loc), or epoch milliseconds.
func instant(s string, loc *time.Location) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 1e11 {
		return time.UnixMilli(n), true
	}
	t, err := loaders.ParseTime(s, loc)
	return t, err == nil
}

// render shows a stored value as the feed would.
func render(p *edm.Property, v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		if p.Type == edm.DateTimeOffset {
			return time.UnixMilli(x).UTC().Format("2006-01-02T15:04:05.000Z")
		}
		if p.Type == edm.Boolean {
			return strconv.FormatBool(x != 0)
		}
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// read returns a test file's content.
func (fx *fixture) read(name string) []byte {
	b, err := os.ReadFile(filepath.Join(fx.dir, name))
	if err != nil {
		fx.t.Fatal(err)
	}
	return b
}

// column returns the non-empty values of a CSV column (header compared
// without case), and whether the file has the column.
func (fx *fixture) column(file, header string) ([]string, bool) {
	if file == "" {
		return nil, false
	}
	r := csv.NewReader(bytes.NewReader(fx.read(file)))
	recs, err := r.ReadAll()
	if err != nil {
		fx.t.Fatalf("%s: %v", file, err)
	}
	col := -1
	for i, h := range recs[0] {
		if strings.EqualFold(strings.TrimSpace(h), header) {
			col = i
		}
	}
	if col < 0 {
		return nil, false
	}
	var out []string
	for _, rec := range recs[1:] {
		if v := strings.TrimSpace(rec[col]); v != "" {
			out = append(out, v)
		}
	}
	return out, len(out) > 0
}

// path returns the values at a JSON path of a test file (after cutting
// prefix from the file's paths). A file carries the field when it has a
// value there that is not null, or an object or list with content (a
// transcript, an object of attributes).
func (fx *fixture) path(file, path, prefix string) ([]string, bool) {
	var out []string
	found := false
	for _, l := range jsonLeaves(string(fx.read(file))) {
		p := strings.TrimPrefix(l.Path, prefix)
		switch {
		case p == path && l.Value != "" && l.Value != "null":
			out = append(out, l.Value)
			found = true
		case strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[]"):
			found = true
		}
	}
	return out, found
}

// attribute returns the values of a field of a LivePerson engagement
// attribute table: a leaf under the attribute's key (cartStatus) whose path
// names the field (cartStatus.products[].product.name for the table's
// "name"). The personalInfo table lost the name of its email row ("Visitor
// email" is its description); that row is the contacts' email.
func (fx *fixture) attribute(file, attr, field string) ([]string, bool) {
	if attr == "personalInfo" && field == "Visitor email" {
		field = "email"
	}
	var out []string
	for _, l := range jsonLeaves(string(fx.read(file))) {
		segs := strings.Split(strings.ReplaceAll(l.Path, "[]", ""), ".")
		for i, s := range segs {
			if s != attr {
				continue
			}
			for _, f := range segs[i+1:] {
				if f == field && l.Value != "" && l.Value != "null" {
					out = append(out, l.Value)
				}
			}
			break
		}
	}
	return out, len(out) > 0
}
