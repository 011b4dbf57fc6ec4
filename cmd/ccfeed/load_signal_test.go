package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// TestSignalEndsLoad sends SIGINT, then SIGTERM, to "ccfeed load" in the
// middle of a large file: each must end the process within 10 seconds,
// leaving the store as it was (the file is one transaction).
func TestSignalEndsLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and loads 300,000 rows")
	}
	bin, dbPath, big, before := interruptFixture(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			load, out, exited := startLoad(t, bin, dbPath, big)
			if err := load.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				t.Fatalf("still running 10 s after %v; output:\n%s", sig, out.String())
			}
			if !strings.Contains(out.String(), "interrupted") {
				t.Errorf("the output does not say the load was interrupted:\n%s", out.String())
			}
			if after := counts(t, dbPath); after["Messages"] != before["Messages"] || after["Conversations"] != before["Conversations"] {
				t.Errorf("after %v the store changed:\n before %v\n after  %v", sig, before, after)
			}
		})
	}
}

// TestLoadRefusesPipeAndFolder: a named pipe made "ccfeed load" wait for a
// writer forever; it and a folder now fail at once, saying what they are.
func TestLoadRefusesPipeAndFolder(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "report.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot make a named pipe: %v", err)
		}
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	dbPath := filepath.Join(dir, "feed.db")
	createDBWith(t, bin, dbPath)
	cmd := exec.Command(bin, "load", "--db", dbPath, "--tenant", "acme", fifo, dir)
	done := make(chan struct{})
	var out []byte
	go func() { out, _ = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("ccfeed load on a named pipe still runs after 20 s")
	}
	for _, want := range []string{"a named pipe (FIFO), not a regular file", "a folder, not a regular file", "2 of 2 files failed"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
}

// TestReadOnlyDatabaseFolder: a database in a folder this user may not
// write in is refused with that reason, not SQLite's "no such file or
// directory", both when it would be created ("ccfeed tenant") and when it
// exists (SQLite must create its -wal and -shm files beside it). As root
// (which may write anywhere), the binary runs as nobody.
func TestReadOnlyDatabaseFolder(t *testing.T) {
	bin := binary(t)
	dir, err := os.MkdirTemp("", "ccfeed-ro-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// Everyone may run the binary and read the file; nobody may write in
	// the database folder.
	exe := filepath.Join(dir, "ccfeed")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "report.csv")
	src, _ := os.ReadFile(filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "daily-overlap", "SYNTHETIC_two_way_conversation_report_2024-03-09.csv"))
	os.WriteFile(small, src, 0o644)
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o755); err != nil {
		t.Fatal(err)
	}
	// An existing database, made while the folder was writable.
	existing := filepath.Join(ro, "feed.db")
	createDBWith(t, exe, existing)
	os.Chmod(existing, 0o666)
	os.Remove(existing + "-wal")
	os.Remove(existing + "-shm")
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	for _, args := range [][]string{
		{"tenant", "--db", filepath.Join(ro, "new.db"), "--tenant", "acme"},
		{"load", "--db", existing, "--tenant", "acme", small},
	} {
		cmd := exec.Command(exe, args...)
		if os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("ccfeed %s in a read-only folder succeeded:\n%s", args[0], out)
		}
		if !strings.Contains(string(out), "may not write in it (permission denied)") || strings.Contains(string(out), "no such file") {
			t.Errorf("ccfeed %s output:\n%s\nwant the folder named as not writable", args[0], out)
		}
	}
}

// createDBWith makes an empty database with a tenant, with the binary
// ("ccfeed load" needs a database that exists).
func createDBWith(t testing.TB, bin, path string) {
	t.Helper()
	if out, err := exec.Command(bin, "tenant", "--db", path, "--tenant", "acme").CombinedOutput(); err != nil {
		t.Fatalf("ccfeed tenant: %v\n%s", err, out)
	}
}
