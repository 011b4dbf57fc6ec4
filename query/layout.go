package query

import (
	"github.com/ccfeed/ccfeed/edm"
)

// Column is one value of a result row, in the order the store returns them.
type Column struct {
	// Name is the output name: a property or a computed alias.
	Name string
	Kind edm.Kind
	// Prop is set when the value is read from a property's column. For a
	// tenant-local timestamp the value is its local text.
	Prop *edm.Property
	// X is set for computed values and for hidden order keys.
	X Bound
	// Hidden values serve paging and expansion and are not written.
	Hidden bool
}

// Layout is the row layout of a shape: the selected values, then hidden
// values for paging (the order keys and the key) and for expansion (the
// columns that related rows are matched on).
type Layout struct {
	Cols []Column
	// Key is the index of the entity key.
	Key int
	// Order lists the keyset: the indexes of the order keys and, last, the
	// row id (edm.Table.RowID), with their directions. A page resumes after
	// these values.
	Order []int
	Desc  []bool
	// ExpandSrc[i] is the index of the value Shape.Expand[i] joins on.
	ExpandSrc []int
}

// Page says which slice of the ordered rows to read.
type Page struct {
	// After holds the keyset values of the last row already sent (in
	// Layout.Order order); nil for the first page.
	After []any
	// Skip rows before the first one returned ($skip, first page only).
	Skip int64
	// Limit is the most rows to return.
	Limit int
}

// NewLayout computes the layout of s.
func NewLayout(s *Shape) *Layout {
	l := &Layout{Key: -1}
	key := s.Set.Type.Key
	for _, p := range s.Select.Props {
		if p == key {
			l.Key = len(l.Cols)
		}
		l.Cols = append(l.Cols, Column{Name: p.Name, Kind: p.Type, Prop: p})
	}
	for _, c := range s.Select.Computed {
		l.Cols = append(l.Cols, Column{Name: c.Name, Kind: c.X.Type().Kind, X: c.X})
	}
	if l.Key < 0 {
		l.Key = len(l.Cols)
		l.Cols = append(l.Cols, Column{Name: key.Name, Kind: key.Type, Prop: key, Hidden: true})
	}
	for _, o := range s.OrderBy {
		l.Order = append(l.Order, len(l.Cols))
		l.Desc = append(l.Desc, o.Desc)
		l.Cols = append(l.Cols, Column{Kind: o.X.Type().Kind, X: o.X, Hidden: true})
	}
	// The keyset ends with the row id: unique in the table, kept by a row
	// for its whole life, and the storage order, which SQLite reads
	// without sorting (a tenant's rows index, or the table itself). Pages
	// that ask for no order come in this order: an export reads the table
	// front to back rather than hopping through it in key order.
	rid := s.Set.Type.Table.RowID
	l.Order = append(l.Order, len(l.Cols))
	l.Desc = append(l.Desc, false)
	l.Cols = append(l.Cols, Column{Name: rid.Name, Kind: rid.Type, Prop: rid, Hidden: true})
	for _, e := range s.Expand {
		src := e.Nav.SourceProp
		idx := -1
		for i, c := range l.Cols {
			if c.Prop == src && c.X == nil {
				idx = i
				break
			}
		}
		if idx < 0 {
			idx = len(l.Cols)
			l.Cols = append(l.Cols, Column{Name: src.Name, Kind: src.Type, Prop: src, Hidden: true})
		}
		l.ExpandSrc = append(l.ExpandSrc, idx)
	}
	return l
}

// RowFunc receives one row in layout order. The slice is reused for the next
// row: copy what must outlive the call.
type RowFunc func(row []any) error
