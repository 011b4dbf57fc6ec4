package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/server"
)

// /readyz and /livez answer without a credential; /readyz names its checks
// and fails (503) when one fails, naming it; /livez checks nothing but the
// process, so a failing store never gets it restarted.
func TestReadyAndLive(t *testing.T) {
	var broken atomic.Bool
	f := feedtest.Start(t, feedtest.OpenDB(t), feedtest.Options{Config: server.Config{ReadyChecks: []server.Check{{
		Name: "extra",
		Run: func(context.Context) error {
			if broken.Load() {
				return errors.New("extra check failing")
			}
			return nil
		},
	}}}})
	type answer struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	probe := func(path string) (int, answer) {
		t.Helper()
		r := get(t, f, f.Base+path, "")
		var a answer
		if err := json.Unmarshal(r.Body, &a); err != nil {
			t.Fatalf("%s: %v: %s", path, err, r.Body)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, cc)
		}
		return r.Status, a
	}
	for _, tc := range []struct {
		name       string
		broken     bool
		path       string
		wantStatus int
		wantChecks map[string]string
	}{
		{"ready", false, "/readyz", http.StatusOK, map[string]string{"store": "ok", "extra": "ok"}},
		{"live", false, "/livez", http.StatusOK, nil},
		{"not ready", true, "/readyz", http.StatusServiceUnavailable, map[string]string{"store": "ok", "extra": "failing"}},
		{"live while not ready", true, "/livez", http.StatusOK, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken.Store(tc.broken)
			status, a := probe(tc.path)
			if status != tc.wantStatus {
				t.Errorf("status %d, want %d (%+v)", status, tc.wantStatus, a)
			}
			for k, v := range tc.wantChecks {
				if a.Checks[k] != v {
					t.Errorf("check %s = %q, want %q", k, a.Checks[k], v)
				}
			}
		})
	}
}

// Readiness does not flap while a load holds the write lock: the store's
// ping reads, and readers never wait for the writer.
func TestReadyDuringLoad(t *testing.T) {
	db := feedtest.OpenDB(t)
	f := feedtest.Start(t, db, feedtest.Options{})
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Write(context.Background(), func(tx *sql.Tx) error {
			if _, err := tx.Exec("INSERT INTO ccfeed_meta (key, value) VALUES ('readyz-test', 'x')"); err != nil {
				return err
			}
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	for i := 0; i < 5; i++ {
		if r := get(t, f, f.Base+"/readyz", ""); r.Status != http.StatusOK {
			t.Errorf("/readyz during a write transaction: %d %s", r.Status, r.Body)
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
