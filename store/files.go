package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// checkFolder makes sure the database can be created or written where it
// is asked for, and says why not in words a person can act on. SQLite's
// own message for all of these is "unable to open database file", and
// the Go driver's can read "no such file or directory" for a folder that
// is merely read-only. A database in WAL mode also needs to create its
// -wal and -shm files beside it, so the folder must be writable even when
// the file exists.
func checkFolder(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("the folder %s does not exist; create it, or name another --db", dir)
	case err != nil:
		return fmt.Errorf("the folder %s: %v", dir, err)
	case !st.IsDir():
		return fmt.Errorf("%s is not a folder", dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a folder, not a database file; name a file inside it, such as %s", path, filepath.Join(path, "ccfeed.db"))
	}
	probe, err := os.CreateTemp(dir, ".ccfeed-write-check-*")
	if err != nil {
		why := "it cannot be written"
		switch {
		case errors.Is(err, syscall.EROFS):
			why = "it is on a read-only file system"
		case errors.Is(err, fs.ErrPermission):
			why = "this user may not write in it (permission denied)"
		}
		return fmt.Errorf("cannot use the database %s: %s; SQLite needs to create the database and its -wal and -shm files in that folder", path, why)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}
