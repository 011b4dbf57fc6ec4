package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/ccfeed/ccfeed/query"
	"github.com/ccfeed/ccfeed/store"
)

// The oracle of $search evaluates the same parsed expression in Go over the
// message texts, split into words the way the index does: letters and digits
// make words, everything else separates them, case and accents do not count.

func words(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		out = append(out, fold(w))
	}
	return out
}

// fold lower-cases and strips combining marks ("Zoë" -> "zoe").
func fold(w string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(w) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// hasPhrase reports whether the words of text contain those of phrase in a
// row.
func hasPhrase(text, phrase string) bool {
	tw, pw := words(text), words(phrase)
	if len(pw) == 0 {
		return false
	}
	for i := 0; i+len(pw) <= len(tw); i++ {
		match := true
		for j := range pw {
			if tw[i+j] != pw[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

func evalSearch(x query.SearchExpr, cols []string) bool {
	switch x := x.(type) {
	case *query.SearchTerm:
		for _, c := range cols {
			if hasPhrase(c, x.Text) {
				return true
			}
		}
		return false
	case *query.SearchNot:
		return !evalSearch(x.X, cols)
	case *query.SearchBinary:
		if x.Op == "AND" {
			return evalSearch(x.X, cols) && evalSearch(x.Y, cols)
		}
		return evalSearch(x.X, cols) || evalSearch(x.Y, cols)
	}
	panic("unknown search node")
}

func TestSearchMatchesWords(t *testing.T) {
	db := demoWithFixtures(t)
	raw := rawDB(t, db)
	p := principal(resultTenants...)
	type msg struct {
		id   string
		cols []string
	}
	var msgs []msg
	rows, err := raw.Query(`SELECT id, COALESCE(body, ''), COALESCE(translation, '') FROM Messages WHERE tenantId IN ` + tenantList)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m msg
		var body, tr string
		if err := rows.Scan(&m.id, &body, &tr); err != nil {
			t.Fatal(err)
		}
		m.cols = []string{body, tr}
		msgs = append(msgs, m)
	}
	rows.Close()
	for _, s := range []string{
		`refund`,
		`REFUND`,
		`appointment AND NOT updated`,
		`"updated the"`,
		`"the updated"`,
		`refund OR appointment`,
		`NOT appointment`,
		`help "account number" NOT twice`,
		`(refund OR invoice) AND NOT (please OR done)`,
		`bonjour souci`,
		`body:refund`,
		`NEAR(refund please)`,
		`refund*`,
		`"`,
		`-refund`,
	} {
		t.Run(s, func(t *testing.T) {
			x, err := query.ParseSearch("$search", s, 0)
			if err != nil {
				// The grammar refuses it; then the feed answers 400
				// before the store (checked in the server tests).
				t.Skipf("not valid $search: %v", err)
			}
			var want []string
			for _, m := range msgs {
				if evalSearch(x, m.cols) {
					want = append(want, m.id)
				}
			}
			sort.Strings(want)
			got := readKeys(t, db, p, "Messages?$search="+pctSpace(s)+"&$orderby=id", 500)
			sort.Strings(got)
			if want == nil {
				want = []string{}
			}
			sameKeys(t, s, got, want)
		})
	}
}

func pctSpace(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "#", "%23", "&", "%26").Replace(s)
}

// The index follows every write: new rows are found, changed text is found
// by its new words only, deleted rows are gone.
func TestSearchFollowsWrites(t *testing.T) {
	db := demoWithFixtures(t)
	p := principal(fxTenant)
	search := func(w string) []string {
		return readKeys(t, db, p, "Messages?$search="+w, 100)
	}
	m := row("Messages", fxTenant, "fts-1").Set("conversationId", fxTenant+":test:fx-01").Set("body", "Quokka sighting").
		Set("translation", "Vue d'un quokka")
	upsertAll(t, db, m)
	if got := search("quokka"); len(got) != 1 {
		t.Fatalf("new row: %v", got)
	}
	m.Set("body", "Wombat sighting").Set("translation", nil)
	upsertAll(t, db, m)
	if got := search("quokka"); len(got) != 0 {
		t.Fatalf("old words still found after an update: %v", got)
	}
	if got := search("wombat"); len(got) != 1 {
		t.Fatalf("new words not found after an update: %v", got)
	}
	// An update that leaves the text alone keeps it searchable.
	m.Set("senderType", "agent")
	upsertAll(t, db, m)
	if got := search("wombat"); len(got) != 1 {
		t.Fatalf("after an update of another column: %v", got)
	}
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM Messages WHERE id = ?`, fxTenant+":test:fts-1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := search("wombat"); len(got) != 0 {
		t.Fatalf("deleted row still found: %v", got)
	}
}

// Loads only queue rows for the index; IndexText indexes them, and a search
// catches up by itself when nothing else has.
func TestSearchIndexIsDeferred(t *testing.T) {
	db := feedtestOpen(t)
	ctx := context.Background()
	upsertAll(t, db,
		row("Messages", fxTenant, "d-1").Set("body", "Platypus in the garden"),
		row("Messages", fxTenant, "d-2").Set("body", "Echidna"))
	if n, err := db.PendingText(ctx); err != nil || n != 2 {
		t.Fatalf("pending after the load: %d %v, want 2", n, err)
	}
	if n, err := db.IndexText(ctx); err != nil || n != 2 {
		t.Fatalf("IndexText: %d %v, want 2", n, err)
	}
	if n, _ := db.PendingText(ctx); n != 0 {
		t.Fatalf("pending after indexing: %d", n)
	}
	// An update of other columns queues nothing.
	upsertAll(t, db, row("Messages", fxTenant, "d-2").Set("body", "Echidna").Set("senderType", "bot"))
	if n, _ := db.PendingText(ctx); n != 0 {
		t.Fatalf("an update that keeps the text queued %d rows", n)
	}
	upsertAll(t, db, row("Messages", fxTenant, "d-2").Set("body", "Platypus again"))
	if got := readKeys(t, db, principal(fxTenant), "Messages?$search=platypus&$orderby=id", 10); len(got) != 2 {
		t.Fatalf("search before any indexer ran: %v", got)
	}
}

// A database whose index has another definition (an older ccfeed) gets
// the current one, filled from its rows.
func TestSearchIndexUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db := openAt(t, path)
	upsertAll(t, db, row("Messages", fxTenant, "u-1").Set("body", "Narwhal"))
	if _, err := db.IndexText(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw := openRaw(t, path)
	exec(t, raw,
		`DROP TABLE fts_Messages`,
		`CREATE VIRTUAL TABLE fts_Messages USING fts5(body, translation, content='Messages', content_rowid='rowid')`,
		`CREATE TRIGGER fts_Messages_ai AFTER INSERT ON Messages BEGIN SELECT 1; END`,
		`UPDATE ccfeed_meta SET value = 'old' WHERE key = 'schema_fingerprint'`)
	raw.Close()
	db = openAt(t, path)
	defer db.Close()
	if got := readKeys(t, db, principal(fxTenant), "Messages?$search=narwhal", 10); len(got) != 1 {
		t.Fatalf("after the upgrade: %v", got)
	}
	var old int
	rawCheck := openRaw(t, path)
	defer rawCheck.Close()
	if err := rawCheck.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'fts_Messages_ai'`).Scan(&old); err != nil || old != 0 {
		t.Fatalf("the old trigger is still there (%d, %v)", old, err)
	}
}

// A database from before the mark queued every insert with a trigger. After
// the upgrade its queued rows and its indexed rows are both found, the insert
// trigger is gone, and new rows are indexed above the mark.
func TestSearchMarkUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "premark.db")
	db := openAt(t, path)
	upsertAll(t, db, row("Messages", fxTenant, "m-1").Set("body", "Kookaburra"))
	if _, err := db.IndexText(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw := openRaw(t, path)
	exec(t, raw,
		`DROP TABLE ccfeed_fts_mark`,
		`CREATE TRIGGER "fts_Messages_qi" AFTER INSERT ON "Messages" BEGIN INSERT OR IGNORE INTO ccfeed_fts_pending (tbl, rid) VALUES ('Messages', new.rowid); END`,
		// A row the old binary loaded and queued, not yet indexed.
		`INSERT INTO Messages (id, tenantId, source, sourceId, body) VALUES ('`+fxTenant+`:test:m-2', '`+fxTenant+`', 'test', 'm-2', 'Cassowary')`,
		`UPDATE ccfeed_meta SET value = 'old' WHERE key = 'schema_fingerprint'`)
	raw.Close()
	db = openAt(t, path)
	defer db.Close()
	upsertAll(t, db, row("Messages", fxTenant, "m-3").Set("body", "Wombat"))
	ctx := context.Background()
	if n, err := db.PendingText(ctx); err != nil || n != 2 {
		t.Fatalf("waiting after the upgrade: %d %v, want 2 (one queued, one above the mark)", n, err)
	}
	if n, err := db.IndexText(ctx); err != nil || n != 2 {
		t.Fatalf("IndexText: %d %v, want 2", n, err)
	}
	for _, w := range []string{"kookaburra", "cassowary", "wombat"} {
		if got := readKeys(t, db, principal(fxTenant), "Messages?$search="+w, 10); len(got) != 1 {
			t.Fatalf("%s after the upgrade: %v", w, got)
		}
	}
	check := openRaw(t, path)
	defer check.Close()
	var n int
	if err := check.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'fts_Messages_qi'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the insert trigger is still there (%d, %v)", n, err)
	}
}

// SQLite gives a new row the largest id plus one, so deleting the last row
// frees its id for the next insert. Whether the indexer runs between the
// delete and the insert or not, the new row is found and the old one is not.
func TestSearchReusedRowID(t *testing.T) {
	for _, indexBetween := range []bool{true, false} {
		t.Run(fmt.Sprintf("index between: %v", indexBetween), func(t *testing.T) {
			db := feedtestOpen(t)
			ctx := context.Background()
			upsertAll(t, db,
				row("Messages", fxTenant, "r-1").Set("body", "first"),
				row("Messages", fxTenant, "r-2").Set("body", "second"),
				row("Messages", fxTenant, "r-3").Set("body", "third"))
			if _, err := db.IndexText(ctx); err != nil {
				t.Fatal(err)
			}
			ridOf := func(key string) int64 {
				var rid int64
				err := db.Write(ctx, func(tx *sql.Tx) error {
					return tx.QueryRow(`SELECT rid FROM Messages WHERE id = ?`, fxTenant+":test:"+key).Scan(&rid)
				})
				if err != nil {
					t.Fatal(err)
				}
				return rid
			}
			old := ridOf("r-3")
			if err := db.Write(ctx, func(tx *sql.Tx) error {
				_, err := tx.Exec(`DELETE FROM Messages WHERE id IN (?, ?)`, fxTenant+":test:r-3", fxTenant+":test:r-2")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if indexBetween {
				if _, err := db.IndexText(ctx); err != nil {
					t.Fatal(err)
				}
			}
			upsertAll(t, db, row("Messages", fxTenant, "r-4").Set("body", "fourth"))
			if rid := ridOf("r-4"); rid > old {
				t.Fatalf("the new row got id %d, not a reused one (<= %d): the test proves nothing", rid, old)
			}
			if _, err := db.IndexText(ctx); err != nil {
				t.Fatal(err)
			}
			for w, want := range map[string]int{"first": 1, "second": 0, "third": 0, "fourth": 1} {
				if got := readKeys(t, db, principal(fxTenant), "Messages?$search="+w, 10); len(got) != want {
					t.Errorf("%s: %v, want %d rows", w, got, want)
				}
			}
			if n, _ := db.PendingText(ctx); n != 0 {
				t.Fatalf("still waiting: %d", n)
			}
		})
	}
}

func feedtestOpen(t *testing.T) *store.DB {
	t.Helper()
	db := openAt(t, filepath.Join(t.TempDir(), "fts.db"))
	t.Cleanup(func() { db.Close() })
	return db
}

// The index refers to rows by their declared row id, which VACUUM keeps (an
// implicit rowid it would renumber, and searches would return other rows).
func TestSearchSurvivesVacuum(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vac.db")
	db := openAt(t, path)
	defer db.Close()
	upsertAll(t, db,
		row("Messages", fxTenant, "v-1").Set("body", "alpha"),
		row("Messages", fxTenant, "v-2").Set("body", "beta"),
		row("Messages", fxTenant, "v-3").Set("body", "gamma"))
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM Messages WHERE sourceId IN ('v-1', 'v-2')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.IndexText(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw := openRaw(t, path)
	exec(t, raw, `VACUUM`)
	raw.Close()
	if got := readKeys(t, db, principal(fxTenant), "Messages?$search=gamma", 10); len(got) != 1 || got[0] != fxTenant+":test:v-3" {
		t.Fatalf("gamma after VACUUM: %v", got)
	}
	if got := readKeys(t, db, principal(fxTenant), "Messages?$search=alpha", 10); len(got) != 0 {
		t.Fatalf("alpha after VACUUM: %v", got)
	}
}

// A table of an older database without the declared row id is rebuilt with
// it, rows and search intact.
func TestTableGetsRowID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rid.db")
	db := openAt(t, path)
	upsertAll(t, db, row("Messages", fxTenant, "r-1").Set("body", "walrus"), row("Messages", fxTenant, "r-2").Set("body", "seal"))
	if _, err := db.IndexText(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw := openRaw(t, path)
	cols := tableColumns(t, raw, "Messages")
	var names []string
	for n := range cols {
		if n != "rid" {
			names = append(names, `"`+n+`"`)
		}
	}
	list := strings.Join(names, ", ")
	dropCopyTriggers(t, raw)
	exec(t, raw,
		`CREATE TABLE old_messages AS SELECT `+list+` FROM Messages ORDER BY rid`,
		`DROP TABLE Messages`,
		`ALTER TABLE old_messages RENAME TO Messages`,
		`UPDATE ccfeed_meta SET value = 'old' WHERE key = 'schema_fingerprint'`)
	raw.Close()
	db = openAt(t, path)
	defer db.Close()
	raw = openRaw(t, path)
	defer raw.Close()
	if _, ok := tableColumns(t, raw, "Messages")["rid"]; !ok {
		t.Fatal("no rid column after the upgrade")
	}
	if got := readKeys(t, db, principal(fxTenant), "Messages?$search=seal", 10); len(got) != 1 || got[0] != fxTenant+":test:r-2" {
		t.Fatalf("seal after the upgrade: %v", got)
	}
}
