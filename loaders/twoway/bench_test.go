package twoway_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/twoway"
)

// BenchmarkLoad loads a synthetic two-way report of 100,000 and 1,000,000
// events and reports events/s and the peak Go heap during the load. The
// target is at least 100,000 rows/s with memory flat in the file size:
// compare peak-heap-MB of the two sizes. index-s is the time the full-text
// index then takes to catch up with the loaded messages, checkpoint-s the
// time to copy the write-ahead log into the database file; both happen
// after the load has committed, off its path.
func BenchmarkLoad(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
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
