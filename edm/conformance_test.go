package edm_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// conformanceRel is where the OASIS schemas and vocabularies live, relative
// to the package directory (go test runs in edm/, the repo root is its
// parent, and shared/ sits next to the repo). They are not vendored into the
// repo because they are OASIS material with their own licence.
const conformanceRel = "../../shared/conformance"

// inCI reports whether a missing tool or folder must fail the run instead of
// skipping it: CI installs everything, so a skip there would hide a broken
// pipeline behind a green run.
func inCI() bool { return os.Getenv("CI") == "true" }

// missing skips the test, loudly, or fails it in CI.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("CI=true and %s", msg)
	}
	t.Skipf("SKIPPED, NOT PASSED: %s", msg)
}

// conformanceFile returns the path of rel inside the conformance folder,
// skipping (or failing in CI) when the folder or the file is absent.
func conformanceFile(t *testing.T, rel string) string {
	t.Helper()
	dir, err := filepath.Abs(conformanceRel)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		missing(t, "the conformance folder %s (../shared/conformance from the repository root) is missing: check out the project's shared/ folder next to the repository "+
			"(it holds csdl-schemas/ from github.com/oasis-tcs/odata-csdl-schemas and vocabularies/ from github.com/oasis-tcs/odata-vocabularies)", dir)
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		missing(t, "%s is missing from the conformance folder %s: restore it from the shared/ folder (see its README.md)", rel, dir)
	}
	return p
}

// requireTool returns the path of an external program, skipping (or failing
// in CI) when it is not installed; install says how to get it.
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, "%s is not installed (%s)", name, install)
	}
	return p
}
