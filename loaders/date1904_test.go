package loaders_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
)

// TestXLSXDate1904 loads the ino workbook of testdata/ino/xlsx and the
// same workbook saved in the 1904 date system (workbookPr date1904, every
// date 1,462 days lower as a serial): every stored row is the same. The
// 1904 serials read as if the workbook were in the 1900 system land 1,462
// days early, which shows the comparison can fail.
func TestXLSXDate1904(t *testing.T) {
	src := filepath.Join(feedtest.RepoRoot(t), "testdata", "ino", "xlsx", "export.xlsx")
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, flag bool) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, to1904(t, orig, flag), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	load := func(path string) map[string][]map[string]any {
		db := feedtest.OpenDB(t)
		ctx := context.Background()
		if err := db.SetTenantTimezone(ctx, tenant, "Europe/Paris"); err != nil {
			t.Fatal(err)
		}
		if r := loaders.LoadFile(ctx, db, tenant, path, loaders.Options{}); r.Status != edm.LoadLoaded || r.Rejected != 0 {
			t.Fatalf("%s: %s, %d rejected", filepath.Base(path), r.Message, r.Rejected)
		}
		raw := openRO(t, db)
		out := map[string][]map[string]any{}
		for _, tbl := range db.Model.Tables {
			if tbl.Name == "Loads" || tbl.Name == "LoadRejects" {
				continue
			}
			if rows := readTable(t, raw, tbl); len(rows) > 0 {
				out[tbl.Name] = rows
			}
		}
		return out
	}
	in1900 := load(src)
	in1904 := load(write("export-1904.xlsx", true))
	if !jsonEqual(in1900, in1904) {
		t.Errorf("the 1904 workbook loaded other rows:\n1900: %s\n1904: %s", js(in1900["QueueSegments"]), js(in1904["QueueSegments"]))
	}
	unflagged := load(write("export-unflagged.xlsx", false))
	if jsonEqual(in1900, unflagged) {
		t.Errorf("1904 serials without the flag loaded the same rows: the comparison proves nothing")
	}
	if !strings.Contains(js(unflagged["QueueSegments"]), "2020-03-30") {
		t.Errorf("1904 serials read in the 1900 system should land 1,462 days early (2020-03-30): %s", js(unflagged["QueueSegments"]))
	}
}

// to1904 rewrites a workbook into the 1904 date system: date cells (style
// 1 in this workbook) lose 1,462 days, and the workbook says date1904 when
// flag is set.
func to1904(t *testing.T, book []byte, flag bool) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatal(err)
	}
	dateCell := regexp.MustCompile(`(<c r="[A-Z]+[0-9]+" s="1"><v>)([0-9.]+)(</v>)`)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		switch f.Name {
		case "xl/workbook.xml":
			if flag {
				body = bytes.Replace(body, []byte("<sheets>"), []byte(`<workbookPr date1904="1"/><sheets>`), 1)
			}
		case "xl/worksheets/sheet1.xml":
			n := 0
			body = dateCell.ReplaceAllFunc(body, func(m []byte) []byte {
				p := dateCell.FindSubmatch(m)
				v, err := strconv.ParseFloat(string(p[2]), 64)
				if err != nil {
					t.Fatal(err)
				}
				n++
				return []byte(string(p[1]) + strconv.FormatFloat(v-1462, 'f', -1, 64) + string(p[3]))
			})
			if n == 0 {
				t.Fatal("no date cell found in the sheet")
			}
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	zw.Close()
	return out.Bytes()
}
