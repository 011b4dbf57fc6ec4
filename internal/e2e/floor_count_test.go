package e2e

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
)

// countPage counts the elements of an OData page's top-level "value" array
// and returns its @odata.nextLink, without decoding the rows. The timed
// runs of the floor benchmark use it: they only check the row count the
// answer run established with a real decoder, and decoding a 250 KB page
// took the client 1.2 ms, a quarter of the feed time it was charged.
// Strings are skipped whole (so brackets and quotes inside them do not
// count); only structure is looked at.
func countPage(body []byte) (n int64, next string, err error) {
	depth := 0
	inValue := false // inside the root's "value" array
	var key []byte   // the root member name last seen
	expectKey := false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '"':
			end, ok := stringEnd(body, i+1)
			if !ok {
				return 0, "", errors.New("unterminated string")
			}
			if depth == 1 {
				if expectKey {
					key = body[i+1 : end]
				} else if bytes.Equal(key, []byte("@odata.nextLink")) {
					s, uerr := strconv.Unquote(string(body[i : end+1]))
					if uerr != nil {
						return 0, "", uerr
					}
					next = s
				}
				expectKey = false
			}
			i = end
		case '{', '[':
			depth++
			if depth == 1 {
				expectKey = true
			}
			if depth == 2 && c == '[' && bytes.Equal(key, []byte("value")) {
				inValue = true
			} else if depth == 3 && inValue {
				n++
			}
		case '}', ']':
			if depth == 2 && inValue {
				inValue = false
			}
			depth--
		case ',':
			if depth == 1 {
				expectKey = true
			}
		}
	}
	if depth != 0 {
		return 0, "", errors.New("unbalanced brackets")
	}
	return n, next, nil
}

// stringEnd is the index of the quote that closes a JSON string whose
// first character is at from.
func stringEnd(b []byte, from int) (int, bool) {
	for {
		j := bytes.IndexByte(b[from:], '"')
		if j < 0 {
			return 0, false
		}
		end := from + j
		// The quote is escaped when an odd number of backslashes precede it.
		bs := 0
		for k := end - 1; k >= 0 && b[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return end, true
		}
		from = end + 1
	}
}

func TestCountPage(t *testing.T) {
	for _, tc := range []struct {
		body string
		n    int64
		next string
	}{
		{`{"@odata.context":"x","value":[]}`, 0, ""},
		{`{"@odata.context":"x","value":[{"id":"a"},{"id":"b","n":[1,{"x":"]"}]}]}`, 2, ""},
		{`{"value":[{"id":"q\"}],{"},{"a":"\\"}],"@odata.nextLink":"http://h/odata/S?$skiptoken=a\u0026b"}`, 2, "http://h/odata/S?$skiptoken=a&b"},
		{`{"@odata.count":3,"value":[{"v":{"value":[1,2]}},{},{}]}`, 3, ""},
		{`{"value":[1,2,3]}`, 0, ""}, // not rows: the feed never sends these
	} {
		n, next, err := countPage([]byte(tc.body))
		if err != nil || n != tc.n || next != tc.next {
			t.Errorf("%s: got %d %q %v, want %d %q", tc.body, n, next, err, tc.n, tc.next)
		}
	}
	for _, bad := range []string{`{"value":[{"id":"a}]}`, `{"value":[{"id":"a"}]`} {
		if _, _, err := countPage([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
