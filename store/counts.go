package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// Row counts kept with the data. "How many Chats" (Power BI asks before
// every refresh) is a count over a range of an index in SQLite: about 35
// ns a row, 35 ms for a million chats, where a plain table of those ids
// counts in a fraction of that by summing its pages. So every write
// transaction brings the counts of what it wrote up to date, per table and
// tenant, by slice and business unit, and an unfiltered count sums a few
// rows of ccfeed_counts. This happens in the transaction that changed the
// rows: a reader sees the counts of the rows it sees, never others.
//
// Most loads only add rows, and new rows have row ids above any the table
// had when the transaction began, so the counts grow by a count of those
// (a range of the table's row ids, whatever its size). Rows whose slice or
// business unit changes (a conversation moved to another unit, and with it
// the copies on its messages), and deleted rows, are rare: a trigger notes
// the table and tenant in ccfeed_count_changes, and those are counted
// again in full.
//
// part is the slice column's value (NULL for a table without slice, or a
// row without a value); unit the row's business unit column
// (edm.Table.BusinessUnit), NULL when it has none.
func init() {
	extraTables = append(extraTables,
		`CREATE TABLE IF NOT EXISTS ccfeed_counts (
			tbl    TEXT NOT NULL,
			tenant TEXT NOT NULL,
			part   TEXT,
			unit   TEXT,
			n      INTEGER NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS ix_counts ON ccfeed_counts (tbl, tenant)`,
		`CREATE TABLE IF NOT EXISTS ccfeed_count_changes (
			tbl    TEXT NOT NULL,
			tenant TEXT NOT NULL,
			PRIMARY KEY (tbl, tenant)
		) WITHOUT ROWID`,
	)
}

// insertCount adds one group's count: table, tenant, part, unit, n.
const insertCount = `INSERT INTO ccfeed_counts (tbl, tenant, part, unit, n) VALUES (?, ?, ?, ?, ?)`

// countedColumns are the columns a table's counts are kept by.
func countedColumns(t *edm.Table) []*edm.Property {
	var out []*edm.Property
	for _, c := range []*edm.Property{t.Slice, t.BusinessUnit} {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

// countTriggers note the rows whose slice or business unit changes, by
// name (see above).
func (db *DB) countTriggers() map[string]string {
	q := db.Dialect.Quote
	out := map[string]string{}
	for _, t := range db.Model.Tables {
		cols := countedColumns(t)
		if len(cols) == 0 {
			continue
		}
		var names, changed []string
		for _, c := range cols {
			names = append(names, q(c.Column()))
			changed = append(changed, "old."+q(c.Column())+" IS NOT new."+q(c.Column()))
		}
		name := "ccfeed_count_" + t.Name
		out[name] = fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE OF %s ON %s WHEN %s BEGIN "+
			"INSERT OR IGNORE INTO ccfeed_count_changes (tbl, tenant) VALUES (%s, new.%s); END",
			q(name), strings.Join(names, ", "), q(t.Name), strings.Join(changed, " OR "), sqlString(t.Name), q("tenantId"))
	}
	return out
}

// touch notes that a transaction writes rows of t for tenant: their counts
// are brought up to date before it commits. The first time it meets t, it
// notes the table's highest row id: the rows it adds are above it. Rows
// that copy a business unit from t's rows (edm.Copy) may change with them.
func (w *Writer) touch(ctx context.Context, t *edm.Table, tenant string) error {
	k := touched{t, tenant}
	if _, ok := w.touched[k]; ok {
		return nil
	}
	if w.touched == nil {
		w.touched, w.marks = map[touched]struct{}{}, map[*edm.Table]int64{}
	}
	if _, ok := w.marks[t]; !ok {
		var mark int64
		q := w.db.Dialect.Quote
		if err := w.tx.QueryRowContext(ctx, "SELECT coalesce(max("+q(ridColumn)+"), 0) FROM "+q(t.Name)).Scan(&mark); err != nil {
			return fmt.Errorf("store: counting %s: %w", t.Name, err)
		}
		w.marks[t] = mark
	}
	w.touched[k] = struct{}{}
	for _, c := range w.db.copyChildren(t) {
		if err := w.touch(ctx, c, tenant); err != nil {
			return err
		}
	}
	return nil
}

type touched struct {
	t      *edm.Table
	tenant string
}

// recountTouched brings the counts of what the transaction wrote up to
// date: a full count where a slice or unit changed or a row was deleted,
// else the rows added.
func (w *Writer) recountTouched(ctx context.Context) error {
	full := map[touched]bool{}
	rows, err := w.tx.QueryContext(ctx, `SELECT tbl, tenant FROM ccfeed_count_changes`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var tbl, tenant string
		if err := rows.Scan(&tbl, &tenant); err != nil {
			rows.Close()
			return err
		}
		for _, t := range w.db.Model.Tables {
			if t.Name == tbl {
				full[touched{t, tenant}] = true
				w.touched[touched{t, tenant}] = struct{}{}
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	keys := slices.SortedFunc(maps.Keys(w.touched), func(a, b touched) int {
		if a.t.Name != b.t.Name {
			return compareStrings(a.t.Name, b.t.Name)
		}
		return compareStrings(a.tenant, b.tenant)
	})
	for _, k := range keys {
		c := w.Counts[k.t.Name]
		mark, known := w.marks[k.t]
		switch {
		case full[k] || !known || c != nil && c.Deleted > 0:
			err = w.db.recount(ctx, w.tx, k.t, k.tenant)
		case c != nil && c.Inserted > 0:
			err = w.db.countAdded(ctx, w.tx, k.t, k.tenant, mark)
		}
		if err != nil {
			return err
		}
	}
	if len(full) > 0 {
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM ccfeed_count_changes`); err != nil {
			return err
		}
	}
	clear(w.touched)
	clear(w.marks)
	return nil
}

// countWindow is how many row ids countAdded groups at once. GROUP BY
// sorts, and SQLite's sorter keeps up to the page cache's size of records
// in memory before it spills: over the 2.7 million messages of a 1 GB
// two-way report that was 47 MB on top of the load. Windows of row ids are
// range scans of the table, so the total work is the same and the sorter
// never holds more than a window.
var countWindow int64 = 1 << 16

// countAdded adds to the counts of t's rows of one tenant the rows above
// row id mark.
func (db *DB) countAdded(ctx context.Context, tx *sql.Tx, t *edm.Table, tenant string, mark int64) error {
	q := db.Dialect.Quote
	part, unit := "NULL", "NULL"
	if t.Slice != nil {
		part = q(t.Slice.Column())
	}
	if t.BusinessUnit != nil {
		unit = q(t.BusinessUnit.Column())
	}
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT max(%s) FROM %s`, q(ridColumn), q(t.Name))).Scan(&last); err != nil {
		return fmt.Errorf("store: counting %s: %w", t.Name, err)
	}
	var added countGroups
	query := fmt.Sprintf(`SELECT %s, %s, count(*) FROM %s WHERE %s > ? AND %s <= ? AND %s = ? GROUP BY 1, 2`,
		part, unit, q(t.Name), q(ridColumn), q(ridColumn), q("tenantId"))
	for from := mark; from < last.Int64; from += countWindow {
		if err := added.read(ctx, tx, query, from, from+countWindow, tenant); err != nil {
			return fmt.Errorf("store: counting %s: %w", t.Name, err)
		}
	}
	for _, g := range added.order {
		n := added.n[g]
		res, err := tx.ExecContext(ctx, `UPDATE ccfeed_counts SET n = n + ? WHERE tbl = ? AND tenant = ? AND part IS ? AND unit IS ?`,
			n, t.Name, tenant, g.part, g.unit)
		if err != nil {
			return fmt.Errorf("store: counting %s: %w", t.Name, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, insertCount,
			t.Name, tenant, g.part, g.unit, n); err != nil {
			return fmt.Errorf("store: counting %s: %w", t.Name, err)
		}
	}
	return nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// countKey is one kept count's slice and business unit.
type countKey struct{ part, unit sql.NullString }

// countGroups sums rows of (part, unit, count) by key, in the order keys
// first came, so that the writes made from them do not depend on map order.
type countGroups struct {
	n     map[countKey]int64
	order []countKey
}

func (g *countGroups) read(ctx context.Context, tx *sql.Tx, stmt string, args ...any) error {
	if g.n == nil {
		g.n = map[countKey]int64{}
	}
	rows, err := tx.QueryContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k countKey
		var n int64
		if err := rows.Scan(&k.part, &k.unit, &n); err != nil {
			return err
		}
		if _, seen := g.n[k]; !seen {
			g.order = append(g.order, k)
		}
		g.n[k] += n
	}
	return rows.Err()
}

// recount replaces the counts of t's rows of one tenant. The grouping
// columns lead the business-unit index (or the rows index), so SQLite reads
// one index in order and sorts nothing.
func (db *DB) recount(ctx context.Context, tx *sql.Tx, t *edm.Table, tenant string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ccfeed_counts WHERE tbl = ? AND tenant = ?`, t.Name, tenant); err != nil {
		return fmt.Errorf("store: counting %s: %w", t.Name, err)
	}
	var counts countGroups
	totals, units := db.recountSQL(t)
	if err := counts.read(ctx, tx, totals, tenant); err != nil {
		return fmt.Errorf("store: counting %s: %w", t.Name, err)
	}
	if units != "" {
		// Totals came by slice only (unit NULL); the rows with a unit
		// are counted apart and taken from those totals.
		byPart := map[sql.NullString]int64{}
		before := len(counts.order)
		if err := counts.read(ctx, tx, units, tenant); err != nil {
			return fmt.Errorf("store: counting %s: %w", t.Name, err)
		}
		for _, k := range counts.order[before:] {
			byPart[k.part] += counts.n[k]
		}
		for _, k := range counts.order[:before] {
			counts.n[k] -= byPart[k.part]
		}
	}
	for _, k := range counts.order {
		if counts.n[k] <= 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, insertCount,
			t.Name, tenant, k.part, k.unit, counts.n[k]); err != nil {
			return fmt.Errorf("store: counting %s: %w", t.Name, err)
		}
	}
	return nil
}

// recountSQL counts one tenant's rows of t (the argument): totals by slice,
// from the rows index, and, for a table with business units, the rows that
// have one by unit and slice, from the business-unit index, which leaves
// out rows without one (edm.Index.NotNull). Each row read is (part, unit,
// count).
func (db *DB) recountSQL(t *edm.Table) (totals, units string) {
	q := db.Dialect.Quote
	part := "NULL"
	if t.Slice != nil {
		part = q(t.Slice.Column())
	}
	totals = fmt.Sprintf(`SELECT %s, NULL, count(*) FROM %s WHERE %s = ?`, part, q(t.Name), q("tenantId"))
	if t.Slice != nil {
		totals += " GROUP BY " + part
	} else {
		totals += " HAVING count(*) > 0"
	}
	if bu := t.BusinessUnit; bu != nil {
		unit := q(bu.Column())
		units = fmt.Sprintf(`SELECT %s, %s, count(*) FROM %s WHERE %s = ? AND %s IS NOT NULL GROUP BY %s`,
			part, unit, q(t.Name), q("tenantId"), unit, unit)
		if t.Slice != nil {
			units += ", " + part
		}
	}
	return totals, units
}

// recountAll rebuilds every count, for a database from before the counts.
func (db *DB) recountAll(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ccfeed_counts`); err != nil {
		return err
	}
	for _, t := range db.Model.Tables {
		tenants, err := queryStrings(ctx, tx, "SELECT DISTINCT "+db.Dialect.Quote("tenantId")+" FROM "+db.Dialect.Quote(t.Name))
		if err != nil {
			return err
		}
		for _, tn := range tenants {
			if err := db.recount(ctx, tx, t, tn); err != nil {
				return err
			}
		}
	}
	return nil
}

// storedCount is the number of rows of a set the scope sees, from the
// counts: the answer to a count without filter, search or path.
func (t *translator) storedCount(set *edm.EntitySet) Fragment {
	var sb sqlBuilder
	sb.write("SELECT coalesce(sum(n), 0) FROM ccfeed_counts WHERE tbl = ?")
	sb.args = append(sb.args, set.Type.Table.Name)
	if len(t.scope.tenants) == 0 {
		sb.write(" AND 0")
	} else {
		sb.write(" AND ").add(inList("tenant", t.scope.tenants))
	}
	if set.Slice != nil {
		sb.write(" AND ").add(inList("part", set.Slice.Values))
	}
	if len(t.scope.businessUnits) > 0 && set.Type.Table.BusinessUnit != nil {
		sb.write(" AND ").add(inList("unit", t.scope.businessUnits))
	}
	return sb.fragment()
}
