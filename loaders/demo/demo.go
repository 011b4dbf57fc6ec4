// Package demo generates the bundled demonstration data set: several tenants
// of a fictional contact center, every entity set populated, deterministic
// for a given scale (the same seed always gives the same rows).
package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

// Tenant is one demo tenant and its time zone.
type Tenant struct {
	Name     string
	Timezone string
}

// Tenants are the demo tenants, in three time zones so local-time columns
// and daylight-saving changes are visible.
var Tenants = []Tenant{
	{"contoso", "Europe/Paris"},
	{"fabrikam", "America/New_York"},
	{"northwind", "UTC"},
}

// Source is the source name demo rows carry.
const Source = "demo"

// Start and Days bound the demo period (fixed, so the data is reproducible).
var Start = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

const Days = 61

// Options size the data set. Scale 1 is the bundled default: about 1,500
// conversations and 10,000 messages per tenant.
type Options struct {
	Scale int
	Seed  uint64
}

// Summary counts what was written per set.
type Summary map[string]int

// Load writes the demo data set into db, one transaction per tenant.
func Load(ctx context.Context, db *store.DB, opt Options) (Summary, error) {
	if opt.Scale <= 0 {
		opt.Scale = 1
	}
	sum := Summary{}
	for i, t := range Tenants {
		if err := db.EnsureTenant(ctx, t.Name); err != nil {
			return nil, err
		}
		if err := db.SetTenantTimezone(ctx, t.Name, t.Timezone); err != nil {
			return nil, err
		}
		err := db.Write(ctx, func(tx *sql.Tx) error {
			w := db.NewWriter(tx)
			defer w.Close()
			g := &gen{ctx: ctx, w: w, m: db.Model, tenant: t.Name,
				rnd: rand.New(rand.NewPCG(opt.Seed+uint64(i)*7919, 42)), scale: opt.Scale, sum: sum}
			return g.run()
		})
		if err != nil {
			return nil, fmt.Errorf("demo: tenant %s: %w", t.Name, err)
		}
	}
	if err := db.SetMeta(ctx, "demo", "true"); err != nil {
		return nil, err
	}
	return sum, db.Optimize(ctx)
}

type gen struct {
	ctx    context.Context
	w      *store.Writer
	m      *edm.Model
	tenant string
	rnd    *rand.Rand
	scale  int
	sum    Summary
	err    error

	businessUnits []string
	channels      []channel
	queues        []queue
	agents        []agent
	users         []string
	botSteps      []string
	campaigns     []string
	customers     []customer
}

type channel struct {
	id, name, typ, media, bu, phone string
}

type queue struct{ id, name, channel string }

type agent struct{ native, id, name, email, first, last string }

type customer struct{ id, first, last, phone, email string }

func (g *gen) id(native string) string { return g.tenant + ":" + Source + ":" + native }

// row starts a row of set with the identity columns filled.
func (g *gen) row(set, native string) *store.Row {
	r := store.NewRow(g.m.Set(set).Type.Table)
	r.Set("id", g.id(native)).Set("tenantId", g.tenant).Set("source", Source).Set("sourceId", native)
	return r
}

func (g *gen) put(set string, r *store.Row) {
	if g.err != nil {
		return
	}
	if _, err := g.w.Upsert(g.ctx, r); err != nil {
		g.err = err
		return
	}
	g.sum[set]++
}

func (g *gen) pick(list []string) string { return list[g.rnd.IntN(len(list))] }

// secs returns a duration around mean seconds, never below min.
func (g *gen) secs(mean, minimum float64) float64 {
	v := g.rnd.ExpFloat64() * mean
	if v < minimum {
		v = minimum
	}
	return float64(int(v*1000)) / 1000
}

func (g *gen) run() error {
	g.lookups()
	g.people()
	g.activity()
	g.campaignRecords()
	return g.err
}
