package buzzeasy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/buzzeasy"
	"github.com/ccfeed/ccfeed/store"
)

// TestEndToEnd pulls a ccfeed feed (which serves Buzzeasy's shape) into an
// empty store through the API, page by page, loading each page with the
// pipeline as a file; then reads both feeds back over HTTP and compares
// every set row for row: every row the pull can reach (see reachable)
// arrives, identical.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two feeds over the demo data")
	}
	ctx := context.Background()
	const tenant = "contoso"
	upDB := feedtest.DemoDB(t)
	// The demo's survey answers come from LivePerson, which gives no time
	// for them, so a windowed pull reaches none (see reachable); two
	// answered at a known time make the set's round trip compared too.
	err := upDB.Load(ctx, func(lt *store.LoadTx) error {
		w := lt.Writer
		for i, at := range []time.Time{time.Date(2026, 9, 8, 14, 50, 0, 0, time.UTC), time.Date(2026, 10, 2, 9, 0, 0, 500e6, time.UTC)} {
			native := fmt.Sprintf("survey-%d", i+1)
			r := store.NewRow(edm.Default().Set("SurveyAnswers").Type.Table)
			r.Set("id", tenant+":test:"+native).Set("tenantId", tenant).Set("source", "test").Set("sourceId", native).
				Set("conversationId", tenant+":test:conv").Set("surveyType", "Satisfaction").Set("surveyStatus", "FILLED").
				Set("question", "Did we solve your problem?").Set("answer", "Yes").Set("answeredAtUTC", at)
			if _, err := w.Upsert(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	up := feedtest.Start(t, upDB, feedtest.Options{})
	upToken := up.Token(t, ccfeed.ScopeRead, tenant) // exactly one tenant upstream

	db := feedtest.OpenDB(t)
	// The tenant's zone as it is configured upstream, so local twins match
	// as text too (they are compared as instants anyway).
	if err := db.SetTenantTimezone(ctx, tenant, "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	cfg := &loaders.SourceConfig{Tenant: tenant, Kind: loaders.KindBuzzeasy, Endpoint: up.URL, Secret: upToken,
		Options: map[string]string{"pagesize": "2000"}}
	// The demo period is September and October 2026; agent business unit
	// changes reach back into August.
	w := loaders.Window{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	var src buzzeasy.Source
	cur, pages, tables := "", 0, map[string]int{}
	for {
		p, err := src.Fetch(ctx, http.DefaultClient, cfg, w, cur)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		path := filepath.Join(dir, fmt.Sprintf("page-%05d.json", pages))
		if err := os.WriteFile(path, p.Body, 0o600); err != nil {
			t.Fatal(err)
		}
		res := loaders.LoadFile(ctx, db, tenant, path, loaders.Options{Kind: loaders.KindBuzzeasy})
		if res.Status != edm.LoadLoaded || res.Rejected != 0 {
			t.Fatalf("page %d: %s, %d rejected: %s", pages, res.Status, res.Rejected, res.Message)
		}
		for set, c := range res.Counts {
			tables[set] += c.Inserted + c.Updated + c.Unchanged
		}
		if p.Next == "" {
			break
		}
		if pages > 5000 {
			t.Fatal("the pull does not end")
		}
		cur = p.Next
	}
	t.Logf("pulled %d pages", pages)

	down := feedtest.Start(t, db, feedtest.Options{})
	downToken := down.Token(t, ccfeed.ScopeRead, tenant)
	m := edm.Default()
	// People are derived (see loaders.Batch.Agent): the pulled person of an
	// upstream agent or customer is the one whose Buzzeasy id column lists
	// the upstream key, since that key is the Buzzeasy id the pull saw.
	people := map[string]string{}
	for set, col := range map[string]string{"Agents": "buzzeasyAgentId", "Customers": "buzzeasyCustomerId"} {
		for _, r := range readSet(t, down, downToken, set) {
			ids, _ := r[col].(string)
			for _, id := range strings.Split(ids, ", ") {
				if id != "" {
					people[id] = r["id"].(string)
				}
			}
		}
	}
	total := 0
	for _, s := range m.Sets {
		if s.AdminOnly {
			continue
		}
		want := readSet(t, up, upToken, s.Name)
		got := readSet(t, down, downToken, s.Name)
		if len(want) == 0 {
			t.Errorf("%s: the demo data has no rows of tenant %s; the test proves nothing for it", s.Name, tenant)
		}
		compareSet(t, s, tenant, want, nil, got, people)
		t.Logf("%-38s %6d rows compared", s.Name, len(want))
		total += len(want)
	}
	t.Logf("%d rows compared in all", total)

	// Navigation works across tables loaded from different pages: a
	// workitem finds its conversation and its agent.
	wis := readSet(t, down, downToken, "Workitems")
	if len(wis) == 0 {
		t.Fatal("no workitems pulled")
	}
	wi := wis[0]
	for nav, fk := range map[string]string{"Conversation": "primaryConversationId", "Agent": "agentId", "Queue": "queueId"} {
		u := down.URL + "Workitems('" + url.PathEscape(strings.ReplaceAll(wi["id"].(string), "'", "''")) + "')/" + nav
		resp := down.Get(t, u, downToken)
		body := feedtest.Body(t, resp)
		var e map[string]any
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &e) != nil {
			t.Errorf("%s: HTTP %d %s", u, resp.StatusCode, body)
			continue
		}
		if e["id"] != wi[fk] {
			t.Errorf("Workitem/%s is %v, want the row %v", nav, e["id"], wi[fk])
		}
	}
}

// readSet reads every row of a set through the feed, following nextLinks.
func readSet(t *testing.T, f *feedtest.Feed, token, set string) []map[string]any {
	t.Helper()
	var out []map[string]any
	u := f.URL + set
	for u != "" {
		resp := f.Get(t, u, token, "Prefer", "odata.maxpagesize=20000")
		body := feedtest.Body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", u, resp.StatusCode, body)
		}
		var page struct {
			Value []map[string]any `json:"value"`
			Next  string           `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		out = append(out, page.Value...)
		u = page.Next
	}
	return out
}

// compareSet checks that got has exactly one row per row of want, under the
// key tenant:buzzeasy:<upstream id>, with every property equal: ids (values
// that are keys upstream) rewritten the same way, timestamps as instants.
// A row of maybe (upstream rows the pull cannot reach) may be missing, but
// if it arrived it must be equal too; no other row may arrive. The
// upstream's own identity columns (tenantId, source, sourceId) are not
// Buzzeasy fields and are not compared.
//
// People are the exception: people maps an upstream person's key to the
// pulled person's. A person row is found through it, its identity and its
// sources' own ids (which name other sources upstream) are not compared,
// and a foreign key to a person is compared through it.
func compareSet(t *testing.T, s *edm.EntitySet, tenant string, want, maybe, got []map[string]any, people map[string]string) {
	t.Helper()
	isPerson := s.Name == "Agents" || s.Name == "Customers"
	keyOf := func(upID string) string {
		if isPerson {
			return people[upID]
		}
		return tenant + ":buzzeasy:" + upID
	}
	if len(got) < len(want) || len(got) > len(want)+len(maybe) {
		t.Errorf("%s: %d rows pulled, upstream has %d the pull reaches (and %d it cannot)", s.Name, len(got), len(want), len(maybe))
	}
	byID := map[string]map[string]any{}
	for _, r := range got {
		byID[r["id"].(string)] = r
	}
	upstream := map[string]bool{}
	for _, u := range append(append([]map[string]any{}, want...), maybe...) {
		upstream[keyOf(u["id"].(string))] = true
	}
	for id := range byID {
		if !upstream[id] {
			t.Errorf("%s: pulled %s, which upstream does not have", s.Name, id)
		}
	}
	idPrefix := tenant + ":"
	errs := 0
	for i, u := range append(append([]map[string]any{}, want...), maybe...) {
		upID := u["id"].(string)
		d := byID[keyOf(upID)]
		if d == nil && i >= len(want) {
			continue
		}
		if d == nil {
			t.Errorf("%s: no row for upstream %s", s.Name, upID)
			errs++
			continue
		}
		if !isPerson && (d["source"] != "buzzeasy" || d["sourceId"] != upID || d["tenantId"] != tenant) {
			t.Errorf("%s %s: identity %v/%v/%v", s.Name, upID, d["tenantId"], d["source"], d["sourceId"])
		}
		keys := map[string]bool{}
		for k := range u {
			keys[k] = true
		}
		for k := range d {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			switch k {
			case "id", "tenantId", "source", "sourceId", edm.ModifiedColumn:
				continue
			case "buzzeasyAgentId", "cxengageAgentId", "livepersonAgentId", "ccid", "messagingId", "livepersonConsumerId", "buzzeasyCustomerId":
				if isPerson {
					continue
				}
			}
			if strings.HasPrefix(k, "@") {
				continue
			}
			wv, gv := u[k], d[k]
			if p := s.Type.Property(k); p != nil && p.Ref != nil && wv != nil {
				wv = people[wv.(string)]
			} else if sv, ok := wv.(string); ok && strings.HasPrefix(sv, idPrefix) {
				wv = tenant + ":buzzeasy:" + sv
			}
			if p := s.Type.Property(k); p != nil && p.Type == edm.DateTimeOffset && wv != nil && gv != nil {
				wt, err1 := time.Parse(time.RFC3339Nano, wv.(string))
				gt, err2 := time.Parse(time.RFC3339Nano, gv.(string))
				if err1 != nil || err2 != nil || !wt.Equal(gt) {
					t.Errorf("%s %s: %s = %v, want %v", s.Name, upID, k, gv, wv)
					errs++
				}
				continue
			}
			if !reflect.DeepEqual(wv, gv) {
				t.Errorf("%s %s: %s = %#v, want %#v", s.Name, upID, k, gv, wv)
				errs++
			}
		}
		if errs > 20 {
			t.Fatalf("%s: too many differences", s.Name)
		}
	}
}
