package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	_ "github.com/ccfeed/ccfeed/loaders/all"
	"github.com/ccfeed/ccfeed/store"
)

// The files of testdata/merge are one day of one tenant in all five
// sources. One person, Dana Smith, works in every one of them: by email
// address in the two-way report (Dana.Smith@Example.invalid), LivePerson
// (login dana.smith@example.invalid) and the Buzzeasy Agents lookup
// (emailAddress, as a ccfeed feed serves it); by display name only in
// CxEngage and ino, which carry no agent email. Every source but two-way
// (which has no queues) routes her work through a queue named "Billing".
const (
	mergeTenant = "acme"
	danaEmail   = "dana.smith@example.invalid"
)

// mergeFiles lists the input files of testdata/merge (all but its
// README) in name order, the order the drop folder and `ccfeed load DIR`
// use.
func mergeFiles(t *testing.T) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(feedtest.RepoRoot(t), "testdata", "merge", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range all {
		if filepath.Ext(p) != ".md" {
			paths = append(paths, p)
		}
	}
	if len(paths) != 10 {
		t.Fatalf("%d input files in testdata/merge, want 10: %v", len(paths), paths)
	}
	sort.Strings(paths)
	return paths
}

// loadMerge loads paths into db for the merge tenant, one transaction per
// file, requiring every file to load without a reject.
func loadMerge(t *testing.T, db *store.DB, paths []string) []loaders.Result {
	t.Helper()
	res := loaders.LoadFiles(context.Background(), db, mergeTenant, paths, loaders.Options{})
	if len(res) != len(paths) {
		t.Fatalf("%d results for %d files", len(res), len(paths))
	}
	for _, r := range res {
		if r.Status != edm.LoadLoaded || r.Rejected != 0 {
			t.Fatalf("%s (%s): %s, %d rejected: %s", r.File, r.Kind, r.Status, r.Rejected, r.Message)
		}
	}
	return res
}

// mergeFeed is a feed over a fresh store holding the files, in the order
// given, of a tenant whose clock is Paris time (ino and Buzzeasy write
// local times).
func mergeFeed(t *testing.T, paths []string) (*feedtest.Feed, string, []loaders.Result) {
	t.Helper()
	db := feedtest.OpenDB(t)
	if err := db.SetTenantTimezone(context.Background(), mergeTenant, "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	res := loadMerge(t, db, paths)
	f := feedtest.Start(t, db, feedtest.Options{})
	return f, f.ReadToken(t), res
}

// mergeGet GETs a path under the service root (spaces written %20, as the
// feed reads '+' as a plus sign) and decodes the JSON answer.
func mergeGet(t *testing.T, f *feedtest.Feed, tok, path string) map[string]json.RawMessage {
	t.Helper()
	resp := f.Get(t, f.URL+strings.ReplaceAll(path, " ", "%20"), tok)
	body := feedtest.Body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

// mergeRows decodes the value array of a collection.
func mergeRows(t *testing.T, f *feedtest.Feed, tok, path string) []map[string]any {
	t.Helper()
	doc := mergeGet(t, f, tok, path)
	if _, more := doc["@odata.nextLink"]; more {
		t.Fatalf("GET %s: more than one page; the merge data set is a few dozen rows", path)
	}
	var out []map[string]any
	if err := json.Unmarshal(doc["value"], &out); err != nil {
		t.Fatalf("GET %s: value: %v", path, err)
	}
	return out
}

// mergeBySource runs $apply=groupby((source),aggregate($count as n)) on a
// set, after an optional filter transformation.
func mergeBySource(t *testing.T, f *feedtest.Feed, tok, set, filter string) map[string]int {
	t.Helper()
	apply := "groupby((source),aggregate($count as n))"
	if filter != "" {
		apply = "filter(" + filter + ")/" + apply
	}
	out := map[string]int{}
	for _, r := range mergeRows(t, f, tok, set+"?$apply="+apply) {
		src, _ := r["source"].(string)
		n, _ := r["n"].(float64)
		out[src] = int(n)
	}
	return out
}

// mergeAgent returns the one Agents row with Dana's address, failing the
// test if there are none or several.
func mergeAgent(t *testing.T, f *feedtest.Feed, tok string) map[string]any {
	t.Helper()
	agents := mergeRows(t, f, tok, "Agents?$filter=emailAddress eq '"+danaEmail+"'")
	if len(agents) != 1 {
		t.Fatalf("%d Agents rows with %s, want one person merged across sources: %v", len(agents), danaEmail, agents)
	}
	return agents[0]
}

// TestMergeFiveSources loads the five sources' files of one tenant and reads
// the merged result through a running feed: one agent row for the person
// the sources share, every source's work linked to it, conversations from
// every source sliced into Calls, Chats and Emails by medium, messages in
// their order, and a reload of every file that changes no row.
func TestMergeFiveSources(t *testing.T) {
	paths := mergeFiles(t)
	f, tok, res := mergeFeed(t, paths)
	kinds := map[string]bool{}
	for _, r := range res {
		kinds[r.Kind] = true
	}
	for _, k := range []string{loaders.KindTwoWay, loaders.KindIno, loaders.KindCxEngage, loaders.KindLivePerson, loaders.KindBuzzeasy} {
		if !kinds[k] {
			t.Errorf("no file of testdata/merge was detected as %s", k)
		}
	}

	t.Run("one agent", func(t *testing.T) {
		a := mergeAgent(t, f, tok)
		if a["name"] != "Dana Smith" {
			t.Errorf("agent %v: want the name Dana Smith", a)
		}
		// CxEngage and ino name her only: they must have found this row
		// by name rather than written their own.
		if named := mergeRows(t, f, tok, "Agents?$filter=name eq 'Dana Smith'&$select=id,source"); len(named) != 1 {
			t.Errorf("%d Agents rows named Dana Smith, want 1: %v", len(named), named)
		}
		// Two people in all: Dana and Buzzeasy's Hugo Martin.
		if all := mergeRows(t, f, tok, "Agents?$select=id,name"); len(all) != 2 {
			t.Errorf("%d Agents rows, want 2 (Dana Smith, Hugo Martin): %v", len(all), all)
		}
	})

	t.Run("work linked to the agent", func(t *testing.T) {
		id := mergeAgent(t, f, tok)["id"].(string)
		by := "agentId eq '" + id + "'"
		// Buzzeasy conversations carry no agent (its Calls, Chats and
		// Emails have no agentId) and ino's messaging export has no tasks;
		// between them, the two sets hold every source's work.
		want := map[string]map[string]int{
			"Workitems":     {"buzzeasy": 3, "cxengage": 2, "liveperson": 1, "twoway": 1},
			"Conversations": {"cxengage": 2, "ino": 1, "liveperson": 1, "twoway": 1},
		}
		seen := map[string]bool{}
		for set, w := range want {
			got := mergeBySource(t, f, tok, set, by)
			if !maps.Equal(got, w) {
				t.Errorf("%s of the agent by source: %v, want %v", set, got, w)
			}
			for s := range got {
				seen[s] = true
			}
		}
		if len(seen) != 5 {
			t.Errorf("the agent's work comes from %v, want all five sources", seen)
		}
		// The navigation from the agent reaches the same tasks.
		doc := mergeRows(t, f, tok, "Agents?$filter=emailAddress eq '"+danaEmail+"'&$expand=Workitems($select=id,source)")
		if ws, _ := doc[0]["Workitems"].([]any); len(ws) != 7 {
			t.Errorf("Agents/Workitems of the agent: %d tasks, want 7", len(ws))
		}
		// No task or conversation of hers went to another agent row.
		for _, set := range []string{"Workitems", "Conversations"} {
			for _, r := range mergeRows(t, f, tok, set+"?$filter=agentId ne null and agentId ne '"+id+"'&$select=id,agentId") {
				t.Errorf("%s %s belongs to agent %s, not the merged row", set, r["id"], r["agentId"])
			}
		}
	})

	t.Run("conversations from every source", func(t *testing.T) {
		got := mergeBySource(t, f, tok, "Conversations", "")
		want := map[string]int{"buzzeasy": 3, "cxengage": 2, "ino": 1, "liveperson": 1, "twoway": 1}
		if !maps.Equal(got, want) {
			t.Errorf("Conversations by source: %v, want %v", got, want)
		}
	})

	t.Run("slices", func(t *testing.T) {
		for set, want := range map[string]map[string]int{
			// CxEngage voice, Buzzeasy Calls.
			"Calls": {"buzzeasy": 1, "cxengage": 1},
			// CxEngage SMS, ino WhatsApp, LivePerson and two-way
			// messaging, Buzzeasy Chats.
			"Chats":  {"buzzeasy": 1, "cxengage": 1, "ino": 1, "liveperson": 1, "twoway": 1},
			"Emails": {"buzzeasy": 1},
		} {
			if got := mergeBySource(t, f, tok, set, ""); !maps.Equal(got, want) {
				t.Errorf("%s by source: %v, want %v", set, got, want)
			}
		}
	})

	t.Run("messages in order", func(t *testing.T) {
		for _, c := range []struct {
			conv    string
			indexes []float64
			first   string
		}{
			// The LivePerson record lists seq 0, 2, 1, 3.
			{"acme:liveperson:lp-merge-0001", []float64{0, 1, 2, 3}, "my invoice looks wrong"},
			// Two-way message indexes need not be consecutive.
			{"acme:twoway:conv-m-0001", []float64{1, 2, 4}, "Hi, I have a question about my bill"},
		} {
			for _, by := range []string{"messageIndex", "sentAtUTC", "messageIndex desc", "sentAtUTC desc"} {
				ms := mergeRows(t, f, tok, "Conversations('"+c.conv+"')/Messages?$orderby="+by+"&$select=messageIndex,sentAtUTC,body")
				var got []float64
				for _, m := range ms {
					n, _ := m["messageIndex"].(float64)
					got = append(got, n)
				}
				want := slices.Clone(c.indexes)
				if strings.HasSuffix(by, " desc") {
					slices.Reverse(want)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s messages by %s: indexes %v, want %v", c.conv, by, got, want)
				}
				if !strings.HasSuffix(by, " desc") && len(ms) > 0 && ms[0]["body"] != c.first {
					t.Errorf("%s messages by %s: first body %q, want %q", c.conv, by, ms[0]["body"], c.first)
				}
			}
		}
	})

	t.Run("same queue name", func(t *testing.T) {
		// Queues are not merged across sources (each routes by its own
		// ids); the shared name is what a report groups by.
		got := mergeBySource(t, f, tok, "Queues", "name eq 'Billing'")
		want := map[string]int{"buzzeasy": 1, "cxengage": 1, "ino": 1, "liveperson": 1}
		if !maps.Equal(got, want) {
			t.Errorf("Queues named Billing by source: %v, want %v", got, want)
		}
		id := mergeAgent(t, f, tok)["id"].(string)
		for _, set := range []string{"Workitems", "Conversations"} {
			for _, r := range mergeRows(t, f, tok, set+"?$filter=agentId eq '"+id+"' and queueId ne null&$expand=Queue($select=name)&$select=id") {
				q, _ := r["Queue"].(map[string]any)
				if q == nil || q["name"] != "Billing" {
					t.Errorf("%s %s: queue %v, want Billing", set, r["id"], r["Queue"])
				}
			}
		}
	})

	t.Run("reload changes nothing", func(t *testing.T) {
		// An admin token also sees the journal and the rejects.
		admin := f.Token(t, ccfeed.ScopeAdmin, ccfeed.AllTenants)
		before := mergeContent(t, f, admin)
		if _, ok := before["LoadRejects"]; !ok {
			t.Error("the admin's service document lists no LoadRejects")
		}
		loadsBefore := len(mergeRows(t, f, admin, "Loads?$select=id"))
		// Last file first: the order of a reload does not matter either.
		again := loadMerge(t, f.DB, mergeReversed(paths))
		for _, r := range again {
			for set, c := range r.Counts {
				if set != "Loads" && (c.Inserted != 0 || c.Updated != 0) {
					t.Errorf("reloading %s: %s %d inserted, %d updated; want every row unchanged", r.File, set, c.Inserted, c.Updated)
				}
			}
		}
		after := mergeContent(t, f, admin)
		for set, b := range before {
			if a := after[set]; a != b {
				t.Errorf("%s: %d rows (%s) before the reload, %d (%s) after", set, b.rows, b.hash, a.rows, a.hash)
			}
		}
		if n := len(mergeRows(t, f, admin, "Loads?$select=id")); n != loadsBefore+len(paths) {
			t.Errorf("the journal has %d rows after reloading %d files, want %d", n, len(paths), loadsBefore+len(paths))
		}
		total, sets := 0, 0
		for _, b := range before {
			if b.rows > 0 {
				total, sets = total+b.rows, sets+1
			}
		}
		t.Logf("reloaded %d files: %d rows in %d non-empty sets (of %d compared) unchanged", len(paths), total, sets, len(before))
	})
}

// TestMergeLoadOrder loads the same files in other orders: one Agents row
// per person whatever the order.
//
//   - Buzzeasy last: its rows reference its own agent ids, so its Agents row
//     must absorb the row the other sources wrote for her earlier
//     (loaders.Batch.AdoptAgent) and take over their references.
//   - Name-only sources first: CxEngage writes a row with her name and no
//     address; the two-way report's mention with an address must find that
//     row by name (loaders.Batch.Agent), not write a second one.
func TestMergeLoadOrder(t *testing.T) {
	byName := map[string]string{}
	for _, p := range mergeFiles(t) {
		byName[filepath.Base(p)] = p
	}
	ordered := func(prefixes ...string) []string {
		var out []string
		for _, pre := range prefixes {
			var group []string
			for n, p := range byName {
				if strings.HasPrefix(n, pre) {
					group = append(group, p)
				}
			}
			sort.Strings(group)
			out = append(out, group...)
		}
		return out
	}
	for _, c := range []struct {
		name  string
		files []string
	}{
		{"buzzeasy last", ordered("twoway", "liveperson", "ino", "cxengage", "buzzeasy")},
		{"name-only sources first", ordered("cxengage", "ino", "twoway", "liveperson", "buzzeasy")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if len(c.files) != len(byName) {
				t.Fatalf("%d of the %d files ordered", len(c.files), len(byName))
			}
			f, tok, _ := mergeFeed(t, c.files)
			named := mergeRows(t, f, tok, "Agents?$filter=name eq 'Dana Smith'&$select=id,source,emailAddress&$orderby=id")
			if len(named) != 1 {
				t.Fatalf("loaded in this order, Dana Smith has %d Agents rows: %v", len(named), named)
			}
			id := mergeAgent(t, f, tok)["id"].(string)
			got := mergeBySource(t, f, tok, "Workitems", "agentId eq '"+id+"'")
			if want := map[string]int{"buzzeasy": 3, "cxengage": 2, "liveperson": 1, "twoway": 1}; !maps.Equal(got, want) {
				t.Errorf("Workitems of the agent by source: %v, want %v", got, want)
			}
		})
	}
}

// mergeSet is what the feed serves of one entity set.
type mergeSet struct {
	rows int
	hash string
}

// mergeContent reads every entity set of the service document but the
// journal (Loads, which a reload adds to by design) through the feed,
// ordered by key, and hashes what it serves.
func mergeContent(t *testing.T, f *feedtest.Feed, tok string) map[string]mergeSet {
	t.Helper()
	var service []struct{ Name, Kind string }
	if err := json.Unmarshal(mergeGet(t, f, tok, "")["value"], &service); err != nil {
		t.Fatal(err)
	}
	out := map[string]mergeSet{}
	for _, s := range service {
		set := s.Name
		if s.Kind != "EntitySet" || set == "Loads" {
			continue
		}
		doc := mergeGet(t, f, tok, set+"?$orderby=id&$count=true")
		if _, more := doc["@odata.nextLink"]; more {
			t.Fatalf("%s: more than one page", set)
		}
		var vals []json.RawMessage
		if err := json.Unmarshal(doc["value"], &vals); err != nil {
			t.Fatal(err)
		}
		var count int
		json.Unmarshal(doc["@odata.count"], &count)
		if count != len(vals) {
			t.Errorf("%s: @odata.count %d, %d rows served", set, count, len(vals))
		}
		h := sha256.Sum256(doc["value"])
		out[set] = mergeSet{rows: len(vals), hash: hex.EncodeToString(h[:8])}
	}
	if len(out) < len(edm.Default().Sets)/2 {
		t.Fatalf("the service document lists %d entity sets besides Loads; the model has %d", len(out), len(edm.Default().Sets))
	}
	return out
}

func mergeReversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}
