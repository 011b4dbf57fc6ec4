package edm_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
)

// TestCSDLXMLSchema validates $metadata against the OASIS EDMX/EDM XSDs with
// xmllint: Power Query's parser is strict about element order and attribute
// spelling, which the golden file alone would happily freeze in a wrong
// state. The broken copies prove xmllint really validates (a wrong flag or a
// schema it cannot read must not turn into a pass).
func TestCSDLXMLSchema(t *testing.T) {
	xsd := conformanceFile(t, "csdl-schemas/schemas/edmx.xsd")
	xmllint := requireTool(t, "xmllint", "on Debian/Ubuntu: apt-get install libxml2-utils, as CI does")

	rendered := edm.Default().CSDLXML()
	tests := []struct {
		name  string
		old   string // replaced once by new; empty means the document as rendered
		new   string
		valid bool
	}{
		{"rendered", "", "", true},
		{"version 4.02", `Version="4.0"`, `Version="4.02"`, false},
		{"nullable not a boolean", `Nullable="false"`, `Nullable="no"`, false},
		{"unknown attribute", `<EntitySet Name=`, `<EntitySet Kind="x" Name=`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := rendered
			if tt.old != "" {
				if !bytes.Contains(doc, []byte(tt.old)) {
					t.Fatalf("rendered CSDL XML no longer contains %q; pick another spot to break", tt.old)
				}
				doc = bytes.Replace(doc, []byte(tt.old), []byte(tt.new), 1)
			}
			path := filepath.Join(t.TempDir(), "metadata.xml")
			if err := os.WriteFile(path, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			// --nonet: edmx.xsd imports edm.xsd by a relative path, so a
			// validation that wants the network is a broken setup.
			out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, path).CombinedOutput()
			switch {
			case tt.valid && err != nil:
				t.Fatalf("xmllint rejects the CSDL XML (%v):\n%s", err, out)
			case !tt.valid && err == nil:
				t.Fatalf("xmllint accepted a broken document (%s):\n%s", tt.name, out)
			}
		})
	}
}
