package loaders_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/twoway"
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

// TestInboxStalledWriter: a writer that pauses for a few seconds half way
// through a file does not get half of it loaded (the quiet period is
// longer than its pause); one whose file still changes while it loads gets
// a warning, the file stays, and once it settles it loads whole, its first
// records not doubled.
func TestInboxStalledWriter(t *testing.T) {
	db := feedtest.OpenDB(t)
	dir := t.TempDir()
	acme := filepath.Join(dir, "acme")
	if err := os.MkdirAll(acme, 0o755); err != nil {
		t.Fatal(err)
	}
	var whole bytes.Buffer
	if err := twoway.Synthetic(&whole, 400, 5, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Fatal(err)
	}
	// Cut on a line: the writer writes whole lines, then stops.
	cut := bytes.LastIndexByte(whole.Bytes()[:whole.Len()/2], '\n') + 1
	path := filepath.Join(acme, "report.csv")
	if err := os.WriteFile(path, whole.Bytes()[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	var log []string
	in := &loaders.Inbox{Dir: dir, DB: db, Log: func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }}
	ctx := context.Background()
	t0 := time.Now()
	in.Scan(ctx, t0)
	in.Scan(ctx, t0.Add(5*time.Second)) // the writer's pause
	if n, _ := countRows(db, "Loads"); n != 0 {
		t.Fatalf("a file unchanged for 5 s was loaded (%d loads): the quiet period is %s", n, loaders.DefaultSettle)
	}
	// Quiet long enough: taken. The writer resumes just as it loads.
	restore := loaders.SetBeforeLoad(func(string) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		f.Write(whole.Bytes()[cut:])
		f.Close()
	})
	in.Scan(ctx, t0.Add(loaders.DefaultSettle+time.Second))
	restore()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file that changed while loading was moved: %v", err)
	}
	if !strings.Contains(strings.Join(log, "\n"), "changed while it was loading") {
		t.Errorf("no warning in the log: %q", log)
	}
	// It settles again, and loads whole.
	later := t0.Add(loaders.DefaultSettle + 2*time.Second)
	in.Scan(ctx, later)
	in.Scan(ctx, later.Add(loaders.DefaultSettle+time.Second))
	if _, err := os.Stat(filepath.Join(acme, "done", "report.csv")); err != nil {
		t.Fatalf("not moved to done/ once settled: %v (log %q)", err, log)
	}
	ref := feedtest.OpenDB(t)
	refPath := filepath.Join(t.TempDir(), "report.csv")
	os.WriteFile(refPath, whole.Bytes(), 0o644)
	if r := loaders.LoadFile(ctx, ref, "acme", refPath, loaders.Options{}); r.Status != "loaded" {
		t.Fatal(r.Message)
	}
	for _, tbl := range []string{"Conversations", "Messages", "Workitems"} {
		got, _ := countRows(db, tbl)
		want, _ := countRows(ref, tbl)
		if got != want || want == 0 {
			t.Errorf("%s: %d rows through the inbox, %d from the whole file", tbl, got, want)
		}
	}
}
