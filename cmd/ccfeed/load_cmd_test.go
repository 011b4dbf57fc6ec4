package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// ccfeed load: the summary names each file's outcome, a file that cannot be
// read at all fails the command (exit status 1) with its line and column and
// keeps nothing of it, records refused one by one do not fail it, and the
// other files still load.
func TestLoadCommandOutcome(t *testing.T) {
	root := feedtest.RepoRoot(t)
	good := filepath.Join(root, "testdata", "liveperson", "engagement-attributes-repaired",
		"messaging-interactions_engagement-attributes_doc-example.REPAIRED.json")
	bad := filepath.Join(root, "testdata", "liveperson", "engagement-attributes-as-published",
		"messaging-interactions_engagement-attributes_doc-example.AS-PUBLISHED.json")
	rejects := filepath.Join(root, "testdata", "twoway", "rejects", "report.csv")
	dbPath := filepath.Join(t.TempDir(), "load.db")
	if out, err := runCmd(t, "tenant", "--db", dbPath, "--tenant", "acme"); err != nil || !strings.Contains(out, "created "+dbPath) {
		t.Fatalf("ccfeed tenant on a new path: %v\n%s", err, out)
	}

	out, err := runCmd(t, "load", "--db", dbPath, "--tenant", "acme", good, rejects)
	if err != nil {
		t.Fatalf("good files: %v\n%s", err, out)
	}
	if !strings.Contains(out, "REPAIRED.json") || !strings.Contains(out, "report.csv") {
		t.Errorf("the summary does not name each file:\n%s", out)
	}
	before := counts(t, dbPath)

	out, err = runCmd(t, "load", "--db", dbPath, "--tenant", "acme", bad, good)
	if err == nil {
		t.Fatalf("a file that cannot be read did not fail the command:\n%s", out)
	}
	if _, usage := err.(usageError); usage {
		t.Fatalf("a failed file is reported as a usage error (exit 2): %v", err)
	}
	if !strings.Contains(err.Error(), "1 of 2 files failed") {
		t.Errorf("error %q: want the count of failed files", err)
	}
	if !strings.Contains(out, "line 527, column 15") {
		t.Errorf("the summary does not locate the error:\n%s", out)
	}
	after := counts(t, dbPath)
	for tbl, n := range before {
		if tbl == "Loads" {
			// One journal row per attempt: the failed file and the reload.
			if after[tbl] != n+2 {
				t.Errorf("Loads: %d rows after, want %d", after[tbl], n+2)
			}
			continue
		}
		if after[tbl] != n {
			t.Errorf("%s: %d rows after the failed load and a reload, want %d", tbl, after[tbl], n)
		}
	}

	if _, err := runCmd(t, "load", "--db", dbPath, good); err == nil {
		t.Errorf("a load without --tenant did not fail")
	} else if _, usage := err.(usageError); !usage {
		t.Errorf("a load without --tenant: %v, want a usage error (exit 2)", err)
	}
}
