package demo

import (
	"context"
	"fmt"
	"os"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	// The demo's files are read by every source.
	_ "github.com/ccfeed/ccfeed/loaders/all"
	"github.com/ccfeed/ccfeed/store"
)

// Summary counts the rows the demo added, per entity set.
type Summary map[string]int

// Load generates the files into a temporary folder and loads them through
// the loaders, as ccfeed load would: per tenant, its time zone first (ino
// and Buzzeasy write local times), then its files in the manifest's order.
// The files are removed afterwards. A file that fails, or a single record
// rejected, is an error: the generator writes only what the vendors
// document, so a reject means a generator or a loader changed.
func Load(ctx context.Context, db *store.DB, opt Options) (Summary, error) {
	dir, err := os.MkdirTemp("", "ccfeed-demofiles-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	m, err := Generate(ctx, dir, opt)
	if err != nil {
		return nil, err
	}
	sum := Summary{}
	for _, t := range Tenants {
		if err := db.SetTenantTimezone(ctx, t.Name, t.Timezone); err != nil {
			return nil, err
		}
		paths := m.Paths(t.Name)
		results := loaders.LoadFiles(ctx, db, t.Name, paths, loaders.Options{Demo: true})
		for _, r := range results {
			if r.Status != edm.LoadLoaded {
				return nil, fmt.Errorf("demo: tenant %s: %s", t.Name, r.Message)
			}
			if r.Rejected > 0 {
				return nil, fmt.Errorf("demo: tenant %s: %s: %d records rejected (see LoadRejects)", t.Name, r.File, r.Rejected)
			}
			for set, c := range r.Counts {
				if set != "Loads" && set != "LoadRejects" {
					sum[set] += c.Inserted - c.Deleted
				}
			}
		}
		if len(results) < len(paths) {
			return nil, fmt.Errorf("demo: tenant %s: interrupted after %d of %d files: %w", t.Name, len(results), len(paths), ctx.Err())
		}
	}
	if err := db.SetMeta(ctx, "demo", "true"); err != nil {
		return nil, err
	}
	return sum, db.Optimize(ctx)
}
