package edm

import (
	"sort"
	"strings"
)

// Naming rule (applied to every name in the model, written down in README):
// property names are lowerCamelCase and follow Buzzeasy's feed; where Buzzeasy
// spells one word two ways the majority spelling wins, so identifiers end in
// "Id" (never "ID") and UTC timestamps end in "UTC" (never "Utc"). Navigation
// properties, entity sets and types are UpperCamelCase. A UTC timestamp's
// tenant-local twin drops the suffix: startedAtUTC and startedAt.

// Property is one structural property of an entity type and one column of
// its table.
type Property struct {
	Name        string
	Type        Kind
	Nullable    bool
	Description string
	// UTC is set on a tenant-local timestamp: the UTC property that holds the
	// same instant. The local column stores the local text with its offset;
	// comparisons and ordering use the UTC column's instant.
	UTC *Property
	// Local is set on a UTC timestamp that has a tenant-local twin.
	Local *Property
	// Searchable columns are indexed for $search (full text).
	Searchable bool
	// Internal columns are stored but never served: no entity type has
	// them and $metadata does not name them.
	Internal bool
	// LoadTime is set on modifiedAtUTC: the store writes it, with the time
	// of the write transaction, when a row is inserted or any other value
	// of it changes; loaders never set it.
	LoadTime bool
	// Ref is set on a foreign key to a person (Agents, Customers): the
	// internal column that holds which mention of the person the source
	// named (see README, "How sources merge"). The foreign key holds the
	// person that mention belongs to now; when people merge or split, the
	// store moves a row's foreign key by its mention, never by guessing.
	Ref *Property
	// Copy is set on an internal column the store keeps equal to a column
	// of the row a foreign key points to (see Copy).
	Copy *Copy
	// table is the table that stores the property; index its position there.
	table *Table
	index int
}

// Table returns the storage table of the property.
func (p *Property) Table() *Table { return p.table }

// Column is the SQL column name. It equals the property name: one name
// everywhere keeps hand-written SQL against the store readable.
func (p *Property) Column() string { return p.Name }

// Table is one SQLite table. Several entity types may share a table: the
// Calls, Chats and Emails sets are slices of the Conversations table.
type Table struct {
	Name    string
	Columns []*Property
	// Indexes are the secondary indexes the model chooses (indexes.go);
	// the store adds the unique key index (tenantId, id).
	Indexes []*Index
	// RowID is the stable row id, internal and not one of Columns: the
	// store's storage order, which pages follow when the request asks for
	// no order. It never changes while the row lives (updates keep it, and
	// it is declared, so VACUUM does not renumber it); new rows get higher
	// ids than any before.
	RowID *Property
	// BusinessUnit is the column a token limited to business units is
	// checked against (businessUnitId, or an internal Copy of the
	// owner's); nil when such tokens see every row.
	BusinessUnit *Property
	// Slice is the column sets over this table slice it on, if any
	// (Conversations.mediaType).
	Slice  *Property
	byName map[string]*Property
}

// Column returns the named column or nil.
func (t *Table) Column(name string) *Property { return t.byName[name] }

// Index returns the position of the named column in Columns, or -1.
func (t *Table) Index(name string) int {
	if p := t.byName[name]; p != nil {
		return p.index
	}
	return -1
}

// SearchColumns returns the columns indexed for full-text search.
func (t *Table) SearchColumns() []*Property {
	var out []*Property
	for _, c := range t.Columns {
		if c.Searchable {
			out = append(out, c)
		}
	}
	return out
}

// EntityType is a structured type with a key.
type EntityType struct {
	Name        string
	Description string
	Table       *Table
	Key         *Property
	Properties  []*Property
	Navigations []*NavProperty
	props       map[string]*Property
	navs        map[string]*NavProperty
}

// Property returns the structural property with this exact name, or nil.
func (t *EntityType) Property(name string) *Property { return t.props[name] }

// Navigation returns the navigation property with this exact name, or nil.
func (t *EntityType) Navigation(name string) *NavProperty { return t.navs[name] }

// MemberNames lists every property and navigation name, for suggestions.
func (t *EntityType) MemberNames() []string {
	out := make([]string, 0, len(t.Properties)+len(t.Navigations))
	for _, p := range t.Properties {
		out = append(out, p.Name)
	}
	for _, n := range t.Navigations {
		out = append(out, n.Name)
	}
	return out
}

// NavProperty relates an entity to one (Collection false) or many entities
// of Target. The relation is always an equality of two columns:
// target.TargetProp = source.SourceProp. For a single-valued navigation the
// source property is the foreign key (Workitem.agentId -> Agents.id); for a
// collection it is the key, matched by the target's foreign key
// (Conversation.id <- Messages.conversationId).
type NavProperty struct {
	Name        string
	Description string
	Target      *EntitySet
	Collection  bool
	SourceProp  *Property
	TargetProp  *Property
	Partner     *NavProperty
	owner       *EntityType
}

// Owner is the entity type that declares the navigation.
func (n *NavProperty) Owner() *EntityType { return n.owner }

// Slice restricts a set to the rows of a shared table whose Column holds one
// of Values.
type Slice struct {
	Column *Property
	Values []string
}

// EntitySet is an addressable collection: /odata/<Name>.
type EntitySet struct {
	Name        string
	Description string
	Type        *EntityType
	Slice       *Slice
	// AdminOnly sets are hidden from tokens without the admin scope.
	AdminOnly bool
	// Lookup sets hold reference data (names for ids) rather than facts.
	Lookup bool
}

// Searchable reports whether $search applies to this set.
func (s *EntitySet) Searchable() bool { return len(s.Type.Table.SearchColumns()) > 0 }

// Model is the whole merged model.
type Model struct {
	Namespace string
	Container string
	Sets      []*EntitySet
	Types     []*EntityType
	Tables    []*Table
	sets      map[string]*EntitySet
	types     map[string]*EntityType
}

// Set returns the entity set with this exact name, or nil.
func (m *Model) Set(name string) *EntitySet { return m.sets[name] }

// Type returns the entity type with this unqualified or qualified name.
func (m *Model) Type(name string) *EntityType {
	name = strings.TrimPrefix(name, m.Namespace+".")
	return m.types[name]
}

// SetNames lists the set names, sorted, for suggestions.
func (m *Model) SetNames() []string {
	out := make([]string, 0, len(m.Sets))
	for _, s := range m.Sets {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

// SetOfType returns the entity set whose type is t (each type has one set).
func (m *Model) SetOfType(t *EntityType) *EntitySet {
	for _, s := range m.Sets {
		if s.Type == t {
			return s
		}
	}
	return nil
}

// Nearest returns the candidate closest to name (edit distance, ignoring
// case), or "" when nothing is close enough to be a plausible typo.
func Nearest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	ln := strings.ToLower(name)
	for _, c := range candidates {
		d := editDistance(ln, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	// Allow roughly one edit per three characters: "nmae" -> "name", but
	// not "x" -> "id".
	if bestD > 0 && bestD <= max(1, len(name)/3) {
		return best
	}
	if bestD == 0 {
		return best
	}
	return ""
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of two neighbours each cost one, so the
// commonest typo ("nmae" for "name") is one edit away.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
