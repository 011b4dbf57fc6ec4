package edm_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
)

// TestCSDLFormatsAgree requires $metadata and $metadata?$format=json to
// describe the same model. The two writers are separate code, and the two
// formats have opposite defaults (Nullable is true when absent in XML and
// false when absent in JSON), so a writer can drift from the other while
// each document stays valid on its own. Both documents are reduced to one
// line per fact, with every default made explicit, and the lines compared.
func TestCSDLFormatsAgree(t *testing.T) {
	m := edm.Default()
	xf, jf := factsOrFatal(t, m.CSDLXML(), m.CSDLJSON())
	if len(xf) < 100 {
		t.Fatalf("only %d facts read from the XML; the readers are not reading the documents", len(xf))
	}
	for _, d := range diffFacts(xf, jf) {
		t.Error(d)
	}
}

// TestCSDLFormatsAgreeCatch changes one fact in one document and requires
// the comparison to notice.
func TestCSDLFormatsAgreeCatch(t *testing.T) {
	m := edm.Default()
	xmlDoc, jsonDoc := string(m.CSDLXML()), string(m.CSDLJSON())
	tests := []struct {
		name     string
		inJSON   bool
		old, new string
	}{
		{"json nullable", true, `"$Nullable": true`, `"$Nullable": false`},
		{"json precision", true, `"$Precision": 3`, `"$Precision": 7`},
		{"json partner", true, `"$Partner": "Agent"`, `"$Partner": "Agents"`},
		{"json annotation", true, `"Countable": true`, `"Countable": false`},
		{"xml nullable", false, `Nullable="false"`, ``},
		{"xml enum", false, `ConformanceLevelType/Advanced`, `ConformanceLevelType/Minimal`},
		{"xml description", false, `String="A portal user."`, `String="A user."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, j := xmlDoc, jsonDoc
			doc := &x
			if tt.inJSON {
				doc = &j
			}
			if !strings.Contains(*doc, tt.old) {
				t.Fatalf("rendered document no longer contains %s; pick another spot to change", tt.old)
			}
			*doc = strings.Replace(*doc, tt.old, tt.new, 1)
			xf, jf := factsOrFatal(t, []byte(x), []byte(j))
			if len(diffFacts(xf, jf)) == 0 {
				t.Errorf("no difference found after replacing %s with %s", tt.old, tt.new)
			}
		})
	}
}

func factsOrFatal(t *testing.T, xmlDoc, jsonDoc []byte) (xf, jf []string) {
	t.Helper()
	xm, err := newXMLModel(xmlDoc)
	if err != nil {
		t.Fatalf("parse CSDL XML: %v", err)
	}
	jm, err := newJSONModel(jsonDoc)
	if err != nil {
		t.Fatalf("parse CSDL JSON: %v", err)
	}
	if xf, err = xmlFacts(xm); err != nil {
		t.Fatal(err)
	}
	return xf, jsonFacts(jm)
}

func diffFacts(xf, jf []string) (out []string) {
	in := func(fs []string) map[string]bool {
		m := map[string]bool{}
		for _, f := range fs {
			m[f] = true
		}
		return m
	}
	xs, js := in(xf), in(jf)
	for _, f := range xf {
		if !js[f] {
			out = append(out, "only in XML:  "+f)
		}
	}
	for _, f := range jf {
		if !xs[f] {
			out = append(out, "only in JSON: "+f)
		}
	}
	return out
}

func orDash(p *string) string {
	if p == nil {
		return "-"
	}
	return *p
}

func xmlFacts(m *xmlModel) ([]string, error) {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	var annErr error
	annotations := func(target string, as []xAnnotation) {
		for _, a := range as {
			term := a.Term
			if ns, name, ok := qualify(m.aliases, a.Term); ok {
				term = ns + "." + name
			}
			if a.Qualifier != "" {
				term += "#" + a.Qualifier
			}
			e, ok, err := annotationExpr(a.Attrs, a.Children, "Term")
			if err != nil {
				annErr = fmt.Errorf("%s @%s: %v", target, a.Term, err)
				return
			}
			v := any(true) // an annotation without a value means true (CSDL XML 14.3)
			if ok {
				v = exprJSON(e)
			}
			b, _ := json.Marshal(v)
			add("annotation %s @%s = %s", target, term, b)
		}
	}
	add("container %s", m.contName)
	annotations(m.contName, m.container.Annotations)
	m.eachType(func(q string, t *xEntityType) {
		var key []string
		for _, k := range t.Key {
			key = append(key, k.Name)
		}
		add("type %s key %s", q, strings.Join(key, ","))
		annotations(q, t.Annotations)
		for _, p := range t.Properties {
			nullable := p.Nullable == nil || *p.Nullable == "true"
			add("property %s/%s type=%s nullable=%v maxLength=%s precision=%s scale=%s",
				q, p.Name, p.Type, nullable, orDash(p.MaxLength), orDash(p.Precision), orDash(p.Scale))
			annotations(q+"/"+p.Name, p.Annotations)
		}
		for _, n := range t.Navigations {
			target, coll := collectionOf(n.Type)
			_, tq := m.entityType(target)
			nullable := "-" // not defined for collections
			if !coll {
				nullable = strconv.FormatBool(n.Nullable == nil || *n.Nullable == "true")
			}
			add("navigation %s/%s type=%s collection=%v nullable=%s partner=%s", q, n.Name, tq, coll, nullable, n.Partner)
			for _, c := range n.Constraints {
				add("constraint %s/%s %s=%s", q, n.Name, c.Property, c.ReferencedProperty)
			}
			annotations(q+"/"+n.Name, n.Annotations)
		}
	})
	for _, s := range m.container.EntitySets {
		_, tq := m.entityType(s.EntityType)
		add("set %s type=%s", s.Name, tq)
		for _, b := range s.Bindings {
			add("binding %s/%s -> %s", s.Name, b.Path, b.Target)
		}
		annotations(m.contName+"/"+s.Name, s.Annotations)
	}
	sort.Strings(out)
	return out, annErr
}

// exprJSON turns an XML expression into its CSDL JSON form (CSDL JSON 14.4),
// decoded the way encoding/json decodes the JSON document.
func exprJSON(e expr) any {
	switch e.Kind {
	case "Bool":
		return e.Text == "true"
	case "Int", "Float", "Decimal":
		f, err := strconv.ParseFloat(e.Text, 64)
		if err != nil {
			return "bad number " + e.Text
		}
		return f
	case "EnumMember":
		// XML: "Alias.Type/A Alias.Type/B"; JSON: "A,B".
		var names []string
		for _, m := range strings.Fields(e.Text) {
			names = append(names, m[strings.LastIndexByte(m, '/')+1:])
		}
		return strings.Join(names, ",")
	case "Path":
		return map[string]any{"$Path": e.Text}
	case "Record":
		o := map[string]any{}
		if e.Type != "" {
			o["@type"] = e.Type
		}
		for _, f := range e.Fields {
			o[f.Property] = exprJSON(f.Value)
		}
		return o
	case "Collection":
		items := []any{}
		for _, i := range e.Items {
			items = append(items, exprJSON(i))
		}
		return items
	}
	// String, the other path expressions and the remaining constants are
	// plain strings in CSDL JSON.
	return e.Text
}

func jsonFacts(m *jsonModel) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	annotations := func(target string, o map[string]any) {
		for k, v := range o {
			if !strings.HasPrefix(k, "@") {
				continue
			}
			term, qual, _ := strings.Cut(k[1:], "#")
			if ns, name, ok := qualify(m.aliases, term); ok {
				term = ns + "." + name
			}
			if qual != "" {
				term += "#" + qual
			}
			b, _ := json.Marshal(v)
			add("annotation %s @%s = %s", target, term, b)
		}
	}
	facet := func(o map[string]any, k string) string {
		if v, ok := o[k]; ok {
			return fmt.Sprint(v)
		}
		return "-"
	}
	add("container %s", m.contName)
	annotations(m.contName, m.container)
	for _, q := range m.typeNames {
		t := m.types[q]
		var key []string
		keys, _ := t["$Key"].([]any)
		for _, k := range keys {
			key = append(key, fmt.Sprint(k))
		}
		add("type %s key %s", q, strings.Join(key, ","))
		annotations(q, t)
		for _, name := range members(t, "Property") {
			p := member(t, name, "Property")
			add("property %s/%s type=%s nullable=%v maxLength=%s precision=%s scale=%s",
				q, name, jsonType(p), p["$Nullable"] == true, facet(p, "$MaxLength"), facet(p, "$Precision"), facet(p, "$Scale"))
			annotations(q+"/"+name, p)
		}
		for _, name := range members(t, "NavigationProperty") {
			n := member(t, name, "NavigationProperty")
			_, tq := m.entityType(jsonType(n))
			coll := n["$Collection"] == true
			nullable := "-"
			if !coll {
				nullable = strconv.FormatBool(n["$Nullable"] == true)
			}
			partner, _ := n["$Partner"].(string)
			add("navigation %s/%s type=%s collection=%v nullable=%s partner=%s", q, name, tq, coll, nullable, partner)
			rc, _ := n["$ReferentialConstraint"].(map[string]any)
			for p, r := range rc {
				if isMember(p) {
					add("constraint %s/%s %s=%v", q, name, p, r)
				}
			}
			annotations(q+"/"+name, n)
		}
	}
	for _, name := range m.setNames {
		s := m.sets[name]
		_, tq := m.entityType(jsonType(s))
		add("set %s type=%s", name, tq)
		bindings, _ := s["$NavigationPropertyBinding"].(map[string]any)
		for p, target := range bindings {
			add("binding %s/%s -> %v", name, p, target)
		}
		annotations(m.contName+"/"+name, s)
	}
	sort.Strings(out)
	return out
}
