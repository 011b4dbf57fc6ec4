package ccfeed_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the layering of STYLE.md true: dependencies
// point down, and server never reaches the store except through the
// interface cmd/ccfeed satisfies.
func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/ccfeed/ccfeed"
	// forbidden[pkg] lists packages pkg must not depend on, directly or not.
	forbidden := map[string][]string{
		mod:             {mod + "/edm", mod + "/query", mod + "/store", mod + "/server", mod + "/auth", mod + "/loaders"},
		mod + "/edm":    {mod + "/query", mod + "/store", mod + "/server", mod + "/auth", mod + "/loaders"},
		mod + "/query":  {mod + "/store", mod + "/server", mod + "/auth", mod + "/loaders"},
		mod + "/store":  {mod + "/server", mod + "/auth", mod + "/loaders"},
		mod + "/auth":   {mod + "/edm", mod + "/query", mod + "/store", mod + "/server", mod + "/loaders"},
		mod + "/server": {mod + "/store", mod + "/loaders", mod + "/powerbi"},
		// The Power BI project is derived from the model alone; the server
		// serves it through an http.Handler that cmd/ccfeed hands it.
		mod + "/powerbi": {mod + "/query", mod + "/store", mod + "/server", mod + "/auth", mod + "/loaders"},
		mod + "/loaders": {mod + "/server", mod + "/auth"},
	}
	// direct[pkg] lists packages pkg must not import itself (it may reach
	// them through another package): loaders go through store for queries.
	direct := map[string][]string{
		mod + "/loaders": {mod + "/query"},
	}
	out, err := exec.Command("go", "list", "-tags", "sqlite_fts5 sqlite_math_functions", "-json=ImportPath,Deps,Imports", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rules, own := forbidden[p.ImportPath], direct[p.ImportPath]
		if strings.HasPrefix(p.ImportPath, mod+"/loaders/") {
			rules, own = forbidden[mod+"/loaders"], direct[mod+"/loaders"]
		}
		for _, d := range p.Imports {
			for _, f := range own {
				if d == f {
					t.Errorf("%s imports %s directly", p.ImportPath, d)
				}
			}
		}
		if rules != nil {
			seen++
		}
		for _, d := range p.Deps {
			for _, f := range rules {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("%s depends on %s", p.ImportPath, d)
				}
			}
		}
	}
	if seen < len(forbidden) {
		t.Errorf("checked %d packages, expected at least %d: a package was renamed?", seen, len(forbidden))
	}
}
