// Package jsonw writes JSON text by hand where encoding/json's reflection
// and allocations would cost too much per value: the feed's streamed rows
// and the demo generator's files.
package jsonw

import (
	"encoding/binary"
	"unicode/utf8"
	"unsafe"
)

// Masks for plainRun: each byte of a word at 0x01, 0x80, or a character
// that needs escaping.
const (
	ones   = 0x0101010101010101
	highs  = 0x8080808080808080
	spaces = 0x2020202020202020 // 0x20, the first character not escaped
	quotes = 0x2222222222222222
	slashs = 0x5c5c5c5c5c5c5c5c
)

// plainRun returns how many bytes from i on are ASCII that JSON takes as
// is, looking at eight at a time: ids and names are mostly such runs, and
// writing strings was a tenth of the server's time on a page of a
// thousand rows. A word passes when no byte is below 0x20, a quote, a backslash or
// non-ASCII (the zero-byte test of Hacker's Delight, on the word and on it
// xor each character); the byte loop in AppendString handles the rest.
// The word is read in place (unsafe.StringData, always within s): built
// from eight byte loads it was half as fast.
func plainRun(s string, i int) int {
	start := i
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
		q, b := w^quotes, w^slashs
		if (w|((w-spaces)&^w)|((q-ones)&^q)|((b-ones)&^b))&highs != 0 {
			break
		}
	}
	return i - start
}

const hexDigits = "0123456789abcdef"

// AppendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD so the
// document stays valid JSON whatever a source stored.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		i += plainRun(s, i)
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"':
				b = append(b, '\\', '"')
			case '\\':
				b = append(b, '\\', '\\')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript eval.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
