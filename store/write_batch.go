package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// Put writes rows the way Upsert does, but a group at a time: rows of one
// table with the same columns set are held and inserted putBatch to a
// statement. A load writes hundreds of thousands of rows, and a multi-row
// INSERT costs little more to run than a single-row one, so the
// per-statement work (binding, reset, cursors on the table and each of its
// indexes, the Go side of the call) is paid once per group.
//
// Held rows are written before anything could see them missing: before
// Upsert, a lookup or an update of their table (FlushTable), before a merge
// of rows (Flush), and before the load commits. A row whose id is already
// held is written after the held one, as Upsert would, by writing the
// table's held rows first.
//
// The INSERT OR IGNORE of a group reports how many rows it inserted. When
// that is all of them (a new load), nothing else is done. Otherwise the
// group's rows are run through the conditional UPDATE one by one: a row the
// insert just wrote is left unchanged by it, so what it reports separates
// updated rows from unchanged ones exactly as Upsert counts them.
func (w *Writer) Put(ctx context.Context, r *Row) error {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	t := r.Table
	p := w.pending[t]
	if p == nil {
		p = &pendingTable{ids: map[string]struct{}{}, groups: map[colSet]*putGroup{}}
		w.pending[t] = p
	}
	id, _ := r.Get("id").(string)
	if _, held := p.ids[id]; held {
		if err := w.FlushTable(ctx, t); err != nil {
			return err
		}
	}
	vals, tenant, err := w.rowValues(ctx, r)
	if err != nil {
		return err
	}
	key := setOf(vals)
	g := p.groups[key]
	if g == nil {
		g = &putGroup{}
		for i, v := range vals {
			if v != nil {
				g.cols = append(g.cols, i)
			}
		}
		p.groups[key] = g
		p.order = append(p.order, key)
	}
	for _, v := range vals {
		if v != nil {
			g.args = append(g.args, v)
		}
	}
	g.args = appendCopyArgs(g.args, t, vals, tenant)
	g.rows = append(g.rows, heldRow{id: id, tenant: tenant, keep: keepOf(r)})
	p.ids[id] = struct{}{}
	if len(g.rows) >= putBatch {
		return w.flushGroup(ctx, t, p, g)
	}
	return nil
}

// putBatch is how many rows one INSERT writes. Past a few dozen the
// statement's own cost is already negligible next to the b-tree work.
const putBatch = 32

// putRows is how many of left rows the next INSERT writes: putBatch, then
// smaller powers of two for the rest, so a table has few statement shapes.
func putRows(left int) int {
	n := putBatch
	for n > left {
		n /= 2
	}
	return n
}

// valueRows is the VALUES list of an INSERT of rows rows of width values.
func valueRows(width, rows int) string {
	tuple := "(" + placeholders(width) + ")"
	return strings.TrimSuffix(strings.Repeat(tuple+", ", rows), ", ")
}

type pendingTable struct {
	// ids are the ids of the rows held for the table.
	ids map[string]struct{}
	// groups hold rows by the columns they set.
	groups map[colSet]*putGroup
	order  []colSet
}

type putGroup struct {
	cols []int // indexes into the table's columns
	args []any // len(cols) values per held row
	rows []heldRow
}

type heldRow struct{ id, tenant, keep string }

// Flush writes every row Put holds.
func (w *Writer) Flush(ctx context.Context) error {
	for t := range w.pending {
		if err := w.FlushTable(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// FlushTable writes the rows Put holds for t.
func (w *Writer) FlushTable(ctx context.Context, t *edm.Table) error {
	p := w.pending[t]
	if p == nil || len(p.ids) == 0 {
		return nil
	}
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	for _, key := range p.order {
		if err := w.flushGroup(ctx, t, p, p.groups[key]); err != nil {
			return err
		}
	}
	return nil
}

// flushGroup writes a group's rows, putRows to a statement.
func (w *Writer) flushGroup(ctx context.Context, t *edm.Table, p *pendingTable, g *putGroup) error {
	counts := w.counts(t)
	width := len(g.cols) + 2*len(copyColumns(t)) // values, then copy arguments
	for done := 0; done < len(g.rows); {
		n := putRows(len(g.rows) - done)
		rows, args := g.rows[done:done+n], g.args[done*width:(done+n)*width]
		st, err := w.insertStmt(ctx, t, g.cols, n)
		if err != nil {
			return err
		}
		inserted, err := w.runCounted(ctx, st, args)
		if err != nil {
			return fmt.Errorf("store: insert into %s: %w", t.Name, err)
		}
		counts.Inserted += int(inserted)
		if int(inserted) < n {
			updated := 0
			for i, r := range rows {
				changed, err := w.updateRow(ctx, t, w.heldValues(t, g.cols, args[i*width:(i+1)*width]), r.tenant, r.keep)
				if err != nil {
					return err
				}
				if changed {
					updated++
				}
			}
			counts.Updated += updated
			counts.Unchanged += n - int(inserted) - updated
		}
		done += n
	}
	for _, r := range g.rows {
		delete(p.ids, r.id)
	}
	clear(g.args)
	g.args, g.rows = g.args[:0], g.rows[:0]
	return nil
}

// heldValues spreads a held row's values over all of t's columns (in
// w.vals, valid until the next call).
func (w *Writer) heldValues(t *edm.Table, cols []int, args []any) []any {
	if cap(w.vals) < len(t.Columns) {
		w.vals = make([]any, len(t.Columns))
	}
	vals := w.vals[:len(t.Columns)]
	clear(vals)
	for i, c := range cols {
		vals[c] = args[i]
	}
	return vals
}
