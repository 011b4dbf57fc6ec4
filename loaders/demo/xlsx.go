package demo

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"strconv"
	"time"
)

// xlsxSheet writes a one-sheet Office Open XML workbook as rows arrive:
// the fixed parts first, then the sheet as the last zip entry, streamed.
// Text cells are inline strings (no shared-string table to hold); times
// and durations are numbers with a date or [h]:mm:ss format, as Excel
// saves them, so the reader's conversions are exercised too.
type xlsxSheet struct {
	o    *out
	zw   *zip.Writer
	sh   interface{ Write([]byte) (int, error) }
	loc  *time.Location
	rows int
	buf  bytes.Buffer
}

// xlsxModified is the time stamp of every zip entry: a fixed one, so the
// same data gives the same bytes.
var xlsxModified = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

var xlsxParts = []struct{ name, body string }{
	{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`},
	{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
	// Style 1 shows a date and time, style 2 a duration ([h]:mm:ss, built-in 46).
	{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd\ hh:mm:ss"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="46" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`},
}

func (g *tgen) newXLSX(source, name string, header []string) *xlsxSheet {
	o := g.create(source, name)
	x := &xlsxSheet{o: o, zw: zip.NewWriter(writerFunc(o.write)), loc: g.w.loc}
	for _, p := range xlsxParts {
		f, err := x.zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: xlsxModified})
		if err != nil {
			g.fail(err)
			return x
		}
		_, err = f.Write([]byte(p.body))
		g.fail(err)
	}
	sh, err := x.zw.CreateHeader(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, Modified: xlsxModified})
	if err != nil {
		g.fail(err)
		return x
	}
	x.sh = sh
	x.write(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	cells := make([]inoCell, len(header))
	for i, h := range header {
		cells[i] = txt(h)
	}
	x.cells(cells)
	return x
}

func (x *xlsxSheet) write(s string) {
	if x.sh == nil {
		return
	}
	_, err := x.sh.Write([]byte(s))
	x.o.g.fail(err)
}

// epoch is day 0 of Excel's 1900 date system (as Excel counts, with its
// leap day of 1900).
var epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func (x *xlsxSheet) cells(cells []inoCell) {
	x.rows++
	r := strconv.Itoa(x.rows)
	b := &x.buf
	b.Reset()
	b.WriteString(`<row r="` + r + `">`)
	for i, c := range cells {
		ref := column(i) + r
		switch c.kind {
		case 'd':
			if c.at.IsZero() {
				continue
			}
			// The wall clock of the tenant's zone, as Excel stores it.
			l := c.at.In(x.loc)
			wall := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
			b.WriteString(`<c r="` + ref + `" s="1"><v>`)
			b.WriteString(strconv.FormatFloat(float64(wall.Sub(epoch).Milliseconds())/86400000, 'f', -1, 64))
			b.WriteString(`</v></c>`)
		case 's':
			b.WriteString(`<c r="` + ref + `" s="2"><v>`)
			b.WriteString(strconv.FormatFloat(float64(int64(c.secs+0.5))/86400, 'f', -1, 64))
			b.WriteString(`</v></c>`)
		default:
			if c.text == "" {
				continue
			}
			b.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t>`)
			xml.EscapeText(b, []byte(c.text))
			b.WriteString(`</t></is></c>`)
		}
	}
	b.WriteString("</row>\n")
	x.write(b.String())
}

func (x *xlsxSheet) row(cells []inoCell) {
	x.cells(cells)
	x.o.meta.Records++
}

func (x *xlsxSheet) close() {
	x.write(`</sheetData></worksheet>`)
	x.o.g.fail(x.zw.Close())
	x.o.close()
}

func (x *xlsxSheet) meta() *File { return &x.o.meta }

// column names a 0-based column as a spreadsheet does: A..Z, AA...
func column(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
