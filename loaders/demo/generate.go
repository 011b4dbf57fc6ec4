package demo

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// File is one generated file.
type File struct {
	Tenant string
	// Source is the loader kind that reads the file.
	Source string
	// Path is relative to the output directory, with slashes.
	Path string
	// Records counts the vendor's records in the file: rows of a page or
	// export, report lines, interactions, conversation records.
	Records int
	// Conversations and Messages count the conversations and messages the
	// file introduces (a two-way conversation that runs past midnight is
	// counted in the report of the day it started).
	Conversations int
	Messages      int
	Bytes         int64
}

// Manifest lists what Generate wrote, in the order to load it: per tenant,
// Buzzeasy first (its agents and customers are the rows the other sources
// merge into), then the other sources by name, each in file order.
type Manifest struct {
	Dir   string
	Files []File
}

// Paths returns the files of a tenant, in load order, as paths.
func (m *Manifest) Paths(tenant string) []string {
	var out []string
	for _, f := range m.Files {
		if f.Tenant == tenant {
			out = append(out, filepath.Join(m.Dir, filepath.FromSlash(f.Path)))
		}
	}
	return out
}

// Totals sums the files per source ("" sums everything).
func (m *Manifest) Totals() map[string]File {
	out := map[string]File{}
	for _, f := range m.Files {
		for _, k := range []string{f.Source, ""} {
			t := out[k]
			t.Source = k
			t.Records += f.Records
			t.Conversations += f.Conversations
			t.Messages += f.Messages
			t.Bytes += f.Bytes
			out[k] = t
		}
	}
	return out
}

// Generate writes the demo files for every tenant under dir:
// dir/<tenant>/<source>/..., plus dir/README.txt saying how to load them.
// The same scale and seed always give the same bytes. Files are streamed:
// memory does not grow with the scale beyond one day of one source.
func Generate(ctx context.Context, dir string, opt Options) (*Manifest, error) {
	if opt.Scale <= 0 {
		opt.Scale = 1
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	gens := make([]*tgen, len(Tenants))
	errs := make([]error, len(Tenants))
	var wg sync.WaitGroup
	// One goroutine per tenant: tenants share nothing, and each file's
	// bytes depend only on its own tenant, so the order is irrelevant.
	for i, t := range Tenants {
		w, err := newWorld(t, i, opt)
		if err != nil {
			return nil, err
		}
		g := &tgen{ctx: ctx, w: w, dir: dir}
		gens[i] = g
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = g.run()
		}()
	}
	wg.Wait()
	m := &Manifest{Dir: dir}
	for i, g := range gens {
		if errs[i] != nil {
			return nil, errs[i]
		}
		sort.Slice(g.files, func(a, b int) bool { return g.files[a].Path < g.files[b].Path })
		m.Files = append(m.Files, g.files...)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte(readme(m, opt)), 0o644); err != nil {
		return nil, err
	}
	return m, nil
}

// readme tells how to load the files by hand.
func readme(m *Manifest, opt Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ccfeed demo data set, scale %d, seed %d: vendor files of five sources for %d tenants.\n\n", opt.Scale, opt.Seed, len(Tenants))
	b.WriteString("Each tenant's folder holds the files of each source as the vendor writes them. Set each\n")
	b.WriteString("tenant's time zone first (ino and Buzzeasy write local times), then load the Buzzeasy\n")
	b.WriteString("files before the others: its agents and customers are the rows the other sources merge\n")
	b.WriteString("into, by email address, phone number or display name. From this folder:\n\n")
	for _, t := range Tenants {
		fmt.Fprintf(&b, "  ccfeed tenant --db ccfeed.db --tenant %s --timezone %s\n", t.Name, t.Timezone)
		fmt.Fprintf(&b, "  ccfeed load --db ccfeed.db --tenant %s %s/*/*\n\n", t.Name, t.Name)
	}
	tot := m.Totals()
	fmt.Fprintf(&b, "%d files, %d conversations, %d messages.\n", len(m.Files), tot[""].Conversations, tot[""].Messages)
	return b.String()
}

// tgen generates one tenant's files.
type tgen struct {
	ctx   context.Context
	w     *world
	dir   string
	files []File
	err   error
}

func (g *tgen) run() error {
	for _, src := range []func() error{g.buzzeasy, g.cxengage, g.ino, g.liveperson, g.twoway} {
		if err := src(); err != nil {
			return fmt.Errorf("demo: tenant %s: %w", g.w.tenant.Name, err)
		}
		if err := g.ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// fail keeps the first error; writers check it and stop.
func (g *tgen) fail(err error) {
	if g.err == nil && err != nil {
		g.err = err
	}
}

// out is one file being written.
type out struct {
	g    *tgen
	f    *os.File
	bw   *bufio.Writer
	meta File
}

// create opens dir/<tenant>/<source>/<name> for writing.
func (g *tgen) create(source, name string) *out {
	rel := g.w.tenant.Name + "/" + source + "/" + name
	path := filepath.Join(g.dir, filepath.FromSlash(rel))
	o := &out{g: g, meta: File{Tenant: g.w.tenant.Name, Source: source, Path: rel}}
	if g.err != nil {
		return o
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		g.fail(err)
		return o
	}
	f, err := os.Create(path)
	if err != nil {
		g.fail(err)
		return o
	}
	o.f, o.bw = f, bufio.NewWriterSize(f, 256<<10)
	return o
}

func (o *out) write(b []byte) {
	if o.bw == nil || o.g.err != nil {
		return
	}
	if _, err := o.bw.Write(b); err != nil {
		o.g.fail(err)
	}
}

func (o *out) writeString(s string) {
	if o.bw == nil || o.g.err != nil {
		return
	}
	if _, err := o.bw.WriteString(s); err != nil {
		o.g.fail(err)
	}
}

// close flushes the file and records it in the manifest.
func (o *out) close() {
	if o.f == nil {
		return
	}
	err := o.bw.Flush()
	if st, serr := o.f.Stat(); serr == nil {
		o.meta.Bytes = st.Size()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	o.g.fail(err)
	o.f = nil
	o.g.files = append(o.g.files, o.meta)
}
