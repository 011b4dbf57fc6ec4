package buzzeasy_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/buzzeasy"
)

// metadataXML is a Buzzeasy-like $metadata: Buzzeasy's own spellings
// (startTimeUtc, channelID), a table the model does not know, and no
// Customers or Messages.
const metadataXML = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Buzzeasy.Reporting" Alias="B" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="Entity"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>
      <EntityType Name="Agent" BaseType="B.Entity"><Property Name="name" Type="Edm.String"/><Property Name="customID" Type="Edm.String"/><Property Name="deletedAt" Type="Edm.DateTimeOffset"/></EntityType>
      <EntityType Name="AgentState" BaseType="Buzzeasy.Reporting.Entity"><Property Name="agentID" Type="Edm.String"/><Property Name="startTimeUtc" Type="Edm.DateTimeOffset"/><Property Name="startTime" Type="Edm.DateTimeOffset"/></EntityType>
      <EntityType Name="Conversation" BaseType="B.Entity"><Property Name="channelID" Type="Edm.String"/><Property Name="startedAtUTC" Type="Edm.DateTimeOffset"/></EntityType>
      <EntityType Name="Session" BaseType="B.Entity"><Property Name="workitemId" Type="Edm.String"/></EntityType>
      <EntityType Name="Gadget" BaseType="B.Entity"/>
      <EntityContainer Name="Reporting">
        <EntitySet Name="Agents" EntityType="B.Agent"/>
        <EntitySet Name="AgentStates" EntityType="B.AgentState"/>
        <EntitySet Name="Calls" EntityType="B.Conversation"/>
        <EntitySet Name="Chats" EntityType="B.Conversation"/>
        <EntitySet Name="Emails" EntityType="B.Conversation"/>
        <EntitySet Name="Conversations" EntityType="B.Conversation"/>
        <EntitySet Name="WorkitemConversationSessions" EntityType="B.Session"/>
        <EntitySet Name="Gadgets" EntityType="B.Gadget"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`

// fakeFeed serves metadataXML and a few pages, records every request, and
// refuses any token but the right one.
type fakeFeed struct {
	srv *httptest.Server
	mu  sync.Mutex
	log []*http.Request
	// nextLink overrides the first Calls page's nextLink.
	nextLink string
	// fail makes this path answer 500.
	fail string
}

const secret = "s3cret-token"

func newFakeFeed(t *testing.T) *fakeFeed {
	f := &fakeFeed{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeFeed) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.log = append(f.log, r)
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+secret {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"code":"401","message":"invalid token"}}`)
		return
	}
	set := strings.TrimPrefix(r.URL.Path, "/odata/")
	if set == f.fail {
		http.Error(w, "upstream exploded", http.StatusInternalServerError)
		return
	}
	ctx := f.srv.URL + "/odata/$metadata#" + set
	page := func(rows, next string) {
		w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
		body := fmt.Sprintf(`{"@odata.context":%q,"value":[%s]`, ctx, rows)
		if next != "" {
			body += fmt.Sprintf(`,"@odata.nextLink":%q`, next)
		}
		fmt.Fprint(w, body+"}")
	}
	skip := r.URL.Query().Get("$skiptoken")
	switch set {
	case "$metadata":
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, metadataXML)
	case "Agents":
		page(`{"id":"a1","name":"Hugo","customID":"E1","deletedAt":null},{"id":"a2","name":"Priya","deletedAt":"2026-09-02T00:00:00"}`, "")
	case "AgentStates":
		page(`{"id":"s1","agentID":"a1","startTimeUtc":"2026-09-01T08:00:00Z","state":"Idle"}`, "")
	case "Calls":
		switch skip {
		case "":
			next := f.nextLink
			if next == "" {
				// Relative to the request, as OData allows.
				next = "Calls?" + r.URL.RawQuery + "&$skiptoken=2"
			}
			page(`{"id":"c1","channelID":"ch1","startedAtUTC":"2026-09-01T08:00:00Z"},{"id":"c2","channelID":"ch1","startedAtUTC":"2026-09-01T09:00:00Z"}`, next)
		case "2":
			page(`{"id":"c3","channelID":"ch1","startedAtUTC":"2026-09-01T10:00:00Z"}`, f.srv.URL+"/odata/Calls?$skiptoken=3")
		case "3":
			page(`{"id":"c4","channelID":"ch1","startedAtUTC":"2026-09-01T11:00:00Z"}`, "")
		}
	case "Chats":
		page(`{"id":"h1","channelID":"ch3","startedAtUTC":"2026-09-01T08:30:00Z"}`, "")
	case "Emails":
		page(``, "")
	case "WorkitemConversationSessions":
		page(`{"id":"w1","workitemId":"wi1"}`, "")
	default:
		http.NotFound(w, r)
	}
}

// requests lists the requests so far as "path?query", decoded.
func (f *fakeFeed) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.log {
		s := r.URL.Path
		if q, _ := url.QueryUnescape(r.URL.RawQuery); q != "" {
			s += "?" + q
		}
		out = append(out, s)
	}
	return out
}

func (f *fakeFeed) config(opts map[string]string) *loaders.SourceConfig {
	return &loaders.SourceConfig{Tenant: "acme", Kind: loaders.KindBuzzeasy, Endpoint: f.srv.URL + "/odata/", Secret: secret, Options: opts}
}

var day = loaders.Window{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)}

// pullAll fetches every page from cursor cur on and returns the bodies.
func pullAll(t *testing.T, cfg *loaders.SourceConfig, cur string) [][]byte {
	t.Helper()
	var bodies [][]byte
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("the pull does not end")
		}
		p, err := buzzeasy.Source{}.Fetch(context.Background(), http.DefaultClient, cfg, day, cur)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, p.Body)
		if p.Next == "" {
			return bodies
		}
		cur = p.Next
	}
}

func TestFetch(t *testing.T) {
	f := newFakeFeed(t)
	bodies := pullAll(t, f.config(map[string]string{"pagesize": "500"}), "")
	const filter = "(%[1]s ge 2026-09-01T00:00:00Z and %[1]s lt 2026-09-02T00:00:00Z) or %[1]s eq null"
	calls := "/odata/Calls?$filter=" + fmt.Sprintf(filter, "startedAtUTC")
	want := []string{
		"/odata/$metadata",
		// Lookups first, read whole.
		"/odata/Agents",
		// Then facts in model order, each filtered on the feed's spelling
		// of its main time; Conversations is skipped (Calls, Chats and
		// Emails are its slices); Gadgets is unknown to the model.
		calls,
		calls + "&$skiptoken=2",
		"/odata/Calls?$skiptoken=3",
		"/odata/Chats?$filter=" + fmt.Sprintf(filter, "startedAtUTC"),
		"/odata/Emails?$filter=" + fmt.Sprintf(filter, "startedAtUTC"),
		// No time column: read whole.
		"/odata/WorkitemConversationSessions",
		"/odata/AgentStates?$filter=" + fmt.Sprintf(filter, "startTimeUtc"),
	}
	got := f.requests()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	f.mu.Lock()
	log := append([]*http.Request(nil), f.log...)
	f.mu.Unlock()
	for _, r := range log {
		if r.Header.Get("Authorization") != "Bearer "+secret {
			t.Errorf("%s: Authorization %q", r.URL, r.Header.Get("Authorization"))
		}
		if r.URL.Path != "/odata/$metadata" && r.Header.Get("Prefer") != "odata.maxpagesize=500" {
			t.Errorf("%s: Prefer %q", r.URL, r.Header.Get("Prefer"))
		}
		// A '+' would be read as a plus sign by an OData service.
		if strings.Contains(r.URL.RawQuery, "+") {
			t.Errorf("%s: spaces encoded as '+'", r.URL.RawQuery)
		}
	}
	if len(bodies) != 8 {
		t.Fatalf("%d pages, want 8", len(bodies))
	}

	// Every page loads with the file loader, unchanged.
	db := feedtest.OpenDB(t)
	dir := t.TempDir()
	for i, b := range bodies {
		path := filepath.Join(dir, fmt.Sprintf("page-%d.json", i))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		res := loaders.LoadFile(context.Background(), db, "acme", path, loaders.Options{})
		if res.Status != edm.LoadLoaded || res.Rejected != 0 || res.Kind != loaders.KindBuzzeasy {
			t.Fatalf("page %d: %s (%s), %d rejected: %s", i, res.Status, res.Kind, res.Rejected, res.Message)
		}
	}
	for table, n := range map[string]int{"Agents": 2, "Conversations": 5, "AgentStates": 1, "WorkitemConversationSessions": 1} {
		got, err := countRows(db.Path, table)
		if err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("%s: %d rows, want %d", table, got, n)
		}
	}
}

// TestFetchResume starts again from a cursor in the middle of a table, as
// the pull framework does after an interruption: the same pages follow,
// without reading $metadata again.
func TestFetchResume(t *testing.T) {
	f := newFakeFeed(t)
	cfg := f.config(nil)
	var cursors []string
	cur := ""
	for {
		p, err := buzzeasy.Source{}.Fetch(context.Background(), http.DefaultClient, cfg, day, cur)
		if err != nil {
			t.Fatal(err)
		}
		if p.Next == "" {
			break
		}
		cursors = append(cursors, p.Next)
		cur = p.Next
	}
	full := f.requests()
	// cursors[1] points at the second page of Calls.
	f2 := newFakeFeed(t)
	cur2 := strings.ReplaceAll(cursors[1], f.srv.URL, f2.srv.URL)
	pullAll(t, f2.config(nil), cur2)
	got := f2.requests()
	want := full[3:]
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("resumed requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFetchTablesOption(t *testing.T) {
	f := newFakeFeed(t)
	pullAll(t, f.config(map[string]string{"tables": " agentstates, Workitem ConversationSessions ,Agents"}), "")
	want := []string{
		"/odata/$metadata",
		"/odata/Agents",
		"/odata/AgentStates?$filter=(startTimeUtc ge 2026-09-01T00:00:00Z and startTimeUtc lt 2026-09-02T00:00:00Z) or startTimeUtc eq null",
		"/odata/WorkitemConversationSessions",
	}
	if got := f.requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for opt, msg := range map[string]string{
		"Calls,Widgets": `unknown table "Widgets"`,
		"Messages":      "has no table Messages",
	} {
		_, err := buzzeasy.Source{}.Fetch(context.Background(), http.DefaultClient, f.config(map[string]string{"tables": opt}), day, "")
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("tables=%s: %v, want an error with %q", opt, err, msg)
		}
	}
}

func TestFetchErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("refused credential", func(t *testing.T) {
		f := newFakeFeed(t)
		cfg := f.config(nil)
		cfg.Secret = "wrong"
		_, err := buzzeasy.Source{}.Fetch(ctx, http.DefaultClient, cfg, day, "")
		var ce *loaders.CredentialError
		if !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
			t.Fatalf("got %v, want a CredentialError 401", err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("the error shows the secret: %v", err)
		}
	})
	t.Run("server error", func(t *testing.T) {
		f := newFakeFeed(t)
		f.fail = "Agents"
		_, err := buzzeasy.Source{}.Fetch(ctx, http.DefaultClient, f.config(nil), day, "")
		if err == nil || !strings.Contains(err.Error(), "HTTP 500") || !strings.Contains(err.Error(), "/odata/Agents") {
			t.Fatalf("got %v, want HTTP 500 naming /odata/Agents", err)
		}
	})
	t.Run("nextLink to another host", func(t *testing.T) {
		f := newFakeFeed(t)
		f.nextLink = "https://elsewhere.example/odata/Calls?$skiptoken=2"
		cfg := f.config(map[string]string{"tables": "Calls"})
		_, err := buzzeasy.Source{}.Fetch(ctx, http.DefaultClient, cfg, day, "")
		if err == nil || !strings.Contains(err.Error(), "elsewhere.example") {
			t.Fatalf("got %v, want a refusal to follow the link", err)
		}
	})
	t.Run("no secret", func(t *testing.T) {
		f := newFakeFeed(t)
		cfg := f.config(nil)
		cfg.Secret = ""
		if _, err := (buzzeasy.Source{}).Fetch(ctx, http.DefaultClient, cfg, day, ""); err == nil {
			t.Fatal("no error without a secret")
		}
		if len(f.requests()) != 0 {
			t.Error("requests sent without a secret")
		}
	})
	t.Run("bad cursor", func(t *testing.T) {
		f := newFakeFeed(t)
		if _, err := (buzzeasy.Source{}).Fetch(ctx, http.DefaultClient, f.config(nil), day, "{not json"); err == nil {
			t.Fatal("no error for a bad cursor")
		}
	})
}

func TestMaxWindow(t *testing.T) {
	if got := (buzzeasy.Source{}).MaxWindow(); got != 24*time.Hour {
		t.Errorf("MaxWindow = %v, want 24h", got)
	}
}

// countRows counts a table's rows straight from the file.
func countRows(path, table string) (int, error) {
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	var n int
	err = raw.QueryRow(fmt.Sprintf("SELECT count(*) FROM %q", table)).Scan(&n)
	return n, err
}
