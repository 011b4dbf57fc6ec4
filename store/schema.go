package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
)

// SchemaVersion is the version of the database layout this binary writes,
// kept in PRAGMA user_version. Opening an older database upgrades it in
// place: first the numbered migrations below (for changes that need care,
// such as renames), then reconcile, which creates whatever the model has and
// the database lacks (tables, columns, indexes). A database from a newer
// binary is refused rather than damaged.
const SchemaVersion = 4

// migrations[v] upgrades a database from version v to v+1. Additive changes
// need no entry: reconcile covers them.
var migrations = map[int]func(ctx context.Context, tx *sql.Tx) error{
	2: toMentions,
}

// ErrOldPeople refuses a database whose people were merged in place by a
// ccfeed from before mentions (schema version 2 and older).
var ErrOldPeople = errors.New("it holds agents or customers merged by an older ccfeed, whose result depended on the order files were loaded in; " +
	"this version derives people from what every source said, which that database did not keep. " +
	"Load the same files (and pulls) into a new database; this one is left as it is")

// toMentions upgrades a version 2 database. People merged in place cannot
// be turned into mentions (what each source said was not kept), so a
// database that has any is refused, untouched; one without (no people
// loaded yet) gets the new layout: the tenant's zone flag, and the indexes
// on foreign keys to people rebuilt with their mention column.
func toMentions(ctx context.Context, tx *sql.Tx) error {
	for _, t := range []string{"Agents", "Customers"} {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM "`+t+`" LIMIT 1)`).Scan(&n); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue
			}
			return err
		}
		if n > 0 {
			return ErrOldPeople
		}
	}
	have, err := columnsOf(ctx, tx, "ccfeed_tenants")
	if err != nil {
		return err
	}
	stmts := []string{`DROP TABLE IF EXISTS ccfeed_aliases`, `DROP TABLE IF EXISTS ccfeed_merged`}
	if len(have) > 0 && !have["zone_set"] {
		stmts = append(stmts, `ALTER TABLE ccfeed_tenants ADD COLUMN zone_set INTEGER NOT NULL DEFAULT 0`,
			// Tenants of an older database chose their zone or lived
			// with UTC; they keep doing so.
			`UPDATE ccfeed_tenants SET zone_set = 1`)
	}
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	drop, err := queryStrings(ctx, tx, `SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%' AND
		(name LIKE '%agentId' OR name LIKE '%AgentId' OR name LIKE '%customerId')`)
	if err != nil {
		return err
	}
	for _, n := range drop {
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+SQLite.Quote(n)); err != nil {
			return err
		}
	}
	return nil
}

// internalTables are the service's own tables, next to the model's.
var internalTables = []string{
	`CREATE TABLE IF NOT EXISTS ccfeed_meta (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	)`,
	// zone_set is 0 until a time zone is set: local times are refused
	// until then (timezone's UTC only writes local twins meanwhile).
	`CREATE TABLE IF NOT EXISTS ccfeed_tenants (
		name     TEXT PRIMARY KEY,
		timezone TEXT NOT NULL DEFAULT 'UTC',
		zone_set INTEGER NOT NULL DEFAULT 0
	)`,
}

func (db *DB) migrate(ctx context.Context) error {
	// A database already at this version and shape needs no write: checking
	// with reads only means opening it (ccfeed token, a second server) does
	// not wait behind a long load holding the write lock.
	if db.schemaCurrent(ctx) {
		return nil
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if version > SchemaVersion {
		return fmt.Errorf("store: %s has schema version %d, newer than this ccfeed (%d): upgrade ccfeed", db.Path, version, SchemaVersion)
	}
	var tables int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&tables); err != nil {
		return err
	}
	if tables > 0 {
		for v := version; v < SchemaVersion; v++ {
			if m := migrations[v]; m != nil {
				if err := m(ctx, tx); err != nil {
					if errors.Is(err, ErrOldPeople) {
						return fmt.Errorf("store: cannot open %s: %w", db.Path, err)
					}
					return fmt.Errorf("store: migrate %d->%d: %w", v, v+1, err)
				}
			}
		}
	}
	if err := db.reconcile(ctx, tx); err != nil {
		return err
	}
	if tables > 0 && version < 4 {
		// Version 4 keeps row counts with the data (counts.go).
		if err := db.recountAll(ctx, tx); err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ccfeed_meta (key, value) VALUES ('schema_fingerprint', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, db.schemaFingerprint()); err != nil {
		return err
	}
	return tx.Commit()
}

// schemaFingerprint identifies the schema this binary derives from the model:
// every statement reconcile would run.
func (db *DB) schemaFingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "v%d\n", SchemaVersion)
	for _, s := range append(append([]string{}, internalTables...), extraTables...) {
		h.Write([]byte(s))
	}
	for _, t := range db.Model.Tables {
		h.Write([]byte(db.createTable(t)))
		for _, s := range db.indexes(t) {
			h.Write([]byte(s))
		}
		h.Write([]byte(db.ftsCreate(t)))
		trig := db.ftsTriggers(t)
		for _, n := range slices.Sorted(maps.Keys(trig)) {
			h.Write([]byte(trig[n]))
		}
	}
	trig := db.copyTriggers()
	maps.Copy(trig, db.countTriggers())
	for _, n := range slices.Sorted(maps.Keys(trig)) {
		h.Write([]byte(trig[n]))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// schemaCurrent reports, with reads only, whether the database already has
// this binary's schema.
func (db *DB) schemaCurrent(ctx context.Context) bool {
	var version int
	if err := db.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil || version != SchemaVersion {
		return false
	}
	var fp string
	err := db.write.QueryRowContext(ctx, "SELECT value FROM ccfeed_meta WHERE key = 'schema_fingerprint'").Scan(&fp)
	return err == nil && fp == db.schemaFingerprint()
}

// reconcile creates the tables, columns and indexes the model declares and
// the database lacks. It never drops anything: a column the model no longer
// has stays, unread.
func (db *DB) reconcile(ctx context.Context, tx *sql.Tx) error {
	for _, stmt := range internalTables {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	for _, stmt := range extraTables {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	// The copy triggers name several tables: a table rebuilt below (addRid)
	// could not be renamed under them. They are made again at the end.
	if err := db.dropCopyTriggers(ctx, tx); err != nil {
		return err
	}
	var copies []*edm.Property
	for _, t := range db.Model.Tables {
		have, err := columnsOf(ctx, tx, t.Name)
		if err != nil {
			return err
		}
		if len(have) == 0 {
			if _, err := tx.ExecContext(ctx, db.createTable(t)); err != nil {
				return fmt.Errorf("store: create %s: %w", t.Name, err)
			}
		} else {
			rebuilt := false
			if !have[ridColumn] {
				if err := db.addRid(ctx, tx, t, have); err != nil {
					return fmt.Errorf("store: upgrade %s: %w", t.Name, err)
				}
				rebuilt = true // with every model column
			}
			for _, c := range t.Columns {
				if have[c.Column()] {
					continue
				}
				if !rebuilt {
					stmt := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", db.Dialect.Quote(t.Name),
						db.Dialect.Quote(c.Column()), db.Dialect.ColumnType(c.Type))
					if _, err := tx.ExecContext(ctx, stmt); err != nil {
						return fmt.Errorf("store: add %s.%s: %w", t.Name, c.Name, err)
					}
				}
				if c.UTC != nil && have[c.UTC.Column()] {
					if err := db.backfillLocal(ctx, tx, t, c); err != nil {
						return fmt.Errorf("store: fill %s.%s: %w", t.Name, c.Name, err)
					}
				}
				if c.Copy != nil {
					copies = append(copies, c)
				}
			}
		}
		if err := db.dropStaleIndexes(ctx, tx, t); err != nil {
			return err
		}
		for _, stmt := range db.indexes(t) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("store: index on %s: %w", t.Name, err)
			}
		}
		if err := db.reconcileFTS(ctx, tx, t); err != nil {
			return err
		}
	}
	// Copies are filled once every table has its columns (an owner may
	// come after its children in the model).
	for _, c := range copies {
		if err := db.backfillCopy(ctx, tx, c.Table(), c); err != nil {
			return fmt.Errorf("store: fill %s.%s: %w", c.Table().Name, c.Name, err)
		}
	}
	return db.reconcileCopies(ctx, tx)
}

// reconcileFTS creates a table's full-text index and the triggers that
// queue changes to its indexed rows, replacing any whose definition changed
// (and dropping the insert trigger of older versions). An index created (or
// re-created) on a table that already has rows starts with its mark at 0;
// the next IndexText fills it.
func (db *DB) reconcileFTS(ctx context.Context, tx *sql.Tx, t *edm.Table) error {
	create := db.ftsCreate(t)
	if create == "" {
		return nil
	}
	q := db.Dialect.Quote
	have := map[string]string{} // the table's index and triggers as stored
	rows, err := tx.QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE (type = 'trigger' AND tbl_name = ?) OR name = ?", t.Name, ftsName(t))
	if err != nil {
		return err
	}
	for rows.Next() {
		var n, stmt string
		if err := rows.Scan(&n, &stmt); err != nil {
			rows.Close()
			return err
		}
		have[n] = stmt
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	want := db.ftsTriggers(t)
	for n, stmt := range have {
		if n == ftsName(t) || !strings.HasPrefix(n, ftsName(t)+"_") || want[n] == stmt {
			continue
		}
		if _, err := tx.ExecContext(ctx, "DROP TRIGGER "+q(n)); err != nil {
			return err
		}
		delete(have, n)
	}
	if old, ok := have[ftsName(t)]; !ok || old != create {
		if ok {
			if _, err := tx.ExecContext(ctx, "DROP TABLE "+q(ftsName(t))); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, create); err != nil {
			return fmt.Errorf("store: full-text index on %s: %w", t.Name, err)
		}
		// Every row is above a mark of 0: the next IndexText indexes them all.
		if _, err := tx.ExecContext(ctx, `INSERT INTO ccfeed_fts_mark (tbl, rid) VALUES (?, 0)
			ON CONFLICT (tbl) DO UPDATE SET rid = 0`, t.Name); err != nil {
			return fmt.Errorf("store: resetting the full-text mark of %s: %w", t.Name, err)
		}
	}
	// A database from before the mark queued every insert: its rows are all
	// indexed or queued, so the mark starts at its last row.
	if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO ccfeed_fts_mark (tbl, rid) SELECT ?, coalesce(max(rowid), 0) FROM "+q(t.Name), t.Name); err != nil {
		return fmt.Errorf("store: full-text mark of %s: %w", t.Name, err)
	}
	for n, stmt := range want {
		if _, ok := have[n]; ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("store: full-text triggers on %s: %w", t.Name, err)
		}
	}
	return nil
}

// backfillLocal fills a tenant-local column that an upgrade has just added
// from its UTC twin, in each tenant's zone. Without it, rows written by the
// older binary would show a null local time next to a set UTC time (while a
// filter on the local column, which reads the UTC one, still matched them)
// until their source was loaded again.
func (db *DB) backfillLocal(ctx context.Context, tx *sql.Tx, t *edm.Table, c *edm.Property) error {
	q := db.Dialect.Quote
	tenants, err := queryStrings(ctx, tx, fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s IS NOT NULL",
		q("tenantId"), q(t.Name), q(c.UTC.Column())))
	if err != nil {
		return err
	}
	for _, tenant := range tenants {
		tz := "UTC"
		err := tx.QueryRowContext(ctx, "SELECT timezone FROM ccfeed_tenants WHERE name = ?", tenant).Scan(&tz)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return fmt.Errorf("tenant %s has unknown time zone %q: %w", tenant, tz, err)
		}
		if err := db.relocalize(ctx, tx, t.Name, c.Column(), c.UTC.Column(), tenant, loc); err != nil {
			return err
		}
	}
	return nil
}

func columnsOf(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

// ridColumn is the integer row id every model table declares as its INTEGER
// PRIMARY KEY. The full-text indexes refer to rows by it; an implicit rowid
// would do until a VACUUM renumbers it, after which $search would return
// other rows. Declared, it survives VACUUM. It is internal: not in the model.
const ridColumn = "rid"

// createTable is the DDL of a model table: the stable row id, then the
// model's columns. The key is made unique by the index on (tenantId, id)
// that indexes() declares.
func (db *DB) createTable(t *edm.Table) string {
	return db.createTableNamed(t, t.Name)
}

func (db *DB) createTableNamed(t *edm.Table, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n  %s INTEGER PRIMARY KEY", db.Dialect.Quote(name), db.Dialect.Quote(ridColumn))
	for _, c := range t.Columns {
		b.WriteString(",\n")
		fmt.Fprintf(&b, "  %s %s", db.Dialect.Quote(c.Column()), db.Dialect.ColumnType(c.Type))
		if !c.Nullable {
			b.WriteString(" NOT NULL")
		}
	}
	b.WriteString("\n)")
	return b.String()
}

// dropStaleIndexes removes model indexes (named ix_<table>_...) that the
// model no longer asks for, or asks for with other columns (every index
// costs every insert, and a changed definition keeps its name).
func (db *DB) dropStaleIndexes(ctx context.Context, tx *sql.Tx, t *edm.Table) error {
	want := map[string]string{}
	for _, x := range t.Indexes {
		want[x.Name] = db.indexSQL(t, x)
	}
	rows, err := tx.QueryContext(ctx, "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", t.Name)
	if err != nil {
		return err
	}
	var stale []string
	for rows.Next() {
		var n, stmt string
		if err := rows.Scan(&n, &stmt); err != nil {
			rows.Close()
			return err
		}
		if !strings.HasPrefix(n, "ix_"+t.Name+"_") {
			continue
		}
		if w, ok := want[n]; !ok || strings.Replace(w, " IF NOT EXISTS", "", 1) != stmt {
			stale = append(stale, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range stale {
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+db.Dialect.Quote(n)); err != nil {
			return err
		}
	}
	return nil
}

// indexSQL is the DDL of one of the model's indexes.
func (db *DB) indexSQL(t *edm.Table, x *edm.Index) string {
	cols := make([]string, len(x.Columns))
	for i, c := range x.Columns {
		cols[i] = db.Dialect.Quote(c.Column())
	}
	stmt := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", db.Dialect.Quote(x.Name), db.Dialect.Quote(t.Name), strings.Join(cols, ", "))
	if x.NotNull != nil {
		stmt += " WHERE " + db.Dialect.Quote(x.NotNull.Column()) + " IS NOT NULL"
	}
	return stmt
}

// indexes lists the indexes of a table: the unique key, then the ones the
// model chooses (edm.Table.Indexes says which and why).
func (db *DB) indexes(t *edm.Table) []string {
	// (tenantId, id) is unique (id holds its tenant): key lookups and
	// joins carry the tenant condition.
	out := []string{fmt.Sprintf("CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s, %s)",
		db.Dialect.Quote("ux_"+t.Name+"_key"), db.Dialect.Quote(t.Name), db.Dialect.Quote("tenantId"), db.Dialect.Quote("id"))}
	for _, x := range t.Indexes {
		out = append(out, db.indexSQL(t, x))
	}
	return out
}

// extraTables are created by other parts of the store (load journal, keys);
// they register here so reconcile creates them in the same transaction.
var extraTables []string

// addRid rebuilds a table of an older database that lacks the stable row id
// (SQLite cannot add a primary key to a table): the rows are copied with
// their rowids, which the full-text index refers to, so the index stays
// valid. Indexes and triggers go with the old table; reconcile creates them
// again right after.
func (db *DB) addRid(ctx context.Context, tx *sql.Tx, t *edm.Table, have map[string]bool) error {
	q := db.Dialect.Quote
	tmp := t.Name + "__rid"
	if _, err := tx.ExecContext(ctx, db.createTableNamed(t, tmp)); err != nil {
		return err
	}
	var cols []string
	for _, c := range t.Columns {
		if have[c.Column()] {
			cols = append(cols, q(c.Column()))
		}
	}
	list := strings.Join(cols, ", ")
	for _, stmt := range []string{
		fmt.Sprintf("INSERT INTO %s (%s, %s) SELECT rowid, %s FROM %s", q(tmp), q(ridColumn), list, list, q(t.Name)),
		fmt.Sprintf("DROP TABLE %s", q(t.Name)),
		fmt.Sprintf("ALTER TABLE %s RENAME TO %s", q(tmp), q(t.Name)),
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
