//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// lockServe makes "ccfeed serve" the only server of a database file. A
// second server on the same file is refused, by design: each server runs
// the drop-folder watcher, the scheduled pulls and the full-text indexer,
// so two would race to load the same inbox file (one loads it, the other
// finds it gone or moved), pull every source twice (the pull position
// check lets one page win and fails the other's run) and both index. The
// feed itself would work, which is why a warning alone would let the
// mistake run unnoticed for weeks. "ccfeed load", "sync", "token" and the
// read-only commands take no lock and work beside a server.
//
// The lock is an flock(2) on PATH.serve-lock, not on the database file:
// SQLite holds POSIX locks on that file, and closing any other descriptor
// of it would drop them. The kernel releases the lock when the process
// ends, however it ends (kill -9 included), so a stale lock cannot block
// a restart; the file itself stays, holding the last server's pid and
// address for the message.
func lockServe(dbPath, addr string) (unlock func(), err error) {
	path := dbPath + ".serve-lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder, _ := os.ReadFile(path)
			who := strings.TrimSpace(string(holder))
			if who == "" {
				who = "another process"
			}
			return nil, fmt.Errorf("%s is already served by another ccfeed serve (%s): one server per database, "+
				"because each runs the drop folder, the pulls and the indexer; stop it first, or give this one another --db", dbPath, who)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("pid %d, --addr %s\n", os.Getpid(), addr)), 0)
	return func() { _ = f.Close() }, nil
}
