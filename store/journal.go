package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
)

// The load journal (the Loads and LoadRejects sets) read for operators: the
// home page, /metrics and the "ccfeed loads" and "ccfeed rejects" commands.
// These read the journal's own small tables, never the data tables, so a
// scrape every few seconds costs the same however much data is loaded.

// journalTables returns the quoted names of the journal's tables.
func (db *DB) journalTables() (loads, rejects string) {
	q := db.Dialect.Quote
	return q(db.Model.Set("Loads").Type.Table.Name), q(db.Model.Set("LoadRejects").Type.Table.Name)
}

// tenantCond is "AND <col> IN (?, ...)" for a tenant list; nil means every
// tenant and adds nothing.
func tenantCond(col string, tenants []string, args []any) (string, []any) {
	if tenants == nil {
		return "", args
	}
	if len(tenants) == 0 {
		return " AND 0", args
	}
	for _, t := range tenants {
		args = append(args, t)
	}
	return " AND " + col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(tenants)), ", ") + ")", args
}

// SourceStatuses sums the journal per tenant, source and kind (file or
// pull), for the tenants listed (nil: every tenant).
func (db *DB) SourceStatuses(ctx context.Context, tenants []string) ([]ccfeed.SourceStatus, error) {
	loads, _ := db.journalTables()
	cond, args := tenantCond("l.tenantId", tenants, nil)
	ok := "l.status = '" + edm.LoadLoaded + "'"
	rows, err := db.read.QueryContext(ctx, `SELECT l.tenantId, l.source, l.kind,
		coalesce(sum(`+ok+`), 0), coalesce(sum(NOT (`+ok+`)), 0),
		coalesce(sum(CASE WHEN `+ok+` THEN l.rowsRead END), 0),
		coalesce(sum(CASE WHEN `+ok+` THEN l.rejected END), 0),
		coalesce(sum(CASE WHEN `+ok+` THEN l.inserted END), 0),
		coalesce(sum(CASE WHEN `+ok+` THEN l.updated END), 0),
		max(CASE WHEN `+ok+` THEN l.finishedAtUTC END),
		max(CASE WHEN NOT (`+ok+`) THEN l.finishedAtUTC END)
		FROM `+loads+` l WHERE 1`+cond+`
		GROUP BY l.tenantId, l.source, l.kind ORDER BY l.tenantId, l.source, l.kind`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ccfeed.SourceStatus
	for rows.Next() {
		var s ccfeed.SourceStatus
		var kind sql.NullString
		var last, lastFail sql.NullInt64
		if err := rows.Scan(&s.Tenant, &s.Source, &kind, &s.Loaded, &s.Failed, &s.Records, &s.Rejected,
			&s.Inserted, &s.Updated, &last, &lastFail); err != nil {
			return nil, err
		}
		s.Kind = kind.String
		s.LastLoaded, s.LastFailed = msTime(last), msTime(lastFail)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The newest failure's message, only for sources whose last word was a
	// failure: one short query each, and only when something is wrong.
	for i := range out {
		s := &out[i]
		if s.LastFailed.IsZero() || s.LastFailed.Before(s.LastLoaded) {
			continue
		}
		var msg sql.NullString
		err := db.read.QueryRowContext(ctx, `SELECT message FROM `+loads+` WHERE tenantId = ? AND source = ? AND kind IS ?
			AND status <> ? ORDER BY finishedAtUTC DESC LIMIT 1`, s.Tenant, s.Source, nullIfEmpty(s.Kind), edm.LoadLoaded).Scan(&msg)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		s.LastFailure = msg.String
	}
	return out, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// LoadFilter narrows ListLoads.
type LoadFilter struct {
	// Tenants lists the tenants to show (nil: every tenant).
	Tenants []string
	// Since keeps the loads that started at or after it (zero: all).
	Since time.Time
	// Limit bounds the rows, newest first (0: no bound).
	Limit int
}

// ListLoads returns journal rows, newest first.
func (db *DB) ListLoads(ctx context.Context, f LoadFilter) ([]ccfeed.LoadEntry, error) {
	loads, _ := db.journalTables()
	args := []any{}
	where := "WHERE 1"
	if !f.Since.IsZero() {
		where += " AND startedAtUTC >= ?"
		args = append(args, f.Since.UnixMilli())
	}
	cond, args := tenantCond("tenantId", f.Tenants, args)
	where += cond
	limit := ""
	if f.Limit > 0 {
		limit = " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, tenantId, source, coalesce(kind, ''), coalesce(fileName, ''),
		coalesce(status, ''), coalesce(message, ''), startedAtUTC, finishedAtUTC, coalesce(sizeBytes, 0),
		coalesce(rowsRead, 0), coalesce(rejected, 0), coalesce(inserted, 0), coalesce(updated, 0), coalesce(unchanged, 0)
		FROM `+loads+` `+where+` ORDER BY startedAtUTC DESC, id DESC`+limit, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ccfeed.LoadEntry
	for rows.Next() {
		var e ccfeed.LoadEntry
		var started, finished sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Tenant, &e.Source, &e.Kind, &e.File, &e.Status, &e.Message, &started, &finished,
			&e.SizeBytes, &e.Records, &e.Rejected, &e.Inserted, &e.Updated, &e.Unchanged); err != nil {
			return nil, err
		}
		e.Started, e.Finished = msTime(started), msTime(finished)
		out = append(out, e)
	}
	return out, rows.Err()
}

// RejectFilter narrows ListRejects.
type RejectFilter struct {
	// LoadID is a load's id as Loads has it ("tenant:loader:2026...") or
	// its last part ("2026..."), as "ccfeed loads" prints it.
	LoadID string
	// File keeps the rejects of loads of this file name.
	File string
	// Tenants lists the tenants to show (nil: every tenant).
	Tenants []string
	// Limit bounds the rows (0: no bound).
	Limit int
}

// ListRejects returns refused records: the newest load first, and within
// a load by line.
func (db *DB) ListRejects(ctx context.Context, f RejectFilter) ([]ccfeed.Reject, error) {
	loads, rejects := db.journalTables()
	args := []any{}
	where := "WHERE 1"
	if f.LoadID != "" {
		where += " AND (r.loadId = ? OR l.sourceId = ?)"
		args = append(args, f.LoadID, f.LoadID)
	}
	if f.File != "" {
		where += " AND r.fileName = ?"
		args = append(args, f.File)
	}
	cond, args := tenantCond("r.tenantId", f.Tenants, args)
	where += cond
	limit := ""
	if f.Limit > 0 {
		limit = " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT coalesce(r.loadId, ''), r.tenantId, r.source, coalesce(r.fileName, ''),
		coalesce(r.line, 0), coalesce(r.field, ''), coalesce(r.reason, ''), coalesce(r.excerpt, ''), l.startedAtUTC
		FROM `+rejects+` r LEFT JOIN `+loads+` l ON l.tenantId = r.tenantId AND l.id = r.loadId
		`+where+` ORDER BY l.startedAtUTC DESC, r.loadId, r.line, r.rowid`+limit, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ccfeed.Reject
	for rows.Next() {
		var r ccfeed.Reject
		var started sql.NullInt64
		if err := rows.Scan(&r.LoadID, &r.Tenant, &r.Source, &r.File, &r.Line, &r.Field, &r.Reason, &r.Excerpt, &started); err != nil {
			return nil, err
		}
		r.LoadStarted = msTime(started)
		out = append(out, r)
	}
	return out, rows.Err()
}

// FileSizes reports the bytes of the database file and of its write-ahead
// log (0 when there is none), for /metrics.
func (db *DB) FileSizes() (dbBytes, walBytes int64, err error) {
	st, err := os.Stat(db.Path)
	if err != nil {
		return 0, 0, err
	}
	wal, err := os.Stat(db.Path + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		return st.Size(), 0, nil
	} else if err != nil {
		return st.Size(), 0, err
	}
	return st.Size(), wal.Size(), nil
}

// LatestRejects lists up to limit records refused by the newest loads of
// the tenants listed (nil: every tenant): the home page's view for admins.
func (db *DB) LatestRejects(ctx context.Context, tenants []string, limit int) ([]ccfeed.Reject, error) {
	return db.ListRejects(ctx, RejectFilter{Tenants: tenants, Limit: limit})
}
