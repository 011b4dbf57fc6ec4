package pull_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders/pull"
	"github.com/ccfeed/ccfeed/loaders/pull/pulltest"
	"github.com/ccfeed/ccfeed/store"
)

// t0 is the fake clock's start.
var t0 = time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)

// secret is the fake API's token; tests look for it where it must not be.
const secret = "s3cr3t-T0ken-4f9c21"

func init() { pulltest.Register() }

// fixture is a store, a fake API and a source pulling one into the other.
type fixture struct {
	db     *store.DB
	srv    *pulltest.Server
	clock  *pulltest.Clock
	runner *pull.Runner
	src    *pull.Source
}

// newFixture serves records and configures tenant acme's source "fake" with
// the given extra settings ("lookback: 12h", ...) and the token in env.
func newFixture(t *testing.T, records []pulltest.Record, token string, settings ...string) *fixture {
	t.Helper()
	clock := pulltest.NewClock(t0)
	srv := pulltest.NewServer(t, secret, clock, records)
	var extra strings.Builder
	for _, s := range settings {
		extra.WriteString("        " + s + "\n")
	}
	yml := fmt.Sprintf(`tenants:
  acme:
    sources:
      - kind: pulltest
        name: fake
        endpoint: %s
        account: "42"
        credential: {env: FAKE_TOKEN}
        options: {pageSize: 10}
        rate: 1000/s
%s`, srv.URL, extra.String())
	cfg, err := pull.ParseConfig("sources.yaml", []byte(yml), envOf(map[string]string{"FAKE_TOKEN": token}))
	if err != nil {
		t.Fatal(err)
	}
	db := feedtest.OpenDB(t)
	return &fixture{db: db, srv: srv, clock: clock, runner: &pull.Runner{DB: db, Clock: clock}, src: cfg.Sources[0]}
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func (f *fixture) run(t *testing.T) pull.Report {
	t.Helper()
	return f.runner.Run(context.Background(), f.src)
}

// spread returns n records evenly spaced in [from, to), all of value "v1".
func spread(n int, from, to time.Time) []pulltest.Record {
	out := make([]pulltest.Record, n)
	step := to.Sub(from) / time.Duration(n)
	for i := range out {
		out[i] = pulltest.Record{ID: fmt.Sprintf("r%04d", i), At: from.Add(time.Duration(i) * step), Value: "v1"}
	}
	return out
}

func readDB(t *testing.T, db *store.DB) *sql.DB {
	t.Helper()
	r, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// stored returns the CapturedData rows of tenant acme: sourceId -> value.
func stored(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	rows, err := readDB(t, db).Query(`SELECT sourceId, value FROM CapturedData WHERE tenantId = 'acme'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out[id] = v
	}
	return out
}

// loadRow is a row of the journal.
type loadRow struct {
	Kind, Source, File, Status, Message string
	Read, Inserted, Updated, Unchanged  int64
}

func journal(t *testing.T, db *store.DB) []loadRow {
	t.Helper()
	rows, err := readDB(t, db).Query(`SELECT kind, source, fileName, status, coalesce(message, ''), rowsRead, inserted, updated, unchanged
		FROM Loads WHERE tenantId = 'acme' ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []loadRow
	for rows.Next() {
		var r loadRow
		if err := rows.Scan(&r.Kind, &r.Source, &r.File, &r.Status, &r.Message, &r.Read, &r.Inserted, &r.Updated, &r.Unchanged); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// want compares the store with the records served upstream.
func want(t *testing.T, db *store.DB, srv *pulltest.Server) {
	t.Helper()
	got, up := stored(t, db), srv.Records()
	if len(got) != len(up) {
		t.Errorf("store holds %d rows, upstream %d", len(got), len(up))
	}
	for id, r := range up {
		if v, ok := got[id]; !ok {
			t.Errorf("row %s missing", id)
		} else if v != r.Value {
			t.Errorf("row %s = %q, upstream %q", id, v, r.Value)
		}
	}
}

// sumInserted adds the inserted counts of the journal's loaded rows.
func sumInserted(rows []loadRow) (n int64) {
	for _, r := range rows {
		n += r.Inserted
	}
	return n
}
