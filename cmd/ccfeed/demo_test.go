package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/loaders/demo"
)

// ccfeed demo writes the files and a summary whose counts are the files';
// loading one tenant's files afterwards with ccfeed load, as the summary
// says, loads its share of conversations with no reject.
func TestDemoCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "files")
	out, err := runCmd(t, "demo", "--out", dir)
	if err != nil {
		t.Fatalf("ccfeed demo: %v\n%s", err, out)
	}
	var onDisk int
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && info.Name() != "README.txt" {
			onDisk++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The columns: tenant, source, files, records, conversations, messages, MB.
	var total []string
	conversations, messages := 0, 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 7 && f[0] != "tenant":
			n, _ := strconv.Atoi(f[4])
			m, _ := strconv.Atoi(f[5])
			conversations, messages = conversations+n, messages+m
		case len(f) == 6 && f[0] == "total":
			total = f
		}
	}
	if total == nil {
		t.Fatalf("no totals line:\n%s", out)
	}
	// The totals line has no source: total, files, records, conversations,
	// messages, MB.
	wantConv := demo.PerScale * len(demo.Tenants)
	if total[1] != strconv.Itoa(onDisk) || total[3] != strconv.Itoa(wantConv) || total[4] != strconv.Itoa(messages) || conversations != wantConv {
		t.Errorf("totals %v: want %d files (as on disk), %d conversations (the lines say %d) and %d messages (the lines' sum)",
			total, onDisk, wantConv, conversations, messages)
	}
	if !strings.Contains(out, "ccfeed load --tenant contoso") {
		t.Errorf("the summary does not say how to load the files:\n%s", out)
	}

	dbPath := filepath.Join(t.TempDir(), "demo.db")
	if out, err := runCmd(t, "tenant", "--db", dbPath, "--tenant", "contoso", "--timezone", "Europe/Paris"); err != nil {
		t.Fatalf("ccfeed tenant: %v\n%s", err, out)
	}
	files, err := filepath.Glob(filepath.Join(dir, "contoso", "*", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files for contoso: %v", err)
	}
	if out, err := runCmd(t, append([]string{"load", "--db", dbPath, "--tenant", "contoso"}, files...)...); err != nil {
		t.Fatalf("ccfeed load: %v\n%s", err, out)
	}
	raw, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for q, want := range map[string]int{
		"SELECT count(*) FROM Conversations":                         demo.PerScale,
		"SELECT count(*) FROM LoadRejects":                           0,
		"SELECT count(*) FROM Loads WHERE status <> 'loaded'":        0,
		"SELECT count(*) FROM Loads":                                 len(files),
		"SELECT count(DISTINCT source) FROM Conversations":           5,
		"SELECT count(*) FROM Agents WHERE emailAddress IS NOT NULL": 20,
	} {
		var n int
		if err := raw.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
}

func TestDemoCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"demo"}, {"demo", "--out", t.TempDir(), "--scale", "0"}, {"demo", "--out", t.TempDir(), "extra"}} {
		if _, err := runCmd(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		} else if _, ok := err.(usageError); !ok {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
