package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

// The export benchmark answers one question from the issue: can a BI tool
// pull a whole large table through the nextLink chain at a rate close to
// what SQLite itself prints, with the server's memory staying flat?
//
//	go test -tags "sqlite_fts5 sqlite_math_functions" -run '^$' -bench Export -benchtime 1x ./internal/e2e/
//
// For each size it builds a QueueSegments table of that many rows (tenant
// "bench"), starts `ccfeed serve` as a separate process on that file, walks
// the nextLink chain with odata.maxpagesize=benchPageSize, and times
// `sqlite3 -json FILE 'SELECT <the same columns> FROM QueueSegments'`
// writing to /dev/null. Reported per size:
//
//	feed-rows/s      rows the feed sent per second (walk of the whole chain)
//	sqlite3-rows/s   rows sqlite3 -json printed per second
//	feed/sqlite3     the ratio of the two; the target is at least 0.5
//	peak-RSS-MB      the server's VmHWM from /proc/<pid>/status after the walk
//	peak-anon-MB     the largest RssAnon seen while sampling every 20 ms: the
//	                 heap and SQLite caches, without the file pages that
//	                 SQLite's mmap maps into the process (those count in
//	                 VmHWM but are the kernel's page cache, not the server's
//	                 memory)
//	bytes/row        JSON bytes per row on the wire (identity encoding)
//	RSS-vs-smallest, anon-vs-smallest
//	                 on the largest size only: its peaks over the smallest's
//
// After the largest size, it logs whether memory stayed flat (its peaks
// within benchFlatMargin of the smallest size's) and reports the ratios.
//
// CCFEED_BENCH_ROWS=100000,2000000 changes the sizes. CCFEED_BENCH_DIR=DIR
// keeps the ccfeed binary, the databases and the server logs (one JSON line
// per request, with its duration) in DIR for a look by hand, and reuses a
// database already there.
const (
	benchTenant   = "bench"
	benchPageSize = 20000 // the feed's default --max-page-size
	// benchFlatMargin is how much more the largest table's peak may be than
	// the smallest's and still count as flat: 10% plus 16 MB of slack for
	// the Go heap's own growth steps.
	benchFlatMargin = 1.10
	benchFlatSlack  = 16 << 20
)

// benchSizes are the table sizes, smallest first; CCFEED_BENCH_ROWS
// ("100000,2000000") replaces them.
func benchSizes(tb testing.TB) []int {
	v := os.Getenv("CCFEED_BENCH_ROWS")
	if v == "" {
		return []int{100_000, 1_000_000}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			tb.Fatalf("CCFEED_BENCH_ROWS=%q: want row counts separated by commas", v)
		}
		out = append(out, n)
	}
	return out
}

func BenchmarkExport(b *testing.B) {
	sqlite3 := tool(b, "sqlite3", "the export benchmark compares the feed with `sqlite3 -json` on the same file (apt-get install sqlite3)")
	bin := ccfeedBinary(b)
	sizes := benchSizes(b)
	peaks := map[int]benchPeak{}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			dbPath := benchDB(b, n)
			srv := startServer(b, bin, dbPath)
			cols := benchColumns()
			b.ResetTimer()
			var feedTime time.Duration
			var size int64
			for i := 0; i < b.N; i++ {
				start := time.Now()
				rows, nb := walkExport(b, srv, n)
				feedTime += time.Since(start)
				size += nb
				if rows != n {
					b.Fatalf("the nextLink chain delivered %d rows, want %d", rows, n)
				}
			}
			b.StopTimer()
			peak := srv.stop(b)
			peaks[n] = peak

			// The baseline is sqlite3's best of three runs per iteration:
			// one run is noisy on a busy machine, and the best run is the
			// harder target.
			var sqlTime time.Duration
			for i := 0; i < b.N; i++ {
				best := time.Duration(1<<63 - 1)
				for range 3 {
					best = min(best, sqliteJSON(b, sqlite3, dbPath, cols))
				}
				sqlTime += best
			}
			feedRate := float64(n) * float64(b.N) / feedTime.Seconds()
			sqlRate := float64(n) * float64(b.N) / sqlTime.Seconds()
			mb := func(v int64) float64 { return float64(v) / (1 << 20) }
			b.ReportMetric(feedRate, "feed-rows/s")
			b.ReportMetric(sqlRate, "sqlite3-rows/s")
			b.ReportMetric(feedRate/sqlRate, "feed/sqlite3")
			b.ReportMetric(mb(peak.hwm), "peak-RSS-MB")
			b.ReportMetric(mb(peak.anon), "peak-anon-MB")
			b.ReportMetric(float64(size)/float64(n*b.N), "bytes/row")
			b.Logf("%d rows: feed %.0f rows/s, sqlite3 -json %.0f rows/s, ratio %.2f (target >= 0.5: %s); server peak RSS %.1f MB (anon %.1f MB)",
				n, feedRate, sqlRate, feedRate/sqlRate, verdict(feedRate/sqlRate >= 0.5, "met", "MISSED"), mb(peak.hwm), mb(peak.anon))

			// Memory is flat when the largest table needs no more than the
			// smallest, within the margin.
			small, ok := peaks[sizes[0]]
			if n == sizes[len(sizes)-1] && n != sizes[0] && ok {
				flat := func(s, l int64) bool { return float64(l) <= float64(s)*benchFlatMargin+benchFlatSlack }
				b.ReportMetric(float64(peak.hwm)/float64(small.hwm), "RSS-vs-smallest")
				b.ReportMetric(float64(peak.anon)/float64(small.anon), "anon-vs-smallest")
				b.Logf("server memory %d -> %d rows: VmHWM %.1f -> %.1f MB (%s), RssAnon peak %.1f -> %.1f MB (%s)",
					sizes[0], n, mb(small.hwm), mb(peak.hwm), verdict(flat(small.hwm, peak.hwm), "flat", "NOT FLAT"),
					mb(small.anon), mb(peak.anon), verdict(flat(small.anon, peak.anon), "flat", "NOT FLAT"))
			}
		})
	}
}

func verdict(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

// benchColumns are the columns of QueueSegments in model order: what the
// feed sends for each row without $select, and what sqlite3 prints.
func benchColumns() []string {
	var cols []string
	for _, p := range edm.Default().Set("QueueSegments").Type.Properties {
		cols = append(cols, p.Column())
	}
	return cols
}

// Files shared by every benchmark in this binary: one ccfeed build and one
// database per size, in a directory removed by TestMain.
var (
	benchDir     string
	benchDirOnce sync.Once
	binOnce      sync.Once
	binPath      string
	binErr       error
	dbMu         sync.Mutex
	dbPaths      = map[int]string{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" && os.Getenv("CCFEED_BENCH_DIR") == "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// sharedDir is a temporary directory, or CCFEED_BENCH_DIR when set: then
// the binary and databases are kept for a look by hand (curl, sqlite3), and
// a database already there is reused instead of rebuilt.
func sharedDir(tb testing.TB) string {
	benchDirOnce.Do(func() {
		if d := os.Getenv("CCFEED_BENCH_DIR"); d != "" {
			if err := os.MkdirAll(d, 0o755); err != nil {
				tb.Fatal(err)
			}
			benchDir = d
			return
		}
		d, err := os.MkdirTemp("", "ccfeed-e2e-bench-")
		if err != nil {
			tb.Fatal(err)
		}
		benchDir = d
	})
	return benchDir
}

// ccfeedBinary builds cmd/ccfeed with the project's build tags.
func ccfeedBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(sharedDir(tb), "ccfeed")
		cmd := exec.Command("go", "build", "-tags", "sqlite_fts5 sqlite_math_functions", "-o", binPath, "./cmd/ccfeed")
		cmd.Dir = feedtest.RepoRoot(tb)
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/ccfeed: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// benchDB returns a database holding n QueueSegments rows of tenant
// "bench", built once per size.
func benchDB(tb testing.TB, n int) string {
	tb.Helper()
	dbMu.Lock()
	defer dbMu.Unlock()
	if p, ok := dbPaths[n]; ok {
		return p
	}
	start := time.Now()
	p := filepath.Join(sharedDir(tb), fmt.Sprintf("export-%d.db", n))
	if _, err := os.Stat(p); err == nil && os.Getenv("CCFEED_BENCH_DIR") != "" {
		dbPaths[n] = p
		return p
	}
	if err := fillQueueSegments(p, n); err != nil {
		tb.Fatal(err)
	}
	st, _ := os.Stat(p)
	tb.Logf("built %d QueueSegments rows in %s (%d MB)", n, time.Since(start).Round(time.Millisecond), st.Size()>>20)
	dbPaths[n] = p
	return p
}

// fillQueueSegments writes n rows through the store's Writer in one
// transaction, so the rows look exactly as a loader would leave them (UTC
// milliseconds, tenant-local text with its offset), then checkpoints so the
// file alone holds them.
func fillQueueSegments(path string, n int) error {
	ctx := context.Background()
	db, err := store.Open(path, edm.Default(), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetTenantTimezone(ctx, benchTenant, "Europe/Berlin"); err != nil {
		return err
	}
	t := edm.Default().Set("QueueSegments").Type.Table
	col := func(name string) int {
		i := t.Index(name)
		if i < 0 {
			panic("QueueSegments has no column " + name)
		}
		return i
	}
	var (
		cID, cTenant, cSource, cSourceID = col("id"), col("tenantId"), col("source"), col("sourceId")
		cConv, cChan, cQueue, cAgent     = col("conversationId"), col("channelId"), col("queueId"), col("agentId")
		cQueued, cDequeued, cDuration    = col("queuedAtUTC"), col("dequeuedAtUTC"), col("durationInSeconds")
		cReason, cSrcReason, cEntry      = col("dequeuedReason"), col("sourceDequeuedReason"), col("entryType")
		cAbandoned, cSLA                 = col("slaAbandoned"), col("slaTimeInSeconds")
	)
	reasons := []string{"AgentConnected", "AgentConnected", "AgentConnected", "CustomerDisconnected", "QueueTimedOut", "CallbackRequested", "Transferred"}
	srcReasons := []string{"agent_answered", "agent_answered", "agent_answered", "caller_hangup", "timeout", "callback", "transfer"}
	entries := []string{"ivr", "ivr", "transfer", "callback", "timeout"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err = db.Load(ctx, func(lt *store.LoadTx) error {
		w := lt.Writer
		r := store.NewRow(t)
		for i := 0; i < n; i++ {
			// A deterministic spread: a new segment every ~3 s over the
			// year, waits of 0 to 10 minutes, 40 queues, 300 agents.
			h := uint32(i) * 2654435761
			src := fmt.Sprintf("qs-%08d", i)
			queued := base.Add(time.Duration(i)*3*time.Second + time.Duration(h%1000)*time.Millisecond)
			wait := time.Duration(h%600_000) * time.Millisecond
			k := int(h>>8) % len(reasons)
			r.Values[cID] = benchTenant + ":buzzeasy:" + src
			r.Values[cTenant] = benchTenant
			r.Values[cSource] = "buzzeasy"
			r.Values[cSourceID] = src
			r.Values[cConv] = fmt.Sprintf("%s:buzzeasy:conv-%08d", benchTenant, i/2)
			r.Values[cChan] = fmt.Sprintf("%s:buzzeasy:chan-%02d", benchTenant, h%12)
			r.Values[cQueue] = fmt.Sprintf("%s:buzzeasy:queue-%02d", benchTenant, h%40)
			if reasons[k] == "AgentConnected" {
				r.Values[cAgent] = fmt.Sprintf("%s:buzzeasy:agent-%03d", benchTenant, (h>>4)%300)
			} else {
				r.Values[cAgent] = nil
			}
			r.Values[cQueued] = queued
			r.Values[cDequeued] = queued.Add(wait)
			r.Values[cDuration] = wait.Seconds()
			r.Values[cReason] = reasons[k]
			r.Values[cSrcReason] = srcReasons[k]
			r.Values[cEntry] = entries[int(h>>12)%len(entries)]
			r.Values[cAbandoned] = reasons[k] == "CustomerDisconnected" && wait < 20*time.Second
			r.Values[cSLA] = min(wait, 20*time.Second).Seconds()
			if _, err := w.Upsert(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// What the loaders do after a load (cmd/ccfeed load, the demo loader).
	if err := db.Optimize(ctx); err != nil {
		return err
	}
	_, err = db.Checkpoint(ctx)
	return err
}

// server is a running `ccfeed serve` process.
type server struct {
	cmd   *exec.Cmd
	root  string // service root, ending in /odata/
	token string
	done  chan struct{}
	mu    sync.Mutex
	anon  int64 // largest RssAnon sampled
}

type benchPeak struct{ hwm, anon int64 }

// startServer mints a read token for every tenant with `ccfeed token`, then
// starts `ccfeed serve` on a free loopback port, with any extra flags, and
// waits for /healthz.
func startServer(tb testing.TB, bin, dbPath string, extra ...string) *server {
	tb.Helper()
	tok := cliToken(tb, bin, dbPath, "--tenant", "*")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(dbPath + ".serve.log")
	if err != nil {
		tb.Fatal(err)
	}
	// The per-credential rate limit is lifted: these benchmarks measure how
	// fast the feed answers, not how fast it lets one client ask.
	cmd := exec.Command(bin, append([]string{"serve", "--db", dbPath, "--addr", addr, "--demo=false", "--log-format", "json",
		"--rate-limit", "100000", "--burst", "100000"}, extra...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &server{cmd: cmd, root: "http://" + addr + "/odata/", token: tok, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(s.done) }()
	tb.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(dbPath + ".serve.log")
			tb.Fatalf("ccfeed serve exited before it answered /healthz:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("ccfeed serve did not answer /healthz within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	go s.sampleAnon()
	return s
}

// cliToken mints a token with `ccfeed token` and the given flags.
func cliToken(tb testing.TB, bin, dbPath string, flags ...string) string {
	tb.Helper()
	out, err := exec.Command(bin, append([]string{"token", "--db", dbPath}, flags...)...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		tb.Fatalf("ccfeed token: %v\n%s%s", err, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// sampleAnon records the largest RssAnon until the process ends.
func (s *server) sampleAnon() {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
		}
		if v, err := procStatus(s.cmd.Process.Pid, "RssAnon"); err == nil {
			s.mu.Lock()
			s.anon = max(s.anon, v)
			s.mu.Unlock()
		}
	}
}

// stop reads the peaks and ends the process.
func (s *server) stop(tb testing.TB) benchPeak {
	tb.Helper()
	hwm, err := procStatus(s.cmd.Process.Pid, "VmHWM")
	if err != nil {
		tb.Fatalf("reading the server's VmHWM: %v", err)
	}
	anon, _ := procStatus(s.cmd.Process.Pid, "RssAnon")
	s.mu.Lock()
	peak := benchPeak{hwm: hwm, anon: max(s.anon, anon)}
	s.mu.Unlock()
	s.kill()
	return peak
}

func (s *server) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// procStatus reads one "Name:   123 kB" field of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q", field, rest)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// walkExport follows the nextLink chain of the whole QueueSegments set and
// returns the rows and body bytes it received. It checks that keys rise
// strictly from row to row (the feed pages by key), which with the row
// count proves there were no gaps and no repeats.
//
// The client must cost little next to the server on a two-core machine, so
// it does not decode pages: it finds each row's "id" member by a byte scan
// (a member name can only appear unescaped as structure, and every row of
// the bare set carries its key) and the nextLink at the end of the body.
// The first page is also decoded in full, to check the scan against a real
// JSON parser.
func walkExport(tb testing.TB, s *server, want int) (rows int, size int64) {
	tb.Helper()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	link := s.root + "QueueSegments"
	last := ""
	var buf bytes.Buffer
	for pages := 0; link != ""; pages++ {
		if pages > want/benchPageSize+10 {
			tb.Fatalf("the nextLink chain is longer than %d pages", pages)
		}
		req, err := http.NewRequest(http.MethodGet, link, nil)
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+s.token)
		req.Header.Set("Prefer", "odata.maxpagesize="+strconv.Itoa(benchPageSize))
		resp, err := client.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		buf.Reset()
		_, err = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if err != nil {
			tb.Fatalf("GET %s: %v", link, err)
		}
		if resp.StatusCode != http.StatusOK {
			tb.Fatalf("GET %s: %d %s", link, resp.StatusCode, buf.Bytes())
		}
		body := buf.Bytes()
		size += int64(len(body))
		n := 0
		for rest := body; ; {
			i := bytes.Index(rest, idMember)
			if i < 0 {
				break
			}
			rest = rest[i+len(idMember):]
			end := bytes.Index(rest, []byte{'"'})
			if end < 0 {
				tb.Fatalf("GET %s: unterminated id", link)
			}
			id := string(rest[:end])
			if id <= last {
				tb.Fatalf("key %q follows %q: the chain repeated or reordered rows", id, last)
			}
			last = id
			n++
		}
		if pages == 0 {
			var page struct {
				Value []json.RawMessage `json:"value"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				tb.Fatalf("GET %s: the page is not JSON: %v", link, err)
			}
			if len(page.Value) != n {
				tb.Fatalf("GET %s: %d rows decoded, %d found by the scan", link, len(page.Value), n)
			}
		}
		rows += n
		link = ""
		if i := bytes.LastIndex(body, nextLinkMember); i >= 0 {
			rest := body[i+len(nextLinkMember):]
			end := bytes.Index(rest, []byte{'"'})
			if end < 0 {
				tb.Fatalf("GET %s: unterminated nextLink", link)
			}
			link = string(rest[:end])
		}
	}
	return rows, size
}

var (
	idMember       = []byte(`"id":"`)
	nextLinkMember = []byte(`"@odata.nextLink":"`)
)

// sqliteJSON times sqlite3 -json printing the columns of every row to
// /dev/null.
func sqliteJSON(tb testing.TB, sqlite3, dbPath string, cols []string) time.Duration {
	tb.Helper()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	stmt := "SELECT " + strings.Join(quoted, ", ") + " FROM QueueSegments"
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer devnull.Close()
	cmd := exec.Command(sqlite3, "-json", "-readonly", dbPath, stmt)
	cmd.Stdout = devnull
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		tb.Fatalf("sqlite3 -json: %v\n%s", err, stderr.String())
	}
	return time.Since(start)
}
