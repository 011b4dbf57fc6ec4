// Package xlsx streams the rows of the first sheet of an Office Open XML
// workbook. The sheet is read as a stream of XML tokens, so memory does not
// grow with the number of rows; only the shared-string table (every distinct
// text of the workbook) and the cell styles are held. Cells are returned as
// text: raw values, with numbers in date or time formats turned from Excel
// serial numbers into "2006-01-02 15:04:05" (or "15:04:05" for a time or
// duration without a date).
package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
)

// Sheet is an open first sheet.
type Sheet struct {
	zr      *zip.Reader
	rc      io.ReadCloser
	dec     *xml.Decoder
	shared  []string
	dateFmt []bool // per cell style index: the number format shows a date
	timeFmt []bool // ... shows a time only (or a duration)
	width   int
	file    string
	row     []string
}

// Open opens the first sheet of the workbook in r.
func Open(file string, r io.ReaderAt, size int64) (*Sheet, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not an XLSX workbook: %v", err)
	}
	s := &Sheet{zr: zr, file: file}
	if err := s.readShared(); err != nil {
		return nil, err
	}
	if err := s.readStyles(); err != nil {
		return nil, err
	}
	sheetPath, err := s.firstSheet()
	if err != nil {
		return nil, err
	}
	f, err := zr.Open(sheetPath)
	if err != nil {
		return nil, fmt.Errorf("sheet %s missing: %v", sheetPath, err)
	}
	s.rc = f
	s.dec = xml.NewDecoder(f)
	return s, nil
}

// Close releases the sheet.
func (s *Sheet) Close() error { return s.rc.Close() }

func (s *Sheet) open(name string) (io.ReadCloser, bool) {
	f, err := s.zr.Open(name)
	if err != nil {
		return nil, false
	}
	return f, true
}

func (s *Sheet) readShared() error {
	f, ok := s.open("xl/sharedStrings.xml")
	if !ok {
		return nil
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	var cur strings.Builder
	inSI, inT, inRPh := false, false, false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("shared strings: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT = inSI
			case "rPh": // phonetic runs are not part of the text
				inRPh = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				s.shared = append(s.shared, cur.String())
				inSI = false
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		case xml.CharData:
			if inT && !inRPh {
				cur.Write(t)
			}
		}
	}
}

// builtinDate and builtinTime are Excel's built-in number formats that show
// dates or times.
var builtinDate = map[int]bool{14: true, 15: true, 16: true, 17: true, 22: true, 27: true, 30: true, 36: true, 50: true, 57: true}
var builtinTime = map[int]bool{18: true, 19: true, 20: true, 21: true, 45: true, 46: true, 47: true}

func (s *Sheet) readStyles() error {
	f, ok := s.open("xl/styles.xml")
	if !ok {
		return nil
	}
	defer f.Close()
	var doc struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := xml.NewDecoder(f).Decode(&doc); err != nil {
		return fmt.Errorf("styles: %v", err)
	}
	custom := map[int]string{}
	for _, n := range doc.NumFmts {
		custom[n.ID] = n.Code
	}
	for _, x := range doc.Xfs {
		isDate, isTime := builtinDate[x.NumFmtID], builtinTime[x.NumFmtID]
		if code, ok := custom[x.NumFmtID]; ok {
			isDate, isTime = classifyFormat(code)
		}
		s.dateFmt = append(s.dateFmt, isDate)
		s.timeFmt = append(s.timeFmt, isTime)
	}
	return nil
}

// classifyFormat reads a custom number format: a date if it shows years,
// months or days; a time if it shows only hours, minutes or seconds.
func classifyFormat(code string) (date, tm bool) {
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\\':
			i++
		case c == '[':
			// [h] (elapsed hours) counts; colours and locales do not.
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return false, false
			}
			inner := strings.ToLower(code[i+1 : i+j])
			if strings.Trim(inner, "hms") == "" {
				b.WriteString(inner)
			}
			i += j
		default:
			b.WriteByte(c)
		}
	}
	f := strings.ToLower(b.String())
	hasDate := strings.ContainsAny(f, "yd") || (strings.Contains(f, "m") && !strings.ContainsAny(f, "hs"))
	hasTime := strings.ContainsAny(f, "hs")
	return hasDate, hasTime && !hasDate
}

func (s *Sheet) firstSheet() (string, error) {
	f, ok := s.open("xl/workbook.xml")
	if !ok {
		return "", fmt.Errorf("not an XLSX workbook (no xl/workbook.xml)")
	}
	defer f.Close()
	var wb struct {
		Sheets []struct {
			RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.NewDecoder(f).Decode(&wb); err != nil || len(wb.Sheets) == 0 {
		return "", fmt.Errorf("the workbook lists no sheet")
	}
	rels, ok := s.open("xl/_rels/workbook.xml.rels")
	if !ok {
		return "xl/worksheets/sheet1.xml", nil
	}
	defer rels.Close()
	var rs struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.NewDecoder(rels).Decode(&rs); err != nil {
		return "", fmt.Errorf("workbook relationships: %v", err)
	}
	for _, r := range rs.Rels {
		if r.ID == wb.Sheets[0].RID {
			if strings.HasPrefix(r.Target, "/") {
				return strings.TrimPrefix(r.Target, "/"), nil
			}
			return path.Join("xl", r.Target), nil
		}
	}
	return "xl/worksheets/sheet1.xml", nil
}

// Next returns the next row's cells (the slice is reused) and its 1-based
// row number, or io.EOF. Rows are padded to the width of the first row.
func (s *Sheet) Next() ([]string, int, error) {
	var (
		rowNum         int
		inRow          bool
		col            int
		typ, style     string
		val            strings.Builder
		inV, inT, inIS bool
	)
	for {
		tok, err := s.dec.Token()
		if errors.Is(err, io.EOF) {
			return nil, 0, io.EOF
		}
		if err != nil {
			line, _ := s.dec.InputPos()
			return nil, 0, fmt.Errorf("sheet XML line %d: %v", line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				inRow = true
				s.row = s.row[:0]
				for _, a := range t.Attr {
					if a.Name.Local == "r" {
						rowNum, _ = strconv.Atoi(a.Value)
					}
				}
				if rowNum == 0 {
					rowNum = -1
				}
				col = -1
			case "c":
				typ, style = "", ""
				col++
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "r":
						if c := columnIndex(a.Value); c >= 0 {
							col = c
						}
					case "t":
						typ = a.Value
					case "s":
						style = a.Value
					}
				}
				val.Reset()
			case "v":
				inV = true
			case "is":
				inIS = true
			case "t":
				inT = inIS
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "c":
				for len(s.row) <= col {
					s.row = append(s.row, "")
				}
				s.row[col] = s.cellText(typ, style, val.String())
			case "row":
				if !inRow {
					continue
				}
				if s.width == 0 {
					s.width = len(s.row)
				}
				for len(s.row) < s.width {
					s.row = append(s.row, "")
				}
				return s.row, rowNum, nil
			}
		case xml.CharData:
			if inV || inT {
				val.Write(t)
			}
		}
	}
}

// cellText renders one cell's value as text.
func (s *Sheet) cellText(typ, style, v string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(s.shared) {
			return ""
		}
		return s.shared[i]
	case "b":
		if v == "1" {
			return "true"
		}
		return "false"
	case "inlineStr", "str", "e":
		return v
	}
	idx, err := strconv.Atoi(style)
	if err != nil || v == "" {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	switch {
	case idx < len(s.timeFmt) && s.timeFmt[idx]:
		return serialClock(f)
	case idx < len(s.dateFmt) && s.dateFmt[idx]:
		return SerialTime(f).Format("2006-01-02 15:04:05")
	}
	return v
}

// SerialTime converts an Excel serial date (1900 date system) to a wall-clock
// time, rounded to the millisecond. It carries no zone: the caller reads it
// in the time zone the export was written in.
func SerialTime(f float64) time.Time {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	ms := math.Round(f * 86400000)
	return epoch.Add(time.Duration(ms) * time.Millisecond)
}

// serialClock renders a fraction of days as H:MM:SS (hours may exceed 23 for
// durations).
func serialClock(f float64) string {
	total := int64(math.Round(f * 86400))
	return fmt.Sprintf("%02d:%02d:%02d", total/3600, total/60%60, total%60)
}

// columnIndex turns a cell reference ("AB12") into a 0-based column.
func columnIndex(ref string) int {
	n := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c < 'A' || c > 'Z' {
			break
		}
		n = n*26 + int(c-'A'+1)
	}
	if i == 0 {
		return -1
	}
	return n - 1
}
