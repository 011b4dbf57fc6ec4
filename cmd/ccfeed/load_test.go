package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders/twoway"
)

// buildBinary builds ccfeed once per test run, with the repository's tags.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ccfeed-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "ccfeed")
		cmd := exec.Command("go", "build", "-tags", "sqlite_fts5 sqlite_math_functions", "-o", buildOnce.path, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func counts(t *testing.T, path string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int{}
	for _, tbl := range []string{"Conversations", "Messages", "Workitems", "Agents", "Loads", "ccfeed_staging"} {
		var n int
		if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %q", tbl)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tbl] = n
	}
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	return out
}

// TestKillDuringLoad kills "ccfeed load" in the middle of a large file: the
// store must be exactly as before (the file is one transaction), readers
// must keep being served meanwhile, and loading the file again completes it.
func TestKillDuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and loads 300,000 rows")
	}
	bin, dbPath, big, before := interruptFixture(t)

	tok := mintFor(t, bin, dbPath)
	// A server over the same file answers while the load runs; it is up
	// before the load starts so that nothing waits between stopping the load
	// and asking the server.
	srv := exec.Command(bin, "serve", "--db", dbPath, "--addr", "127.0.0.1:0", "--demo=false", "--log-format", "json")
	srvOut := &syncBuffer{}
	srv.Stdout, srv.Stderr = srvOut, srvOut
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	addr := serverAddr(t, srvOut)
	messages := "http://" + addr + "/odata/Messages/$count"
	if got := get(t, messages, tok); got != fmt.Sprint(before["Messages"]) {
		t.Fatalf("before the load, /Messages/$count = %s, want %d", got, before["Messages"])
	}

	// Freeze the load (SIGSTOP) as soon as it reports a first part of the
	// file read: its transaction is open and holds those rows, and it cannot
	// run on to its commit however fast this machine is. (A stopped process
	// ignores everything but SIGKILL; startLoad kills it when the test ends.)
	load, loadOut, exited := startLoad(t, bin, dbPath, big)
	if err := load.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("stopping the load: %v (did it finish first?); output:\n%s", err, loadOut.String())
	}
	if strings.Contains(loadOut.String(), "loaded ") {
		t.Fatalf("the load committed before it could be stopped; output:\n%s", loadOut.String())
	}
	for i := 0; i < 3; i++ {
		if got := get(t, messages, tok); got != fmt.Sprint(before["Messages"]) {
			t.Errorf("during the load, /Messages/$count = %s, want %d (a load is invisible until it commits)", got, before["Messages"])
		}
	}
	if err := load.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	srv.Process.Kill()
	_ = srv.Wait()

	after := counts(t, dbPath)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("after the kill the store changed:\n before %v\n after  %v", before, after)
	}

	out, err := exec.Command(bin, "load", "--db", dbPath, "--tenant", "acme", big).CombinedOutput()
	if err != nil {
		t.Fatalf("reload after the kill: %v\n%s", err, out)
	}
	done := counts(t, dbPath)
	if done["Messages"] <= before["Messages"] || done["Loads"] != before["Loads"]+1 {
		t.Fatalf("the rerun did not complete the load: before %v, after %v", before, done)
	}
	// And once more: nothing changes.
	if out, err := exec.Command(bin, "load", "--db", dbPath, "--tenant", "acme", big).CombinedOutput(); err != nil {
		t.Fatalf("third load: %v\n%s", err, out)
	}
	again := counts(t, dbPath)
	again["Loads"]--
	done["ccfeed_staging"] = again["ccfeed_staging"]
	if fmt.Sprint(again) != fmt.Sprint(done) {
		t.Errorf("loading the same file again changed the store:\n %v\n %v", done, again)
	}
}

// interruptFixture is a database holding a small two-way report, its
// counts, and a 300,000-row report to load into it: big enough that a
// 50 ms progress tick cannot cover the rest of it once a load is seen
// under way.
func interruptFixture(t *testing.T) (bin, dbPath, big string, before map[string]int) {
	t.Helper()
	bin = binary(t)
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "feed.db")
	small := filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "daily-overlap", "SYNTHETIC_two_way_conversation_report_2024-03-09.csv")
	createDBWith(t, bin, dbPath)
	if out, err := exec.Command(bin, "load", "--db", dbPath, "--tenant", "acme", small).CombinedOutput(); err != nil {
		t.Fatalf("baseline load: %v\n%s", err, out)
	}
	before = counts(t, dbPath)
	big = filepath.Join(dir, "big.csv")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := twoway.Synthetic(f, 300_000, 3, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Fatal(err)
	}
	return bin, dbPath, big, before
}

// startLoad starts "ccfeed load" of file and returns once it reports
// 10,000 records read, its transaction open. exited closes when the
// process ends; the process is killed when the test ends, whatever state
// the test left it in.
func startLoad(t *testing.T, bin, dbPath, file string) (load *exec.Cmd, out *syncBuffer, exited <-chan struct{}) {
	t.Helper()
	load = exec.Command(bin, "load", "--db", dbPath, "--tenant", "acme", "--progress", "50ms", file)
	out = &syncBuffer{}
	load.Stdout, load.Stderr = out, out
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = load.Process.Kill() })
	done := make(chan struct{})
	go func() { _ = load.Wait(); close(done) }()
	deadline := time.Now().Add(2 * time.Minute)
	for recordsRead(out.String()) < 10_000 {
		select {
		case <-done:
			t.Fatalf("the load ended before it was seen under way; output:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load did not get going; output:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return load, out, done
}

// recordsRead finds the largest "N records" in progress lines.
func recordsRead(out string) int {
	best := 0
	for _, line := range strings.Split(out, "\n") {
		var pct float64
		var size, n int
		var name string
		if _, err := fmt.Sscanf(line, "loading %s %f%% of %d bytes, %d records", &name, &pct, &size, &n); err == nil {
			best = max(best, n)
		}
	}
	return best
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func serverAddr(t testing.TB, out interface{ String() string }) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(out.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["message"] == "serving" {
				return m["addr"].(string)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the server did not start:\n%s", out.String())
	return ""
}

func mintFor(t *testing.T, bin, dbPath string) string {
	t.Helper()
	out, err := exec.Command(bin, "token", "--db", dbPath, "--tenant", "*").Output()
	if err != nil {
		t.Fatalf("ccfeed token: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

func get(t *testing.T, url, tok string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "curl", "-sS", "-H", "Authorization: Bearer "+tok, url).Output()
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return strings.TrimSpace(string(out))
}
