package store

// The demo data set and the tokens printed for it.

import (
	"context"
	"strings"
)

// TenantsIfOnlyKind returns the tenants of the load journal when every
// load in it is of the given kind (Loads.kind), and nil otherwise or when
// the journal is empty. serve prints a token only while every load is a
// load of the demo data set: once any real data is loaded, a credential
// printed into a log would give it to whoever reads the log. The journal
// decides, not tenant names: a real tenant may be called contoso too.
func (db *DB) TenantsIfOnlyKind(ctx context.Context, kind string) ([]string, error) {
	var other int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM "Loads" WHERE "kind" IS NOT ?`, kind).Scan(&other); err != nil {
		return nil, err
	}
	if other > 0 {
		return nil, nil
	}
	return queryStrings(ctx, db.read, `SELECT DISTINCT "tenantId" FROM "Loads" ORDER BY 1`)
}

// demoTokensKey holds, in ccfeed_meta, the ids of the tokens serve printed
// for the demo data set (comma-separated).
const demoTokensKey = "demo_tokens"

// RememberDemoToken records the id of a token printed for the demo data
// set, so that it can be revoked once real data is loaded.
func (db *DB) RememberDemoToken(ctx context.Context, jti string) error {
	old, err := db.Meta(ctx, demoTokensKey)
	if err != nil {
		return err
	}
	if old != "" {
		jti = old + "," + jti
	}
	return db.SetMeta(ctx, demoTokensKey, jti)
}

// RevokeDemoTokens revokes every token printed for the demo data set and
// forgets them; it reports how many it revoked. Loading real data calls
// it: a token printed into a log for the demo must not read what comes
// next, even in a tenant that bears a demo tenant's name.
func (db *DB) RevokeDemoTokens(ctx context.Context) (int, error) {
	ids, err := db.Meta(ctx, demoTokensKey)
	if err != nil || ids == "" {
		return 0, err
	}
	n := 0
	for _, jti := range strings.Split(ids, ",") {
		if jti == "" {
			continue
		}
		if err := db.Revoke(ctx, jti); err != nil {
			return n, err
		}
		n++
	}
	return n, db.SetMeta(ctx, demoTokensKey, "")
}
