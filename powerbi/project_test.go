package powerbi

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
)

func TestNormalizeFeedURL(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"https://feed.example.com/odata/", "https://feed.example.com/odata/", ""},
		{"https://feed.example.com/odata", "https://feed.example.com/odata/", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/odata/", ""},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/odata/", ""},
		{" https://h/feeds/cc/odata/ ", "https://h/feeds/cc/odata/", ""},
		{"ftp://h/odata/", "", "absolute http or https"},
		{"/odata/", "", "absolute http or https"},
		{"https://user:pw@h/odata/", "", "leave out credentials"},
		{"https://h/odata/?access_token=x", "", "leave out credentials"},
		{"https://h/odata/#x", "", "leave out credentials"},
		{`https://h"x/odata/`, "", ""}, // refused one way or another
	} {
		got, err := NormalizeFeedURL(tc.in)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NormalizeFeedURL(%q) = %q, %v; want an error saying %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeFeedURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestMString escapes what would end or change an M text literal.
func TestMString(t *testing.T) {
	for in, want := range map[string]string{
		`https://h/odata/`: `"https://h/odata/"`,
		`a"b`:              `"a""b"`,
		`#(lf)`:            `"#(#)(lf)"`,
	} {
		if got := mString(in); got != want {
			t.Errorf("mString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestProjectRefuses(t *testing.T) {
	m := edm.Default()
	noCSAT := *m
	noCSAT.Sets = nil
	for _, s := range m.Sets {
		if s.Name == "Conversations" {
			set, typ := *s, *s.Type
			typ.Properties = nil
			for _, p := range s.Type.Properties {
				if p.Name != "csat" {
					typ.Properties = append(typ.Properties, p)
				}
			}
			set.Type = &typ
			s = &set
		}
		noCSAT.Sets = append(noCSAT.Sets, s)
	}
	for _, tc := range []struct {
		name string
		m    *edm.Model
		opt  Options
		want string
	}{
		{"unknown set", m, Options{FeedURL: "https://h/", Sets: []string{"Conversation"}}, "no entity set Conversation"},
		{"admin set", m, Options{FeedURL: "https://h/", Sets: []string{"Loads"}}, "Loads needs an admin token"},
		{"set twice", m, Options{FeedURL: "https://h/", Sets: []string{"Agents", "Agents"}}, "named twice"},
		{"bad URL", m, Options{FeedURL: "feed.example.com"}, "absolute http or https"},
		{"bad name", m, Options{FeedURL: "https://h/", Name: "a/b"}, "cannot be a file name"},
		{"measure property gone", &noCSAT, Options{FeedURL: "https://h/"}, `measure "Average CSAT" reads Conversations.csat, which the model does not have`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Project(tc.m, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestActivate offers relationships that would make a second path and
// checks that exactly those stay inactive.
func TestActivate(t *testing.T) {
	tables := []*table{{name: "Date"}, {name: "Facts", fact: true}, {name: "Lines", fact: true}, {name: "People"}, {name: "Teams"}}
	rels := []*relationship{
		{from: "Facts", fromCol: "day", to: "Date", toCol: "Date"},
		{from: "Lines", fromCol: "day", to: "Date", toCol: "Date"},
		{from: "Facts", fromCol: "personId", to: "People", toCol: "id"},
		{from: "Lines", fromCol: "personId", to: "People", toCol: "id"},
		{from: "Facts", fromCol: "teamId", to: "Teams", toCol: "id"},
		{from: "People", fromCol: "teamId", to: "Teams", toCol: "id"},      // Teams->People->Facts doubles Teams->Facts
		{from: "Lines", fromCol: "factId", to: "Facts", toCol: "id"},       // Date->Facts->Lines doubles Date->Lines
		{from: "Lines", fromCol: "otherPerson", to: "People", toCol: "id"}, // a second relationship between the same two tables
	}
	if err := activate(tables, rels); err != nil {
		t.Fatal(err)
	}
	var inactive []string
	for _, r := range rels {
		if !r.active {
			inactive = append(inactive, r.fromCol+"@"+r.from)
			if r.why == "" {
				t.Errorf("%s is inactive without a reason", r)
			}
		}
	}
	if got := strings.Join(inactive, " "); got != "teamId@People factId@Lines otherPerson@Lines" {
		t.Errorf("inactive: %s", got)
	}
}

// TestNoModifiedNoPolling: without modifiedAtUTC in the model, incremental
// refresh has no pollingExpression anywhere; with it on one set, that set
// alone polls it.
func TestNoModifiedNoPolling(t *testing.T) {
	for _, tc := range []struct {
		m     *edm.Model
		polls []string
	}{
		{edm.Default(), nil},
		{withModified(edm.Default(), "Workitems"), []string{"Workitems"}},
	} {
		files, err := Project(tc.m, Options{FeedURL: "https://h/", Incremental: true})
		if err != nil {
			t.Fatal(err)
		}
		var polls []string
		policies := 0
		for _, f := range files {
			if strings.Contains(string(f.Data), "refreshPolicy") {
				policies++
			}
			if strings.Contains(string(f.Data), "pollingExpression") {
				polls = append(polls, strings.TrimSuffix(filepath.Base(f.Path), ".tmdl"))
			}
		}
		if strings.Join(polls, ",") != strings.Join(tc.polls, ",") {
			t.Errorf("pollingExpression in %v, want %v", polls, tc.polls)
		}
		if policies != 6 {
			t.Errorf("%d tables with a refresh policy, want the 6 fact tables", policies)
		}
	}
}

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	files, err := Bundle(edm.Default(), Options{FeedURL: "https://h/"})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(dir, files, false); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "ccfeed.SemanticModel", "definition", "tables", "Old.tmdl")
	if err := os.WriteFile(stale, []byte("table Old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(dir, files, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second write without replace: %v", err)
	}
	if err := WriteDir(dir, files, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("a table file of an earlier run survived --replace: Power BI would load it")
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil || !bytes.Equal(b, f.Data) {
			t.Errorf("%s not written as generated (%v)", f.Path, err)
		}
	}
}

// TestHandler serves the files for the root the server put in the
// context, and checks them against Bundle for that root.
func TestHandler(t *testing.T) {
	m := edm.Default()
	h := Handler(m, Options{APIKeyName: "key"})
	get := func(method, path, root string, headers ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		if root != "" {
			r = r.WithContext(ccfeed.WithServiceRoot(context.Background(), root))
		}
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	const root = "https://bi.example.net/odata/"
	want, err := Bundle(m, Options{FeedURL: root, APIKeyName: "key"})
	if err != nil {
		t.Fatal(err)
	}

	w := get(http.MethodGet, "/project.zip", root)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/zip" ||
		!strings.Contains(w.Header().Get("Content-Disposition"), `filename="ccfeed-powerbi.zip"`) {
		t.Fatalf("zip: %d %v", w.Code, w.Header())
	}
	zr, err := zip.NewReader(bytes.NewReader(w.Body.Bytes()), int64(w.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(want) {
		t.Fatalf("zip holds %d files, Bundle %d", len(zr.File), len(want))
	}
	for i, zf := range zr.File {
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if zf.Name != want[i].Path || !bytes.Equal(b, want[i].Data) {
			t.Errorf("zip entry %s differs from Bundle's %s", zf.Name, want[i].Path)
		}
	}
	etag := w.Header().Get("ETag")
	if w := get(http.MethodGet, "/project.zip", root, "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("revalidation with the ETag: %d", w.Code)
	}

	w = get(http.MethodGet, "/feed.pbids", root)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"url": "`+root+`"`) {
		t.Errorf("pbids: %d %s", w.Code, w.Body)
	}
	if w := get(http.MethodGet, "/feed.pbids", "http://other:8080/odata/"); !strings.Contains(w.Body.String(), "http://other:8080/odata/") {
		t.Errorf("a second root got the first root's file: %s", w.Body)
	}
	if w := get(http.MethodHead, "/feed.pbids", root); w.Code != http.StatusOK {
		t.Errorf("HEAD: %d", w.Code)
	}
	if w := get(http.MethodPost, "/feed.pbids", root); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
	if w := get(http.MethodGet, "/model.bim", root); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "/powerbi/project.zip") {
		t.Errorf("unknown file: %d %s", w.Code, w.Body)
	}
	if w := get(http.MethodGet, "/feed.pbids", `http://bad"host/odata/`); w.Code != http.StatusBadRequest {
		t.Errorf("unusable root: %d %s", w.Code, w.Body)
	}
}

// TestZipDeterministic: the same files make the same archive.
func TestZipDeterministic(t *testing.T) {
	files, _ := Bundle(edm.Default(), Options{FeedURL: "https://h/"})
	var a, b bytes.Buffer
	if err := WriteZip(&a, files); err != nil {
		t.Fatal(err)
	}
	_ = WriteZip(&b, files)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two archives of the same files differ")
	}
}

// BenchmarkBundle measures building the project and its zip, which the
// feed does once per public URL (then serves from memory).
func BenchmarkBundle(b *testing.B) {
	m := edm.Default()
	var size int
	for i := 0; i < b.N; i++ {
		files, err := Bundle(m, Options{FeedURL: "https://feed.example.com/odata/"})
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteZip(&buf, files); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "zip-bytes")
}
