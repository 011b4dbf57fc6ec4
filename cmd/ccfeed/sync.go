package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/pull"
	"github.com/ccfeed/ccfeed/store"
)

// cmdSync runs every configured API pull once ("ccfeed sync").
func cmdSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("sync", "--db PATH --sources FILE [--tenant NAME] [--source NAME]", `
Run every configured API pull once, then exit. The database must exist.`, stdout)
	dbPath := c.String("db", "CCFEED_DB", "ccfeed.db", "database `path` (must exist)")
	sourcesPath := c.String("sources", "CCFEED_SOURCES", "", "`file` declaring the API sources")
	tenant := c.String("tenant", "", "", "pull only this tenant's sources")
	name := c.String("source", "", "", "pull only the sources of this `name`")
	if err := c.parse(args, false); err != nil {
		return err
	}
	if *sourcesPath == "" {
		return c.usageErr("--sources is required")
	}
	// The file is read before the store is opened: a mistake in it is
	// reported without creating a database.
	cfg, err := pull.LoadConfig(*sourcesPath)
	if err != nil {
		return err
	}
	sources := cfg.Select(*tenant, *name)
	if len(sources) == 0 {
		return fmt.Errorf("%s declares no source for tenant %q and name %q", *sourcesPath, *tenant, *name)
	}
	db, err := openExisting(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	r := &pull.Runner{DB: db, Page: pullProgress(stderr, loaders.DefaultProgressEvery)}
	reports := r.RunAll(ctx, sources)
	fmt.Fprint(stdout, pull.Summary(reports))
	// So that $search sees what was pulled without waiting for a server,
	// and the write-ahead log does not keep it (a server holding the
	// database open would stop SQLite from checkpointing when this process
	// closes it).
	if _, err := db.DrainMoves(ctx, drainBatch); err != nil {
		return err
	}
	if _, err := db.IndexText(ctx); err != nil {
		return err
	}
	if _, err := db.CheckpointWAL(ctx); err != nil {
		return err
	}
	failed := 0
	for _, rep := range reports {
		if rep.Failed() {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d sources failed (see the lines marked FAILED; each has a failed row in Loads)", failed, len(reports))
	}
	return db.Optimize(ctx)
}

// pullProgress writes a line per source at most every interval while its
// pull loads pages, so a long pull shows in a log or a pipe before its
// summary line.
func pullProgress(w io.Writer, every time.Duration) func(pull.Report) {
	var mu sync.Mutex
	last := map[string]time.Time{}
	return func(rep pull.Report) {
		mu.Lock()
		defer mu.Unlock()
		if t, ok := last[rep.Name()]; ok && time.Since(t) < every {
			return
		}
		last[rep.Name()] = time.Now()
		fmt.Fprintf(w, "pulling %s (%s): %d pages, %d records, %d rejected so far, %s\n",
			rep.Name(), rep.Kind, rep.Pages, rep.Records, rep.Rejected, rep.Duration.Round(time.Millisecond))
	}
}

// startPulls schedules the configured API pulls inside "ccfeed serve"; it
// returns once they are scheduled. sourcesPath is the --sources file ("" for
// none).
func startPulls(ctx context.Context, db *store.DB, sourcesPath string, log zerolog.Logger) error {
	if sourcesPath == "" {
		return nil
	}
	cfg, err := pull.LoadConfig(sourcesPath)
	if err != nil {
		return err
	}
	for _, s := range cfg.Sources {
		log.Info().Str("tenant", s.Config.Tenant).Str("source", s.Config.Name).Str("kind", s.Config.Kind).
			Dur("interval", s.Interval).Msg("pull scheduled")
	}
	r := &pull.Runner{DB: db}
	go r.Schedule(ctx, cfg.Sources, func(rep pull.Report) { pull.LogReport(log, rep) })
	return nil
}
