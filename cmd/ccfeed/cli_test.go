package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// commandsUsingDB are the commands that read --db (and CCFEED_DB).
var commandsUsingDB = []string{"serve", "token", "load", "tenant", "sync", "loads", "rejects"}

// TestHelp: -h and --help print the command's help on stdout and exit 0,
// with no stray message on stderr; each help lists the environment
// variables the command reads.
func TestHelp(t *testing.T) {
	bin := binary(t)
	for _, cmd := range append([]string{"demo", "healthcheck"}, commandsUsingDB...) {
		for _, h := range []string{"-h", "--help"} {
			t.Run(cmd+" "+h, func(t *testing.T) {
				c := exec.Command(bin, cmd, h)
				var stdout, stderr strings.Builder
				c.Stdout, c.Stderr = &stdout, &stderr
				if err := c.Run(); err != nil {
					t.Fatalf("exit: %v\n%s", err, stderr.String())
				}
				if stderr.Len() > 0 {
					t.Errorf("stderr: %q", stderr.String())
				}
				out := stdout.String()
				if !strings.HasPrefix(out, "Usage: ccfeed "+cmd) || !strings.Contains(out, "Environment") {
					t.Errorf("help:\n%s", out)
				}
				for _, uses := range commandsUsingDB {
					if uses == cmd && !regexp.MustCompile(`(?m)^\s+CCFEED_DB\s+--db$`).MatchString(out) {
						t.Errorf("the help does not list CCFEED_DB:\n%s", out)
					}
				}
			})
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil || !strings.Contains(string(out), "ccfeed loads") {
			t.Errorf("ccfeed %v: %v\n%s", args, err, out)
		}
	}
}

// TestParseBool: the spellings operators write, in any case; anything
// else is an error, never a silent false.
func TestParseBool(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
		ok   bool
	}{
		{"true", true, true}, {"TRUE", true, true}, {"1", true, true}, {"yes", true, true}, {"Yes", true, true},
		{"false", false, true}, {"False", false, true}, {"0", false, true}, {"no", false, true}, {"NO", false, true},
		{" yes ", true, true}, {"on", false, false}, {"t", false, false}, {"maybe", false, false}, {"2", false, false},
	} {
		got, err := parseBool(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("parseBool(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// TestBadConfiguration: a value that does not parse, from a flag or the
// environment, stops the command with a usage error naming the flag or
// variable and the value, before any database is created.
func TestBadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       map[string]string
		args      []string
		wantNames []string
	}{
		{"page size from env", map[string]string{"CCFEED_PAGE_SIZE": "abc"}, nil, []string{"CCFEED_PAGE_SIZE", `"abc"`, "whole number"}},
		{"boolean from env", map[string]string{"CCFEED_BASIC": "maybe"}, nil, []string{"CCFEED_BASIC", `"maybe"`, "true/false"}},
		{"duration from env", map[string]string{"CCFEED_QUERY_TIMEOUT": "10"}, nil, []string{"CCFEED_QUERY_TIMEOUT", `"10"`, "duration"}},
		{"rate from env", map[string]string{"CCFEED_RATE_LIMIT": "fast"}, nil, []string{"CCFEED_RATE_LIMIT", `"fast"`}},
		{"two at once", map[string]string{"CCFEED_BURST": "x", "CCFEED_DEMO": "nope"}, nil, []string{"CCFEED_BURST", "CCFEED_DEMO"}},
		{"page size flag", nil, []string{"--page-size", "abc"}, []string{"-page-size", `"abc"`}},
		{"boolean flag", nil, []string{"--trust-proxy=perhaps"}, []string{"-trust-proxy", `"perhaps"`}},
		{"log format", nil, []string{"--log-format", "xml"}, []string{"--log-format", `"xml"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			db := filepath.Join(t.TempDir(), "feed.db")
			err := cmdServe(context.Background(), append([]string{"--db", db, "--addr", "127.0.0.1:0"}, tc.args...), io.Discard, io.Discard)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			for _, w := range tc.wantNames {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not name %s", err, w)
				}
			}
			if _, err := os.Stat(db); err == nil {
				t.Error("a database was created")
			}
		})
	}
	// Accepted spellings start nothing wrong: CCFEED_BASIC=1 is true.
	t.Setenv("CCFEED_BASIC", "1")
	c := newCommand("x", "", "", io.Discard)
	basic := c.Bool("basic", "CCFEED_BASIC", false, "")
	if err := c.parse(nil, false); err != nil || !*basic {
		t.Errorf("CCFEED_BASIC=1: %v, %v", *basic, err)
	}
	// The exit status of a usage error is 2.
	cmd := exec.Command(binary(t), "serve", "--db", filepath.Join(t.TempDir(), "x.db"))
	cmd.Env = append(os.Environ(), "CCFEED_PAGE_SIZE=abc")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "CCFEED_PAGE_SIZE") {
		t.Errorf("exit %v, output %s", err, out)
	}
}

// TestMissingDatabase: the commands that need a database refuse a path
// where there is none (or a folder), and create nothing.
func TestMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	sources := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(sources, []byte("tenants: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "rejects", "report.csv")
	for _, args := range [][]string{
		{"token", "--tenant", "acme"},
		{"token", "--rotate-key"},
		{"load", "--tenant", "acme", file},
		{"loads"},
		{"rejects", "--load", "x"},
	} {
		for _, path := range []string{missing, dir} {
			t.Run(strings.Join(args, " ")+" "+filepath.Base(path), func(t *testing.T) {
				full := append([]string{args[0], "--db", path}, args[1:]...)
				_, err := runCmd(t, full...)
				want := "no database at " + path
				if path == dir {
					want = "is a folder"
				}
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want %q", err, want)
				}
				if _, err := os.Stat(missing); err == nil {
					t.Fatal("a database was created")
				}
			})
		}
	}
}

// TestSecondServe: a second serve on the same database is refused while the
// first runs, naming the first.
func TestSecondServe(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "feed.db")
	serveCmd(t, nil, "--db", dbPath)
	err := cmdServe(context.Background(), []string{"--db", dbPath, "--addr", "127.0.0.1:0", "--demo=false"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already served by another ccfeed serve (pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second serve: %v", err)
	}
	// Other commands work beside the server.
	if _, err := runCmd(t, "loads", "--db", dbPath); err != nil {
		t.Errorf("ccfeed loads beside a server: %v", err)
	}
}

// The lock goes with its holder: once released, a new server may start.
func TestServeLockReleased(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "feed.db")
	unlock, err := lockServe(dbPath, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockServe(dbPath, "b"); err == nil {
		t.Fatal("a second lock was granted")
	}
	unlock()
	unlock2, err := lockServe(dbPath, "b")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	unlock2()
}

// TestLoadsAndRejects: on a database with known rejects, "ccfeed loads"
// lists the load with its counts and id, and "ccfeed rejects" prints each
// rejected record's file, line, field, reason and excerpt, by load id or by
// file name.
func TestLoadsAndRejects(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "feed.db")
	if _, err := runCmd(t, "tenant", "--db", dbPath, "--tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "rejects", "report.csv")
	out, err := runCmd(t, "load", "--db", dbPath, "--tenant", "acme", file)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`loaded  report\.csv \(twoway\): \d+ records, 6 rejected, \S+ \(ccfeed rejects --load (acme:loader:\S+)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the load's line does not name its rejects and id:\n%s", out)
	}
	id := m[1]

	out, err = runCmd(t, "loads", "--db", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\S+ \S+\s+acme\s+twoway\s+file\s+loaded\s+\d+\s+6\s+\d+\s+\d+\s+\S+\s+report\.csv\s+` + regexp.QuoteMeta(id) + `$`).MatchString(out) {
		t.Errorf("ccfeed loads:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tenant", "other"}, "no loads"},
		{[]string{"--since", "1h"}, "report.csv"},
		{[]string{"--since", "2999-01-01"}, "no loads"},
	} {
		out, err := runCmd(t, append([]string{"loads", "--db", dbPath}, tc.args...)...)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("loads %v: %v\n%s", tc.args, err, out)
		}
	}
	if _, err := runCmd(t, "loads", "--db", dbPath, "--since", "yesterday"); err == nil || !strings.Contains(err.Error(), `"yesterday"`) {
		t.Errorf("--since yesterday: %v", err)
	}

	// The want.json of the case lists the rejects the loader must make.
	want := []struct{ line, field, reason string }{
		{"3", "event_time", "not an ISO 8601 date-time"},
		{"4", "message_index", "not an integer"},
		{"5", "conversation_id", "missing conversation id"},
		{"6", "message_index", "a message event needs a message_index"},
		{"7", "after_hours_flag", "not a boolean (true/false)"},
		{"8", "", "expected 12 fields as in the header, found 7"},
	}
	shortID := id[strings.LastIndexByte(id, ':')+1:]
	for _, args := range [][]string{{"--load", id}, {"--load", shortID}, {"--file", "report.csv"}} {
		out, err := runCmd(t, append([]string{"rejects", "--db", dbPath}, args...)...)
		if err != nil {
			t.Fatalf("rejects %v: %v", args, err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != len(want)+1 || !strings.HasPrefix(lines[0], "FILE") {
			t.Fatalf("rejects %v: %d lines, want a header and %d rejects:\n%s", args, len(lines), len(want), out)
		}
		for i, w := range want {
			l := lines[i+1]
			if !strings.HasPrefix(l, "report.csv  ") || !regexp.MustCompile(`^report\.csv\s+`+w.line+`\s`).MatchString(l) ||
				!strings.Contains(l, w.field) || !strings.Contains(l, w.reason) || !strings.HasSuffix(l, id) {
				t.Errorf("rejects %v line %d: %q, want line %s, field %s, reason %q", args, i+1, l, w.line, w.field, w.reason)
			}
		}
	}
	out, err = runCmd(t, "rejects", "--db", dbPath, "--load", "nope")
	if err != nil || !strings.Contains(out, "no rejected records for load nope") {
		t.Errorf("unknown load: %v %s", err, out)
	}
	var ue usageError
	if _, err := runCmd(t, "rejects", "--db", dbPath); !errors.As(err, &ue) {
		t.Errorf("rejects without --load or --file: %v, want a usage error", err)
	}
}
