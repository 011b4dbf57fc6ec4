package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/server"
)

// TestStreamCut makes the query time limit expire while rows are being
// streamed. Once the 200 and part of the body are out, the only honest
// signal left is a broken transfer: the client must get a read error, never
// a response that ends cleanly with truncated JSON.
func TestStreamCut(t *testing.T) {
	cut := 0
	for _, limit := range []time.Duration{15 * time.Millisecond, 30 * time.Millisecond, 60 * time.Millisecond, 120 * time.Millisecond} {
		f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{QueryTimeout: limit}})
		tok := f.ReadToken(t)
		for _, enc := range []string{"identity", "gzip"} {
			resp := f.Get(t, f.URL+"Messages", tok, "Prefer", "odata.maxpagesize=20000", "Accept-Encoding", enc)
			raw, readErr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				continue // stopped before the first row: a proper error response
			}
			body := raw
			if resp.Header.Get("Content-Encoding") == "gzip" && readErr == nil {
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				if err == nil {
					body, readErr = io.ReadAll(zr)
				} else {
					readErr = err
				}
			}
			if readErr == nil && !json.Valid(body) {
				t.Errorf("limit %v, %s: the 200 response ended cleanly after %d bytes of invalid JSON; the transfer must break instead",
					limit, enc, len(body))
			}
			if readErr != nil || !json.Valid(body) {
				cut++ // the limit expired mid-stream
			}
		}
	}
	if cut == 0 {
		t.Skip("SKIPPED, NOT PASSED: no time limit expired mid-stream on this machine, so the cut was not exercised")
	}
}

// TestCompression checks when the feed gzips: only when Accept-Encoding
// allows gzip with a non-zero q-value.
func TestCompression(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	for _, tc := range []struct {
		acceptEncoding string
		gzip           bool
	}{
		{"gzip, deflate", true},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=0.5", true},
		{"gzip;q=1.0", true},
		{"gzip;q=0", false},
		{"gzip;q=0.0", false},
		{"identity", false},
		{"deflate", false},
		{"br", false},
	} {
		t.Run(tc.acceptEncoding, func(t *testing.T) {
			r := get(t, f, f.URL+"Agents?$top=5", tok, "Accept-Encoding", tc.acceptEncoding)
			r.mustStatus(t, http.StatusOK, tc.acceptEncoding)
			if r.Gzipped != tc.gzip {
				t.Errorf("gzipped=%v, want %v", r.Gzipped, tc.gzip)
			}
			if tc.gzip && !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("gzip response without Vary: Accept-Encoding")
			}
			var c collection
			r.decode(t, &c, tc.acceptEncoding)
			if len(c.Value) != 5 {
				t.Errorf("%d rows, want 5", len(c.Value))
			}
		})
	}
	// No body, no gzip: 204 and 304 carry no Content-Encoding.
	r := get(t, f, f.URL+"Conversations('"+convKey+"')/endedAtUTC", tok, "Accept-Encoding", "gzip")
	if r.Status != http.StatusNoContent || r.Header.Get("Content-Encoding") != "" || len(r.Body) != 0 {
		t.Errorf("204: Content-Encoding %q, %d body bytes", r.Header.Get("Content-Encoding"), len(r.Body))
	}
}

// TestRequestHeaders checks OData-MaxVersion, Prefer combinations and the
// $metadata ETag.
func TestRequestHeaders(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)

	t.Run("OData-MaxVersion", func(t *testing.T) {
		for _, tc := range []struct {
			v      string
			status int
		}{{"4.0", 200}, {"4.01", 200}, {"10.0", 200}, {"3.0", 400}, {"2.0", 400}} {
			r := get(t, f, f.URL+"Agents?$top=1", tok, "OData-MaxVersion", tc.v)
			if r.Status != tc.status {
				t.Errorf("OData-MaxVersion %s: status %d, want %d: %.300s", tc.v, r.Status, tc.status, r.Body)
			}
			checkOneVersion(t, r, tc.v)
		}
		// Power Query's OData 3 header alone does not matter.
		r := get(t, f, f.URL+"Agents?$top=1", tok, "MaxDataServiceVersion", "3.0")
		r.mustStatus(t, http.StatusOK, "MaxDataServiceVersion")
	})

	t.Run("Prefer", func(t *testing.T) {
		u := f.URL + "Conversations?$select=id,endedAtUTC&$top=40"
		for _, tc := range []struct {
			prefer   []string // one header per entry
			applied  string
			pageRows int
		}{
			{[]string{"odata.maxpagesize=10, omit-values=nulls"}, "odata.maxpagesize=10, omit-values=nulls", 10},
			{[]string{"odata.maxpagesize=10", "omit-values=nulls"}, "odata.maxpagesize=10, omit-values=nulls", 10},
			{[]string{"maxpagesize=7"}, "odata.maxpagesize=7", 7},
			{[]string{`odata.maxpagesize="12"`}, "odata.maxpagesize=12", 12},
			{[]string{"odata.maxpagesize=0"}, "", 40},
			{[]string{"odata.maxpagesize=-5"}, "", 40},
			{[]string{"odata.maxpagesize=lots"}, "", 40},
			{[]string{"return=minimal"}, "", 40},
			{[]string{"omit-values=defaults"}, "", 40},
		} {
			t.Run(strings.Join(tc.prefer, " | "), func(t *testing.T) {
				var h []string
				for _, p := range tc.prefer {
					h = append(h, "Prefer", p)
				}
				c, r := collectionOf(t, f, u, tok, h...)
				if got := r.Header.Get("Preference-Applied"); got != tc.applied {
					t.Errorf("Preference-Applied %q, want %q", got, tc.applied)
				}
				if len(c.Value) != tc.pageRows {
					t.Errorf("%d rows, want %d", len(c.Value), tc.pageRows)
				}
				omitting := strings.Contains(tc.applied, "omit-values=nulls")
				for _, row := range c.Value {
					if _, ok := row["endedAtUTC"]; !ok && !omitting {
						t.Fatalf("row %v lacks endedAtUTC without omit-values=nulls applied", row["id"])
					}
				}
			})
		}
	})

	t.Run("omit-values=nulls on a single entity", func(t *testing.T) {
		r := get(t, f, f.URL+"Conversations('"+convKey+"')", tok, "Prefer", "omit-values=nulls")
		r.mustStatus(t, http.StatusOK, "entity")
		var e map[string]any
		r.decode(t, &e, "entity")
		if _, ok := e["endedAtUTC"]; ok {
			if e["endedAtUTC"] == nil {
				t.Error("null written despite omit-values=nulls")
			}
			return
		}
		if pa := r.Header.Get("Preference-Applied"); pa != "omit-values=nulls" {
			t.Errorf("nulls omitted from the entity, but Preference-Applied is %q", pa)
		}
		// Without the preference, every property is there.
		r = get(t, f, f.URL+"Conversations('"+convKey+"')", tok)
		var all map[string]any
		r.decode(t, &all, "entity")
		if _, ok := all["endedAtUTC"]; !ok || r.Header.Get("Preference-Applied") != "" {
			t.Errorf("entity without Prefer: endedAtUTC present=%v, Preference-Applied %q", ok, r.Header.Get("Preference-Applied"))
		}
	})

	t.Run("errors apply no preference", func(t *testing.T) {
		r := get(t, f, f.URL+"Conversations('nope')/Messages", tok, "Prefer", "odata.maxpagesize=5, omit-values=nulls")
		if r.Status != http.StatusNotFound {
			t.Fatalf("status %d, want 404", r.Status)
		}
		if pa := r.Header.Get("Preference-Applied"); pa != "" {
			t.Errorf("404 carries Preference-Applied %q", pa)
		}
	})

	t.Run("$metadata ETag", func(t *testing.T) {
		r := get(t, f, f.URL+"$metadata", tok)
		etag := r.Header.Get("ETag")
		if etag == "" {
			t.Fatal("$metadata has no ETag")
		}
		r = get(t, f, f.URL+"$metadata", tok, "If-None-Match", etag)
		if r.Status != http.StatusNotModified || len(r.Body) != 0 {
			t.Errorf("If-None-Match with the ETag: %d and %d bytes, want 304 and none", r.Status, len(r.Body))
		}
		checkOneVersion(t, r, "304")
		r = get(t, f, f.URL+"$metadata?$format=json", tok, "If-None-Match", etag)
		if r.Status != http.StatusOK {
			t.Errorf("the XML ETag matched the JSON document: %d", r.Status)
		}
	})
}
