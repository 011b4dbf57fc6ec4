package edm_test

import (
	"bytes"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestCSDLJSONSchema validates $metadata?$format=json against the OASIS JSON
// Schema for CSDL JSON (draft-07). The JSON writer is a separate code path
// from the XML one, so the XSD says nothing about it: $-keyword spelling,
// value types and annotation values in their JSON form are checked here.
// The broken copies prove the schema is really applied: a schema that failed
// to load into something permissive would accept them.
func TestCSDLJSONSchema(t *testing.T) {
	schemaPath := conformanceFile(t, "csdl-schemas/schemas/csdl.schema.json")

	c := jsonschema.NewCompiler()
	// The file declares draft-07 itself; saying so here keeps the outcome the
	// same if the file ever loses its $schema line.
	c.DefaultDraft(jsonschema.Draft7)
	sch, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaPath, err)
	}

	rendered := edm.Default().CSDLJSON()
	tests := []struct {
		name  string
		old   string // replaced once by new; empty means the document as rendered
		new   string
		valid bool
	}{
		{"rendered", "", "", true},
		{"version 4.02", `"$Version": "4.0"`, `"$Version": "4.02"`, false},
		{"nullable as string", `"$Nullable": true`, `"$Nullable": "true"`, false},
		{"unknown keyword", `"$Kind": "EntityType"`, `"$Kind": "EntityType", "$Keys": ["id"]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := rendered
			if tt.old != "" {
				if !bytes.Contains(doc, []byte(tt.old)) {
					t.Fatalf("rendered CSDL JSON no longer contains %s; pick another spot to break", tt.old)
				}
				doc = bytes.Replace(doc, []byte(tt.old), []byte(tt.new), 1)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
			if err != nil {
				t.Fatalf("CSDL JSON is not JSON: %v", err)
			}
			err = sch.Validate(v)
			switch {
			case tt.valid && err != nil:
				t.Fatalf("CSDL JSON does not match %s:\n%v", schemaPath, err)
			case !tt.valid && err == nil:
				t.Fatalf("the schema accepted a document with %s; it is not being applied", tt.new)
			}
		})
	}
}
