package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// BenchmarkFloor holds the feed to SQLite's physical floor (issue 12): for
// every question, the feed's time (a `ccfeed serve` process, HTTP, JSON,
// every page) beside the best the sqlite3 shell does on the same rows, the
// faster of (a) hand-written SQL on ccfeed's own file and (b) the same
// question on a plain reference table (ref.db, see floor_ref_test.go).
//
//	go test -tags "sqlite_fts5 sqlite_math_functions" -run '^$' -bench Floor -benchtime 1x -timeout 40m ./internal/e2e/
//
// It builds the data set (floor_data_test.go: 10,000 Agents, 1,000,000
// Chats, 2,000,000 QueueSegments, 5,000,000 Messages for tenant "bench")
// as vendor files, loads them with `ccfeed load`, builds ref.db, then asks
// the questions (floor_questions_test.go) and prints one table: question,
// token, feed time, floor (a) and (b), feed/floor ratio, target, met or
// MISSED, and the server's peak memory during the question. A MISSED
// target does not fail the benchmark; a wrong answer (the feed's count or
// rows differ from SQLite's) does.
//
// Times are medians: of 5 runs, of 3 for the aggregations and the export,
// of 25 for a question answered in under 10 ms, on either side (see
// measure and floor). The feed's timed runs read every byte of every page
// but count rows without decoding them (countPage); the untimed answer run
// decodes and checks.
// The shell's time is its process's wall time minus that of `SELECT 1` run
// the same way on the same file. $search is timed beside FTS5's own MATCH
// on ccfeed's index, with no target.
//
// CCFEED_FLOOR_SCALE (default 1) multiplies every row count (0.02 for a
// quick look). CCFEED_BENCH_DIR=DIR keeps the ccfeed binary, the database
// (floor-SCALE.db), ref.db (floor-SCALE-ref.db), the logs and the table
// (floor-SCALE-report.txt) in DIR, and reuses a database and ref.db built
// there by an earlier run; delete them to rebuild (after a change to what
// a load writes, or to the data set).
func BenchmarkFloor(b *testing.B) {
	sqlite3 := tool(b, "sqlite3", "the floor benchmark times the sqlite3 shell (apt-get install sqlite3)")
	scale := floorScale(b)
	spec := floorSpecFor(scale)
	fx := floorFixtureFor(spec)
	bin := ccfeedBinary(b)
	dir := sharedDir(b)
	stem := filepath.Join(dir, "floor-"+strconv.FormatFloat(scale, 'g', -1, 64))
	var split []string
	phase := func(name string, start time.Time) {
		split = append(split, fmt.Sprintf("%s %s", name, time.Since(start).Round(100*time.Millisecond)))
	}

	start := time.Now()
	dbPath, built, buildReport := floorDB(b, bin, sqlite3, stem, spec)
	phase("build", start)

	start = time.Now()
	refPath := stem + "-ref.db"
	if !built && floorRefCurrent(refPath, spec, fx) {
		split = append(split, "reused "+refPath)
	} else {
		if err := buildFloorRefs(context.Background(), refPath, dbPath, fx.Tenant, floorScope{Units: fx.Units}); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(refPath+".ok", floorRefStamp(spec, fx), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	phase("refs", start)

	start = time.Now()
	tokens := map[string]string{
		"one": cliToken(b, bin, dbPath, "--tenant", fx.Tenant),
		"bu":  cliToken(b, bin, dbPath, "--tenant", fx.Tenant, "--business-units", strings.Join(fx.Units, ",")),
	}
	h := &floorHarness{tb: b, cli: &sqliteCLI{path: sqlite3}, db: dbPath, ref: refPath, floors: map[string]floorTiming{}}
	var results []floorResult
	// Limits raised for the benchmark: 8 concurrent aggregations of one
	// credential (read connections for them all, and the credential's
	// allowance below them), and more time than the default minute for
	// each.
	flags := []string{"--read-connections", strconv.Itoa(4 * concurrentCopies),
		"--max-concurrent", strconv.Itoa(2 * concurrentCopies), "--query-timeout", "10m"}
	func() {
		srv := startServer(b, bin, dbPath, flags...)
		defer srv.kill()
		tokens["all"] = srv.token
		h.srv, h.feed = srv, newFloorFeed(srv.root, tokens)
		var qs []floorQuestion
		qs = append(qs, floorCountQuestions(fx, 5)...)
		qs = append(qs, floorLeadQuestions(fx, 5)...)
		qs = append(qs, floorSearchQuestions(fx, 5)...)
		apply := floorApplyQuestions(fx, 3)
		qs = append(qs, apply...)
		for _, q := range qs {
			results = append(results, h.measure(q))
		}
		results = append(results, h.concurrent(apply[0], results[len(results)-len(apply)]))
	}()
	// Each export on a server of its own, so that its peak memory is its
	// own: a tenth of the chats first, the baseline of "flat".
	small, full := floorExportQuestions(fx, 3)
	var exports []floorResult
	for _, q := range []floorQuestion{small, full} {
		func() {
			srv := startServer(b, bin, dbPath, flags...)
			defer srv.kill()
			tokens["all"] = srv.token
			h.srv, h.feed = srv, newFloorFeed(srv.root, tokens)
			exports = append(exports, h.measure(q))
		}()
	}
	exports[1].Note = flatNote(exports[0].Peak, exports[1].Peak) + "; " + exports[1].Note
	results = append(results, exports...)
	phase("questions", start)

	table := floorTable(results)
	summary := fmt.Sprintf("scale %g: %d Agents, %d Chats (%d web, %d SMS), %d Conversations, %d QueueSegments, %d Messages\nbuild: %s\ntimes: %s",
		scale, spec.Agents, spec.Chats(), spec.WebChats, spec.SMSChats, spec.Conversations(), spec.Segments, spec.Messages,
		buildReport, strings.Join(split, ", "))
	// To standard output, not b.Log: the testing package keeps only the
	// first lines of a benchmark's log.
	fmt.Printf("\n%s\n%s\n", summary, table)
	if os.Getenv("CCFEED_BENCH_DIR") != "" {
		os.WriteFile(stem+"-report.txt", []byte(summary+"\n"+table), 0o644)
	}
	reportFloorMetrics(b, results)
	for _, r := range results {
		if r.Wrong != "" {
			b.Errorf("WRONG ANSWER: %s [%s token]: %s", r.Q.Name, r.Q.Token, r.Wrong)
		}
	}
}

// floorScale reads CCFEED_FLOOR_SCALE.
func floorScale(tb testing.TB) float64 {
	v := os.Getenv("CCFEED_FLOOR_SCALE")
	if v == "" {
		return 1
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || s <= 0 || s > 10 {
		tb.Fatalf("CCFEED_FLOOR_SCALE=%q: want a factor such as 1 or 0.02", v)
	}
	return s
}

// floorDataVersion changes when the generated files change, so that a
// kept database of an older generator is rebuilt.
const floorDataVersion = 1

// floorDB returns ccfeed's database for the spec: kept from an earlier run
// when its stamp says it is complete and of this spec, else generated and
// loaded (built is then true).
func floorDB(tb testing.TB, bin, sqlite3, stem string, spec floorSpec) (path string, built bool, report string) {
	path = stem + ".db"
	stamp, _ := json.Marshal(struct {
		Version int
		Spec    floorSpec
	}{floorDataVersion, spec})
	if old, err := os.ReadFile(path + ".ok"); err == nil && string(old) == string(stamp) && os.Getenv("CCFEED_BENCH_DIR") != "" {
		return path, false, "reused " + path
	}
	for _, suffix := range []string{"", "-wal", "-shm", ".ok"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			tb.Fatal(err)
		}
	}
	os.Remove(stem + "-ref.db.ok")
	files := stem + "-files"
	os.RemoveAll(files)
	if err := os.MkdirAll(files, 0o755); err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(files)

	start := time.Now()
	fs, err := writeFloorFiles(files, spec)
	if err != nil {
		tb.Fatal(err)
	}
	gen := time.Since(start)
	logPath := stem + ".load.log"
	ccfeed := func(args ...string) time.Duration {
		log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			tb.Fatal(err)
		}
		defer log.Close()
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = log, log
		start := time.Now()
		if err := cmd.Run(); err != nil {
			tb.Fatalf("ccfeed %s: %v (see %s)", args[0], err, logPath)
		}
		return time.Since(start)
	}
	os.Remove(logPath)
	ccfeed("tenant", "--db", path, "--tenant", floorTenant, "--timezone", floorTimezone)
	buzz := append(append(append([]string{}, fs.Lookups...), fs.Conversations...), fs.Segments...)
	buzzTime := ccfeed(append([]string{"load", "--db", path, "--tenant", floorTenant, "--progress", "1m"}, buzz...)...)
	twoTime := ccfeed(append([]string{"load", "--db", path, "--tenant", floorTenant, "--progress", "1m"}, fs.Reports...)...)

	buzzRows := 2*spec.Units + spec.Queues + 2*spec.Agents + spec.WebChats + spec.Calls + spec.Segments
	events := spec.SMSChats * (messagesPerSMS + 4)
	// Each load's time includes its full-text indexing and PRAGMA optimize.
	report = fmt.Sprintf("files generated in %s; Buzzeasy pages, %d rows, loaded in %s (%.0f rows/s); two-way reports, %d events, in %s (%.0f events/s)",
		gen.Round(100*time.Millisecond), buzzRows, buzzTime.Round(100*time.Millisecond), float64(buzzRows)/buzzTime.Seconds(),
		events, twoTime.Round(100*time.Millisecond), float64(events)/twoTime.Seconds())
	if err := checkFloorCounts(&sqliteCLI{path: sqlite3}, path, spec); err != nil {
		tb.Fatalf("%v (load log: %s)", err, logPath)
	}
	if err := os.WriteFile(path+".ok", stamp, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path, true, report
}

// checkFloorCounts checks that the loads stored what was generated, with
// nothing rejected.
func checkFloorCounts(cli *sqliteCLI, path string, s floorSpec) error {
	checks := []struct {
		what string
		sql  string
		want int
	}{
		{"Agents", "SELECT count(*) AS n FROM Agents WHERE tenantId = 'bench'", s.Agents},
		{"Conversations", "SELECT count(*) AS n FROM Conversations WHERE tenantId = 'bench'", s.Conversations()},
		{"Chats", "SELECT count(*) AS n FROM Conversations WHERE tenantId = 'bench' AND mediaType = 'chat'", s.Chats()},
		{"QueueSegments", "SELECT count(*) AS n FROM QueueSegments WHERE tenantId = 'bench'", s.Segments},
		{"Messages", "SELECT count(*) AS n FROM Messages WHERE tenantId = 'bench'", s.Messages},
		{"LoadRejects", "SELECT count(*) AS n FROM LoadRejects", 0},
	}
	for _, c := range checks {
		rows, err := cli.query(path, c.sql)
		if err != nil {
			return err
		}
		a, err := answerOfRows(floorQuestion{}, rows, true)
		if err != nil {
			return err
		}
		if a.N != int64(c.want) {
			return fmt.Errorf("the loaded database holds %d %s, want %d", a.N, c.what, c.want)
		}
	}
	return nil
}

// floorRefStamp identifies what ref.db was built from: the spec and the
// statements (which name the fixture's business units).
func floorRefStamp(spec floorSpec, fx floorFixture) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%d %+v\n", floorDataVersion, spec)
	for _, s := range floorRefStatements(fx.Tenant, floorScope{Units: fx.Units}) {
		fmt.Fprintln(h, s)
	}
	return []byte(hex.EncodeToString(h.Sum(nil)))
}

func floorRefCurrent(refPath string, spec floorSpec, fx floorFixture) bool {
	old, err := os.ReadFile(refPath + ".ok")
	return err == nil && string(old) == string(floorRefStamp(spec, fx)) && os.Getenv("CCFEED_BENCH_DIR") != ""
}

// flatNote compares the full export's peaks with the tenth's.
func flatNote(small, full benchPeak) string {
	mb := func(v int64) float64 { return float64(v) / (1 << 20) }
	flat := func(s, l int64) bool { return float64(l) <= float64(s)*benchFlatMargin+benchFlatSlack }
	return fmt.Sprintf("memory vs a tenth: RSS %.0f -> %.0f MB (%s), anon %.0f -> %.0f MB (%s)",
		mb(small.hwm), mb(full.hwm), verdict(flat(small.hwm, full.hwm), "flat", "NOT FLAT"),
		mb(small.anon), mb(full.anon), verdict(flat(small.anon, full.anon), "flat", "NOT FLAT"))
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.2fms", d.Seconds()*1000)
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1fms", d.Seconds()*1000)
	case d < 10*time.Second:
		return fmt.Sprintf("%.0fms", d.Seconds()*1000)
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// floorTable renders the results as one aligned table.
func floorTable(results []floorResult) string {
	var sb strings.Builder
	w := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "group\tquestion\ttoken\tanswer\tfeed\tfloor a\tfloor b\tratio\ttarget\tverdict\tpeak RSS/anon MB\tnote")
	for _, r := range results {
		ratio, target := "-", "-"
		if r.Ratio() > 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio())
		}
		if r.Q.Target > 0 {
			target = fmt.Sprintf("<= %g", r.Q.Target)
		}
		peak := "-"
		if r.Peak.hwm > 0 {
			peak = fmt.Sprintf("%.0f/%.0f", float64(r.Peak.hwm)/(1<<20), float64(r.Peak.anon)/(1<<20))
			if !r.PeakReset {
				peak += " (process)"
			}
		}
		a := fmtDur(r.A)
		if r.FloorLabel != "" {
			a += " " + r.FloorLabel
		}
		note := strings.TrimSuffix(r.Note, "; ")
		if r.Wrong != "" {
			note = "WRONG: " + r.Wrong
		}
		// One line per question, however long an error.
		note = strings.Join(strings.Fields(note), " ")
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Q.Group, r.Q.Name, r.Q.Token, r.Answer,
			fmtDur(r.Feed), a, fmtDur(r.B), ratio, target, r.Verdict(), peak, note)
	}
	w.Flush()
	return sb.String()
}

// reportFloorMetrics reports the headline figures as benchmark metrics.
func reportFloorMetrics(b *testing.B, results []floorResult) {
	worst := map[string]float64{}
	missed, wrong := 0, 0
	for _, r := range results {
		worst[r.Q.Group] = max(worst[r.Q.Group], r.Ratio())
		switch r.Verdict() {
		case "MISSED":
			missed++
		case "WRONG":
			wrong++
		}
		switch {
		case r.Q.Group == "count" && r.Q.Name == "Chats none $top=0" && r.Q.Token == "one":
			b.ReportMetric(r.Ratio(), "chats-count/floor")
		case r.Q.Group == "apply" && r.Q.Name == "per queue":
			b.ReportMetric(r.Ratio(), "per-queue/floor")
		case r.Q.Group == "export" && r.Q.Target > 0 && r.Feed > 0:
			b.ReportMetric(r.Floor().Seconds()/r.Feed.Seconds(), "export-rate/floor")
			b.ReportMetric(float64(r.Peak.hwm)/(1<<20), "export-peak-RSS-MB")
		}
	}
	for _, g := range []string{"count", "apply", "lead"} {
		b.ReportMetric(worst[g], g+"-worst/floor")
	}
	b.ReportMetric(float64(missed), "missed")
	b.ReportMetric(float64(wrong), "wrong")
}
