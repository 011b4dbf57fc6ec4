package loaders_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// The hostile-input suite: files an attacker or an unlucky operator could
// drop into a load. Each one must end in a clear reject (file, line, field)
// or a clear failure, never in unbounded memory, a hang or silent damage:
// the store afterwards holds exactly what the same file without the
// hostile records gives, or (for a file refused as a whole) what it held
// before, apart from the load's Loads row and its rejects. Memory is
// measured in BenchmarkHostileLoadRSS (cmd/ccfeed), not here.

// hostileCase is one hostile file and its clean twin (the same file
// without the records that must be refused); clean is nil for a file that
// must fail as a whole.
type hostileCase struct {
	name         string
	file         string // file name, for detection by extension
	hostile      []byte
	clean        []byte
	opt          loaders.Options
	timezone     string
	wantRejects  []string // fragments: "line N", the field, the reason
	wantFailure  string   // for a file that fails
	wantRejected int64
}

func TestHostileFiles(t *testing.T) {
	root := filepath.Join(feedtest.RepoRoot(t), "testdata")
	read := func(parts ...string) []byte {
		b, err := os.ReadFile(filepath.Join(append([]string{root}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	twoway := read("twoway", "daily-overlap", "SYNTHETIC_two_way_conversation_report_2024-03-09.csv")
	header, body, _ := bytes.Cut(twoway, []byte("\n"))
	header = append(header, '\n')
	lines := bytes.SplitAfter(body, []byte("\n"))
	// A message event whose body is replaced.
	msgLine := func(bodyText string) []byte {
		return []byte("Agent.One@example.invalid,Agent,One,,Billing Team,SYN-000999,Zoé,Test,pg-demo,twoway_webhook,agent_message_sent," +
			"2024-03-09T15:00:00Z,,CH00000000000000000000000000000099," + bodyText + ",,,conv-0099,,,false,agent,open,1,\n")
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	// events are n distinct messages of one conversation.
	events := func(n int) []byte {
		var b bytes.Buffer
		for i := range n {
			fmt.Fprintf(&b, "Agent.One@example.invalid,Agent,One,,Billing Team,SYN-000777,Zoé,Test,pg-demo,twoway_webhook,agent_message_sent,"+
				"2024-03-09T15:%02d:%02dZ,,CH00000000000000000000000000000777,message %d,,,conv-0777,,,false,agent,open,%d,\n", i/60, i%60, i, i)
		}
		return b.Bytes()
	}
	withLine := func(at int, extra []byte) []byte {
		out := append([]byte{}, header...)
		for i, l := range lines {
			if i == at {
				out = append(out, extra...)
			}
			out = append(out, l...)
		}
		return out
	}
	cleanCSV := join(header, bytes.Join(lines, nil))

	latin1 := []byte("Ren\xe9e") // é in Latin-1: not UTF-8

	cases := []hostileCase{
		{
			name: "two-way: a line of 20 MB (past the record limit)", file: "huge-line.csv",
			hostile: withLine(1, append(bytes.Repeat(append(bytes.Repeat([]byte("y"), 500<<10), ','), 40), '\n')), clean: cleanCSV,
			wantRejects: []string{"line 3", "the record is longer than the limit of 16 MiB"}, wantRejected: 1,
		},
		{
			name: "two-way: a field of 20 MB on its own line", file: "huge-field.csv",
			hostile: withLine(1, append(bytes.Repeat([]byte("y"), 20<<20), '\n')), clean: cleanCSV,
			wantRejects: []string{"line 3", "agent_email", "the field is longer than the limit of 1 MiB"}, wantRejected: 1,
		},
		{
			name: "two-way: a message body of 2 MB (past the field limit)", file: "huge-body.csv",
			hostile: withLine(2, msgLine(`"`+strings.Repeat("x", 2<<20)+`"`)), clean: cleanCSV,
			wantRejects: []string{"line 4", "twoway_body", "the field is longer than the limit of 1 MiB"}, wantRejected: 1,
		},
		{
			name: "two-way: a quoted field running to the end of the file", file: "open-quote.csv",
			hostile:     withLine(1, []byte(`,,,,,SYN-1,"never closed`+"\n")),
			wantFailure: `extraneous or missing " in quoted-field`,
		},
		{
			name: "two-way: one line repeated 100,000 times", file: "repeated.csv",
			hostile: join(header, lines[0], bytes.Repeat(lines[1], 100_000), bytes.Join(lines[2:], nil)), clean: cleanCSV,
		},
		{
			name: "two-way: Latin-1 bytes in a customer name", file: "latin1.csv",
			hostile: withLine(2, bytes.Replace(msgLine("Hello"), []byte("Zoé"), latin1, 1)), clean: cleanCSV,
			wantRejects: []string{"line 4", "customer_first_name", "not UTF-8 text (byte 0xE9", "--encoding"}, wantRejected: 1,
		},
		{
			name: "two-way: one conversation with more events than the limit", file: "busy.csv",
			opt:     loaders.Options{Limits: loaders.Limits{MaxConversationEvents: 50}},
			hostile: join(header, events(80)), clean: join(header, events(50)),
			wantRejects: []string{"line 52", "conversation_id", "conversation conv-0777 has more events in this file than the limit of 50 events per conversation"}, wantRejected: 30,
		},
		{
			name: "ino: a workbook whose sheet inflates to 300 MB of blanks", file: "bomb.xlsx",
			hostile: zipBomb(t, 300<<20), wantFailure: "inflates to more than 200 times its compressed size",
		},
	}
	for _, c := range jsonHostileCases(t, root) {
		cases = append(cases, c)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runHostile(t, c) })
	}
}

// runHostile loads c.hostile into one store and c.clean into another (or
// nothing, for a file that must fail) and compares them.
func runHostile(t *testing.T, c hostileCase) {
	ctx := context.Background()
	load := func(content []byte) (*store.DB, loaders.Result) {
		db := feedtest.OpenDB(t)
		if c.timezone != "" {
			if err := db.SetTenantTimezone(ctx, tenant, c.timezone); err != nil {
				t.Fatal(err)
			}
		}
		if content == nil {
			return db, loaders.Result{}
		}
		path := filepath.Join(t.TempDir(), c.file)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		return db, loaders.LoadFile(ctx, db, tenant, path, c.opt)
	}
	db, res := load(c.hostile)
	ref, _ := load(c.clean)
	if c.wantFailure != "" {
		if res.Status != edm.LoadFailed || !strings.Contains(res.Message, c.wantFailure) {
			t.Fatalf("status %s: %q; want a failure saying %q", res.Status, res.Message, c.wantFailure)
		}
	} else if res.Status != edm.LoadLoaded {
		t.Fatalf("failed: %s", res.Message)
	}
	if res.Rejected != c.wantRejected {
		t.Errorf("%d rejected, want %d", res.Rejected, c.wantRejected)
	}
	got := rejects(t, db)
	for _, frag := range c.wantRejects {
		if !strings.Contains(got, frag) {
			t.Errorf("rejects %s do not say %q", got, frag)
		}
	}
	if a, b := snapshotAll(t, db), snapshotAll(t, ref); !jsonEqual(a, b) {
		t.Errorf("the store differs from the same file without its hostile records:\n got  %.600s\n want %.600s", js(a), js(b))
	}
	if n, _ := countRows(db, "Loads"); n != 1 {
		t.Errorf("%d Loads rows, want the one of this load", n)
	}
}

// snapshotAll reads every set of the tenant but the load journal.
func snapshotAll(t *testing.T, db *store.DB) map[string][]map[string]any {
	raw := openRO(t, db)
	out := map[string][]map[string]any{}
	for _, tbl := range db.Model.Tables {
		if tbl.Name == "Loads" || tbl.Name == "LoadRejects" {
			continue
		}
		if rows := readTable(t, raw, tbl); len(rows) > 0 {
			out[tbl.Name] = rows
		}
	}
	return out
}

// rejects renders the load's rejects: "line N field F: reason".
func rejects(t *testing.T, db *store.DB) string {
	var out []string
	for _, r := range readTable(t, openRO(t, db), db.Model.Set("LoadRejects").Type.Table) {
		out = append(out, fmt.Sprintf("line %v field %v: %v", r["line"], r["field"], r["reason"]))
	}
	return strings.Join(out, "; ")
}

// zipBomb is an ino-looking workbook whose sheet is mostly blanks.
func zipBomb(t *testing.T, blanks int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"xl/workbook.xml":            `<workbook><sheets><sheet r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`,
	} {
		f, _ := zw.Create(name)
		io.WriteString(f, body)
	}
	f, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(f, `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Interaction ID</t></is></c><c r="B1" t="inlineStr"><is><t>Distribution date</t></is></c></row>`)
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for range blanks >> 20 {
		f.Write(chunk)
	}
	io.WriteString(f, `</sheetData></worksheet>`)
	zw.Close()
	return buf.Bytes()
}

// jsonHostileCases take a valid file of each JSON source and add one
// record with a string past the field limit, and one with bytes that are
// not UTF-8: both are rejected with their line and field, the rest loads.
func jsonHostileCases(t *testing.T, root string) []hostileCase {
	read := func(parts ...string) []byte {
		b, err := os.ReadFile(filepath.Join(append([]string{root}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	big := `"` + strings.Repeat("z", 2<<20) + `"`
	notUTF8 := "\"Ren\xe9e\""
	var out []hostileCase

	// LivePerson: a search response; extra conversations go at the end of
	// its records.
	lp := read("liveperson", "open-then-closed", "3-closed.json")
	var lpDoc map[string]json.RawMessage
	if err := json.Unmarshal(lp, &lpDoc); err != nil {
		t.Fatal(err)
	}
	var lpRecs []json.RawMessage
	json.Unmarshal(lpDoc["conversationHistoryRecords"], &lpRecs)
	lpWith := func(extra ...string) []byte {
		recs := append([]json.RawMessage{}, lpRecs...)
		for _, e := range extra {
			recs = append(recs, json.RawMessage(e))
		}
		var b bytes.Buffer
		b.WriteString("{\"conversationHistoryRecords\": [\n")
		for i, r := range recs {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.Write(bytes.ReplaceAll(r, []byte("\n"), nil))
		}
		b.WriteString("\n]}")
		return b.Bytes()
	}
	lpExtra := func(text string) string {
		return `{"info":{"conversationId":"hostile","startTimeL":1714986000000},"messageRecords":[{"seq":0,"type":"TEXT_PLAIN","messageData":{"msg":{"text":` + text + `}}}]}`
	}
	out = append(out, hostileCase{
		name: "LivePerson: a message of 2 MB and one in Latin-1", file: "conversations.json",
		hostile: lpWith(lpExtra(big), lpExtra(notUTF8)), clean: lpWith(),
		wantRejects:  []string{"line 3 field messageRecords[0].messageData.msg.text: conversation record refused: a string longer than the limit of 1 MiB", "line 4 field messageRecords[0].messageData.msg.text: conversation record refused: not UTF-8"},
		wantRejected: 2,
	})

	// CxEngage: a list page; extra interactions go at the end of results.
	cx := read("cxengage", "list-page", "SYNTHETIC_list-interactions_page.json")
	i := bytes.LastIndex(cx, []byte("]"))
	cxWith := func(extra ...string) []byte {
		var b bytes.Buffer
		b.Write(bytes.TrimRight(cx[:i], " \n"))
		for _, e := range extra {
			b.WriteString(",\n" + e)
		}
		b.WriteString("\n")
		b.Write(cx[i:])
		return b.Bytes()
	}
	cxExtra := func(v string) string {
		return `{"interactionId": "00000000-0000-4000-8000-0000000009ff", "channelType": "voice", "startTimestamp": "2024-03-09T15:00:00Z", "customer": ` + v + `}`
	}
	cxLines := bytes.Count(bytes.TrimRight(cx[:i], " \n"), []byte("\n")) + 2
	out = append(out, hostileCase{
		name: "CxEngage: an interaction with a field of 2 MB, one in Latin-1", file: "page.json",
		hostile: cxWith(cxExtra(big), cxExtra(notUTF8)), clean: cxWith(),
		wantRejects:  []string{fmt.Sprintf("line %d field customer: interaction refused: a string longer", cxLines), fmt.Sprintf("line %d field customer: interaction refused: not UTF-8", cxLines+1)},
		wantRejected: 2,
	})

	// Buzzeasy: a page of Calls; extra rows go at the end of value.
	be := read("buzzeasy", "calls", "Calls.json")
	j := bytes.LastIndex(be, []byte("]"))
	beWith := func(extra ...string) []byte {
		var b bytes.Buffer
		b.Write(bytes.TrimRight(be[:j], " \n"))
		for _, e := range extra {
			b.WriteString(",\n" + e)
		}
		b.WriteString("\n")
		b.Write(be[j:])
		return b.Bytes()
	}
	beExtra := func(v string) string { return `{"id": "hostile-call", "customerFirstName": ` + v + `}` }
	beLines := bytes.Count(bytes.TrimRight(be[:j], " \n"), []byte("\n")) + 2
	out = append(out, hostileCase{
		name: "Buzzeasy: a row with a field of 2 MB, one in Latin-1", file: "Calls.json", timezone: "Europe/Paris",
		hostile: beWith(beExtra(big), beExtra(notUTF8)), clean: beWith(),
		wantRejects:  []string{fmt.Sprintf("line %d field customerFirstName: row refused: a string longer", beLines), fmt.Sprintf("line %d field customerFirstName: row refused: not UTF-8", beLines+1)},
		wantRejected: 2,
	})
	return out
}

// TestEncodings loads a French export saved as Windows-1252: read as UTF-8
// its accented names are refused, named by line and field; told the
// encoding, it loads them as the text they are. A UTF-16 file with its
// byte-order mark loads without being told.
func TestEncodings(t *testing.T) {
	src := filepath.Join(feedtest.RepoRoot(t), "testdata", "ino", "fr-incoming")
	entries, _ := os.ReadDir(src)
	var utf8File []byte
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".csv") {
			utf8File, _ = os.ReadFile(filepath.Join(src, e.Name()))
		}
	}
	// Composed (NFC), as a Windows-1252 file can only be: the export
	// spells one header with a combining accent.
	utf8File = norm.NFC.Bytes(utf8File)
	if !bytes.Contains(utf8File, []byte("é")) {
		t.Fatal("the French export has no é to test with")
	}
	cp1252, err := charmap.Windows1252.NewEncoder().Bytes(bytes.TrimPrefix(utf8File, []byte("\xEF\xBB\xBF")))
	if err != nil {
		t.Fatal(err)
	}
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range string(bytes.TrimPrefix(utf8File, []byte("\xEF\xBB\xBF"))) {
		if r > 0xFFFF {
			t.Fatal("test data outside the BMP")
		}
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	ctx := context.Background()
	load := func(content []byte, enc string) (*store.DB, loaders.Result) {
		db := feedtest.OpenDB(t)
		if err := db.SetTenantTimezone(ctx, tenant, "Europe/Paris"); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "export.csv")
		os.WriteFile(path, content, 0o644)
		return db, loaders.LoadFile(ctx, db, tenant, path, loaders.Options{Encoding: enc})
	}
	ref, r := load(utf8File, "")
	if r.Status != edm.LoadLoaded || r.Rejected != 0 {
		t.Fatalf("the UTF-8 export: %s, %d rejected", r.Message, r.Rejected)
	}
	want := snapshotAll(t, ref)

	// The French header has accents: read as UTF-8, the file cannot be
	// read at all, and says why and what to do.
	db, r := load(cp1252, "")
	if r.Status != edm.LoadFailed || !strings.Contains(r.Message, "line 1") || !strings.Contains(r.Message, "not UTF-8 text (byte 0x") || !strings.Contains(r.Message, "--encoding") {
		t.Errorf("Windows-1252 read as UTF-8: %s %q; want the header refused as not UTF-8, naming --encoding", r.Status, r.Message)
	}
	// A record (not the header) with such bytes is refused on its own.
	head, rest, _ := bytes.Cut(utf8File, []byte("\n"))
	mixed := append(append(append([]byte{}, head...), '\n'), bytes.Replace(rest, []byte("é"), []byte{0xE9}, 1)...)
	db, r = load(mixed, "")
	if r.Status != edm.LoadLoaded || r.Rejected != 1 || !strings.Contains(rejects(t, db), "not UTF-8 text (byte 0xE9") {
		t.Errorf("one Latin-1 byte in a record: %s, %d rejected (%s); want that record refused", r.Status, r.Rejected, rejects(t, db))
	}
	db, r = load(cp1252, "windows-1252")
	if r.Status != edm.LoadLoaded || r.Rejected != 0 {
		t.Fatalf("told windows-1252: %s, %d rejected: %s", r.Message, r.Rejected, rejects(t, db))
	}
	if got := snapshotAll(t, db); !jsonEqual(got, want) {
		t.Errorf("told windows-1252, the rows differ from the UTF-8 export's:\n got  %.400s\n want %.400s", js(got), js(want))
	}
	db, r = load(utf16, "")
	if r.Status != edm.LoadLoaded || r.Rejected != 0 {
		t.Fatalf("UTF-16 with a byte-order mark: %s, %d rejected", r.Message, r.Rejected)
	}
	if got := snapshotAll(t, db); !jsonEqual(got, want) {
		t.Errorf("UTF-16: the rows differ from the UTF-8 export's")
	}
	if err := loaders.CheckEncoding("ebcdic"); err == nil || !strings.Contains(err.Error(), "windows-1252") {
		t.Errorf("an unknown encoding: %v", err)
	}
}

// TestOnlyRegularFiles: a named pipe, a folder and a missing file each
// fail at once with a message that says what they are; none blocks, and
// none changes the store but for its Loads row.
func TestOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot make a named pipe: %v", err)
		}
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	db := feedtest.OpenDB(t)
	for _, c := range []struct{ path, want string }{
		{fifo, "a named pipe (FIFO), not a regular file"},
		{dir, "a folder, not a regular file"},
		{filepath.Join(dir, "missing.csv"), "no such file"},
	} {
		done := make(chan loaders.Result, 1)
		go func() { done <- loaders.LoadFile(context.Background(), db, tenant, c.path, loaders.Options{}) }()
		select {
		case r := <-done:
			if r.Status != edm.LoadFailed || !strings.Contains(r.Message, c.want) {
				t.Errorf("%s: %s %q; want a failure saying %q", filepath.Base(c.path), r.Status, r.Message, c.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the load still waits after 10 s", filepath.Base(c.path))
		}
	}
	if got := snapshotAll(t, db); len(got) != 0 {
		t.Errorf("failed loads changed the store: %v", got)
	}
}
