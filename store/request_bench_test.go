package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
)

// BenchmarkScopeFor is what every request pays before its own query: the
// principal's tenants and the probe for pending moves of people
// (pendingMoves, issue 10), which decides whether foreign keys to people are
// read through the moves table. Reported so the request path's fixed cost
// stays known:
//
//	go test -tags "sqlite_fts5 sqlite_math_functions" -run '^$' -bench ScopeFor ./store/
func BenchmarkScopeFor(b *testing.B) {
	db, err := Open(filepath.Join(b.TempDir(), "scope.db"), edm.Default(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		p    *ccfeed.Principal
	}{
		{"one-tenant", &ccfeed.Principal{Subject: "s", Scope: ccfeed.ScopeRead, Tenants: []string{"acme"}}},
		{"all-tenants", &ccfeed.Principal{Subject: "s", Scope: ccfeed.ScopeRead, Tenants: []string{ccfeed.AllTenants}}},
	} {
		b.Run(tc.name+"/with-probe", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := db.scopeFor(ctx, tc.p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/probe-alone", func(b *testing.B) {
			tenants := tc.p.Tenants
			for i := 0; i < b.N; i++ {
				if _, err := db.pendingMoves(ctx, tenants); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
