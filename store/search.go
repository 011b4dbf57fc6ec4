package store

import (
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/query"
)

// Full-text search ($search) runs on one SQLite FTS5 index per table that has
// free-text columns (the model marks them Searchable: message bodies,
// summaries, notes). The index is an external-content FTS5 table: it holds
// only the inverted index, keyed by the table's rowid, and triggers keep it
// in step with every insert, update and delete, whichever loader writes.
//
// Words match case- and accent-insensitively (unicode61 with diacritics
// removed): "zoe" finds "Zoë", "RDV" finds "rdv". That is what a person
// typing into a search box expects; $filter's contains() remains the exact,
// case-sensitive test.

func ftsName(t *edm.Table) string { return "fts_" + t.Name }

// ftsStatements is the DDL of a table's full-text index and its triggers
// (nil for a table without searchable columns).
func (db *DB) ftsStatements(t *edm.Table) []string {
	cols := t.SearchColumns()
	if len(cols) == 0 {
		return nil
	}
	q := db.Dialect.Quote
	fts, tbl := q(ftsName(t)), q(t.Name)
	names := make([]string, len(cols))
	newVals := make([]string, len(cols))
	oldVals := make([]string, len(cols))
	changed := make([]string, len(cols))
	for i, c := range cols {
		n := q(c.Column())
		names[i], newVals[i], oldVals[i] = n, "new."+n, "old."+n
		changed[i] = "old." + n + " IS NOT new." + n
	}
	list := strings.Join(names, ", ")
	insertNew := fmt.Sprintf("INSERT INTO %s (rowid, %s) VALUES (new.rowid, %s);", fts, list, strings.Join(newVals, ", "))
	deleteOld := fmt.Sprintf("INSERT INTO %s (%s, rowid, %s) VALUES ('delete', old.rowid, %s);", fts, fts, list, strings.Join(oldVals, ", "))
	return []string{
		fmt.Sprintf("CREATE VIRTUAL TABLE IF NOT EXISTS %s USING fts5(%s, content=%s, content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
			fts, list, sqlString(t.Name)),
		fmt.Sprintf("CREATE TRIGGER IF NOT EXISTS %s AFTER INSERT ON %s BEGIN %s END", q(ftsName(t)+"_ai"), tbl, insertNew),
		fmt.Sprintf("CREATE TRIGGER IF NOT EXISTS %s AFTER DELETE ON %s BEGIN %s END", q(ftsName(t)+"_ad"), tbl, deleteOld),
		fmt.Sprintf("CREATE TRIGGER IF NOT EXISTS %s AFTER UPDATE OF %s ON %s WHEN %s BEGIN %s %s END",
			q(ftsName(t)+"_au"), list, tbl, strings.Join(changed, " OR "), deleteOld, insertNew),
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
		return "(" + ftsQuery(x.X) + " " + x.Op + " " + ftsQuery(x.Y) + ")"
	}
	return `""`
}
