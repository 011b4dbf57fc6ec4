package liveperson

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// searchServer serves the conversations search method the way the vendor
// documents it: POST, offset and limit in the query, the window in the
// body, _metadata.count with the total. It fails the test on any request
// that does not look like a documented one.
type searchServer struct {
	t       *testing.T
	total   int
	account string
	token   string
	from    int64
	to      int64
	// nextHost, when set, is the host the next links name (to check that
	// only their offset is used).
	nextHost string
	offsets  []int
	limits   []int
}

func (s *searchServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := s.t
	if r.Method != http.MethodPost {
		t.Errorf("method %s, want POST", r.Method)
	}
	if want := "/messaging_history/api/account/" + s.account + "/conversations/search"; r.URL.Path != want {
		t.Errorf("path %s, want %s", r.URL.Path, want)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+s.token {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"unauthorized"}`)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	q := r.URL.Query()
	offset, err1 := strconv.Atoi(q.Get("offset"))
	limit, err2 := strconv.Atoi(q.Get("limit"))
	if err1 != nil || err2 != nil || offset < 0 || limit < 1 || limit > 100 {
		t.Errorf("bad paging query %q", r.URL.RawQuery)
	}
	if q.Get("v") != "2" || q.Get("sort") != "start:asc" {
		t.Errorf("query %q: want v=2 and sort=start:asc", r.URL.RawQuery)
	}
	var body struct {
		Start             struct{ From, To int64 } `json:"start"`
		ContentToRetrieve []string                 `json:"contentToRetrieve"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Errorf("body: %v", err)
	}
	if body.Start.From != s.from || body.Start.To != s.to {
		t.Errorf("window %d..%d, want %d..%d (both bounds included by the API)", body.Start.From, body.Start.To, s.from, s.to)
	}
	if !strings.Contains(strings.Join(body.ContentToRetrieve, ","), "unAuthSdes") {
		t.Errorf("contentToRetrieve %v lacks unAuthSdes", body.ContentToRetrieve)
	}
	s.offsets = append(s.offsets, offset)
	s.limits = append(s.limits, limit)
	var recs []string
	for i := offset; i < min(offset+limit, s.total); i++ {
		start := s.from + int64(i)*60_000
		recs = append(recs, fmt.Sprintf(`{"info":{"conversationId":"api-%d","startTimeL":%d,"startTime":"x","endTimeL":%d,"duration":30000,"status":"CLOSE"},
			"messageRecords":[{"type":"TEXT_PLAIN","messageData":{"msg":{"text":"hello %d"}},"seq":0,"timeL":%d,"sentBy":"Consumer"}]}`,
			i, start, start+30_000, i, start+1000))
	}
	meta := fmt.Sprintf(`"count":%d`, s.total)
	if s.nextHost != "" && offset+limit < s.total {
		meta += fmt.Sprintf(`,"next":{"rel":"next","href":"https://%s/messaging_history/api/account/%s/conversations/search?offset=%d&limit=%d"}`,
			s.nextHost, s.account, offset+limit, limit)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"_metadata":{%s},"conversationHistoryRecords":[%s]}`, meta, strings.Join(recs, ","))
}

func window() loaders.Window {
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	return loaders.Window{From: from, To: from.Add(24 * time.Hour)}
}

// TestFetchWalksPages pages through a window until the cursor is empty and
// loads every page with Load, unchanged.
func TestFetchWalksPages(t *testing.T) {
	for _, tc := range []struct {
		name, limit, nextHost string
		wantOffsets           []int
	}{
		{"by count", "2", "", []int{0, 2, 4}},
		{"by next link", "2", "elsewhere.example.invalid", []int{0, 2, 4}},
		{"default limit", "", "", []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := window()
			srv := &searchServer{t: t, total: 5, account: "12345678", token: "s3cret",
				from: w.From.UnixMilli(), to: w.To.UnixMilli() - 1, nextHost: tc.nextHost}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			cfg := &loaders.SourceConfig{Tenant: "acme", Kind: loaders.KindLivePerson, Endpoint: ts.URL + "/",
				Account: "12345678", Secret: "s3cret", Options: map[string]string{}}
			if tc.limit != "" {
				cfg.Options["limit"] = tc.limit
			}
			db := openDB(t)
			ctx := context.Background()
			cursor, pages := "", 0
			for {
				page, err := Source{}.Fetch(ctx, http.DefaultClient, cfg, w, cursor)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				loadPage(t, db, page.Body)
				if page.Next == "" {
					break
				}
				if pages > 10 {
					t.Fatal("the cursor never ends")
				}
				cursor = page.Next
			}
			if fmt.Sprint(srv.offsets) != fmt.Sprint(tc.wantOffsets) {
				t.Errorf("offsets requested %v, want %v", srv.offsets, tc.wantOffsets)
			}
			if tc.limit == "" && srv.limits[0] != 100 {
				t.Errorf("default limit %d, want the vendor's maximum 100", srv.limits[0])
			}
			if n := count(t, db, "Conversations"); n != 5 {
				t.Errorf("%d conversations loaded from the pages, want 5", n)
			}
			if n := count(t, db, "Messages"); n != 5 {
				t.Errorf("%d messages loaded from the pages, want 5", n)
			}
		})
	}
}

// TestFetchEmptyWindow ends at once on a page without records.
func TestFetchEmptyWindow(t *testing.T) {
	w := window()
	srv := &searchServer{t: t, total: 0, account: "a1", token: "tok", from: w.From.UnixMilli(), to: w.To.UnixMilli() - 1}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	page, err := Source{}.Fetch(context.Background(), http.DefaultClient,
		&loaders.SourceConfig{Endpoint: ts.URL, Account: "a1", Secret: "tok"}, w, "")
	if err != nil {
		t.Fatal(err)
	}
	if page.Next != "" {
		t.Errorf("next cursor %q after an empty page", page.Next)
	}
	db := openDB(t)
	loadPage(t, db, page.Body)
	if n := count(t, db, "Conversations"); n != 0 {
		t.Errorf("%d conversations from an empty page", n)
	}
}

// TestFetchRefusedCredential reports a 401 as a *loaders.CredentialError,
// whatever the Doer.
func TestFetchRefusedCredential(t *testing.T) {
	w := window()
	srv := &searchServer{t: t, account: "a1", token: "right", from: w.From.UnixMilli(), to: w.To.UnixMilli() - 1}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	_, err := Source{}.Fetch(context.Background(), http.DefaultClient,
		&loaders.SourceConfig{Endpoint: ts.URL, Account: "a1", Secret: "wrong"}, w, "")
	var ce *loaders.CredentialError
	if !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a CredentialError with status 401", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the secret: %v", err)
	}
}

// TestFetchRefusesBadInput checks the window limit and the cursor.
func TestFetchRefusesBadInput(t *testing.T) {
	if d := (Source{}).MaxWindow(); d <= 0 || d > 89*24*time.Hour {
		t.Errorf("MaxWindow %s: must stay inside three months (89 days at the shortest)", d)
	}
	cfg := &loaders.SourceConfig{Endpoint: "http://127.0.0.1:1", Account: "a1", Secret: "x"}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		w      loaders.Window
		cursor string
	}{
		"window too long": {loaders.Window{From: from, To: from.Add(100 * 24 * time.Hour)}, ""},
		"empty window":    {loaders.Window{From: from, To: from}, ""},
		"bad cursor":      {loaders.Window{From: from, To: from.Add(time.Hour)}, "next"},
	} {
		if _, err := (Source{}).Fetch(context.Background(), http.DefaultClient, cfg, tc.w, tc.cursor); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestNextCursor covers the ways a page says whether another follows.
func TestNextCursor(t *testing.T) {
	rec := `{"info":{"conversationId":"c"}}`
	recs := func(n int) string { return strings.TrimSuffix(strings.Repeat(rec+",", n), ",") }
	for _, tc := range []struct {
		name, body    string
		offset, limit int
		want          string
	}{
		{"count says more", `{"_metadata":{"count":"7"},"conversationHistoryRecords":[` + recs(3) + `]}`, 0, 3, "3"},
		{"count says done", `{"_metadata":{"count":7},"conversationHistoryRecords":[` + recs(1) + `]}`, 6, 3, ""},
		{"next link", `{"_metadata":{"next":{"href":"https://x.invalid/s?offset=40&limit=20"}},"conversationHistoryRecords":[` + recs(2) + `]}`, 20, 20, "40"},
		{"no metadata, full page", `{"conversationHistoryRecords":[` + recs(2) + `]}`, 0, 2, "2"},
		{"no metadata, short page", `{"conversationHistoryRecords":[` + recs(1) + `]}`, 0, 2, ""},
		{"no records", `{"_metadata":{"count":50},"conversationHistoryRecords":[]}`, 0, 2, ""},
	} {
		got, err := nextCursor([]byte(tc.body), tc.offset, tc.limit)
		if err != nil || got != tc.want {
			t.Errorf("%s: next = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

// loadPage loads a page body with Load, as the pull framework does.
func loadPage(t *testing.T, db *store.DB, body []byte) {
	t.Helper()
	ctx := context.Background()
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		b := loaders.NewTestBatch(ctx, lt, db.Model, "acme", loaders.KindLivePerson, "page.json", time.UTC)
		if err := (Source{}).Load(ctx, &loaders.File{Name: "page.json", R: bytes.NewReader(body)}, b); err != nil {
			return err
		}
		return b.Finish()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// count counts a table's rows straight from the file.
func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(fmt.Sprintf("SELECT count(*) FROM %q", table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
