package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

func openAt(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path, edm.Default(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func openRaw(t testing.TB, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	return raw
}

func exec(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func userVersion(t testing.TB, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// tableColumns maps column name to declared type.
func tableColumns(t testing.TB, db *sql.DB, table string) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT name, type FROM pragma_table_info(?)", table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, typ string
		if err := rows.Scan(&n, &typ); err != nil {
			t.Fatal(err)
		}
		out[n] = typ
	}
	return out
}

// indexedColumns lists each index of table as its column list, "a,b".
func indexedColumns(t testing.TB, db *sql.DB, table string) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT il.name, group_concat(ii.name, ',') FROM pragma_index_list(?) AS il,
		pragma_index_info(il.name) AS ii GROUP BY il.name`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n, cols string
		if err := rows.Scan(&n, &cols); err != nil {
			t.Fatal(err)
		}
		out[cols] = true
	}
	return out
}

// uniqueIndex reports whether table has a UNIQUE index on exactly cols.
func uniqueIndex(t testing.TB, db *sql.DB, table, cols string) bool {
	t.Helper()
	var n int
	err := db.QueryRow(`SELECT count(*) FROM (SELECT il.name FROM pragma_index_list(?) AS il,
		pragma_index_info(il.name) AS ii WHERE il."unique" = 1 GROUP BY il.name HAVING group_concat(ii.name, ',') = ?)`,
		table, cols).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// checkSchema asserts that every model table, column and (tenantId, col)
// index exists, and the key is unique.
func checkSchema(t testing.TB, raw *sql.DB) {
	t.Helper()
	m := edm.Default()
	for _, tbl := range m.Tables {
		cols := tableColumns(t, raw, tbl.Name)
		if len(cols) == 0 {
			t.Errorf("table %s is missing", tbl.Name)
			continue
		}
		idx := indexedColumns(t, raw, tbl.Name)
		for _, c := range tbl.Columns {
			typ, ok := cols[c.Column()]
			if !ok {
				t.Errorf("%s.%s is missing", tbl.Name, c.Column())
				continue
			}
			if want := store.SQLite.ColumnType(c.Type); typ != want {
				t.Errorf("%s.%s has type %s, want %s", tbl.Name, c.Column(), typ, want)
			}
		}
		for _, x := range tbl.Indexes {
			var names []string
			for _, c := range x.Columns {
				names = append(names, c.Column())
			}
			if want := strings.Join(names, ","); !idx[want] {
				t.Errorf("%s has no index on (%s); indexes: %v", tbl.Name, want, idx)
			}
		}
		if !uniqueIndex(t, raw, tbl.Name, "tenantId,id") {
			t.Errorf("%s has no unique index on (tenantId, id)", tbl.Name)
		}
	}
	for _, internal := range []string{"ccfeed_meta", "ccfeed_tenants", "ccfeed_keys", "ccfeed_revoked"} {
		if len(tableColumns(t, raw, internal)) == 0 {
			t.Errorf("internal table %s is missing", internal)
		}
	}
}

func TestNewDatabaseSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	db := openAt(t, path)
	db.Close()
	raw := openRaw(t, path)
	defer raw.Close()
	checkSchema(t, raw)
	if v := userVersion(t, raw); v != store.SchemaVersion {
		t.Errorf("user_version = %d, want %d", v, store.SchemaVersion)
	}
	// The model has indexes at all, or the index check above proves
	// nothing.
	n := 0
	for _, tbl := range edm.Default().Tables {
		n += len(tbl.Indexes)
	}
	if n < 20 {
		t.Fatalf("only %d indexes in the model", n)
	}
}

// TestUpgradeOlderDatabase simulates a database written by an older binary:
// an index dropped, a column removed by a table rebuild, a table created
// without most of its columns, user_version 0. Opening upgrades it in
// place and keeps every row.
func TestUpgradeOlderDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := openAt(t, path)
	if err := db.SetTenantTimezone(ctx, "acme", "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	sent := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	upsertAll(t, db,
		row("Conversations", "acme", "c1").Set("mediaType", "chat").Set("status", "open").Set("queueId", "acme:test:q1"),
		row("Messages", "acme", "m1").Set("conversationId", "acme:test:c1").Set("body", "hello").Set("sentAtUTC", sent),
		row("Messages", "acme", "m2").Set("conversationId", "acme:test:c1").Set("body", "bye"),
		row("Transfers", "acme", "t1").Set("reason", "Skill"),
	)
	db.Close()

	raw := openRaw(t, path)
	// Messages without body and sentAt, rebuilt the way SQLite drops
	// columns: the same DDL less two lines, the rows copied over.
	var ddl string
	if err := raw.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'Messages'`).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, line := range strings.Split(ddl, "\n") {
		if !strings.Contains(line, `"body"`) && !strings.Contains(line, `"sentAt" `) {
			keep = append(keep, line)
		}
	}
	oldDDL := strings.Replace(strings.Join(keep, "\n"), `CREATE TABLE "Messages"`, `CREATE TABLE "Messages_old"`, 1)
	cols := `id, tenantId, source, sourceId, conversationId, senderType, agentId, sentAtUTC, messageIndex,
		translation, language, contentType, rawContent, deliveryStatus, score, editedAtUTC`
	dropCopyTriggers(t, raw) // an older database has none; they name Messages
	exec(t, raw,
		`DROP INDEX "ix_Conversations_agentId"`,
		oldDDL,
		`INSERT INTO "Messages_old" (`+cols+`) SELECT `+cols+` FROM "Messages"`,
		`DROP TABLE "Messages"`,
		`ALTER TABLE "Messages_old" RENAME TO "Messages"`,
		// Transfers as a first version had it: identity columns only.
		`DROP TABLE "Transfers"`,
		`CREATE TABLE "Transfers" (id TEXT NOT NULL UNIQUE, tenantId TEXT NOT NULL, source TEXT NOT NULL, sourceId TEXT NOT NULL)`,
		`INSERT INTO "Transfers" VALUES ('acme:test:t1', 'acme', 'test', 't1'), ('acme:test:t2', 'acme', 'test', 't2')`,
		`PRAGMA user_version = 0`,
	)
	if cols := tableColumns(t, raw, "Messages"); cols["body"] != "" || cols["sentAt"] != "" {
		t.Fatalf("the simulated old Messages table still has body or sentAt: %v", cols)
	}
	raw.Close()

	db = openAt(t, path)
	defer db.Close()
	raw = openRaw(t, path)
	defer raw.Close()
	checkSchema(t, raw)
	if v := userVersion(t, raw); v != store.SchemaVersion {
		t.Errorf("user_version after upgrade = %d, want %d", v, store.SchemaVersion)
	}
	for table, want := range map[string]int{"Conversations": 1, "Messages": 2, "Transfers": 2} {
		var n int
		if err := raw.QueryRow(fmt.Sprintf(`SELECT count(*) FROM "%s"`, table)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s has %d rows after the upgrade, want %d", table, n, want)
		}
	}
	var status string
	if err := raw.QueryRow(`SELECT status FROM Conversations WHERE id = 'acme:test:c1'`).Scan(&status); err != nil || status != "open" {
		t.Errorf("Conversations row after upgrade: status %q, %v", status, err)
	}
	// The re-added local twin follows its UTC instant in the tenant's zone,
	// as if the row had been written by this binary.
	var utc int64
	var local sql.NullString
	if err := raw.QueryRow(`SELECT sentAtUTC, sentAt FROM Messages WHERE id = 'acme:test:m1'`).Scan(&utc, &local); err != nil {
		t.Fatal(err)
	}
	if utc != sent.UnixMilli() {
		t.Errorf("sentAtUTC = %d, want %d", utc, sent.UnixMilli())
	}
	if want := "2024-07-01T14:00:00.000+02:00"; local.String != want {
		t.Errorf("re-added local column sentAt = %q (valid %v), want %q", local.String, local.Valid, want)
	}
	// The upgraded tables take writes and reads through the store.
	upsertAll(t, db, row("Transfers", "acme", "t3").Set("reason", "Overflow"))
	got := readKeys(t, db, principal("acme"), "Transfers?$filter=reason eq null", 10)
	sameKeys(t, "Transfers with no reason", got, []string{"acme:test:t1", "acme:test:t2"})

	// Opening again is a no-op.
	db.Close()
	db2 := openAt(t, path)
	db2.Close()
}

func TestRefuseNewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newer.db")
	db := openAt(t, path)
	db.Close()
	raw := openRaw(t, path)
	exec(t, raw, fmt.Sprintf("PRAGMA user_version = %d", store.SchemaVersion+1))
	raw.Close()

	_, err := store.Open(path, edm.Default(), store.Options{})
	if err == nil {
		t.Fatal("opening a database from a newer binary succeeded")
	}
	for _, want := range []string{"newer", fmt.Sprint(store.SchemaVersion + 1), "upgrade"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	raw = openRaw(t, path)
	defer raw.Close()
	if v := userVersion(t, raw); v != store.SchemaVersion+1 {
		t.Errorf("refusing changed user_version to %d", v)
	}
}

// A new database gets 16 KiB pages in WAL mode; an existing one keeps the
// page size it was made with, and opens and loads as before.
func TestPageSize(t *testing.T) {
	dir := t.TempDir()
	pragma := func(path, name string) string {
		t.Helper()
		raw := openRaw(t, path)
		defer raw.Close()
		var v string
		if err := raw.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	fresh := filepath.Join(dir, "new.db")
	openAt(t, fresh).Close()
	if got := pragma(fresh, "page_size"); got != "16384" {
		t.Errorf("new database: page size %s, want 16384", got)
	}
	if got := pragma(fresh, "journal_mode"); got != "wal" {
		t.Errorf("new database: journal mode %s, want wal", got)
	}

	old := filepath.Join(dir, "old.db")
	raw := openRaw(t, old)
	exec(t, raw, "PRAGMA page_size = 4096", "CREATE TABLE premade (x)")
	raw.Close()
	db := openAt(t, old)
	upsertAll(t, db, row("Queues", "acme", "q1").Set("name", "Support"))
	db.Close()
	if got := pragma(old, "page_size"); got != "4096" {
		t.Errorf("existing database: page size %s, want its own 4096", got)
	}
	raw = openRaw(t, old)
	defer raw.Close()
	var name string
	if err := raw.QueryRow(`SELECT name FROM Queues`).Scan(&name); err != nil || name != "Support" {
		t.Fatalf("existing database after the upgrade: %q %v", name, err)
	}
}

// dropCopyTriggers removes the triggers that keep copy columns (a database
// from before them has none), so a test can rebuild tables they name the
// way an older database had them.
func dropCopyTriggers(t testing.TB, raw *sql.DB) {
	t.Helper()
	names := sqlKeys(t, raw, `SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ccfeed_copy_%'`)
	if len(names) == 0 {
		t.Fatal("no copy triggers: the database is not the current layout")
	}
	for _, n := range names {
		exec(t, raw, `DROP TRIGGER "`+n+`"`)
	}
}
