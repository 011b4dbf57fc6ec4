package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

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
}

// NewRow returns an empty row of t.
func NewRow(t *edm.Table) *Row { return &Row{Table: t, Values: make([]any, len(t.Columns))} }

// Set sets a column by name; it panics on a name the table lacks, which is a
// loader bug caught by its tests.
func (r *Row) Set(name string, v any) *Row {
	i := r.Table.Index(name)
	if i < 0 {
		panic(fmt.Sprintf("store: table %s has no column %s", r.Table.Name, name))
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
	// inserts caches INSERT statements by table and set columns.
	inserts map[string]*sql.Stmt
	insArgs []any
	// Counts per table name.
	Counts map[string]*Counts
}

// Counts tallies outcomes.
type Counts struct{ Inserted, Updated, Unchanged int }

type tableStmts struct {
	// updates are the prepared UPDATEs by the columns they keep when the
	// row leaves them NULL: "" none, "*" all (Row.Merge), else Row.Keep.
	updates map[string]*sql.Stmt
	args    []any
}

// NewWriter starts writing in tx.
func (db *DB) NewWriter(tx *sql.Tx) *Writer {
	return &Writer{db: db, tx: tx, stmts: map[*edm.Table]*tableStmts{}, zones: map[string]*time.Location{},
		inserts: map[string]*sql.Stmt{}, Counts: map[string]*Counts{}}
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

// insertFor returns the INSERT for the columns a row sets, with their values.
// Loaders fill a fraction of a wide table's columns (a two-way conversation
// sets 18 of 54), and each bound argument costs a cgo call, so a statement
// per column set (cached; a loader produces few) beats binding NULLs.
func (w *Writer) insertFor(ctx context.Context, t *edm.Table, vals []any) (*sql.Stmt, []any, error) {
	key := make([]byte, 0, len(t.Name)+1+(len(vals)+7)/8)
	key = append(key, t.Name...)
	key = append(key, 0)
	var bits byte
	args := w.insArgs[:0]
	for i, v := range vals {
		if v != nil {
			bits |= 1 << (i % 8)
			args = append(args, v)
		}
		if i%8 == 7 || i == len(vals)-1 {
			key = append(key, bits)
			bits = 0
		}
	}
	w.insArgs = args
	if st, ok := w.inserts[string(key)]; ok {
		return st, args, nil
	}
	q := w.db.Dialect.Quote
	var cols []string
	for i, c := range t.Columns {
		if vals[i] != nil {
			cols = append(cols, q(c.Column()))
		}
	}
	st, err := w.tx.PrepareContext(ctx, fmt.Sprintf("INSERT OR IGNORE INTO %s (%s) VALUES (%s)",
		q(t.Name), strings.Join(cols, ", "), placeholders(len(cols))))
	if err != nil {
		return nil, nil, err
	}
	w.inserts[string(key)] = st
	return st, args, nil
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

// Upsert inserts r, or updates the stored row with the same id when a value
// differs. Required columns (id, tenantId, source, sourceId) must be set.
func (w *Writer) Upsert(ctx context.Context, r *Row) (Outcome, error) {
	t := r.Table
	tenant, _ := r.Get("tenantId").(string)
	for i, c := range t.Columns {
		if !c.Nullable {
			if v := r.Values[i]; v == nil || v == "" {
				return 0, fmt.Errorf("store: %s row lacks %s", t.Name, c.Name)
			}
		}
	}
	loc, err := w.zone(ctx, tenant)
	if err != nil {
		return 0, err
	}
	s, err := w.prepare(ctx, t)
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		vals[i] = storageValue(c, r.Values[i])
		if c.UTC != nil {
			// The local twin always follows its UTC instant, read the way
			// storageValue reads it, so the two are NULL together.
			vals[i] = nil
			if ut, ok := instant(r.Values[t.Index(c.UTC.Name)]); ok {
				vals[i] = ut.In(loc).Format(LocalLayout)
			}
		}
	}
	counts := w.Counts[t.Name]
	if counts == nil {
		counts = &Counts{}
		w.Counts[t.Name] = counts
	}
	ins, args, err := w.insertFor(ctx, t, vals)
	if err != nil {
		return 0, err
	}
	ctx, err = stmtContext(ctx)
	if err != nil {
		return 0, err
	}
	res, err := ins.ExecContext(ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("store: insert into %s: %w", t.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		counts.Inserted++
		return Inserted, nil
	}
	args = s.args[:0]
	var id any
	for i, c := range t.Columns {
		if c.Name == "id" {
			id = vals[i]
			continue
		}
		args = append(args, vals[i])
	}
	args = append(args, tenant, id)
	for i, c := range t.Columns {
		if c.Name != "id" {
			args = append(args, vals[i])
		}
	}
	keep := strings.Join(r.Keep, ",")
	if r.Merge {
		keep = "*"
	}
	upd, err := w.update(ctx, t, s, keep)
	if err != nil {
		return 0, err
	}
	res, err = upd.ExecContext(ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("store: update %s: %w", t.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		counts.Updated++
		return Updated, nil
	}
	counts.Unchanged++
	return Unchanged, nil
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
		if c.Name == "id" {
			continue
		}
		col := q(c.Column())
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
