package edm_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
)

// The cross-reference rules of semantics_test.go, applied to CSDL JSON.

// jsonModel indexes the parsed CSDL JSON by qualified name. It is decoded
// with encoding/json into plain maps, as a generic client would.
type jsonModel struct {
	aliases   map[string]string
	types     map[string]map[string]any
	typeNames []string
	container map[string]any
	contName  string // qualified: "ccfeed.Feed"
	sets      map[string]map[string]any
	setNames  []string
}

func newJSONModel(data []byte) (*jsonModel, error) {
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	m := &jsonModel{aliases: map[string]string{}, types: map[string]map[string]any{}, sets: map[string]map[string]any{}}
	refs, _ := root["$Reference"].(map[string]any)
	for _, r := range refs {
		ref, _ := r.(map[string]any)
		incs, _ := ref["$Include"].([]any)
		for _, in := range incs {
			in, _ := in.(map[string]any)
			ns, _ := in["$Namespace"].(string)
			m.aliases[ns] = ns
			if a, ok := in["$Alias"].(string); ok {
				m.aliases[a] = ns
			}
		}
	}
	for ns, v := range root {
		schema, ok := v.(map[string]any)
		if strings.HasPrefix(ns, "$") || !ok {
			continue
		}
		m.aliases[ns] = ns
		if a, ok := schema["$Alias"].(string); ok {
			m.aliases[a] = ns
		}
		for name, v := range schema {
			el, ok := v.(map[string]any)
			if !ok {
				continue
			}
			switch el["$Kind"] {
			case "EntityType":
				m.types[ns+"."+name] = el
				m.typeNames = append(m.typeNames, ns+"."+name)
			case "EntityContainer":
				if ns+"."+name != root["$EntityContainer"] {
					return nil, fmt.Errorf("container %s.%s is not $EntityContainer %v", ns, name, root["$EntityContainer"])
				}
				m.container = el
				m.contName = ns + "." + name
			}
		}
	}
	if m.container == nil {
		return nil, fmt.Errorf("no entity container named by $EntityContainer %v", root["$EntityContainer"])
	}
	for name, v := range m.container {
		if s, ok := v.(map[string]any); ok && isMember(name) && s["$Collection"] == true {
			m.sets[name] = s
			m.setNames = append(m.setNames, name)
		}
	}
	sort.Strings(m.typeNames)
	sort.Strings(m.setNames)
	return m, nil
}

// isMember tells members ("agentId") from keywords ("$Key") and
// annotations ("@Core.Description").
func isMember(key string) bool { return !strings.HasPrefix(key, "$") && !strings.Contains(key, "@") }

func (m *jsonModel) entityType(qname string) (map[string]any, string) {
	ns, name, ok := qualify(m.aliases, qname)
	if !ok {
		return nil, ""
	}
	return m.types[ns+"."+name], ns + "." + name
}

// members returns the sorted member names of t whose $Kind is kind;
// a structural property may omit $Kind.
func members(t map[string]any, kind string) []string {
	var out []string
	for k, v := range t {
		o, ok := v.(map[string]any)
		if !ok || !isMember(k) {
			continue
		}
		got, _ := o["$Kind"].(string)
		if got == "" {
			got = "Property"
		}
		if got == kind {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func member(t map[string]any, name, kind string) map[string]any {
	o, ok := t[name].(map[string]any)
	if !ok || !isMember(name) {
		return nil
	}
	got, _ := o["$Kind"].(string)
	if got == "" {
		got = "Property"
	}
	if got != kind {
		return nil
	}
	return o
}

// jsonType returns $Type with the CSDL JSON default Edm.String.
func jsonType(o map[string]any) string {
	if s, ok := o["$Type"].(string); ok {
		return s
	}
	return "Edm.String"
}

var jsonChecks = []struct {
	name  string
	check func(m *jsonModel) []string
}{
	{"keys", jsonCheckKeys},
	{"property types", jsonCheckPropertyTypes},
	{"navigation types", jsonCheckNavigationTypes},
	{"partners", jsonCheckPartners},
	{"referential constraints", jsonCheckConstraints},
	{"entity sets", jsonCheckEntitySets},
	{"navigation bindings", jsonCheckBindings},
	{"descriptions", jsonCheckDescriptions},
}

// TestCSDLJSONSemantics applies to the JSON document the cross-reference
// rules that TestCSDLXMLSemantics applies to the XML one; the two writers
// share no code below the model.
func TestCSDLJSONSemantics(t *testing.T) {
	data := edm.Default().CSDLJSON()
	t.Run("unique keys", func(t *testing.T) {
		// encoding/json keeps the last of two equal keys, so a duplicate
		// member or annotation would vanish silently from every check below.
		for _, v := range duplicateKeys(data) {
			t.Error(v)
		}
	})
	m, err := newJSONModel(data)
	if err != nil {
		t.Fatalf("parse rendered CSDL JSON: %v", err)
	}
	if len(m.types) == 0 || len(m.sets) == 0 {
		t.Fatalf("parsed %d entity types and %d entity sets; the reader is not reading the document", len(m.types), len(m.sets))
	}
	for _, c := range jsonChecks {
		t.Run(c.name, func(t *testing.T) {
			for _, v := range c.check(m) {
				t.Error(v)
			}
		})
	}
}

// TestCSDLJSONSemanticsCatch breaks the JSON document in one place per rule
// and requires the rule to notice.
func TestCSDLJSONSemanticsCatch(t *testing.T) {
	rendered := string(edm.Default().CSDLJSON())
	tests := []struct {
		check    string
		old, new string
	}{
		{"keys", `"$Key": ["id"]`, `"$Key": ["ident"]`},
		{"property types", `"$Type": "Edm.Double"`, `"$Type": "Edm.Real"`},
		{"navigation types", `"$Type": "ccfeed.Workitem"`, `"$Type": "ccfeed.Workitems"`},
		{"partners", `"$Partner": "Agent"`, `"$Partner": "Agents"`},
		{"referential constraints", `"agentId": "id"`, `"agentId": "ident"`},
		{"entity sets", `"$Collection": true,
        "$Type": "ccfeed.Agent",`, `"$Collection": true,
        "$Type": "ccfeed.Agents",`},
		{"navigation bindings", `"Workitems": "Workitems"`, `"Workitems": "Agents"`},
		{"descriptions", `"@Core.Description": "A person who handles conversations."`, `"@Core.Description": ""`},
		{"unique keys", `"$Kind": "EntityType",`, `"$Kind": "EntityType", "$Kind": "EntityType",`},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.check, i), func(t *testing.T) {
			if !strings.Contains(rendered, tt.old) {
				t.Fatalf("rendered CSDL JSON no longer contains %s; pick another spot to break", tt.old)
			}
			data := []byte(strings.Replace(rendered, tt.old, tt.new, 1))
			if tt.check == "unique keys" {
				if len(duplicateKeys(data)) == 0 {
					t.Errorf("duplicateKeys found nothing after replacing %s with %s", tt.old, tt.new)
				}
				return
			}
			m, err := newJSONModel(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range jsonChecks {
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

// duplicateKeys walks the JSON token stream and reports every object key
// that occurs twice in the same object.
func duplicateKeys(data []byte) (out []string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys    map[string]bool
		isObj   bool
		wantKey bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			return append(out, fmt.Sprintf("invalid JSON at offset %d: %v", dec.InputOffset(), err))
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.isObj && top.wantKey {
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					out = append(out, fmt.Sprintf("key %q twice in one object (before offset %d)", k, dec.InputOffset()))
				}
				top.keys[k] = true
				top.wantKey = false
				continue
			}
		}
		if top != nil && top.isObj {
			top.wantKey = true // the value is this token (or opens with it)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, isObj: true, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

func jsonCheckKeys(m *jsonModel) (out []string) {
	for _, q := range m.typeNames {
		t := m.types[q]
		key, _ := t["$Key"].([]any)
		if len(key) == 0 {
			out = append(out, q+": no $Key")
		}
		for _, k := range key {
			name, ok := k.(string)
			if !ok {
				out = append(out, fmt.Sprintf("%s: $Key entry %v is not a property name", q, k))
				continue
			}
			p := member(t, name, "Property")
			switch {
			case p == nil:
				out = append(out, fmt.Sprintf("%s: $Key names %q, which is not a property of the type", q, name))
			case p["$Nullable"] == true:
				out = append(out, fmt.Sprintf("%s: key property %s is nullable", q, name))
			}
		}
	}
	return out
}

func jsonCheckPropertyTypes(m *jsonModel) (out []string) {
	for _, q := range m.typeNames {
		for _, name := range members(m.types[q], "Property") {
			p := member(m.types[q], name, "Property")
			if typ := jsonType(p); !primitives[typ] || p["$Collection"] == true {
				out = append(out, fmt.Sprintf("%s/%s: $Type %q (collection %v) is not an Edm primitive type", q, name, typ, p["$Collection"]))
			}
		}
	}
	return out
}

func jsonCheckNavigationTypes(m *jsonModel) (out []string) {
	for _, q := range m.typeNames {
		for _, name := range members(m.types[q], "NavigationProperty") {
			n := member(m.types[q], name, "NavigationProperty")
			if tt, _ := m.entityType(jsonType(n)); tt == nil {
				out = append(out, fmt.Sprintf("%s/%s: $Type %q is not a declared entity type", q, name, jsonType(n)))
			}
		}
	}
	return out
}

func jsonCheckPartners(m *jsonModel) (out []string) {
	for _, q := range m.typeNames {
		for _, name := range members(m.types[q], "NavigationProperty") {
			n := member(m.types[q], name, "NavigationProperty")
			partner, ok := n["$Partner"].(string)
			if !ok {
				continue
			}
			tt, tq := m.entityType(jsonType(n))
			if tt == nil {
				continue // reported by navigation types
			}
			back := member(tt, partner, "NavigationProperty")
			if back == nil {
				out = append(out, fmt.Sprintf("%s/%s: $Partner %q is not a navigation of %s", q, name, partner, tq))
				continue
			}
			if back["$Partner"] != name {
				out = append(out, fmt.Sprintf("%s/%s: $Partner %s/%s has $Partner %v, not %q", q, name, tq, partner, back["$Partner"], name))
			}
			if _, bq := m.entityType(jsonType(back)); bq != q {
				out = append(out, fmt.Sprintf("%s/%s: $Partner %s/%s leads to %s, not back to %s", q, name, tq, partner, jsonType(back), q))
			}
		}
	}
	return out
}

func jsonCheckConstraints(m *jsonModel) (out []string) {
	for _, q := range m.typeNames {
		t := m.types[q]
		for _, name := range members(t, "NavigationProperty") {
			n := member(t, name, "NavigationProperty")
			rc, _ := n["$ReferentialConstraint"].(map[string]any)
			tt, tq := m.entityType(jsonType(n))
			for prop, v := range rc {
				if !isMember(prop) {
					continue
				}
				p := member(t, prop, "Property")
				if p == nil {
					out = append(out, fmt.Sprintf("%s/%s: $ReferentialConstraint property %q is not a property of %s", q, name, prop, q))
				}
				ref, _ := v.(string)
				if tt == nil {
					continue
				}
				r := member(tt, ref, "Property")
				if r == nil {
					out = append(out, fmt.Sprintf("%s/%s: referenced property %v is not a property of %s", q, name, v, tq))
				}
				if p != nil && r != nil && jsonType(p) != jsonType(r) {
					out = append(out, fmt.Sprintf("%s/%s: constraint %s (%s) = %s (%s): types differ", q, name, prop, jsonType(p), ref, jsonType(r)))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func jsonCheckEntitySets(m *jsonModel) (out []string) {
	for _, name := range m.setNames {
		if t, _ := m.entityType(jsonType(m.sets[name])); t == nil {
			out = append(out, fmt.Sprintf("entity set %s: $Type %q is not a declared entity type", name, jsonType(m.sets[name])))
		}
	}
	return out
}

func jsonCheckBindings(m *jsonModel) (out []string) {
	for _, name := range m.setNames {
		s := m.sets[name]
		t, _ := m.entityType(jsonType(s))
		if t == nil {
			continue // reported by entity sets
		}
		bindings, _ := s["$NavigationPropertyBinding"].(map[string]any)
		paths := make([]string, 0, len(bindings))
		for p := range bindings {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, path := range paths {
			target, _ := bindings[path].(string)
			n := member(t, path, "NavigationProperty")
			if n == nil {
				out = append(out, fmt.Sprintf("entity set %s: binding path %q is not a navigation of %s", name, path, jsonType(s)))
				continue
			}
			ts := m.sets[target]
			if ts == nil {
				out = append(out, fmt.Sprintf("entity set %s: binding %s targets %q, which is not an entity set", name, path, target))
				continue
			}
			_, nq := m.entityType(jsonType(n))
			if _, sq := m.entityType(jsonType(ts)); sq != nq {
				out = append(out, fmt.Sprintf("entity set %s: binding %s targets %s of type %s, but the navigation's type is %s", name, path, target, jsonType(ts), jsonType(n)))
			}
		}
	}
	return out
}

// description returns the Core.Description of o, whatever alias spells it.
func (m *jsonModel) description(o map[string]any) string {
	for k, v := range o {
		if !strings.HasPrefix(k, "@") || strings.Contains(k, "#") {
			continue
		}
		if ns, name, ok := qualify(m.aliases, k[1:]); ok && ns+"."+name == coreDescription {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

func jsonCheckDescriptions(m *jsonModel) (out []string) {
	need := func(where string, o map[string]any) {
		if strings.TrimSpace(m.description(o)) == "" {
			out = append(out, where+": no non-empty Core.Description")
		}
	}
	for _, q := range m.typeNames {
		t := m.types[q]
		need(q, t)
		for _, kind := range []string{"Property", "NavigationProperty"} {
			for _, name := range members(t, kind) {
				need(q+"/"+name, member(t, name, kind))
			}
		}
	}
	for _, name := range m.setNames {
		need("entity set "+name, m.sets[name])
	}
	return out
}
