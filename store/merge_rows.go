package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// MergeInto makes the row into of set the only row of what from also
// describes (two sources' rows for one person): every reference to from, in
// every table whose single-valued navigation leads to set, is repointed to
// into; aliases that named from name into; into takes from's values where it
// has none; and from is deleted. Both rows are the tenant's.
func (lt *LoadTx) MergeInto(ctx context.Context, set *edm.EntitySet, tenant, from, into string) error {
	if from == into {
		return nil
	}
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	// The merge rewrites references in every table: held rows go first.
	if err := lt.Flush(ctx); err != nil {
		return err
	}
	q := lt.db.Dialect.Quote
	tbl := set.Type.Table
	seen := map[*edm.Property]bool{}
	for _, t := range lt.db.Model.Types {
		for _, n := range t.Navigations {
			if n.Collection || n.Target.Type.Table != tbl || seen[n.SourceProp] {
				continue
			}
			seen[n.SourceProp] = true
			col := n.SourceProp
			_, err := lt.tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ? AND %s = ?",
				q(col.Table().Name), q(col.Column()), q("tenantId"), q(col.Column())), into, tenant, from)
			if err != nil {
				return fmt.Errorf("store: repointing %s.%s: %w", col.Table().Name, col.Name, err)
			}
		}
	}
	if _, err := lt.tx.ExecContext(ctx, "UPDATE ccfeed_aliases SET id = ? WHERE tenant = ? AND id = ?", into, tenant, from); err != nil {
		return err
	}
	var sets []string
	for _, c := range tbl.Columns {
		switch c.Name {
		case "id", "tenantId", "source", "sourceId":
			continue
		}
		sets = append(sets, fmt.Sprintf("%s = COALESCE(%s.%s, o.%s)", q(c.Column()), q(tbl.Name), q(c.Column()), q(c.Column())))
	}
	_, err = lt.tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s FROM %s AS o WHERE %s.%s = ? AND %s.%s = ? AND o.%s = ? AND o.%s = ?",
		q(tbl.Name), strings.Join(sets, ", "), q(tbl.Name), q(tbl.Name), q("tenantId"), q(tbl.Name), q("id"), q("tenantId"), q("id")),
		tenant, into, tenant, from)
	if err != nil {
		return fmt.Errorf("store: merging %s rows: %w", set.Name, err)
	}
	// The absorbed row's id may be a source's deterministic id, which that
	// source would create again; it finds the redirect instead. Earlier
	// redirects to it follow along.
	if _, err := lt.tx.ExecContext(ctx, "UPDATE ccfeed_merged SET into_id = ? WHERE tenant = ? AND into_id = ?", into, tenant, from); err != nil {
		return err
	}
	if _, err := lt.tx.ExecContext(ctx, `INSERT INTO ccfeed_merged (tenant, from_id, into_id) VALUES (?, ?, ?)
		ON CONFLICT (tenant, from_id) DO UPDATE SET into_id = excluded.into_id`, tenant, from, into); err != nil {
		return err
	}
	_, err = lt.tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = ? AND %s = ?", q(tbl.Name), q("tenantId"), q("id")), tenant, from)
	return err
}

func init() {
	extraTables = append(extraTables, `CREATE TABLE IF NOT EXISTS ccfeed_merged (
		tenant  TEXT NOT NULL,
		from_id TEXT NOT NULL,
		into_id TEXT NOT NULL,
		PRIMARY KEY (tenant, from_id)
	) WITHOUT ROWID`)
}

// FindOthers is FindBy restricted to rows whose id does not start with
// exceptPrefix (the rows of one source, itself included).
func (lt *LoadTx) FindOthers(ctx context.Context, table *edm.Table, column, tenant, value, exceptPrefix string, nullColumns ...string) ([]string, error) {
	return lt.findIDs(ctx, table, column, tenant, value, exceptPrefix, nullColumns)
}

// FillNull sets column of the row id to value where it is NULL: what a
// mention learned about a row another source owns, without overwriting
// anything that source said.
func (lt *LoadTx) FillNull(ctx context.Context, table *edm.Table, tenant, id, column string, value any) error {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	if err := lt.FlushTable(ctx, table); err != nil {
		return err
	}
	q := lt.db.Dialect.Quote
	_, err = lt.tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ? AND %s = ? AND %s IS NULL",
		q(table.Name), q(column), q("tenantId"), q("id"), q(column)), value, tenant, id)
	return err
}

// MergedInto returns the row that absorbed the row from (MergeInto), if any.
func (lt *LoadTx) MergedInto(ctx context.Context, tenant, from string) (string, bool, error) {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return "", false, err
	}
	var into string
	err = lt.tx.QueryRowContext(ctx, "SELECT into_id FROM ccfeed_merged WHERE tenant = ? AND from_id = ?", tenant, from).Scan(&into)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return into, err == nil, err
}
