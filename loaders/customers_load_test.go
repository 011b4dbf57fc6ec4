package loaders_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// TestCustomersOrderIndependent is TestPeopleOrderIndependent's twin for
// the way a two-way load names customers: the same few ccids again and
// again, most without any identifier (their mentions are written late and
// many at a time, and a statement that only says a value again, fresher,
// does not derive the person again), some with an address or a phone
// (written at once, their people worked out again). The cache is tiny, a
// flush writes its mentions two at a time, and some loads read the
// mentions they need ahead (PrefetchCustomers), so eviction, prefetching
// and flushing all happen. Whatever the order and the split into loads:
//   - the stored mentions are the same, fields and freshness included;
//   - the Customers rows are the same;
//   - a customer no statement gave an identifier has, per field, the value
//     of its freshest statement (the larger between statements as fresh).
func TestCustomersOrderIndependent(t *testing.T) {
	defer loaders.SetPeopleCached(4)()
	defer loaders.SetDirtyPeople(3)()
	defer loaders.SetMentionsWritten(2)()
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, 17))
			sts := randomCustomers(rnd, 60)
			var firstMentions, firstRows []string
			for order := range 3 {
				perm := append([]loaders.Customer(nil), sts...)
				rnd.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
				db := feedtest.OpenDB(t)
				for len(perm) > 0 {
					n := min(1+rnd.IntN(15), len(perm))
					loadCustomers(t, db, perm[:n], rnd.IntN(2) == 0)
					perm = perm[n:]
				}
				mentions := dumpMentions(t, db)
				rows := dumpTable(t, db, "Customers")
				checkFreshestNames(t, db, sts)
				if order == 0 {
					firstMentions, firstRows = mentions, rows
					continue
				}
				if strings.Join(mentions, "\n") != strings.Join(firstMentions, "\n") {
					t.Fatalf("order %d stores other mentions:\n%s\n--- first order:\n%s", order, strings.Join(mentions, "\n"), strings.Join(firstMentions, "\n"))
				}
				if strings.Join(rows, "\n") != strings.Join(firstRows, "\n") {
					t.Fatalf("order %d gives other Customers rows:\n%s\n--- first order:\n%s", order, strings.Join(rows, "\n"), strings.Join(firstRows, "\n"))
				}
			}
		})
	}
}

// randomCustomers says things about eight ccids: names from a small set at
// a few freshness levels (ties included), an address for two of them.
func randomCustomers(rnd *rand.Rand, n int) []loaders.Customer {
	firsts := []string{"Ann", "Bo", "Cy"}
	out := make([]loaders.Customer, 0, n)
	for range n {
		id := rnd.IntN(8)
		c := loaders.Customer{SourceID: fmt.Sprintf("P-%d", id), FirstName: firsts[rnd.IntN(len(firsts))],
			LastName: "Lee", ProductGroup: fmt.Sprint("pg-", rnd.IntN(2)), Fresh: int64(rnd.IntN(4))}
		if id < 2 && rnd.IntN(2) == 0 {
			c.Email = fmt.Sprintf("c%d@x.example", id)
		}
		out = append(out, c)
	}
	return out
}

// loadCustomers loads statements as a two-way load does: one transaction,
// the customers read ahead when prefetch is set, then each joined.
func loadCustomers(t *testing.T, db *store.DB, cs []loaders.Customer, prefetch bool) {
	t.Helper()
	ctx := context.Background()
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		b := loaders.NewTestBatch(ctx, lt, db.Model, "acme", loaders.KindTwoWay, "test", time.UTC)
		if prefetch {
			if err := b.PrefetchCustomers(cs); err != nil {
				return err
			}
		}
		for _, c := range cs {
			if _, err := b.Customer(c); err != nil {
				return err
			}
		}
		return b.Finish()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func dumpMentions(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := openRO(t, db).Query(`SELECT kind, mention, source, person, hex(fields),
		(SELECT group_concat(ident) FROM ccfeed_mention_ids AS i WHERE i.tenant = m.tenant AND i.kind = m.kind AND i.mention = m.mention)
		FROM ccfeed_mentions AS m ORDER BY kind, mention`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, m, s, p, f string
		var ids *string
		if err := rows.Scan(&k, &m, &s, &p, &f, &ids); err != nil {
			t.Fatal(err)
		}
		id := ""
		if ids != nil {
			id = *ids
		}
		out = append(out, strings.Join([]string{k, m, s, p, f, id}, "|"))
	}
	return out
}

// checkFreshestNames checks the Customers row of each ccid no statement
// gave an address: its first name and product group are those of its
// freshest statement.
func checkFreshestNames(t *testing.T, db *store.DB, sts []loaders.Customer) {
	t.Helper()
	type best struct {
		fresh       int64
		first, prod string
	}
	want := map[string]*best{}
	withIdent := map[string]bool{}
	pick := func(cur *string, curF int64, v string, f int64) {
		if f > curF || (f == curF && v > *cur) {
			*cur = v
		}
	}
	for _, c := range sts {
		if c.Email != "" {
			withIdent[c.SourceID] = true
		}
		b := want[c.SourceID]
		if b == nil {
			want[c.SourceID] = &best{c.Fresh, c.FirstName, c.ProductGroup}
			continue
		}
		pick(&b.first, b.fresh, c.FirstName, c.Fresh)
		// Fields are joined one by one: each keeps its freshest value.
		pick(&b.prod, b.fresh, c.ProductGroup, c.Fresh)
		b.fresh = max(b.fresh, c.Fresh)
	}
	raw := openRO(t, db)
	for id, b := range want {
		if withIdent[id] {
			continue
		}
		var first, prod string
		err := raw.QueryRow(`SELECT c.firstName, c.productGroup FROM Customers AS c JOIN ccfeed_mentions AS m
			ON m.person = c.id WHERE m.kind = 'customer' AND m.mention = ?`, loaders.KindTwoWay+":id:"+id).Scan(&first, &prod)
		if err != nil {
			t.Fatalf("customer %s: %v", id, err)
		}
		if first != b.first || prod != b.prod {
			t.Errorf("customer %s is %s/%s, its freshest statements say %s/%s", id, first, prod, b.first, b.prod)
		}
	}
}

// Collected rows are read as Go values (MergeRows), so a row already in its
// storage form (store.RowPreparer) cannot be collected: Put says so.
func TestCollectRefusesPreparedRows(t *testing.T) {
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		b := loaders.NewTestBatch(ctx, lt, db.Model, "acme", loaders.KindTwoWay, "test", time.UTC)
		prep, err := b.Preparer()
		if err != nil {
			return err
		}
		plain := b.Row("Queues", "q1").Set("name", "Q")
		prepared := b.Row("Queues", "q2").Set("name", "Q")
		prep.Prepare(prepared)
		rows, err := b.Collect(func() error {
			if err := b.Put(plain); err != nil {
				return err
			}
			return b.Put(prepared)
		})
		if err == nil || !strings.Contains(err.Error(), "prepared Queues row cannot be collected") {
			t.Errorf("collecting a prepared row: %v", err)
		}
		if len(rows) != 1 || rows[0] != plain {
			t.Errorf("collected %d rows, want the plain one", len(rows))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
