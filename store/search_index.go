package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// indexBatch is how many queued rows one IndexText transaction indexes: small
// enough that a load waiting for the write lock waits well under a second.
const indexBatch = 5000

// IndexText brings the full-text indexes up to date, in transactions of
// indexBatch rows: first the changes queued by the triggers, then the rows
// above each table's mark (see search.go). It returns how many rows it
// indexed. It is safe to run at any time and from any process; a row
// written while it runs is indexed by the next call.
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

// markOf is a table's mark (its name the argument): rows above it wait for
// the index, and the rows at or below it are indexed or queued.
const markOf = "(SELECT coalesce(max(rid), 0) FROM ccfeed_fts_mark WHERE tbl = ?)"

// PendingText reports how many rows wait for the full-text index: queued
// changes and rows above the marks.
func (db *DB) PendingText(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM ccfeed_fts_pending").Scan(&n); err != nil {
		return 0, err
	}
	for _, t := range db.searchTables() {
		var above int
		err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM "+db.Dialect.Quote(t.Name)+
			" WHERE rowid > "+markOf, t.Name).Scan(&above)
		if err != nil {
			return 0, err
		}
		n += above
	}
	return n, nil
}

// textBehind reports, cheaply, whether anything waits for the index.
func (db *DB) textBehind(ctx context.Context) bool {
	var one int
	if db.read.QueryRowContext(ctx, "SELECT 1 FROM ccfeed_fts_pending LIMIT 1").Scan(&one) == nil {
		return true
	}
	for _, t := range db.searchTables() {
		if db.read.QueryRowContext(ctx, "SELECT 1 FROM "+db.Dialect.Quote(t.Name)+
			" WHERE rowid > "+markOf+" LIMIT 1", t.Name).Scan(&one) == nil {
			return true
		}
	}
	return false
}

// indexTextBatch indexes up to indexBatch rows in one transaction. Queued
// changes go first, and rows above a mark only once none are queued: a
// queued delete may concern an id that a newer row above the mark reuses,
// and its stale index entry must be gone before that row is indexed.
func (db *DB) indexTextBatch(ctx context.Context, write func(context.Context, func(*sql.Tx) error) error) (int, error) {
	done := 0
	err := write(ctx, func(tx *sql.Tx) error {
		n, err := db.indexQueued(ctx, tx)
		if err != nil || n > 0 {
			done = n
			return err
		}
		for _, t := range db.searchTables() {
			n, err := db.indexAboveMark(ctx, tx, t, indexBatch-done)
			if err != nil {
				return err
			}
			if done += n; done >= indexBatch {
				break
			}
		}
		return nil
	})
	return done, err
}

// indexQueued handles up to indexBatch queued changes.
func (db *DB) indexQueued(ctx context.Context, tx *sql.Tx) (int, error) {
	rows, err := tx.QueryContext(ctx, "SELECT tbl, rid FROM ccfeed_fts_pending ORDER BY tbl, rid LIMIT ?", indexBatch)
	if err != nil {
		return 0, err
	}
	byTable := map[string][]any{}
	var order []string
	for rows.Next() {
		var tbl string
		var rid int64
		if err := rows.Scan(&tbl, &rid); err != nil {
			rows.Close()
			return 0, err
		}
		if byTable[tbl] == nil {
			order = append(order, tbl)
		}
		byTable[tbl] = append(byTable[tbl], rid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	done := 0
	for _, name := range order {
		rids := byTable[name]
		if t := db.table(name); t != nil && len(t.SearchColumns()) > 0 {
			if err := db.reindexRows(ctx, tx, t, rids); err != nil {
				return 0, err
			}
		}
		// A table no longer searchable just drops its queue.
		if _, err := tx.ExecContext(ctx, "DELETE FROM ccfeed_fts_pending WHERE tbl = ? AND rid IN ("+placeholders(len(rids))+")",
			append([]any{name}, rids...)...); err != nil {
			return 0, err
		}
		done += len(rids)
	}
	return done, nil
}

// reindexRows replaces the index entries of the given rows of t with their
// current text: a deleted row just leaves the index, and a row above the
// mark is left to indexAboveMark.
func (db *DB) reindexRows(ctx context.Context, tx *sql.Tx, t *edm.Table, rids []any) error {
	q := db.Dialect.Quote
	fts := q(ftsName(t))
	in := "(" + placeholders(len(rids)) + ")"
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+fts+" WHERE rowid IN "+in, rids...); err != nil {
		return fmt.Errorf("store: full-text index of %s: %w", t.Name, err)
	}
	list := db.searchList(t)
	args := append(append([]any{}, rids...), t.Name)
	_, err := tx.ExecContext(ctx, "INSERT INTO "+fts+" (rowid, "+list+") SELECT rowid, "+list+" FROM "+q(t.Name)+
		" WHERE rowid IN "+in+" AND rowid <= "+markOf, args...)
	if err != nil {
		return fmt.Errorf("store: full-text index of %s: %w", t.Name, err)
	}
	return nil
}

// indexAboveMark indexes up to limit rows of t above its mark, in id order,
// and moves the mark past them.
func (db *DB) indexAboveMark(ctx context.Context, tx *sql.Tx, t *edm.Table, limit int) (int, error) {
	q := db.Dialect.Quote
	var mark int64
	err := tx.QueryRowContext(ctx, "SELECT rid FROM ccfeed_fts_mark WHERE tbl = ?", t.Name).Scan(&mark)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	var n int
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT count(*), max(rowid) FROM (SELECT rowid FROM "+q(t.Name)+
		" WHERE rowid > ? ORDER BY rowid LIMIT ?)", mark, limit).Scan(&n, &last); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	list := db.searchList(t)
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+q(ftsName(t))+" (rowid, "+list+") SELECT rowid, "+list+" FROM "+q(t.Name)+
		" WHERE rowid > ? AND rowid <= ?", mark, last.Int64); err != nil {
		return 0, fmt.Errorf("store: full-text index of %s: %w", t.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ccfeed_fts_mark (tbl, rid) VALUES (?, ?)
		ON CONFLICT (tbl) DO UPDATE SET rid = excluded.rid`, t.Name, last.Int64); err != nil {
		return 0, err
	}
	return n, nil
}

// searchList is the quoted list of t's searchable columns.
func (db *DB) searchList(t *edm.Table) string {
	cols := t.SearchColumns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = db.Dialect.Quote(c.Column())
	}
	return strings.Join(names, ", ")
}

// searchTables are the model's tables with a full-text index.
func (db *DB) searchTables() []*edm.Table {
	var out []*edm.Table
	for _, t := range db.Model.Tables {
		if len(t.SearchColumns()) > 0 {
			out = append(out, t)
		}
	}
	return out
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
