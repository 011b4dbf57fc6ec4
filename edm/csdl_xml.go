package edm

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// CSDLXML renders the model as a CSDL XML document (OData 4.0). The result is
// deterministic, so it can be compared with a golden file and cached.
func (m *Model) CSDLXML() []byte {
	w := &xmlWriter{}
	w.line(0, `<?xml version="1.0" encoding="utf-8"?>`)
	w.line(0, `<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">`)
	for _, r := range References {
		w.line(1, `<edmx:Reference Uri="%s">`, esc(r.URI))
		w.line(2, `<edmx:Include Namespace="%s" Alias="%s"/>`, esc(r.Namespace), esc(r.Alias))
		w.line(1, `</edmx:Reference>`)
	}
	w.line(1, `<edmx:DataServices>`)
	w.line(2, `<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="%s">`, esc(m.Namespace))
	for _, t := range m.Types {
		m.xmlEntityType(w, t)
	}
	w.line(3, `<EntityContainer Name="%s">`, esc(m.Container))
	for _, s := range m.Sets {
		w.line(4, `<EntitySet Name="%s" EntityType="%s.%s">`, esc(s.Name), esc(m.Namespace), esc(s.Type.Name))
		for _, n := range s.Type.Navigations {
			w.line(5, `<NavigationPropertyBinding Path="%s" Target="%s"/>`, esc(n.Name), esc(n.Target.Name))
		}
		for _, a := range m.SetAnnotations(s) {
			w.annotation(5, a)
		}
		w.line(4, `</EntitySet>`)
	}
	for _, a := range m.ContainerAnnotations() {
		w.annotation(4, a)
	}
	w.line(3, `</EntityContainer>`)
	w.line(2, `</Schema>`)
	w.line(1, `</edmx:DataServices>`)
	w.line(0, `</edmx:Edmx>`)
	return w.buf.Bytes()
}

func (m *Model) xmlEntityType(w *xmlWriter, t *EntityType) {
	w.line(3, `<EntityType Name="%s">`, esc(t.Name))
	w.line(4, `<Key>`)
	w.line(5, `<PropertyRef Name="%s"/>`, esc(t.Key.Name))
	w.line(4, `</Key>`)
	for _, p := range t.Properties {
		w.line(4, `<Property Name="%s" Type="%s"%s>`, esc(p.Name), p.Type, xmlFacets(p))
		w.annotation(5, description(p.Description))
		w.line(4, `</Property>`)
	}
	for _, n := range t.Navigations {
		typ := m.Namespace + "." + n.Target.Type.Name
		attrs := ""
		if n.Collection {
			typ = "Collection(" + typ + ")"
		}
		if n.Partner != nil {
			attrs = fmt.Sprintf(` Partner="%s"`, esc(n.Partner.Name))
		}
		w.line(4, `<NavigationProperty Name="%s" Type="%s"%s>`, esc(n.Name), esc(typ), attrs)
		if !n.Collection {
			w.line(5, `<ReferentialConstraint Property="%s" ReferencedProperty="%s"/>`, esc(n.SourceProp.Name), esc(n.TargetProp.Name))
		}
		w.annotation(5, description(n.Description))
		w.line(4, `</NavigationProperty>`)
	}
	w.annotation(4, description(t.Description))
	w.line(3, `</EntityType>`)
}

// xmlFacets writes only the facets the type allows: Nullable for all,
// Precision for DateTimeOffset (milliseconds, the finest any source sends).
func xmlFacets(p *Property) string {
	var b strings.Builder
	if !p.Nullable {
		b.WriteString(` Nullable="false"`)
	}
	if p.Type == DateTimeOffset {
		b.WriteString(` Precision="3"`)
	}
	return b.String()
}

type xmlWriter struct{ buf bytes.Buffer }

func (w *xmlWriter) line(depth int, format string, args ...any) {
	for range depth {
		w.buf.WriteString("  ")
	}
	fmt.Fprintf(&w.buf, format, args...)
	w.buf.WriteByte('\n')
}

func (w *xmlWriter) annotation(depth int, a Annotation) {
	switch v := a.Value.(type) {
	case Bool, Str, Int, Enum:
		attr, val := xmlConst(v)
		w.line(depth, `<Annotation Term="%s" %s="%s"/>`, esc(a.Term), attr, esc(val))
	default:
		w.line(depth, `<Annotation Term="%s">`, esc(a.Term))
		w.value(depth+1, a.Value)
		w.line(depth, `</Annotation>`)
	}
}

func xmlConst(v Value) (attr, val string) {
	switch v := v.(type) {
	case Bool:
		return "Bool", strconv.FormatBool(bool(v))
	case Str:
		return "String", string(v)
	case Int:
		return "Int", strconv.FormatInt(int64(v), 10)
	case Enum:
		return "EnumMember", string(v)
	}
	panic(fmt.Sprintf("edm: not a constant annotation value: %T", v))
}

func (w *xmlWriter) value(depth int, v Value) {
	switch v := v.(type) {
	case Bool, Str, Int, Enum:
		attr, val := xmlConst(v)
		w.line(depth, `<%s>%s</%s>`, attr, esc(val), attr)
	case Path:
		w.line(depth, `<%s>%s</%s>`, v.Kind, esc(v.Path), v.Kind)
	case Record:
		if v.Type != "" {
			w.line(depth, `<Record Type="%s">`, esc(v.Type))
		} else {
			w.line(depth, `<Record>`)
		}
		for _, f := range v.Fields {
			switch fv := f.Value.(type) {
			case Bool, Str, Int, Enum:
				attr, val := xmlConst(fv)
				w.line(depth+1, `<PropertyValue Property="%s" %s="%s"/>`, esc(f.Property), attr, esc(val))
			default:
				w.line(depth+1, `<PropertyValue Property="%s">`, esc(f.Property))
				w.value(depth+2, f.Value)
				w.line(depth+1, `</PropertyValue>`)
			}
		}
		w.line(depth, `</Record>`)
	case Collection:
		w.line(depth, `<Collection>`)
		for _, item := range v {
			w.value(depth+1, item)
		}
		w.line(depth, `</Collection>`)
	}
}

var xmlEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&quot;", "'", "&apos;")

func esc(s string) string { return xmlEscaper.Replace(s) }
