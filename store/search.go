package store

import (
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/query"
)

// Full-text search ($search) runs on one SQLite FTS5 index per table that has
// free-text columns (the model marks them Searchable: message bodies,
// summaries, notes).
//
// The index is built behind the loads, not inside them. Tokenizing text is
// the most expensive part of writing a message (it cost a loader a third of
// its throughput when triggers indexed every row in the load transaction),
// and a BI refresh needs the rows, not the search index, as soon as a load
// commits. IndexText brings the indexes up to date in short transactions of
// its own: after each command-line load, and every second inside "ccfeed
// serve". $search therefore sees a row within about a second of its load.
//
// What IndexText has to do is known without any work in the load itself:
// SQLite gives a new row the largest declared row id plus one, so
// ccfeed_fts_mark keeps, per table, the id up to which rows are indexed, and
// every row above it is new. Only changes
// to rows already indexed are queued, by triggers, in ccfeed_fts_pending: an
// update of the text, and a delete. A delete of the table's last rows also
// lowers the mark to the largest remaining id, so a row that later reuses an
// id is still above it. (Queuing every insert cost a load an extra b-tree
// insert and a trigger program per row, about a tenth of its SQLite time.)
//
// The index tables are contentless (they keep only the inverted index, by
// the base table's rowid) with contentless_delete, so a changed or deleted
// row is removed by rowid without its old text.
//
// Words match case- and accent-insensitively (unicode61 with diacritics
// removed): "zoe" finds "Zoë", "RDV" finds "rdv". That is what a person
// typing into a search box expects; $filter's contains() remains the exact,
// case-sensitive test.

func init() {
	extraTables = append(extraTables,
		`CREATE TABLE IF NOT EXISTS ccfeed_fts_pending (
			tbl TEXT NOT NULL,
			rid INTEGER NOT NULL,
			PRIMARY KEY (tbl, rid)
		) WITHOUT ROWID`,
		`CREATE TABLE IF NOT EXISTS ccfeed_fts_mark (
			tbl TEXT PRIMARY KEY,
			rid INTEGER NOT NULL
		) WITHOUT ROWID`)
}

func ftsName(t *edm.Table) string { return "fts_" + t.Name }

// ftsCreate is the DDL of a table's full-text index ("" for a table
// without searchable columns).
func (db *DB) ftsCreate(t *edm.Table) string {
	cols := t.SearchColumns()
	if len(cols) == 0 {
		return ""
	}
	q := db.Dialect.Quote
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = q(c.Column())
	}
	return fmt.Sprintf("CREATE VIRTUAL TABLE %s USING fts5(%s, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')",
		q(ftsName(t)), strings.Join(names, ", "))
}

// ftsTriggers are the triggers that queue changes to a table's indexed rows,
// by name.
func (db *DB) ftsTriggers(t *edm.Table) map[string]string {
	cols := t.SearchColumns()
	if len(cols) == 0 {
		return nil
	}
	q := db.Dialect.Quote
	tbl := q(t.Name)
	name := sqlString(t.Name)
	names := make([]string, len(cols))
	changed := make([]string, len(cols))
	for i, c := range cols {
		n := q(c.Column())
		names[i] = n
		changed[i] = "old." + n + " IS NOT new." + n
	}
	queue := func(ref string) string {
		return fmt.Sprintf("INSERT OR IGNORE INTO ccfeed_fts_pending (tbl, rid) VALUES (%s, %s.rowid);", name, ref)
	}
	last := "(SELECT coalesce(max(rowid), 0) FROM " + tbl + ")"
	lower := fmt.Sprintf("UPDATE ccfeed_fts_mark SET rid = %s WHERE tbl = %s AND rid > %s;", last, name, last)
	return map[string]string{
		ftsName(t) + "_qd": fmt.Sprintf("CREATE TRIGGER %s AFTER DELETE ON %s BEGIN %s %s END", q(ftsName(t)+"_qd"), tbl, queue("old"), lower),
		ftsName(t) + "_qu": fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE OF %s ON %s WHEN %s BEGIN %s END",
			q(ftsName(t)+"_qu"), strings.Join(names, ", "), tbl, strings.Join(changed, " OR "), queue("new")),
	}
}

// sqlString quotes a model name as an SQL string literal (FTS5 options take
// strings, not identifiers).
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// search translates $search into a condition on b's rows. A part of the
// expression without NOT becomes one FTS5 query; NOT, which FTS5 has only as
// a binary operator, is applied in SQL, so "NOT refund" alone works too.
// Every word and phrase reaches FTS5 as a quoted string inside a bound
// argument: no input can change the query's structure.
func (t *translator) search(b *block, s *query.Shape) (Fragment, error) {
	tbl := s.Set.Type.Table
	if len(tbl.SearchColumns()) == 0 {
		return Fragment{}, fmt.Errorf("store: %s has no full-text index", s.Set.Name)
	}
	return t.searchExpr(b.alias, tbl, s.Search.Expr), nil
}

func (t *translator) searchExpr(alias string, tbl *edm.Table, x query.SearchExpr) Fragment {
	if !hasNot(x) {
		fts := t.d.Quote(ftsName(tbl))
		return F(alias+".rowid IN (SELECT rowid FROM "+fts+" WHERE "+fts+" MATCH ?)", ftsQuery(x))
	}
	switch x := x.(type) {
	case *query.SearchNot:
		return t.searchExpr(alias, tbl, x.X).Wrap("(NOT ", ")")
	case *query.SearchBinary:
		return Join(" "+x.Op+" ", t.searchExpr(alias, tbl, x.X), t.searchExpr(alias, tbl, x.Y)).Wrap("(", ")")
	}
	return F("0")
}

func hasNot(x query.SearchExpr) bool {
	switch x := x.(type) {
	case *query.SearchNot:
		return true
	case *query.SearchBinary:
		return hasNot(x.X) || hasNot(x.Y)
	}
	return false
}

// ftsQuery renders a NOT-free search expression in FTS5 query syntax. Each
// term is an FTS5 string ("..." with quotes doubled), so FTS5 operators and
// column filters typed by a user are just text.
func ftsQuery(x query.SearchExpr) string {
	switch x := x.(type) {
	case *query.SearchTerm:
		// FTS5 ends a string at a NUL; its tokenizer would split the
		// word there anyway.
		text := strings.ReplaceAll(x.Text, "\x00", " ")
		return `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
	case *query.SearchBinary:
		// A chain of one operator ("a b c d", parsed as ((a AND b) AND
		// c) AND d) is written flat: FTS5's parser has a fixed stack,
		// and one parenthesis per term overflowed it. Only operands of
		// the same operator join a chain, so precedence is never at
		// stake.
		var parts []string
		var walk func(y query.SearchExpr)
		walk = func(y query.SearchExpr) {
			if b, ok := y.(*query.SearchBinary); ok && b.Op == x.Op {
				walk(b.X)
				walk(b.Y)
				return
			}
			parts = append(parts, ftsQuery(y))
		}
		walk(x)
		return "(" + strings.Join(parts, " "+x.Op+" ") + ")"
	}
	return `""`
}
