// Package loaders turns vendor files and API responses into rows of the
// merged model. Each source lives in its own subpackage and implements
// Source; this package holds what they share: detection, the per-file
// transaction (Batch), cross-source merging of agents and customers, the
// load journal and the command-line pipeline.
package loaders

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/ccfeed/ccfeed/loaders/csvin"
)

// Source kinds, as they appear in the "source" column of every row.
const (
	KindTwoWay     = "twoway"
	KindIno        = "ino"
	KindCxEngage   = "cxengage"
	KindLivePerson = "liveperson"
	KindBuzzeasy   = "buzzeasy"
)

// File is one input to a Source.
type File struct {
	// Name is the base name, for messages and the journal.
	Name string
	// R streams the content; RA and Size give random access (XLSX needs it).
	R    io.Reader
	RA   io.ReaderAt
	Size int64
	// Limits bound what one record may hold (see Limits); the pipeline
	// fills them, and a zero value means DefaultLimits.
	Limits Limits
}

// CSVLimits are the limits of f for csvin.
func (f *File) CSVLimits() csvin.Limits {
	l := f.Limits.OrDefault()
	return csvin.Limits{MaxField: l.MaxField, MaxRecord: l.MaxRecord}
}

// Source is one vendor format.
type Source interface {
	// Kind is the source name ("twoway").
	Kind() string
	// Sniff reports whether a file whose first bytes are head looks like
	// this source.
	Sniff(name string, head []byte) bool
	// Load parses the file into b. Records that cannot be used are
	// rejected through b and loading goes on; a file that cannot be
	// parsed at all returns a *FileError and nothing of it is kept.
	Load(ctx context.Context, f *File, b *Batch) error
}

var (
	registryMu sync.Mutex
	registry   = map[string]Source{}
)

// Register makes a source available by kind and to detection; source
// packages call it from init.
func Register(s Source) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[s.Kind()] = s
}

// Lookup returns the source of a kind.
func Lookup(kind string) (Source, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	s, ok := registry[kind]
	return s, ok
}

// Kinds lists the registered kinds.
func Kinds() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	var out []string
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Detect finds the source whose Sniff accepts the file.
func Detect(name string, head []byte) (Source, error) {
	registryMu.Lock()
	defer registryMu.Unlock()
	var hits []Source
	for _, k := range sortedKinds() {
		if registry[k].Sniff(name, head) {
			hits = append(hits, registry[k])
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		return nil, fmt.Errorf("%s: not a format ccfeed recognises (known: %v); name it with --source", name, sortedKinds())
	}
	return nil, fmt.Errorf("%s: looks like more than one format; name it with --source", name)
}

func sortedKinds() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FileError is a file that cannot be loaded at all; Line and Col locate the
// problem (1-based; 0 when unknown).
type FileError struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *FileError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s: line %d, column %d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s: line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ParseTime parses a source timestamp: RFC 3339 with Z or an offset, or a
// local time without offset, which is read in loc (the tenant's zone); with
// loc nil (a tenant without a zone) a local time is ErrNoZone.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	t, _, err := ParseTimeAmbiguous(s, loc)
	return t, err
}

// ParseTimeAmbiguous is ParseTime that also reports a local time falling in
// the repeated autumn hour, which ParseTime reads as its first occurrence; a
// loader that knows the order of events may move it to the second (one hour
// later).
func ParseTimeAmbiguous(s string, loc *time.Location) (time.Time, bool, error) {
	t, amb, _, err := ParseTimeLocal(s, loc)
	return t, amb, err
}

// ParseTimeLocal is ParseTimeAmbiguous that also reports whether s was a
// local time (read in loc) rather than one with an offset.
func ParseTimeLocal(s string, loc *time.Location) (t time.Time, amb, local bool, err error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, false, false, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			if loc == nil {
				// A local time, and no zone to read it in.
				return time.Time{}, false, true, ErrNoZone
			}
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
			first := resolveLocal(t, loc)
			return first, SameWallClock(first, first.Add(time.Hour)), true, nil
		}
	}
	return time.Time{}, false, false, fmt.Errorf("not a date-time: %q", s)
}

// SameWallClock reports whether two instants read the same on the clock of
// a's zone (true for the two occurrences of a repeated hour).
func SameWallClock(a, b time.Time) bool {
	return a.Format("2006-01-02 15:04:05.000") == b.In(a.Location()).Format("2006-01-02 15:04:05.000")
}

// resolveLocal fixes Go's choice for wall times that a daylight-saving change
// makes ambiguous or impossible, so every loader decides them the same way:
// a time in the repeated autumn hour is the first (earlier, summer-time)
// occurrence; a time in the skipped spring hour is moved forward by the gap
// (02:30 on a 02:00->03:00 day is 03:30), as the clock would have read.
func resolveLocal(t time.Time, loc *time.Location) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ns := t.Nanosecond()
	// Go picks one of the two instants for an ambiguous wall time; the
	// earlier is the one an hour before the other.
	earlier := time.Date(y, mo, d, h, mi, s, ns, loc).Add(-time.Hour)
	if eh, emi, _ := earlier.Clock(); eh == h && emi == mi && earlier.Day() == d {
		return earlier
	}
	return time.Date(y, mo, d, h, mi, s, ns, loc)
}

// MemoryLimit is the soft limit of the Go heap that "ccfeed load" sets (and
// the load benchmark, to measure what it runs). A load keeps about 40 MB
// live whatever the file (bounded batches and caches); with the default
// GOGC the heap grows to twice that between collections, which with
// SQLite's page cache put the process at 150-170 MB. At 80 MiB the
// collector runs a little earlier when the heap nears it: 129 MB peak for a
// million rows (issue 11's measurement); with the people cache of 32K
// mentions, the two-way load benchmark then peaks at 68 MB of heap instead
// of 107 MB, for about 15% more CPU (issue 12's).
const MemoryLimit = 80 << 20
