package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

// cmdLoads lists the load journal: every file load and pull page with its
// outcome and counts ("ccfeed loads").
func cmdLoads(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("loads", "[--db PATH] [--tenant T] [--since D] [--limit N]", `
List loads and pulls, newest first: when, tenant, source, file or pull
page, status, records read, rejected, rows inserted and updated, and the
load's id (for "ccfeed rejects --load ID"). A failed load shows why. The
database must exist.`, stdout)
	dbPath := c.String("db", "CCFEED_DB", "ccfeed.db", "database `path` (must exist)")
	tenant := c.String("tenant", "", "", "only this tenant's loads")
	since := c.String("since", "", "", "only loads started since `D`: a duration back from now (24h, 30m) or a date or time (2026-09-01, 2026-09-01T08:00:00Z)")
	limit := c.Int("limit", "", 100, "show at most `N` loads (0: all)")
	if err := c.parse(args, false); err != nil {
		return err
	}
	f := store.LoadFilter{Limit: *limit}
	if *tenant != "" {
		f.Tenants = []string{*tenant}
	}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			return c.usageErr("--since: " + err.Error())
		}
		f.Since = t
	}
	db, err := openExisting(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	loads, err := db.ListLoads(ctx, f)
	if err != nil {
		return err
	}
	if len(loads) == 0 {
		fmt.Fprintln(stdout, "no loads")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED (UTC)\tTENANT\tSOURCE\tKIND\tSTATUS\tRECORDS\tREJECTED\tINSERTED\tUPDATED\tTOOK\tFILE\tID")
	failed := 0
	for _, l := range loads {
		took := l.Finished.Sub(l.Started).Round(time.Millisecond)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n",
			l.Started.UTC().Format("2006-01-02 15:04:05"), l.Tenant, l.Source, l.Kind, l.Status,
			l.Records, l.Rejected, l.Inserted, l.Updated, took, l.File, l.ID)
		if l.Status != edm.LoadLoaded {
			failed++
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// A failure's message is a sentence: on its own line under the table,
	// where it is not cut to a column.
	if failed > 0 {
		fmt.Fprintln(stdout, "\nfailed:")
		for _, l := range loads {
			if l.Status != edm.LoadLoaded {
				fmt.Fprintf(stdout, "  %s %s: %s\n", l.ID, l.File, l.Message)
			}
		}
	}
	return nil
}

// parseSince reads --since: a duration back from now, a date (midnight
// UTC) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			d = -d
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a duration (24h) nor a date or time (2026-09-01, 2026-09-01T08:00:00Z)", s)
}

// cmdRejects prints the records loads refused, with file, line, field,
// reason and an excerpt ("ccfeed rejects").
func cmdRejects(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("rejects", "[--db PATH] --load ID | --file NAME [--tenant T] [--limit N]", `
Print each record a load refused: file, line, field, reason and the first
characters of the raw value. The excerpt can hold personal data (the
command reads the database file directly, like an admin token would).
The database must exist.`, stdout)
	dbPath := c.String("db", "CCFEED_DB", "ccfeed.db", "database `path` (must exist)")
	load := c.String("load", "", "", "the load's `id`, as \"ccfeed loads\" prints it")
	file := c.String("file", "", "", "every load of this file `name` (its base name, as the journal keeps it)")
	tenant := c.String("tenant", "", "", "only this tenant's rejects")
	limit := c.Int("limit", "", 1000, "print at most `N` rejects (0: all)")
	if err := c.parse(args, false); err != nil {
		return err
	}
	if (*load == "") == (*file == "") {
		return c.usageErr("give exactly one of --load ID and --file NAME")
	}
	f := store.RejectFilter{LoadID: *load, File: *file, Limit: *limit}
	if *tenant != "" {
		f.Tenants = []string{*tenant}
	}
	db, err := openExisting(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rejects, err := db.ListRejects(ctx, f)
	if err != nil {
		return err
	}
	if len(rejects) == 0 {
		what := "load " + *load
		if *file != "" {
			what = "file " + *file
		}
		// An unknown id and a clean load read the same here; the journal
		// tells them apart.
		fmt.Fprintf(stdout, "no rejected records for %s (\"ccfeed loads\" lists the loads and their ids)\n", what)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tLINE\tFIELD\tREASON\tEXCERPT\tLOAD")
	for _, r := range rejects {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.File, r.Line, r.Field, oneLine(r.Reason), oneLine(r.Excerpt), r.LoadID)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *limit > 0 && len(rejects) == *limit {
		fmt.Fprintf(stdout, "(the first %d; --limit 0 prints all)\n", *limit)
	}
	return nil
}

// oneLine keeps a table row on one line: an excerpt of a multi-line CSV
// field or JSON value would break the columns.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}
