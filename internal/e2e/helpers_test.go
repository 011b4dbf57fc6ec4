package e2e

import (
	"os"
	"os/exec"
	"testing"
)

// skipOrFail skips a test whose outside tool is missing, loudly, and fails
// it in CI (CI=true), where .ci/run installs the tool, so that a broken
// install step cannot turn into a green run that tested nothing.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	msg = "SKIPPED, NOT PASSED: " + msg
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// tool returns the path of an executable on PATH, or skips (fails in CI).
func tool(t testing.TB, name, why string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		skipOrFail(t, name+" is not installed; "+why)
	}
	return p
}
