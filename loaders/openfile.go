package loaders

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens a file to load, refusing anything but a regular file
// before reading a byte of it. Opening a named pipe (FIFO) blocks until
// something writes to it, and a load blocked there could be stopped by
// nothing but SIGKILL; a directory, a device or a socket is no file to
// load either. The open itself cannot block (see openNoBlock); the check is
// on the opened file, so what is loaded is what was checked.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	f, err := openNoBlock(path)
	if err != nil {
		return nil, nil, openError(path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	if m := st.Mode(); !m.IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %s, not a regular file: ccfeed loads only regular files%s", path, kindOf(m), adviceFor(m))
	}
	return f, st, nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

func adviceFor(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return " (name the files in it: ccfeed load folder/*.csv)"
	case m&fs.ModeNamedPipe != 0:
		return " (a pipe has no end until its writer closes it; save the data to a file first)"
	}
	return ""
}

// openError words the failure to open a file to load.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: cannot read it: permission denied", path)
	case errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("%s: a folder, not a regular file: ccfeed loads only regular files (name the files in it: ccfeed load folder/*.csv)", path)
	}
	return fmt.Errorf("%s: %v", path, err)
}
