package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// indexBatch is how many queued rows one IndexText transaction indexes: small
// enough that a load waiting for the write lock waits well under a second.
const indexBatch = 5000

// IndexText brings the full-text indexes up to date with the rows queued by
// the triggers (see search.go), in transactions of indexBatch rows, and
// returns how many rows it indexed. It is safe to run at any time and from
// any process; a row queued while it runs is indexed by the next call.
func (db *DB) IndexText(ctx context.Context) (int, error) {
	return db.indexText(ctx, db.Write)
}

// indexText indexes batch after batch, each in a transaction run by write.
func (db *DB) indexText(ctx context.Context, write func(context.Context, func(*sql.Tx) error) error) (int, error) {
	total := 0
	for {
		n, err := db.indexTextBatch(ctx, write)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// PendingText reports how many rows wait for the full-text index.
func (db *DB) PendingText(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM ccfeed_fts_pending").Scan(&n)
	return n, err
}

func (db *DB) indexTextBatch(ctx context.Context, write func(context.Context, func(*sql.Tx) error) error) (int, error) {
	done := 0
	err := write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT tbl, rid FROM ccfeed_fts_pending ORDER BY tbl, rid LIMIT ?", indexBatch)
		if err != nil {
			return err
		}
		byTable := map[string][]any{}
		var order []string
		for rows.Next() {
			var tbl string
			var rid int64
			if err := rows.Scan(&tbl, &rid); err != nil {
				rows.Close()
				return err
			}
			if byTable[tbl] == nil {
				order = append(order, tbl)
			}
			byTable[tbl] = append(byTable[tbl], rid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, name := range order {
			rids := byTable[name]
			if t := db.table(name); t != nil && len(t.SearchColumns()) > 0 {
				if err := db.indexRows(ctx, tx, t, rids); err != nil {
					return err
				}
			}
			// A table no longer searchable just drops its queue.
			if _, err := tx.ExecContext(ctx, "DELETE FROM ccfeed_fts_pending WHERE tbl = ? AND rid IN ("+placeholders(len(rids))+")",
				append([]any{name}, rids...)...); err != nil {
				return err
			}
			done += len(rids)
		}
		return nil
	})
	return done, err
}

// indexRows replaces the index entries of the given rows of t with their
// current text: a deleted row just leaves the index.
func (db *DB) indexRows(ctx context.Context, tx *sql.Tx, t *edm.Table, rids []any) error {
	q := db.Dialect.Quote
	fts := q(ftsName(t))
	in := "(" + placeholders(len(rids)) + ")"
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+fts+" WHERE rowid IN "+in, rids...); err != nil {
		return fmt.Errorf("store: full-text index of %s: %w", t.Name, err)
	}
	cols := t.SearchColumns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = q(c.Column())
	}
	list := strings.Join(names, ", ")
	_, err := tx.ExecContext(ctx, "INSERT INTO "+fts+" (rowid, "+list+") SELECT rowid, "+list+" FROM "+q(t.Name)+" WHERE rowid IN "+in, rids...)
	if err != nil {
		return fmt.Errorf("store: full-text index of %s: %w", t.Name, err)
	}
	return nil
}

// table returns the model table with this name, or nil.
func (db *DB) table(name string) *edm.Table {
	for _, t := range db.Model.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}
