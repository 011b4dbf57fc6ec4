package jsonw

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAppendString: whatever a string holds, the output is one valid JSON
// string that decodes to the input (invalid UTF-8 as U+FFFD), with every
// special character at every offset of the eight-byte words plainRun reads.
func TestAppendString(t *testing.T) {
	specials := []string{`"`, `\`, "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "é", "\u2028", "\u2029", "\xff", "\xc3", "😀", " ", "~"}
	var cases []string
	for _, sp := range specials {
		for pre := 0; pre < 18; pre++ {
			for _, post := range []int{0, 1, 7, 9} {
				cases = append(cases, strings.Repeat("a", pre)+sp+strings.Repeat("b", post))
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := r.IntN(40)
		var sb strings.Builder
		for range n {
			if r.IntN(4) == 0 {
				sb.WriteString(specials[r.IntN(len(specials))])
			} else {
				sb.WriteByte(byte(0x20 + r.IntN(0x5f)))
			}
		}
		cases = append(cases, sb.String())
	}
	cases = append(cases, "", "plain ascii of more than eight bytes", strings.Repeat("x", 1000))
	for _, s := range cases {
		out := AppendString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: not a JSON string: %s: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); !utf8.ValidString(s) {
			// Each invalid byte is one U+FFFD, where ToValidUTF8 merges runs.
			want = ""
			for i := 0; i < len(s); {
				r, size := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && size == 1 {
					want += "\uFFFD"
				} else {
					want += s[i : i+size]
				}
				i += size
			}
			if got != want {
				t.Fatalf("%q: decodes to %q, want %q", s, got, want)
			}
		} else if got != s {
			t.Fatalf("%q: decodes to %q", s, got)
		}
		if strings.Contains(string(out), "\u2028") || strings.Contains(string(out), "\u2029") {
			t.Fatalf("%q: U+2028/2029 left raw: %s", s, out)
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	ids := []string{"bench:buzzeasy:000000c0-0b0e-4000-8000-000000016be1", "bench:agent:96c80ba0568463d2", "Jonas", "André Müller"}
	buf := make([]byte, 0, 1<<16)
	n := 0
	for _, s := range ids {
		n += len(s)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		buf = buf[:0]
		for _, s := range ids {
			buf = AppendString(buf, s)
		}
	}
}
