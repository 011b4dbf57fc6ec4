//go:build !unix

package main

// lockServe does nothing where flock(2) does not exist; see serve_lock.go
// for what it guards against on Unix, the platform ccfeed ships for.
func lockServe(dbPath, addr string) (unlock func(), err error) { return func() {}, nil }
