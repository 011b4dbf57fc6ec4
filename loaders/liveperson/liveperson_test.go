package liveperson

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// testdata is the repository's testdata/liveperson, from this package's
// folder. (internal/feedtest is not used here: it loads the demo data
// through every loader, this one included, and a package's own tests
// cannot import what imports the package.)
func testdata(t *testing.T, parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata", "liveperson"}, parts...)...)
}

// openDB opens a fresh store in t's temporary directory.
func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "feed.db"), edm.Default(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestErrorPositions names the line and column (in characters) of syntax
// errors anywhere in a stream: in the first record, in a record after
// others were read and forgotten, on one long line (minified JSON, as the
// API sends it) or on many, after multi-byte characters, and at a
// truncated end.
func TestErrorPositions(t *testing.T) {
	good := `{"info":{"conversationId":"c%d"},"messageRecords":[{"seq":0,"messageData":{"msg":{"text":"Grüße 你好 👋"}}}]}`
	records := func(n int, sep string) string {
		var rs []string
		for i := 0; i < n; i++ {
			rs = append(rs, fmt.Sprintf(good, i))
		}
		return strings.Join(rs, ","+sep)
	}
	for _, tc := range []struct {
		name, doc, mark string
	}{
		// mark is where the error is: its last occurrence in the doc; the
		// expected position is that of its first character.
		{"minified, third record", `{"_metadata":{"count":3},"conversationHistoryRecords":[` + records(2, "") + `,{"info":{"conversationId":“c2”}}]}`, "“"},
		{"indented, third record", "{\n \"conversationHistoryRecords\": [\n" + records(2, "\n") + ",\n  {\"info\": {\"conversationId\": \"c2\" \"x\": 1}}\n]}", `"x"`},
		{"missing comma between records", `{"conversationHistoryRecords":[` + records(2, "") + `{"info":{}}]}`, `{"info":{}}]}`},
		{"in metadata before the records", "{\"_metadata\": {\"count\": 1,}, \"conversationHistoryRecords\": []}", "}, \"conv"},
		{"after the response", `{"conversationHistoryRecords":[` + records(1, "") + `]} {"again":1}`, `{"again"`},
		{"bare array", `[` + records(2, "\n") + `,{"info":tru}]`, `}]`},
		{"not an object", "  \n null", "null"},
		{"records not a list", `{"_metadata": {}, "conversationHistoryRecords": "none"}`, `"none"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := strings.LastIndex(tc.doc, tc.mark)
			if i < 0 {
				t.Fatal("mark not in doc")
			}
			before := tc.doc[:i]
			wantLine := strings.Count(before, "\n") + 1
			wantCol := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
			n := 0
			err := newWalker("f.json", strings.NewReader(tc.doc)).walk(func(json.RawMessage, int64) error { n++; return nil })
			var fe *loaders.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FileError", err)
			}
			if fe.Line != wantLine || fe.Col != wantCol {
				t.Errorf("%v: at %d:%d, want %d:%d", err, fe.Line, fe.Col, wantLine, wantCol)
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		doc := "{\"conversationHistoryRecords\": [\n" + records(3, "\n")
		doc = doc[:len(doc)-10]
		err := newWalker("f.json", strings.NewReader(doc)).walk(func(json.RawMessage, int64) error { return nil })
		var fe *loaders.FileError
		last := doc[strings.LastIndexByte(doc, '\n')+1:]
		if !errors.As(err, &fe) || fe.Line != strings.Count(doc, "\n")+1 || fe.Col != utf8.RuneCountInString(last)+1 {
			t.Errorf("err = %v, want the position just after the last character", err)
		}
	})
}

// generator writes a large response on the fly, never holding it.
type generator struct {
	n, i int
	buf  []byte
	done bool
}

func (g *generator) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.done:
			return 0, io.EOF
		case g.i == 0:
			g.buf = []byte(`{"_metadata":{"count":` + fmt.Sprint(g.n) + `},"conversationHistoryRecords":[`)
		case g.i > g.n:
			g.buf, g.done = []byte("]}"), true
		default:
			sep := ","
			if g.i == 1 {
				sep = ""
			}
			g.buf = []byte(fmt.Sprintf(`%s{"info":{"conversationId":"c%d","startTimeL":%d},"messageRecords":[`+
				`{"seq":0,"messageData":{"msg":{"text":"%s"}}}]}`, sep, g.i, 1714986000000+int64(g.i), strings.Repeat("x", 500)))
		}
		g.i++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// TestStreamMemoryIsFlat walks a response of about 30 MB and checks that
// the bytes held at any time stay at the size of a record or two.
func TestStreamMemoryIsFlat(t *testing.T) {
	const n = 50_000
	w := newWalker("big.json", &generator{n: n})
	seen := 0
	err := w.walk(func(raw json.RawMessage, _ int64) error {
		seen++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != n {
		t.Fatalf("walked %d records, want %d", seen, n)
	}
	t.Logf("largest record held: %d bytes", w.rd.MaxHeld())
	if w.rd.MaxHeld() > 1<<10 {
		t.Errorf("held up to %d bytes while streaming; it should stay at one record (~600 bytes)", w.rd.MaxHeld())
	}
}

// TestLaterLoadReplacesOlder loads an open conversation, a later pull of it
// with a longer duration, its closed version, and the first file again: the
// duration follows the newer records, and the old file changes nothing.
func TestLaterLoadReplacesOlder(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, step := range []struct {
		file, status string
		duration     float64
		ended        bool
		messages     int
	}{
		{"1-open.json", "open", 60, false, 2},
		{"2-open-later.json", "open", 180, false, 3},
		{"3-closed.json", "closed", 300, true, 4},
		{"1-open.json", "closed", 300, true, 4},
	} {
		res := loaders.LoadFile(ctx, db, "acme", testdata(t, "open-then-closed", step.file), loaders.Options{Kind: loaders.KindLivePerson})
		if res.Status != edm.LoadLoaded {
			t.Fatalf("%s: %s", step.file, res.Message)
		}
		var status string
		var duration float64
		var ended sql.NullInt64
		err := raw.QueryRow(`SELECT status, durationInSeconds, endedAtUTC FROM Conversations WHERE id = 'acme:liveperson:open-then-closed'`).
			Scan(&status, &duration, &ended)
		if err != nil {
			t.Fatal(err)
		}
		if status != step.status || duration != step.duration || ended.Valid != step.ended {
			t.Errorf("after %s: status %s, duration %v, ended %v; want %s, %v, %v", step.file, status, duration, ended.Valid, step.status, step.duration, step.ended)
		}
		if n := count(t, db, "Messages"); n != step.messages {
			t.Errorf("after %s: %d messages, want %d", step.file, n, step.messages)
		}
	}
}

// TestSniff recognises responses, including the vendor's invalid examples
// (so that they fail as LivePerson files, with a position), and nothing
// else.
func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{testdata(t, "conversations-search-as-published", "messaging-interactions_conversations-search_doc-example.AS-PUBLISHED.json"), true},
		{testdata(t, "engagement-attributes-repaired", "messaging-interactions_engagement-attributes_doc-example.REPAIRED.json"), true},
		{testdata(t, "empty-page", "conversations.json"), true},
	} {
		head, err := os.ReadFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := (Source{}).Sniff(filepath.Base(tc.path), head); got != tc.want {
			t.Errorf("%s: Sniff = %v", filepath.Base(tc.path), got)
		}
	}
	for _, head := range []string{
		"conversation_id,event_time,ccid\n1,2,3\n",
		`{"value":[{"id":"1"}],"@odata.nextLink":"x"}`,
		`[{"interactionId":"1"}]`,
	} {
		if (Source{}).Sniff("x", []byte(head)) {
			t.Errorf("Sniff accepts %q", head)
		}
	}
}

// TestContent reduces messages to readable text and keeps the raw data.
func TestContent(t *testing.T) {
	for _, tc := range []struct {
		typ, data  string
		body, kind string
		keepsRaw   bool
	}{
		{"TEXT_PLAIN", `{"msg":{"text":"hi"}}`, "hi", "text", false},
		{"TEXT_HTML", `{"msg":{"text":"<i>a</i> &lt;b&gt;"}}`, "a <b>", "text", true},
		{"RICH_CONTENT", `{"richContent":{"content":"{\"type\":\"vertical\",\"elements\":[{\"type\":\"text\",\"text\":\"Sale\"},{\"type\":\"button\",\"title\":\"Go\"},{\"type\":\"map\",\"la\":1,\"lo\":2}]}"}}`, "Sale\n[Go]\n[map]", "rich", true},
		{"HOSTED_FILE", `{"file":{"relativePath":"/p/a.pdf","fileType":"PDF"}}`, "[file PDF] (/p/a.pdf)", "file", true},
		{"IMG", `{}`, "", "file", true},
		{"RICH_CONTENT", `{"richContent":{"content":"not json"}}`, "", "rich", true},
	} {
		body, kind, raw := content(tc.typ, json.RawMessage(tc.data))
		if body != tc.body || kind != tc.kind || (raw != "") != tc.keepsRaw {
			t.Errorf("%s %s: %q %q raw=%q; want %q %q keepsRaw=%v", tc.typ, tc.data, body, kind, raw, tc.body, tc.kind, tc.keepsRaw)
		}
	}
}

// TestScalarSentinels checks the per-field readings.
func TestScalarSentinels(t *testing.T) {
	read := func(s string) scalar {
		var v scalar
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if _, ok := read(`-1`).epochMS(); ok {
		t.Error("endTimeL -1 read as a time")
	}
	if n, ok := read(`"1497871291351"`).epochMS(); !ok || n != 1497871291351 {
		t.Error("time stamp sent as a string not read")
	}
	if read(`-1`).id() != "" || read(`"null"`).id() != "" || read(`"undefined"`).id() != "" {
		t.Error("-1, \"null\" or \"undefined\" read as an id")
	}
	if read(`2389848512`).id() != "2389848512" {
		t.Error("numeric id not read")
	}
	if n, ok := read(`"3.0"`).int(); !ok || n != 3 {
		t.Error(`"3.0" not read as 3`)
	}
	if ms, ok := clock(read(`-1`), read(`"2016-08-29 14:30:24.565+0000"`)); !ok || ms != 1472481024565 {
		t.Errorf("text clock read as %d, %v", ms, ok)
	}
	if ms, _ := clock(read(`1472483659564`), read(`"2016-08-29 15:14:20.569+0000"`)); ms != 1472483659564 {
		t.Errorf("the epoch milliseconds must win over the text, got %d", ms)
	}
}
