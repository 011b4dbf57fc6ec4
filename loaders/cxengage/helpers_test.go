package cxengage

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// testDB is a real store in a temporary directory. (internal/feedtest is
// not used: it wires the demo data, which may come to import the loaders.)
type testDB struct {
	*store.DB
	raw *sql.DB
}

const testTenant = "acme"

func openDB(t *testing.T) *testDB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "feed.db"), edm.Default(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close(); db.Close() })
	return &testDB{DB: db, raw: raw}
}

// Load runs fn on a Batch of the tenant in one transaction.
func (db *testDB) Load(ctx context.Context, fn func(b *loaders.Batch) error) error {
	if err := db.EnsureTenant(ctx, testTenant); err != nil {
		return err
	}
	return db.DB.Load(ctx, func(lt *store.LoadTx) error {
		b := loaders.NewTestBatch(ctx, lt, db.Model, testTenant, loaders.KindCxEngage, "test.json", time.UTC)
		if err := fn(b); err != nil {
			return err
		}
		return b.Finish()
	})
}

func count(t *testing.T, db *testDB, table string) int {
	t.Helper()
	var n int
	if err := db.raw.QueryRow(`SELECT count(*) FROM "`+table+`" WHERE tenantId = ?`, testTenant).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// value reads one column of one row by its source id.
func value(t *testing.T, db *testDB, table, col, sourceID string) any {
	t.Helper()
	var v any
	q := `SELECT "` + col + `" FROM "` + table + `" WHERE tenantId = ? AND sourceId = ?`
	if err := db.raw.QueryRow(q, testTenant, sourceID).Scan(&v); err != nil {
		t.Fatalf("%s %s: %v", table, sourceID, err)
	}
	return v
}
