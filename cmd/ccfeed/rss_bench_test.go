package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders/twoway"
)

// BenchmarkHostileLoadRSS measures the peak resident memory of "ccfeed
// load" (the process's own high-water mark, from the kernel) for each
// hostile file of issue 11 and for 1 GB of valid records, then drops the
// same files into the inbox of a running "ccfeed serve" and measures the
// server's resident memory once they are loaded. Targets: under 150 MB for
// every load, under 200 MB for the server afterwards. The files are
// generated into a temporary folder (about 3 GB of disk, removed after);
// the run takes several minutes:
//
//	go test -tags "sqlite_fts5 sqlite_math_functions" -run '^$' -bench HostileLoadRSS -benchtime 1x -timeout 60m ./cmd/ccfeed/
//
// CCFEED_BENCH_VALID_MB sets the size of the valid file (default 1024).
func BenchmarkHostileLoadRSS(b *testing.B) {
	bin := binary(b)
	dir := b.TempDir()
	sample, err := os.ReadFile(filepath.Join(feedtest.RepoRoot(b), "testdata", "twoway", "daily-overlap", "SYNTHETIC_two_way_conversation_report_2024-03-09.csv"))
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.SplitAfter(string(sample), "\n")
	twoWayHeader, twoWayFirst = lines[0], lines[1]
	validMB := 1024
	if v := os.Getenv("CCFEED_BENCH_VALID_MB"); v != "" {
		validMB, _ = strconv.Atoi(v)
	}
	files := []struct{ name, what string }{
		{"bomb.xlsx", "3 MB workbook whose sheet inflates to 3 GB of blanks"},
		{"line.csv", "two-way report with a 200 MB line"},
		{"body.csv", "two-way report with a 200 MB message body"},
		{"repeated.csv", "525 MB of one valid record repeated"},
		{"lp-message.json", "LivePerson response with a 200 MB message"},
		{"valid.csv", fmt.Sprintf("%d MB of valid two-way records", validMB)},
	}
	gen := map[string]func(string) error{
		"bomb.xlsx": func(p string) error { return writeZipBomb(p, 3<<30) },
		"line.csv": func(p string) error {
			return writeTwoWay(p, func(w io.Writer) { writeRepeat(w, "y", 200<<20); io.WriteString(w, "\n") })
		},
		"body.csv":        func(p string) error { return writeTwoWay(p, func(w io.Writer) { messageLine(w, 200<<20) }) },
		"repeated.csv":    func(p string) error { return writeRepeated(p, 525<<20) },
		"lp-message.json": func(p string) error { return writeLivePerson(p, 200<<20) },
		"valid.csv":       func(p string) error { return writeValid(p, int64(validMB)<<20) },
	}
	for _, f := range files {
		start := time.Now()
		if err := gen[f.name](filepath.Join(dir, f.name)); err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(filepath.Join(dir, f.name))
		b.Logf("generated %s (%s): %d MB in %s", f.name, f.what, st.Size()>>20, time.Since(start).Round(time.Millisecond))
	}
	b.ResetTimer()
	fmt.Printf("\n%-16s %-48s %10s %12s %s\n", "file", "what", "size-MB", "peak-RSS-MB", "outcome")
	for _, f := range files {
		b.Run("load="+f.name, func(b *testing.B) {
			for range b.N {
				db := filepath.Join(b.TempDir(), "feed.db")
				createDBWith(b, bin, db)
				cmd := exec.Command(bin, "load", "--db", db, "--tenant", "acme", filepath.Join(dir, f.name))
				out, _ := cmd.CombinedOutput()
				peak := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB on Linux
				st, _ := os.Stat(filepath.Join(dir, f.name))
				b.ReportMetric(peak, "peak-RSS-MB")
				fmt.Printf("%-16s %-48s %10d %12.1f %s\n", f.name, f.what, st.Size()>>20, peak, outcome(string(out)))
			}
		})
	}
	b.Run("inbox", func(b *testing.B) {
		for range b.N {
			inbox := filepath.Join(b.TempDir(), "inbox")
			if err := os.MkdirAll(filepath.Join(inbox, "acme"), 0o755); err != nil {
				b.Fatal(err)
			}
			srv := exec.Command(bin, "serve", "--db", filepath.Join(b.TempDir(), "feed.db"), "--demo=false", "--addr", "127.0.0.1:0",
				"--log-format", "json", "--inbox", inbox, "--inbox-quiet", "1s")
			log := &syncBuffer{}
			srv.Stdout, srv.Stderr = log, log
			if err := srv.Start(); err != nil {
				b.Fatal(err)
			}
			serverAddr(b, log)
			idle := rssMB(srv.Process.Pid, "VmRSS")
			for _, f := range files {
				// Writers rename a complete file into the inbox.
				if err := os.Link(filepath.Join(dir, f.name), filepath.Join(inbox, "acme", f.name)); err != nil {
					b.Fatal(err)
				}
			}
			deadline := time.Now().Add(60 * time.Minute)
			for !inboxEmpty(filepath.Join(inbox, "acme")) {
				if time.Now().After(deadline) {
					srv.Process.Kill()
					b.Fatalf("the inbox did not finish:\n%s", log.String())
				}
				time.Sleep(time.Second)
			}
			// The indexer and the checkpoint run every second after a load.
			time.Sleep(5 * time.Second)
			after := rssMB(srv.Process.Pid, "VmRSS")
			peak := rssMB(srv.Process.Pid, "VmHWM")
			srv.Process.Signal(syscall.SIGTERM)
			srv.Wait()
			b.ReportMetric(after, "rss-after-MB")
			b.ReportMetric(peak, "peak-RSS-MB")
			fmt.Printf("\nccfeed serve --inbox, every file above dropped in: idle %.1f MB, peak %.1f MB, %.1f MB once loaded\n", idle, peak, after)
		}
	})
}

func outcome(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "loaded ") || strings.HasPrefix(line, "FAILED ") {
			if len(line) > 140 {
				line = line[:140] + "…"
			}
			return line
		}
	}
	return strings.TrimSpace(out)
}

func inboxEmpty(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() {
			return false
		}
	}
	return true
}

// rssMB reads a memory figure of a process (VmRSS now, VmHWM its peak).
func rssMB(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return -1
}

// The generators write without holding the file in memory.

func writeRepeat(w io.Writer, s string, n int) {
	chunk := strings.Repeat(s, 1<<20/len(s))
	for n > 0 {
		k := min(n, len(chunk))
		io.WriteString(w, chunk[:k])
		n -= k
	}
}

func create(p string, fill func(w *bufio.Writer)) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fill(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// twoWayHead is a header and a first record, from the repository's sample.
var twoWayHeader, twoWayFirst string

func writeTwoWay(p string, hostile func(w io.Writer)) error {
	header, first := twoWayHeader, twoWayFirst
	return create(p, func(w *bufio.Writer) {
		w.WriteString(header)
		w.WriteString(first)
		hostile(w)
		w.WriteString(first)
	})
}

func messageLine(w io.Writer, n int) {
	io.WriteString(w, "Agent.One@example.invalid,Agent,One,,Billing Team,SYN-000999,Zoe,Test,pg-demo,twoway_webhook,agent_message_sent,2024-03-09T15:00:00Z,,CH00000000000000000000000000000099,\"")
	writeRepeat(w, "x", n)
	io.WriteString(w, "\",,,conv-0099,,,false,agent,open,1,\n")
}

func writeRepeated(p string, size int) error {
	header, first := twoWayHeader, twoWayFirst
	return create(p, func(w *bufio.Writer) {
		w.WriteString(header)
		for n := 0; n < size; n += len(first) {
			w.WriteString(first)
		}
	})
}

func writeValid(p string, size int64) error {
	// The synthetic report writes about 207 bytes per event.
	rows := int(size / 207)
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	if err := twoway.Synthetic(f, rows, 11, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), nil); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeLivePerson(p string, n int) error {
	return create(p, func(w *bufio.Writer) {
		w.WriteString(`{"conversationHistoryRecords":[{"info":{"conversationId":"ok-1","startTimeL":1714986000000},"messageRecords":[{"seq":0,"type":"TEXT_PLAIN","messageData":{"msg":{"text":"hello"}}}]},` + "\n")
		w.WriteString(`{"info":{"conversationId":"huge","startTimeL":1714986000000},"messageRecords":[{"seq":0,"type":"TEXT_PLAIN","messageData":{"msg":{"text":"`)
		writeRepeat(w, "z", n)
		w.WriteString(`"}}}]}]}`)
	})
}

// writeZipBomb writes an ino-looking workbook whose sheet holds blanks
// bytes of blanks between its first row and its end.
func writeZipBomb(p string, blanks int) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{
		"xl/workbook.xml":            `<workbook><sheets><sheet r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`,
	} {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Interaction ID</t></is></c><c r="B1" t="inlineStr"><is><t>Distribution date</t></is></c></row>`)
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for range blanks >> 20 {
		w.Write(chunk)
	}
	io.WriteString(w, `</sheetData></worksheet>`)
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
