package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/loaders/csvin"
)

// workbook builds an XLSX in memory from its sheet XML (the rows inside
// <sheetData>) and optional shared strings, 1904 flag and extra parts.
type workbook struct {
	rows     string
	shared   []string
	date1904 bool
	extra    map[string]string
	// sheet replaces the whole sheet part when set.
	sheet string
}

// styles: 0 general, 1 a date and time (custom yyyy-mm-dd hh:mm:ss), 2 a
// duration (built-in 46), 3 a date (built-in 14).
const testStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd\ hh:mm:ss"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="46" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>`

func (w workbook) bytes(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(f, body); err != nil {
			t.Fatal(err)
		}
	}
	pr := ""
	if w.date1904 {
		pr = `<workbookPr date1904="1"/>`
	}
	add("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`+pr+`<sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	add("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	add("xl/styles.xml", testStyles)
	if w.shared != nil {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
		for _, s := range w.shared {
			fmt.Fprintf(&b, "<si><t>%s</t></si>", s)
		}
		b.WriteString("</sst>")
		add("xl/sharedStrings.xml", b.String())
	}
	sheet := w.sheet
	if sheet == "" {
		sheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + w.rows + `</sheetData></worksheet>`
	}
	add("xl/worksheets/sheet1.xml", sheet)
	for name, body := range w.extra {
		add(name, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openBytes(t testing.TB, b []byte, lim Limits) (*Sheet, error) {
	return Open(context.Background(), "book.xlsx", bytes.NewReader(b), int64(len(b)), lim)
}

// readAll reads every row: its cells joined with |, or the refusal.
func readAll(t testing.TB, s *Sheet) ([]string, error) {
	var out []string
	for {
		row, n, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if re := csvin.AsRecordError(err); re != nil {
			out = append(out, fmt.Sprintf("%d! field %d: %s", re.Line, re.Field, re.Msg))
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, fmt.Sprintf("%d: %s", n, strings.Join(row, "|")))
	}
}

// TestDate1904 reads the same dates from a workbook in each date system:
// the 1904 system counts from 1904-01-01, so its serials are 1,462 lower
// for the same day, and both must read as the same wall-clock times.
func TestDate1904(t *testing.T) {
	// 2026-09-08 16:48:00.042 is serial 46273.700000486... in the 1900
	// system; a duration and a plain number do not depend on the system.
	const serial1900 = 46273.7000004861
	cells := func(serial float64) string {
		return fmt.Sprintf(`<row r="1"><c r="A1" t="inlineStr"><is><t>when</t></is></c><c r="B1" t="inlineStr"><is><t>day</t></is></c><c r="C1" t="inlineStr"><is><t>wait</t></is></c><c r="D1" t="inlineStr"><is><t>n</t></is></c></row>`+
			`<row r="2"><c r="A2" s="1"><v>%v</v></c><c r="B2" s="3"><v>%v</v></c><c r="C2" s="2"><v>0.0034722222</v></c><c r="D2"><v>42</v></c></row>`, serial, float64(int(serial)))
	}
	read := func(w workbook) []string {
		s, err := openBytes(t, w.bytes(t), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		rows, err := readAll(t, s)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	in1900 := read(workbook{rows: cells(serial1900)})
	in1904 := read(workbook{rows: cells(serial1900 - 1462), date1904: true})
	want := []string{"1: when|day|wait|n", "2: 2026-09-08 16:48:00|2026-09-08 00:00:00|00:05:00|42"}
	if strings.Join(in1900, "\n") != strings.Join(want, "\n") {
		t.Errorf("1900 system: got %q, want %q", in1900, want)
	}
	if strings.Join(in1904, "\n") != strings.Join(want, "\n") {
		t.Errorf("1904 system: got %q, want %q", in1904, want)
	}
	// Read in the wrong system, the same cells would be 1,462 days off:
	// the flag is what makes the difference.
	wrong := read(workbook{rows: cells(serial1900 - 1462)})
	if wrong[1] == want[1] {
		t.Errorf("a 1904 serial read in the 1900 system gave the same dates: the test proves nothing")
	}
}

// TestZipBomb is a sheet that inflates to 200 MB of blanks from a few
// hundred KB: refused once it inflates past 200 times its compressed size,
// without reading it all.
func TestZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"xl/workbook.xml":            `<workbook><sheets><sheet r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`,
	} {
		f, _ := zw.Create(name)
		io.WriteString(f, body)
	}
	f, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(f, `<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>`)
	blank := bytes.Repeat([]byte(" "), 1<<20)
	for range 200 {
		f.Write(blank)
	}
	io.WriteString(f, `</sheetData></worksheet>`)
	zw.Close()
	s, err := openBytes(t, buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = readAll(t, s)
	if err == nil || !strings.Contains(err.Error(), "zip bomb") || !strings.Contains(err.Error(), "xl/worksheets/sheet1.xml") {
		t.Fatalf("got %v, want the sheet refused as a zip bomb", err)
	}
	// With room for it (a higher ratio is not configurable, but a smaller
	// part limit is), the part limit names itself.
	s, _ = openBytes(t, buf.Bytes(), Limits{MaxInflated: 1 << 20})
	defer s.Close()
	if _, err := readAll(t, s); err == nil || !strings.Contains(err.Error(), "inflates to more than the limit of 1 MiB") {
		t.Errorf("got %v, want the inflated-size limit", err)
	}
}

// TestCellLimits refuses a row with a cell past the field limit (naming
// the row and column) and reads the rows after it; a shared string past
// the limit fails the workbook (no row to refuse: Excel cannot write one).
func TestCellLimits(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes
	w := workbook{rows: `<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2" t="inlineStr"><is><t>` + long + `</t></is></c></row>` +
		`<row r="3"><c r="A3"><v>3</v></c><c r="B3" t="s"><v>0</v></c></row>` +
		`<row r="4"><c r="XFE4"><v>1</v></c></row>` +
		`<row r="5"><c r="A5"><v>5</v></c></row>`, shared: []string{"shared &amp; fine"}}
	s, err := openBytes(t, w.bytes(t), Limits{MaxField: 1000})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, s)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1: a|b", "2! field 1: the cell holds more than the limit of 1000 bytes of text", "3: 3|shared & fine",
		fmt.Sprintf("4! field -1: a cell beyond column %d, more than Excel has", maxColumns), "5: 5|"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	w.shared = []string{long}
	if _, err := openBytes(t, w.bytes(t), Limits{MaxField: 1000}); err == nil || !strings.Contains(err.Error(), "a shared string longer than the limit") {
		t.Errorf("got %v, want the shared string refused", err)
	}
}

// TestSharedStringsSpill reads a table larger than sharedMemory, which
// goes to a temporary file: every index still reads its own text.
func TestSharedStringsSpill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20 MB shared-string table")
	}
	n := sharedMemory/64 + 50_000
	shared := make([]string, n)
	for i := range shared {
		shared[i] = fmt.Sprintf("text %08d %s", i, strings.Repeat("·", 20))
	}
	var rows strings.Builder
	probe := []int{0, 1, n / 2, n - 2, n - 1, 7}
	for r, i := range probe {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>`, r+1, r+1, i)
	}
	s, err := openBytes(t, workbook{rows: rows.String(), shared: shared}.bytes(t), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.shared.texts == nil {
		t.Fatalf("a table of %d texts stayed in memory", n)
	}
	got, err := readAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	for r, i := range probe {
		if want := fmt.Sprintf("%d: %s", r+1, shared[i]); got[r] != want {
			t.Errorf("row %d: got %q, want %q", r+1, got[r], want)
		}
	}
}

// TestXMLScanner reads the XML a workbook may hold, and refuses what it
// must not.
func TestXMLScanner(t *testing.T) {
	ok := `<?xml version="1.0" encoding="UTF-8"?><!-- c <x> --><a x="1 &amp; 2"><b>t&lt;&#233;&#x4E2D;<![CDATA[<raw>]]>` + "\r\nz</b><c/></a>"
	sc := newXMLScanner("p.xml", strings.NewReader(ok))
	sc.keep = true
	var got []string
	for {
		tok, err := sc.next()
		if err != nil {
			t.Fatal(err)
		}
		if tok.kind == xmlEOF {
			break
		}
		switch tok.kind {
		case xmlStart:
			got = append(got, "<"+tok.name+" "+tok.attr("x")+">")
		case xmlEnd:
			got = append(got, "</"+tok.name+">")
		case xmlText:
			got = append(got, string(tok.text))
		}
	}
	if want := "<a 1 & 2>|<b >|t<é中|<raw>|\nz|</b>|<c >|</c>|</a>"; strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
	}
	for _, c := range []struct{ in, err string }{
		{`<!DOCTYPE x [<!ENTITY a "b">]><x/>`, "document type declaration"},
		{`<a><b></a>`, "</a> closes no open element"},
		{`<a>`, "ends inside <a>"},
		{`<?xml version="1.0" encoding="UTF-16"?><a/>`, "encoded in utf-16"},
		{`<a>&bogus;</a>`, "unknown entity"},
		{"<a>\xe9</a>", "not UTF-8"},
		{`<a ` + strings.Repeat("x", 300) + `="1"/>`, "a name longer than"},
		{strings.Repeat("<a>", maxXMLDepth+1), "nested deeper"},
	} {
		sc := newXMLScanner("p.xml", strings.NewReader(c.in))
		sc.keep = true
		var err error
		for {
			var tok *xmlToken
			if tok, err = sc.next(); err != nil || tok.kind == xmlEOF {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%.40q: got %v, want …%s…", c.in, err, c.err)
		}
	}
}

// TestBlanksAreNotHeld skips 32 MB of blanks between tags with text not
// wanted, holding no more than the reader's buffer.
func TestBlanksAreNotHeld(t *testing.T) {
	in := io.MultiReader(strings.NewReader("<a>"), bytes.NewReader(bytes.Repeat([]byte(" \n"), 16<<20)), strings.NewReader("<b/></a>"))
	sc := newXMLScanner("p.xml", in)
	n := 0
	for {
		tok, err := sc.next()
		if err != nil {
			t.Fatal(err)
		}
		if tok.kind == xmlEOF {
			break
		}
		n++
	}
	if n != 4 || sc.line != 16<<20+1 || cap(sc.text) > 0 {
		t.Errorf("%d tokens, line %d, text buffer %d", n, sc.line, cap(sc.text))
	}
}

func FuzzSheet(f *testing.F) {
	f.Add(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>45000.5</v></c></row>`)
	f.Add(`<row><c><is><t>x</t></is></c></row>`)
	f.Fuzz(func(t *testing.T, rows string) {
		s, err := openBytes(t, workbook{rows: rows, shared: []string{"a"}}.bytes(t), Limits{MaxField: 100, MaxRecord: 1000})
		if err != nil {
			return
		}
		defer s.Close()
		readAll(t, s)
	})
}
