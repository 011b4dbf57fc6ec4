package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/powerbi"
	"github.com/ccfeed/ccfeed/server"
)

// pbidsURL fetches /powerbi/feed.pbids without credentials and returns
// the feed URL it holds.
func pbidsURL(t *testing.T, f *feedtest.Feed, headers ...string) string {
	t.Helper()
	r := get(t, f, f.Base+"/powerbi/feed.pbids", "", headers...)
	r.mustStatus(t, http.StatusOK, "feed.pbids without credentials")
	var doc struct {
		Connections []struct {
			Details struct {
				Protocol string
				Address  struct{ URL string }
			}
		}
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil || len(doc.Connections) != 1 || doc.Connections[0].Details.Protocol != "odata" {
		t.Fatalf("feed.pbids: %v %s", err, r.Body)
	}
	return doc.Connections[0].Details.Address.URL
}

// TestPowerBIFiles serves /powerbi/ from a live feed: no credentials are
// asked for, and the files point at the feed's public root by the same
// rules as @odata.nextLink (the request, a trusted proxy's forwarded
// headers, or the configured public URL).
func TestPowerBIFiles(t *testing.T) {
	db := feedtest.DemoDB(t)
	cfg := server.Config{TrustProxy: true, PowerBI: powerbi.Handler(edm.Default(), powerbi.Options{APIKeyName: "access_token"})}
	f := feedtest.Start(t, db, feedtest.Options{Config: cfg})

	if got := pbidsURL(t, f); got != f.URL {
		t.Errorf("pbids URL %s, want the feed's own root %s", got, f.URL)
	}

	// The same rules as nextLink: compare with a real nextLink sent with
	// the same forwarded headers.
	fwd := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "bi.example.net"}
	c, _ := collectionOf(t, f, f.URL+"Agents?$select=id", f.ReadToken(t), append([]string{"Prefer", "odata.maxpagesize=2"}, fwd...)...)
	if c.NextLink == "" {
		t.Fatal("no nextLink to compare with")
	}
	got := pbidsURL(t, f, fwd...)
	if got != "https://bi.example.net/odata/" || !strings.HasPrefix(c.NextLink, got) {
		t.Errorf("pbids URL %s; nextLink %s: the two must share their root", got, c.NextLink)
	}

	pub := cfg
	pub.PublicURL = "https://feed.example.com"
	g := feedtest.Start(t, db, feedtest.Options{Config: pub})
	if got := pbidsURL(t, g, fwd...); got != "https://feed.example.com/odata/" {
		t.Errorf("with a public URL: %s", got)
	}

	// The project names the same root in its FeedUrl parameter.
	r := get(t, g, g.Base+"/powerbi/project.zip", "")
	r.mustStatus(t, http.StatusOK, "project.zip without credentials")
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	var expr string
	for _, zf := range zr.File {
		if zf.Name == "ccfeed.SemanticModel/definition/expressions.tmdl" {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			expr = string(b)
		}
	}
	if !strings.Contains(expr, `expression FeedUrl = "https://feed.example.com/odata/"`) {
		t.Errorf("expressions.tmdl in the zip:\n%s", expr)
	}
	if !strings.Contains(g.Log.String(), `"path":"/powerbi/project.zip"`) {
		t.Errorf("the request log does not name the file:\n%s", g.Log.String())
	}

	// A feed without the handler has nothing there.
	plain := feedtest.Start(t, db, feedtest.Options{})
	get(t, plain, plain.Base+"/powerbi/feed.pbids", plain.ReadToken(t)).mustStatus(t, http.StatusNotFound, "no PowerBI handler")
}

// TestPowerBIFilesRateLimited: without a credential, the files are paid
// for by the client address, like refused sign-ins.
func TestPowerBIFilesRateLimited(t *testing.T) {
	cfg := server.Config{
		PowerBI: powerbi.Handler(edm.Default(), powerbi.Options{}),
		Limits:  server.Limits{Rate: 0.001, Burst: 3, MaxConcurrent: 4},
	}
	f := feedtest.Start(t, feedtest.OpenDB(t), feedtest.Options{Config: cfg})
	codes := []int{}
	for i := 0; i < 5; i++ {
		codes = append(codes, get(t, f, f.Base+"/powerbi/feed.pbids", "").Status)
	}
	if codes[0] != http.StatusOK || codes[4] != http.StatusTooManyRequests {
		t.Errorf("statuses %v: want 200 first, 429 once the burst of 3 is spent", codes)
	}
}

// TestReadmeODataFeedURLs runs every OData.Feed URL of README.md with a
// query (the $apply example of "Server-side aggregation") against the demo
// feed: the M a reader copies must work as printed.
func TestReadmeODataFeedURLs(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(feedtest.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const root = "https://feed.example.com/odata/"
	f := feedtest.StartDemo(t)
	n := 0
	for _, line := range strings.Split(string(readme), "\n") {
		_, rest, ok := strings.Cut(line, `"`+root)
		if !ok || !strings.Contains(rest, "?") {
			continue
		}
		rel, _, _ := strings.Cut(rest, `"`)
		n++
		c, _ := collectionOf(t, f, f.URL+rel, f.ReadToken(t))
		if len(c.Value) == 0 {
			t.Errorf("README URL %s answers no rows", rel)
		}
	}
	if n == 0 {
		t.Fatal("no OData.Feed URL with a query in README.md")
	}
}
