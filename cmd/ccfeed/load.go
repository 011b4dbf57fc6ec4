package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	// Each source registers itself with the loaders package.
	_ "github.com/ccfeed/ccfeed/loaders/all"
)

func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", stderr)
	dbPath := fs.String("db", env("CCFEED_DB", "ccfeed.db"), "database `path`")
	tenant := fs.String("tenant", "", "tenant `name` the files belong to")
	kind := fs.String("source", "", "source `kind` ("+strings.Join(loaders.Kinds(), ", ")+"); detected from the content when empty")
	every := fs.Duration("progress", 0, "report progress this often when the output is not a terminal (default 10s)")
	encoding := fs.String("encoding", "", "`encoding` of text files without a byte-order mark ("+strings.Join(loaders.Encodings(), ", ")+"); default UTF-8, where bytes that are not UTF-8 reject their record")
	lim := limitFlags(fs, false)
	// Flags come before the files: ccfeed load --tenant x a.csv b.csv.
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	files := fs.Args()
	if *tenant == "" || len(files) == 0 {
		return usageError{"usage: ccfeed load --db PATH --tenant NAME [--source KIND] [--encoding NAME] FILE..."}
	}
	if err := loaders.CheckEncoding(*encoding); err != nil {
		return usageError{"--encoding: " + err.Error()}
	}
	limits, err := lim.limits()
	if err != nil {
		return err
	}
	limitLoadMemory()
	db, err := openStore(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	results := loaders.LoadFiles(ctx, db, *tenant, files, loaders.Options{
		Kind: *kind, Progress: stderr, Terminal: isTerminal(stderr), Every: *every,
		Encoding: *encoding, Limits: limits,
	})
	fmt.Fprint(stdout, loaders.Summary(results))
	failed := 0
	for _, r := range results {
		if r.Status != edm.LoadLoaded {
			failed++
		}
	}
	if len(results) < len(files) {
		return fmt.Errorf("interrupted after %d of %d files", len(results), len(files))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed as a whole (nothing of them was kept)", failed, len(files))
	}
	return db.Optimize(ctx)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func cmdTenant(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tenant", stderr)
	dbPath := fs.String("db", env("CCFEED_DB", "ccfeed.db"), "database `path`")
	tenant := fs.String("tenant", "", "tenant `name`")
	tz := fs.String("timezone", "", "IANA time `zone` for local-time columns and for sources that write local times, e.g. Europe/Paris")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *tenant == "" {
		return usageError{"usage: ccfeed tenant --db PATH --tenant NAME [--timezone ZONE]"}
	}
	db, err := openStore(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if *tz != "" {
		if err := db.SetTenantTimezone(ctx, *tenant, *tz); err != nil {
			return err
		}
	} else if err := db.EnsureTenant(ctx, *tenant); err != nil {
		return err
	}
	loc, err := db.TenantTimezone(ctx, *tenant)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "tenant %s: time zone %s\n", *tenant, loc)
	return nil
}

// loadMemoryLimit is the soft limit of the Go heap of "ccfeed load". A load
// keeps about 40 MB live whatever the file (bounded batches and caches);
// with the default GOGC the heap grows to twice that between collections,
// which with SQLite's page cache put the process at 150-170 MB. At 80 MiB
// the collector runs a little earlier when the heap nears it: 129 MB peak
// for a million rows, at no measurable cost in CPU. GOMEMLIMIT overrides it.
const loadMemoryLimit = 80 << 20

func limitLoadMemory() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(loadMemoryLimit)
	}
}
