package server_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// TestDatabaseFileLost deletes, then (on another feed) replaces, the
// database file under a running server: /healthz and every OData request
// answer 503 saying so (with Retry-After), and the loss is logged once,
// where before the old file was served and /healthz said ok.
func TestDatabaseFileLost(t *testing.T) {
	for _, how := range []string{"deleted", "replaced"} {
		t.Run(how, func(t *testing.T) {
			db := feedtest.DemoDB(t)
			f := feedtest.Start(t, db, feedtest.Options{})
			tok := f.ReadToken(t)
			get(t, f, f.URL+"Agents?$top=1", tok).mustStatus(t, http.StatusOK, "before")
			health := func() *reply { return get(t, f, f.Base+"/healthz", "") }
			health().mustStatus(t, http.StatusOK, "healthz before")

			switch how {
			case "deleted":
				if err := os.Remove(db.Path); err != nil {
					t.Fatal(err)
				}
			case "replaced":
				// A restore: another file copied over the path (a new
				// inode), as cp to a temporary name and mv would.
				b, err := os.ReadFile(db.Path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(db.Path+".new", b, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(db.Path+".new", db.Path); err != nil {
					t.Fatal(err)
				}
			}
			// The store looks again at most once a second.
			deadline := time.Now().Add(5 * time.Second)
			r := health()
			for r.Status == http.StatusOK && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
				r = health()
			}
			r.mustStatus(t, http.StatusServiceUnavailable, "healthz after the file was "+how)
			for i := 0; i < 2; i++ {
				o := get(t, f, f.URL+"Agents?$top=1", tok)
				o.mustStatus(t, http.StatusServiceUnavailable, "a read after the file was "+how)
				if o.Header.Get("Retry-After") == "" || !strings.Contains(string(o.Body), "was "+how) || !strings.Contains(string(o.Body), "restart") {
					t.Errorf("503 without Retry-After or reason: %s %s", o.Header, o.Body)
				}
			}
			if n := strings.Count(f.Log.String(), "database file lost"); n != 1 {
				t.Errorf("the loss is logged %d times, want once:\n%s", n, f.Log.String())
			}
			if err := db.Ping(t.Context()); err == nil {
				t.Errorf("the store's Ping still succeeds")
			}
		})
	}
}
