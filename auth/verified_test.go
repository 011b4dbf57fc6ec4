package auth

import (
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
)

// TestVerifiedCache: a token verified once is answered from the cache only
// while what its verification depended on holds; every change below must
// refuse the token exactly as a first verification would, and the cache
// must not hand out a principal its caller can change.
func TestVerifiedCache(t *testing.T) {
	start := time.Now()
	mint := func(t *testing.T, k Key, dep string, ttl time.Duration) (string, string) {
		tok, jti, err := Mint(k, dep, []string{"contoso"}, []string{"bu-1"}, ccfeed.ScopeRead, ttl, start)
		if err != nil {
			t.Fatal(err)
		}
		return tok, jti
	}
	for _, tc := range []struct {
		name   string
		change func(r *ring, jti string, k Key)
		after  time.Duration
	}{
		{"revoked after first use", func(r *ring, jti string, _ Key) { r.revoked[jti] = true }, 0},
		{"key withdrawn", func(r *ring, _ string, k Key) { delete(r.keys, k.ID) }, 0},
		{"key id reused with another secret", func(r *ring, _ string, k Key) {
			r.keys[k.ID] = Key{ID: k.ID, Secret: append([]byte("other"), k.Secret...)}
		}, 0},
		{"deployment changed", func(r *ring, _ string, _ Key) { r.dep = "dep-B" }, 0},
		{"expired", func(*ring, string, Key) {}, time.Hour + time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKey(t, "k1")
			r := newRing("dep-A", k)
			tok, jti := mint(t, k, "dep-A", time.Hour)
			var c verifiedCache
			for i := range 2 { // the second answer comes from the cache
				p, err := c.verify(r, tok, start.Add(time.Duration(i)*time.Second))
				if err != nil {
					t.Fatalf("use %d: %v", i, err)
				}
				if p.Subject != "token:"+jti || len(p.Tenants) != 1 || p.Tenants[0] != "contoso" || len(p.BusinessUnits) != 1 {
					t.Fatalf("use %d: principal %+v", i, p)
				}
				p.Tenants[0], p.BusinessUnits[0], p.Credential = ccfeed.AllTenants, "bu-x", "changed by the caller"
			}
			if got := len(c.tokens); got != 1 {
				t.Fatalf("cache holds %d tokens, want 1", got)
			}
			tc.change(r, jti, k)
			_, err := c.verify(r, tok, start.Add(2*time.Second+tc.after))
			if err == nil {
				t.Fatalf("token accepted after the change")
			}
			_, _, direct := verifyLocal(r, tok, start.Add(2*time.Second+tc.after))
			if direct == nil || err.Error() != direct.Error() {
				t.Fatalf("cache refused with %v, a first verification with %v", err, direct)
			}
		})
	}

	t.Run("bounded", func(t *testing.T) {
		k := newKey(t, "k1")
		r := newRing("dep-A", k)
		var c verifiedCache
		for i := range verifiedCap + 10 {
			tok, _ := mint(t, k, "dep-A", time.Hour+time.Duration(i)*time.Second)
			if _, err := c.verify(r, tok, start); err != nil {
				t.Fatal(err)
			}
			if len(c.tokens) > verifiedCap {
				t.Fatalf("cache holds %d tokens, cap %d", len(c.tokens), verifiedCap)
			}
		}
	})

	t.Run("invalid tokens are not kept", func(t *testing.T) {
		k := newKey(t, "k1")
		r := newRing("dep-A", k)
		other := newKey(t, "k1")
		forged, _ := mint(t, other, "dep-A", time.Hour)
		var c verifiedCache
		for range 3 {
			if _, err := c.verify(r, forged, start); err == nil {
				t.Fatal("forged token accepted")
			}
		}
		if len(c.tokens) != 0 {
			t.Fatalf("cache holds %d tokens after refusals", len(c.tokens))
		}
	})
}
