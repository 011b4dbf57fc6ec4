package edm

import (
	"fmt"
	"strings"
)

// The declarations in sets_*.go use these small constructors so that a set
// reads like the vendor's field table: name, type, meaning.

func str(name, desc string) *Property {
	return &Property{Name: name, Type: String, Nullable: true, Description: desc}
}

func text(name, desc string) *Property {
	p := str(name, desc)
	p.Searchable = true
	return p
}

func secs(name, desc string) *Property {
	return &Property{Name: name, Type: Double, Nullable: true, Description: desc + " In seconds."}
}

func dbl(name, desc string) *Property {
	return &Property{Name: name, Type: Double, Nullable: true, Description: desc}
}

func i32(name, desc string) *Property {
	return &Property{Name: name, Type: Int32, Nullable: true, Description: desc}
}

func i64(name, desc string) *Property {
	return &Property{Name: name, Type: Int64, Nullable: true, Description: desc}
}

func flag(name, desc string) *Property {
	return &Property{Name: name, Type: Boolean, Nullable: true, Description: desc}
}

// utc declares a UTC timestamp. The first one of a table is its main time
// and is indexed (see chooseIndexes).
func utc(name, desc string) *Property {
	return &Property{Name: name, Type: DateTimeOffset, Nullable: true, Description: desc + " In UTC."}
}

// local declares the tenant-local twin of the UTC timestamp utcName.
func local(name, utcName, desc string) *Property {
	return &Property{Name: name, Type: DateTimeOffset, Nullable: true,
		UTC:         &Property{Name: utcName}, // resolved by table()
		Description: desc + " In the tenant's time zone, with its offset."}
}

// fk declares a foreign key column. It is indexed when a collection
// navigation walks it (see chooseIndexes).
func fk(name, desc string) *Property {
	return &Property{Name: name, Type: String, Nullable: true, Description: desc}
}

type builder struct {
	m      *Model
	errs   []string
	covers []coverDecl
}

func newBuilder(namespace, container string) *builder {
	return &builder{m: &Model{
		Namespace: namespace, Container: container,
		sets: map[string]*EntitySet{}, types: map[string]*EntityType{},
	}}
}

func (b *builder) fail(format string, args ...any) {
	b.errs = append(b.errs, fmt.Sprintf(format, args...))
}

// rowIdentity is carried by every table: the key and the provenance of the row.
func rowIdentity(what string) []*Property {
	return []*Property{
		{Name: "id", Type: String, Description: "Key of the " + what +
			". Made of the tenant, the source system and the source's own id, joined by colons; treat it as opaque."},
		{Name: "tenantId", Type: String, Description: "Tenant (company or client) the row belongs to."},
		{Name: "source", Type: String, Description: "System the row came from: twoway, ino, cxengage, liveperson, buzzeasy or demo."},
		{Name: "sourceId", Type: String, Description: "The row's id in its source system, as that system wrote it."},
	}
}

// table declares a storage table; what names one row for the key description.
func (b *builder) table(name, what string, cols ...*Property) *Table {
	t := &Table{Name: name, byName: map[string]*Property{}}
	for _, c := range append(rowIdentity(what), cols...) {
		if t.byName[c.Name] != nil {
			b.fail("table %s: column %s declared twice", name, c.Name)
			continue
		}
		c.table, c.index = t, len(t.Columns)
		t.Columns = append(t.Columns, c)
		t.byName[c.Name] = c
	}
	for _, c := range t.Columns {
		if c.UTC != nil {
			u := t.byName[c.UTC.Name]
			if u == nil || u.Type != DateTimeOffset {
				b.fail("table %s: local column %s names missing UTC column %s", name, c.Name, c.UTC.Name)
				continue
			}
			c.UTC, u.Local = u, c
		}
	}
	b.m.Tables = append(b.m.Tables, t)
	return t
}

// entity declares an entity type over table t and its set. With no column
// names the type has every column of the table.
func (b *builder) entity(t *Table, setName, typeName, setDesc, typeDesc string, columns ...string) *EntitySet {
	et := &EntityType{Name: typeName, Description: typeDesc, Table: t,
		props: map[string]*Property{}, navs: map[string]*NavProperty{}}
	if len(columns) == 0 {
		for _, c := range t.Columns {
			if !c.Internal {
				columns = append(columns, c.Name)
			}
		}
	} else {
		columns = append([]string{"id", "tenantId", "source", "sourceId"}, columns...)
	}
	for _, n := range columns {
		c := t.byName[n]
		if c == nil {
			b.fail("type %s: table %s has no column %s", typeName, t.Name, n)
			continue
		}
		et.Properties = append(et.Properties, c)
		et.props[n] = c
	}
	et.Key = et.props["id"]
	s := &EntitySet{Name: setName, Description: setDesc, Type: et}
	if b.m.sets[setName] != nil || b.m.types[typeName] != nil {
		b.fail("set %s or type %s declared twice", setName, typeName)
	}
	b.m.Sets = append(b.m.Sets, s)
	b.m.Types = append(b.m.Types, et)
	b.m.sets[setName] = s
	b.m.types[typeName] = et
	return s
}

// slice restricts set s to rows whose column holds one of values.
func (b *builder) slice(s *EntitySet, column string, values ...string) {
	c := s.Type.Table.byName[column]
	if c == nil {
		b.fail("slice of %s: no column %s", s.Name, column)
		return
	}
	s.Slice = &Slice{Column: c, Values: values}
}

// one declares a single-valued navigation from set `from` to set `to` through
// the foreign key column fkName of `from`.
func (b *builder) one(from, name, to, fkName, desc string) {
	b.nav(from, name, to, fkName, "id", false, desc)
}

// many declares a collection navigation from set `from` to the rows of set
// `to` whose column fkName holds this entity's key.
func (b *builder) many(from, name, to, fkName, desc string) {
	b.nav(from, name, to, "id", fkName, true, desc)
}

func (b *builder) nav(from, name, to, srcName, tgtName string, coll bool, desc string) {
	fs, ts := b.m.sets[from], b.m.sets[to]
	if fs == nil || ts == nil {
		b.fail("navigation %s.%s: unknown set %s or %s", from, name, from, to)
		return
	}
	src, tgt := fs.Type.props[srcName], ts.Type.props[tgtName]
	if src == nil || tgt == nil {
		b.fail("navigation %s.%s: %s.%s or %s.%s missing", from, name, from, srcName, to, tgtName)
		return
	}
	if fs.Type.navs[name] != nil || fs.Type.props[name] != nil {
		b.fail("navigation %s.%s clashes with another member", from, name)
		return
	}
	n := &NavProperty{Name: name, Description: desc, Target: ts, Collection: coll,
		SourceProp: src, TargetProp: tgt, owner: fs.Type}
	fs.Type.Navigations = append(fs.Type.Navigations, n)
	fs.Type.navs[name] = n
}

// pairPartners links each single-valued navigation with the collection that
// walks the same foreign key back, when both exist between the same types.
func (b *builder) pairPartners() {
	for _, t := range b.m.Types {
		for _, n := range t.Navigations {
			if n.Collection || n.Partner != nil {
				continue
			}
			for _, back := range n.Target.Type.Navigations {
				if back.Collection && back.Partner == nil && back.Target.Type == t &&
					back.TargetProp == n.SourceProp && back.SourceProp == n.TargetProp {
					n.Partner, back.Partner = back, n
					break
				}
			}
		}
	}
}

// PersonSets are the sets whose rows are people derived from the mentions
// of every source (see loaders.Batch.Agent and Customer).
var PersonSets = []string{"Agents", "Customers"}

// MentionColumn names the internal column that keeps, beside a foreign key
// to a person, which mention of that person the source named.
func MentionColumn(fk string) string { return "ref_" + fk }

// personRefs gives every foreign key to a person its internal mention
// column, and indexes the pair: the store moves rows between people by
// (foreign key, mention), and that lookup must not scan the table.
func (b *builder) personRefs() {
	people := map[*Table]bool{}
	for _, n := range PersonSets {
		if s := b.m.sets[n]; s != nil {
			people[s.Type.Table] = true
		}
	}
	for _, et := range b.m.Types {
		for _, n := range et.Navigations {
			if n.Collection || !people[n.Target.Type.Table] || n.SourceProp.Ref != nil {
				continue
			}
			fk := n.SourceProp
			t := fk.table
			ref := &Property{Name: MentionColumn(fk.Name), Type: Int64, Nullable: true, Internal: true,
				Description: "Which mention of the person " + fk.Name + " the source named (internal)."}
			if t.byName[ref.Name] != nil {
				b.fail("table %s: column %s declared twice", t.Name, ref.Name)
				continue
			}
			ref.table, ref.index = t, len(t.Columns)
			t.Columns = append(t.Columns, ref)
			t.byName[ref.Name] = ref
			fk.Ref = ref
		}
	}
}

// ModifiedColumn is the property that says when a fact row's values last
// changed, for incremental refresh ("detect data changes").
const ModifiedColumn = "modifiedAtUTC"

// modifiedTimes gives every fact table (one that no lookup or admin set
// reads) a modifiedAtUTC, and every type over it the property.
func (b *builder) modifiedTimes() {
	facts := map[*Table]bool{}
	for _, t := range b.m.Tables {
		facts[t] = true
	}
	for _, s := range b.m.Sets {
		if s.Lookup || s.AdminOnly {
			facts[s.Type.Table] = false
		}
	}
	for _, t := range b.m.Tables {
		if !facts[t] {
			continue
		}
		p := &Property{Name: ModifiedColumn, Type: DateTimeOffset, Nullable: true, LoadTime: true,
			Description: "When ccfeed last stored a change to this row's values: set when the row is first loaded and whenever a load (or another source's data) changes any of its values; a load that changes nothing leaves it. For incremental refresh's \"detect data changes\". In UTC."}
		p.table, p.index = t, len(t.Columns)
		t.Columns = append(t.Columns, p)
		t.byName[p.Name] = p
		for _, et := range b.m.Types {
			if et.Table == t {
				et.Properties = append(et.Properties, p)
				et.props[p.Name] = p
			}
		}
	}
}

func (b *builder) build() (*Model, error) {
	b.modifiedTimes()
	b.pairPartners()
	b.personRefs()
	b.businessUnits()
	b.chooseIndexes()
	if len(b.errs) > 0 {
		return nil, fmt.Errorf("edm: invalid model:\n  %s", strings.Join(b.errs, "\n  "))
	}
	return b.m, nil
}
