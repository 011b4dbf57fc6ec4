package server

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/jsonw"
	"github.com/ccfeed/ccfeed/query"
)

// A $apply result pages by position: aggregated rows have no key to resume
// after, and the pipeline orders them totally (its own ordering, then every
// output column), so "the rows after the first n" is the same set on every
// page. The cursor keeps n, sealed and bound to the query and the caller like
// a keyset cursor.

// ApplyPageSize is the default page size of an aggregated $apply result.
const ApplyPageSize = 100_000

// outNode is one member of an aggregated row: a value (col >= 0), or an
// object of members for a grouping path through navigation
// ({"Queue":{"name":"Sales"}}).
type outNode struct {
	name     string
	col      int
	kind     edm.Kind
	children []*outNode
}

// outTree arranges the output properties by their paths.
func outTree(out []*query.DynProp) []*outNode {
	var roots []*outNode
	for i, p := range out {
		level := &roots
		for j, seg := range p.Path {
			var n *outNode
			for _, c := range *level {
				if c.name == seg && c.col < 0 {
					n = c
				}
			}
			if j == len(p.Path)-1 {
				*level = append(*level, &outNode{name: seg, col: i, kind: p.Kind})
				break
			}
			if n == nil {
				n = &outNode{name: seg, col: -1}
				*level = append(*level, n)
			}
			level = &n.children
		}
	}
	return roots
}

// contextList is the select list of an aggregated result for the context
// URL: Set(channelId,Queue(name),n).
func contextList(nodes []*outNode) string {
	items := make([]string, len(nodes))
	for i, n := range nodes {
		items[i] = n.name
		if n.col < 0 {
			items[i] += contextList(n.children)
		}
	}
	return "(" + strings.Join(items, ",") + ")"
}

func (e *encoder) appendNodes(b []byte, nodes []*outNode, row []any) []byte {
	b = append(b, '{')
	if e.f.metadata == "full" {
		// Aggregated rows are transient: they have no identity.
		b = append(b, `"@odata.id":null`...)
		if len(nodes) > 0 {
			b = append(b, ',')
		}
	}
	for i, n := range nodes {
		if i > 0 {
			b = append(b, ',')
		}
		v := any(nil)
		if n.col >= 0 {
			v = row[n.col]
		}
		if n.col >= 0 && e.f.metadata == "full" && v != nil && !n.kind.JSONNative() {
			b = append(b, '"')
			b = append(b, n.name...)
			b = append(b, `@odata.type":"#`...)
			b = append(b, n.kind.String()[len("Edm."):]...)
			b = append(b, `",`...)
		}
		b = append(b, '"')
		b = append(b, n.name...)
		b = append(b, '"', ':')
		if n.col < 0 {
			b = e.appendNodes(b, n.children, row)
			continue
		}
		b = e.value(b, n.kind, v)
	}
	return append(b, '}')
}

// serveApply streams one page of a $apply result.
func (s *Server) serveApply(ctx context.Context, w http.ResponseWriter, req *request) error {
	plan, p := req.plan, req.p
	fp, who := fingerprint(req.path.Text, req.q), whoOf(p)
	var sent int64
	if _, given := req.q.Texts["$skiptoken"]; given {
		c, err := s.decodeCursor(req.q.SkipToken, fp, who)
		if err != nil {
			return err
		}
		if len(c.After) != 0 {
			return errBadToken
		}
		sent = c.Sent
	}
	offset := sent
	if plan.Skip != nil {
		offset += *plan.Skip
	}
	pageSize := s.cfg.PageSize
	var applied []string
	switch {
	case req.prefs.maxPageSize > 0:
		pageSize = min(req.prefs.maxPageSize, s.cfg.MaxPageSize)
		applied = append(applied, "odata.maxpagesize="+strconv.Itoa(pageSize))
	case expandsCollection(plan.Expand):
		pageSize = min(pageSize, ExpandPageSize)
	case plan.Apply.Aggregates():
		// Each page of an aggregated result runs the whole aggregation
		// again (groups have no key to resume after), while its rows are
		// few and small: pages are large unless the client asks.
		pageSize = max(pageSize, ApplyPageSize)
	}
	if req.prefs.omitNulls && !plan.Apply.Aggregates() {
		applied = append(applied, "omit-values=nulls")
	}
	limit := int64(pageSize)
	if plan.Top != nil {
		limit = min(limit, max(*plan.Top-sent, 0))
	}
	var count int64 = -1
	if plan.Count {
		n, err := s.store.CountApply(ctx, p, plan)
		if err != nil {
			return err
		}
		count = n
	}

	var lay *query.Layout
	var nodes []*outNode
	ctxURL := req.root + "$metadata#" + plan.Set.Name
	if plan.Apply.Aggregates() {
		nodes = outTree(plan.Apply.Out)
		ctxURL += contextList(nodes)
	} else {
		lay = query.NewLayout(&plan.Shape)
		ctxURL += selectList(&plan.Shape)
	}
	var rows [][]any
	more := false
	if limit > 0 {
		var err error
		more, err = s.store.ReadApply(ctx, p, plan, lay, offset, int(limit), func(row []any) error {
			rows = append(rows, slices.Clone(row))
			return nil
		})
		if err != nil {
			return err
		}
	}
	if sent == 0 && plan.Source.Via != nil {
		// Conversations('nope')/Messages addresses nothing: 404, not an
		// aggregate of nothing (which has a row).
		if err := s.checkParent(ctx, p, plan); err != nil {
			return err
		}
	}
	var exps []*expansion
	if lay != nil && len(plan.Expand) > 0 {
		budget := s.cfg.MaxExpanded
		var err error
		if exps, err = s.readExpansions(ctx, p, plan.Expand, lay, rows, &budget); err != nil {
			return err
		}
	}
	if inf := requestInfo(req.r); inf != nil {
		inf.rows = int64(len(rows))
	}

	h := w.Header()
	h.Set("Content-Type", req.f.contentType())
	if len(applied) > 0 {
		h.Set("Preference-Applied", strings.Join(applied, ", "))
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	b := []byte{'{'}
	if req.f.metadata != "none" {
		b = append(b, `"@odata.context":`...)
		b = jsonw.AppendString(b, ctxURL)
		b = append(b, ',')
	}
	if count >= 0 {
		b = append(b, `"@odata.count":`...)
		b = strconv.AppendInt(b, count, 10)
		b = append(b, ',')
	}
	b = append(b, `"value":[`...)
	_, _ = bw.Write(b)
	enc := newEncoder(bw, req.f, req.root, plan.Set, lay, req.prefs.omitNulls && lay != nil)
	for i, row := range rows {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		if lay == nil {
			enc.buf = enc.appendNodes(enc.buf[:0], nodes, row)
			_, _ = bw.Write(enc.buf)
			continue
		}
		var extra func([]byte) []byte
		if exps != nil {
			extra = func(b []byte) []byte { return s.appendExpanded(b, req, exps, row) }
		}
		enc.entity(row, "", extra)
	}
	b = []byte{']'}
	n := int64(len(rows))
	if more && (plan.Top == nil || sent+n < *plan.Top) {
		c := cursor{Sent: sent + n, Query: fp, Who: who}
		b = append(b, `,"@odata.nextLink":`...)
		b = jsonw.AppendString(b, s.nextLink(req.r, s.encodeCursor(c)))
	}
	b = append(b, "}\n"...)
	_, _ = bw.Write(b)
	return bw.Flush()
}
