package loaders

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Text files are read as UTF-8: a byte sequence that is not UTF-8 refuses
// its record (csvin, jsonin), because stored as it is it would be served as
// U+FFFD, which no $filter on the text a user sees can match. A file is
// decoded from another encoding only on purpose: when it declares UTF-16
// with a byte-order mark, or when the load is told the encoding (French
// exports saved as Windows-1252 are common). A UTF-8 byte-order mark also
// declares the encoding: the file is then read as UTF-8 whatever the load
// was told.

// encodings are the encodings a load may be told, by name.
var encodings = map[string]encoding.Encoding{
	"utf-8":        unicode.UTF8,
	"windows-1252": charmap.Windows1252,
	"cp1252":       charmap.Windows1252,
	"iso-8859-1":   charmap.ISO8859_1,
	"latin1":       charmap.ISO8859_1,
	"iso-8859-15":  charmap.ISO8859_15,
	"latin9":       charmap.ISO8859_15,
	"utf-16le":     unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	"utf-16be":     unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
}

// Encodings lists the names a load may be told.
func Encodings() []string {
	out := make([]string, 0, len(encodings))
	for k := range encodings {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CheckEncoding reports whether name is an encoding a load may be told.
func CheckEncoding(name string) error {
	if name == "" {
		return nil
	}
	if _, ok := encodings[strings.ToLower(name)]; !ok {
		return fmt.Errorf("unknown encoding %q (known: %s)", name, strings.Join(Encodings(), ", "))
	}
	return nil
}

// decodeText returns the file's text as UTF-8: decoded from UTF-16 when a
// byte-order mark says so, from the encoding the load was told, or as it
// is. A workbook (a zip) is not text and is returned as it is. The second
// result names the encoding used, for messages ("" for UTF-8 as is).
func decodeText(br *bufio.Reader, told string) (io.Reader, string, error) {
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return br, "", nil
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		return br, "", nil
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), "utf-16le", nil
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()), "utf-16be", nil
	}
	if told == "" {
		return br, "", nil
	}
	enc, ok := encodings[strings.ToLower(told)]
	if !ok {
		return nil, "", CheckEncoding(told)
	}
	if enc == unicode.UTF8 {
		return br, "", nil
	}
	return transform.NewReader(br, enc.NewDecoder()), strings.ToLower(told), nil
}
