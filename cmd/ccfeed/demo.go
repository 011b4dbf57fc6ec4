package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/ccfeed/ccfeed/loaders/demo"
)

// cmdDemo writes the demo data set as vendor files, for loading by hand
// (ccfeed load) or for benchmarks at a larger scale.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("demo", "--out DIR [--scale N] [--seed S]", `
Write the demo data set as vendor files, for a look or for "ccfeed load".`, stdout)
	dir := c.String("out", "", "", "`folder` to write the files into (created if missing)")
	scale := c.Int("scale", "", 1, "volume: "+fmt.Sprint(demo.PerScale)+" conversations per tenant and scale step")
	seed := c.Uint64("seed", "", 0, "changes every random choice; the same scale and seed give the same files")
	if err := c.parse(args, false); err != nil {
		return err
	}
	if *dir == "" || *scale < 1 {
		return c.usageErr("--out is required and --scale must be 1 or more")
	}
	start := time.Now()
	m, err := demo.Generate(ctx, *dir, demo.Options{Scale: *scale, Seed: *seed})
	if err != nil {
		return err
	}
	printManifest(stdout, m)
	fmt.Fprintf(stdout, "\nwritten in %s; %s says how to load them:\n\n", time.Since(start).Round(time.Millisecond), filepath.Join(*dir, "README.txt"))
	for _, t := range demo.Tenants {
		fmt.Fprintf(stdout, "  ccfeed tenant --tenant %s --timezone %s\n", t.Name, t.Timezone)
		fmt.Fprintf(stdout, "  ccfeed load --tenant %s %s\n", t.Name, filepath.Join(*dir, t.Name, "*", "*"))
	}
	return nil
}

// printManifest prints one line per tenant and source, then the totals.
func printManifest(w io.Writer, m *demo.Manifest) {
	type line struct {
		tenant, source                          string
		files, records, conversations, messages int
		bytes                                   int64
	}
	var lines []*line
	for _, f := range m.Files {
		if n := len(lines); n == 0 || lines[n-1].tenant != f.Tenant || lines[n-1].source != f.Source {
			lines = append(lines, &line{tenant: f.Tenant, source: f.Source})
		}
		l := lines[len(lines)-1]
		l.files++
		l.records += f.Records
		l.conversations += f.Conversations
		l.messages += f.Messages
		l.bytes += f.Bytes
	}
	const row = "%-10s %-11s %6d %9d %13d %9d %9.1f\n"
	fmt.Fprintf(w, "%-10s %-11s %6s %9s %13s %9s %9s\n", "tenant", "source", "files", "records", "conversations", "messages", "MB")
	for _, l := range lines {
		fmt.Fprintf(w, row, l.tenant, l.source, l.files, l.records, l.conversations, l.messages, float64(l.bytes)/1e6)
	}
	t := m.Totals()[""]
	fmt.Fprintf(w, row, "total", "", len(m.Files), t.Records, t.Conversations, t.Messages, float64(t.Bytes)/1e6)
}
