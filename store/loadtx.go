package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"github.com/klauspost/compress/flate"
	"io"
	"sync"

	"github.com/mattn/go-sqlite3"
)

// Loading keeps the raw records of event-shaped sources in a staging table,
// keyed by a natural key (or, where the source has none, a hash of the
// record's content). Derived rows (a conversation built from its events) are
// rebuilt from every staged record of their group, so a record arriving in a
// later file — a close event, an edit — updates what depends on it, and the
// same record arriving twice changes nothing.

func init() {
	extraTables = append(extraTables,
		`CREATE TABLE IF NOT EXISTS ccfeed_staging (
			tenant  TEXT NOT NULL,
			source  TEXT NOT NULL,
			record  TEXT NOT NULL,
			grp     TEXT NOT NULL,
			seq     INTEGER NOT NULL,
			payload BLOB NOT NULL,
			PRIMARY KEY (tenant, source, record)
		) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS ix_staging_group ON ccfeed_staging (tenant, source, grp, seq)`,
	)
}

// LoadTx is the write transaction of one file (or one pull): rows, staged
// records, aliases and rejects commit together or not at all.
type LoadTx struct {
	*Writer
	db      *DB
	stage   *sql.Stmt
	restage *sql.Stmt
	// bulk are the load's multi-row statements (StageMany, PutMentions),
	// by their text.
	bulk map[string]*counted
	// moved is set once the load has recorded a move (RecordMove).
	moved bool
	// stmts are the load's prepared statements (loadtx_stmts.go).
	stmts map[string]*sql.Stmt
}

// Load runs fn in one write transaction.
//
// The transaction holds the write connection for itself (a sql.Conn), so
// that the load's bulk statements can run on the driver connection under it
// (see counted). That is safe because nothing else uses the connection
// while they run: fn runs on this goroutine, and nothing database/sql does
// for the load runs on another. So neither the transaction's context nor any
// statement's can be cancelled (database/sql and go-sqlite3 would act on
// the connection from another goroutine): every LoadTx method runs its
// statements under stmtContext, which checks the load's context first, and
// a load whose context ended is rolled back rather than committed.
func (db *DB) Load(ctx context.Context, fn func(lt *LoadTx) error) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	raw, err := rawConn(conn)
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := db.loadIn(ctx, tx, raw, fn); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.loads.Add(1)
	db.forgetTenants()
	return nil
}

// loadIn runs fn in tx; its statements are closed when it returns, before
// the transaction ends.
func (db *DB) loadIn(ctx context.Context, tx *sql.Tx, raw *sqlite3.SQLiteConn, fn func(lt *LoadTx) error) error {
	lt := &LoadTx{Writer: db.newWriter(tx), db: db, bulk: map[string]*counted{}}
	lt.raw = raw
	defer lt.close()
	var err error
	if lt.stage, err = tx.PrepareContext(ctx, `INSERT OR IGNORE INTO ccfeed_staging (tenant, source, record, grp, seq, payload) VALUES (?, ?, ?, ?, ?, ?)`); err != nil {
		return err
	}
	if lt.restage, err = tx.PrepareContext(ctx, `UPDATE ccfeed_staging SET grp = ?, seq = ?, payload = ?
		WHERE tenant = ? AND source = ? AND record = ? AND payload IS NOT ?`); err != nil {
		return err
	}
	if err := fn(lt); err != nil {
		return err
	}
	if err := lt.Flush(ctx); err != nil {
		return err
	}
	return lt.recountTouched(ctx)
}

func (lt *LoadTx) close() {
	lt.closeStmts()
	lt.Writer.Close()
	for _, s := range []*sql.Stmt{lt.stage, lt.restage} {
		if s != nil {
			s.Close()
		}
	}
	for _, s := range lt.bulk {
		s.Close()
	}
}

// runBulk runs a multi-row statement of the load (prepared once per text) and
// returns how many rows it changed.
func (lt *LoadTx) runBulk(ctx context.Context, query string, args []any) (int64, error) {
	st := lt.bulk[query]
	if st == nil {
		var err error
		if st, err = lt.prepareCounted(ctx, query); err != nil {
			return 0, err
		}
		lt.bulk[query] = st
	}
	return lt.runCounted(ctx, st, args)
}

// Stage keeps a raw record. With replace false the first copy wins (records
// keyed by their content); with replace true a different payload under the
// same key replaces the stored one (records keyed by a natural id whose
// later copies are newer). It reports whether anything changed.
func (lt *LoadTx) Stage(ctx context.Context, tenant, source, record, group string, seq int64, payload []byte, replace bool) (bool, error) {
	return lt.stagePacked(ctx, tenant, source, record, group, seq, Pack(payload), replace)
}

// stagePacked is Stage for a payload already encoded with Pack.
func (lt *LoadTx) stagePacked(ctx context.Context, tenant, source, record, group string, seq int64, payload []byte, replace bool) (bool, error) {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return false, err
	}
	res, err := lt.stage.ExecContext(ctx, tenant, source, record, group, seq, payload)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	if !replace {
		return false, nil
	}
	res, err = lt.restage.ExecContext(ctx, group, seq, payload, tenant, source, record, payload)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// StagedRecord is a record for StageMany, its payload encoded with Pack or
// AppendRaw.
type StagedRecord struct {
	Record, Group string
	Seq           int64
	Payload       []byte
}

// StageMany keeps records as Stage does with replace false (the first
// copy of a record wins), putRows records to a statement, and reports how
// many were new. A load of a large report stages a record per
// conversation; one statement each cost as much as the insert itself.
func (lt *LoadTx) StageMany(ctx context.Context, tenant, source string, recs []StagedRecord) (int, error) {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return 0, err
	}
	added := 0
	args := make([]any, 0, 6*putBatch)
	for done := 0; done < len(recs); {
		n := putRows(len(recs) - done)
		args = args[:0]
		for _, r := range recs[done : done+n] {
			args = append(args, tenant, source, r.Record, r.Group, r.Seq, r.Payload)
		}
		k, err := lt.runBulk(ctx, `INSERT OR IGNORE INTO ccfeed_staging (tenant, source, record, grp, seq, payload) VALUES `+valueRows(6, n), args)
		if err != nil {
			return added, fmt.Errorf("store: staging records: %w", err)
		}
		added += int(k)
		done += n
	}
	return added, nil
}

// Staged calls fn for every staged record of the given groups, grouped and
// in seq order within a group.
// StagedCount is how many records a group has staged: an indexed count,
// without reading or unpacking their payloads.
func (lt *LoadTx) StagedCount(ctx context.Context, tenant, source, group string) (int, error) {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = lt.queryRow(ctx, `SELECT count(*) FROM ccfeed_staging WHERE tenant = ? AND source = ? AND grp = ?`, tenant, source, group).Scan(&n)
	return n, err
}

func (lt *LoadTx) Staged(ctx context.Context, tenant, source string, groups []string, fn func(group string, payload []byte) error) error {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	const batch = 400
	for start := 0; start < len(groups); start += batch {
		part := groups[start:min(start+batch, len(groups))]
		args := []any{tenant, source}
		for _, g := range part {
			args = append(args, g)
		}
		rows, err := lt.query(ctx, `SELECT grp, payload FROM ccfeed_staging WHERE tenant = ? AND source = ? AND grp IN (`+
			placeholders(len(part))+`) ORDER BY grp, seq, record`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var g string
			var p []byte
			if err := rows.Scan(&g, &p); err != nil {
				rows.Close()
				return err
			}
			if p, err = unpack(p); err != nil {
				rows.Close()
				return fmt.Errorf("store: staged record of %s: %w", g, err)
			}
			if err := fn(g, p); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Staged payloads start with a format byte. Records of event sources repeat
// names and ids on every event, and deflate at its fastest level shrinks
// them several times, which is most of what a load writes.
const (
	packRaw     byte = 0
	packDeflate byte = 1
)

// Pack encodes a staged payload. It is safe for concurrent use.
func Pack(p []byte) []byte {
	pk := packers.Get().(*packer)
	defer packers.Put(pk)
	pk.buf.Reset()
	pk.buf.WriteByte(packDeflate)
	pk.w.Reset(&pk.buf)
	pk.w.Write(p)
	pk.w.Close()
	if pk.buf.Len() >= len(p)+1 {
		return append([]byte{packRaw}, p...)
	}
	return append([]byte(nil), pk.buf.Bytes()...)
}

// AppendRaw appends p to dst encoded as a staged payload as it is, for
// payloads that are compact already (compressing them again would cost CPU
// for little).
func AppendRaw(dst, p []byte) []byte { return append(append(dst, packRaw), p...) }

type packer struct {
	w   *flate.Writer
	buf bytes.Buffer
}

var packers = sync.Pool{New: func() any {
	pk := &packer{}
	pk.w, _ = flate.NewWriter(&pk.buf, flate.BestSpeed)
	return pk
}}

func unpack(p []byte) ([]byte, error) {
	if len(p) == 0 {
		return nil, fmt.Errorf("empty payload")
	}
	switch p[0] {
	case packRaw:
		return p[1:], nil
	case packDeflate:
		return io.ReadAll(flate.NewReader(bytes.NewReader(p[1:])))
	}
	return nil, fmt.Errorf("unknown payload format %d", p[0])
}

// StagedGroups reports which groups have at least one staged record.
func (lt *LoadTx) StagedGroups(ctx context.Context, tenant, source string, groups []string) (map[string]bool, error) {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	const batch = 400
	for start := 0; start < len(groups); start += batch {
		part := groups[start:min(start+batch, len(groups))]
		args := []any{tenant, source}
		for _, g := range part {
			args = append(args, g)
		}
		rows, err := lt.query(ctx, `SELECT DISTINCT grp FROM ccfeed_staging WHERE tenant = ? AND source = ? AND grp IN (`+
			placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				return nil, err
			}
			out[g] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
