package edm_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/ccfeed/ccfeed/edm"
)

// The checks in this file are rules of CSDL (Part 3, "CSDL XML") and of the
// project's naming rule (edm/model.go) that the XSD cannot express because
// they relate one element to another. They run on the parsed document, so a
// writer bug is caught even when the Go model is right.

// primitives are the Edm primitive type names of CSDL 4.01 section 4.4,
// written out here rather than taken from edm.KindByName, which is code
// under test.
var primitives = map[string]bool{
	"Edm.Binary": true, "Edm.Boolean": true, "Edm.Byte": true, "Edm.Date": true,
	"Edm.DateTimeOffset": true, "Edm.Decimal": true, "Edm.Double": true, "Edm.Duration": true,
	"Edm.Guid": true, "Edm.Int16": true, "Edm.Int32": true, "Edm.Int64": true,
	"Edm.SByte": true, "Edm.Single": true, "Edm.Stream": true, "Edm.String": true,
	"Edm.TimeOfDay": true,
	"Edm.Geography": true, "Edm.GeographyPoint": true, "Edm.GeographyLineString": true,
	"Edm.GeographyPolygon": true, "Edm.GeographyMultiPoint": true, "Edm.GeographyMultiLineString": true,
	"Edm.GeographyMultiPolygon": true, "Edm.GeographyCollection": true,
	"Edm.Geometry": true, "Edm.GeometryPoint": true, "Edm.GeometryLineString": true,
	"Edm.GeometryPolygon": true, "Edm.GeometryMultiPoint": true, "Edm.GeometryMultiLineString": true,
	"Edm.GeometryMultiPolygon": true, "Edm.GeometryCollection": true,
}

// facetTypes says which primitive types each facet is defined for (CSDL XML
// 7.2). A facet elsewhere is ignored by lenient clients and rejected by
// strict ones, such as the OData .NET library under Power Query.
var facetTypes = map[string]map[string]bool{
	"MaxLength": {"Edm.String": true, "Edm.Binary": true, "Edm.Stream": true},
	"Precision": {"Edm.DateTimeOffset": true, "Edm.Duration": true, "Edm.TimeOfDay": true, "Edm.Decimal": true},
	"Scale":     {"Edm.Decimal": true},
}

const coreDescription = "Org.OData.Core.V1.Description"

// xmlModel indexes the parsed $metadata by qualified name.
type xmlModel struct {
	doc       *xEdmx
	aliases   map[string]string
	types     map[string]*xEntityType // "ccfeed.Agent"
	typeNames []string                // sorted, so findings come out in a stable order
	container *xContainer
	contName  string // qualified: "ccfeed.Feed"
	sets      map[string]*xEntitySet
}

func newXMLModel(data []byte) (*xmlModel, error) {
	doc, err := parseEdmx(data)
	if err != nil {
		return nil, err
	}
	m := &xmlModel{doc: doc, aliases: doc.aliases(), types: map[string]*xEntityType{}, sets: map[string]*xEntitySet{}}
	for si := range doc.Schemas {
		s := &doc.Schemas[si]
		for ti := range s.EntityTypes {
			q := s.Namespace + "." + s.EntityTypes[ti].Name
			m.types[q] = &s.EntityTypes[ti]
			m.typeNames = append(m.typeNames, q)
		}
		for ci := range s.Containers {
			if m.container != nil {
				return nil, fmt.Errorf("more than one EntityContainer")
			}
			m.container = &s.Containers[ci]
			m.contName = s.Namespace + "." + s.Containers[ci].Name
		}
	}
	sort.Strings(m.typeNames)
	if m.container == nil {
		return nil, fmt.Errorf("no EntityContainer")
	}
	for i := range m.container.EntitySets {
		m.sets[m.container.EntitySets[i].Name] = &m.container.EntitySets[i]
	}
	return m, nil
}

// entityType resolves a qualified (or alias-qualified) entity type name.
func (m *xmlModel) entityType(qname string) (*xEntityType, string) {
	ns, name, ok := qualify(m.aliases, qname)
	if !ok {
		return nil, ""
	}
	q := ns + "." + name
	return m.types[q], q
}

func (m *xmlModel) eachType(f func(q string, t *xEntityType)) {
	for _, q := range m.typeNames {
		f(q, m.types[q])
	}
}

func (t *xEntityType) property(name string) *xProperty {
	for i := range t.Properties {
		if t.Properties[i].Name == name {
			return &t.Properties[i]
		}
	}
	return nil
}

func (t *xEntityType) navigation(name string) *xNavigation {
	for i := range t.Navigations {
		if t.Navigations[i].Name == name {
			return &t.Navigations[i]
		}
	}
	return nil
}

// xmlChecks are the semantic rules; each returns every violation it finds.
var xmlChecks = []struct {
	name  string
	check func(m *xmlModel) []string
}{
	{"keys", xmlCheckKeys},
	{"property types", xmlCheckPropertyTypes},
	{"navigation types", xmlCheckNavigationTypes},
	{"partners", xmlCheckPartners},
	{"referential constraints", xmlCheckConstraints},
	{"entity sets", xmlCheckEntitySets},
	{"navigation bindings", xmlCheckBindings},
	{"facets", xmlCheckFacets},
	{"descriptions", xmlCheckDescriptions},
	{"naming", xmlCheckNaming},
}

func TestCSDLXMLSemantics(t *testing.T) {
	m, err := newXMLModel(edm.Default().CSDLXML())
	if err != nil {
		t.Fatalf("parse rendered CSDL XML: %v", err)
	}
	if len(m.types) == 0 || len(m.sets) == 0 {
		t.Fatalf("parsed %d entity types and %d entity sets; the parser is not reading the document", len(m.types), len(m.sets))
	}
	for _, c := range xmlChecks {
		t.Run(c.name, func(t *testing.T) {
			for _, v := range c.check(m) {
				t.Error(v)
			}
		})
	}
}

// TestCSDLXMLSemanticsCatch breaks the rendered document in one place per
// rule and requires the rule to notice, so that a check which has silently
// stopped looking (a struct tag typo, an empty loop) fails here.
func TestCSDLXMLSemanticsCatch(t *testing.T) {
	rendered := string(edm.Default().CSDLXML())
	tests := []struct {
		check    string
		old, new string
	}{
		{"keys", `<PropertyRef Name="id"/>`, `<PropertyRef Name="ident"/>`},
		{"keys", `<Property Name="id" Type="Edm.String" Nullable="false">`, `<Property Name="id" Type="Edm.String">`},
		{"property types", `Type="Edm.Double"`, `Type="Edm.Real"`},
		{"property types", `Type="Edm.Double"`, `Type="Collection(Edm.Double)"`},
		{"navigation types", `Type="Collection(ccfeed.Workitem)"`, `Type="Collection(ccfeed.Workitems)"`},
		{"navigation types", `Type="ccfeed.Agent"`, `Type="ccfeed.Agents"`},
		{"partners", `Partner="Agent"`, `Partner="Agents"`},
		{"partners", `<NavigationProperty Name="Agent" Type="ccfeed.Agent" Partner="Workitems">`, `<NavigationProperty Name="Agent" Type="ccfeed.Agent">`},
		{"referential constraints", `ReferencedProperty="id"`, `ReferencedProperty="ident"`},
		{"referential constraints", `ReferentialConstraint Property="agentId"`, `ReferentialConstraint Property="deletedAt"`},
		{"entity sets", `EntityType="ccfeed.Agent"`, `EntityType="ccfeed.Agents"`},
		{"navigation bindings", `Path="Workitems" Target="Workitems"`, `Path="Workitems" Target="Agents"`},
		{"navigation bindings", `Path="Workitems" Target="Workitems"`, `Path="Workitem" Target="Workitems"`},
		{"facets", `Precision="3"`, `Precision="3" MaxLength="10"`},
		{"facets", `Type="Edm.Double"`, `Type="Edm.Double" Scale="2"`},
		{"descriptions", `<Annotation Term="Core.Description" String="Display name of the agent."/>`, ``},
		{"descriptions", `String="A person who handles conversations."`, `String=""`},
		{"naming", `<Property Name="firstName"`, `<Property Name="FirstName"`},
		{"naming", `<Property Name="customId"`, `<Property Name="customID"`},
		{"naming", `<Property Name="startedAtUTC"`, `<Property Name="startedAtUtc"`},
		{"naming", `<EntitySet Name="Agents"`, `<EntitySet Name="agents"`},
		{"naming", `<Property Name="startedAtUTC"`, `<Property Name="startedOnUTC"`},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.check, i), func(t *testing.T) {
			if !strings.Contains(rendered, tt.old) {
				t.Fatalf("rendered CSDL XML no longer contains %s; pick another spot to break", tt.old)
			}
			m, err := newXMLModel([]byte(strings.Replace(rendered, tt.old, tt.new, 1)))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range xmlChecks {
				if c.name == tt.check {
					if len(c.check(m)) == 0 {
						t.Errorf("check %q found nothing wrong after replacing %s with %s", c.name, tt.old, tt.new)
					}
					return
				}
			}
			t.Fatalf("no check named %q", tt.check)
		})
	}
}

func xmlCheckKeys(m *xmlModel) (out []string) {
	m.eachType(func(q string, t *xEntityType) {
		if len(t.Key) == 0 {
			out = append(out, q+": no Key")
		}
		for _, k := range t.Key {
			p := t.property(k.Name)
			switch {
			case p == nil:
				out = append(out, fmt.Sprintf("%s: Key PropertyRef %q names no property of the type", q, k.Name))
			case p.Nullable == nil || *p.Nullable != "false":
				// CSDL XML 8.2: key properties must not be nullable, and
				// Nullable defaults to true in XML.
				out = append(out, fmt.Sprintf("%s: key property %s is nullable", q, k.Name))
			}
		}
	})
	return out
}

func xmlCheckPropertyTypes(m *xmlModel) (out []string) {
	m.eachType(func(q string, t *xEntityType) {
		for _, p := range t.Properties {
			if !primitives[p.Type] {
				out = append(out, fmt.Sprintf("%s/%s: Type %q is not an Edm primitive type", q, p.Name, p.Type))
			}
		}
	})
	return out
}

func xmlCheckNavigationTypes(m *xmlModel) (out []string) {
	m.eachType(func(q string, t *xEntityType) {
		for _, n := range t.Navigations {
			target, _ := collectionOf(n.Type)
			if tt, _ := m.entityType(target); tt == nil {
				out = append(out, fmt.Sprintf("%s/%s: Type %q is not a declared entity type", q, n.Name, n.Type))
			}
		}
	})
	return out
}

func xmlCheckPartners(m *xmlModel) (out []string) {
	m.eachType(func(q string, t *xEntityType) {
		for _, n := range t.Navigations {
			if n.Partner == "" {
				continue
			}
			target, _ := collectionOf(n.Type)
			tt, tq := m.entityType(target)
			if tt == nil {
				continue // reported by navigation types
			}
			back := tt.navigation(n.Partner)
			if back == nil {
				out = append(out, fmt.Sprintf("%s/%s: Partner %q is not a navigation of %s", q, n.Name, n.Partner, tq))
				continue
			}
			if back.Partner != n.Name {
				out = append(out, fmt.Sprintf("%s/%s: Partner %s/%s has Partner %q, not %q", q, n.Name, tq, back.Name, back.Partner, n.Name))
			}
			backTarget, _ := collectionOf(back.Type)
			if _, bq := m.entityType(backTarget); bq != q {
				out = append(out, fmt.Sprintf("%s/%s: Partner %s/%s leads to %s, not back to %s", q, n.Name, tq, back.Name, back.Type, q))
			}
		}
	})
	return out
}

func xmlCheckConstraints(m *xmlModel) (out []string) {
	m.eachType(func(q string, t *xEntityType) {
		for _, n := range t.Navigations {
			target, _ := collectionOf(n.Type)
			tt, tq := m.entityType(target)
			for _, c := range n.Constraints {
				p := t.property(c.Property)
				if p == nil {
					out = append(out, fmt.Sprintf("%s/%s: ReferentialConstraint Property %q is not a property of %s", q, n.Name, c.Property, q))
				}
				if tt == nil {
					continue
				}
				r := tt.property(c.ReferencedProperty)
				if r == nil {
					out = append(out, fmt.Sprintf("%s/%s: ReferencedProperty %q is not a property of %s", q, n.Name, c.ReferencedProperty, tq))
				}
				if p != nil && r != nil && p.Type != r.Type {
					out = append(out, fmt.Sprintf("%s/%s: constraint %s (%s) = %s (%s): types differ", q, n.Name, c.Property, p.Type, c.ReferencedProperty, r.Type))
				}
			}
		}
	})
	return out
}

func xmlCheckEntitySets(m *xmlModel) (out []string) {
	for _, s := range m.container.EntitySets {
		if t, _ := m.entityType(s.EntityType); t == nil {
			out = append(out, fmt.Sprintf("EntitySet %s: EntityType %q is not declared", s.Name, s.EntityType))
		}
	}
	return out
}

func xmlCheckBindings(m *xmlModel) (out []string) {
	for _, s := range m.container.EntitySets {
		t, _ := m.entityType(s.EntityType)
		if t == nil {
			continue // reported by entity sets
		}
		seen := map[string]bool{}
		for _, b := range s.Bindings {
			if seen[b.Path] {
				out = append(out, fmt.Sprintf("EntitySet %s: two bindings for Path %q", s.Name, b.Path))
			}
			seen[b.Path] = true
			n := t.navigation(b.Path)
			if n == nil {
				out = append(out, fmt.Sprintf("EntitySet %s: binding Path %q is not a navigation of %s", s.Name, b.Path, s.EntityType))
				continue
			}
			target := m.sets[b.Target]
			if target == nil {
				out = append(out, fmt.Sprintf("EntitySet %s: binding %s targets %q, which is not an entity set", s.Name, b.Path, b.Target))
				continue
			}
			navType, _ := collectionOf(n.Type)
			_, nq := m.entityType(navType)
			if _, sq := m.entityType(target.EntityType); sq != nq {
				out = append(out, fmt.Sprintf("EntitySet %s: binding %s targets %s of type %s, but the navigation's type is %s", s.Name, b.Path, b.Target, target.EntityType, n.Type))
			}
		}
	}
	return out
}

func xmlCheckFacets(m *xmlModel) (out []string) {
	m.eachType(func(q string, t *xEntityType) {
		for _, p := range t.Properties {
			for facet, v := range map[string]*string{"MaxLength": p.MaxLength, "Precision": p.Precision, "Scale": p.Scale} {
				if v != nil && !facetTypes[facet][p.Type] {
					out = append(out, fmt.Sprintf("%s/%s: %s=%q on %s, which does not allow it", q, p.Name, facet, *v, p.Type))
				}
			}
		}
	})
	sort.Strings(out)
	return out
}

// description returns the Core.Description text among as, or "".
func description(aliases map[string]string, as []xAnnotation) string {
	for _, a := range as {
		ns, name, ok := qualify(aliases, a.Term)
		if !ok || ns+"."+name != coreDescription || a.Qualifier != "" {
			continue
		}
		if e, ok, err := annotationExpr(a.Attrs, a.Children, "Term"); err == nil && ok && e.Kind == "String" {
			return e.Text
		}
	}
	return ""
}

// xmlCheckDescriptions requires a description everywhere a BI user browses:
// Power BI shows Core.Description as the tooltip of tables and columns.
func xmlCheckDescriptions(m *xmlModel) (out []string) {
	need := func(where string, as []xAnnotation) {
		if strings.TrimSpace(description(m.aliases, as)) == "" {
			out = append(out, where+": no non-empty Core.Description")
		}
	}
	m.eachType(func(q string, t *xEntityType) {
		need(q, t.Annotations)
		for _, p := range t.Properties {
			need(q+"/"+p.Name, p.Annotations)
		}
		for _, n := range t.Navigations {
			need(q+"/"+n.Name, n.Annotations)
		}
	})
	for _, s := range m.container.EntitySets {
		need("EntitySet "+s.Name, s.Annotations)
	}
	return out
}

// xmlCheckNaming applies the naming rule written at the top of edm/model.go.
func xmlCheckNaming(m *xmlModel) (out []string) {
	bad := func(where, name string, upper bool) {
		if msg := nameProblem(name, upper); msg != "" {
			out = append(out, fmt.Sprintf("%s: %s", where, msg))
		}
	}
	m.eachType(func(q string, t *xEntityType) {
		bad("EntityType "+q, t.Name, true)
		for _, p := range t.Properties {
			bad("property "+q+"/"+p.Name, p.Name, false)
			// A timestamp without the UTC suffix is, by the rule, the
			// tenant-local twin of one with it; without the twin a client
			// reads a UTC instant as local time.
			if p.Type == "Edm.DateTimeOffset" && !strings.HasSuffix(p.Name, "UTC") {
				if twin := t.property(p.Name + "UTC"); twin == nil || twin.Type != "Edm.DateTimeOffset" {
					out = append(out, fmt.Sprintf("property %s/%s: a timestamp without the UTC suffix names a tenant-local time, "+
						"but there is no %sUTC it is the twin of (if it holds UTC, the rule says it must be called %sUTC)", q, p.Name, p.Name, p.Name))
				}
			}
		}
		for _, n := range t.Navigations {
			bad("navigation "+q+"/"+n.Name, n.Name, true)
		}
	})
	for _, s := range m.container.EntitySets {
		bad("EntitySet "+s.Name, s.Name, true)
	}
	return out
}

// nameProblem says what is wrong with name under the naming rule, or "".
func nameProblem(name string, upper bool) string {
	if name == "" {
		return "empty"
	}
	first := rune(name[0])
	switch {
	case upper && !unicode.IsUpper(first):
		return "must be UpperCamelCase"
	case !upper && !unicode.IsLower(first):
		return "must be lowerCamelCase"
	}
	for _, r := range name {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return fmt.Sprintf("contains %q; camel case is ASCII letters and digits", r)
		}
	}
	if strings.Contains(name, "ID") {
		return `spells "Id" as "ID"`
	}
	if strings.Contains(name, "Utc") {
		return `spells "UTC" as "Utc"`
	}
	return ""
}

func TestNameProblem(t *testing.T) {
	tests := []struct {
		name  string
		upper bool
		bad   bool
	}{
		{"agentId", false, false},
		{"startedAtUTC", false, false},
		{"id", false, false},
		{"Agents", true, false},
		{"WorkitemEvaluationData", true, false},
		{"agentID", false, true},
		{"startedAtUtc", false, true},
		{"AgentId", false, true},
		{"agents", true, true},
		{"agent_id", false, true},
		{"", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nameProblem(tt.name, tt.upper); (got != "") != tt.bad {
				t.Errorf("nameProblem(%q, upper=%v) = %q; want a problem: %v", tt.name, tt.upper, got, tt.bad)
			}
		})
	}
}
