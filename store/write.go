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
	// Counts per table name.
	Counts map[string]*Counts
}

// Counts tallies outcomes.
type Counts struct{ Inserted, Updated, Unchanged int }

type tableStmts struct {
	insert *sql.Stmt
	update *sql.Stmt
	args   []any
}

// NewWriter starts writing in tx.
func (db *DB) NewWriter(tx *sql.Tx) *Writer {
	return &Writer{db: db, tx: tx, stmts: map[*edm.Table]*tableStmts{}, zones: map[string]*time.Location{}, Counts: map[string]*Counts{}}
}

// Close releases the prepared statements.
func (w *Writer) Close() {
	for _, s := range w.stmts {
		s.insert.Close()
		s.update.Close()
	}
}

func (w *Writer) prepare(ctx context.Context, t *edm.Table) (*tableStmts, error) {
	if s, ok := w.stmts[t]; ok {
		return s, nil
	}
	q := w.db.Dialect.Quote
	cols := make([]string, len(t.Columns))
	sets := make([]string, 0, len(t.Columns))
	diffs := make([]string, 0, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = q(c.Column())
		if c.Name == "id" {
			continue
		}
		sets = append(sets, q(c.Column())+" = ?")
		diffs = append(diffs, q(c.Column())+" IS NOT ?")
	}
	ins := fmt.Sprintf("INSERT OR IGNORE INTO %s (%s) VALUES (%s)", q(t.Name), strings.Join(cols, ", "), placeholders(len(cols)))
	// The update only fires when a value differs, so "unchanged" is told
	// apart from "updated" by the number of rows it changed.
	upd := fmt.Sprintf("UPDATE %s SET %s WHERE %s = ? AND (%s)", q(t.Name), strings.Join(sets, ", "), q("id"), strings.Join(diffs, " OR "))
	si, err := w.tx.PrepareContext(ctx, ins)
	if err != nil {
		return nil, err
	}
	su, err := w.tx.PrepareContext(ctx, upd)
	if err != nil {
		si.Close()
		return nil, err
	}
	s := &tableStmts{insert: si, update: su, args: make([]any, 0, 2*len(t.Columns)+1)}
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

// LocalLayout is how tenant-local timestamps are stored: fixed width, three
// fraction digits, numeric offset (never "Z"), so SQL can cut fields by
// position (see functions_sqlite.go).
const LocalLayout = "2006-01-02T15:04:05.000-07:00"

// Upsert inserts r, or updates the stored row with the same id when a value
// differs. Required columns (id, tenantId, source, sourceId) must be set.
func (w *Writer) Upsert(ctx context.Context, r *Row) (Outcome, error) {
	t := r.Table
	tenant, _ := r.Get("tenantId").(string)
	for _, c := range t.Columns {
		if !c.Nullable {
			if v := r.Get(c.Name); v == nil || v == "" {
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
			// The local twin always follows its UTC instant.
			if ut, ok := r.Values[t.Index(c.UTC.Name)].(time.Time); ok {
				vals[i] = ut.In(loc).Format(LocalLayout)
			} else {
				vals[i] = nil
			}
		}
	}
	counts := w.Counts[t.Name]
	if counts == nil {
		counts = &Counts{}
		w.Counts[t.Name] = counts
	}
	res, err := s.insert.ExecContext(ctx, vals...)
	if err != nil {
		return 0, fmt.Errorf("store: insert into %s: %w", t.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		counts.Inserted++
		return Inserted, nil
	}
	args := s.args[:0]
	var id any
	for i, c := range t.Columns {
		if c.Name == "id" {
			id = vals[i]
			continue
		}
		args = append(args, vals[i])
	}
	args = append(args, id)
	for i, c := range t.Columns {
		if c.Name != "id" {
			args = append(args, vals[i])
		}
	}
	res, err = s.update.ExecContext(ctx, args...)
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

// storageValue converts a Go value to its column representation.
func storageValue(c *edm.Property, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return x.UnixMilli()
	case *time.Time:
		if x == nil || x.IsZero() {
			return nil
		}
		return x.UnixMilli()
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
