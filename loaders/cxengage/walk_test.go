package cxengage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/jsonin"
)

// walkErrors are files that must fail as a whole, with where and why.
var walkErrors = []struct {
	name      string
	in        string
	calls     int // interactions handed over before the error
	line, col int
	msg       string
}{
	{"trailing comma", `{"a": 1,}`, 0, 1, 9, "invalid character '}' looking for beginning of object key string"},
	{"missing comma in third result", "{\"total\": 3, \"tenantTimezone\": \"UTC\", \"results\": [\n" +
		" {\"interactionId\": \"a\"},\n" +
		" {\"interactionId\": \"b\"},\n" +
		" {\"interactionId\": \"c\" \"startTimestamp\": \"x\"}\n]}", 2, 4, 24, "after object key:value pair"},
	{"missing comma between results", "[{\"interactionId\":\"a\"}\n{\"interactionId\":\"b\"}]", 1, 2, 1, "after array element"},
	{"truncated", `{"results": [{"interactionId": "a"}, {"interaction`, 1, 1, 51, "unexpected end of JSON input"},
	{"truncated with blank end", "{\"results\": [\n\n", 0, 1, 14, "unexpected end of JSON input"},
	{"second value", "{\"interactionId\":\"a\"}\n{}", 1, 2, 1, "after top-level value"},
	{"typographic quotes", `{"results": [{"a": “x”}]}`, 0, 1, 20, "invalid character '“'"},
	{"byte order mark", "\xEF\xBB\xBF{,}", 0, 1, 2, "invalid character ','"},
	{"empty", "", 0, 1, 1, "the file is empty"},
	{"blank", " \n\t", 0, 1, 1, "the file is empty"},
	{"number at the top", "\n 42", 0, 2, 2, "expected an interaction or a list page"},
	{"results not a list", `{"results": {"a": 1}}`, 0, 1, 13, "results: expected a list of interactions, found an object"},
	{"neither", `{"foo": 1}`, 0, 1, 1, "neither an interaction"},
	{"error in the envelope after results", "{\"results\": [{\"interactionId\":\"a\"}],\n \"total\": 1 2}", 1, 2, 13, "after object key:value pair"},
	{"characters before the error on a committed line", `{"results":[{"interactionId":"é"},{"interactionId":"é" x}]}`, 1, 1, 56, "invalid character 'x'"},
	{"bad escape in a key", "{\"total\": 1,\n \"a\\x\": 2}", 0, 2, 5, "in string escape code"},
}

func TestWalkErrors(t *testing.T) {
	for _, c := range walkErrors {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			err := walk(context.Background(), "f.json", strings.NewReader(c.in), func([]byte, int64) error {
				calls++
				return nil
			})
			var fe *loaders.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *loaders.FileError", err)
			}
			if fe.Line != c.line || fe.Col != c.col || !strings.Contains(fe.Msg, c.msg) {
				t.Errorf("got line %d, column %d: %q; want line %d, column %d: …%s…", fe.Line, fe.Col, fe.Msg, c.line, c.col, c.msg)
			}
			if calls != c.calls {
				t.Errorf("%d interactions handed over before the error, want %d", calls, c.calls)
			}
		})
	}
}

func TestWalkShapes(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    string
		lines []int64
	}{
		{"page", "{\"page\": null, \"total\": 9, \"tenantTimezone\": \"US/Eastern\", \"results\": [\n {\"interactionId\": \"a\"},\n\n {\"interactionId\": \"b\"}\n], \"limit\": 2}", []int64{2, 4}},
		{"bare list", "[\n{\"interactionId\": \"a\"}, {\"interactionId\": \"b\"}]", []int64{2, 2}},
		{"single interaction", "\n{\"interactionId\": \"a\", \"queues\": []}\n", []int64{1}},
		{"empty page", `{"total": 0, "results": []}`, nil},
		{"results null", `{"total": 0, "results": null}`, nil},
		{"envelope without results", `{"page": null, "limit": 10, "offset": 0, "total": 0}`, nil},
		{"byte order mark", "\xEF\xBB\xBF[{\"interactionId\": \"a\"}]", []int64{1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var lines []int64
			err := walk(context.Background(), "f.json", strings.NewReader(c.in), func(raw []byte, line int64) error {
				if !json.Valid(raw) {
					t.Errorf("handed invalid JSON %q", raw)
				}
				lines = append(lines, line)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(lines) != fmt.Sprint(c.lines) {
				t.Errorf("interactions on lines %v, want %v", lines, c.lines)
			}
		})
	}
}

// pageReader generates a list page of n interactions without holding it.
type pageReader struct {
	n, i int
	buf  []byte
	done bool
}

func (p *pageReader) Read(b []byte) (int, error) {
	for len(p.buf) == 0 {
		switch {
		case p.done:
			return 0, io.EOF
		case p.i == 0 && p.buf == nil:
			p.buf = []byte(`{"page": null, "limit": 1000, "offset": 0, "total": 1, "tenantTimezone": "UTC", "results": [` + "\n")
		case p.i < p.n:
			sep := ",\n"
			if p.i == p.n-1 {
				sep = "\n"
			}
			p.buf = fmt.Appendf(nil, `  {"interactionId": "%08d", "startTimestamp": "2024-01-01T00:00:00Z", "channelType": "voice", "agents": [{"interactionAgentId": "x%d", "agentName": "Ágata Ñúñez"}]}%s`, p.i, p.i, sep)
			p.i++
		default:
			p.buf, p.done = []byte("]}\n"), true
		}
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// TestWalkMemoryFlat streams a page of many megabytes and checks that what
// the walker keeps stays at about one interaction.
func TestWalkMemoryFlat(t *testing.T) {
	const n = 40000
	calls := 0
	pr := &pageReader{n: n}
	w := newWalker(context.Background(), "big.json", pr, loaders.Limits{}, func(raw []byte, line int64) error {
		calls++
		if line != int64(calls+1) {
			return fmt.Errorf("interaction %d on line %d", calls, line)
		}
		return nil
	}, nil)
	if err := w.run(); err != nil {
		t.Fatal(err)
	}
	if calls != n {
		t.Fatalf("%d interactions, want %d", calls, n)
	}
	if held := w.rd.MaxHeld(); held > 1<<10 {
		t.Errorf("held up to %d bytes at once; want one interaction", held)
	}
}

// TestWalkRefusesOversized refuses an interaction with a field past the
// limit, naming its line and field, and hands over the others.
func TestWalkRefusesOversized(t *testing.T) {
	in := "{\"total\": 3, \"results\": [\n" +
		`{"interactionId": "a"},` + "\n" +
		`{"interactionId": "b", "transcript": {"messages": [{"text": "` + strings.Repeat("x", 2000) + `"}]}},` + "\n" +
		`{"interactionId": "c"}` + "\n]}"
	var got []string
	err := newWalker(context.Background(), "f.json", strings.NewReader(in), loaders.Limits{MaxField: 1000}, func(raw []byte, line int64) error {
		got = append(got, fmt.Sprintf("%d %s", line, raw))
		return nil
	}, func(ve *jsonin.ValueError) error {
		got = append(got, fmt.Sprintf("%d refused: %s: %s", ve.At.Line, ve.Path, ve.Msg))
		return nil
	}).run()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`2 {"interactionId": "a"}`, "3 refused: transcript.messages[0].text: a string longer than the limit of 1000 bytes", `4 {"interactionId": "c"}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// FuzzWalk: whatever the input, no panic, and either success (only for
// valid JSON) or a *loaders.FileError that names a line and column; what
// is handed over is valid JSON.
func FuzzWalk(f *testing.F) {
	for _, c := range walkErrors {
		f.Add(c.in)
	}
	f.Add(`{"total": 1, "results": [{"interactionId": "a"}]}`)
	f.Add("[{\"interactionId\": \"a\"},\n{\"interactionId\": \"b\"}]")
	f.Fuzz(func(t *testing.T, in string) {
		err := walk(context.Background(), "f.json", strings.NewReader(in), func(raw []byte, _ int64) error {
			if !json.Valid(raw) {
				t.Fatalf("handed invalid JSON %q", raw)
			}
			return nil
		})
		if err == nil {
			if !json.Valid([]byte(strings.TrimPrefix(in, "\xEF\xBB\xBF"))) {
				t.Fatalf("invalid JSON %q walked without error", in)
			}
			return
		}
		var fe *loaders.FileError
		if !errors.As(err, &fe) || fe.Line < 1 || fe.Col < 1 {
			t.Fatalf("error %v is not a positioned *loaders.FileError", err)
		}
	})
}
