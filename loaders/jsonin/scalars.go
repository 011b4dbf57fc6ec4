package jsonin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ccfeed/ccfeed/internal/bytesize"
)

// scanString reads a string at buf[p] ('"'), within MaxField and checking
// UTF-8. It returns the decoded text when reading tokens, and for a name
// while capturing (the name becomes the path element); otherwise nothing:
// a captured string is in the capture, a skipped one is forgotten.
func (r *Reader) scanString(name bool) (string, error) {
	start := r.pos
	limited := r.mode != modeSkip
	// raw is the string as written, quotes included: whole where its text
	// is wanted, else its first bytes for an excerpt.
	want := r.mode == modeTokens || name && r.mode == modeCapture
	var raw []byte
	size, tooLong, validUTF8 := 0, false, true
	add := func(b []byte) {
		size += len(b)
		if limited && size > r.lim.MaxField && !tooLong {
			tooLong = true
			// Refused as soon as it is known, so the field, not the
			// record it makes too long, is named.
			if r.mode == modeCapture && !name {
				r.refuse(start, fmt.Sprintf("a string longer than the limit of %s", bytesize.Format(int64(r.lim.MaxField))), excerpt(raw))
			}
		}
		if !tooLong && (want || len(raw) < 256) && r.mode != modeSkip {
			raw = append(raw, b...)
		}
	}
	add(r.buf[r.p : r.p+1])
	r.advance(1)
	for {
		r.fill(utf8.UTFMax)
		if r.p == r.n {
			if err := r.readErr(); err != nil {
				return "", err
			}
			return "", r.fail("in string literal")
		}
		// The run up to a quote, backslash or control character.
		chunk := r.buf[r.p:r.n]
		i := 0
		for i < len(chunk) {
			c := chunk[i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			i++
		}
		if i > 0 {
			run := chunk[:i]
			// A character cut by the end of the buffer waits for the
			// next read, so UTF-8 is checked on whole characters.
			if i == len(chunk) && r.rerr == nil {
				j := i - 1
				for j > 0 && i-j < utf8.UTFMax && !utf8.RuneStart(run[j]) {
					j--
				}
				if j > 0 && !utf8.FullRune(run[j:]) {
					run = run[:j]
				}
			}
			if validUTF8 && limited && !utf8.Valid(run) {
				validUTF8 = false
				if r.mode == modeCapture && !name {
					r.refuse(r.pos, notUTF8(run), excerpt(append(raw, run...)))
				}
			}
			add(run)
			r.advance(len(run))
			r.lastNB = r.pos // blanks inside a string are text
			continue
		}
		switch c := chunk[0]; {
		case c == '"':
			add(chunk[:1])
			r.advance(1)
			if r.mode == modeSkip {
				return "", nil
			}
			if tooLong {
				msg := fmt.Sprintf("a string longer than the limit of %s", bytesize.Format(int64(r.lim.MaxField)))
				if r.mode == modeTokens || name {
					return "", &LimitError{Pos: start, Msg: msg}
				}
				return "", nil
			}
			if !validUTF8 && (r.mode == modeTokens || name) {
				return "", &LimitError{Pos: start, Msg: "a string that is not UTF-8 text; JSON files are UTF-8"}
			}
			if !want {
				return "", nil
			}
			text := decodeString(raw)
			if name && r.mode == modeCapture && len(r.path) > 0 {
				r.path[len(r.path)-1].key = shortKey(text)
			}
			return text, nil
		case c == '\\':
			if r.n-r.p < 2 {
				add(chunk[:1])
				r.advance(1)
				return "", r.fail("in string escape code")
			}
			switch e := chunk[1]; e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				add(chunk[:2])
				r.advance(2)
			case 'u':
				add(chunk[:2])
				r.advance(2)
				for k := 0; k < 4; k++ {
					h, ok := r.peek()
					if !ok || !isHex(h) {
						return "", r.fail("in \\u hexadecimal character escape")
					}
					add(r.buf[r.p : r.p+1])
					r.advance(1)
				}
			default:
				add(chunk[:1])
				r.advance(1)
				return "", r.fail("in string escape code")
			}
		default: // a control character
			return "", r.fail("in string literal")
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// decodeString decodes a complete, valid JSON string literal.
func decodeString(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // valid by construction
	return s
}

// shortKey keeps a name short enough for a path in a message.
func shortKey(s string) string {
	if len(s) <= 64 {
		return s
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// excerpt is the beginning of a string as written (without its opening
// quote), valid UTF-8.
func excerpt(raw []byte) string {
	if len(raw) > 0 && raw[0] == '"' {
		raw = raw[1:]
	}
	if len(raw) > 256 {
		raw = raw[:256]
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// notUTF8 describes a string holding bytes that are not UTF-8 (a file
// saved in a legacy encoding): stored as they are, they would be served as
// U+FFFD, which no $filter on the text a user sees can match.
func notUTF8(run []byte) string {
	i := 0
	for i < len(run) {
		rn, w := utf8.DecodeRune(run[i:])
		if rn == utf8.RuneError && w <= 1 {
			break
		}
		i += w
	}
	b := byte(0)
	if i < len(run) {
		b = run[i]
	}
	return fmt.Sprintf("not UTF-8 text (byte 0x%02X); JSON files are UTF-8: if the file was saved in another encoding, load it with --encoding (for example windows-1252)", b)
}

// scanNumber reads a number with JSON's grammar.
func (r *Reader) scanNumber() (string, error) {
	start := r.pos
	var text []byte
	size := 0
	take := func() {
		size++
		if len(text) <= r.lim.MaxField && r.mode != modeSkip {
			text = append(text, r.buf[r.p])
		}
		r.advance(1)
	}
	digits := func() int {
		n := 0
		for {
			c, ok := r.peek()
			if !ok || c < '0' || c > '9' {
				return n
			}
			take()
			n++
		}
	}
	if c, _ := r.peek(); c == '-' {
		take()
		if c, ok := r.peek(); !ok || c < '0' || c > '9' {
			return "", r.fail("in numeric literal")
		}
	}
	if c, _ := r.peek(); c == '0' {
		take()
	} else {
		digits()
	}
	if c, ok := r.peek(); ok && c == '.' {
		take()
		if digits() == 0 {
			return "", r.fail("after decimal point in numeric literal")
		}
	}
	if c, ok := r.peek(); ok && (c == 'e' || c == 'E') {
		take()
		if c, ok := r.peek(); ok && (c == '+' || c == '-') {
			take()
		}
		if digits() == 0 {
			return "", r.fail("in exponent of numeric literal")
		}
	}
	if size > r.lim.MaxField && r.mode != modeSkip {
		msg := fmt.Sprintf("a number longer than the limit of %s", bytesize.Format(int64(r.lim.MaxField)))
		if r.mode == modeTokens {
			return "", &LimitError{Pos: start, Msg: msg}
		}
		r.refuse(start, msg, "")
	}
	return string(text), nil
}

// scanLiteral reads true, false or null.
func (r *Reader) scanLiteral(word string) error {
	r.advance(1)
	r.lastNB = r.pos
	for i := 1; i < len(word); i++ {
		c, ok := r.peek()
		if !ok || c != word[i] {
			return r.fail(fmt.Sprintf("in literal %s (expecting %s)", word, quoteChar(rune(word[i]))))
		}
		r.advance(1)
	}
	return nil
}
