package loaders_test

import (
	"database/sql"
	"fmt"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ccfeed/ccfeed/store"
)

// countRows counts a table's rows straight from the file, independently of
// the store's read path.
func countRows(db *store.DB, table string) (int, error) {
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	var n int
	err = raw.QueryRow(fmt.Sprintf("SELECT count(*) FROM %q", table)).Scan(&n)
	return n, err
}

// openRO opens the store's file read-only for hand-written checks.
func openRO(t interface {
	Helper()
	Fatal(...any)
	Cleanup(func())
}, db *store.DB) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
