package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// The signing keys live in the database, created with it, so that a token
// is valid exactly for the deployment whose database minted it.

func init() {
	extraTables = append(extraTables,
		`CREATE TABLE IF NOT EXISTS ccfeed_keys (
			kid        TEXT PRIMARY KEY,
			secret     BLOB NOT NULL,
			created_at INTEGER NOT NULL,
			retired_at INTEGER
		)`,
		`CREATE TABLE IF NOT EXISTS ccfeed_revoked (
			jti        TEXT PRIMARY KEY,
			revoked_at INTEGER NOT NULL
		)`,
	)
}

// SigningKey is a key id and its secret.
type SigningKey struct {
	ID      string
	Secret  []byte
	Retired bool
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Deployment returns this database's deployment id, creating it once.
func (db *DB) Deployment(ctx context.Context) (string, error) {
	return db.metaOnce(ctx, "deployment", func() (string, error) { return randomHex(16) })
}

// metaOnce reads a ccfeed_meta value, creating it with mk on first use.
func (db *DB) metaOnce(ctx context.Context, key string, mk func() (string, error)) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, "SELECT value FROM ccfeed_meta WHERE key = ?", key).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	nv, err := mk()
	if err != nil {
		return "", err
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO ccfeed_meta (key, value) VALUES (?, ?)", key, nv); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT value FROM ccfeed_meta WHERE key = ?", key).Scan(&v)
	})
	return v, err
}

// CurrentKey returns the key new tokens are signed with, creating the first
// one when the database is new.
func (db *DB) CurrentKey(ctx context.Context) (SigningKey, error) {
	keys, err := db.SigningKeys(ctx)
	if err != nil {
		return SigningKey{}, err
	}
	for _, k := range keys {
		if !k.Retired {
			return k, nil
		}
	}
	return db.RotateKey(ctx)
}

// RotateKey retires the current key and creates a new one. Tokens signed
// with a retired key stay valid until they expire; use revocation to end
// them sooner.
func (db *DB) RotateKey(ctx context.Context) (SigningKey, error) {
	kid, err := randomHex(8)
	if err != nil {
		return SigningKey{}, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return SigningKey{}, err
	}
	now := time.Now().Unix()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE ccfeed_keys SET retired_at = ? WHERE retired_at IS NULL", now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO ccfeed_keys (kid, secret, created_at) VALUES (?, ?, ?)", kid, secret, now)
		return err
	})
	return SigningKey{ID: kid, Secret: secret}, err
}

// SigningKeys lists every key, newest first.
func (db *DB) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT kid, secret, retired_at IS NOT NULL FROM ccfeed_keys ORDER BY created_at DESC, rowid DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SigningKey
	for rows.Next() {
		var k SigningKey
		if err := rows.Scan(&k.ID, &k.Secret, &k.Retired); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Revoke records a token id as revoked.
func (db *DB) Revoke(ctx context.Context, jti string) error {
	return db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO ccfeed_revoked (jti, revoked_at) VALUES (?, ?)", jti, time.Now().Unix())
		return err
	})
}

// Revocations lists revoked token ids.
func (db *DB) Revocations(ctx context.Context) (map[string]bool, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT jti FROM ccfeed_revoked")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var j string
		if err := rows.Scan(&j); err != nil {
			return nil, err
		}
		out[j] = true
	}
	return out, rows.Err()
}

// PagingSecret is the key that signs $skiptoken values.
func (db *DB) PagingSecret(ctx context.Context) ([]byte, error) {
	v, err := db.metaOnce(ctx, "paging_secret", func() (string, error) { return randomHex(32) })
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

// KeyRing caches keys and revocations for the verifier and refreshes them
// periodically, so that "ccfeed token --revoke" (another process) takes
// effect on a running server within the refresh interval.
type KeyRing struct {
	db         *DB
	deployment string
	mu         sync.RWMutex
	keys       map[string]SigningKey
	revoked    map[string]bool
	loadedAt   time.Time
	Interval   time.Duration
}

// NewKeyRing loads the ring.
func (db *DB) NewKeyRing(ctx context.Context) (*KeyRing, error) {
	dep, err := db.Deployment(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := db.CurrentKey(ctx); err != nil {
		return nil, err
	}
	r := &KeyRing{db: db, deployment: dep, Interval: 2 * time.Second}
	return r, r.Refresh(ctx)
}

// Refresh reloads keys and revocations.
func (r *KeyRing) Refresh(ctx context.Context) error {
	keys, err := r.db.SigningKeys(ctx)
	if err != nil {
		return err
	}
	rev, err := r.db.Revocations(ctx)
	if err != nil {
		return err
	}
	m := map[string]SigningKey{}
	for _, k := range keys {
		m[k.ID] = k
	}
	r.mu.Lock()
	r.keys, r.revoked, r.loadedAt = m, rev, time.Now()
	r.mu.Unlock()
	return nil
}

func (r *KeyRing) maybeRefresh() {
	r.mu.RLock()
	stale := time.Since(r.loadedAt) > r.Interval
	r.mu.RUnlock()
	if stale {
		_ = r.Refresh(context.Background())
	}
}

// Deployment is the audience of this deployment's tokens.
func (r *KeyRing) Deployment() string { return r.deployment }

// Lookup returns a key by id. A key id the ring does not know makes it
// reload (at most every 100 ms), so a key rotated in by another process
// (ccfeed token --rotate-key) is accepted at once.
func (r *KeyRing) Lookup(kid string) (SigningKey, bool) {
	r.maybeRefresh()
	r.mu.RLock()
	k, ok := r.keys[kid]
	fresh := time.Since(r.loadedAt) < 100*time.Millisecond
	r.mu.RUnlock()
	if ok || fresh {
		return k, ok
	}
	_ = r.Refresh(context.Background())
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok = r.keys[kid]
	return k, ok
}

// IsRevoked reports whether a token id is revoked. It asks the database on
// every call (a primary-key lookup) so that a revocation takes effect on
// the next request, whichever process wrote it; only when the database
// cannot answer does it fall back to the set loaded last.
func (r *KeyRing) IsRevoked(jti string) bool {
	var one int
	err := r.db.read.QueryRowContext(context.Background(), "SELECT 1 FROM ccfeed_revoked WHERE jti = ?", jti).Scan(&one)
	switch {
	case err == nil:
		return true
	case errors.Is(err, sql.ErrNoRows):
		return false
	}
	r.maybeRefresh()
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.revoked[jti]
}
