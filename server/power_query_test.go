package server_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// TestPowerQueryReplay sends what Power BI / Excel's OData.Feed sends, with
// its exact headers, and checks what it needs from each answer
// (POWERQUERY.md).
func TestPowerQueryReplay(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	props := metadataProps(t, f, tok)

	t.Run("service root", func(t *testing.T) {
		for _, u := range []string{f.URL, strings.TrimSuffix(f.URL, "/")} {
			r := get(t, f, u, tok, pq()...)
			r.mustStatus(t, http.StatusOK, "GET "+u)
			checkOneVersion(t, r, u)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json;odata.metadata=minimal") {
				t.Errorf("GET %s: Content-Type %q, want application/json;odata.metadata=minimal", u, ct)
			}
			var doc struct {
				Context string `json:"@odata.context"`
				Value   []struct{ Name, Kind, URL string }
			}
			r.decode(t, &doc, u)
			if doc.Context != f.URL+"$metadata" {
				t.Errorf("GET %s: @odata.context %q, want the absolute %q", u, doc.Context, f.URL+"$metadata")
			}
			found := map[string]bool{}
			for _, s := range doc.Value {
				if s.Kind != "EntitySet" || s.URL != s.Name {
					t.Errorf("GET %s: service document entry %+v, want kind EntitySet and url = name", u, s)
				}
				found[s.Name] = true
			}
			for _, want := range []string{"Conversations", "Calls", "Chats", "Emails", "Messages", "Agents", "QueueSegments"} {
				if !found[want] {
					t.Errorf("GET %s: service document lacks %s", u, want)
				}
			}
		}
	})

	t.Run("$metadata is XML whatever Accept says", func(t *testing.T) {
		r := get(t, f, f.URL+"$metadata", tok, pq()...)
		r.mustStatus(t, http.StatusOK, "GET $metadata")
		checkOneVersion(t, r, "$metadata")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
			t.Fatalf("$metadata Content-Type %q with Power Query's Accept, want application/xml", ct)
		}
		var edmx struct {
			XMLName xml.Name
			Version string `xml:"Version,attr"`
		}
		if err := xml.Unmarshal(r.Body, &edmx); err != nil {
			t.Fatalf("$metadata is not XML: %v", err)
		}
		if edmx.XMLName.Local != "Edmx" || edmx.Version != "4.0" {
			t.Errorf("$metadata root %s Version=%q, want Edmx Version=\"4.0\"", edmx.XMLName.Local, edmx.Version)
		}
		// Accept asking for JSON only still gets XML.
		r = get(t, f, f.URL+"$metadata", tok, "Accept", "application/json")
		if ct := r.Header.Get("Content-Type"); r.Status != http.StatusOK || !strings.HasPrefix(ct, "application/xml") {
			t.Errorf("$metadata with Accept: application/json: %d %q, want 200 application/xml", r.Status, ct)
		}
		// JSON only on $format=json.
		for _, q := range []string{"$format=json", "$format=application/json"} {
			r = get(t, f, f.URL+"$metadata?"+q, tok, pq()...)
			r.mustStatus(t, http.StatusOK, "$metadata?"+q)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("$metadata?%s Content-Type %q, want application/json", q, ct)
			}
			var csdl map[string]any
			r.decode(t, &csdl, "$metadata?"+q)
			if csdl["$Version"] != "4.0" {
				t.Errorf("$metadata?%s: $Version %v, want 4.0", q, csdl["$Version"])
			}
		}
	})

	t.Run("bare entity set", func(t *testing.T) {
		pages := walk(t, f, f.URL+"Conversations", tok, pq()...)
		all := rows(pages)
		if n := count(t, f, f.URL+"Conversations/$count", tok); len(all) != n {
			t.Errorf("bare set gave %d rows over %d pages, /$count says %d", len(all), len(pages), n)
		}
		c := pages[0].Coll
		if c.Context != f.URL+"$metadata#Conversations" {
			t.Errorf("@odata.context %q, want %q", c.Context, f.URL+"$metadata#Conversations")
		}
		if ct := pages[0].Reply.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json;odata.metadata=minimal") ||
			!strings.Contains(ct, "IEEE754Compatible=false") {
			t.Errorf("Content-Type %q, want application/json;odata.metadata=minimal with IEEE754Compatible=false", ct)
		}
		checkAllPresent(t, all, props["Conversations"], "Conversations")
		// Started at a set URL, Power Query finds $metadata through the
		// context URL, and needs XML there.
		meta, _, _ := strings.Cut(c.Context, "#")
		if r := get(t, f, meta, tok, pq()...); r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
			t.Errorf("GET %s (from @odata.context): %d %q, want 200 application/xml", meta, r.Status, r.Header.Get("Content-Type"))
		}
		// Minimal metadata writes no per-entity annotations.
		for k := range all[0] {
			if strings.Contains(k, "@odata.") {
				t.Errorf("minimal metadata row carries %q", k)
			}
		}
	})

	t.Run("every set, first rows, all properties present", func(t *testing.T) {
		// An admin token sees the admin-only sets too.
		admin := f.Token(t, ccfeed.ScopeAdmin, ccfeed.AllTenants)
		for set, names := range props {
			c, r := collectionOf(t, f, f.URL+set+"?$top=50", admin, pq()...)
			checkOneVersion(t, r, set)
			if len(c.Value) == 0 && strings.HasPrefix(set, "Load") {
				continue // the load history: empty in a demo database
			}
			checkAllPresent(t, c.Value, names, set)
			if c.Context != f.URL+"$metadata#"+set {
				t.Errorf("%s: @odata.context %q", set, c.Context)
			}
		}
	})

	t.Run("$top=1000 preview", func(t *testing.T) {
		c, _ := collectionOf(t, f, f.URL+"Conversations?$top=1000", tok, pq()...)
		if len(c.Value) != 1000 {
			t.Errorf("$top=1000 gave %d rows", len(c.Value))
		}
		if c.NextLink != "" {
			t.Errorf("$top=1000 fits one page yet has nextLink %s", c.NextLink)
		}
	})

	t.Run("$select=A%2CB", func(t *testing.T) {
		c, _ := collectionOf(t, f, f.URL+"Conversations?$select=id%2CendedAtUTC&$top=1000", tok, pq()...)
		if want := f.URL + "$metadata#Conversations(id,endedAtUTC)"; c.Context != want {
			t.Errorf("@odata.context %q, want %q", c.Context, want)
		}
		nulls := 0
		for i, row := range c.Value {
			if len(row) != 2 {
				t.Fatalf("row %d has members %v, want exactly id and endedAtUTC", i, keysOf(row))
			}
			v, ok := row["endedAtUTC"]
			if !ok {
				t.Fatalf("row %d lacks endedAtUTC", i)
			}
			if v == nil {
				nulls++
			}
		}
		if nulls == 0 {
			t.Error("no null endedAtUTC among 1000 rows: the test no longer shows nulls are written")
		}
	})

	t.Run("date range $filter, percent-encoded", func(t *testing.T) {
		// Power Query folds RangeStart/RangeEnd to unquoted date-times
		// with %3A and an offset %2B01%3A00, or Z.
		lo := time.Date(2026, 9, 8, 0, 0, 0, 0, time.FixedZone("", 3600))
		hi := time.Date(2026, 9, 15, 0, 0, 0, 0, time.FixedZone("", 3600))
		everything := rows(walk(t, f, f.URL+"Conversations?$select=id,startedAtUTC,startedAt,endedAtUTC", tok, pq()...))
		for _, tc := range []struct {
			name, filter, prop string
			in                 func(t time.Time) bool
		}{
			{"offset ge/lt", "startedAtUTC%20ge%202026-09-08T00%3A00%3A00%2B01%3A00%20and%20startedAtUTC%20lt%202026-09-15T00%3A00%3A00%2B01%3A00",
				"startedAtUTC", func(x time.Time) bool { return !x.Before(lo) && x.Before(hi) }},
			{"Z gt/le", "startedAtUTC%20gt%202026-09-07T23%3A00%3A00Z%20and%20startedAtUTC%20le%202026-09-14T23%3A00%3A00Z",
				"startedAtUTC", func(x time.Time) bool { return x.After(lo) && !x.After(hi) }},
			{"fractional seconds", "startedAtUTC%20ge%202026-09-07T23%3A00%3A00.000Z%20and%20startedAtUTC%20lt%202026-09-14T23%3A00%3A00.0000000Z",
				"startedAtUTC", func(x time.Time) bool { return !x.Before(lo) && x.Before(hi) }},
			{"tenant-local column compares instants", "startedAt%20ge%202026-09-08T00%3A00%3A00%2B01%3A00%20and%20startedAt%20lt%202026-09-15T00%3A00%3A00%2B01%3A00",
				"startedAt", func(x time.Time) bool { return !x.Before(lo) && x.Before(hi) }},
			{"negative offset", "endedAtUTC%20ge%202026-09-07T18%3A00%3A00-05%3A00%20and%20endedAtUTC%20lt%202026-09-14T18%3A00%3A00-05%3A00",
				"endedAtUTC", func(x time.Time) bool { return !x.Before(lo) && x.Before(hi) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := rows(walk(t, f, f.URL+"Conversations?$select=id,"+tc.prop+"&$filter="+tc.filter, tok, pq("Prefer", "odata.maxpagesize=200")...))
				for _, row := range got {
					s, _ := row[tc.prop].(string)
					x, err := time.Parse(time.RFC3339Nano, s)
					if err != nil {
						t.Fatalf("row %v: %s %q is not a date-time with offset: %v", row["id"], tc.prop, s, err)
					}
					if !tc.in(x) {
						t.Errorf("row %v: %s %s is outside the filtered range", row["id"], tc.prop, s)
					}
				}
				var want []string
				for _, row := range everything {
					if s, ok := row[tc.prop].(string); ok {
						if x, err := time.Parse(time.RFC3339Nano, s); err == nil && tc.in(x) {
							want = append(want, row["id"].(string))
						}
					}
				}
				if len(want) == 0 {
					t.Fatal("no demo row falls in the range: the test proves nothing")
				}
				sameKeys(t, "filtered rows versus rows in range", ids(t, got), want)
			})
		}
	})

	t.Run("nextLink chain", func(t *testing.T) {
		for _, tc := range []struct {
			set      string
			pageSize int
		}{
			{"Conversations", 97},
			{"Messages", 1000},
			{"QueueSegments", 450}, // divides the set size: the last page is full
		} {
			t.Run(tc.set, func(t *testing.T) {
				ps := strconv.Itoa(tc.pageSize)
				pages := walk(t, f, f.URL+tc.set+"?$select=id", tok, pq("Prefer", "odata.maxpagesize="+ps)...)
				n := count(t, f, f.URL+tc.set+"/$count", tok)
				if want := (n + tc.pageSize - 1) / tc.pageSize; len(pages) != want {
					t.Errorf("%d pages, want %d for %d rows at %d per page", len(pages), want, n, tc.pageSize)
				}
				got := ids(t, rows(pages))
				if len(got) != n {
					t.Errorf("walked %d rows, /$count says %d", len(got), n)
				}
				for i, p := range pages {
					if pa := p.Reply.Header.Get("Preference-Applied"); pa != "odata.maxpagesize="+ps {
						t.Errorf("page %d: Preference-Applied %q", i, pa)
					}
					if i < len(pages)-1 && len(p.Coll.Value) != tc.pageSize {
						t.Errorf("page %d has %d rows, want %d", i, len(p.Coll.Value), tc.pageSize)
					}
					if p.Coll.NextLink != "" && !strings.HasPrefix(p.Coll.NextLink, f.URL+tc.set+"?") {
						t.Errorf("page %d: nextLink %q is not absolute under %s", i, p.Coll.NextLink, f.URL)
					}
					if p.Coll.Context != f.URL+"$metadata#"+tc.set+"(id)" {
						t.Errorf("page %d: @odata.context %q", i, p.Coll.Context)
					}
					checkOneVersion(t, p.Reply, "page "+strconv.Itoa(i))
				}
				// A single big page holds the same keys in the same order.
				one := ids(t, rows(walk(t, f, f.URL+tc.set+"?$select=id", tok, "Prefer", "odata.maxpagesize=20000")))
				sameKeys(t, "paged versus big pages", got, one)
				if strings.Join(got, "\n") != strings.Join(one, "\n") {
					t.Error("paged order differs from the order of big pages")
				}
			})
		}
	})

	t.Run("/$count is text/plain", func(t *testing.T) {
		r := get(t, f, f.URL+"Conversations/$count", tok, pq()...)
		r.mustStatus(t, http.StatusOK, "/$count")
		checkOneVersion(t, r, "/$count")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("/$count Content-Type %q, want text/plain", ct)
		}
		if n, err := strconv.Atoi(string(r.Body)); err != nil || n != 4500 {
			t.Errorf("/$count body %q, want 4500 (the demo data's conversations)", r.Body)
		}
		r = get(t, f, f.URL+"Conversations/$count?$filter=mediaType%20eq%20%27voice%27", tok, pq()...)
		if string(r.Body) != strconv.Itoa(count(t, f, f.URL+"Calls/$count", tok)) {
			t.Errorf("voice conversations %s differ from Calls/$count", r.Body)
		}
	})

	t.Run("omit-values=nulls only when asked", func(t *testing.T) {
		u := f.URL + "Conversations?$select=id,endedAtUTC,csat&$top=300"
		c, r := collectionOf(t, f, u, tok, pq()...)
		if pa := r.Header.Get("Preference-Applied"); pa != "" {
			t.Errorf("Preference-Applied %q without a Prefer header", pa)
		}
		checkAllPresent(t, c.Value, []string{"id", "endedAtUTC", "csat"}, "no Prefer")
		c, r = collectionOf(t, f, u, tok, pq("Prefer", "omit-values=nulls")...)
		if pa := r.Header.Get("Preference-Applied"); !strings.Contains(pa, "omit-values=nulls") {
			t.Errorf("Preference-Applied %q, want omit-values=nulls", pa)
		}
		omitted := 0
		for _, row := range c.Value {
			for k, v := range row {
				if v == nil {
					t.Errorf("row %v: %s is null despite omit-values=nulls", row["id"], k)
				}
			}
			if _, ok := row["id"]; !ok {
				t.Errorf("row without id: %v", row)
			}
			if len(row) < 3 {
				omitted++
			}
		}
		if omitted == 0 {
			t.Error("no row omitted a null: the demo data no longer has nulls here")
		}
	})

	t.Run("one OData-Version header on every response", func(t *testing.T) {
		for _, tc := range []struct {
			name, url string
			token     bool
			status    int
		}{
			{"root", f.URL, true, 200},
			{"root no slash", strings.TrimSuffix(f.URL, "/"), true, 200},
			{"metadata", f.URL + "$metadata", true, 200},
			{"set", f.URL + "Agents", true, 200},
			{"count", f.URL + "Agents/$count", true, 200},
			{"entity", f.URL + "Conversations('" + convKey + "')", true, 200},
			{"null property 204", f.URL + "Conversations('" + convKey + "')/endedAtUTC", true, 204},
			{"healthz", f.Base + "/healthz", false, 200},
			{"401 no token", f.URL + "Conversations", false, 401},
			{"401 bad token", f.URL + "Conversations?x=1", false, 401},
			{"401 empty bearer", f.URL, false, 401}, // Power Query's organizational-account probe
			{"404 unknown route", f.Base + "/nowhere", true, 404},
			{"404 unknown set", f.URL + "Nowhere", true, 404},
			{"404 unknown key", f.URL + "Conversations('nope')", true, 404},
			{"400 bad filter", f.URL + "Conversations?$filter=id%20eq", true, 400},
			{"501 option", f.URL + "Conversations?$foo=1", true, 501},
			{"406 format", f.URL + "Conversations?$format=atom", true, 406},
		} {
			t.Run(tc.name, func(t *testing.T) {
				token := ""
				if tc.token {
					token = tok
				}
				h := pq()
				switch tc.name {
				case "401 bad token":
					h = append(h, "Authorization", "Bearer not-a-token")
				case "401 empty bearer":
					h = append(h, "Authorization", "Bearer")
				}
				r := get(t, f, tc.url, token, h...)
				if r.Status != tc.status {
					t.Errorf("status %d, want %d: %.300s", r.Status, tc.status, r.Body)
				}
				checkOneVersion(t, r, tc.name)
				if r.Status >= 400 {
					checkErrorBody(t, r, tc.name)
				}
				if r.Status == http.StatusUnauthorized && r.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			})
		}
	})

	t.Run("error body shape", func(t *testing.T) {
		r := get(t, f, f.URL+"Conversations?$filter=agnetId%20eq%20%27x%27", tok, pq()...)
		r.mustStatus(t, http.StatusBadRequest, "unknown property")
		e := checkErrorBody(t, r, "unknown property")
		if e.Error.Target != "$filter" || !strings.Contains(e.Error.Message, "agnetId") || !strings.Contains(e.Error.Message, "agentId") {
			t.Errorf("error %+v: want target $filter, naming agnetId and suggesting agentId", e.Error)
		}
	})

	t.Run("gzip", func(t *testing.T) {
		r := get(t, f, f.URL+"Conversations?$top=500", tok, pq()...)
		r.mustStatus(t, http.StatusOK, "gzip")
		if !r.Gzipped {
			t.Fatalf("Accept-Encoding: gzip, deflate but Content-Encoding %q", r.Header.Get("Content-Encoding"))
		}
		if !json.Valid(r.Body) {
			t.Fatal("decoded gzip body is not valid JSON")
		}
		var c collection
		r.decode(t, &c, "gzip")
		if len(c.Value) != 500 {
			t.Errorf("gzip body holds %d rows, want 500", len(c.Value))
		}
		// Same bytes as the uncompressed answer.
		plain := get(t, f, f.URL+"Conversations?$top=500", tok, "Accept", pqAccept)
		if plain.Gzipped || string(plain.Body) != string(r.Body) {
			t.Error("gzip-decoded body differs from the identity-encoded body")
		}
		// Errors are gzip-encoded too, and still decode.
		r = get(t, f, f.URL+"Nowhere", tok, pq()...)
		checkErrorBody(t, r, "gzip error")
	})
}

// checkAllPresent asserts every row carries exactly the named properties
// (null when empty): Power Query treats a missing property as an error.
func checkAllPresent(t *testing.T, rs []map[string]any, names []string, what string) {
	t.Helper()
	if len(rs) == 0 {
		t.Errorf("%s: no rows to check", what)
		return
	}
	for i, row := range rs {
		for _, n := range names {
			if _, ok := row[n]; !ok {
				t.Errorf("%s row %d (%v): property %s is missing", what, i, row["id"], n)
				return
			}
		}
		if len(row) != len(names) {
			t.Errorf("%s row %d: %d members, want the %d properties %v; got %v", what, i, len(row), len(names), names, keysOf(row))
			return
		}
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
