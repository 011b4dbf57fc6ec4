package query

import (
	"fmt"
	"strings"
)

// PercentDecode decodes %XX escapes. Unlike url.QueryUnescape it leaves '+'
// alone: in an OData URL a '+' is a plus sign (a date-time offset, an
// exponent), and treating it as a space would corrupt those literals.
func PercentDecode(s string) (string, error) {
	d, _, err := percentDecode(s)
	return d, err
}

// percentDecode is PercentDecode that also returns the offsets, in the
// decoded text, of each ';' that was written %3B (nil when there is none).
func percentDecode(s string) (string, map[int]bool, error) {
	if !strings.Contains(s, "%") {
		return s, nil, nil
	}
	var b strings.Builder
	var semis map[int]bool
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			end := min(i+3, len(s))
			return "", nil, fmt.Errorf("malformed percent-escape %q at position %d", s[i:end], i+1)
		}
		d := unhex(s[i+1])<<4 | unhex(s[i+2])
		if d == ';' {
			if semis == nil {
				semis = map[int]bool{}
			}
			semis[b.Len()] = true
		}
		b.WriteByte(d)
		i += 2
	}
	return b.String(), semis, nil
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
