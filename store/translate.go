package store

import (
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/query"
)

// scope is the row filter of one request: the tenants (and business units)
// the principal may read. It is applied by scopeOf to every table reference
// the translator emits (the base table, every join, every subquery), so no
// query shape can reach another tenant's rows.
type scope struct {
	tenants       []string
	businessUnits []string
	// moved is set while some of the tenants have moves of fact rows
	// between people not yet drained (see moves.go): foreign keys to
	// people are then read through them (col).
	moved bool
}

// translator turns bound trees into SQL for one statement.
type translator struct {
	d     Dialect
	scope *scope
	n     int
	// blocks maps a range variable to the query block it lives in.
	blocks map[int]*block
	// dynAlias is the subquery whose columns a $apply pipeline's dynamic
	// properties are read from.
	dynAlias string
	// scan makes the statement's filter block read its table rather than
	// an index (scan.go); filterAlias is that block's alias once built.
	scan        bool
	filterAlias string
}

// block is one SELECT: a base table and the LEFT JOINs that single-valued
// navigation paths need.
type block struct {
	alias string
	set   *edm.EntitySet
	// scan: read the table rather than an index (scan.go).
	scan  bool
	joins []joinSpec
	byKey map[string]string
}

type joinSpec struct {
	alias     string
	nav       *edm.NavProperty
	fromAlias string
}

func newTranslator(d Dialect, s *scope) *translator {
	return &translator{d: d, scope: s, blocks: map[int]*block{}}
}

func (t *translator) newAlias() string {
	t.n++
	return fmt.Sprintf("t%d", t.n)
}

// filterBlock marks b as the block holding the statement's filter.
func (t *translator) filterBlock(b *block) {
	b.scan, t.filterAlias = t.scan, b.alias
}

// newBlock opens a block for v over set.
func (t *translator) newBlock(v *query.Var, set *edm.EntitySet) *block {
	b := &block{alias: t.newAlias(), set: set, byKey: map[string]string{}}
	if v != nil {
		t.blocks[v.ID] = b
	}
	return b
}

func (t *translator) col(alias string, p *edm.Property) string {
	if p.Ref != nil && t.scope.moved {
		return movedColumn(t.d.Quote, alias, p.Column(), p.Ref.Column())
	}
	return alias + "." + t.d.Quote(p.Column())
}

// scopeOf is the one place that restricts a table reference to what the
// principal may see: its tenants, the set's slice (Calls are the voice rows of
// Conversations) and, when the principal is narrowed, its business units.
func (t *translator) scopeOf(alias string, set *edm.EntitySet) Fragment {
	tbl := set.Type.Table
	var parts []Fragment
	if len(t.scope.tenants) == 0 {
		parts = append(parts, F("0"))
	} else {
		parts = append(parts, inList(alias+"."+t.d.Quote("tenantId"), t.scope.tenants))
	}
	if set.Slice != nil {
		parts = append(parts, inList(t.col(alias, set.Slice.Column), set.Slice.Values))
	}
	if len(t.scope.businessUnits) > 0 {
		if f, ok := t.businessUnitScope(alias, tbl); ok {
			parts = append(parts, f)
		}
	}
	return Join(" AND ", parts...)
}

// businessUnitScope narrows rows to the principal's business units by the
// table's business unit column (edm.Table.BusinessUnit): its own, or the
// copy of its conversation's or workitem's (a message of another unit's
// conversation is that unit's). Lookup and agent rows carry no business
// unit and are not narrowed.
func (t *translator) businessUnitScope(alias string, tbl *edm.Table) (Fragment, bool) {
	if tbl.BusinessUnit == nil {
		return Fragment{}, false
	}
	return inList(t.col(alias, tbl.BusinessUnit), t.scope.businessUnits), true
}

func inList(expr string, values []string) Fragment {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return Fragment{SQL: expr + " IN (" + placeholders(len(values)) + ")", Args: args}
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// from renders a block's FROM clause with its joins; each join carries the
// scope of its table in its ON clause.
func (t *translator) from(b *block) Fragment {
	var sb sqlBuilder
	sb.write(t.d.Quote(b.set.Type.Table.Name), " AS ", b.alias)
	if b.scan {
		sb.write(t.d.TableScan())
	}
	for _, j := range b.joins {
		tgt := j.nav.Target
		sb.write(" LEFT JOIN ", t.d.Quote(tgt.Type.Table.Name), " AS ", j.alias, " ON ",
			t.col(j.alias, j.nav.TargetProp), " = ", t.col(j.fromAlias, j.nav.SourceProp), " AND ")
		sb.add(t.scopeOf(j.alias, tgt))
	}
	return sb.fragment()
}

// pathAlias returns the alias of the entity reached from v through navs,
// adding LEFT JOINs to v's block as needed.
func (t *translator) pathAlias(v *query.Var, navs []*edm.NavProperty) (string, error) {
	b := t.blocks[v.ID]
	if b == nil {
		return "", fmt.Errorf("store: variable %s has no query block", v.Name)
	}
	alias := b.alias
	key := ""
	for _, n := range navs {
		key += "/" + n.Name
		if a, ok := b.byKey[key]; ok {
			alias = a
			continue
		}
		a := t.newAlias()
		b.joins = append(b.joins, joinSpec{alias: a, nav: n, fromAlias: alias})
		b.byKey[key] = a
		alias = a
	}
	return alias, nil
}
