package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/ccfeed/ccfeed"
)

// A server keeps its database open for weeks. If the file is deleted or
// replaced under it (a restore copied over it, a volume remounted), SQLite
// goes on reading the file it opened: the old data is served, /healthz said
// ok, and tokens minted on the new file got 401. The store remembers the
// file it opened (device and inode, through os.SameFile) and Identity
// compares it with what the path names now; once they differ the store is
// unavailable for good: only a restart opens the new file.

// identityEvery is how often Identity looks at the file again; between
// looks it answers from the last one (it is called on every request).
const identityEvery = time.Second

type fileIdentity struct {
	mu      sync.Mutex
	opened  fs.FileInfo
	checked time.Time
	gone    error
}

func (db *DB) rememberFile() error {
	st, err := os.Stat(db.Path)
	if err != nil {
		return err
	}
	db.identity.opened = st
	return nil
}

// Identity reports whether the path still names the database file the
// store opened: nil if so, else an EUNAVAILABLE error saying it was
// deleted or replaced (and that a restart is needed), which stays.
func (db *DB) Identity() error {
	id := &db.identity
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.gone != nil || id.opened == nil || time.Since(id.checked) < identityEvery {
		return id.gone
	}
	id.checked = time.Now()
	st, err := os.Stat(db.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		id.gone = db.goneError("was deleted")
	case err != nil:
		return nil // cannot tell (a transient stat failure): keep serving
	case !os.SameFile(id.opened, st):
		id.gone = db.goneError("was replaced by another file")
	}
	return id.gone
}

func (db *DB) goneError(what string) error {
	return &ccfeed.Error{Code: ccfeed.EUNAVAILABLE, RetryAfter: 60,
		Message: fmt.Sprintf("the database file %s %s after the server opened it; restart the server to serve the file now there", db.Path, what)}
}
