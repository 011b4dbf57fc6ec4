package loaders_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
)

func TestInbox(t *testing.T) {
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
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(acme, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("day1.csv", good)
	write("broken.csv", []byte("ccid,event_type,event_subtype,event_time,conversation_id\nP,twoway,agent_ping,\"2024-01-01T00:00:00Z,c\n"))
	write("copying.csv.part", good)
	// A file still being written: it grows between scans.
	write("growing.csv", good[:len(good)/2])

	var lines []string
	in := &loaders.Inbox{Dir: dir, DB: db, Interval: time.Second, Settle: 2 * time.Second,
		Log: func(f string, a ...any) { lines = append(lines, f) }}
	ctx := context.Background()
	t0 := time.Now()
	in.Scan(ctx, t0)
	if _, err := os.Stat(filepath.Join(acme, "day1.csv")); err != nil {
		t.Fatal("a file was taken before it settled")
	}
	write("growing.csv", good[:len(good)-10])
	in.Scan(ctx, t0.Add(3*time.Second))

	if _, err := os.Stat(filepath.Join(acme, "done", "day1.csv")); err != nil {
		t.Errorf("day1.csv not moved to done/: %v", err)
	}
	if _, err := os.Stat(filepath.Join(acme, "failed", "broken.csv")); err != nil {
		t.Errorf("broken.csv not moved to failed/: %v", err)
	}
	msg, err := os.ReadFile(filepath.Join(acme, "failed", "broken.csv.error.txt"))
	if err != nil || !strings.Contains(string(msg), "line 2") {
		t.Errorf("failed/broken.csv.error.txt = %q, %v; want the line of the fault", msg, err)
	}
	if _, err := os.Stat(filepath.Join(acme, "growing.csv")); err != nil {
		t.Errorf("growing.csv was taken while it still changed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(acme, "copying.csv.part")); err != nil {
		t.Errorf("a .part file was taken: %v", err)
	}
	n, err := countRows(db, "Messages")
	if err != nil || n != 4 {
		t.Errorf("Messages after the inbox load = %d, %v; want 4", n, err)
	}

	// The same file dropped again loads again (idempotently) and, as done/
	// already has that name, is kept under a new one.
	write("day1.csv", good)
	in.Scan(ctx, t0.Add(4*time.Second))
	in.Scan(ctx, t0.Add(7*time.Second))
	entries, _ := os.ReadDir(filepath.Join(acme, "done"))
	copies := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), "day1.csv") {
			copies++
		}
	}
	if copies != 2 {
		t.Errorf("done/ holds %d copies of day1.csv, want 2", copies)
	}
	if n2, _ := countRows(db, "Messages"); n2 != n {
		t.Errorf("loading the same file again changed Messages from %d to %d", n, n2)
	}
	// Once it stops growing, the growing file is taken too.
	in.Scan(ctx, t0.Add(10*time.Second))
	if _, err := os.Stat(filepath.Join(acme, "growing.csv")); err == nil {
		t.Errorf("growing.csv still waits after it settled")
	}
}
