package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mattn/go-sqlite3"

	"github.com/ccfeed/ccfeed/edm"
)

// driverName is go-sqlite3 with the functions every connection needs.
const driverName = "ccfeed_sqlite3"

var registerOnce sync.Once

func registerDriver() {
	registerOnce.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			// Deterministic ("pure") so SQLite may use them in indexes and
			// evaluate them once per row.
			if err := c.RegisterFunc("ccfeed_lower", unicodeLower, true); err != nil {
				return err
			}
			if err := c.RegisterFunc("ccfeed_upper", unicodeUpper, true); err != nil {
				return err
			}
			if err := c.RegisterFunc("ccfeed_regexp", regexpMatch, true); err != nil {
				return err
			}
			// Temporary b-trees (a GROUP BY's sort, an index being built)
			// spill to a temporary file past the connection's cache size,
			// SQLite's default: with temp_store = MEMORY a per-queue-and-day
			// aggregation over 2M queue stays held 290 MB in the server
			// (20 MB this way, and no slower). Sorts for $orderby keep only
			// the page (ORDER BY ... LIMIT), in memory either way.
			// Memory-mapped reads are off: they were ~10% faster on a full
			// export, but every mapped page counts in the server's
			// resident memory, which then grows with the data read
			// (63 MB -> 293 MB over 1M rows) instead of staying flat.
			// No checkpoint on an ordinary commit: SQLite's default (at
			// 1,000 pages of log) copies the whole log into the database
			// file inside the committing call, a second and a half after a
			// load of a million rows (450 MB of log) before the load could
			// return. CheckpointWAL does it instead, off the load's path:
			// the serving process after each indexing round, ccfeed load
			// after each file, ccfeed sync at its end, and SQLite itself
			// when the last connection closes. The automatic checkpoint
			// stays as a backstop at 262,144 pages (1 GiB), so a log left
			// to grow by some other writer is still bounded.
			_, err := c.Exec("PRAGMA temp_store = FILE; PRAGMA mmap_size = 0; PRAGMA wal_autocheckpoint = 262144", nil)
			return err
		}})
	})
}

// The Go functions take and return any so that SQL NULL arrives as nil and
// leaves as NULL.

// textArg reads a text argument of a function registered in Go. The
// driver hands a NULL over as a nil []byte: it must stay NULL, not become
// the empty text (tolower of a missing name equalled the empty text).
func textArg(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), x != nil
	}
	return "", false
}

func unicodeLower(v any) any {
	if s, ok := textArg(v); ok {
		return strings.ToLower(s)
	}
	return nil
}

func unicodeUpper(v any) any {
	if s, ok := textArg(v); ok {
		return strings.ToUpper(s)
	}
	return nil
}

// regexCache keeps compiled patterns: a filter applies one pattern to every
// row, and compiling per row would dominate. It is bounded: patterns come
// from requests, and an unbounded cache would let a caller grow memory.
var regexCache struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

const regexCacheSize = 256

func compilePattern(p string) (*regexp.Regexp, error) {
	regexCache.Lock()
	defer regexCache.Unlock()
	if re, ok := regexCache.m[p]; ok {
		return re, nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	if regexCache.m == nil || len(regexCache.m) >= regexCacheSize {
		regexCache.m = map[string]*regexp.Regexp{}
	}
	regexCache.m[p] = re
	return re, nil
}

func regexpMatch(pattern, value any) (any, error) {
	p, ok1 := textArg(pattern)
	s, ok2 := textArg(value)
	if !ok1 || !ok2 {
		return nil, nil
	}
	re, err := compilePattern(p)
	if err != nil {
		return nil, fmt.Errorf("matchesPattern: invalid regular expression: %v", err)
	}
	if re.MatchString(s) {
		return int64(1), nil
	}
	return int64(0), nil
}

// DB is an open store: one writer connection and a pool of read-only ones.
type DB struct {
	Path    string
	Model   *edm.Model
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// writeMu serialises write transactions in this process; SQLite allows
	// one writer, and queuing here is kinder than SQLITE_BUSY.
	writeMu sync.Mutex
	tenants tenantCache
	// identity is the file opened, to notice it deleted or replaced.
	identity fileIdentity
	// readConns is the size of the read pool.
	readConns int
	// loads counts the load transactions this process committed (see
	// Loads).
	loads atomic.Int64
	// planHints: see plans.go.
	planHints planHints
}

// Options tune Open.
type Options struct {
	// ReadConns is the size of the read pool; 0 means one per CPU, at
	// least six: the server keeps every tenant's and credential's share
	// below the pool (see server/admission.go), and a credential may hold
	// four at once.
	ReadConns int
}

// Open opens (creating if needed) the database at path, brings its schema
// up to date with the model, and returns the store.
func Open(path string, m *edm.Model, opt Options) (*DB, error) {
	registerDriver()
	if err := checkFolder(path); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := createFile(path); err != nil {
		return nil, fmt.Errorf("store: create %s: %w", path, err)
	}
	q := url.Values{}
	// WAL lets readers keep reading while a load writes, and lets one
	// writer proceed while readers hold snapshots.
	q.Set("_journal_mode", "WAL")
	// NORMAL is durable against process crashes in WAL mode; a power cut
	// can lose the last commits but never corrupts, and loads are
	// idempotent, so rerunning a file recovers them.
	q.Set("_synchronous", "NORMAL")
	// Wait instead of failing when the lock is briefly held (checkpoints,
	// another process loading).
	q.Set("_busy_timeout", "10000")
	// Facts may arrive before the lookups they refer to (Buzzeasy refreshes
	// lookups daily), so foreign keys are not enforced by SQLite; the
	// navigation joins tolerate dangling keys.
	q.Set("_foreign_keys", "0")
	// 32 MB of page cache for the writer (negative means KiB). A load
	// fills it whatever the file's size, so it is part of every load's
	// resident memory: 64 MB put "ccfeed load" at 170 MB, over its target
	// of 150 MB (issue 11), and 32 MB loaded a million two-way rows at the
	// same speed within noise (175,000-186,000 rows/s on the 2-core VM).
	q.Set("_cache_size", "-32768")
	q.Set("_txlock", "immediate")
	// The write pool has one connection, and database/sql hands a
	// connection to one goroutine at a time, so SQLite's own per-call
	// connection mutex only costs (a lock and unlock around every bind and
	// step: about 4% of a load's CPU).
	q.Set("_mutex", "no")
	writeDSN := "file:" + escapePath(path) + "?" + q.Encode()
	w, err := sql.Open(driverName, writeDSN)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{Path: path, Model: m, Dialect: SQLite, write: w}
	if err := db.rememberFile(); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := db.migrate(context.Background()); err != nil {
		w.Close()
		return nil, err
	}
	rq := url.Values{}
	rq.Set("mode", "ro")
	rq.Set("_busy_timeout", "10000")
	// Reads walk indexes in order and the OS caches the file; 8 MB of page
	// cache per connection keeps the process flat however much is read
	// (28 MB peak for an export of 100K or 1M rows).
	rq.Set("_cache_size", "-8192")
	// Paging re-runs the same few statements; keep them prepared.
	rq.Set("_stmt_cache_size", "64")
	// query_only makes a read connection unable to write even through a
	// bug in translation.
	rq.Set("_query_only", "1")
	// As for the writer: database/sql, and withRawConn, give a read
	// connection to one goroutine at a time, so SQLite's per-call mutex is
	// a lock and unlock around every step and column read (10% of the
	// server's CPU on a day's 1000-row page). go-sqlite3 stops a
	// statement whose request ended with sqlite3_interrupt, which SQLite
	// allows from any thread in this mode too.
	rq.Set("_mutex", "no")
	r, err := sql.Open(driverName, "file:"+escapePath(path)+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	n := opt.ReadConns
	if n == 0 {
		n = max(6, runtime.NumCPU())
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.read = r
	db.readConns = n
	return db, nil
}

// ReadConns is the size of the read pool: how many queries can read at
// once. The server admits requests to it (server.Config.ReadSlots).
func (db *DB) ReadConns() int { return db.readConns }

// ReadStats are the read pool's own counters (connections open, in use,
// waits), for tests and diagnostics.
func (db *DB) ReadStats() sql.DBStats { return db.read.Stats() }

// pageSize is the page size of a new database. SQLite's default is 4 KiB;
// with 16 KiB pages a load of a million two-way rows took a tenth less time
// (fewer levels and page splits in the b-trees every row goes into), and
// reads scan fewer pages.
const pageSize = 16384

// createFile creates the database file at path with pageSize pages, in WAL
// mode, unless it exists with content. The page size can only be chosen
// before the first write (a database that exists keeps its own; changing
// it would mean rewriting the whole file), and the WAL flag is that first
// write.
func createFile(path string) error {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	c, err := sql.Open(driverName, "file:"+escapePath(path))
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Exec(fmt.Sprintf("PRAGMA page_size = %d; PRAGMA journal_mode = WAL", pageSize))
	return err
}

func escapePath(p string) string {
	return strings.NewReplacer("?", "%3f", "#", "%23").Replace(p)
}

// Close closes both pools.
func (db *DB) Close() error {
	var err error
	if db.read != nil {
		err = db.read.Close()
	}
	if e := db.write.Close(); e != nil && err == nil {
		err = e
	}
	return err
}

// Ping checks that the store is readable, and that its file is still the
// one the path names (see Identity).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Identity(); err != nil {
		return err
	}
	var n int
	return db.read.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n)
}

// Optimize refreshes the planner's statistics after large writes (SQLite
// analyzes the tables whose size changed much since, within a bounded
// number of rows per index). Without them the planner guesses, and the
// indexes chosen for the standard questions (edm.Table.Indexes) need it
// to see, for example, that a filter on a date range reads few rows.
func (db *DB) Optimize(ctx context.Context) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	_, err := db.write.ExecContext(ctx, "PRAGMA optimize")
	return err
}

// Loads counts the load transactions committed by this process: a server
// refreshes the planner's statistics (Optimize) after its inbox or pulls
// loaded something.
func (db *DB) Loads() int64 { return db.loads.Load() }

// CheckpointWAL copies what the write-ahead log holds into the database
// file as far as readers allow (a passive checkpoint: it waits for no one),
// so the log does not grow without end. It reports how many pages the log
// held. See registerDriver for why commits do not do this themselves.
func (db *DB) CheckpointWAL(ctx context.Context) (int64, error) {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	var busy, logPages, done int64
	err := db.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &done)
	return logPages, err
}

// Checkpoint moves the write-ahead log into the main file, so the file alone
// holds every committed row (tests copy it).
func (db *DB) Checkpoint(ctx context.Context) (int64, error) {
	var busy, logPages, done int64
	err := db.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done)
	return done, err
}
