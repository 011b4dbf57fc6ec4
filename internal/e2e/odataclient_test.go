package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// clientSummary is what testdata/odataclient/read-pages.js prints.
type clientSummary struct {
	Set               string   `json:"set"`
	FirstURL          string   `json:"firstUrl"`
	Filter            string   `json:"filter"`
	Select            []string `json:"select"`
	Top               int      `json:"top"`
	PageSize          int      `json:"pageSize"`
	Rows              int      `json:"rows"`
	Pages             int      `json:"pages"`
	PageRows          []int    `json:"pageRows"`
	DistinctKeys      int      `json:"distinctKeys"`
	DuplicateKeys     []string `json:"duplicateKeys"`
	PreferenceApplied string   `json:"preferenceApplied"`
	Contexts          []string `json:"contexts"`
	MissingProperties int      `json:"missingProperties"`
	FilterViolations  int      `json:"filterViolations"`
	NextLinks         []string `json:"nextLinks"`
	Sample            struct {
		Raw   map[string]any `json:"raw"`
		Typed map[string]any `json:"typed"`
	} `json:"sample"`
	Keys []string `json:"keys"`
}

// TestIndependentODataClient reads the feed with a client that knows
// nothing of this code base: the SAP Cloud SDK generator turns the served
// $metadata into a typed TypeScript client (transpiled to JS), and
// testdata/odataclient/read-pages.js queries Chats with a typed filter, a
// select and a top, following every nextLink to the end. The generator is
// strict about CSDL, so a warning or error it prints fails the test; the
// rows it read must be exactly the rows the feed itself counts and lists.
//
// It needs `npm ci --prefix testdata/odataclient` (CI runs it).
func TestIndependentODataClient(t *testing.T) {
	started := time.Now()
	clientDir := filepath.Join(feedtest.RepoRoot(t), "testdata", "odataclient")
	generator := filepath.Join(clientDir, "node_modules", ".bin", "generate-odata-client")
	if _, err := os.Stat(generator); err != nil {
		skipOrFail(t, "run npm ci in testdata/odataclient (from the repository root: npm ci --prefix testdata/odataclient); "+
			"the independent OData client test needs its node_modules")
	}
	node := tool(t, "node", "the independent OData client test runs the SAP Cloud SDK generator and its client with Node.js 20 or later")

	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	work := t.TempDir()

	// The client is generated from what the server serves, not from the
	// golden file: the generator judges the real document.
	resp := f.Get(t, f.URL+"$metadata", tok)
	meta := feedtest.Body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET $metadata: %d %s", resp.StatusCode, meta)
	}
	if err := os.MkdirAll(filepath.Join(work, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "in", "ccfeed.edmx"), meta, 0o644); err != nil {
		t.Fatal(err)
	}
	// CSDL has no place for the service's URL path; the generator looks for
	// SAP Gateway's atom:link rel="self" and warns when it is absent, so
	// the path is given the documented way, per service.
	root, err := url.Parse(f.URL)
	if err != nil {
		t.Fatal(err)
	}
	opts := fmt.Sprintf(`{"in/ccfeed.edmx": {"directoryName": "ccfeed", "basePath": %q}}`, strings.TrimSuffix(root.Path, "/"))
	if err := os.WriteFile(filepath.Join(work, "options-per-service.json"), []byte(opts), 0o644); err != nil {
		t.Fatal(err)
	}
	// The generated client imports @sap-cloud-sdk/* and the transpiler
	// resolves them from the client's directory upwards.
	if err := os.Symlink(filepath.Join(clientDir, "node_modules"), filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}

	genStart := time.Now()
	out := run(t, 4*time.Minute, work, nil, node, generator,
		"--input", "in", "--outputDir", "gen", "--optionsPerService", "options-per-service.json", "--transpile")
	t.Logf("generator: %s", time.Since(genStart).Round(time.Millisecond))
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "WARN") || strings.Contains(line, "ERROR") {
			t.Errorf("the SAP Cloud SDK generator objects to our $metadata: %s", strings.TrimSpace(line))
		}
	}
	genDir := filepath.Join(work, "gen", "ccfeed")
	if _, err := os.Stat(filepath.Join(genDir, "index.js")); err != nil {
		t.Fatalf("the generator made no transpiled client in %s: %v\n%s", genDir, err, out)
	}

	// The query: one tenant's chats from a third of the way into its
	// history on, found from the data so the test does not depend on the
	// demo's dates or tenant names.
	tenant := firstValue(t, f, tok, "Chats?$top=1&$select=tenantId", "tenantId")
	tenantFilter := "tenantId eq '" + strings.ReplaceAll(tenant, "'", "''") + "'"
	all := count(t, f, tok, "Chats", tenantFilter)
	if all < 30 {
		t.Fatalf("tenant %s has %d chats in the demo data; the test needs at least 30 to page through", tenant, all)
	}
	first := firstValue(t, f, tok, "Chats?$filter="+escape(tenantFilter)+
		"&$orderby=startedAtUTC&$select=startedAtUTC&$top=1&$skip="+strconv.FormatInt(all/3, 10), "startedAtUTC")
	sinceT, err := time.Parse(time.RFC3339Nano, first)
	if err != nil {
		t.Fatalf("startedAtUTC %q is not RFC 3339: %v", first, err)
	}
	since := sinceT.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
	ownFilter := tenantFilter + " and startedAtUTC ge " + since
	matched := count(t, f, tok, "Chats", ownFilter)
	pageSize := max(1, int(matched)/6)

	cases := []struct {
		name string
		top  int
		want int
	}{
		// Every page to the end: the rows are the filter's whole count.
		{"top above the count", int(matched) + 1000, int(matched)},
		// $top larger than a page and not a multiple of it: paging stops
		// after exactly $top rows, with no nextLink after the last.
		{"top below the count", int(matched)/2 + 7, int(matched)/2 + 7},
	}
	script := filepath.Join(clientDir, "read-pages.js")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := []string{
				"CCFEED_ROOT=" + f.URL, "CCFEED_TOKEN=" + tok, "CCFEED_CLIENT=" + genDir,
				"CCFEED_TENANT=" + tenant, "CCFEED_SINCE=" + since,
				"CCFEED_TOP=" + strconv.Itoa(tc.top), "CCFEED_PAGESIZE=" + strconv.Itoa(pageSize),
			}
			runStart := time.Now()
			out := runStdout(t, 2*time.Minute, work, env, node, script)
			var s clientSummary
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Fatalf("read-pages.js printed no JSON summary: %v\n%s", err, out)
			}
			t.Logf("client read %d rows in %d pages in %s: %s", s.Rows, s.Pages, time.Since(runStart).Round(time.Millisecond), s.FirstURL)
			checkSummary(t, f, tok, s, tc.want, pageSize, ownFilter)
		})
	}
	t.Logf("whole test: %s", time.Since(started).Round(time.Millisecond))
}

// checkSummary compares what the client read with the feed's own answers.
func checkSummary(t *testing.T, f *feedtest.Feed, tok string, s clientSummary, want, pageSize int, ownFilter string) {
	t.Helper()
	if s.Rows != want {
		t.Errorf("client read %d rows, want %d", s.Rows, want)
	}
	// The SDK spelled the filter its own way; the feed must count the same
	// rows for it as for ours.
	if n := count(t, f, tok, "Chats", s.Filter); int(n) != int(count(t, f, tok, "Chats", ownFilter)) {
		t.Errorf("/Chats/$count with the SDK's filter %q is %d, with %q it is %d", s.Filter, n, ownFilter, count(t, f, tok, "Chats", ownFilter))
	}
	if s.DistinctKeys != s.Rows || len(s.DuplicateKeys) > 0 {
		t.Errorf("client saw %d distinct keys in %d rows; repeated: %v", s.DistinctKeys, s.Rows, s.DuplicateKeys)
	}
	if s.MissingProperties != 0 {
		t.Errorf("%d selected properties were missing from rows (Power Query treats a missing property as an error)", s.MissingProperties)
	}
	if s.FilterViolations != 0 {
		t.Errorf("%d rows do not satisfy the filter %s", s.FilterViolations, s.Filter)
	}
	wantPages := (want + pageSize - 1) / pageSize
	if s.Pages != wantPages || len(s.PageRows) != s.Pages {
		t.Errorf("client read %d pages %v, want %d pages of %d", s.Pages, s.PageRows, wantPages, pageSize)
	}
	for i, n := range s.PageRows {
		if (i < len(s.PageRows)-1 && n != pageSize) || n < 1 || n > pageSize {
			t.Errorf("page %d has %d rows; every page but the last must be full (%d) and none empty: %v", i+1, n, pageSize, s.PageRows)
			break
		}
	}
	if wantPref := "odata.maxpagesize=" + strconv.Itoa(pageSize); s.PreferenceApplied != wantPref {
		t.Errorf("Preference-Applied %q, want %q", s.PreferenceApplied, wantPref)
	}
	wantCtx := f.URL + "$metadata#Chats(" + strings.Join(s.Select, ",") + ")"
	if len(s.Contexts) != 1 || s.Contexts[0] != wantCtx {
		t.Errorf("@odata.context over all pages %q, want only %q", s.Contexts, wantCtx)
	}
	for _, link := range s.NextLinks {
		if !strings.HasPrefix(link, f.URL+"Chats?") {
			t.Errorf("nextLink %q is not absolute under %s", link, f.URL)
		}
	}
	if v, _ := s.Sample.Raw["startedAtUTC"].(string); !strings.HasSuffix(v, "Z") {
		t.Errorf("sample startedAtUTC %q does not end in Z", v)
	}
	// The same rows, in the same order, as the feed lists them to a plain
	// HTTP client in large pages.
	ids := readIDs(t, f, tok, f.URL+"Chats?$filter="+escape(s.Filter)+"&$select=id&$top="+strconv.Itoa(s.Top))
	if strings.Join(ids, "\n") != strings.Join(s.Keys, "\n") {
		t.Errorf("the client's %d keys differ from the feed's %d keys for the same query\nclient first/last: %s\nfeed first/last:   %s",
			len(s.Keys), len(ids), ends(s.Keys), ends(ids))
	}
}

func ends(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return s[0] + " ... " + s[len(s)-1]
}

// escape percent-encodes a query option value with spaces as %20: the feed
// reads '+' as a plus sign, as the OData ABNF does, not as a space.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// readIDs follows a nextLink chain with large pages and returns the ids.
func readIDs(t *testing.T, f *feedtest.Feed, tok, link string) []string {
	t.Helper()
	var ids []string
	for pages := 0; link != ""; pages++ {
		if pages > 1000 {
			t.Fatalf("nextLink chain longer than 1000 pages at %s", link)
		}
		resp := f.Get(t, link, tok, "Prefer", "odata.maxpagesize=20000")
		b := feedtest.Body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", link, resp.StatusCode, b)
		}
		var page struct {
			Value []struct {
				ID string `json:"id"`
			} `json:"value"`
			Next string `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatalf("GET %s: %v", link, err)
		}
		for _, v := range page.Value {
			ids = append(ids, v.ID)
		}
		link = page.Next
	}
	return ids
}

// count is /set/$count with a filter.
func count(t *testing.T, f *feedtest.Feed, tok, set, filter string) int64 {
	t.Helper()
	u := f.URL + set + "/$count?$filter=" + escape(filter)
	resp := f.Get(t, u, tok)
	b := feedtest.Body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatalf("GET %s: %q is not a count", u, b)
	}
	return n
}

// firstValue returns one string property of the first row of a query.
func firstValue(t *testing.T, f *feedtest.Feed, tok, query, prop string) string {
	t.Helper()
	resp := f.Get(t, f.URL+query, tok)
	b := feedtest.Body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", query, resp.StatusCode, b)
	}
	var page struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(b, &page); err != nil || len(page.Value) == 0 {
		t.Fatalf("GET %s: no rows (%v): %s", query, err, b)
	}
	v, ok := page.Value[0][prop].(string)
	if !ok {
		t.Fatalf("GET %s: %s is %v, want a string", query, prop, page.Value[0][prop])
	}
	return v
}

// run runs a command and returns its combined output; a failure or a
// timeout fails the test with that output.
func run(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// runStdout runs a command and returns its standard output; standard error
// is shown when it fails.
func runStdout(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstderr:\n%s\nstdout:\n%s", name, strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	if stderr.Len() > 0 {
		t.Logf("%s wrote to stderr:\n%s", filepath.Base(args[len(args)-1]), stderr.String())
	}
	return stdout.String()
}
