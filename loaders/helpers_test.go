package loaders_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ccfeed/ccfeed/internal/feedtest"
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

// feedRows reads every row of a feed path, following nextLinks.
func feedRows(t *testing.T, f *feedtest.Feed, tok, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	u := f.URL + strings.ReplaceAll(path, " ", "%20")
	for u != "" {
		resp := f.Get(t, u, tok)
		body := feedtest.Body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
		}
		var page struct {
			Value []map[string]any `json:"value"`
			Next  string           `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		out = append(out, page.Value...)
		u = page.Next
	}
	return out
}
