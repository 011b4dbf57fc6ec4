package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
	// Each source registers itself with the loaders package.
	_ "github.com/ccfeed/ccfeed/loaders/all"
)

func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("load", "--db PATH --tenant NAME [--source KIND] [--encoding NAME] [--progress D] FILE...", `
Load vendor files, each in its own transaction with its row in the load
journal. One line per file as soon as it is loaded, then the rows per
entity set; progress as a bar on a terminal, or a line every --progress
otherwise. The database must exist ("ccfeed tenant" creates one).`, stdout)
	dbPath := c.String("db", "CCFEED_DB", "ccfeed.db", "database `path` (must exist)")
	tenant := c.String("tenant", "", "", "tenant `name` the files belong to")
	kind := c.String("source", "", "", "source `kind` ("+strings.Join(loaders.Kinds(), ", ")+"); detected from the content when empty")
	every := c.Duration("progress", "", loaders.DefaultProgressEvery, "how often to print a progress line when the output is not a terminal")
	encoding := c.String("encoding", "", "", "`encoding` of text files without a byte-order mark ("+strings.Join(loaders.Encodings(), ", ")+"); default UTF-8, where bytes that are not UTF-8 reject their record")
	lim := limitFlags(c, false)
	// Flags come before the files: ccfeed load --tenant x a.csv b.csv.
	if err := c.parse(args, true); err != nil {
		return err
	}
	files := c.fs.Args()
	if *tenant == "" || len(files) == 0 {
		return c.usageErr("--tenant and at least one FILE are required")
	}
	if err := loaders.CheckEncoding(*encoding); err != nil {
		return c.usageErr("--encoding: " + err.Error())
	}
	limits, err := lim.limits(c)
	if err != nil {
		return err
	}
	limitLoadMemory()
	db, err := openExisting(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	results := loaders.LoadFiles(ctx, db, *tenant, files, loaders.Options{
		Kind: *kind, Progress: stderr, Terminal: isTerminal(stderr), Every: *every,
		// Each file's line is written when the file is done, so a log or
		// a pipe shows the load as it goes.
		Done:     func(r loaders.Result) { fmt.Fprint(stdout, loaders.FileLine(r)) },
		Encoding: *encoding, Limits: limits,
	})
	fmt.Fprint(stdout, loaders.Totals(results))
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
	c := newCommand("tenant", "--db PATH --tenant NAME [--timezone ZONE]", `
Create a tenant or set its time zone. Creates the database (empty) when
--db does not exist, and says so.`, stdout)
	dbPath := c.String("db", "CCFEED_DB", "ccfeed.db", "database `path`; created empty if missing")
	tenant := c.String("tenant", "", "", "tenant `name`")
	tz := c.String("timezone", "", "", "IANA time `zone` for local-time columns and for sources that write local times, e.g. Europe/Paris")
	if err := c.parse(args, false); err != nil {
		return err
	}
	if *tenant == "" {
		return c.usageErr("--tenant is required")
	}
	if err := store.ValidTenantName(*tenant); err != nil {
		return err
	}
	_, statErr := os.Stat(*dbPath)
	db, err := openStore(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if errors.Is(statErr, os.ErrNotExist) {
		fmt.Fprintf(stdout, "created %s, an empty database\n", *dbPath)
	}
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

// limitLoadMemory sets the Go heap's soft limit of "ccfeed load"
// (loaders.MemoryLimit) unless GOMEMLIMIT is set.
func limitLoadMemory() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(loaders.MemoryLimit)
	}
}
