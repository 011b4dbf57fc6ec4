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

// Copy columns (edm.Copy) hold, on a row, a value of the row its foreign
// key points to: Messages.ownerBusinessUnitId is the business unit of the
// message's conversation. Before them, a token limited to business units
// read every message's conversation to decide whether it may see the
// message, a lookup per row that knocked every count and aggregation off
// its index (2M queue segments: seconds instead of a fraction).
//
// The store keeps them equal to the owner's value whatever order rows
// arrive in:
//   - an INSERT of a child computes the copy from the owner, if stored;
//   - triggers on the owner copy its value to its children when the owner
//     is inserted (children may have arrived first), when the value
//     changes, and clear it when the owner is deleted;
//   - a trigger on the child recomputes the copy when its foreign key
//     changes.
//
// Loaders never set a copy, and it is not a served value: changing it does
// not change modifiedAtUTC.

// copyColumns returns t's copy columns.
func copyColumns(t *edm.Table) []*edm.Property {
	var out []*edm.Property
	for _, c := range t.Columns {
		if c.Copy != nil {
			out = append(out, c)
		}
	}
	return out
}

// copyChildren returns the tables with a copy of a column of t.
func (db *DB) copyChildren(t *edm.Table) []*edm.Table {
	var out []*edm.Table
	for _, c := range db.Model.Tables {
		for _, p := range copyColumns(c) {
			if p.Copy.From.Table() == t {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// copyExpr is the value of copy column c for a row of tenant whose foreign
// key is the next argument: the owner's value, or NULL without an owner.
func (db *DB) copyExpr(c *edm.Property) string {
	q := db.Dialect.Quote
	return fmt.Sprintf("(SELECT %s FROM %s WHERE %s = ? AND %s = ?)", q(c.Copy.From.Column()),
		q(c.Copy.From.Table().Name), q("tenantId"), q("id"))
}

// copyUpdate is the statement a trigger on the owner runs for child table
// t: set copy c to value on the rows of tenant whose foreign key is owner
// (SQL expressions: new."tenantId" and so on). It tests nothing but the
// key: a condition on the copy ("only rows that differ") made SQLite read
// every row of the tenant from a covering index holding both
// (QueueSegments' queue index), before the first ANALYZE, for each owner
// inserted.
func (db *DB) copyUpdate(t *edm.Table, c *edm.Property, value, tenant, owner string) string {
	q := db.Dialect.Quote
	return fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s = %s AND %s = %s", q(t.Name), q(c.Column()), value,
		q("tenantId"), tenant, q(c.Copy.Via.Column()), owner)
}

// copyTriggers are the triggers that keep copies equal to their owners'
// values, by name.
func (db *DB) copyTriggers() map[string]string {
	q := db.Dialect.Quote
	out := map[string]string{}
	type child struct {
		t *edm.Table
		c *edm.Property
	}
	byOwner := map[*edm.Table][]child{}
	for _, t := range db.Model.Tables {
		for _, c := range copyColumns(t) {
			owner := c.Copy.From.Table()
			byOwner[owner] = append(byOwner[owner], child{t, c})
			name := "ccfeed_copy_" + t.Name + "_" + c.Name
			via := q(c.Copy.Via.Column())
			out[name] = fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE OF %s ON %s WHEN old.%s IS NOT new.%s BEGIN "+
				"UPDATE %s SET %s = (SELECT %s FROM %s AS o WHERE o.%s = new.%s AND o.%s = new.%s) WHERE %s = new.%s; END",
				q(name), via, q(t.Name), via, via,
				q(t.Name), q(c.Column()), q(c.Copy.From.Column()), q(owner.Name), q("tenantId"), q("tenantId"), q("id"), via,
				q(ridColumn), q(ridColumn))
		}
	}
	for _, owner := range slices.SortedFunc(maps.Keys(byOwner), func(a, b *edm.Table) int { return strings.Compare(a.Name, b.Name) }) {
		kids := byOwner[owner]
		from := q(kids[0].c.Copy.From.Column())
		set := func(ref, value string) string {
			var b strings.Builder
			for _, k := range kids {
				fmt.Fprintf(&b, "%s; ", db.copyUpdate(k.t, k.c, value, ref+"."+q("tenantId"), ref+"."+q("id")))
			}
			return b.String()
		}
		base := "ccfeed_copy_" + owner.Name
		// Children loaded before their owner have no copy yet.
		out[base+"_ins"] = fmt.Sprintf("CREATE TRIGGER %s AFTER INSERT ON %s WHEN new.%s IS NOT NULL BEGIN %sEND",
			q(base+"_ins"), q(owner.Name), from, set("new", "new."+from))
		out[base+"_upd"] = fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE OF %s ON %s WHEN old.%s IS NOT new.%s BEGIN %sEND",
			q(base+"_upd"), from, q(owner.Name), from, from, set("new", "new."+from))
		out[base+"_del"] = fmt.Sprintf("CREATE TRIGGER %s AFTER DELETE ON %s WHEN old.%s IS NOT NULL BEGIN %sEND",
			q(base+"_del"), q(owner.Name), from, set("old", "NULL"))
	}
	return out
}

// dropCopyTriggers removes every copy and count trigger (reconcile makes
// them again).
func (db *DB) dropCopyTriggers(ctx context.Context, tx *sql.Tx) error {
	names, err := queryStrings(ctx, tx, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'ccfeed_copy_%' OR name LIKE 'ccfeed_count_%')")
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, "DROP TRIGGER "+db.Dialect.Quote(n)); err != nil {
			return err
		}
	}
	return nil
}

// reconcileCopies creates the copy and count triggers (dropped at the
// start of reconcile).
func (db *DB) reconcileCopies(ctx context.Context, tx *sql.Tx) error {
	want := db.copyTriggers()
	maps.Copy(want, db.countTriggers())
	for _, n := range slices.Sorted(maps.Keys(want)) {
		if _, err := tx.ExecContext(ctx, want[n]); err != nil {
			return fmt.Errorf("store: trigger %s: %w", n, err)
		}
	}
	return nil
}

// backfillCopy fills a copy column an upgrade has just added.
func (db *DB) backfillCopy(ctx context.Context, tx *sql.Tx, t *edm.Table, c *edm.Property) error {
	q := db.Dialect.Quote
	_, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = (SELECT o.%s FROM %s AS o WHERE o.%s = %s.%s AND o.%s = %s.%s) WHERE %s IS NOT NULL",
		q(t.Name), q(c.Column()), q(c.Copy.From.Column()), q(c.Copy.From.Table().Name), q("tenantId"), q(t.Name), q("tenantId"),
		q("id"), q(t.Name), q(c.Copy.Via.Column()), q(c.Copy.Via.Column())))
	return err
}
