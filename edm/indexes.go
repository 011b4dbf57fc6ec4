package edm

import "strings"

// Index is one secondary index of a table. The model chooses them, each for
// a kind of question (see chooseIndexes), because every index costs every
// insert of a load: an index nobody's question needs is a loss.
type Index struct {
	// Name is the SQL name: ix_<table>_<columns after tenantId>.
	Name string
	// Columns lead with tenantId: every query carries the tenant condition.
	Columns []*Property
	// Rows marks the index that lists a tenant's rows (of one slice) in
	// storage order: the row id is every index's hidden last column, so
	// (tenantId[, slice]) reads rows in row-id order, which is the order of
	// pages that ask for none (see RowID).
	Rows bool
	// Why names the questions the index is for.
	Why string
	// NotNull, when set, leaves out the rows whose column is NULL (a
	// partial index). Every question that seeks the index names a value
	// of the column (a foreign key, a business unit, a queue), which
	// implies it is not NULL; and a load whose rows leave it empty (a
	// two-way report has no queue, no business unit, and no agent on a
	// customer's message) then skips the index.
	NotNull *Property
	kept    bool
}

// Copy marks an internal column that the store keeps equal to From of the
// row that Via points to (Messages.ownerBusinessUnitId holds the business
// unit of the message's conversation). It lets a business-unit token's
// condition read a column of the row itself, so the condition sits in an
// index instead of costing a lookup of the owner per row.
type Copy struct {
	Via  *Property // the foreign key in this table
	From *Property // the owner's column
}

// OwnerBusinessUnitColumn is the internal column that holds, on rows that
// belong to a conversation or a workitem, the owner's business unit.
const OwnerBusinessUnitColumn = "ownerBusinessUnitId"

// RowIDColumn is the stable row id of every table (see Table.RowID).
const RowIDColumn = "rid"

// cover declares an index named ix_<table>_<name> for a table's common
// questions beyond the ones the rules derive (see chooseIndexes), by column
// names after tenantId. Names may include columns added at build time
// (ownerBusinessUnitId).
func (b *builder) cover(t *Table, name, why string, columns ...string) {
	b.covers = append(b.covers, coverDecl{t, name, why, columns, false})
}

// coverSet is cover for an index that serves only questions naming a
// value of its first column: rows without one are left out (Index.NotNull).
func (b *builder) coverSet(t *Table, name, why string, columns ...string) {
	b.covers = append(b.covers, coverDecl{t, name, why, columns, true})
}

type coverDecl struct {
	t         *Table
	name, why string
	columns   []string
	partial   bool
}

// businessUnits decides which column narrows each table's rows for a token
// limited to business units: its own businessUnitId, or for rows that
// belong to a conversation or a workitem (a message of another unit's
// conversation is that unit's), an internal copy of the owner's. Other
// tables (lookups, agents) are not narrowed.
func (b *builder) businessUnits() {
	for _, t := range b.m.Tables {
		if bu := t.byName["businessUnitId"]; bu != nil {
			t.BusinessUnit = bu
		}
	}
	owners := []struct{ fk, table string }{
		{"conversationId", "Conversations"}, {"primaryConversationId", "Conversations"}, {"workitemId", "Workitems"},
	}
	for _, t := range b.m.Tables {
		if t.BusinessUnit != nil {
			continue
		}
		for _, o := range owners {
			via := t.byName[o.fk]
			owner := b.tableNamed(o.table)
			if via == nil || owner == nil || owner.BusinessUnit == nil || owner.BusinessUnit.Copy != nil {
				continue
			}
			p := &Property{Name: OwnerBusinessUnitColumn, Type: String, Nullable: true, Internal: true,
				Copy:        &Copy{Via: via, From: owner.BusinessUnit},
				Description: "Business unit of the row's " + strings.TrimSuffix(o.fk, "Id") + " (internal, kept by the store)."}
			if t.byName[p.Name] != nil {
				b.fail("table %s: column %s declared twice", t.Name, p.Name)
				break
			}
			p.table, p.index = t, len(t.Columns)
			t.Columns = append(t.Columns, p)
			t.byName[p.Name] = p
			t.BusinessUnit = p
			break
		}
	}
}

func (b *builder) tableNamed(name string) *Table {
	for _, t := range b.m.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// mainTime is the table's first UTC timestamp: the one BI tools filter by
// date range (incremental refresh sends ge/lt on it).
func mainTime(t *Table) *Property {
	for _, c := range t.Columns {
		if c.Type == DateTimeOffset && c.UTC == nil && !c.LoadTime && c.Name != "deletedAtUTC" {
			return c
		}
	}
	return nil
}

// chooseIndexes derives each table's indexes from the model, in this order:
//
//   - rows: (tenantId[, slice]), the tenant's rows of one slice in storage
//     order, which unordered pages and exports walk (the slice column is
//     Conversations.mediaType: Chats are a slice, and a slice's pages must
//     not read the other slices' rows);
//   - time: (tenantId[, slice], main time), date-range filters and counts;
//   - business unit: (tenantId, unit[, slice][, main time]), so that a
//     token limited to business units reads ranges of an index rather than
//     testing every row of the tenant, with or without a date range;
//   - declared (cover): covering indexes for common aggregations and
//     filters, declared beside the sets;
//   - foreign keys: (tenantId, key[, mention]) for every key a collection
//     navigation walks (/Queues(k)/QueueSegments, $expand, any/all), every
//     key to a person (moves find rows by key and mention), and every key
//     a Copy follows (the store updates copies by it).
//
// An index whose columns begin another's is dropped (the longer one serves
// its lookups), except the rows index, whose order the longer ones lack.
func (b *builder) chooseIndexes() {
	for _, t := range b.m.Tables {
		tenant := t.byName["tenantId"]
		if tenant == nil {
			continue
		}
		t.RowID = &Property{Name: RowIDColumn, Type: Int64, Internal: true, table: t, index: -1,
			Description: "Stable row id (internal): the storage order of the table."}
		var slice *Property
		for _, s := range b.m.Sets {
			if s.Type.Table == t && s.Slice != nil {
				slice = s.Slice.Column
			}
		}
		t.Slice = slice
		lead := []*Property{tenant}
		if slice != nil {
			lead = append(lead, slice)
		}
		var cands []*Index
		add := func(why string, rows bool, cols ...*Property) *Index {
			x := &Index{Columns: cols, Rows: rows, Why: why}
			cands = append(cands, x)
			return x
		}
		add("unordered pages and exports in storage order", true, lead...)
		// A sliced table needs each of these twice: led by the slice for
		// the slices (Chats), and without it for the whole set
		// (Conversations), since SQLite cannot skip over a column that
		// follows an equality (tenantId) to reach the time.
		main := mainTime(t)
		if main != nil {
			add("date-range filters and counts", false, append(clone(lead), main)...)
			if slice != nil {
				add("date-range filters and counts of the whole set", false, tenant, main)
			}
		}
		if bu := t.BusinessUnit; bu != nil {
			cols := []*Property{tenant, bu}
			if slice != nil {
				cols = append(cols, slice)
			}
			if main != nil {
				cols = append(cols, main)
			}
			add("business-unit tokens, with or without a date range", false, cols...).NotNull = bu
			if slice != nil && main != nil {
				add("business-unit tokens on the whole set", false, tenant, bu, main).NotNull = bu
			}
		}
		for _, d := range b.covers {
			if d.t != t {
				continue
			}
			cols := []*Property{tenant}
			for _, n := range d.columns {
				c := t.byName[n]
				if c == nil {
					b.fail("index on %s: no column %s", t.Name, n)
					continue
				}
				cols = append(cols, c)
			}
			x := add(d.why, false, cols...)
			x.Name = "ix_" + t.Name + "_" + d.name
			if d.partial && len(cols) > 1 {
				x.NotNull = cols[1]
			}
		}
		fks := map[*Property]string{}
		for _, et := range b.m.Types {
			for _, n := range et.Navigations {
				if n.Collection && n.TargetProp.table == t {
					fks[n.TargetProp] = "navigation from " + n.Owner().Name + " (" + n.Name + ")"
				}
			}
		}
		for _, c := range t.Columns {
			if c.Ref != nil {
				fks[c] = "moves of rows between people"
			}
			if c.Copy != nil {
				fks[c.Copy.Via] = "keeping " + c.Name + " equal to its owner's"
			}
		}
		for _, c := range t.Columns {
			why, ok := fks[c]
			if !ok {
				continue
			}
			cols := []*Property{tenant, c}
			if c.Ref != nil {
				cols = append(cols, c.Ref)
			}
			if x := add(why, false, cols...); c.Nullable {
				x.NotNull = c
			}
		}
		t.Indexes = nil
		for i, x := range cands {
			if !x.Rows && (coveredBy(x, cands[:i]) || coveredBy(x, cands[i+1:])) {
				continue
			}
			if x.Name == "" {
				x.Name = indexName(t, x)
			}
			x.kept = true
			t.Indexes = append(t.Indexes, x)
		}
	}
}

// coveredBy reports whether some index in others (not a rows index) starts
// with x's columns; of two equal ones, the first is kept.
func coveredBy(x *Index, others []*Index) bool {
	for _, o := range others {
		// A partial index serves fewer questions than a whole one.
		if o.Rows || len(o.Columns) < len(x.Columns) || o.NotNull != nil && o.NotNull != x.NotNull {
			continue
		}
		same := true
		for i, c := range x.Columns {
			if o.Columns[i] != c {
				same = false
				break
			}
		}
		if same && (len(o.Columns) > len(x.Columns) || o.kept) {
			return true
		}
	}
	return false
}

// indexName keeps the names older versions gave: ix_<table>_<column> for a
// foreign key or time (a person key's mention column is not in the name).
func indexName(t *Table, x *Index) string {
	if x.Rows {
		return "ix_" + t.Name + "_rows"
	}
	var parts []string
	for _, c := range x.Columns[1:] {
		if c.Internal && c.Copy == nil {
			continue // the mention column of a person key
		}
		parts = append(parts, c.Name)
	}
	return "ix_" + t.Name + "_" + strings.Join(parts, "_")
}

func clone(ps []*Property) []*Property { return append([]*Property(nil), ps...) }
