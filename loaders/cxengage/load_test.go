package cxengage

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
)

// TestLaterCopyCompletes loads an interaction first open and flagged, then
// complete: the second load updates the same rows in place and clears the
// flags; loading it once more changes nothing. (The case folder checks the
// end state; this checks the state in between and the update counts.)
func TestLaterCopyCompletes(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	dir := filepath.Join("..", "..", "testdata", "cxengage", "incomplete-then-complete")
	load := func(name string) loaders.Result {
		t.Helper()
		r := loaders.LoadFile(ctx, db.DB, testTenant, filepath.Join(dir, name), loaders.Options{})
		if r.Status != edm.LoadLoaded || r.Kind != loaders.KindCxEngage {
			t.Fatalf("%s: %s (%s) %s", name, r.Status, r.Kind, r.Message)
		}
		return r
	}
	const conv, work = "00000000-0000-4000-8000-000000000401", "00000000-0000-4000-8000-00000000c401"

	load("1-open.json")
	for _, c := range []struct {
		table, col, id string
		want           any
	}{
		{"Conversations", "flagType", conv, "Agent"},
		{"Conversations", "isComplete", conv, int64(0)},
		{"Conversations", "status", conv, "open"},
		{"Conversations", "endedAtUTC", conv, nil},
		{"Workitems", "endTimeUTC", work, nil},
		{"Workitems", "completionCode", work, nil},
	} {
		if got := value(t, db, c.table, c.col, c.id); got != c.want {
			t.Errorf("after the open copy, %s.%s = %v, want %v", c.table, c.col, got, c.want)
		}
	}

	r := load("2-complete.json")
	for _, set := range []string{"Conversations", "Workitems", "QueueSegments"} {
		if c := r.Counts[set]; c == nil || c.Updated != 1 || c.Inserted != 0 {
			t.Errorf("the complete copy wrote %s %+v, want one update", set, c)
		}
	}
	for _, c := range []struct {
		table, col, id string
		want           any
	}{
		{"Conversations", "flagType", conv, nil},
		{"Conversations", "isComplete", conv, int64(1)},
		{"Conversations", "status", conv, "closed"},
		{"Workitems", "completionCode", work, "Payment taken"},
	} {
		if got := value(t, db, c.table, c.col, c.id); got != c.want {
			t.Errorf("after the complete copy, %s.%s = %v, want %v", c.table, c.col, got, c.want)
		}
	}
	if value(t, db, "Workitems", "endTimeUTC", work) == nil {
		t.Error("the workitem has no end after the complete copy")
	}

	r = load("2-complete.json")
	for set, c := range r.Counts {
		if set != "Loads" && c.Inserted+c.Updated != 0 {
			t.Errorf("the same copy again changed %s: %+v", set, *c)
		}
	}
	// The old open copy, loaded last, does not undo the complete one.
	load("1-open.json")
	if got := value(t, db, "Conversations", "isComplete", conv); got != int64(1) {
		t.Errorf("an old incomplete copy made the conversation incomplete again")
	}
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name string
		head string
		want bool
	}{
		{"list page", `{"page": null, "limit": 10, "offset": 0, "total": 127, "tenantName": "T", "tenantTimezone": "US/Eastern", "results": [`, true},
		{"empty list page", "\xEF\xBB\xBF\n {\"total\": 0, \"tenantTimezone\": \"UTC\", \"results\": []}", true},
		{"interaction", `{"tenantId": "x", "interactionId": "y", "channelType": "voice"}`, true},
		{"bare list", `[{"interactionId": "y", "dataComplete": true}]`, true},
		{"interactionId alone", `{"interactionId": "y"}`, false},
		{"LivePerson", `{"_metadata": {"count": 1}, "conversationHistoryRecords": [{"info": {"conversationId": "c"}}]}`, false},
		{"OData", `{"@odata.context": "x", "value": [{"id": "1"}]}`, false},
		{"CSV", "interactionId,channelType\n1,voice", false},
	} {
		if got := (Source{}).Sniff("f.json", []byte(c.head)); got != c.want {
			t.Errorf("%s: Sniff = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestSamplesSniffed: the vendor example and the synthetic samples are
// recognised by content alone, as the drop folder needs.
func TestSamplesSniffed(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "cxengage", "*", "*.json"))
	for _, f := range files {
		if b := filepath.Base(f); b == "want.json" || b == "case.json" {
			continue
		}
		head, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if src, err := loaders.Detect(filepath.Base(f), head); err != nil || src.Kind() != loaders.KindCxEngage {
			t.Errorf("%s: detected %v, %v", f, src, err)
		}
	}
}
