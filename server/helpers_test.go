package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// update rewrites the golden error bodies under testdata/errors/.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the server's current answers")

// Power Query's request headers, as seen on the wire (POWERQUERY.md). It
// sends no OData-Version and no Prefer by default.
const pqAccept = "application/json;odata.metadata=minimal;q=1.0,application/json;odata=minimalmetadata;q=0.9,application/atomsvc+xml;q=0.8,application/atom+xml;q=0.8,application/xml;q=0.7,text/plain;q=0.7"

var pqHeaders = []string{
	"Accept", pqAccept,
	"Accept-Encoding", "gzip, deflate",
	"User-Agent", "Microsoft.Data.Mashup (https://go.microsoft.com/fwlink/?LinkID=304225)",
	"MaxDataServiceVersion", "3.0",
	"OData-MaxVersion", "4.0",
}

// pq returns Power Query's headers followed by extra name, value pairs.
func pq(extra ...string) []string {
	return append(append([]string{}, pqHeaders...), extra...)
}

// A demo key that exists: a LivePerson chat of contoso that the agent
// started (isOutbound) and that is still open, so its endedAtUTC and
// nextConversationId are null. Its 13 messages have the keys convKey:0 to
// convKey:12; its agent is the person every source names (Aiden Tanaka).
const (
	convKey      = "contoso:liveperson:0000002a-1e9e-4000-8000-000000000297"
	convAgent    = "contoso:agent:02a7adf88908c479"
	convMsgs     = 13
	convStart    = "2026-10-31T09:56:01.533Z"
	convDuration = "619.742"
	// convMsg is one of its messages; convLastMsg the greatest of their
	// keys, which sort as text (":9" after ":12").
	convMsg     = convKey + ":3"
	convLastMsg = convKey + ":9"
	// otherMsg is a message of another contoso conversation.
	otherMsg = "contoso:liveperson:0000002a-1e9e-4000-8000-000000000002:3"
)

// Other keys of the demo data set. The demo gives a row the same source id
// in every tenant, so fabrikam has a row under each of these with its own
// tenant prefix.
const (
	// demoCall is a Buzzeasy call of contoso, with a customer name;
	// otherCall is fabrikam's call of the same source id.
	demoCall  = "contoso:buzzeasy:000000c0-0b0e-4000-8000-000000000001"
	otherCall = "fabrikam:buzzeasy:000000c0-0b0e-4000-8000-000000000001"
	// demoCall2 is the next contoso call, also with a customer name.
	demoCall2 = "contoso:buzzeasy:000000c0-0b0e-4000-8000-000000000002"
	// demoChat is a LivePerson chat of contoso with messages.
	demoChat = "contoso:liveperson:0000002a-1e9e-4000-8000-000000000003"
	// otherQueue and otherAgent are a queue (with conversations) and an
	// agent of fabrikam.
	otherQueue       = "fabrikam:buzzeasy:0000009e-0b0e-4000-8000-000000000001"
	otherQueueSource = "0000009e-0b0e-4000-8000-000000000001"
	otherAgent       = "fabrikam:agent:2367b13c639f041d"
	// demoUnit1 and demoUnit2 are business units of contoso, each with
	// channels and conversations.
	demoUnit1 = "contoso:buzzeasy:000000b0-0b0e-4000-8000-000000000001"
	demoUnit2 = "contoso:buzzeasy:000000b0-0b0e-4000-8000-000000000002"
)

// reply is a response read to the end, gzip undone.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
	// Gzipped is true when the wire body was gzip-encoded.
	Gzipped bool
}

// get sends a GET and reads the whole response, decoding gzip when the server
// used it (the Go transport leaves that to us once Accept-Encoding is set by
// hand, which is what Power Query does).
func get(t testing.TB, f *feedtest.Feed, u, token string, headers ...string) *reply {
	t.Helper()
	resp := f.Get(t, u, token, headers...)
	return readReply(t, resp)
}

func readReply(t testing.TB, resp *http.Response) *reply {
	t.Helper()
	raw := feedtest.Body(t, resp)
	r := &reply{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	if enc := resp.Header.Get("Content-Encoding"); enc != "" {
		if enc != "gzip" {
			t.Fatalf("GET %s: unexpected Content-Encoding %q", resp.Request.URL, enc)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("GET %s: body is not gzip: %v", resp.Request.URL, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("GET %s: gzip body does not decode: %v", resp.Request.URL, err)
		}
		r.Body, r.Gzipped = b, true
	}
	return r
}

// do sends any method with a bearer token.
func do(t testing.TB, method, u, token string, headers ...string) *reply {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readReply(t, resp)
}

// collection is an entity collection response in minimal or none metadata.
type collection struct {
	Context  string           `json:"@odata.context"`
	Count    *int64           `json:"@odata.count"`
	NextLink string           `json:"@odata.nextLink"`
	Value    []map[string]any `json:"value"`
}

// mustStatus fails unless the reply has the wanted status.
func (r *reply) mustStatus(t testing.TB, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d; body: %.600s", what, r.Status, want, r.Body)
	}
}

// decode unmarshals the body strictly as one JSON value.
func (r *reply) decode(t testing.TB, v any, what string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: body is not valid JSON: %v; body: %.600s", what, err, r.Body)
	}
	if dec.More() {
		t.Fatalf("%s: trailing data after the JSON value", what)
	}
}

// collectionOf GETs u and decodes a 200 collection.
func collectionOf(t testing.TB, f *feedtest.Feed, u, token string, headers ...string) (*collection, *reply) {
	t.Helper()
	r := get(t, f, u, token, headers...)
	r.mustStatus(t, http.StatusOK, "GET "+u)
	var c collection
	r.decode(t, &c, "GET "+u)
	if c.Value == nil {
		t.Fatalf("GET %s: no \"value\" array; body: %.600s", u, r.Body)
	}
	return &c, r
}

// page is one response of a nextLink walk.
type page struct {
	URL   string
	Reply *reply
	Coll  *collection
}

// walk follows @odata.nextLink from u to the end with the same headers and
// returns every page. It stops the test if the chain does not end.
func walk(t testing.TB, f *feedtest.Feed, u, token string, headers ...string) []page {
	t.Helper()
	var pages []page
	seen := map[string]bool{}
	for next := u; next != ""; {
		if seen[next] {
			t.Fatalf("nextLink loops back to %s", next)
		}
		seen[next] = true
		if len(pages) > 10000 {
			t.Fatalf("more than 10000 pages from %s", u)
		}
		c, r := collectionOf(t, f, next, token, headers...)
		pages = append(pages, page{URL: next, Reply: r, Coll: c})
		next = c.NextLink
	}
	return pages
}

// rows concatenates the rows of pages.
func rows(pages []page) []map[string]any {
	var out []map[string]any
	for _, p := range pages {
		out = append(out, p.Coll.Value...)
	}
	return out
}

// ids returns the "id" member of each row, in order.
func ids(t testing.TB, rs []map[string]any) []string {
	t.Helper()
	out := make([]string, len(rs))
	for i, r := range rs {
		s, ok := r["id"].(string)
		if !ok {
			t.Fatalf("row %d has no string id: %v", i, r)
		}
		out[i] = s
	}
	return out
}

// count GETs u (a /$count URL) and returns the number it answers.
func count(t testing.TB, f *feedtest.Feed, u, token string) int {
	t.Helper()
	r := get(t, f, u, token)
	r.mustStatus(t, http.StatusOK, "GET "+u)
	var n int
	if err := json.Unmarshal(r.Body, &n); err != nil {
		t.Fatalf("GET %s: %q is not a number", u, r.Body)
	}
	return n
}

// sameKeys reports the keys missing from got and the keys got has twice or
// that want lacks.
func sameKeys(t testing.TB, what string, got, want []string) {
	t.Helper()
	wantSet := map[string]bool{}
	for _, k := range want {
		wantSet[k] = true
	}
	seen := map[string]bool{}
	var dups, extra []string
	for _, k := range got {
		if seen[k] {
			dups = append(dups, k)
		}
		seen[k] = true
		if !wantSet[k] {
			extra = append(extra, k)
		}
	}
	var missing []string
	for _, k := range want {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	if len(dups)+len(extra)+len(missing) > 0 {
		t.Errorf("%s: %d rows, want %d; %d duplicated %v, %d missing %v, %d unexpected %v",
			what, len(got), len(want), len(dups), head(dups), len(missing), head(missing), len(extra), head(extra))
	}
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

// errorBody is the OData error body, read strictly.
type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Target  string            `json:"target"`
		Details []json.RawMessage `json:"details"`
	} `json:"error"`
}

// checkErrorBody asserts the exact OData error shape
// {"error":{"code","message","target","details"}} and returns it.
func checkErrorBody(t testing.TB, r *reply, what string) errorBody {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: error Content-Type %q, want application/json", what, ct)
	}
	var outer map[string]json.RawMessage
	r.decode(t, &outer, what)
	if len(outer) != 1 || outer["error"] == nil {
		t.Fatalf("%s: error body must be {\"error\":{...}} only; got %s", what, r.Body)
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(outer["error"], &inner); err != nil {
		t.Fatalf("%s: error member is not an object: %s", what, r.Body)
	}
	for _, k := range []string{"code", "message", "target", "details"} {
		if _, ok := inner[k]; !ok {
			t.Errorf("%s: error body lacks %q: %s", what, k, r.Body)
		}
	}
	var e errorBody
	r.decode(t, &e, what)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("%s: empty code or message: %s", what, r.Body)
	}
	if e.Error.Details == nil {
		t.Errorf("%s: details must be an array, not null: %s", what, r.Body)
	}
	return e
}

// checkOneVersion asserts exactly one OData-Version header, 4.0.
func checkOneVersion(t testing.TB, r *reply, what string) {
	t.Helper()
	if v := r.Header.Values("OData-Version"); len(v) != 1 || v[0] != "4.0" {
		t.Errorf("%s: OData-Version headers %q, want exactly one \"4.0\"", what, v)
	}
}

// golden compares got with testdata/<name>, or rewrites it under -update.
func golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./server -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n got: %s\nwant: %s", path, got, want)
	}
}

// metadataProps reads the served CSDL XML and returns, for each entity set,
// its entity type's structural property names in declaration order.
func metadataProps(t testing.TB, f *feedtest.Feed, token string) map[string][]string {
	t.Helper()
	r := get(t, f, f.URL+"$metadata", token)
	r.mustStatus(t, http.StatusOK, "GET $metadata")
	var doc struct {
		DataServices struct {
			Schemas []struct {
				Namespace   string `xml:"Namespace,attr"`
				EntityTypes []struct {
					Name       string `xml:"Name,attr"`
					Properties []struct {
						Name string `xml:"Name,attr"`
					} `xml:"Property"`
				} `xml:"EntityType"`
				Containers []struct {
					Sets []struct {
						Name string `xml:"Name,attr"`
						Type string `xml:"EntityType,attr"`
					} `xml:"EntitySet"`
				} `xml:"EntityContainer"`
			} `xml:"Schema"`
		} `xml:"DataServices"`
	}
	if err := xml.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("$metadata is not XML: %v", err)
	}
	types := map[string][]string{}
	for _, s := range doc.DataServices.Schemas {
		for _, et := range s.EntityTypes {
			for _, p := range et.Properties {
				types[s.Namespace+"."+et.Name] = append(types[s.Namespace+"."+et.Name], p.Name)
			}
		}
	}
	out := map[string][]string{}
	for _, s := range doc.DataServices.Schemas {
		for _, c := range s.Containers {
			for _, es := range c.Sets {
				out[es.Name] = types[es.Type]
			}
		}
	}
	if len(out["Conversations"]) == 0 {
		t.Fatal("$metadata lists no properties for Conversations")
	}
	return out
}

// withQuery appends a raw query to a URL that may already carry one.
func withQuery(u, raw string) string {
	if strings.Contains(u, "?") {
		return u + "&" + raw
	}
	return u + "?" + raw
}

// rebase replaces the scheme and host of a link with base, so a link built
// for a proxy's public name can be replayed against the test server.
func rebase(t testing.TB, link, base string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	b, _ := url.Parse(base)
	u.Scheme, u.Host = b.Scheme, b.Host
	return u.String()
}
