package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// TestDemoTokenOnlyWhileDemo: serve prints a token on a new demo database,
// for the demo's tenants only. Once real data is loaded (into a tenant
// named like a demo tenant, so names cannot be what decides), the journal
// holds a load that is not a demo load: serve prints no token any more,
// and the token printed before is revoked.
func TestDemoTokenOnlyWhileDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and creates the demo database")
	}
	bin := binary(t)
	dbPath := filepath.Join(t.TempDir(), "feed.db")
	serve := func() (string, string, func()) {
		srv := exec.Command(bin, "serve", "--db", dbPath, "--addr", "127.0.0.1:0", "--log-format", "json")
		out := &syncBuffer{}
		srv.Stdout, srv.Stderr = out, out
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		addr := serverAddr(t, out)
		return "http://" + addr + "/odata/", out.String(), func() {
			srv.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { srv.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				srv.Process.Kill()
			}
		}
	}
	root, out, stop := serve()
	m := regexp.MustCompile(`Access token for the demo tenants (.*) \(read, valid 30 days\):\n(\S+)`).FindStringSubmatch(out)
	if m == nil {
		stop()
		t.Fatalf("no demo token printed for a new demo database:\n%s", out)
	}
	if m[1] != "contoso, fabrikam, northwind" {
		t.Errorf("token for %q, want the demo's tenants only", m[1])
	}
	tok := m[2]
	if got := get(t, root+"Conversations/$count", tok); !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(got) {
		t.Errorf("the demo token reads %q", got)
	}
	stop()

	real := filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway", "daily-overlap", "SYNTHETIC_two_way_conversation_report_2024-03-09.csv")
	if out, err := exec.Command(bin, "load", "--db", dbPath, "--tenant", "contoso", real).CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	root, out, stop = serve()
	defer stop()
	if strings.Contains(out, "Access token") {
		t.Errorf("a token is printed although real data is loaded:\n%s", out)
	}
	if !strings.Contains(out, "Create an access token with: ccfeed token") {
		t.Errorf("no hint to create a token:\n%s", out)
	}
	if got := get(t, root+"Conversations/$count", tok); !strings.Contains(got, "revoked") {
		t.Errorf("the demo token printed before still reads (%q); want it revoked", got)
	}
}
