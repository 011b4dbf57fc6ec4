package powerbi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ccfeed/ccfeed/edm"
)

// Microsoft publishes the PBIP schemas under this prefix; the ones the
// project names are copied into testdata/schemas (MIT licence beside them)
// from ../shared/powerbi/schemas, so the tests run without network or
// ../shared. TestSchemaCopies keeps the copies equal to the originals.
const schemaPrefix = "https://developer.microsoft.com/json-schemas/"

// schemaLoader serves schema URLs from testdata/schemas. A schema the copy
// lacks fails loudly rather than validating nothing.
type schemaLoader struct{}

func (schemaLoader) Load(url string) (any, error) {
	rel, ok := strings.CutPrefix(url, schemaPrefix)
	if !ok {
		return nil, fmt.Errorf("schema %s is outside %s", url, schemaPrefix)
	}
	// visualConfiguration's $id spells its file "schema.embedded.json",
	// while the files and the references are "schema-embedded.json".
	rel = strings.Replace(rel, "schema.embedded.json", "schema-embedded.json", 1)
	f, err := os.Open(filepath.Join("testdata", "schemas", filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("schema %s is not in testdata/schemas (copy it from ../shared/powerbi/schemas): %v", url, err)
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// noPublishedCopy lists the schemas named by project parts that
// ../shared/powerbi/schemas does not hold; those parts are checked by
// TestPBIPFile instead.
var noPublishedCopy = map[string]bool{
	schemaPrefix + "fabric/pbip/pbipProperties/1.0.0/schema.json": true,
}

type schemaSet struct {
	c     *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
}

func newSchemaSet() *schemaSet {
	c := jsonschema.NewCompiler()
	c.UseLoader(schemaLoader{})
	c.DefaultDraft(jsonschema.Draft7)
	return &schemaSet{c: c, cache: map[string]*jsonschema.Schema{}}
}

// validate checks one JSON part against the schema its $schema names.
func (s *schemaSet) validate(path string, data []byte) (schema string, err error) {
	var head struct {
		Schema string `json:"$schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", fmt.Errorf("%s is not JSON: %v", path, err)
	}
	if head.Schema == "" {
		return "", fmt.Errorf("%s names no $schema", path)
	}
	if noPublishedCopy[head.Schema] {
		return head.Schema, nil
	}
	sch := s.cache[head.Schema]
	if sch == nil {
		sch, err = s.c.Compile(head.Schema)
		if err != nil {
			return head.Schema, fmt.Errorf("%s: compile %s: %v", path, head.Schema, err)
		}
		s.cache[head.Schema] = sch
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return head.Schema, err
	}
	if err := sch.Validate(doc); err != nil {
		return head.Schema, fmt.Errorf("%s does not match %s:\n%v", path, head.Schema, err)
	}
	return head.Schema, nil
}

// jsonPart reports whether a project file is one of its JSON parts.
func jsonPart(p string) bool {
	for _, ext := range []string{".json", ".pbir", ".pbism", ".platform", ".pbip"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

// TestJSONPartsMatchSchemas validates every JSON part of every golden
// project against the Microsoft schema it names, and checks that each kind
// of part was seen, so a part that stopped being generated cannot pass
// unnoticed.
func TestJSONPartsMatchSchemas(t *testing.T) {
	s := newSchemaSet()
	seen := map[string]int{}
	for _, tc := range goldenCases {
		files, err := Bundle(tc.model(), tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !jsonPart(f.Path) {
				continue
			}
			schema, err := s.validate(tc.name+"/"+f.Path, f.Data)
			if err != nil {
				t.Error(err)
			}
			seen[schema]++
		}
	}
	for _, want := range []string{schemaPBIR, schemaVersion, schemaReport, schemaPages, schemaPage, schemaVisual,
		schemaPrefix + "fabric/item/semanticModel/definitionProperties/1.0.0/schema.json",
		schemaPrefix + "fabric/gitIntegration/platformProperties/2.0.0/schema.json"} {
		if seen[want] == 0 {
			t.Errorf("no part named %s", want)
		}
	}
}

// TestSchemasAreApplied breaks one part of each kind in a way its schema
// forbids: a schema that failed to load into something permissive would
// accept them.
func TestSchemasAreApplied(t *testing.T) {
	files, err := Project(edm.Default(), Options{FeedURL: "https://feed.example.com/odata/"})
	if err != nil {
		t.Fatal(err)
	}
	part := func(suffix string) File {
		for _, f := range files {
			if strings.HasSuffix(f.Path, suffix) {
				return f
			}
		}
		t.Fatalf("no part ending in %s", suffix)
		return File{}
	}
	s := newSchemaSet()
	for _, tc := range []struct{ part, old, new string }{
		{"definition.pbir", `"datasetReference": {`, `"datasetReferences": {`},
		{"definition.pbism", `"version": "4.0"`, `"version": 4`},
		{"version.json", `"version": "2.0.0"`, `"version": "2.0.1"`},
		{"page.json", `"displayOption": "FitToPage"`, `"displayOption": "Stretchy"`},
		{"card-conversations/visual.json", `"x": 10,`, ``},
		{"card-conversations/visual.json", `"queryRef": "Conversations.Conversations",`, ``},
		{"pages.json", `"pageOrder": [`, `"pageOrders": [`},
		{"SemanticModel/.platform", `"logicalId"`, `"logicalID"`},
	} {
		f := part(tc.part)
		broken := strings.Replace(string(f.Data), tc.old, tc.new, 1)
		if broken == string(f.Data) {
			t.Fatalf("%s no longer contains %s; pick another spot to break", tc.part, tc.old)
		}
		if _, err := s.validate(f.Path, f.Data); err != nil {
			t.Fatalf("the part as generated fails: %v", err)
		}
		if _, err := s.validate(f.Path, []byte(broken)); err == nil {
			t.Errorf("%s with %q replaced by %q passed its schema: the schema is not applied", tc.part, tc.old, tc.new)
		}
	}
}

// TestPBIPFile checks the .pbip pointer, whose schema is not among
// Microsoft's published copies: it names its schema and version and
// points at the report folder that exists.
func TestPBIPFile(t *testing.T) {
	files, err := Project(edm.Default(), Options{FeedURL: "https://feed.example.com/odata/", Name: "Contact Center"})
	if err != nil {
		t.Fatal(err)
	}
	var pbip struct {
		Schema    string `json:"$schema"`
		Version   string `json:"version"`
		Artifacts []struct {
			Report struct{ Path string } `json:"report"`
		} `json:"artifacts"`
	}
	var found bool
	for _, f := range files {
		if f.Path == "Contact Center.pbip" {
			found = true
			if err := json.Unmarshal(f.Data, &pbip); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !found || pbip.Schema == "" || pbip.Version != "1.0" || len(pbip.Artifacts) != 1 {
		t.Fatalf("pbip %+v (found %v)", pbip, found)
	}
	dir := pbip.Artifacts[0].Report.Path
	for _, f := range files {
		if strings.HasPrefix(f.Path, dir+"/definition.pbir") {
			return
		}
	}
	t.Errorf("the .pbip points at %s, which holds no definition.pbir", dir)
}

// TestSchemaCopies keeps testdata/schemas equal to Microsoft's schemas in
// ../shared/powerbi/schemas. Without ../shared it skips loudly (and fails
// in CI, where ../shared is laid beside the clone).
func TestSchemaCopies(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "powerbi", "schemas")
	if _, err := os.Stat(shared); err != nil {
		msg := "SKIPPED, NOT PASSED: " + shared + " is missing, so the schema copies in testdata/schemas are not compared with the originals"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	n := 0
	err := filepath.Walk(filepath.Join("testdata", "schemas"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join("testdata", "schemas"), p)
		mine, _ := os.ReadFile(p)
		orig, err := os.ReadFile(filepath.Join(shared, rel))
		if err != nil {
			t.Errorf("%s has no original in %s", rel, shared)
			return nil
		}
		if !bytes.Equal(mine, orig) {
			t.Errorf("testdata/schemas/%s differs from %s: copy it again", rel, filepath.Join(shared, rel))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("only %d schema files compared", n)
	}
}
