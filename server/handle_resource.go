package server

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/jsonw"
	"github.com/ccfeed/ccfeed/query"
)

// request is one resource request, parsed, bound and negotiated.
type request struct {
	r     *http.Request
	p     *ccfeed.Principal
	path  *query.ResourcePath
	q     *query.Query
	plan  *query.Plan
	f     format
	prefs preferences
	root  string
}

// handleResource serves everything below the service root except $metadata:
// parse, bind, negotiate, then read according to what the path addresses.
func (s *Server) handleResource(w http.ResponseWriter, r *http.Request) error {
	// A trailing slash (Conversations/) names the same resource, as it does
	// for the service root; left in place it would parse as an empty
	// key-as-segment.
	path, err := query.ParsePath(strings.TrimSuffix(mux.Vars(r)["rest"], "/"))
	if err != nil {
		return err
	}
	q, err := query.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	plan, err := query.Bind(s.model, path, q, s.now().UTC())
	if err != nil {
		return err
	}
	p := principalOf(r)
	if inf := requestInfo(r); inf != nil {
		inf.set, inf.target, inf.options = plan.Set.Name, targetName(plan.Target), q.Given
	}
	if err := s.authorizeSet(p, plan); err != nil {
		return err
	}
	req := &request{r: r, p: p, path: path, q: q, plan: plan, root: s.serviceRoot(r),
		prefs: parsePrefer(r.Header.Values("Prefer"))}
	if plan.Target != query.TargetCount && plan.Target != query.TargetValue {
		if req.f, err = negotiate(r.Header.Get("Accept"), q.Format); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.QueryTimeout)
	defer cancel()
	switch plan.Target {
	case query.TargetCollection, query.TargetRefs:
		return s.serveCollection(ctx, w, req)
	case query.TargetEntity, query.TargetRef:
		return s.serveEntity(ctx, w, req)
	case query.TargetProperty, query.TargetValue:
		return s.serveProperty(ctx, w, req)
	case query.TargetCount:
		n, err := s.store.Count(ctx, p, plan)
		if err != nil {
			return err
		}
		if n == 0 {
			if err := s.checkParent(ctx, p, plan); err != nil {
				return err
			}
		}
		w.Header().Set("Content-Type", "text/plain;charset=utf-8")
		_, err = w.Write([]byte(strconv.FormatInt(n, 10)))
		return err
	}
	return &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Message: "this kind of request is not supported"}
}

// authorizeSet refuses admin-only sets to read-scoped principals with the
// same 404 an unknown set gets, so their existence is not disclosed.
func (s *Server) authorizeSet(p *ccfeed.Principal, plan *query.Plan) error {
	for src := plan.Source; src != nil; src = src.Parent {
		if src.Set.AdminOnly && !p.IsAdmin() {
			return &ccfeed.Error{Code: ccfeed.ENOTFOUND, Target: "resource path",
				Message: "no entity set named '" + src.Set.Name + "'"}
		}
	}
	return nil
}

func targetName(t query.Target) string {
	return [...]string{"collection", "entity", "property", "value", "count", "refs", "ref"}[t]
}

// pageWriter writes the envelope lazily: nothing is sent until the first row
// or the end, so an error raised by the query before any row still becomes a
// proper error response.
type pageWriter struct {
	w       http.ResponseWriter
	bw      *bufio.Writer
	started bool
	head    func(b []byte) []byte
}

func (pw *pageWriter) start() {
	if pw.started {
		return
	}
	pw.started = true
	_, _ = pw.bw.Write(pw.head(nil))
}

// serveCollection streams one page of a collection with keyset paging.
func (s *Server) serveCollection(ctx context.Context, w http.ResponseWriter, req *request) error {
	plan, p := req.plan, req.p
	if plan.Apply != nil {
		return s.serveApply(ctx, w, req)
	}
	fp, who := fingerprint(req.path.Text, req.q), whoOf(p)
	var page query.Page
	var sent int64
	// An empty $skiptoken= is a token too, and an invalid one: treating it
	// as absent would restart at the first page and loop a client forever.
	if _, given := req.q.Texts["$skiptoken"]; given {
		c, err := s.decodeCursor(req.q.SkipToken, fp, who)
		if err != nil {
			return err
		}
		sent = c.Sent
		page.After = make([]any, len(c.After))
		for i, v := range c.After {
			page.After[i] = v.value()
		}
	} else if plan.Skip != nil {
		page.Skip = *plan.Skip
	}
	var applied []string
	pageSize := s.cfg.PageSize
	if req.prefs.maxPageSize > 0 {
		pageSize = min(req.prefs.maxPageSize, s.cfg.MaxPageSize)
		applied = append(applied, "odata.maxpagesize="+strconv.Itoa(pageSize))
	}
	if req.prefs.omitNulls {
		applied = append(applied, "omit-values=nulls")
	}
	expanding := len(plan.Expand) > 0 && plan.Target == query.TargetCollection
	if expanding && expandsCollection(plan.Expand) && req.prefs.maxPageSize == 0 {
		pageSize = min(pageSize, ExpandPageSize)
	}
	limit := int64(pageSize)
	if plan.Top != nil {
		limit = min(limit, max(*plan.Top-sent, 0))
	}
	page.Limit = int(limit)

	var count int64 = -1
	if plan.Count {
		n, err := s.store.Count(ctx, p, plan)
		if err != nil {
			return err
		}
		count = n
	}
	lay := query.NewLayout(&plan.Shape)
	h := w.Header()
	h.Set("Content-Type", req.f.contentType())
	if len(applied) > 0 {
		h.Set("Preference-Applied", strings.Join(applied, ", "))
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	pw := &pageWriter{w: w, bw: bw, head: func(b []byte) []byte {
		b = append(b, '{')
		if req.f.metadata != "none" {
			b = append(b, `"@odata.context":`...)
			b = jsonw.AppendString(b, contextURL(req.root, plan))
			b = append(b, ',')
		}
		if count >= 0 {
			b = append(b, `"@odata.count":`...)
			b = strconv.AppendInt(b, count, 10)
			b = append(b, ',')
		}
		return append(b, `"value":[`...)
	}}
	enc := newEncoder(bw, req.f, req.root, plan.Set, lay, req.prefs.omitNulls)
	last := make([]any, len(lay.Order))
	var n int64
	more := false
	if expanding && page.Limit > 0 {
		// Related rows come from one query per navigation over the whole
		// page, so the page is read first, then expanded, then written.
		var rows [][]any
		var err error
		more, err = s.store.ReadPage(ctx, p, plan, lay, page, func(row []any) error {
			rows = append(rows, slices.Clone(row))
			return nil
		})
		if err != nil {
			return err
		}
		budget := s.cfg.MaxExpanded
		exps, err := s.readExpansions(ctx, p, plan.Expand, lay, rows, &budget)
		if err != nil {
			return err
		}
		for _, row := range rows {
			pw.start()
			if n > 0 {
				_ = bw.WriteByte(',')
			}
			enc.entity(row, "", func(b []byte) []byte { return s.appendExpanded(b, req, exps, row) })
			for i, idx := range lay.Order {
				last[i] = row[idx]
			}
			n++
		}
		if inf := requestInfo(req.r); inf != nil {
			inf.rows = n
		}
	} else if page.Limit > 0 {
		var err error
		more, err = s.store.ReadPage(ctx, p, plan, lay, page, func(row []any) error {
			pw.start()
			if n > 0 {
				_ = bw.WriteByte(',')
			}
			if plan.Target == query.TargetRefs {
				s.writeRef(bw, req, row, lay)
			} else {
				enc.entity(row, "", nil)
			}
			for i, idx := range lay.Order {
				last[i] = row[idx]
			}
			n++
			return nil
		})
		if inf := requestInfo(req.r); inf != nil {
			inf.rows = n
		}
		if err != nil {
			if !pw.started || clientClosed(req.r) {
				return err // a hang-up is the odata wrapper's to log
			}
			// Rows were already sent: the status cannot change. Cut the
			// stream so the client sees an incomplete response rather
			// than a short but valid one.
			s.log.Error().Err(err).Str("set", plan.Set.Name).Msg("stream aborted")
			panic(http.ErrAbortHandler)
		}
	}
	if n == 0 && sent == 0 {
		if err := s.checkParent(ctx, p, plan); err != nil {
			return err
		}
	}
	pw.start()
	b := []byte{']'}
	if more && (plan.Top == nil || sent+n < *plan.Top) {
		c := cursor{Sent: sent + n, Query: fp, Who: who}
		for _, v := range last {
			c.After = append(c.After, toCursorValue(v))
		}
		b = append(b, `,"@odata.nextLink":`...)
		b = jsonw.AppendString(b, s.nextLink(req.r, s.encodeCursor(c)))
	}
	b = append(b, "}\n"...)
	_, _ = bw.Write(b)
	return bw.Flush()
}

func (s *Server) writeRef(bw *bufio.Writer, req *request, row []any, lay *query.Layout) {
	key, _ := row[lay.Key].(string)
	b := []byte(`{"@odata.id":`)
	b = jsonw.AppendString(b, req.root+req.plan.Set.Name+"("+keyLiteral(key)+")")
	_, _ = bw.Write(append(b, '}'))
}

// readOne reads the single row a path addresses. found is false when there
// is none; null is true when the path is a single navigation whose parent
// exists but points nowhere (a 204, not a 404).
func (s *Server) readOne(ctx context.Context, req *request, lay *query.Layout) (row []any, null bool, err error) {
	_, err = s.store.ReadPage(ctx, req.p, req.plan, lay, query.Page{Limit: 1}, func(r []any) error {
		row = append([]any(nil), r...)
		return nil
	})
	if err != nil || row != nil {
		return row, false, err
	}
	src := req.plan.Source
	if src.Via != nil && !src.Via.Collection && src.Key == nil {
		ok, err := s.store.Exists(ctx, req.p, src.Parent)
		if err != nil {
			return nil, false, err
		}
		if ok {
			return nil, true, nil
		}
	}
	return nil, false, notFoundEntity(req.plan)
}

// checkParent answers 404 for a navigation from an entity that does not
// exist or that the caller may not see: Conversations('nope')/Messages
// addresses no resource, it is not an empty collection. Callers ask only
// when the collection came back empty, so a non-empty answer costs no extra
// query.
func (s *Server) checkParent(ctx context.Context, p *ccfeed.Principal, plan *query.Plan) error {
	src := plan.Source
	if src.Via == nil || src.Parent == nil {
		return nil
	}
	ok, err := s.store.Exists(ctx, p, src.Parent)
	if err != nil || ok {
		return err
	}
	msg := "no entity at " + plan.PathText
	if k := src.Parent.Key; k != nil && src.Parent.Via == nil {
		msg = "no " + src.Parent.Set.Name + " entity with key '" + k.V.(string) + "'"
	}
	return &ccfeed.Error{Code: ccfeed.ENOTFOUND, Target: "resource path", Message: msg}
}

func notFoundEntity(plan *query.Plan) error {
	msg := "no " + plan.Set.Name + " entity"
	if plan.Source.Key != nil {
		msg += " with key '" + plan.Source.Key.V.(string) + "'"
	} else if plan.Source.Via != nil {
		msg = "no entity at " + plan.PathText
	}
	return &ccfeed.Error{Code: ccfeed.ENOTFOUND, Target: "resource path", Message: msg}
}

func (s *Server) serveEntity(ctx context.Context, w http.ResponseWriter, req *request) error {
	lay := query.NewLayout(&req.plan.Shape)
	row, null, err := s.readOne(ctx, req, lay)
	if err != nil {
		return err
	}
	if null {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if inf := requestInfo(req.r); inf != nil {
		inf.rows = 1
	}
	w.Header().Set("Content-Type", req.f.contentType())
	bw := bufio.NewWriter(w)
	if req.plan.Target == query.TargetRef {
		key, _ := row[lay.Key].(string)
		b := []byte(`{"@odata.context":`)
		b = jsonw.AppendString(b, contextURL(req.root, req.plan))
		b = append(b, `,"@odata.id":`...)
		b = jsonw.AppendString(b, req.root+req.plan.Set.Name+"("+keyLiteral(key)+")")
		_, _ = bw.Write(append(b, "}\n"...))
		return bw.Flush()
	}
	if req.prefs.omitNulls {
		// Nulls may be left out only when the response says so.
		w.Header().Set("Preference-Applied", "omit-values=nulls")
	}
	var extra func([]byte) []byte
	if len(req.plan.Expand) > 0 {
		budget := s.cfg.MaxExpanded
		exps, err := s.readExpansions(ctx, req.p, req.plan.Expand, lay, [][]any{row}, &budget)
		if err != nil {
			return err
		}
		extra = func(b []byte) []byte { return s.appendExpanded(b, req, exps, row) }
	}
	enc := newEncoder(bw, req.f, req.root, req.plan.Set, lay, req.prefs.omitNulls)
	ctxURL := ""
	if req.f.metadata != "none" {
		ctxURL = contextURL(req.root, req.plan)
	}
	enc.entity(row, ctxURL, extra)
	_ = bw.WriteByte('\n')
	return bw.Flush()
}

func (s *Server) serveProperty(ctx context.Context, w http.ResponseWriter, req *request) error {
	lay := query.NewLayout(&req.plan.Shape)
	row, null, err := s.readOne(ctx, req, lay)
	if err != nil {
		return err
	}
	if null {
		// A property of a single-valued navigation that leads nowhere:
		// there is no value, as for the navigation itself.
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	v := row[0]
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	k := req.plan.Property.Type
	if req.plan.Target == query.TargetValue {
		w.Header().Set("Content-Type", "text/plain;charset=utf-8")
		var b []byte
		if k == edm.String || k == edm.Guid || k == edm.Date || k == edm.TimeOfDay {
			b = []byte(v.(string))
		} else {
			enc := &encoder{f: format{metadata: "minimal"}}
			b = enc.value(nil, k, v)
			b = []byte(strings.Trim(string(b), `"`))
		}
		_, err := w.Write(b)
		return err
	}
	w.Header().Set("Content-Type", req.f.contentType())
	b := []byte(`{`)
	if req.f.metadata != "none" {
		b = append(b, `"@odata.context":`...)
		b = jsonw.AppendString(b, contextURL(req.root, req.plan))
		b = append(b, ',')
	}
	b = append(b, `"value":`...)
	enc := &encoder{f: req.f}
	b = enc.value(b, k, v)
	b = append(b, "}\n"...)
	_, err = w.Write(b)
	return err
}
