package csvin

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// outcome is what a reader made of an input: its records, then the error
// that stopped it (with position), if any.
type outcome struct {
	Records [][]string
	Err     string
}

func readStd(in string) outcome {
	r := csv.NewReader(strings.NewReader(in))
	r.FieldsPerRecord = -1
	var o outcome
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return o
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				o.Err = fmt.Sprintf("%d:%d %s", pe.Line, pe.Column, pe.Err)
			} else {
				o.Err = err.Error()
			}
			return o
		}
		o.Records = append(o.Records, rec)
	}
}

func readOurs(in string, slow bool) outcome {
	var src io.Reader = strings.NewReader(in)
	if slow {
		src = iotest.OneByteReader(src)
	}
	s := newScanner("f.csv", src, ',', Limits{})
	var o outcome
	for {
		rec, _, err := s.next()
		if errors.Is(err, io.EOF) {
			return o
		}
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				o.Err = fmt.Sprintf("%d:%d %s", pe.Line, pe.Col, pe.Msg)
			} else {
				o.Err = err.Error()
			}
			return o
		}
		o.Records = append(o.Records, append([]string(nil), rec...))
	}
}

// TestScannerMatchesEncodingCSV compares the scanner with encoding/csv on
// hand-picked and random inputs, read whole and one byte at a time: the
// same records, and for malformed input the same error at the same line
// and column.
func TestScannerMatchesEncodingCSV(t *testing.T) {
	inputs := []string{
		"", "\n", "\r\n", "a", "a\n", "a,b\nc,d\n", "a,b\r\nc,d\r\n", "a,\n", ",\n", ",",
		"\"a\"", "\"a\",\"b\"\n", "\"a\"\"b\"\n", "\"a\nb\"\n", "\"a\r\nb\"\r\n", "a\rb\n", "a\r",
		"\"a\"\r", "\"a\"x\n", "a\"b\n", "\"abc", "\"abc\n", "\"abc\ndef", "\"", "a\n\n\nb\n",
		"a\n\r\n\r\nb", "a\n\r", "\"\"\n", "\"\",\"\"\n", "x,\"y\nz\",w\nv\n", "é,ü\n\"ñ\"\n",
		"a,b\n\"c\nd\"e\n", "\r", "\r\r\n", "a\r\r\nb", "\"a\r\"\n",
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", ",", "\"", "\n", "\r", "é", " "}
	for range 3000 {
		var b strings.Builder
		for n := rnd.IntN(24); n > 0; n-- {
			b.WriteString(alphabet[rnd.IntN(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	for _, in := range inputs {
		want := readStd(in)
		for _, slow := range []bool{false, true} {
			got := readOurs(in, slow)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("input %q (one byte at a time: %v):\n got  %#v\n want %#v", in, slow, got, want)
			}
		}
	}
}

// TestScannerLimits reads records past each limit: each is refused on its
// own, naming its line and field, and the records around it are read.
func TestScannerLimits(t *testing.T) {
	lim := Limits{MaxField: 10, MaxRecord: 40}
	long := strings.Repeat("x", 11)
	in := "h1,h2,h3\n" +
		"a,b,c\n" +
		"a," + long + ",c\n" + // field 1 too long
		"a,\"" + long + "\nmore\",c\n" + // quoted, multi-line, too long
		strings.Repeat("abcdefghi,", 5) + "z\n" + // record too long
		"\"q\",\"r\",s\n" +
		strings.Repeat(",", MaxColumns+1) + "\n" + // too many fields (fits no limit on bytes either)
		"last,one,here"
	s := newScanner("f.csv", strings.NewReader(in), ',', lim)
	s.lim.MaxRecord = 1 << 20 // the too-many-fields line needs room
	s.lim.MaxField = 10
	type got struct {
		line  int
		field int
		rec   string
		msg   string
	}
	var gots []got
	for {
		rec, line, err := s.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if re := AsRecordError(err); re != nil {
			gots = append(gots, got{line: re.Line, field: re.Field, msg: re.Msg})
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		gots = append(gots, got{line: line, field: -2, rec: strings.Join(rec, "|")})
	}
	want := []got{
		{1, -2, "h1|h2|h3", ""},
		{2, -2, "a|b|c", ""},
		{3, 1, "", "the field is longer than the limit of 10 bytes"},
		{4, 1, "", "the field is longer than the limit of 10 bytes"},
		{6, -2, strings.Repeat("abcdefghi|", 5) + "z", ""},
		{7, -2, "q|r|s", ""},
		{8, -1, "", fmt.Sprintf("the record has more than %d fields", MaxColumns)},
		{9, -2, "last|one|here", ""},
	}
	if !reflect.DeepEqual(gots, want) {
		t.Errorf("got  %+v\nwant %+v", gots, want)
	}

	// The record limit, on its own.
	s = newScanner("f.csv", strings.NewReader("a,b\n"+strings.Repeat("y,", 30)+"\nc,d\n"), ',', Limits{MaxField: 10, MaxRecord: 40})
	var lines []string
	for {
		rec, line, err := s.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if re := AsRecordError(err); re != nil {
			lines = append(lines, fmt.Sprintf("%d! field %d: %s", re.Line, re.Field, re.Msg))
			continue
		}
		lines = append(lines, fmt.Sprintf("%d: %s", line, strings.Join(rec, "|")))
	}
	if want := []string{"1: a|b", "2! field 20: the record is longer than the limit of 40 bytes", "3: c|d"}; !reflect.DeepEqual(lines, want) {
		t.Errorf("got %q, want %q", lines, want)
	}
}

// TestScannerNotUTF8 refuses a record holding bytes that are not UTF-8 (a
// Latin-1 é) and names the field; the next record is read.
func TestScannerNotUTF8(t *testing.T) {
	r, err := Open("f.csv", strings.NewReader("name,city\nRen\xe9,Paris\nZo\xc3\xab,Lyon\n"), nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	re := AsRecordError(err)
	if re == nil || re.Line != 2 || re.Column != "name" || !strings.Contains(re.Msg, "0xE9") || !strings.Contains(re.Msg, "--encoding") {
		t.Fatalf("got %v, want a record error on line 2, field name, naming the byte and --encoding", err)
	}
	rec, err := r.Next()
	if err != nil || rec[0] != "Zoë" || r.Line() != 3 {
		t.Errorf("after the refused record: %q, %v (line %d)", rec, err, r.Line())
	}
}

// FuzzScanner checks that the scanner agrees with encoding/csv on any
// input and never panics.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{"a,b\n", "\"a\"\"b\",c\r\n", "\"a\nb", "a\"b", "\r\n\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !isUTF8(in) {
			return // the scanner refuses such records; encoding/csv reads them
		}
		want, got := readStd(in), readOurs(in, false)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("input %q:\n got  %#v\n want %#v", in, got, want)
		}
	})
}

func isUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
