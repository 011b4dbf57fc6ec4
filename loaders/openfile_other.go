//go:build !unix

package loaders

import (
	"fmt"
	"os"
)

// openNoBlock opens path for reading once it is known to be a regular file
// (systems without O_NONBLOCK on open check first).
func openNoBlock(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s, not a regular file: ccfeed loads only regular files", kindOf(st.Mode()))
	}
	return os.Open(path)
}
