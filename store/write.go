package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/ccfeed/ccfeed/edm"
)

// Outcome of writing one row.
type Outcome int

// Outcomes.
const (
	Inserted Outcome = iota
	Updated
	Unchanged
)

// Row is one row of a table, values aligned with Table.Columns. Timestamps
// are time.Time; tenant-local columns are filled by the writer from their
// UTC twin and the tenant's time zone.
type Row struct {
	Table  *edm.Table
	Values []any
	// Merge keeps the stored value of every column this row leaves NULL,
	// instead of clearing it. People are merged this way: a source that
	// names an agent by id alone must not erase the name another source
	// gave.
	Merge bool
	// Keep lists columns that, left NULL by this row, keep their stored
	// value (Merge for a few columns only).
	Keep []string
	// prepared is set when Values hold storage values (RowPreparer).
	prepared *RowPreparer
}

// NewRow returns an empty row of t.
func NewRow(t *edm.Table) *Row { return &Row{Table: t, Values: make([]any, len(t.Columns))} }

// Set sets a column by name; it panics on a name the table lacks, which is a
// loader bug caught by its tests. A PersonRef sets a foreign key to a person
// and its mention column together (and only such a key takes one).
func (r *Row) Set(name string, v any) *Row {
	i := r.Table.Index(name)
	if i < 0 {
		panic(fmt.Sprintf("store: table %s has no column %s", r.Table.Name, name))
	}
	c := r.Table.Columns[i]
	if pr, ok := v.(PersonRef); ok {
		if c.Ref == nil {
			panic(fmt.Sprintf("store: %s.%s is not a foreign key to a person", r.Table.Name, name))
		}
		r.Values[i], r.Values[r.Table.Index(c.Ref.Name)] = nil, nil
		if !pr.IsZero() {
			r.Values[i], r.Values[r.Table.Index(c.Ref.Name)] = pr.ID, pr.Mention
		}
		return r
	}
	if c.Ref != nil && v != nil {
		panic(fmt.Sprintf("store: %s.%s takes a PersonRef, not %T", r.Table.Name, name, v))
	}
	r.Values[i] = v
	return r
}

// Get returns a column's value.
func (r *Row) Get(name string) any {
	if i := r.Table.Index(name); i >= 0 {
		return r.Values[i]
	}
	return nil
}

// Writer writes rows inside one transaction, with prepared statements per
// table.
type Writer struct {
	db    *DB
	tx    *sql.Tx
	stmts map[*edm.Table]*tableStmts
	zones map[string]*time.Location
	// pending holds rows Put has not written yet (see write_batch.go).
	pending map[*edm.Table]*pendingTable
	// vals is scratch space for one row's storage values.
	vals []any
	// inserts are the INSERTs of Upsert (one row) and of Put (groups of
	// rows), by table, set columns and number of rows.
	inserts map[insertKey]*counted
	// changes reads SQLite's changes() (see counted).
	changes *sql.Stmt
	// raw is the load's own connection (see counted), with its
	// changes() statement and scratch space.
	raw        *sqlite3.SQLiteConn
	rawChanges driver.Stmt
	named      []driver.NamedValue
	dest       [1]driver.Value
	// Counts per table name. Rows given to Put are counted when they are
	// written: read Counts after Flush.
	Counts map[string]*Counts
	// now is when the write transaction began: what modifiedAtUTC says
	// for the rows it inserts or changes. Transactions that write are one
	// at a time, so these times grow in the order changes are committed,
	// which is what a refresh that polls for the greatest one needs.
	now time.Time
	// touched are the (table, tenant) pairs whose rows changed: their
	// counts are redone before the transaction commits (counts.go).
	touched map[touched]struct{}
	// marks are the highest row id of each table touched, when first
	// touched: the rows the transaction adds are above it.
	marks map[*edm.Table]int64
}

// Counts tallies outcomes.
type Counts struct{ Inserted, Updated, Unchanged, Deleted int }

type tableStmts struct {
	// updates are the prepared UPDATEs by the columns they keep when the
	// row leaves them NULL: "" none, "*" all (Row.Merge), else Row.Keep.
	updates map[string]*sql.Stmt
	args    []any
}

// newWriter starts writing in tx (a LoadTx: see Load).
func (db *DB) newWriter(tx *sql.Tx) *Writer {
	return &Writer{db: db, tx: tx, stmts: map[*edm.Table]*tableStmts{}, zones: map[string]*time.Location{},
		inserts: map[insertKey]*counted{}, pending: map[*edm.Table]*pendingTable{}, Counts: map[string]*Counts{},
		now: time.Now()}
}

// Close releases the prepared statements.
func (w *Writer) Close() {
	for _, s := range w.stmts {
		for _, u := range s.updates {
			u.Close()
		}
	}
	for _, s := range w.inserts {
		s.Close()
	}
	if w.changes != nil {
		w.changes.Close()
	}
	if w.rawChanges != nil {
		w.rawChanges.Close()
	}
}

func (w *Writer) prepare(ctx context.Context, t *edm.Table) (*tableStmts, error) {
	if s, ok := w.stmts[t]; ok {
		return s, nil
	}
	s := &tableStmts{updates: map[string]*sql.Stmt{}, args: make([]any, 0, 2*len(t.Columns)+1)}
	w.stmts[t] = s
	return s, nil
}

func (w *Writer) zone(ctx context.Context, tenant string) (*time.Location, error) {
	if loc, ok := w.zones[tenant]; ok {
		return loc, nil
	}
	var tz string
	err := w.tx.QueryRowContext(ctx, "SELECT timezone FROM ccfeed_tenants WHERE name = ?", tenant).Scan(&tz)
	if err == sql.ErrNoRows {
		if err := ValidTenantName(tenant); err != nil {
			return nil, err
		}
		if _, err := w.tx.ExecContext(ctx, "INSERT INTO ccfeed_tenants (name) VALUES (?)", tenant); err != nil {
			return nil, err
		}
		tz = "UTC"
	} else if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("store: tenant %s has unknown time zone %q: %w", tenant, tz, err)
	}
	w.zones[tenant] = loc
	return loc, nil
}

// colSet is a set of a table's columns by position. Loaders fill a fraction
// of a wide table's columns (a two-way conversation sets 18 of 54), and
// each bound argument costs work, so INSERTs name only the columns a row
// sets: a statement per column set (cached; a loader produces few) beats
// binding NULLs.
type colSet [maxColumns / 64]uint64

// maxColumns bounds a table's width for colSet (the widest has 55).
const maxColumns = 256

// setOf returns the columns whose values in vals are not NULL.
func setOf(vals []any) colSet {
	var s colSet
	for i, v := range vals {
		if v != nil {
			s[i/64] |= 1 << (i % 64)
		}
	}
	return s
}

// insertKey names an INSERT of rows rows into a table, setting cols.
type insertKey struct {
	table *edm.Table
	cols  colSet
	rows  int
}

// insertStmt returns the INSERT OR IGNORE of rows rows into t setting cols
// (indexes into t.Columns), prepared once per column set and number of rows.
func (w *Writer) insertStmt(ctx context.Context, t *edm.Table, cols []int, rows int) (*counted, error) {
	key := insertKey{t, setOfCols(cols), rows}
	if st, ok := w.inserts[key]; ok {
		return st, nil
	}
	st, err := w.prepareCounted(ctx, w.insertSQL(t, cols, rows))
	if err != nil {
		return nil, err
	}
	w.inserts[key] = st
	return st, nil
}

func (w *Writer) insertSQL(t *edm.Table, cols []int, rows int) string {
	q := w.db.Dialect.Quote
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = q(t.Columns[c].Column())
	}
	// A copy column takes its owner's value (copycols.go): its two
	// arguments, the row's tenant and foreign key, follow the row's values.
	tuple := "(" + placeholders(len(cols))
	for _, c := range copyColumns(t) {
		names = append(names, q(c.Column()))
		tuple += ", " + w.db.copyExpr(c)
	}
	tuple += ")"
	return fmt.Sprintf("INSERT OR IGNORE INTO %s (%s) VALUES %s",
		q(t.Name), strings.Join(names, ", "), strings.TrimSuffix(strings.Repeat(tuple+", ", rows), ", "))
}

// appendCopyArgs appends the arguments of t's copy columns for a row with
// storage values vals (see insertSQL).
func appendCopyArgs(args []any, t *edm.Table, vals []any, tenant string) []any {
	for _, c := range copyColumns(t) {
		args = append(args, tenant, vals[c.Copy.Via.Table().Index(c.Copy.Via.Name)])
	}
	return args
}

func setOfCols(cols []int) colSet {
	var set colSet
	for _, c := range cols {
		set[c/64] |= 1 << (c % 64)
	}
	return set
}

// stmtContext is the context a load's statements run under: ctx without its
// cancellation, once checked. go-sqlite3 watches a cancellable context with
// a goroutine per statement and runs the statement on it; that hand-off cost
// a load a third of its time. A load's statements are short, so a cancelled
// load stops at its next statement instead.
func stmtContext(ctx context.Context) (context.Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// LocalLayout is how tenant-local timestamps are stored: fixed width, three
// fraction digits, numeric offset (never "Z"), so SQL can cut fields by
// position (see functions_sqlite.go).
const LocalLayout = "2006-01-02T15:04:05.000-07:00"

// rowValues checks r and returns its storage values in w.vals (valid until
// the next call; r.Values for a prepared row) and its tenant.
func (w *Writer) rowValues(ctx context.Context, r *Row) ([]any, string, error) {
	t := r.Table
	if len(t.Columns) > maxColumns {
		return nil, "", fmt.Errorf("store: table %s has more than %d columns", t.Name, maxColumns)
	}
	tenant, _ := r.Get("tenantId").(string)
	if p := r.prepared; p != nil {
		if p.w != w || p.tenant != tenant {
			return nil, "", fmt.Errorf("store: a %s row was prepared for another load or tenant", t.Name)
		}
		if err := w.touch(ctx, t, tenant); err != nil {
			return nil, "", err
		}
		return r.Values, tenant, nil
	}
	if err := checkRequired(r); err != nil {
		return nil, "", err
	}
	loc, err := w.zone(ctx, tenant)
	if err != nil {
		return nil, "", err
	}
	if cap(w.vals) < len(t.Columns) {
		w.vals = make([]any, len(t.Columns))
	}
	vals := w.vals[:len(t.Columns)]
	storageValues(r, vals, loc, w.now.UnixMilli())
	if err := w.touch(ctx, t, tenant); err != nil {
		return nil, "", err
	}
	return vals, tenant, nil
}

// checkRequired refuses a row that leaves a required column empty.
func checkRequired(r *Row) error {
	for i, c := range r.Table.Columns {
		if !c.Nullable {
			if v := r.Values[i]; v == nil || v == "" {
				return fmt.Errorf("store: %s row lacks %s", r.Table.Name, c.Name)
			}
		}
	}
	return nil
}

// storageValues writes r's storage values into dst, which may be r.Values
// itself. Tenant-local columns are filled from their UTC twins in loc;
// load-time columns take now.
func storageValues(r *Row, dst []any, loc *time.Location, now int64) {
	t := r.Table
	// Local twins first, from their UTC columns as the row holds them:
	// converted in place, those would be numbers by then. The local twin
	// always follows its UTC instant, read the way storageValue reads it,
	// so the two are NULL together.
	for i, c := range t.Columns {
		if c.UTC != nil && c.Copy == nil && !c.LoadTime {
			dst[i] = nil
			if ut, ok := instant(r.Values[t.Index(c.UTC.Name)]); ok {
				dst[i] = ut.In(loc).Format(LocalLayout)
			}
		}
	}
	for i, c := range t.Columns {
		switch {
		case c.Copy != nil:
			dst[i] = nil // the store's to set (insertSQL)
		case c.LoadTime:
			dst[i] = now
		case c.UTC == nil:
			dst[i] = storageValue(c, r.Values[i])
		}
	}
}

// keepOf is the update variant of r (see update).
func keepOf(r *Row) string {
	if r.Merge {
		return "*"
	}
	return strings.Join(r.Keep, ",")
}

func (w *Writer) counts(t *edm.Table) *Counts {
	c := w.Counts[t.Name]
	if c == nil {
		c = &Counts{}
		w.Counts[t.Name] = c
	}
	return c
}

// Upsert inserts r, or updates the stored row with the same id when a value
// differs, and reports which. Required columns (id, tenantId, source,
// sourceId) must be set. Rows of the table that Put still holds are written
// first.
func (w *Writer) Upsert(ctx context.Context, r *Row) (Outcome, error) {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return 0, err
	}
	t := r.Table
	if err := w.FlushTable(ctx, t); err != nil {
		return 0, err
	}
	vals, tenant, err := w.rowValues(ctx, r)
	if err != nil {
		return 0, err
	}
	var cols []int
	args := make([]any, 0, len(vals))
	for i, v := range vals {
		if v != nil {
			cols = append(cols, i)
			args = append(args, v)
		}
	}
	args = appendCopyArgs(args, t, vals, tenant)
	ins, err := w.insertStmt(ctx, t, cols, 1)
	if err != nil {
		return 0, err
	}
	n, err := w.runCounted(ctx, ins, args)
	if err != nil {
		return 0, fmt.Errorf("store: insert into %s: %w", t.Name, err)
	}
	counts := w.counts(t)
	if n == 1 {
		counts.Inserted++
		return Inserted, nil
	}
	changed, err := w.updateRow(ctx, t, vals, tenant, keepOf(r))
	if err != nil {
		return 0, err
	}
	if changed {
		counts.Updated++
		return Updated, nil
	}
	counts.Unchanged++
	return Unchanged, nil
}

// updateRow writes vals over the stored row of the same id when a value
// differs, and reports whether it did.
func (w *Writer) updateRow(ctx context.Context, t *edm.Table, vals []any, tenant, keep string) (bool, error) {
	s, err := w.prepare(ctx, t)
	if err != nil {
		return false, err
	}
	args := s.args[:0]
	var id any
	for i, c := range t.Columns {
		if c.Name == "id" {
			id = vals[i]
			continue
		}
		if c.Copy != nil {
			continue
		}
		args = append(args, vals[i])
	}
	args = append(args, tenant, id)
	for i, c := range t.Columns {
		if c.Name != "id" && !c.LoadTime && c.Copy == nil {
			args = append(args, vals[i])
		}
	}
	upd, err := w.update(ctx, t, s, keep)
	if err != nil {
		return false, err
	}
	res, err := upd.ExecContext(ctx, args...)
	if err != nil {
		return false, fmt.Errorf("store: update %s: %w", t.Name, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// instant returns the instant a timestamp value holds: a time.Time or a
// *time.Time, where the zero time and a nil pointer mean NULL.
func instant(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, !x.IsZero()
	case *time.Time:
		if x != nil && !x.IsZero() {
			return *x, true
		}
	}
	return time.Time{}, false
}

// storageValue converts a Go value to its column representation.
func storageValue(c *edm.Property, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time, *time.Time:
		if ts, ok := instant(x); ok {
			return ts.UnixMilli()
		}
		return nil
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case int:
		if c.Type == edm.Double {
			return float64(x)
		}
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case time.Duration:
		return x.Seconds()
	}
	return v
}

// update returns the UPDATE of t that keeps the stored value of the columns
// in keep ("" none, "*" all, else a comma-separated list) when the row
// leaves them NULL, and replaces the others. The update only fires when a
// value differs, so "unchanged" is told apart from "updated" by the number
// of rows it changed. Every variant takes the same arguments.
func (w *Writer) update(ctx context.Context, t *edm.Table, s *tableStmts, keep string) (*sql.Stmt, error) {
	if st, ok := s.updates[keep]; ok {
		return st, nil
	}
	kept := map[string]bool{}
	if keep != "" && keep != "*" {
		for _, c := range strings.Split(keep, ",") {
			if t.Index(c) < 0 {
				return nil, fmt.Errorf("store: table %s has no column %s to keep", t.Name, c)
			}
			kept[c] = true
		}
	}
	q := w.db.Dialect.Quote
	var sets, diffs []string
	for _, c := range t.Columns {
		if c.Name == "id" || c.Copy != nil {
			// A copy follows its owner and its foreign key by triggers
			// (copycols.go); it is never the row's own value.
			continue
		}
		col := q(c.Column())
		if c.LoadTime {
			// Written with the change, never a reason for one.
			sets = append(sets, col+" = ?")
			continue
		}
		if keep == "*" || kept[c.Name] {
			sets = append(sets, col+" = COALESCE(?, "+col+")")
			diffs = append(diffs, "COALESCE(?, "+col+") IS NOT "+col)
			continue
		}
		sets = append(sets, col+" = ?")
		diffs = append(diffs, col+" IS NOT ?")
	}
	st, err := w.tx.PrepareContext(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE %s = ? AND %s = ? AND (%s)", q(t.Name), strings.Join(sets, ", "),
		q("tenantId"), q("id"), strings.Join(diffs, " OR ")))
	if err != nil {
		return nil, err
	}
	s.updates[keep] = st
	return st, nil
}
