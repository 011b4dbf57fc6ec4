package server

import (
	"context"
	"slices"
	"strconv"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/internal/jsonw"
	"github.com/ccfeed/ccfeed/query"
)

// Expansion limits. A page that expands navigations is read whole before it
// is written (the related rows of every parent come from one query per
// navigation and level), so its size is bounded here rather than by the
// stream.
const (
	// DefaultMaxExpanded is the default of Config.MaxExpanded.
	DefaultMaxExpanded = 50_000
	// ExpandPageSize is the page size of a request that expands a
	// collection-valued navigation (single-valued expansions keep the
	// normal page size: they add at most one entity per row).
	ExpandPageSize = 500
)

// expansion holds the related rows of one expanded navigation for a batch of
// parent rows.
type expansion struct {
	e *query.Expand
	// src is the index of the parent's join value in the parent layout.
	src int
	lay *query.Layout
	// rows are the related rows; groups maps a join value to the indexes
	// of its rows, in order.
	rows   [][]any
	groups map[any][]int
	// counts is set for Nav@odata.count and Nav/$count.
	counts map[any]int64
	nested []*expansion
}

// expandsCollection reports whether any expansion, at any depth, reads a
// collection-valued navigation.
func expandsCollection(exps []*query.Expand) bool {
	for _, e := range exps {
		if (e.Nav.Collection && !e.CountOnly) || expandsCollection(e.Expand) {
			return true
		}
	}
	return false
}

// distinctValues lists the distinct non-null values of column i.
func distinctValues(rows [][]any, i int) []any {
	seen := make(map[any]bool, len(rows))
	var out []any
	for _, r := range rows {
		v := r[i]
		if v == nil || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

func tooManyExpanded(limit int) error {
	return &ccfeed.Error{Code: ccfeed.ELIMIT, Target: "$expand",
		Message: "the expansion would return more than " + strconv.Itoa(limit) +
			" related entities in one response; add $top or $filter inside $expand, or ask for smaller pages with Prefer: odata.maxpagesize"}
}

// readExpansions reads every expansion of exps for the parent rows, one query
// per navigation and level, and recurses into nested expansions. budget
// counts down the related entities still allowed.
func (s *Server) readExpansions(ctx context.Context, p *ccfeed.Principal, exps []*query.Expand, parentLay *query.Layout, parents [][]any, budget *int) ([]*expansion, error) {
	out := make([]*expansion, len(exps))
	for i, e := range exps {
		x := &expansion{e: e, src: parentLay.ExpandSrc[i]}
		out[i] = x
		vals := distinctValues(parents, x.src)
		if e.CountOnly || e.Count {
			counts, err := s.store.CountExpand(ctx, p, e, vals)
			if err != nil {
				return nil, err
			}
			x.counts = counts
		}
		if e.CountOnly {
			continue
		}
		x.lay = query.NewLayout(&e.Shape)
		x.groups = map[any][]int{}
		err := s.store.ReadExpand(ctx, p, e, x.lay, vals, func(join any, row []any) error {
			if *budget--; *budget < 0 {
				return tooManyExpanded(s.cfg.MaxExpanded)
			}
			x.groups[join] = append(x.groups[join], len(x.rows))
			x.rows = append(x.rows, slices.Clone(row))
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(e.Expand) > 0 && len(x.rows) > 0 {
			if x.nested, err = s.readExpansions(ctx, p, e.Expand, x.lay, x.rows, budget); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// appendExpanded appends the expanded members of the entity whose row is
// row: "Nav":{...}|null, "Nav":[...], "Nav@odata.count":n.
func (s *Server) appendExpanded(b []byte, req *request, exps []*expansion, row []any) []byte {
	for i, x := range exps {
		if i > 0 {
			b = append(b, ',')
		}
		join := row[x.src]
		name := x.e.Nav.Name
		if x.counts != nil {
			b = append(b, '"')
			b = append(b, name...)
			b = append(b, `@odata.count":`...)
			b = strconv.AppendInt(b, x.counts[join], 10)
			if x.e.CountOnly {
				continue
			}
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		var idx []int
		if join != nil {
			idx = x.groups[join]
		}
		if !x.e.Nav.Collection {
			if len(idx) == 0 {
				b = append(b, "null"...)
				continue
			}
			b = s.appendRelated(b, req, x, x.rows[idx[0]])
			continue
		}
		b = append(b, '[')
		for j, k := range idx {
			if j > 0 {
				b = append(b, ',')
			}
			b = s.appendRelated(b, req, x, x.rows[k])
		}
		b = append(b, ']')
	}
	return b
}

// appendRelated appends one related entity (or its reference for Nav/$ref).
func (s *Server) appendRelated(b []byte, req *request, x *expansion, row []any) []byte {
	set := x.e.Set
	if x.e.Ref {
		key, _ := row[x.lay.Key].(string)
		b = append(b, `{"@odata.id":`...)
		b = jsonw.AppendString(b, req.root+set.Name+"("+keyLiteral(key)+")")
		return append(b, '}')
	}
	enc := &encoder{f: req.f, root: req.root, set: set, lay: x.lay, omitNulls: req.prefs.omitNulls}
	var extra func([]byte) []byte
	if len(x.nested) > 0 {
		extra = func(b []byte) []byte { return s.appendExpanded(b, req, x.nested, row) }
	}
	return enc.appendEntity(b, row, "", extra)
}
