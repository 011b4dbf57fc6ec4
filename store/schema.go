package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// SchemaVersion is the version of the database layout this binary writes,
// kept in PRAGMA user_version. Opening an older database upgrades it in
// place: first the numbered migrations below (for changes that need care,
// such as renames), then reconcile, which creates whatever the model has and
// the database lacks (tables, columns, indexes). A database from a newer
// binary is refused rather than damaged.
const SchemaVersion = 1

// migrations[v] upgrades a database from version v to v+1. Additive changes
// need no entry: reconcile covers them.
var migrations = map[int]func(ctx context.Context, tx *sql.Tx) error{}

// internalTables are the service's own tables, next to the model's.
var internalTables = []string{
	`CREATE TABLE IF NOT EXISTS ccfeed_meta (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS ccfeed_tenants (
		name     TEXT PRIMARY KEY,
		timezone TEXT NOT NULL DEFAULT 'UTC'
	)`,
}

func (db *DB) migrate(ctx context.Context) error {
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
					return fmt.Errorf("store: migrate %d->%d: %w", v, v+1, err)
				}
			}
		}
	}
	if err := db.reconcile(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
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
			for _, c := range t.Columns {
				if have[c.Column()] {
					continue
				}
				stmt := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", db.Dialect.Quote(t.Name),
					db.Dialect.Quote(c.Column()), db.Dialect.ColumnType(c.Type))
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("store: add %s.%s: %w", t.Name, c.Name, err)
				}
			}
		}
		for _, stmt := range db.indexes(t) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("store: index on %s: %w", t.Name, err)
			}
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

// createTable is the DDL of a model table. Rows keep SQLite's rowid (full-
// text indexes need an integer rowid); the text key is UNIQUE, which gives
// the index that key lookups and keyset paging use.
func (db *DB) createTable(t *edm.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", db.Dialect.Quote(t.Name))
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  %s %s", db.Dialect.Quote(c.Column()), db.Dialect.ColumnType(c.Type))
		switch {
		case c.Name == "id":
			b.WriteString(" NOT NULL UNIQUE")
		case !c.Nullable:
			b.WriteString(" NOT NULL")
		}
	}
	b.WriteString("\n)")
	return b.String()
}

// indexes lists the indexes of a table: (tenantId, column) for every column
// the model marks Indexed (foreign keys and UTC times), because every query
// carries a tenant condition and BI tools filter and join on these.
func (db *DB) indexes(t *edm.Table) []string {
	var out []string
	for _, c := range t.Columns {
		if !c.Indexed {
			continue
		}
		name := fmt.Sprintf("ix_%s_%s", t.Name, c.Column())
		out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s, %s)",
			db.Dialect.Quote(name), db.Dialect.Quote(t.Name), db.Dialect.Quote("tenantId"), db.Dialect.Quote(c.Column())))
	}
	return out
}

// extraTables are created by other parts of the store (load journal, keys);
// they register here so reconcile creates them in the same transaction.
var extraTables []string
