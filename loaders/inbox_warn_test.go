package loaders_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
)

// A file the drop folder fails to load is reported through Warn (a warning
// in the server's log) with its reason; a loaded one through Log.
func TestInboxFailureIsWarning(t *testing.T) {
	db := feedtest.OpenDB(t)
	dir := t.TempDir()
	acme := filepath.Join(dir, "acme")
	if err := os.MkdirAll(acme, 0o755); err != nil {
		t.Fatal(err)
	}
	sample := filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "daily-overlap", "SYNTHETIC_two_way_conversation_report_2024-03-09.csv")
	good, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"day1.csv":   good,
		"broken.csv": []byte("ccid,event_type,event_subtype,event_time,conversation_id\nP,twoway,agent_ping,\"2024-01-01T00:00:00Z,c\n"),
	} {
		if err := os.WriteFile(filepath.Join(acme, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var infos, warnings []string
	in := &loaders.Inbox{Dir: dir, DB: db, Interval: time.Second, Settle: 2 * time.Second,
		Log:  func(f string, a ...any) { infos = append(infos, fmt.Sprintf(f, a...)) },
		Warn: func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }}
	t0 := time.Now()
	in.Scan(context.Background(), t0)
	in.Scan(context.Background(), t0.Add(3*time.Second))
	if len(warnings) != 1 || !strings.Contains(warnings[0], "broken.csv") || !strings.Contains(warnings[0], "line 2") {
		t.Errorf("warnings %q: want broken.csv's failure with its line", warnings)
	}
	if len(infos) != 1 || !strings.Contains(infos[0], "loaded day1.csv") {
		t.Errorf("info lines %q: want day1.csv loaded", infos)
	}
}
