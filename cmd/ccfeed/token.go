package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/store"
)

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("token", "--db PATH --tenant NAME [--admin] [--ttl D] | --rotate-key | --revoke ID", `
Print an access token for the feed (its last line of output), or manage
signing keys and revocations. The database must exist.`, stdout)
	dbPath := c.String("db", "CCFEED_DB", "ccfeed.db", "database `path` (must exist)")
	tenant := c.String("tenant", "", "", "tenant `name` the token may read; several separated by commas; '*' for all")
	admin := c.Bool("admin", "", false, "add the admin scope (load journal and rejects)")
	bu := c.String("business-units", "", "", "narrow the token to these business unit `ids` (comma-separated)")
	ttl := c.Duration("ttl", "", 90*24*time.Hour, "how long the token stays valid")
	rotate := c.Bool("rotate-key", "", false, "retire the current signing key and create a new one")
	revoke := c.String("revoke", "", "", "revoke the token with this `id` (takes effect on running servers within seconds)")
	if err := c.parse(args, false); err != nil {
		return err
	}
	db, err := openExisting(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	switch {
	case *rotate:
		k, err := db.RotateKey(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new signing key %s; tokens signed with earlier keys stay valid until they expire\n", k.ID)
		return nil
	case *revoke != "":
		if err := db.Revoke(ctx, *revoke); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %s\n", *revoke)
		return nil
	}
	if *tenant == "" {
		return c.usageErr("--tenant is required (a name, several separated by commas, or '*')")
	}
	tenants := splitList(*tenant)
	for _, t := range tenants {
		if t == ccfeed.AllTenants {
			continue
		}
		if err := store.ValidTenantName(t); err != nil {
			return err
		}
	}
	scope := ccfeed.ScopeRead
	if *admin {
		scope = ccfeed.ScopeAdmin
	}
	tok, jti, err := mintToken(ctx, db, tenants, splitList(*bu), scope, *ttl)
	if err != nil {
		return err
	}
	known, _ := db.Tenants(ctx)
	for _, t := range tenants {
		if t != ccfeed.AllTenants && !contains(known, t) {
			fmt.Fprintf(stdout, "note: tenant %q has no data yet\n", t)
		}
	}
	fmt.Fprintf(stdout, "token id %s, scope %s, tenants %s, expires %s\n", jti, scope,
		strings.Join(tenants, ","), time.Now().Add(*ttl).UTC().Format(time.RFC3339))
	fmt.Fprintln(stdout, tok)
	return nil
}

func mintToken(ctx context.Context, db *store.DB, tenants, bus []string, scope string, ttl time.Duration) (string, string, error) {
	k, err := db.CurrentKey(ctx)
	if err != nil {
		return "", "", err
	}
	dep, err := db.Deployment(ctx)
	if err != nil {
		return "", "", err
	}
	return auth.Mint(auth.Key{ID: k.ID, Secret: k.Secret}, dep, tenants, bus, scope, ttl, time.Now())
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// keySource adapts the store's key ring to what the auth package reads.
type keySource struct{ ring *store.KeyRing }

func (k keySource) Deployment() string { return k.ring.Deployment() }

func (k keySource) Key(kid string) (auth.Key, bool) {
	sk, ok := k.ring.Lookup(kid)
	return auth.Key{ID: sk.ID, Secret: sk.Secret}, ok
}

func (k keySource) Revoked(jti string) bool { return k.ring.IsRevoked(jti) }
