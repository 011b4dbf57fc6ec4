//go:build unix

package loaders

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without waiting for a writer: with
// O_NONBLOCK a named pipe opens at once (and is then refused), where a
// plain open would wait for a writer forever. On a regular file the flag
// changes nothing.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
