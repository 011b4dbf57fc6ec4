package twoway_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/twoway"
	"github.com/ccfeed/ccfeed/store"
)

// BenchmarkLoad loads a synthetic two-way report of 100,000 and 1,000,000
// events and reports events/s and the peak Go heap during the load. The
// target is at least 100,000 rows/s with memory flat in the file size:
// compare peak-heap-MB of the two sizes. Each size loads into an empty
// store and into one that already holds the other four sources' mentions
// of the report's agents (store=other-sources), whose people the report's
// agents join. index-s is the time the full-text
// index then takes to catch up with the loaded messages, checkpoint-s the
// time to copy the write-ahead log into the database file; both happen
// after the load has committed, off its path.
func BenchmarkLoad(b *testing.B) {
	// The soft heap limit "ccfeed load" runs under: without it the heap
	// grows to twice its live size between collections, which is faster
	// and not what a load does.
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(loaders.MemoryLimit))
	}
	for _, rows := range []int{100_000, 1_000_000} {
		for _, prefill := range []string{"empty", "other-sources"} {
			b.Run(fmt.Sprintf("rows=%d/store=%s", rows, prefill), func(b *testing.B) {
				dir := b.TempDir()
				path := filepath.Join(dir, "report.csv")
				f, err := os.Create(path)
				if err != nil {
					b.Fatal(err)
				}
				if err := twoway.Synthetic(f, rows, 1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), nil); err != nil {
					b.Fatal(err)
				}
				f.Close()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					db := feedtest.OpenDB(b)
					dropIndexes(b, db)
					if prefill == "other-sources" {
						loadOtherSources(b, db, dir)
					}
					runtime.GC()
					var base runtime.MemStats
					runtime.ReadMemStats(&base)
					peak := sampleHeap()
					b.StartTimer()
					start, cpu0 := time.Now(), cpuTime()
					res := loaders.LoadFile(context.Background(), db, "bench", path, loaders.Options{})
					elapsed, cpu := time.Since(start), cpuTime()-cpu0
					b.StopTimer()
					heap := peak()
					if res.Status != edm.LoadLoaded {
						b.Fatalf("load failed: %s", res.Message)
					}
					b.ReportMetric(float64(res.Records)/elapsed.Seconds(), "rows/s")
					// Rows per second of CPU time: the same figure on a busy
					// machine, where wall-clock rates are not comparable.
					b.ReportMetric(float64(res.Records)/cpu.Seconds(), "rows/cpu-s")
					b.ReportMetric(float64(heap-base.HeapInuse)/(1<<20), "peak-heap-MB")
					// The full-text index is built after the load (see
					// store/search.go); its cost is reported beside it.
					istart := time.Now()
					n, err := db.IndexText(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(time.Since(istart).Seconds(), "index-s")
					b.ReportMetric(float64(n), "indexed-rows")
					// So is copying the write-ahead log into the database
					// file, which commits leave to store.CheckpointWAL.
					cstart := time.Now()
					if _, err := db.CheckpointWAL(context.Background()); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(time.Since(cstart).Seconds(), "checkpoint-s")
					b.StartTimer()
				}
			})
		}
	}
}

// dropIndexes drops the indexes CCFEED_BENCH_WITHOUT_INDEXES names
// (comma-separated, or "all" for every model index but the unique keys
// and those the copy triggers seek by), to measure what each costs a load:
//
//	CCFEED_BENCH_WITHOUT_INDEXES=ix_Messages_rows go test ... -bench Load ./loaders/twoway/
func dropIndexes(b *testing.B, db *store.DB) {
	b.Helper()
	list := os.Getenv("CCFEED_BENCH_WITHOUT_INDEXES")
	if list == "" {
		return
	}
	raw, err := sql.Open("sqlite3", "file:"+db.Path)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	var names []string
	if list == "all" {
		via := map[string]bool{}
		for _, t := range edm.Default().Tables {
			for _, c := range t.Columns {
				if c.Copy != nil {
					via[t.Name+"."+c.Copy.Via.Name] = true
				}
			}
		}
		for _, t := range edm.Default().Tables {
			for _, x := range t.Indexes {
				if len(x.Columns) > 1 && via[t.Name+"."+x.Columns[1].Name] {
					continue
				}
				names = append(names, x.Name)
			}
		}
	} else {
		names = strings.Split(list, ",")
	}
	for _, n := range names {
		if _, err := raw.Exec(`DROP INDEX "` + strings.ReplaceAll(strings.TrimSpace(n), `"`, `""`) + `"`); err != nil {
			b.Fatalf("CCFEED_BENCH_WITHOUT_INDEXES: %v", err)
		}
	}
	b.Logf("without %d indexes: %s", len(names), strings.Join(names, ", "))
}

// loadOtherSources loads a LivePerson page, Buzzeasy Users and Agents, a
// CxEngage interaction and an ino distribution export that name the
// synthetic report's two agents (by login address, by address, and by name).
func loadOtherSources(b *testing.B, db *store.DB, dir string) {
	b.Helper()
	files := map[string]string{
		"lp.json": `{"conversationHistoryRecords":[{"info":{"conversationId":"lp-1","startTimeL":1735689600000,"endTimeL":1735689900000,
			"latestAgentId":"101","latestAgentLoginName":"agent.one@clinic.example","latestAgentFullName":"Agent One","status":"CLOSE"},
			"agentParticipants":[{"agentId":"101","agentLoginName":"agent.one@clinic.example","agentFullName":"Agent One","timeL":1735689610000,"permission":"ASSIGNED_AGENT"},
			{"agentId":"102","agentLoginName":"agent.two@clinic.example","agentFullName":"Agent Two","timeL":1735689700000,"permission":"ASSIGNED_AGENT"}]}]}`,
		"Users.json": `{"@odata.context":"x/$metadata#Users","value":[{"id":"a-1","Name":"Agent One","emailAddress":"agent.one@clinic.example","userType":"Agent"},
			{"id":"a-2","Name":"Agent Two","emailAddress":"agent.two@clinic.example","userType":"Agent"}]}`,
		"Agents.json": `{"@odata.context":"x/$metadata#Agents","value":[{"id":"a-1","name":"Agent One","customID":"E1"},{"id":"a-2","name":"Agent Two","customID":"E2"}]}`,
		"cx.json": `{"interactionId":"cx-1","startTimestamp":"2025-01-01T00:00:00Z","endTimestamp":"2025-01-01T00:05:00Z","channelType":"sms","dataComplete":true,
			"agents":[{"interactionAgentId":"ia-1","agentId":"c-1","agentName":"Agent One","startTimestamp":"2025-01-01T00:00:10Z"},
			{"interactionAgentId":"ia-2","agentId":"c-2","agentName":"Agent Two","startTimestamp":"2025-01-01T00:01:10Z"}]}`,
		"ino.csv": "Distribution date,Type,Messaging type,Sender,Queue,User,Interaction ID\n" +
			"2025-01-01 00:00:00,User,WhatsApp,+33600000001,Q,Agent One,i-1\n2025-01-01 00:10:00,User,WhatsApp,+33600000002,Q,Agent Two,i-2\n",
	}
	ctx := context.Background()
	if err := db.SetTenantTimezone(ctx, "bench", "UTC"); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"lp.json", "Users.json", "Agents.json", "cx.json", "ino.csv"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(files[name]), 0o600); err != nil {
			b.Fatal(err)
		}
		kind := map[string]string{"lp.json": loaders.KindLivePerson, "Users.json": loaders.KindBuzzeasy, "Agents.json": loaders.KindBuzzeasy,
			"cx.json": loaders.KindCxEngage, "ino.csv": loaders.KindIno}[name]
		if res := loaders.LoadFile(ctx, db, "bench", path, loaders.Options{Kind: kind}); res.Status != edm.LoadLoaded || res.Rejected != 0 {
			b.Fatalf("%s: %s, %d rejected: %s", name, res.Status, res.Rejected, res.Message)
		}
	}
	var people int
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(DISTINCT person) FROM ccfeed_mentions WHERE kind = 'agent'`).Scan(&people)
	}); err != nil || people != 2 {
		b.Fatalf("the other sources name %d agents (%v), want the report's 2", people, err)
	}
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleHeap polls the heap until the returned function is called and
// returns the highest HeapInuse seen.
func sampleHeap() func() uint64 {
	var mu sync.Mutex
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
