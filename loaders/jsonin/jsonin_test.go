package jsonin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// readWhole reads in as one value with Value, then expects the end.
func readWhole(in string, slow bool) (string, error) {
	var src io.Reader = strings.NewReader(in)
	if slow {
		src = iotest.OneByteReader(src)
	}
	r := NewReader(src, Limits{})
	raw, _, err := r.Value()
	if err != nil {
		return "", err
	}
	out := string(raw)
	tok, err := r.Next()
	if err != nil {
		return "", err
	}
	if tok.Kind != EOF {
		return "", fmt.Errorf("token %v after the value", tok.Kind)
	}
	return out, nil
}

// TestMatchesEncodingJSON compares the reader with encoding/json on
// hand-picked and random inputs: valid JSON comes back as written, and
// invalid JSON fails with encoding/json's message at the offset where
// encoding/json places it.
func TestMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		`{}`, `[]`, `{"a":1}`, `[1,2,3]`, ` {"a": [true, false, null, "x\"y", -0.5e+10]} `, `"é"`, `"\u00e9\n"`,
		`{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{"a":1 "b":2}`, `{1:2}`, `tru`, `nul`, `-`, `01`, `1.`, `1e`, `1e+`,
		`"abc`, `"a\x"`, `"\u12"`, "\"a\nb\"", `[1]]`, `{} {}`, `{"a":[1,{"b":}]}`, `[`, `{`, `{"a"`, `{"a":`,
		`“x”`, `{"a": “x”}`, `[1,2` + "\n\n", "", "   ", `{"a":1}x`, `[-x]`, `[.5]`, `[+1]`, `"\/"`,
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"{", "}", "[", "]", ",", ":", `"`, "a", "1", "-", ".", "e", "t", "true", "null", " ", "\n", `\`, "é", `"k":`}
	for range 4000 {
		var b strings.Builder
		for n := rnd.IntN(16); n > 0; n-- {
			b.WriteString(alphabet[rnd.IntN(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	for _, in := range inputs {
		var v json.RawMessage
		stdErr := json.Unmarshal([]byte(in), &v)
		for _, slow := range []bool{false, true} {
			got, err := readWhole(in, slow)
			if stdErr == nil {
				if err != nil || got != strings.TrimSpace(in) {
					t.Fatalf("%q: got %q, %v; want it back", in, got, err)
				}
				continue
			}
			var want *json.SyntaxError
			if !errors.As(stdErr, &want) {
				t.Fatalf("%q: encoding/json: %v", in, stdErr)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: got %v, want a syntax error like %q", in, err, want)
			}
			// At the end of the input in the middle of a literal or a
			// number, encoding/json's Unmarshal reports the blank it
			// pretends to read there; the reader says the input ends.
			if se.EOF && strings.HasPrefix(want.Error(), "invalid character ' '") && want.Offset == int64(len(in)) {
				continue
			}
			wantMsg := want.Error()
			if se.Char >= 0x80 {
				// encoding/json shows the first byte of a character
				// ('â' for '“'); the reader shows the character.
				wantMsg = strings.Replace(wantMsg, quoteChar(rune(in[want.Offset-1])), quoteChar(se.Char), 1)
			}
			if se.Msg != wantMsg {
				t.Fatalf("%q: message %q, want %q", in, se.Msg, wantMsg)
			}
			// encoding/json's offset is just after the offending byte,
			// or the length of the input when it ends too early.
			wantOff := want.Offset - 1
			gotOff := se.Pos.Offset
			if se.EOF {
				// Just after the last character that is not a blank
				// between tokens (blanks inside a string are text).
				if lo, hi := int64(len(strings.TrimRight(in, " \t\r\n"))), int64(len(in)); gotOff >= lo && gotOff <= hi {
					wantOff = gotOff
				}
			}
			if gotOff != wantOff {
				t.Fatalf("%q: error at offset %d, want %d (%s)", in, gotOff, wantOff, se.Msg)
			}
		}
	}
}

// TestPositions checks lines and columns (in characters) of tokens and
// errors, after multi-byte characters and line breaks.
func TestPositions(t *testing.T) {
	in := "{\"é\": [1,\n  \"ü\", x]}"
	r := NewReader(strings.NewReader(in), Limits{})
	var got []string
	for {
		tok, err := r.Next()
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("error %d:%d %s", se.Pos.Line, se.Pos.Col, se.Msg))
			break
		}
		got = append(got, fmt.Sprintf("%d:%d %s", tok.Pos.Line, tok.Pos.Col, tok.Text))
		if tok.Kind == EOF {
			break
		}
	}
	want := []string{"1:1 ", "1:2 é", "1:7 ", "1:8 1", "2:3 ü", "error 2:8 invalid character 'x' looking for beginning of value"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestLimits reads records past each limit in a list: each is refused on
// its own with its line and the path of the field, and the reader goes on.
func TestLimits(t *testing.T) {
	long := strings.Repeat("x", 40)
	in := "[\n" +
		`{"id":1,"m":[{"t":"ok"}]},` + "\n" +
		`{"id":2,"m":[{"t":"ok"},{"t":"` + long + `"}]},` + "\n" + // a field past MaxField
		`{"id":3,"pad":"` + strings.Repeat("y", 30) + `","more":"` + strings.Repeat("z", 30) + `"},` + "\n" + // a record past MaxRecord
		`{"id":4,"name":"Ren` + "\xe9" + `"},` + "\n" + // not UTF-8
		`{"id":5}` + "\n]"
	r := NewReader(strings.NewReader(in), Limits{MaxField: 32, MaxRecord: 64})
	if tok, err := r.Next(); err != nil || tok.Kind != BeginArray {
		t.Fatal(tok, err)
	}
	var got []string
	for r.More() {
		raw, start, err := r.Value()
		var ve *ValueError
		switch {
		case errors.As(err, &ve):
			got = append(got, fmt.Sprintf("%d refused at %d: %s: %s", start.Line, ve.At.Line, ve.Path, ve.Msg[:min(len(ve.Msg), 30)]))
		case err != nil:
			t.Fatal(err)
		default:
			got = append(got, fmt.Sprintf("%d %s", start.Line, raw))
		}
	}
	if tok, err := r.Next(); err != nil || tok.Kind != EndArray {
		t.Fatal(tok, err)
	}
	want := []string{
		`2 {"id":1,"m":[{"t":"ok"}]}`,
		"3 refused at 3: m[1].t: a string longer than the limit",
		"4 refused at 4: more: the record is longer than the ",
		"5 refused at 5: name: not UTF-8 text (byte 0xE9); JS",
		`6 {"id":5}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBlanksAndSkipHoldNothing reads a value behind 8 MB of blanks and skips
// a 8 MB string: nothing of either is held.
func TestBlanksAndSkipHoldNothing(t *testing.T) {
	in := `{"skip":"` + strings.Repeat("s", 8<<20) + `",` + strings.Repeat(" \n", 4<<20) + `"rec":{"a":1}}`
	r := NewReader(strings.NewReader(in), Limits{MaxField: 1 << 10, MaxRecord: 1 << 10})
	r.Next()
	if tok, _ := r.Next(); tok.Text != "skip" {
		t.Fatal(tok)
	}
	if err := r.Skip(); err != nil {
		t.Fatal(err)
	}
	if tok, err := r.Next(); tok.Text != "rec" || err != nil {
		t.Fatal(tok, err)
	}
	raw, start, err := r.Value()
	if err != nil || string(raw) != `{"a":1}` || start.Line != 4<<20+1 {
		t.Fatalf("%s at %+v: %v", raw, start, err)
	}
	if r.MaxHeld() > 1<<10 || cap(r.buf) > 1<<20 {
		t.Errorf("held %d bytes, buffer %d", r.MaxHeld(), cap(r.buf))
	}
}

// TestNamesAndScalarsOutsideRecords are bounded too: a name past the field
// limit fails the file (there is no record to refuse).
func TestNamesOutsideRecords(t *testing.T) {
	r := NewReader(strings.NewReader(`{"`+strings.Repeat("k", 100)+`":1}`), Limits{MaxField: 32})
	r.Next()
	_, err := r.Next()
	var le *LimitError
	if !errors.As(err, &le) || le.Pos.Col != 2 {
		t.Errorf("got %v, want a limit error at column 2", err)
	}
	r = NewReader(strings.NewReader(strings.Repeat("[", MaxDepth+1)), Limits{})
	for {
		_, err := r.Next()
		if err != nil {
			if !errors.As(err, &le) || !strings.Contains(le.Msg, "nested deeper") {
				t.Errorf("got %v, want the nesting limit", err)
			}
			break
		}
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x",null]}`, `[1,`, `{"a" 1}`, `"\u12"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if strings.ToValidUTF8(in, "\uFFFD") != in {
			return
		}
		var v json.RawMessage
		stdErr := json.Unmarshal([]byte(in), &v)
		got, err := readWhole(in, false)
		if (stdErr == nil) != (err == nil) {
			t.Fatalf("%q: encoding/json says %v, reader says %v", in, stdErr, err)
		}
		if err == nil && got != strings.TrimSpace(in) {
			t.Fatalf("%q: got %q back", in, got)
		}
	})
}

// BenchmarkValue reads a list of records of about 1 KB each.
func BenchmarkValue(b *testing.B) {
	rec := `{"info":{"conversationId":"c1","startTimeL":1714986000000},"messageRecords":[{"seq":0,"messageData":{"msg":{"text":"` + strings.Repeat("Grüße ", 150) + `"}}}]}`
	doc := "[" + strings.Repeat(rec+",\n", 9999) + rec + "]"
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		r := NewReader(strings.NewReader(doc), Limits{})
		r.Next()
		for r.More() {
			if _, _, err := r.Value(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncodingJSON is the same with encoding/json's Decoder, for
// comparison.
func BenchmarkEncodingJSON(b *testing.B) {
	rec := `{"info":{"conversationId":"c1","startTimeL":1714986000000},"messageRecords":[{"seq":0,"messageData":{"msg":{"text":"` + strings.Repeat("Grüße ", 150) + `"}}}]}`
	doc := "[" + strings.Repeat(rec+",\n", 9999) + rec + "]"
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		d := json.NewDecoder(strings.NewReader(doc))
		d.Token()
		for d.More() {
			var raw json.RawMessage
			if err := d.Decode(&raw); err != nil {
				b.Fatal(err)
			}
		}
	}
}
