package edm_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current model")

// TestGoldenMetadata pins $metadata byte for byte: any change to the model
// or to the writers shows up as a reviewable diff of testdata/ rather than
// as a silent change to what Power BI receives.
func TestGoldenMetadata(t *testing.T) {
	m := edm.Default()
	tests := []struct {
		name   string
		file   string
		render func() []byte
	}{
		{"xml", "metadata.xml", m.CSDLXML},
		{"json", "metadata.json", m.CSDLJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.render()
			if !bytes.Equal(got, tt.render()) {
				t.Fatalf("%s: two renderings of the same model differ; the document must be deterministic", tt.file)
			}
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./edm -update to create it)", err)
			}
			if line, g, w, ok := firstDiff(got, want); ok {
				t.Errorf("%s differs from the rendered document at line %d (run go test ./edm -update if the change is intended):\n got: %q\nwant: %q", path, line, g, w)
			}
		})
	}
}

// firstDiff returns the first line (1-based) where a and b differ, with the
// two lines; a missing line is shown as "<end of file>".
func firstDiff(a, b []byte) (line int, la, lb string, differ bool) {
	if bytes.Equal(a, b) {
		return 0, "", "", false
	}
	as, bs := lines(a), lines(b)
	at := func(ls [][]byte, i int) string {
		if i < len(ls) {
			return string(ls[i])
		}
		return "<end of file>"
	}
	for i := 0; ; i++ {
		if x, y := at(as, i), at(bs, i); x != y {
			return i + 1, x, y, true
		}
	}
}

// lines splits after each newline; a final newline does not start a line.
func lines(b []byte) [][]byte {
	ls := bytes.SplitAfter(b, []byte("\n"))
	if len(ls) > 0 && len(ls[len(ls)-1]) == 0 {
		ls = ls[:len(ls)-1]
	}
	return ls
}

func TestFirstDiff(t *testing.T) {
	tests := []struct {
		name   string
		a, b   string
		line   int
		la, lb string
		differ bool
	}{
		{"equal", "x\ny\n", "x\ny\n", 0, "", "", false},
		{"second line", "x\ny\n", "x\nz\n", 2, "y\n", "z\n", true},
		{"a shorter", "x\n", "x\ny\n", 2, "<end of file>", "y\n", true},
		{"missing final newline", "x\ny", "x\ny\n", 2, "y", "y\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, la, lb, differ := firstDiff([]byte(tt.a), []byte(tt.b))
			if line != tt.line || la != tt.la || lb != tt.lb || differ != tt.differ {
				t.Errorf("firstDiff(%q, %q) = %d, %q, %q, %v; want %d, %q, %q, %v",
					tt.a, tt.b, line, la, lb, differ, tt.line, tt.la, tt.lb, tt.differ)
			}
		})
	}
}
