package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ccfeed/ccfeed/edm"
)

// When the people a load touched are worked out again, a mention may end up
// in another person than before (two people turned out to be one; a
// namesake arrived and a name-only mention no longer knows whom it names).
// Fact rows that named the person through that mention must follow. A move
// (mention, from person, to person) records that; DrainMoves rewrites the
// foreign keys of the rows concerned, found through the index on (tenantId,
// foreign key, mention), a bounded number of rows per call. A load drains
// what it can within its budget; what is left is drained by later calls
// (ccfeed serve every second, ccfeed load after its files), and until then
// reads resolve the pending moves themselves (see movedColumn), so a query
// never sees a row pointing at a person that no longer exists.

func init() {
	extraTables = append(extraTables,
		`CREATE TABLE IF NOT EXISTS ccfeed_moves (
			tenant  TEXT NOT NULL,
			kind    TEXT NOT NULL,
			ref     INTEGER NOT NULL,
			from_id TEXT NOT NULL,
			to_id   TEXT NOT NULL,
			PRIMARY KEY (tenant, ref, from_id)
		) WITHOUT ROWID`,
	)
}

// RecordMove notes that rows naming a person through the mention ref must
// now name person to instead of from. Earlier moves of the mention that
// ended at from now end at to.
func (lt *LoadTx) RecordMove(ctx context.Context, tenant, kind string, ref int64, from, to string) error {
	if from == to || from == "" {
		return nil
	}
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE ccfeed_moves SET to_id = ? WHERE tenant = ? AND ref = ? AND to_id = ?`, []any{to, tenant, ref, from}},
		{`INSERT INTO ccfeed_moves (tenant, kind, ref, from_id, to_id) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant, ref, from_id) DO UPDATE SET to_id = excluded.to_id`, []any{tenant, kind, ref, from, to}},
		{`DELETE FROM ccfeed_moves WHERE tenant = ? AND ref = ? AND from_id = to_id`, []any{tenant, ref}},
	} {
		if _, err := lt.exec(ctx, stmt.sql, stmt.args...); err != nil {
			return fmt.Errorf("store: recording a move: %w", err)
		}
	}
	lt.moved = true
	return nil
}

// DrainMoves rewrites the foreign keys of pending moves inside the load, up
// to budget rows, and reports how many it rewrote and whether moves remain.
func (lt *LoadTx) DrainMoves(ctx context.Context, budget int) (int, bool, error) {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return 0, false, err
	}
	if err := lt.Flush(ctx); err != nil {
		return 0, false, err
	}
	return lt.db.drainMoves(ctx, lt.tx, budget)
}

// DrainMoves rewrites pending moves in transactions of at most batch rows,
// until none is left or ctx ends, and reports the rows rewritten.
func (db *DB) DrainMoves(ctx context.Context, batch int) (int, error) {
	total := 0
	for {
		var n int
		var left bool
		err := db.Write(ctx, func(tx *sql.Tx) error {
			var err error
			n, left, err = db.drainMoves(ctx, tx, batch)
			return err
		})
		total += n
		if err != nil || !left {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

type move struct {
	tenant, kind string
	ref          int64
	from, to     string
}

// drainMoves does the work of DrainMoves in tx.
func (db *DB) drainMoves(ctx context.Context, tx *sql.Tx, budget int) (int, bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT tenant, kind, ref, from_id, to_id FROM ccfeed_moves ORDER BY tenant, kind, ref, from_id`)
	if err != nil {
		return 0, false, err
	}
	var moves []move
	for rows.Next() {
		var m move
		if err := rows.Scan(&m.tenant, &m.kind, &m.ref, &m.from, &m.to); err != nil {
			rows.Close()
			return 0, false, err
		}
		moves = append(moves, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	q := db.Dialect.Quote
	done := 0
	for i, m := range moves {
		complete := true
		for _, c := range db.personColumns(m.kind) {
			for {
				limit := min(budget-done, 10_000)
				if limit <= 0 {
					complete = false
					break
				}
				set := q(c.fk) + " = ?"
				args := []any{m.to}
				if c.modified {
					// The row's agent or customer changed: a refresh
					// polling modifiedAtUTC must see it.
					set += ", " + q(edm.ModifiedColumn) + " = ?"
					args = append(args, time.Now().UnixMilli())
				}
				res, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %[1]s SET %[5]s WHERE rowid IN (SELECT rowid FROM %[1]s WHERE %[3]s = ? AND %[2]s = ? AND %[4]s = ? LIMIT ?)`,
					q(c.table), q(c.fk), q("tenantId"), q(c.ref), set), append(args, m.tenant, m.from, m.ref, limit)...)
				if err != nil {
					return done, true, fmt.Errorf("store: moving %s rows: %w", c, err)
				}
				n, _ := res.RowsAffected()
				done += int(n)
				if int(n) < limit {
					break
				}
			}
			if !complete {
				break
			}
		}
		if !complete {
			return done, true, nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ccfeed_moves WHERE tenant = ? AND ref = ? AND from_id = ?`,
			m.tenant, m.ref, m.from); err != nil {
			return done, i < len(moves)-1, err
		}
	}
	return done, false, nil
}

// PendingMoves reports whether any of the tenants has moves not yet drained.
func (db *DB) pendingMoves(ctx context.Context, tenants []string) (bool, error) {
	if len(tenants) == 0 {
		return false, nil
	}
	var one int
	err := db.read.QueryRowContext(context.WithoutCancel(ctx), `SELECT 1 FROM ccfeed_moves WHERE tenant IN (`+placeholders(len(tenants))+`) LIMIT 1`, anys(tenants)...).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// PendingMoves counts the moves not yet drained, for tests and metrics.
func (db *DB) PendingMoves(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM ccfeed_moves`).Scan(&n)
	return n, err
}

// movedColumn is how a read sees a foreign key to a person while moves are
// pending for its tenants: the person the row's mention moved to, else the
// stored one. It costs a lookup per row, so the translator uses it only
// while the scope's tenants have pending moves (scope.moved); once drained,
// reads use the column itself and its index again.
func movedColumn(q func(string) string, alias, fk, ref string) string {
	c := alias + "." + q(fk)
	return "coalesce((SELECT ccfeed_mv.to_id FROM ccfeed_moves AS ccfeed_mv WHERE ccfeed_mv.tenant = " + alias + "." + q("tenantId") +
		" AND ccfeed_mv.ref = " + alias + "." + q(ref) + " AND ccfeed_mv.from_id = " + c + "), " + c + ")"
}
