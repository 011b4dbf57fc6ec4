// Package xlsx streams the rows of the first sheet of an Office Open XML
// workbook. The sheet is read as a stream of tags (see xmlScanner), so
// memory does not grow with the number of rows, nor with what a hostile
// workbook holds: every part is read within a limit on its inflated size
// (and on how many times its compressed size it may inflate to, which only
// a zip bomb exceeds), a cell within a limit on its text, and the
// shared-string table (every distinct text of the workbook) moves to a
// temporary file past a few MB. Cells are returned as text: raw values,
// with numbers in date or time formats turned from Excel serial numbers
// into "2006-01-02 15:04:05" (or "15:04:05" for a time or duration without
// a date), in the workbook's date system (1900, or 1904 for workbooks that
// say date1904).
package xlsx

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/internal/bytesize"
	"github.com/ccfeed/ccfeed/loaders/csvin"
)

// Limits bound what a workbook may make the reader hold or read. Zero
// values take DefaultLimits.
type Limits struct {
	// MaxField is the most text of one cell, in bytes. Excel itself stops
	// at 32,767 characters.
	MaxField int
	// MaxRecord is the most text of one row, in bytes.
	MaxRecord int
	// MaxInflated is the largest size one part may inflate to.
	MaxInflated int64
}

// DefaultLimits are far above a real export: a sheet of a million rows
// inflates to about 1 GB.
var DefaultLimits = Limits{MaxField: 1 << 20, MaxRecord: 16 << 20, MaxInflated: 4 << 30}

func (l Limits) orDefault() Limits {
	if l.MaxField <= 0 {
		l.MaxField = DefaultLimits.MaxField
	}
	if l.MaxRecord <= 0 {
		l.MaxRecord = DefaultLimits.MaxRecord
	}
	if l.MaxInflated <= 0 {
		l.MaxInflated = DefaultLimits.MaxInflated
	}
	l.MaxField = min(l.MaxField, l.MaxRecord)
	return l
}

// A part may inflate to at most maxRatio times its compressed size once it
// passes ratioFrom bytes. XML compresses five to thirty times; only made-up
// content (a sheet of blanks) compresses a thousand times, and the 3 MB
// workbook whose sheet inflates to 3 GB is caught after 64 MB instead of
// read to its end.
const (
	maxRatio  = 200
	ratioFrom = 64 << 20
)

// maxColumns is Excel's column limit (XFD).
const maxColumns = csvin.MaxColumns

// Sheet is an open first sheet.
type Sheet struct {
	ctx      context.Context
	zr       *zip.Reader
	lim      Limits
	rc       io.ReadCloser
	sc       *xmlScanner
	shared   sharedTable
	dateFmt  []bool // per cell style index: the number format shows a date
	timeFmt  []bool // ... shows a time only (or a duration)
	date1904 bool
	width    int
	file     string
	row      []string
}

// limitError is a part past a limit: the workbook fails as a whole.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

// partReader counts what a part inflates to, and stops it at the limits
// and when the load is cancelled.
type partReader struct {
	ctx        context.Context
	r          io.ReadCloser
	name       string
	n, max     int64
	compressed int64
}

func (p *partReader) Read(b []byte) (int, error) {
	if err := p.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.n > p.max {
		return n, &limitError{fmt.Sprintf("%s inflates to more than the limit of %s", p.name, bytesize.Format(p.max))}
	}
	if p.n > ratioFrom && p.n > maxRatio*max(p.compressed, 1) {
		return n, &limitError{fmt.Sprintf("%s inflates to more than %d times its compressed size (%s): a zip bomb, not a spreadsheet", p.name, maxRatio, bytesize.Format(p.compressed))}
	}
	return n, err
}

func (p *partReader) Close() error { return p.r.Close() }

// Open opens the first sheet of the workbook in r. ctx ends the reading.
func Open(ctx context.Context, file string, r io.ReaderAt, size int64, lim Limits) (*Sheet, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not an XLSX workbook: %v", err)
	}
	s := &Sheet{ctx: ctx, zr: zr, file: file, lim: lim.orDefault()}
	if err := s.open(); err != nil {
		s.shared.close()
		return nil, err
	}
	return s, nil
}

func (s *Sheet) open() error {
	if err := s.readShared(); err != nil {
		return err
	}
	if err := s.readStyles(); err != nil {
		return err
	}
	sheetPath, err := s.firstSheet()
	if err != nil {
		return err
	}
	f, ok, err := s.part(sheetPath)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("sheet %s missing", sheetPath)
	}
	s.rc = f
	s.sc = newXMLScanner(sheetPath, f)
	return nil
}

// Close releases the sheet and the shared-string table's files.
func (s *Sheet) Close() error {
	s.shared.close()
	if s.rc == nil {
		return nil
	}
	return s.rc.Close()
}

// part opens a part of the package by name, within the limits.
func (s *Sheet) part(name string) (io.ReadCloser, bool, error) {
	for _, f := range s.zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, false, fmt.Errorf("%s: %v", name, err)
		}
		return &partReader{ctx: s.ctx, r: rc, name: name, max: s.lim.MaxInflated, compressed: int64(f.CompressedSize64)}, true, nil
	}
	return nil, false, nil
}

// readShared reads the shared-string table: the text of each <si>, whose
// <t> runs join, phonetic runs (<rPh>) left out.
func (s *Sheet) readShared() error {
	const name = "xl/sharedStrings.xml"
	f, ok, err := s.part(name)
	if err != nil || !ok {
		return err
	}
	defer f.Close()
	sc := newXMLScanner(name, f)
	var cur []byte
	inSI, inT, inRPh := false, false, false
	for {
		sc.keep = inT && !inRPh
		tok, err := sc.next()
		if err != nil {
			return s.partError(err)
		}
		switch tok.kind {
		case xmlEOF:
			return s.shared.done()
		case xmlStart:
			switch tok.name {
			case "si":
				inSI, cur = true, cur[:0]
			case "t":
				inT = inSI
			case "rPh":
				inRPh = true
			}
		case xmlEnd:
			switch tok.name {
			case "si":
				if err := s.shared.add(cur); err != nil {
					return err
				}
				inSI = false
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		case xmlText:
			if len(cur)+len(tok.text) > s.lim.MaxField {
				return &limitError{fmt.Sprintf("%s line %d: a shared string longer than the limit of %s, more than Excel can write (32,767 characters): not a genuine export", name, sc.line, bytesize.Format(int64(s.lim.MaxField)))}
			}
			cur = append(cur, tok.text...)
		}
	}
}

// partError passes a limit or a cancellation on as it is, and names the
// part of any other error.
func (s *Sheet) partError(err error) error {
	var le *limitError
	if errors.As(err, &le) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("shared strings: %v", err)
}

// builtinDate and builtinTime are Excel's built-in number formats that show
// dates or times.
var builtinDate = map[int]bool{14: true, 15: true, 16: true, 17: true, 22: true, 27: true, 30: true, 36: true, 50: true, 57: true}
var builtinTime = map[int]bool{18: true, 19: true, 20: true, 21: true, 45: true, 46: true, 47: true}

func (s *Sheet) readStyles() error {
	const name = "xl/styles.xml"
	f, ok, err := s.part(name)
	if err != nil || !ok {
		return err
	}
	defer f.Close()
	sc := newXMLScanner(name, f)
	custom := map[int]string{}
	var xfs []int
	inNumFmts, inCellXfs := false, false
	for {
		tok, err := sc.next()
		if err != nil {
			return s.partError(fmt.Errorf("styles: %w", err))
		}
		switch tok.kind {
		case xmlEOF:
			for _, id := range xfs {
				isDate, isTime := builtinDate[id], builtinTime[id]
				if code, ok := custom[id]; ok {
					isDate, isTime = classifyFormat(code)
				}
				s.dateFmt = append(s.dateFmt, isDate)
				s.timeFmt = append(s.timeFmt, isTime)
			}
			return nil
		case xmlStart:
			switch tok.name {
			case "numFmts":
				inNumFmts = true
			case "cellXfs":
				inCellXfs = true
			case "numFmt":
				if inNumFmts && len(custom) < maxStyles {
					id, _ := strconv.Atoi(tok.attr("numFmtId"))
					custom[id] = tok.attr("formatCode")
				}
			case "xf":
				if inCellXfs {
					if len(xfs) == maxStyles {
						return fmt.Errorf("styles: more than %d cell formats (Excel allows 64,000)", maxStyles)
					}
					id, _ := strconv.Atoi(tok.attr("numFmtId"))
					xfs = append(xfs, id)
				}
			}
		case xmlEnd:
			switch tok.name {
			case "numFmts":
				inNumFmts = false
			case "cellXfs":
				inCellXfs = false
			}
		}
	}
}

// maxStyles bounds the cell formats read (Excel allows 64,000).
const maxStyles = 65536

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

// firstSheet reads the workbook: its date system, and the part of its first
// sheet.
func (s *Sheet) firstSheet() (string, error) {
	const name = "xl/workbook.xml"
	f, ok, err := s.part(name)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("not an XLSX workbook (no xl/workbook.xml)")
	}
	defer f.Close()
	sc := newXMLScanner(name, f)
	rid := ""
	for rid == "" {
		tok, err := sc.next()
		if err != nil {
			return "", s.partError(fmt.Errorf("workbook: %w", err))
		}
		if tok.kind == xmlEOF {
			return "", fmt.Errorf("the workbook lists no sheet")
		}
		if tok.kind != xmlStart {
			continue
		}
		switch tok.name {
		case "workbookPr":
			// Workbooks made on old Macs count days from 1904.
			v := strings.ToLower(tok.attr("date1904"))
			s.date1904 = v == "1" || v == "true"
		case "sheet":
			if rid = tok.attr("id"); rid == "" {
				rid = "?"
			}
		}
	}
	rels, ok, err := s.part("xl/_rels/workbook.xml.rels")
	if err != nil {
		return "", err
	}
	if !ok {
		return "xl/worksheets/sheet1.xml", nil
	}
	defer rels.Close()
	rsc := newXMLScanner("xl/_rels/workbook.xml.rels", rels)
	for {
		tok, err := rsc.next()
		if err != nil {
			return "", s.partError(fmt.Errorf("workbook relationships: %w", err))
		}
		if tok.kind == xmlEOF {
			return "xl/worksheets/sheet1.xml", nil
		}
		if tok.kind == xmlStart && tok.name == "Relationship" && tok.attr("Id") == rid {
			target := tok.attr("Target")
			if strings.HasPrefix(target, "/") {
				return strings.TrimPrefix(target, "/"), nil
			}
			return path.Join("xl", target), nil
		}
	}
}

// Next returns the next row's cells (the slice is reused) and its 1-based
// row number, or io.EOF. Rows are padded to the width of the first row. A
// row with a cell past the limits is a *csvin.RecordError (the reader has
// moved past it); a part past its limits fails the workbook.
func (s *Sheet) Next() ([]string, int, error) {
	var (
		rowNum         int
		inRow          bool
		col            int
		typ, style     string
		val            []byte
		inV, inT, inIS bool
		rowBytes       int
		over           *csvin.RecordError
	)
	sc := s.sc
	for {
		sc.keep = (inV || inT) && over == nil
		tok, err := sc.next()
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, 0, err
			}
			return nil, 0, fmt.Errorf("sheet: %w", err)
		}
		switch tok.kind {
		case xmlEOF:
			return nil, 0, io.EOF
		case xmlStart:
			switch tok.name {
			case "row":
				inRow, over, rowBytes = true, nil, 0
				s.row = s.row[:0]
				rowNum, _ = strconv.Atoi(tok.attr("r"))
				if rowNum == 0 {
					rowNum = -1
				}
				col = -1
			case "c":
				col++
				if c := columnIndex(tok.attr("r")); c >= 0 {
					col = c
				}
				typ, style = tok.attr("t"), tok.attr("s")
				val = val[:0]
				if col >= maxColumns && over == nil {
					over = &csvin.RecordError{File: s.file, Line: rowNum, Field: -1, Msg: fmt.Sprintf("a cell beyond column %d, more than Excel has", maxColumns)}
				}
			case "v":
				inV = true
			case "is":
				inIS = true
			case "t":
				inT = inIS
			}
		case xmlEnd:
			switch tok.name {
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "c":
				if over != nil {
					continue
				}
				text, err := s.cellText(typ, style, val)
				if err != nil {
					return nil, 0, err
				}
				for len(s.row) <= col {
					s.row = append(s.row, "")
				}
				s.row[col] = text
			case "row":
				if !inRow {
					continue
				}
				if over != nil {
					return nil, rowNum, over
				}
				if s.width == 0 {
					s.width = len(s.row)
				}
				for len(s.row) < s.width {
					s.row = append(s.row, "")
				}
				return s.row, rowNum, nil
			}
		case xmlText:
			rowBytes += len(tok.text)
			switch {
			case len(val)+len(tok.text) > s.lim.MaxField:
				over = &csvin.RecordError{File: s.file, Line: rowNum, Field: col,
					Msg: fmt.Sprintf("the cell holds more than the limit of %s of text", bytesize.Format(int64(s.lim.MaxField))), Excerpt: excerpt(val)}
			case rowBytes > s.lim.MaxRecord:
				over = &csvin.RecordError{File: s.file, Line: rowNum, Field: col,
					Msg: fmt.Sprintf("the row holds more than the limit of %s of text", bytesize.Format(int64(s.lim.MaxRecord)))}
			default:
				val = append(val, tok.text...)
			}
		}
	}
}

// excerpt is the beginning of a cell's text for a reject.
func excerpt(b []byte) string {
	if len(b) > 256 {
		b = b[:256]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// cellText renders one cell's value as text.
func (s *Sheet) cellText(typ, style string, raw []byte) (string, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil {
			return "", nil
		}
		return s.shared.get(i)
	case "b":
		if string(raw) == "1" {
			return "true", nil
		}
		return "false", nil
	case "inlineStr", "str", "e":
		return string(raw), nil
	}
	v := string(raw)
	idx, err := strconv.Atoi(style)
	if err != nil || v == "" {
		return v, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v, nil
	}
	switch {
	case idx < len(s.timeFmt) && s.timeFmt[idx]:
		return serialClock(f), nil
	case idx < len(s.dateFmt) && s.dateFmt[idx]:
		return SerialTime(f, s.date1904).Format("2006-01-02 15:04:05"), nil
	}
	return v, nil
}

// Days between the two date systems' day zero: the 1904 system's serial 0
// is 1904-01-01, the 1900 system's (as Excel counts, with its leap day of
// 1900) 1899-12-30.
const days1904 = 1462

// SerialTime converts an Excel serial date to a wall-clock time, rounded
// to the millisecond: in the 1900 date system, or the 1904 one (where the
// same serial is 1,462 days later). It carries no zone: the caller reads it
// in the time zone the export was written in.
func SerialTime(f float64, date1904 bool) time.Time {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = epoch.AddDate(0, 0, days1904)
	}
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
		// Past Excel's last column the exact number does not matter,
		// and a reference of many letters must not overflow.
		n = min(n*26+int(c-'A'+1), maxColumns+1)
	}
	if i == 0 {
		return -1
	}
	return n - 1
}
