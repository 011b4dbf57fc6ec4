package main

import (
	"bufio"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders/twoway"
)

// TestProgressIntoPipe runs "ccfeed load" with its output into a pipe, as
// a log collector reads it: the first file's line arrives as soon as that
// file is done, and progress lines of a slow second file arrive while it
// is still loading (its journal row is not yet committed when the first
// one is read), then its own line.
func TestProgressIntoPipe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and loads 150,000 rows")
	}
	bin := binary(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "feed.db")
	if out, err := exec.Command(bin, "tenant", "--db", dbPath, "--tenant", "acme").CombinedOutput(); err != nil {
		t.Fatalf("ccfeed tenant: %v\n%s", err, out)
	}
	small := filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "daily-overlap", "SYNTHETIC_two_way_conversation_report_2024-03-09.csv")
	big := filepath.Join(dir, "big.csv")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := twoway.Synthetic(f, 150_000, 3, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Fatal(err)
	}
	f.Close()

	journal, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer journal.Close()
	bigLoaded := func() int {
		var n int
		if err := journal.QueryRow("SELECT count(*) FROM Loads WHERE fileName = 'big.csv'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	load := exec.Command(bin, "load", "--db", dbPath, "--tenant", "acme", "--progress", "50ms", small, big)
	load.Stdout, load.Stderr = w, w
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer load.Process.Kill()

	var lines []string
	smallDone, progress, progressWhileLoading := false, 0, false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l := sc.Text()
		lines = append(lines, l)
		switch {
		case strings.HasPrefix(l, "loaded  "+filepath.Base(small)):
			smallDone = true
		case strings.HasPrefix(l, "loading big.csv: "):
			if progress == 0 {
				if !smallDone {
					t.Errorf("progress of big.csv came before the line of the first file")
				}
				progressWhileLoading = bigLoaded() == 0
			}
			progress++
		case strings.HasPrefix(l, "loaded  big.csv"):
			if progress == 0 {
				t.Errorf("big.csv's line came without a progress line before it")
			}
		}
	}
	if err := load.Wait(); err != nil {
		t.Fatalf("load: %v\n%s", err, strings.Join(lines, "\n"))
	}
	if !smallDone || progress == 0 || !progressWhileLoading {
		t.Errorf("first file's line: %v, progress lines: %d, the first read while big.csv was loading: %v\n%s",
			smallDone, progress, progressWhileLoading, strings.Join(lines, "\n"))
	}
	if bigLoaded() != 1 {
		t.Error("big.csv is not in the journal after the load")
	}
	t.Logf("%d progress lines, e.g. %q", progress, firstWithPrefix(lines, "loading big.csv"))
}

func firstWithPrefix(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
