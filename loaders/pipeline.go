package loaders

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

// Options tune a load.
type Options struct {
	// Kind forces the source; empty means detect it from the content.
	Kind string
	// Progress, when set, receives progress: a bar redrawn in place when
	// Terminal is true, a line every few seconds otherwise.
	Progress io.Writer
	Terminal bool
	// Every is the interval of plain progress lines (default
	// DefaultProgressEvery).
	Every time.Duration
	// Done, when set, is called by LoadFiles with each file's result as
	// soon as the file is finished, before the next one starts: a log or
	// a pipe then shows each file when it is loaded, not all at the end.
	Done func(Result)
	// Encoding is the encoding of text files without a byte-order mark
	// (see Encodings); empty means UTF-8.
	Encoding string
	// Limits bound what one record may hold; zero values take
	// DefaultLimits.
	Limits Limits
	// Demo marks the loads of the demo data set in the journal (Loads.kind
	// demo), which is how serve knows it may print a token: only while
	// every load is a demo load.
	Demo bool
}

// Loads.kind of a file load and of a load of the demo data set.
const (
	JournalFile = "file"
	JournalDemo = "demo"
)

// Result is the outcome of loading one file.
type Result struct {
	File     string
	Kind     string
	LoadID   string
	Status   string // edm.LoadLoaded or edm.LoadFailed
	Message  string
	Checksum string
	Records  int64
	Rejected int64
	Counts   map[string]*store.Counts
	Duration time.Duration
}

// LoadFiles loads each file in its own transaction and returns one result
// per file. A failed file does not stop the others. After each file the
// write-ahead log is copied into the database file (store.CheckpointWAL), so
// the log never holds more than one file; the full-text index is brought up
// to date once at the end (store.IndexText), so $search sees the files as
// soon as LoadFiles returns. LoadFile alone leaves both to the caller or to
// the serving process.
func LoadFiles(ctx context.Context, db *store.DB, tenant string, paths []string, opt Options) []Result {
	out := make([]Result, 0, len(paths))
	for _, p := range paths {
		if ctx.Err() != nil {
			break
		}
		r := LoadFile(ctx, db, tenant, p, opt)
		out = append(out, r)
		if opt.Done != nil {
			opt.Done(r)
		}
		_, _ = db.CheckpointWAL(ctx)
	}
	// A failure here leaves the new rows for the next indexing (and rows
	// to move between people for the next drain: reads follow pending
	// moves meanwhile); the loads themselves are committed and reported as
	// they are.
	_, _ = db.DrainMoves(ctx, 50_000)
	_, _ = db.IndexText(ctx)
	_, _ = db.CheckpointWAL(ctx)
	return out
}

// LoadFile loads one file: every row it yields commits with its journal entry
// in one transaction, so a crash or kill in the middle leaves the store as it
// was, and loading the file again completes it. A file that fails as a whole
// is journaled as failed and changes nothing else.
func LoadFile(ctx context.Context, db *store.DB, tenant, path string, opt Options) Result {
	start := time.Now()
	res := Result{File: filepath.Base(path), Status: edm.LoadFailed}
	loadID, err := newLoadID(start)
	if err != nil {
		res.Message = err.Error()
		return res
	}
	res.LoadID = tenant + ":loader:" + loadID
	fail := func(err error) Result {
		res.Message = err.Error()
		res.Duration = time.Since(start)
		// The data transaction rolled back; record the failure on its own.
		_ = db.Load(ctx, func(lt *store.LoadTx) error {
			return writeJournal(ctx, lt, db.Model, tenant, loadID, &res, start, 0, opt.Demo)
		})
		return res
	}
	if err := store.ValidTenantName(tenant); err != nil {
		res.Message = err.Error()
		return res
	}
	f, st, err := openRegular(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	// The file is read up to the size it has now: a file that grows
	// while it loads (a copy still being written) loads what it held at
	// the start, and loading it again when complete adds the rest.
	size := st.Size()
	// The checksum is read beside the load, through its own offsets in the
	// file: the journal can tell a file loaded again from a new one even
	// when parsing fails half way, and a large file is not read twice
	// before its first row is written (0.2 s for a 200 MB report).
	sumCtx, stopSum := context.WithCancel(ctx)
	defer stopSum()
	sum := checksumFile(sumCtx, f, size)
	failWithSum := fail
	fail = func(err error) Result {
		if ctx.Err() == nil {
			res.Checksum, _ = sum()
		}
		return failWithSum(err)
	}
	var readBytes atomic.Int64
	raw := bufio.NewReaderSize(&countingReader{r: io.NewSectionReader(f, 0, size), n: &readBytes}, 1<<20)
	text, enc, err := decodeText(raw, opt.Encoding)
	if err != nil {
		return fail(err)
	}
	br := raw
	if enc != "" {
		br = bufio.NewReaderSize(text, 1<<20)
	}
	head, _ := br.Peek(64 << 10)
	var src Source
	if opt.Kind != "" {
		s, ok := Lookup(opt.Kind)
		if !ok {
			return fail(fmt.Errorf("unknown source kind %q (known: %s)", opt.Kind, strings.Join(Kinds(), ", ")))
		}
		src = s
	} else if src, err = Detect(res.File, head); err != nil {
		return fail(err)
	}
	res.Kind = src.Kind()
	if err := db.EnsureTenant(ctx, tenant); err != nil {
		return fail(err)
	}
	loc, zoneSet, err := db.TenantZone(ctx, tenant)
	if err != nil {
		return fail(err)
	}
	if !zoneSet {
		loc = nil // local times are refused (loaders.ErrNoZone)
	}
	prog := newProgress(opt, res.File, size, &readBytes)
	defer prog.stop()
	err = db.Load(ctx, func(lt *store.LoadTx) error {
		b := newBatch(ctx, lt, db.Model, tenant, src.Kind(), res.File, res.LoadID, loc, start)
		b.Progress = prog.records
		if err := src.Load(ctx, &File{Name: res.File, R: br, RA: io.NewSectionReader(f, 0, size), Size: size, Limits: opt.Limits.OrDefault()}, b); err != nil {
			return err
		}
		if err := b.Finish(); err != nil {
			return err
		}
		if err := b.recordLocal(); err != nil {
			return err
		}
		// Counts are complete once every held row is written.
		if err := lt.Flush(ctx); err != nil {
			return err
		}
		res.Records, res.Rejected = b.read, b.rejected
		res.Counts = lt.Counts
		var err error
		if res.Checksum, err = sum(); err != nil {
			return err
		}
		res.Status = edm.LoadLoaded
		res.Duration = time.Since(start)
		return writeJournal(ctx, lt, db.Model, tenant, loadID, &res, start, size, opt.Demo)
	})
	if err != nil {
		res.Status = edm.LoadFailed
		res.Counts = nil
		res.Records, res.Rejected = 0, 0
		if errors.Is(err, context.Canceled) {
			return fail(fmt.Errorf("%s: interrupted; nothing of the file was kept, load it again", res.File))
		}
		return fail(err)
	}
	prog.done(res)
	if !opt.Demo {
		// Real data is in: the demo's printed tokens stop working. A
		// failure here leaves them to serve, which revokes them at start.
		_, _ = db.RevokeDemoTokens(ctx)
	}
	return res
}

// checksumFile starts reading the SHA-256 of f's first size bytes in its own
// goroutine, which stops when ctx ends; the returned function waits for it.
func checksumFile(ctx context.Context, f io.ReaderAt, size int64) func() (string, error) {
	type result struct {
		sum string
		err error
	}
	done := make(chan result, 1)
	go func() {
		h := sha256.New()
		_, err := io.Copy(h, &ctxReader{ctx: ctx, r: io.NewSectionReader(f, 0, size)})
		done <- result{hex.EncodeToString(h.Sum(nil)), err}
	}()
	return sync.OnceValues(func() (string, error) {
		r := <-done
		if r.err != nil {
			return "", fmt.Errorf("reading the file for its checksum: %w", r.err)
		}
		return r.sum, nil
	})
}

// newLoadID is sortable by time and unique (random suffix).
func newLoadID(t time.Time) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return t.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:]), nil
}

// writeJournal writes the Loads row of a load.
func writeJournal(ctx context.Context, lt *store.LoadTx, m *edm.Model, tenant, loadID string, res *Result, start time.Time, size int64, demo bool) error {
	kind := JournalFile
	if demo {
		kind = JournalDemo
	}
	t := m.Set("Loads").Type.Table
	r := store.NewRow(t)
	var ins, upd, same int64
	for _, c := range res.Counts {
		ins += int64(c.Inserted)
		upd += int64(c.Updated)
		same += int64(c.Unchanged)
	}
	// Rejects are rows of LoadRejects, not data: count them once, as rejected.
	if c := res.Counts["LoadRejects"]; c != nil {
		ins -= int64(c.Inserted)
		upd -= int64(c.Updated)
		same -= int64(c.Unchanged)
	}
	r.Set("id", tenant+":loader:"+loadID).Set("tenantId", tenant).Set("source", nzKind(res.Kind)).Set("sourceId", loadID).
		Set("kind", kind).Set("fileName", res.File).Set("checksum", nz(res.Checksum)).Set("sizeBytes", size).
		Set("status", res.Status).Set("message", nz(res.Message)).Set("startedAtUTC", start).
		Set("finishedAtUTC", start.Add(res.Duration)).Set("rowsRead", res.Records).
		Set("inserted", ins).Set("updated", upd).Set("unchanged", same).Set("rejected", res.Rejected)
	_, err := lt.Upsert(ctx, r)
	return err
}

func nzKind(k string) string {
	if k == "" {
		return "unknown"
	}
	return k
}

// ctxReader stops reading when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Summary renders results for the command line: per file, then per set.
func Summary(results []Result) string {
	var b strings.Builder
	for _, r := range results {
		b.WriteString(FileLine(r))
	}
	b.WriteString(Totals(results))
	return b.String()
}

// FileLine is one file's outcome on one line: loaded with its counts, or
// FAILED with the reason. A file with rejects names the command that
// lists them.
func FileLine(r Result) string {
	if r.Status != edm.LoadLoaded {
		return fmt.Sprintf("FAILED  %s: %s\n", r.File, r.Message)
	}
	line := fmt.Sprintf("loaded  %s (%s): %d records, %d rejected, %s", r.File, r.Kind, r.Records, r.Rejected, r.Duration.Round(time.Millisecond))
	if r.Rejected > 0 && r.LoadID != "" {
		line += fmt.Sprintf(" (ccfeed rejects --load %s)", r.LoadID)
	}
	return line + "\n"
}

// Totals renders the rows the loaded files inserted, updated and left
// unchanged, per entity set (nothing when no file loaded).
func Totals(results []Result) string {
	var b strings.Builder
	totals := map[string]*store.Counts{}
	for _, r := range results {
		if r.Status != edm.LoadLoaded {
			continue
		}
		for set, c := range r.Counts {
			if set == "Loads" || set == "LoadRejects" {
				continue
			}
			t := totals[set]
			if t == nil {
				t = &store.Counts{}
				totals[set] = t
			}
			t.Inserted += c.Inserted
			t.Updated += c.Updated
			t.Unchanged += c.Unchanged
		}
	}
	if len(totals) > 0 {
		sets := make([]string, 0, len(totals))
		for s := range totals {
			sets = append(sets, s)
		}
		sort.Strings(sets)
		fmt.Fprintf(&b, "\n%-30s %10s %10s %10s\n", "entity set", "inserted", "updated", "unchanged")
		for _, s := range sets {
			c := totals[s]
			fmt.Fprintf(&b, "%-30s %10d %10d %10d\n", s, c.Inserted, c.Updated, c.Unchanged)
		}
	}
	return b.String()
}
