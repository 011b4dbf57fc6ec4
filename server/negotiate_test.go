package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// TestNegotiation checks which JSON flavour each Accept header and $format
// value gets, and that a client allowing only Atom/XML gets 406.
func TestNegotiation(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	u := f.URL + "Messages?$select=id,messageIndex&$top=2"

	for _, tc := range []struct {
		name, accept, format string
		status               int
		metadata             string // odata.metadata in the Content-Type
		ieee754              bool
	}{
		{name: "no Accept", status: 200, metadata: "minimal"},
		{name: "Power Query", accept: pqAccept, status: 200, metadata: "minimal"},
		{name: "plain json", accept: "application/json", status: 200, metadata: "minimal"},
		{name: "any", accept: "*/*", status: 200, metadata: "minimal"},
		{name: "application/*", accept: "application/*", status: 200, metadata: "minimal"},
		{name: "browser", accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", status: 200, metadata: "minimal"},
		{name: "full", accept: "application/json;odata.metadata=full", status: 200, metadata: "full"},
		{name: "none", accept: "application/json;odata.metadata=none", status: 200, metadata: "none"},
		{name: "OData 3 fullmetadata", accept: "application/json;odata=fullmetadata", status: 200, metadata: "full"},
		{name: "q picks full over none", accept: "application/json;odata.metadata=none;q=0.5,application/json;odata.metadata=full;q=0.9", status: 200, metadata: "full"},
		{name: "default q=1 beats q=0.1", accept: "application/json;odata.metadata=full;q=0.1, application/json;odata.metadata=none", status: 200, metadata: "none"},
		{name: "equal q keeps the first", accept: "application/json;odata.metadata=none, application/json;odata.metadata=full", status: 200, metadata: "none"},
		{name: "xml preferred, json allowed", accept: "application/xml;q=1.0,application/json;q=0.1", status: 200, metadata: "minimal"},
		{name: "IEEE754Compatible", accept: "application/json;IEEE754Compatible=true", status: 200, metadata: "minimal", ieee754: true},
		{name: "IEEE754Compatible with full", accept: "application/json;odata.metadata=full;IEEE754Compatible=true", status: 200, metadata: "full", ieee754: true},
		{name: "atom only", accept: "application/atom+xml", status: 406},
		{name: "atom and xml", accept: "application/atomsvc+xml,application/atom+xml,application/xml", status: 406},
		{name: "text only", accept: "text/plain", status: 406},
		{name: "json refused with q=0", accept: "application/json;q=0", status: 406},
		{name: "unknown metadata value", accept: "application/json;odata.metadata=verbose", status: 406},
		{name: "$format=json", format: "json", status: 200, metadata: "minimal"},
		{name: "$format=json beats an Atom Accept", accept: "application/atom+xml", format: "json", status: 200, metadata: "minimal"},
		{name: "$format=application/json", format: "application/json", status: 200, metadata: "minimal"},
		{name: "$format none, raw", format: "application/json;odata.metadata=none", status: 200, metadata: "none"},
		{name: "$format none, encoded", format: "application%2Fjson%3Bodata.metadata%3Dnone", status: 200, metadata: "none"},
		{name: "$format full with IEEE754", format: "application/json;odata.metadata=full;IEEE754Compatible=true", status: 200, metadata: "full", ieee754: true},
		{name: "$format=atom", format: "atom", status: 406},
		{name: "$format=xml", format: "xml", status: 406},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := u
			if tc.format != "" {
				q += "&$format=" + tc.format
			}
			var h []string
			if tc.accept != "" {
				h = []string{"Accept", tc.accept}
			}
			r := get(t, f, q, tok, h...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.Status, tc.status, r.Body)
			}
			checkOneVersion(t, r, tc.name)
			if tc.status != 200 {
				e := checkErrorBody(t, r, tc.name)
				if e.Error.Code != "not_acceptable" {
					t.Errorf("error code %q, want not_acceptable", e.Error.Code)
				}
				return
			}
			ct := r.Header.Get("Content-Type")
			if !strings.HasPrefix(ct, "application/json;odata.metadata="+tc.metadata+";") {
				t.Errorf("Content-Type %q, want odata.metadata=%s", ct, tc.metadata)
			}
			wantIEEE := "IEEE754Compatible=false"
			if tc.ieee754 {
				wantIEEE = "IEEE754Compatible=true"
			}
			if !strings.Contains(ct, wantIEEE) {
				t.Errorf("Content-Type %q, want %s", ct, wantIEEE)
			}
			var c collection
			r.decode(t, &c, tc.name)
			if len(c.Value) != 2 {
				t.Fatalf("%d rows, want 2", len(c.Value))
			}
			if (c.Context == "") != (tc.metadata == "none") {
				t.Errorf("@odata.context %q with odata.metadata=%s", c.Context, tc.metadata)
			}
			// Int64 is a JSON string exactly when IEEE754Compatible=true.
			mi := c.Value[0]["messageIndex"]
			if _, isString := mi.(string); isString != tc.ieee754 {
				t.Errorf("messageIndex %#v (%T) with IEEE754Compatible=%v", mi, mi, tc.ieee754)
			}
			_, hasType := c.Value[0]["@odata.type"]
			if hasType != (tc.metadata == "full") {
				t.Errorf("@odata.type present=%v with odata.metadata=%s", hasType, tc.metadata)
			}
		})
	}
}

// TestFullMetadata checks the annotations odata.metadata=full adds: the
// entity's type, id and read link, type annotations on values JSON cannot
// tell apart (DateTimeOffset), navigation links, all absolute and
// dereferenceable.
func TestFullMetadata(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	full := []string{"Accept", "application/json;odata.metadata=full"}

	c, _ := collectionOf(t, f, f.URL+"Conversations?$select=id,startedAtUTC,startedAt,endedAtUTC,durationInSeconds,status,isOutbound&$top=5", tok, full...)
	if len(c.Value) != 5 {
		t.Fatalf("%d rows, want 5", len(c.Value))
	}
	for _, row := range c.Value {
		id := row["id"].(string)
		wantID := f.URL + "Conversations('" + id + "')"
		for k, want := range map[string]any{
			"@odata.type":                           "#ccfeed.Conversation",
			"@odata.id":                             wantID,
			"@odata.readLink":                       wantID,
			"startedAtUTC@odata.type":               "#DateTimeOffset",
			"startedAt@odata.type":                  "#DateTimeOffset",
			"Messages@odata.navigationLink":         wantID + "/Messages",
			"Agent@odata.navigationLink":            wantID + "/Agent",
			"NextConversation@odata.navigationLink": wantID + "/NextConversation",
		} {
			if row[k] != want {
				t.Errorf("%s: %s = %v, want %v", id, k, row[k], want)
			}
		}
		// Strings, booleans and doubles are told apart by JSON itself: no
		// annotation. A null value has none either.
		for _, k := range []string{"id", "status", "isOutbound", "durationInSeconds"} {
			if _, ok := row[k+"@odata.type"]; ok {
				t.Errorf("%s: %s carries an @odata.type annotation it does not need", id, k)
			}
		}
		if row["endedAtUTC"] == nil {
			if _, ok := row["endedAtUTC@odata.type"]; ok {
				t.Errorf("%s: null endedAtUTC carries a type annotation", id)
			}
		}
	}

	// The id dereferences to the same entity, in full metadata too.
	id := c.Value[0]["@odata.id"].(string)
	r := get(t, f, id, tok, full...)
	r.mustStatus(t, http.StatusOK, "GET "+id)
	var e map[string]any
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatal(err)
	}
	if e["@odata.id"] != id || e["id"] != c.Value[0]["id"] {
		t.Errorf("GET %s: @odata.id %v id %v", id, e["@odata.id"], e["id"])
	}
	if e["@odata.context"] != f.URL+"$metadata#Conversations/$entity" {
		t.Errorf("GET %s: @odata.context %v", id, e["@odata.context"])
	}
	// So does a navigation link.
	nav := c.Value[0]["Messages@odata.navigationLink"].(string)
	m, _ := collectionOf(t, f, nav, tok, full...)
	for _, row := range m.Value {
		if row["conversationId"] != c.Value[0]["id"] || row["@odata.type"] != "#ccfeed.Message" {
			t.Errorf("GET %s: row %v", nav, row["@odata.id"])
		}
		if row["messageIndex@odata.type"] != "#Int64" {
			t.Errorf("GET %s: Int64 messageIndex lacks #Int64 in full metadata", nav)
		}
	}
}

// TestMetadataNone checks that odata.metadata=none leaves out context and
// annotations but still pages with a nextLink.
func TestMetadataNone(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	h := []string{"Accept", "application/json;odata.metadata=none", "Prefer", "odata.maxpagesize=1000"}
	pages := walk(t, f, f.URL+"Conversations?$select=id", tok, h...)
	if len(pages) != 5 {
		t.Errorf("%d pages, want 5: none must still carry @odata.nextLink", len(pages))
	}
	for i, p := range pages {
		var raw map[string]json.RawMessage
		p.Reply.decode(t, &raw, "page")
		for k := range raw {
			if k != "value" && k != "@odata.nextLink" {
				t.Errorf("page %d: member %s in odata.metadata=none", i, k)
			}
		}
	}
	if got := len(rows(pages)); got != 4500 {
		t.Errorf("%d rows, want 4500", got)
	}
	// A single entity has no context either.
	r := get(t, f, f.URL+"Conversations('"+convKey+"')?$select=id", tok, h...)
	if string(r.Body) != `{"id":"`+convKey+`"}`+"\n" {
		t.Errorf("entity with odata.metadata=none: %s", r.Body)
	}
}
