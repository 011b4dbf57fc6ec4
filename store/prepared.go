package store

import (
	"context"
	"time"
)

// RowPreparer works out rows' storage values (Writer.Put's conversion of
// times, booleans and tenant-local twins) on any goroutine. A loader that
// builds rows on one goroutine while the load's own goroutine writes the
// previous ones prepares them there: the writing goroutine is what every
// load waits for, and converting values was a seventh of its time in a
// two-way load. It holds what storage values depend on (the tenant's time
// zone, the transaction's time), fixed for the transaction.
type RowPreparer struct {
	w      *Writer
	tenant string
	loc    *time.Location
	now    int64
}

// Preparer returns the RowPreparer of the tenant's rows for this writer.
// Call it on the goroutine that owns the writer; use the result anywhere.
func (w *Writer) Preparer(ctx context.Context, tenant string) (*RowPreparer, error) {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	loc, err := w.zone(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return &RowPreparer{w: w, tenant: tenant, loc: loc, now: w.now.UnixMilli()}, nil
}

// Prepare turns r's values into their storage form in place, so that Put
// and Upsert take them as they are. After it, r is only for writing: its
// values are no longer Go values (times are numbers). A row of another
// tenant, or one Put would refuse (a required column empty), is left as it
// is, for Put to write or refuse the ordinary way.
func (p *RowPreparer) Prepare(r *Row) {
	if r.prepared != nil || len(r.Table.Columns) > maxColumns {
		return
	}
	if tenant, _ := r.Get("tenantId").(string); tenant != p.tenant {
		return
	}
	if checkRequired(r) != nil {
		return
	}
	storageValues(r, r.Values, p.loc, p.now)
	r.prepared = p
}

// Prepared reports whether r's values are in storage form (Prepare).
func (r *Row) Prepared() bool { return r.prepared != nil }
