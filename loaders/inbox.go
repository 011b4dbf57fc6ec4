package loaders

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

// Inbox watches a drop folder: DIR/<tenant>/<file>. A file is loaded once it
// is complete — its size and modification time unchanged for Settle — and
// is then moved to DIR/<tenant>/done/ or, with a .error.txt beside it, to
// DIR/<tenant>/failed/. Polling (rather than file-system events) works the
// same on local disks, network shares and container volumes.
//
// A file is complete only when its writer says so, which a folder cannot
// tell: a writer that pauses longer than Settle leaves a file that looks
// complete. Writers should therefore write to a temporary name (a dot-file,
// or *.tmp, *.part, which are never taken) and rename the file when it is
// whole; Settle is the safety net for those that do not. A file that still
// changes while it loads (its size or time differs after the load) is
// left where it is, with a warning, and loaded again once it settles:
// loads are idempotent, so the records of the first pass are not doubled.
type Inbox struct {
	Dir      string
	DB       *store.DB
	Interval time.Duration
	// Settle is how long a file's size and modification time must stay
	// unchanged before it is taken (the quiet period; default
	// DefaultSettle).
	Settle time.Duration
	// Options tune each load (limits; the kind and encoding are detected).
	Options Options
	// Log receives one line per event; nil discards.
	Log func(format string, args ...any)
	// Warn receives the failures (a file that failed, a folder that cannot
	// be read or moved into), so a log shows them at warning level; nil
	// sends them to Log.
	Warn func(format string, args ...any)

	seen map[string]fileState
}

// DefaultSettle is the quiet period of a file before it is taken: longer
// than the pauses of a copy over a slow network share.
const DefaultSettle = 30 * time.Second

// beforeLoad, when set (by tests), runs just before a file is loaded.
var beforeLoad func(path string)

type fileState struct {
	size  int64
	mtime time.Time
	since time.Time
}

// Run polls until ctx ends.
func (in *Inbox) Run(ctx context.Context) error {
	if in.Interval <= 0 {
		in.Interval = 2 * time.Second
	}
	if err := os.MkdirAll(in.Dir, 0o755); err != nil {
		return err
	}
	t := time.NewTicker(in.Interval)
	defer t.Stop()
	for {
		in.Scan(ctx, time.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (in *Inbox) settle() time.Duration {
	if in.Settle <= 0 {
		return DefaultSettle
	}
	return in.Settle
}

func (in *Inbox) logf(format string, args ...any) {
	if in.Log != nil {
		in.Log(format, args...)
	}
}

func (in *Inbox) warnf(format string, args ...any) {
	if in.Warn != nil {
		in.Warn(format, args...)
		return
	}
	in.logf(format, args...)
}

// ignored names are temporary files of copies in progress and hidden files.
func ignored(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") ||
		strings.HasSuffix(lower, ".tmp") || strings.HasSuffix(lower, ".part") ||
		strings.HasSuffix(lower, ".partial") || strings.HasSuffix(lower, ".crdownload") ||
		strings.HasSuffix(lower, ".error.txt")
}

// Scan looks at the folder once and loads the files that are complete.
func (in *Inbox) Scan(ctx context.Context, now time.Time) {
	if in.seen == nil {
		in.seen = map[string]fileState{}
	}
	tenants, err := os.ReadDir(in.Dir)
	if err != nil {
		in.warnf("inbox: %v", err)
		return
	}
	present := map[string]bool{}
	for _, td := range tenants {
		if !td.IsDir() || ignored(td.Name()) {
			continue
		}
		tenant := td.Name()
		if err := store.ValidTenantName(tenant); err != nil {
			in.warnf("inbox: folder %s is not a tenant name: %v", tenant, err)
			continue
		}
		files, err := os.ReadDir(filepath.Join(in.Dir, tenant))
		if err != nil {
			continue
		}
		sort.Slice(files, func(i, j int) bool { return files[i].Name() < files[j].Name() })
		for _, f := range files {
			if !f.Type().IsRegular() || ignored(f.Name()) {
				continue
			}
			path := filepath.Join(in.Dir, tenant, f.Name())
			present[path] = true
			info, err := f.Info()
			if err != nil {
				continue
			}
			st, ok := in.seen[path]
			if !ok || st.size != info.Size() || !st.mtime.Equal(info.ModTime()) {
				in.seen[path] = fileState{size: info.Size(), mtime: info.ModTime(), since: now}
				continue
			}
			if now.Sub(st.since) < in.settle() {
				continue
			}
			if ctx.Err() != nil {
				return
			}
			if in.load(ctx, tenant, path, st) {
				delete(in.seen, path)
			} else {
				// Still changing: wait for it to settle again.
				in.seen[path] = fileState{since: now}
			}
		}
	}
	for p := range in.seen {
		if !present[p] {
			delete(in.seen, p)
		}
	}
}

// load loads a settled file and moves it; it reports false when the file
// changed while it loaded (it stays, to be loaded again once settled).
func (in *Inbox) load(ctx context.Context, tenant, path string, settled fileState) bool {
	if beforeLoad != nil {
		beforeLoad(path)
	}
	res := LoadFile(ctx, in.DB, tenant, path, Options{Limits: in.Options.Limits})
	// A large load leaves the Go heap large; give the memory back to the
	// system now rather than when the runtime gets round to it, so a
	// serving process returns to its resting size.
	debug.FreeOSMemory()
	if ctx.Err() != nil {
		return true // interrupted: the file stays for the next start
	}
	if info, err := os.Stat(path); err == nil && (info.Size() != settled.size || !info.ModTime().Equal(settled.mtime)) {
		in.warnf("inbox: %s for tenant %s changed while it was loading (a writer paused longer than the quiet period of %s): it stays, and is loaded again once it settles; write files under a temporary name and rename them when complete",
			filepath.Base(path), tenant, in.settle())
		return false
	}
	dest := "done"
	if res.Status != edm.LoadLoaded {
		dest = "failed"
	}
	dir := filepath.Join(filepath.Dir(path), dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		in.warnf("inbox: %v", err)
		return true
	}
	target := filepath.Join(dir, filepath.Base(path))
	if _, err := os.Stat(target); err == nil {
		target = filepath.Join(dir, time.Now().UTC().Format("20060102T150405.000")+"-"+filepath.Base(path))
	}
	if err := os.Rename(path, target); err != nil {
		in.warnf("inbox: moving %s: %v", path, err)
		return true
	}
	if res.Status != edm.LoadLoaded {
		_ = os.WriteFile(target+".error.txt", []byte(res.Message+"\n"), 0o644)
		in.warnf("inbox: %s for tenant %s failed: %s", filepath.Base(path), tenant, res.Message)
		return true
	}
	in.logf("inbox: loaded %s for tenant %s: %d records, %d rejected", filepath.Base(path), tenant, res.Records, res.Rejected)
	return true
}

// String describes the inbox for start-up messages.
func (in *Inbox) String() string { return fmt.Sprintf("drop folder %s/<tenant>/", in.Dir) }
