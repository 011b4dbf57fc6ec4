package edm

import (
	"bytes"
	"encoding/json"
	"strings"
)

// CSDLJSON renders the model as a CSDL JSON document (served only for
// $metadata?$format=json; Power Query needs the XML form).
func (m *Model) CSDLJSON() []byte {
	root := obj{}
	root.add("$Version", "4.0")
	root.add("$EntityContainer", m.Namespace+"."+m.Container)
	refs := obj{}
	for _, r := range References {
		refs.add(strings.TrimSuffix(r.URI, ".xml")+".json", obj{}.with("$Include",
			[]any{obj{}.with("$Namespace", r.Namespace).with("$Alias", r.Alias)}))
	}
	root.add("$Reference", refs)

	schema := obj{}
	for _, t := range m.Types {
		schema.add(t.Name, m.jsonEntityType(t))
	}
	cont := obj{}
	cont.add("$Kind", "EntityContainer")
	for _, s := range m.Sets {
		so := obj{}
		so.add("$Collection", true)
		so.add("$Type", m.Namespace+"."+s.Type.Name)
		if len(s.Type.Navigations) > 0 {
			b := obj{}
			for _, n := range s.Type.Navigations {
				b.add(n.Name, n.Target.Name)
			}
			so.add("$NavigationPropertyBinding", b)
		}
		addAnnotations(&so, m.SetAnnotations(s))
		cont.add(s.Name, so)
	}
	addAnnotations(&cont, m.ContainerAnnotations())
	schema.add(m.Container, cont)
	root.add(m.Namespace, schema)

	var buf bytes.Buffer
	root.write(&buf, 0)
	buf.WriteByte('\n')
	return buf.Bytes()
}

func (m *Model) jsonEntityType(t *EntityType) obj {
	o := obj{}
	o.add("$Kind", "EntityType")
	o.add("$Key", []any{t.Key.Name})
	for _, p := range t.Properties {
		po := obj{}
		// $Type defaults to Edm.String and $Nullable to false in CSDL JSON.
		if p.Type != String {
			po.add("$Type", p.Type.String())
		}
		if p.Nullable {
			po.add("$Nullable", true)
		}
		if p.Type == DateTimeOffset {
			po.add("$Precision", 3)
		}
		addAnnotations(&po, []Annotation{description(p.Description)})
		o.add(p.Name, po)
	}
	for _, n := range t.Navigations {
		no := obj{}
		no.add("$Kind", "NavigationProperty")
		no.add("$Type", m.Namespace+"."+n.Target.Type.Name)
		if n.Collection {
			no.add("$Collection", true)
		} else {
			no.add("$Nullable", true)
		}
		if n.Partner != nil {
			no.add("$Partner", n.Partner.Name)
		}
		if !n.Collection {
			no.add("$ReferentialConstraint", obj{}.with(n.SourceProp.Name, n.TargetProp.Name))
		}
		addAnnotations(&no, []Annotation{description(n.Description)})
		o.add(n.Name, no)
	}
	addAnnotations(&o, []Annotation{description(t.Description)})
	return o
}

func addAnnotations(o *obj, as []Annotation) {
	for _, a := range as {
		o.add("@"+a.Term, jsonValue(a.Value))
	}
}

func jsonValue(v Value) any {
	switch v := v.(type) {
	case Bool:
		return bool(v)
	case Str:
		return string(v)
	case Int:
		return int64(v)
	case Enum:
		// CSDL JSON writes an enumeration member by its name alone.
		s := string(v)
		return s[strings.LastIndexByte(s, '/')+1:]
	case Path:
		return string(v.Path)
	case Record:
		o := obj{}
		if v.Type != "" {
			o.add("@type", v.Type)
		}
		for _, f := range v.Fields {
			o.add(f.Property, jsonValue(f.Value))
		}
		return o
	case Collection:
		out := make([]any, 0, len(v))
		for _, item := range v {
			out = append(out, jsonValue(item))
		}
		return out
	}
	return nil
}

// obj is a JSON object that keeps insertion order, so the document is
// deterministic and reads in model order.
type obj struct {
	keys []string
	vals []any
}

func (o *obj) add(k string, v any) { o.keys = append(o.keys, k); o.vals = append(o.vals, v) }

func (o obj) with(k string, v any) obj { o.add(k, v); return o }

func (o obj) write(buf *bytes.Buffer, depth int) {
	if len(o.keys) == 0 {
		buf.WriteString("{}")
		return
	}
	buf.WriteString("{\n")
	for i, k := range o.keys {
		indent(buf, depth+1)
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteString(": ")
		writeJSON(buf, o.vals[i], depth+1)
		if i < len(o.keys)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	indent(buf, depth)
	buf.WriteByte('}')
}

func writeJSON(buf *bytes.Buffer, v any, depth int) {
	switch v := v.(type) {
	case obj:
		v.write(buf, depth)
	case []any:
		buf.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				buf.WriteString(", ")
			}
			writeJSON(buf, item, depth)
		}
		buf.WriteByte(']')
	default:
		b, _ := json.Marshal(v)
		buf.Write(b)
	}
}

func indent(buf *bytes.Buffer, depth int) {
	for range depth {
		buf.WriteString("  ")
	}
}
