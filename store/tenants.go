package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// tenantCache holds the tenant list; a principal with access to all tenants
// is turned into this list on every request, so it is read from memory.
type tenantCache struct {
	mu    sync.Mutex
	names []string
	at    time.Time
}

// tenantCacheTTL bounds how stale the list may be when another process (a
// loader) adds a tenant; writes in this process refresh it at once.
const tenantCacheTTL = 5 * time.Second

// Tenants lists the tenant names, sorted.
func (db *DB) Tenants(ctx context.Context) ([]string, error) {
	db.tenants.mu.Lock()
	defer db.tenants.mu.Unlock()
	if db.tenants.names != nil && time.Since(db.tenants.at) < tenantCacheTTL {
		return db.tenants.names, nil
	}
	names, err := queryStrings(ctx, db.read, "SELECT name FROM ccfeed_tenants ORDER BY name")
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{} // non-nil: the cache tells "none" from "not read"
	}
	db.tenants.names, db.tenants.at = names, time.Now()
	return names, nil
}

func (db *DB) forgetTenants() {
	db.tenants.mu.Lock()
	db.tenants.names = nil
	db.tenants.mu.Unlock()
}

// ValidTenantName reports whether name can be a tenant: it is part of every
// key ("tenant:source:id"), so it may not contain ':' and stays short and
// plain.
func ValidTenantName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("tenant name must be 1 to 64 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("tenant name %q may only hold letters, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}

// EnsureTenant registers a tenant (idempotent).
func (db *DB) EnsureTenant(ctx context.Context, name string) error {
	if err := ValidTenantName(name); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO ccfeed_tenants (name) VALUES (?)", name)
		return err
	})
}

// TenantTimezone returns a tenant's IANA time zone ("UTC" until set).
func (db *DB) TenantTimezone(ctx context.Context, name string) (*time.Location, error) {
	loc, _, err := db.TenantZone(ctx, name)
	return loc, err
}

// TenantZone returns a tenant's time zone and whether it was ever set: a
// tenant created by a load has none, and its local twins are written in
// UTC meanwhile, but local times cannot be read for it (see loaders).
func (db *DB) TenantZone(ctx context.Context, name string) (*time.Location, bool, error) {
	var tz string
	var set bool
	err := db.read.QueryRowContext(ctx, "SELECT timezone, zone_set FROM ccfeed_tenants WHERE name = ?", name).Scan(&tz, &set)
	if errors.Is(err, sql.ErrNoRows) {
		return time.UTC, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	loc, err := time.LoadLocation(tz)
	return loc, set, err
}

// ZoneInUseError refuses a change of a tenant's time zone while loads read
// local times in the old one: their instants would be wrong in the new.
type ZoneInUseError struct {
	Tenant, From, To string
	// Loads are the local-time loads (file and source), at most 20; Count
	// is how many there are.
	Loads []LocalLoad
	Count int
}

// LocalLoad is a load that read local times in a zone.
type LocalLoad struct{ LoadID, Source, File, Zone string }

func (e *ZoneInUseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tenant %s already holds %d load(s) whose local times (ino, Buzzeasy, two-way without offsets) were read in %s; "+
		"in %s they would be other instants, and the rows hold only the instants. Nothing was changed. "+
		"To change the zone, create a new database, set the zone there first (ccfeed tenant --db NEW --tenant %s --timezone %s), "+
		"and load the same files into it. The loads read in %s:", e.Tenant, e.Count, e.From, e.To, e.Tenant, e.To, e.From)
	for _, l := range e.Loads {
		fmt.Fprintf(&b, "\n  %s (%s, load %s)", l.File, l.Source, l.LoadID)
	}
	if e.Count > len(e.Loads) {
		fmt.Fprintf(&b, "\n  ... and %d more (admin: the Loads set lists them)", e.Count-len(e.Loads))
	}
	return b.String()
}

// Write runs fn in a write transaction, one at a time.
func (db *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	return db.writeHeld(ctx, fn)
}

// writeHeld is Write for a caller that holds writeMu.
func (db *DB) writeHeld(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.forgetTenants()
	return nil
}

// SetTenantTimezone sets a tenant's IANA time zone and rewrites the stored
// tenant-local columns of its rows to the new zone, in one transaction, so
// local values never mix two zones.
func (db *DB) SetTenantTimezone(ctx context.Context, name, tz string) error {
	// "Local" would tie stored local times to whatever machine runs ccfeed.
	if tz == "" || tz == "Local" {
		return fmt.Errorf("time zone %q is not a fixed zone: use an IANA name such as Europe/Paris (or UTC)", tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Paris", tz)
	}
	if err := ValidTenantName(name); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, "SELECT timezone FROM ccfeed_tenants WHERE name = ?", name).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := refuseZoneChange(ctx, tx, name, tz); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ccfeed_tenants (name, timezone, zone_set) VALUES (?, ?, 1)
			ON CONFLICT(name) DO UPDATE SET timezone = excluded.timezone, zone_set = 1`, name, tz); err != nil {
			return err
		}
		for _, t := range db.Model.Tables {
			for _, c := range t.Columns {
				if c.UTC == nil {
					continue
				}
				if err := db.relocalize(ctx, tx, t.Name, c.Column(), c.UTC.Column(), name, loc); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// relocalize recomputes one local column from its UTC twin for a tenant.
func (db *DB) relocalize(ctx context.Context, tx *sql.Tx, table, localCol, utcCol, tenant string, loc *time.Location) error {
	q := db.Dialect.Quote
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT rowid, %s FROM %s WHERE %s = ? AND %s IS NOT NULL",
		q(utcCol), q(table), q("tenantId"), q(utcCol)), tenant)
	if err != nil {
		return err
	}
	type upd struct {
		rowid int64
		text  string
	}
	var ups []upd
	for rows.Next() {
		var id, ms int64
		if err := rows.Scan(&id, &ms); err != nil {
			rows.Close()
			return err
		}
		ups = append(ups, upd{id, time.UnixMilli(ms).In(loc).Format(LocalLayout)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("UPDATE %s SET %s = ? WHERE rowid = ?", q(table), q(localCol)))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, u := range ups {
		if _, err := stmt.ExecContext(ctx, u.text, u.rowid); err != nil {
			return err
		}
	}
	return nil
}

// SetMeta stores a service setting.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	return db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ccfeed_meta (key, value) VALUES (?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// Meta reads a service setting ("" when unset).
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, "SELECT value FROM ccfeed_meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func init() {
	extraTables = append(extraTables, `CREATE TABLE IF NOT EXISTS ccfeed_local_loads (
		tenant  TEXT NOT NULL,
		load_id TEXT NOT NULL,
		source  TEXT NOT NULL,
		file    TEXT NOT NULL,
		zone    TEXT NOT NULL,
		PRIMARY KEY (tenant, load_id)
	) WITHOUT ROWID`)
}

// RecordLocalLoad notes that a load read local times in zone: a later change
// of the tenant's zone must not leave its instants in the old one.
func (lt *LoadTx) RecordLocalLoad(ctx context.Context, tenant, loadID, source, file, zone string) error {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	_, err = lt.exec(ctx, `INSERT OR REPLACE INTO ccfeed_local_loads (tenant, load_id, source, file, zone) VALUES (?, ?, ?, ?, ?)`,
		tenant, loadID, source, file, zone)
	return err
}

// refuseZoneChange returns a ZoneInUseError when loads of the tenant read
// local times in another zone than to.
func refuseZoneChange(ctx context.Context, tx *sql.Tx, tenant, to string) error {
	rows, err := tx.QueryContext(ctx, `SELECT load_id, source, file, zone FROM ccfeed_local_loads WHERE tenant = ? AND zone <> ? ORDER BY load_id`, tenant, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	e := &ZoneInUseError{Tenant: tenant, To: to}
	for rows.Next() {
		var l LocalLoad
		if err := rows.Scan(&l.LoadID, &l.Source, &l.File, &l.Zone); err != nil {
			return err
		}
		e.Count++
		if e.From == "" {
			e.From = l.Zone
		}
		if len(e.Loads) < 20 {
			e.Loads = append(e.Loads, l)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if e.Count == 0 {
		return nil
	}
	return e
}
