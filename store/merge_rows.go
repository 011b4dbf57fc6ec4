package store

import (
	"context"
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
	_, err := lt.tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s FROM %s AS o WHERE %s.%s = ? AND %s.%s = ? AND o.%s = ? AND o.%s = ?",
		q(tbl.Name), strings.Join(sets, ", "), q(tbl.Name), q(tbl.Name), q("tenantId"), q(tbl.Name), q("id"), q("tenantId"), q("id")),
		tenant, into, tenant, from)
	if err != nil {
		return fmt.Errorf("store: merging %s rows: %w", set.Name, err)
	}
	_, err = lt.tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = ? AND %s = ?", q(tbl.Name), q("tenantId"), q("id")), tenant, from)
	return err
}

// FindOthers is FindBy without the row except.
func (lt *LoadTx) FindOthers(ctx context.Context, table *edm.Table, column, tenant, value, except string, nullColumns ...string) ([]string, error) {
	ids, err := lt.FindBy(ctx, table, column, tenant, value, nullColumns...)
	if err != nil {
		return nil, err
	}
	out := ids[:0]
	for _, id := range ids {
		if id != except {
			out = append(out, id)
		}
	}
	return out, nil
}
