// Package all registers every source with the loaders package; import it
// for its side effect where sources are detected or listed.
package all

import (
	_ "github.com/ccfeed/ccfeed/loaders/buzzeasy"
	_ "github.com/ccfeed/ccfeed/loaders/cxengage"
	_ "github.com/ccfeed/ccfeed/loaders/ino"
	_ "github.com/ccfeed/ccfeed/loaders/liveperson"
	_ "github.com/ccfeed/ccfeed/loaders/twoway"
)
