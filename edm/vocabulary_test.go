package edm_test

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
)

// vocabularyFiles are the vocabularies $metadata references (edm.References).
var vocabularyFiles = []string{
	"vocabularies/Org.OData.Core.V1.xml",
	"vocabularies/Org.OData.Capabilities.V1.xml",
	"vocabularies/Org.OData.Aggregation.V1.xml",
}

// vocab is what the OASIS vocabularies declare, every type name resolved to
// "Namespace.Name" (or "Collection(Namespace.Name)") at load time, since
// each vocabulary uses its own aliases for the others.
type vocab struct {
	namespaces map[string]bool
	terms      map[string]xTerm
	complex    map[string]vComplex
	enums      map[string]map[string]bool
	typedefs   map[string]string // name -> underlying type
}

type vComplex struct {
	base  string
	props map[string]string // property -> type
}

func loadVocab(t *testing.T) *vocab {
	t.Helper()
	v := &vocab{namespaces: map[string]bool{}, terms: map[string]xTerm{},
		complex: map[string]vComplex{}, enums: map[string]map[string]bool{}, typedefs: map[string]string{}}
	for _, f := range vocabularyFiles {
		path := conformanceFile(t, f)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parseEdmx(data)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		aliases := doc.aliases()
		resolve := func(typ string) string {
			item, coll := collectionOf(typ)
			if ns, name, ok := qualify(aliases, item); ok {
				item = ns + "." + name
			}
			if coll {
				return "Collection(" + item + ")"
			}
			return item
		}
		for _, s := range doc.Schemas {
			v.namespaces[s.Namespace] = true
			for _, term := range s.Terms {
				term.Type = resolve(term.Type)
				v.terms[s.Namespace+"."+term.Name] = term
			}
			for _, c := range s.ComplexTypes {
				vc := vComplex{props: map[string]string{}}
				if c.BaseType != "" {
					vc.base = resolve(c.BaseType)
				}
				for _, p := range c.Properties {
					vc.props[p.Name] = resolve(p.Type)
				}
				v.complex[s.Namespace+"."+c.Name] = vc
			}
			for _, e := range s.EnumTypes {
				members := map[string]bool{}
				for _, m := range e.Members {
					members[m.Name] = true
				}
				v.enums[s.Namespace+"."+e.Name] = members
			}
			for _, d := range s.TypeDefinitions {
				v.typedefs[s.Namespace+"."+d.Name] = resolve(d.UnderlyingType)
			}
		}
	}
	// The loader must have found what this test relies on; otherwise a
	// changed file layout would make every lookup below miss and report
	// nonsense (or, worse, nothing).
	for _, name := range []string{"Org.OData.Core.V1.Description", "Org.OData.Capabilities.V1.TopSupported"} {
		if _, ok := v.terms[name]; !ok {
			t.Fatalf("vocabularies loaded, but term %s is not among them", name)
		}
	}
	if v.typedefs["Org.OData.Core.V1.Tag"] != "Edm.Boolean" {
		t.Fatalf("vocabularies loaded, but Core.Tag is not a type definition over Edm.Boolean")
	}
	return v
}

// annotated is one element of $metadata that carries annotations.
type annotated struct {
	where string // for messages
	kind  string // the element kind, as AppliesTo spells it
	as    []xAnnotation
}

func annotatedElements(m *xmlModel) []annotated {
	out := []annotated{{"EntityContainer " + m.contName, "EntityContainer", m.container.Annotations}}
	for _, s := range m.container.EntitySets {
		out = append(out, annotated{"EntitySet " + s.Name, "EntitySet", s.Annotations})
	}
	m.eachType(func(q string, t *xEntityType) {
		out = append(out, annotated{"EntityType " + q, "EntityType", t.Annotations})
		for _, p := range t.Properties {
			out = append(out, annotated{"Property " + q + "/" + p.Name, "Property", p.Annotations})
		}
		for _, n := range t.Navigations {
			out = append(out, annotated{"NavigationProperty " + q + "/" + n.Name, "NavigationProperty", n.Annotations})
		}
	})
	return out
}

// TestVocabularyAnnotations checks every annotation of $metadata against the
// vocabulary that defines its term. Clients ignore an annotation they cannot
// understand, so a misspelt term or a value of the wrong shape does not
// fail anywhere else; it silently turns a capability off in Power Query.
func TestVocabularyAnnotations(t *testing.T) {
	v := loadVocab(t)
	m, err := newXMLModel(edm.Default().CSDLXML())
	if err != nil {
		t.Fatalf("parse rendered CSDL XML: %v", err)
	}
	n := 0
	for _, el := range annotatedElements(m) {
		n += len(el.as)
		for _, msg := range v.checkElement(m.aliases, el) {
			t.Error(msg)
		}
	}
	if n == 0 {
		t.Fatal("no annotations found in the rendered document; the parser is not reading it")
	}
}

// TestVocabularyAnnotationsCatch breaks one annotation at a time and
// requires the checker to report it.
func TestVocabularyAnnotationsCatch(t *testing.T) {
	v := loadVocab(t)
	rendered := string(edm.Default().CSDLXML())
	tests := []struct {
		name     string
		old, new string
		want     string // in the violation
	}{
		{"unknown term", `Term="Capabilities.TopSupported"`, `Term="Capabilities.TopSupport"`, "declares no term TopSupport"},
		{"undeclared alias", `Term="Core.Description" String="A person`, `Term="Kore.Description" String="A person`, "alias or namespace is not declared"},
		{"not applicable", `<Annotation Term="Capabilities.TopSupported" Bool="true"/>`, `<Annotation Term="Capabilities.BatchSupported" Bool="true"/>`, "not to EntitySet"},
		{"tag as string", `Term="Capabilities.TopSupported" Bool="true"`, `Term="Capabilities.TopSupported" String="true"`, "the value is <String>"},
		{"string as int", `Term="Core.Description" String="A person who handles conversations."`, `Term="Core.Description" Int="1"`, "the value is <Int>"},
		{"no value for string", `Term="Core.Description" String="A person who handles conversations."`, `Term="Core.Description"`, "no value"},
		{"two values", `Term="Capabilities.TopSupported" Bool="true"`, `Term="Capabilities.TopSupported" Bool="true" Int="1"`, "2 value expressions"},
		{"unknown enum member", `ConformanceLevelType/Advanced`, `ConformanceLevelType/Basic`, "has no member Basic"},
		{"wrong enum type", `Capabilities.ConformanceLevelType/Advanced`, `Capabilities.NavigationType/Single`, "is not of type"},
		{"unknown record property", `<PropertyValue Property="Countable" Bool="true"/>`, `<PropertyValue Property="Counted" Bool="true"/>`, "no property Counted"},
		{"record property type", `<PropertyValue Property="Countable" Bool="true"/>`, `<PropertyValue Property="Countable" Int="1"/>`, "Countable: the type is Edm.Boolean"},
		{"record type", `<Annotation Term="Capabilities.CountRestrictions">
            <Record>`, `<Annotation Term="Capabilities.CountRestrictions">
            <Record Type="Capabilities.SortRestrictionsType">`, "is not Org.OData.Capabilities.V1.CountRestrictionsType or derived"},
		{"record for tag", `<Annotation Term="Capabilities.TopSupported" Bool="true"/>`, `<Annotation Term="Capabilities.TopSupported"><Record/></Annotation>`, "the value is <Record>"},
		{"collection item", `<String>application/xml</String>`, `<Int>1</Int>`, "[0]: the type is Edm.String"},
		{"collection for string", `<Annotation Term="Core.Description" String="A portal user."/>`, `<Annotation Term="Core.Description"><Collection/></Annotation>`, "the value is <Collection>"},
		{"duplicate", `<Annotation Term="Capabilities.TopSupported" Bool="true"/>`, `<Annotation Term="Capabilities.TopSupported" Bool="true"/><Annotation Term="Capabilities.TopSupported" Bool="false"/>`, "applied twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(rendered, tt.old) {
				t.Fatalf("rendered CSDL XML no longer contains %s; pick another spot to break", tt.old)
			}
			m, err := newXMLModel([]byte(strings.Replace(rendered, tt.old, tt.new, 1)))
			if err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, el := range annotatedElements(m) {
				found = append(found, v.checkElement(m.aliases, el)...)
			}
			if !slices.ContainsFunc(found, func(f string) bool { return strings.Contains(f, tt.want) }) {
				t.Errorf("after replacing %s with %s, no violation mentions %q; found %q", tt.old, tt.new, tt.want, found)
			}
		})
	}
}

// checkElement checks every annotation of one element and returns every
// violation.
func (v *vocab) checkElement(aliases map[string]string, el annotated) (out []string) {
	seen := map[string]bool{}
	for _, a := range el.as {
		where := fmt.Sprintf("%s @%s", el.where, a.Term)
		ns, name, ok := qualify(aliases, a.Term)
		if !ok {
			out = append(out, where+": the term's alias or namespace is not declared by an edmx:Include")
			continue
		}
		q := ns + "." + name
		// CSDL 14.3: a term applies at most once per target and qualifier.
		if id := q + "#" + a.Qualifier; seen[id] {
			out = append(out, where+": applied twice to the same element")
		} else {
			seen[id] = true
		}
		if !v.namespaces[ns] {
			out = append(out, fmt.Sprintf("%s: vocabulary %s is not one of the loaded vocabularies", where, ns))
			continue
		}
		term, ok := v.terms[q]
		if !ok {
			out = append(out, fmt.Sprintf("%s: %s declares no term %s", where, ns, name))
			continue
		}
		if term.AppliesTo != "" && !slices.Contains(strings.Fields(term.AppliesTo), el.kind) {
			out = append(out, fmt.Sprintf("%s: the term applies to %s, not to %s", where, term.AppliesTo, el.kind))
		}
		e, present, err := annotationExpr(a.Attrs, a.Children, "Term")
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("%s: %v", where, err))
		case !present:
			// CSDL XML 14.3: an annotation without a value means true, which
			// only a Boolean (or Core.Tag) term can take.
			if v.underlying(term.Type) != "Edm.Boolean" {
				out = append(out, fmt.Sprintf("%s: no value, and the term's type %s is not Boolean", where, term.Type))
			}
		default:
			out = append(out, v.checkValue(aliases, where, e, term.Type)...)
		}
	}
	return out
}

// underlying follows type definitions down to a primitive type.
func (v *vocab) underlying(typ string) string {
	for i := 0; i < 10; i++ {
		u, ok := v.typedefs[typ]
		if !ok {
			return typ
		}
		typ = u
	}
	return typ
}

// integerRanges are the integer types with their ranges.
var integerRanges = map[string][2]int64{
	"Edm.Byte": {0, math.MaxUint8}, "Edm.SByte": {math.MinInt8, math.MaxInt8},
	"Edm.Int16": {math.MinInt16, math.MaxInt16}, "Edm.Int32": {math.MinInt32, math.MaxInt32},
	"Edm.Int64": {math.MinInt64, math.MaxInt64},
}

// checkValue checks that expression e is a value of type typ, recursing
// through collections and records.
func (v *vocab) checkValue(aliases map[string]string, where string, e expr, typ string) (out []string) {
	bad := func(format string, args ...any) []string {
		return []string{fmt.Sprintf("%s: ", where) + fmt.Sprintf(format, args...)}
	}
	if item, ok := collectionOf(typ); ok {
		if e.Kind != "Collection" {
			return bad("the type is %s, the value is <%s>", typ, e.Kind)
		}
		for i, it := range e.Items {
			out = append(out, v.checkValue(aliases, fmt.Sprintf("%s[%d]", where, i), it, item)...)
		}
		return out
	}
	if e.Kind == "Collection" {
		return bad("the type is %s, the value is <Collection>", typ)
	}
	typ = v.underlying(typ)
	if members, ok := v.enums[typ]; ok {
		if e.Kind != "EnumMember" {
			return bad("the type is the enumeration %s, the value is <%s>", typ, e.Kind)
		}
		for _, m := range strings.Fields(e.Text) {
			enumType, member, _ := strings.Cut(m, "/")
			ns, name, ok := qualify(aliases, enumType)
			switch {
			case !ok || ns+"."+name != typ:
				out = append(out, bad("enumeration member %s is not of type %s", m, typ)...)
			case !members[member]:
				out = append(out, bad("%s has no member %s", typ, member)...)
			}
		}
		return out
	}
	if _, ok := v.complex[typ]; ok {
		if e.Kind != "Record" {
			return bad("the type is the complex type %s, the value is <%s>", typ, e.Kind)
		}
		recType := typ
		if e.Type != "" {
			ns, name, ok := qualify(aliases, e.Type)
			if !ok || !v.derivesFrom(ns+"."+name, typ) {
				return bad("Record Type %s is not %s or derived from it", e.Type, typ)
			}
			recType = ns + "." + name
		}
		for _, f := range e.Fields {
			ptype, ok := v.property(recType, f.Property)
			if !ok {
				out = append(out, bad("%s and its base types have no property %s", recType, f.Property)...)
				continue
			}
			out = append(out, v.checkValue(aliases, where+"/"+f.Property, f.Value, ptype)...)
		}
		return out
	}
	kinds := map[string][]string{
		"Edm.Boolean":                {"Bool"},
		"Edm.String":                 {"String"},
		"Edm.Decimal":                {"Int", "Decimal", "Float"},
		"Edm.Double":                 {"Int", "Decimal", "Float"},
		"Edm.Single":                 {"Int", "Decimal", "Float"},
		"Edm.Date":                   {"Date"},
		"Edm.DateTimeOffset":         {"DateTimeOffset"},
		"Edm.Duration":               {"Duration"},
		"Edm.TimeOfDay":              {"TimeOfDay"},
		"Edm.Guid":                   {"Guid"},
		"Edm.Binary":                 {"Binary"},
		"Edm.PropertyPath":           {"PropertyPath"},
		"Edm.NavigationPropertyPath": {"NavigationPropertyPath"},
		"Edm.AnyPropertyPath":        {"PropertyPath", "NavigationPropertyPath"},
		"Edm.AnnotationPath":         {"AnnotationPath"},
		"Edm.ModelElementPath":       {"ModelElementPath"},
	}
	if r, ok := integerRanges[typ]; ok {
		if e.Kind != "Int" {
			return bad("the type is %s, the value is <%s>", typ, e.Kind)
		}
		if n, err := strconv.ParseInt(e.Text, 10, 64); err != nil || n < r[0] || n > r[1] {
			return bad("%q is not a valid %s", e.Text, typ)
		}
		return nil
	}
	allowed, ok := kinds[typ]
	if !ok {
		return bad("type %s is neither primitive nor declared in the loaded vocabularies; this test cannot check it", typ)
	}
	if !slices.Contains(allowed, e.Kind) {
		return bad("the type is %s, the value is <%s>", typ, e.Kind)
	}
	if e.Kind == "Bool" && e.Text != "true" && e.Text != "false" {
		return bad("%q is not a Boolean", e.Text)
	}
	return nil
}

// derivesFrom reports whether complex type sub is base or inherits from it.
func (v *vocab) derivesFrom(sub, base string) bool {
	for i := 0; i < 20 && sub != ""; i++ {
		if sub == base {
			return true
		}
		sub = v.complex[sub].base
	}
	return false
}

// property finds a property of a complex type or of one of its base types.
func (v *vocab) property(typ, name string) (string, bool) {
	for i := 0; i < 20 && typ != ""; i++ {
		c, ok := v.complex[typ]
		if !ok {
			return "", false
		}
		if p, ok := c.props[name]; ok {
			return p, true
		}
		typ = c.base
	}
	return "", false
}
