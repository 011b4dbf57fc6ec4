package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

// The query benchmarks time heavy requests end to end (a `ccfeed serve`
// process, HTTP, JSON, every page) beside the hand-written SQL that answers
// the same question, run by the sqlite3 CLI with -json on the same file.
// The target is a feed/sqlite3 time ratio of at most 1.5.
//
//	go test -tags "sqlite_fts5 sqlite_math_functions" -run '^$' -bench 'Apply|FilterFunctions' -benchtime 3x ./internal/e2e/
//
// CCFEED_BENCH_APPLY_ROWS (default 2000000) and CCFEED_BENCH_CHAT_ROWS
// (default 1000000) change the table sizes; CCFEED_BENCH_DIR keeps the
// databases between runs as for the export benchmark.

const queryTarget = 1.5

type queryBench struct {
	name   string
	req    string // relative to the service root, readable (spaces allowed)
	oracle string // the hand-written SQL
}

func envRows(tb testing.TB, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
			tb.Fatalf("%s=%q: want a row count", name, v)
		}
		return n
	}
	return def
}

func BenchmarkApply(b *testing.B) {
	n := envRows(b, "CCFEED_BENCH_APPLY_ROWS", 2_000_000)
	dbPath := benchDB(b, n)
	runQueryBench(b, dbPath, n, []queryBench{
		{"groupby_queue_reason",
			"QueueSegments?$apply=groupby((queueId,dequeuedReason),aggregate(durationInSeconds with average as avgWait,$count as n))",
			`SELECT queueId, dequeuedReason, AVG(durationInSeconds) AS avgWait, COUNT(*) AS n FROM QueueSegments
			 WHERE tenantId = 'bench' GROUP BY 1, 2 ORDER BY 1, 2, 3, 4`},
		{"groupby_queue_day",
			"QueueSegments?$apply=compute(date(queuedAt) as day)/groupby((queueId,day),aggregate(durationInSeconds with average as avgWait,slaTimeInSeconds with max as worst))",
			`SELECT queueId, substr(queuedAt, 1, 10) AS day, AVG(durationInSeconds) AS avgWait, MAX(slaTimeInSeconds) AS worst
			 FROM QueueSegments WHERE tenantId = 'bench' GROUP BY 1, 2 ORDER BY 1, 2, 3, 4`},
		{"filter_then_aggregate",
			"QueueSegments?$apply=filter(dequeuedReason eq 'CustomerDisconnected' and durationInSeconds gt 30)/groupby((entryType),aggregate($count as n,durationInSeconds with sum as total))",
			`SELECT entryType, COUNT(*) AS n, SUM(durationInSeconds) AS total FROM QueueSegments
			 WHERE tenantId = 'bench' AND dequeuedReason = 'CustomerDisconnected' AND durationInSeconds > 30
			 GROUP BY 1 ORDER BY 1, 2, 3`},
	})
}

func BenchmarkFilterFunctions(b *testing.B) {
	n := envRows(b, "CCFEED_BENCH_CHAT_ROWS", 1_000_000)
	dbPath := chatsDB(b, n)
	runQueryBench(b, dbPath, n, []queryBench{
		{"string_and_date_functions",
			"Chats?$filter=contains(customerLastName,'son') and year(startedAt) eq 2026 and day(startedAt) le 20 and round(durationInSeconds) gt 300&$select=id,customerLastName,startedAt,durationInSeconds",
			`SELECT id, customerLastName, startedAt, durationInSeconds FROM Conversations
			 WHERE tenantId = 'bench' AND mediaType = 'chat' AND instr(customerLastName, 'son') > 0
			   AND CAST(substr(startedAt, 1, 4) AS INTEGER) = 2026 AND CAST(substr(startedAt, 9, 2) AS INTEGER) <= 20
			   AND round(durationInSeconds) > 300
			 ORDER BY tenantId, id`},
		{"tolower_startswith",
			"Chats?$filter=startswith(tolower(customerFirstName),'an') and hour(startedAt) ge 9 and hour(startedAt) lt 17&$select=id,customerFirstName",
			`SELECT id, customerFirstName FROM Conversations
			 WHERE tenantId = 'bench' AND mediaType = 'chat' AND substr(lower(customerFirstName), 1, 2) = 'an'
			   AND CAST(substr(startedAt, 12, 2) AS INTEGER) >= 9 AND CAST(substr(startedAt, 12, 2) AS INTEGER) < 17
			 ORDER BY tenantId, id`},
	})
}

// BenchmarkDemoQueries runs the same kind of requests over a database loaded
// from the vendor files of the demo generator, at a scale of your choice:
//
//	ccfeed demo --out /tmp/demo --scale 223          # about 1,000,000 conversations
//	for t in contoso fabrikam northwind; do ccfeed load --db /tmp/demo.db --tenant $t /tmp/demo/$t/*/*; done
//	CCFEED_BENCH_DEMO_DB=/tmp/demo.db go test -tags "sqlite_fts5 sqlite_math_functions" -run '^$' -bench DemoQueries ./internal/e2e/
//
// (set the tenants' time zones first, as DIR/README.txt says). Without
// CCFEED_BENCH_DEMO_DB it skips, saying so: building that database takes
// many minutes.
func BenchmarkDemoQueries(b *testing.B) {
	dbPath := os.Getenv("CCFEED_BENCH_DEMO_DB")
	if dbPath == "" {
		b.Skip("SKIPPED: set CCFEED_BENCH_DEMO_DB to a database loaded from `ccfeed demo --scale N` files (see the comment)")
	}
	n := runOracle(b, tool(b, "sqlite3", "the query benchmarks need the sqlite3 CLI"), dbPath, "SELECT 1 FROM Conversations")
	runQueryBench(b, dbPath, n, []queryBench{
		{"conversations_per_source_and_channel",
			"Conversations?$apply=groupby((source,channelId),aggregate($count as n,durationInSeconds with average as avgDuration))",
			`SELECT source, channelId, COUNT(*) AS n, AVG(durationInSeconds) AS avgDuration FROM Conversations
			 GROUP BY 1, 2 ORDER BY 1, 2, 3, 4`},
		{"queue_time_per_queue_per_day",
			"QueueSegments?$apply=compute(date(queuedAt) as day)/groupby((queueId,day),aggregate(durationInSeconds with average as avgQueue))",
			`SELECT queueId, substr(queuedAt, 1, 10) AS day, AVG(durationInSeconds) AS avgQueue FROM QueueSegments
			 GROUP BY 1, 2 ORDER BY 1, 2, 3`},
		{"messages_per_agent_per_hour",
			"Messages?$apply=filter(agentId ne null)/compute(date(sentAt) as day,hour(sentAt) as hour)/groupby((agentId,day,hour),aggregate($count as n))",
			`SELECT agentId, substr(sentAt, 1, 10) AS day, CAST(substr(sentAt, 12, 2) AS INTEGER) AS hour, COUNT(*) AS n FROM Messages
			 WHERE agentId IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3, 4`},
	})
}

// runQueryBench times each request (all pages) and its oracle, checks that
// both return the same number of rows, and reports the ratio.
func runQueryBench(b *testing.B, dbPath string, rows int, cases []queryBench) {
	sqlite3 := tool(b, "sqlite3", "the query benchmarks compare the feed with the sqlite3 CLI on the same file (apt-get install sqlite3)")
	bin := ccfeedBinary(b)
	srv := startServer(b, bin, dbPath)
	defer srv.stop(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			// One untimed run of each warms the page cache for both.
			want := runOracle(b, sqlite3, dbPath, c.oracle)
			if got := walkQuery(b, srv, c.req); got != want {
				b.Fatalf("the feed returned %d rows, the SQL %d", got, want)
			}
			if want == 0 {
				b.Fatalf("the query matches nothing: it measures nothing")
			}
			b.ResetTimer()
			var feed, oracle time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				walkQuery(b, srv, c.req)
				feed += time.Since(start)
				b.StopTimer()
				start = time.Now()
				runOracle(b, sqlite3, dbPath, c.oracle)
				oracle += time.Since(start)
				b.StartTimer()
			}
			b.StopTimer()
			ratio := float64(feed) / float64(oracle)
			b.ReportMetric(float64(feed.Milliseconds())/float64(b.N), "feed-ms")
			b.ReportMetric(float64(oracle.Milliseconds())/float64(b.N), "sqlite3-ms")
			b.ReportMetric(ratio, "feed/sqlite3")
			b.ReportMetric(float64(want), "result-rows")
			b.Logf("%s over %d rows: feed %v, sqlite3 %v per run, ratio %.2f (target <= %.1f: %s); %d result rows",
				c.name, rows, feed/time.Duration(b.N), oracle/time.Duration(b.N), ratio, queryTarget,
				verdict(ratio <= queryTarget, "met", "NOT MET"), want)
		})
	}
}

// runOracle runs the SQL with sqlite3 -json and returns the rows printed.
func runOracle(tb testing.TB, sqlite3, dbPath, stmt string) int {
	tb.Helper()
	cmd := exec.Command(sqlite3, "-json", "-readonly", dbPath, stmt)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("sqlite3: %v\n%s", err, stderr.String())
	}
	if out.Len() == 0 {
		return 0
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		tb.Fatalf("sqlite3 -json output: %v", err)
	}
	return len(rows)
}

// walkQuery reads every page of a request and returns the rows.
func walkQuery(tb testing.TB, s *server, req string) int {
	tb.Helper()
	path, q, _ := strings.Cut(req, "?")
	var parts []string
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, k+"="+url.PathEscape(v))
	}
	link := s.root + path + "?" + strings.Join(parts, "&")
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	total := 0
	for pages := 0; link != ""; pages++ {
		if pages > 10000 {
			tb.Fatalf("nextLink chain does not end")
		}
		r, err := http.NewRequest(http.MethodGet, link, nil)
		if err != nil {
			tb.Fatal(err)
		}
		// The server's own page sizes, as a client that just wants the
		// whole answer gets them.
		r.Header.Set("Authorization", "Bearer "+s.token)
		resp, err := client.Do(r)
		if err != nil {
			tb.Fatal(err)
		}
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"@odata.nextLink"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			tb.Fatalf("GET %s: %d %v", link, resp.StatusCode, err)
		}
		total += len(page.Value)
		link = page.NextLink
	}
	return total
}

// chatsDB returns a database with n chat conversations of tenant "bench".
func chatsDB(tb testing.TB, n int) string {
	tb.Helper()
	dbMu.Lock()
	defer dbMu.Unlock()
	p := filepath.Join(sharedDir(tb), fmt.Sprintf("chats-%d.db", n))
	if _, err := os.Stat(p); err == nil && os.Getenv("CCFEED_BENCH_DIR") != "" {
		return p
	}
	start := time.Now()
	if err := fillChats(p, n); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built %d chats in %s", n, time.Since(start).Round(time.Millisecond))
	return p
}

func fillChats(path string, n int) error {
	ctx := context.Background()
	db, err := store.Open(path, edm.Default(), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetTenantTimezone(ctx, benchTenant, "Europe/Berlin"); err != nil {
		return err
	}
	first := []string{"Anna", "andré", "Ben", "Chloé", "Dmitri", "Anouk", "Eva", "Farid", "Grace", "Hiro"}
	last := []string{"Johnson", "Larsson", "Martin", "Nguyen", "Olsen", "Peterson", "Quinn", "Rossi", "Svensson", "Tanaka"}
	t := edm.Default().Set("Conversations").Type.Table
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err = db.Load(ctx, func(lt *store.LoadTx) error {
		w := lt.Writer
		for i := 0; i < n; i++ {
			h := uint32(i) * 2654435761
			src := fmt.Sprintf("chat-%08d", i)
			r := store.NewRow(t)
			r.Set("id", benchTenant+":bench:"+src).Set("tenantId", benchTenant).Set("source", "bench").Set("sourceId", src).
				Set("mediaType", "chat").Set("channelId", fmt.Sprintf("%s:bench:ch-%d", benchTenant, h%6)).
				Set("queueId", fmt.Sprintf("%s:bench:q-%d", benchTenant, h%20)).
				Set("customerFirstName", first[h%10]).Set("customerLastName", last[(h>>5)%10]).
				Set("startedAtUTC", base.Add(time.Duration(i)*30*time.Second)).
				Set("durationInSeconds", float64(h%3600)+0.25).Set("status", "closed").
				Set("conversationEndedReason", "Default")
			if _, err := w.Upsert(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := db.Optimize(ctx); err != nil {
		return err
	}
	_, err = db.Checkpoint(ctx)
	return err
}
