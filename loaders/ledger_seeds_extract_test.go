package loaders_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// TestSeedExtractors holds each extractor to fields known to be in its
// document (read by eye, including the awkward ones: a name glued to its
// description, a multi-word name, a list's attribute, a key of the JSON
// example) and to lines known not to be fields, and to the number of fields
// it finds, so that a change of the document or of the extractor shows.
func TestSeedExtractors(t *testing.T) {
	for _, c := range []struct {
		seed    string
		extract func(string) []fieldKey
		count   int
		want    []fieldKey
		notWant []fieldKey
	}{
		{"two-way-conversation-report.txt", twowayFields, 25,
			[]fieldKey{{"Properties", "agent_email"}, {"Properties", "ccid"}, {"Properties", "english_version"},
				{"Properties", "translation_language_code"}, {"Properties", "message_index"}, {"Properties", "english_translation"}},
			[]fieldKey{{"Properties", "agent_ping"}, {"Properties", "string"}, {"Properties", "twoway.agent_ping"}}},
		{"ino-messaging-data-source.txt", inoFields, 117,
			[]fieldKey{{"Incoming message distribution", "Sender"}, {"Incoming message distribution", "Queue tag"},
				{"Outgoing message distributions", "Recipient"}, {"Messages", "Correspondent"}, {"Messages", "Smart Routing version name"},
				{"SMS", "SMS ID"}, {"SMS", "Payment module"}, {"SMS", "SMS template alias"}, {"SMS", "User"}},
			[]fieldKey{{"Incoming message distribution", "Here are the details for each column"}, {"SMS", "You can also add columns"},
				{"Outgoing message distributions", "Sender"}, {"Incoming message distribution", "Recipient"}, {"Messages", "Messages"}}},
		{"cxengage-get-interaction.txt", cxengageFields, 89,
			[]fieldKey{{"Request parameters", "interactionID"}, {"Interaction", "tenantID"}, {"Interaction", "flagged"},
				{"Interaction", "end"}, {"Interaction", "audioRecording"}, {"Interaction", "dataComplete"},
				{"Interaction", "outboundIdentifier.outboundIdentitiferName"}, {"Interaction", "hooks[].hookedBy"},
				{"Interaction", "agents[].agentWorkCancelTime"}, {"Interaction", "segments[].segmentTime"},
				{"Interaction", "queues[].queueEntryLength"}, {"Interaction", "details.csat"}, {"Interaction", "ivrTime"}},
			[]fieldKey{{"Interaction", "forced"}, {"Interaction", "null"}, {"Interaction", "hooks"}, {"Interaction", "segments[].interaction"},
				{"Interaction", "segments[].success"}, {"Request parameters", "required"}, {"Interaction", "details"}}},
		{"liveperson-messaging-interactions.txt", livepersonFields, 338,
			[]fieldKey{{"customerInfo", "balance"}, {"personalInfo", "Visitor email"}, {"cartStatus", "products"}, {"purchase", "cart"},
				{"viewedProduct", "quantityInStock"}, {"serviceActivity", "serviceId"},
				{"JSON example", "_metadata.shardsStatusResult.partialResult"}, {"JSON example", "info.csatRate"},
				{"JSON example", "messageRecords[].contextData.structuredMetadata[].botResponse.intents[].confidenceScore"},
				{"JSON example", "coBrowseSessions.coBrowseSessionsList[].capabilities"},
				{"JSON example", "unAuthSdes.events[].lead.originalTimeStamp"}, {"JSON example", "unAuthSdes.events[].purchase.cart.products"},
				{"JSON example", "summary.lastUpdatedTime"}},
			[]fieldKey{{"customerInfo", "Name"}, {"customerInfo", "---"}, {"JSON example", "conversationHistoryRecords"},
				{"JSON example", "info"}, {"JSON example", "coBrowseSessions.coBrowseSessionsList[].capabilities[]"}}},
		{"buzzeasy-odata-feed.txt", buzzeasyFields, 204,
			[]fieldKey{{"Agent Business Unit Changes", "tenantId"}, {"Bot Steps", "deletedAt"}, {"Calls", "TransferInitiatedBy"},
				{"Calls", "isChannelOpen"}, {"Campaign Records", "CreatedAt"}, {"Captured Data", "TimestampUtc"},
				{"Queues", "routing mode"}, {"Users", "Name"}, {"Workitem", "primaryConversationID"}},
			[]fieldKey{{"Queues", "routing"}, {"Agent States", "Available"}, {"Calls", "The"}, {"Important", "Lookup"},
				{"Agents", "id"}, {"Workitem", "Note"}}},
	} {
		t.Run(c.seed, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join(feedtest.RepoRoot(t), "testdata", "seeds", c.seed))
			if err != nil {
				t.Fatal(err)
			}
			got := map[fieldKey]bool{}
			keys := c.extract(string(doc))
			for _, k := range keys {
				got[k] = true
			}
			if len(keys) != c.count {
				t.Errorf("found %d fields, want %d", len(keys), c.count)
			}
			for _, k := range c.want {
				if !got[k] {
					t.Errorf("did not find %s", k)
				}
			}
			for _, k := range c.notWant {
				if got[k] {
					t.Errorf("took %s for a field", k)
				}
			}
		})
	}
}

// TestJSONLeaves checks the tolerant reader the JSON examples need: a
// missing comma, a trailing comma, a list of scalars, an empty list, a
// top-level list, escaped quotes in a string.
func TestJSONLeaves(t *testing.T) {
	got := jsonLeaves(`[{"a": {"b": "x\"y" "c": 2,}, "l": [1, 2], "e": [], "o": [{"k": null}]}]`)
	want := []jsonLeaf{{"a.b", `x"y`}, {"a.c", "2"}, {"l", "1"}, {"l", "2"}, {"e", ""}, {"o[].k", "null"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("leaf %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// TestSeedCopies checks that testdata/seeds holds the vendor documents as
// they are in ../shared/seeds, which the ledgers are written from.
func TestSeedCopies(t *testing.T) {
	shared := filepath.Join(feedtest.Shared(t), "seeds")
	for _, src := range ledgerSources {
		want, err := os.ReadFile(filepath.Join(shared, src.seed))
		if err != nil {
			t.Errorf("%s: %v", src.seed, err)
			continue
		}
		got, err := os.ReadFile(filepath.Join(feedtest.RepoRoot(t), "testdata", "seeds", src.seed))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/seeds/%s differs from ../shared/seeds/%s: copy it again, and review the ledger against the change", src.seed, src.seed)
		}
	}
}

// TestReadLedger checks the ledger reader on the mistakes it must name.
func TestReadLedger(t *testing.T) {
	text := strings.Join([]string{
		"| Field | What it holds | Where it lands |",
		"|---|---|---|",
		"| `early` | before any section | `Calls.id` |",
		"## S",
		"| `a`, `b` | two fields | `Calls.holdCount = 2` and `CapturedData (category ino, name queue tag) = x` |",
		"| `c` | dropped one | dropped: repeats a. |",
		"| `d` | no reason | dropped: |",
		"| `e` | bad target | `calls.holdCount` |",
		"| `f` | no target | somewhere |",
		"| `g` |  | `Calls.holdCount = *` |",
		"| h | no backticks | `Calls.holdCount` |",
	}, "\n")
	entries, errs := readLedger(text)
	wantErrs := []string{"line 3: a field before any", "line 7: a dropped field needs its reason", "line 8: target \"calls.holdCount\"",
		"line 9: neither a target", "line 10: no description", "line 11: no field name"}
	if len(errs) != len(wantErrs) {
		t.Fatalf("got %d errors, want %d: %v", len(errs), len(wantErrs), errs)
	}
	for i, w := range wantErrs {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want it to contain %q", i, errs[i], w)
		}
	}
	byName := map[string]ledgerEntry{}
	for _, e := range entries {
		byName[e.Key.Name] = e
	}
	a := byName["a"]
	if a.Key.Section != "S" || len(a.Targets) != 2 || byName["b"].Line != 5 {
		t.Fatalf("entry a = %+v, b = %+v", a, byName["b"])
	}
	if tg := a.Targets[0]; tg.Set != "Calls" || tg.Property != "holdCount" || tg.Value != "2" || !tg.HasValue || tg.AsGiven {
		t.Errorf("first target = %+v", tg)
	}
	if tg := a.Targets[1]; tg.Set != "CapturedData" || tg.Category != "ino" || tg.Name != "queue tag" || tg.Value != "x" {
		t.Errorf("second target = %+v", tg)
	}
	if c := byName["c"]; c.Dropped != "repeats a." || len(c.Targets) != 0 {
		t.Errorf("entry c = %+v", c)
	}
	if g := byName["g"]; len(g.Targets) != 1 || !g.Targets[0].AsGiven {
		t.Errorf("entry g = %+v", g)
	}
}
