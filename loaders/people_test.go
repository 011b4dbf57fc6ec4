package loaders_test

import (
	"context"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// people runs fn with a Batch of source over db, in one load transaction.
func people(t *testing.T, db *store.DB, source string, fn func(b *loaders.Batch)) {
	t.Helper()
	ctx := context.Background()
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		fn(loaders.NewTestBatch(ctx, lt, db.Model, tenant, source, "test", time.UTC))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func agent(t *testing.T, b *loaders.Batch, a loaders.Agent) string {
	t.Helper()
	id, err := b.Agent(a)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// putBuzzeasyAgent writes an agent row the way the Buzzeasy loader does:
// its own id, then AdoptAgent.
func putBuzzeasyAgent(t *testing.T, b *loaders.Batch, native, name, email string) string {
	t.Helper()
	r := b.Row("Agents", native).Set("name", name)
	if email != "" {
		r.Set("emailAddress", email)
	}
	r.Merge = true
	if err := b.Put(r); err != nil {
		t.Fatal(err)
	}
	id := r.Get("id").(string)
	if err := b.AdoptAgent(id, email, name); err != nil {
		t.Fatal(err)
	}
	return id
}

func agentRows(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	raw := openRO(t, db)
	rows, err := raw.Query(`SELECT id, COALESCE(emailAddress, '') FROM Agents ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, email string
		if err := rows.Scan(&id, &email); err != nil {
			t.Fatal(err)
		}
		out[id] = email
	}
	return out
}

// A name-only row takes the address of the first mention that matches it by
// name; a second person of the same name with another address is another
// row.
func TestAgentsSameNameOtherAddress(t *testing.T) {
	db := feedtest.OpenDB(t)
	var ino, a, b string
	people(t, db, "ino", func(bt *loaders.Batch) { ino = agent(t, bt, loaders.Agent{Name: "Alex Kim"}) })
	people(t, db, "liveperson", func(bt *loaders.Batch) {
		a = agent(t, bt, loaders.Agent{SourceID: "lp1", Email: "alex.kim@a.example", Name: "Alex Kim"})
		b = agent(t, bt, loaders.Agent{SourceID: "lp2", Email: "alex.kim@b.example", Name: "Alex Kim"})
	})
	if a != ino {
		t.Errorf("the first address did not attach to the name-only row: %s vs %s", a, ino)
	}
	if b == a {
		t.Errorf("two addresses of the same name became one person (%s)", a)
	}
	rows := agentRows(t, db)
	if rows[ino] != "alex.kim@a.example" || rows[b] != "alex.kim@b.example" || len(rows) != 2 {
		t.Errorf("agents: %v", rows)
	}
}

// Two Buzzeasy agents of the same name stay two people; their references
// are untouched.
func TestBuzzeasyAgentsSameName(t *testing.T) {
	db := feedtest.OpenDB(t)
	people(t, db, "buzzeasy", func(b *loaders.Batch) {
		putBuzzeasyAgent(t, b, "a1", "Sam Lee", "")
		putBuzzeasyAgent(t, b, "a2", "Sam Lee", "")
		putBuzzeasyAgent(t, b, "u1", "Pat Roe", "pat@x.example")
		putBuzzeasyAgent(t, b, "u2", "Pat Roe (2)", "pat@x.example")
	})
	if rows := agentRows(t, db); len(rows) != 4 {
		t.Errorf("Buzzeasy's own agents were merged: %v", rows)
	}
}

// A row absorbed by Buzzeasy's agent stays absorbed: its source finds the
// Buzzeasy row again even after a rename.
func TestAbsorbedAgentStaysMerged(t *testing.T) {
	db := feedtest.OpenDB(t)
	var first string
	people(t, db, "ino", func(b *loaders.Batch) { first = agent(t, b, loaders.Agent{Name: "Alex Kim"}) })
	var bz string
	people(t, db, "buzzeasy", func(b *loaders.Batch) { bz = putBuzzeasyAgent(t, b, "a1", "Alex Kim", "") })
	if rows := agentRows(t, db); len(rows) != 1 {
		t.Fatalf("after adoption: %v", rows)
	}
	people(t, db, "buzzeasy", func(b *loaders.Batch) { putBuzzeasyAgent(t, b, "a1", "Alex Kim-Lee", "") })
	var again string
	people(t, db, "ino", func(b *loaders.Batch) { again = agent(t, b, loaders.Agent{Name: "Alex Kim"}) })
	if again != bz || again == first {
		t.Errorf("after a rename the name-only source made %s, want the Buzzeasy row %s", again, bz)
	}
	if rows := agentRows(t, db); len(rows) != 1 {
		t.Errorf("agents: %v", rows)
	}
}

// A source updates the people rows it wrote when it learns more of them:
// later in the same file, in a later file, and after the people cache has
// forgotten them.
func TestPeopleUpdatedBySource(t *testing.T) {
	roles := func(t *testing.T, db *store.DB, id string) string {
		t.Helper()
		var r any
		if err := openRO(t, db).QueryRow(`SELECT roles FROM Agents WHERE id = ?`, id).Scan(&r); err != nil {
			t.Fatal(err)
		}
		s, _ := r.(string)
		return s
	}
	first := loaders.Agent{Email: "Zoe@Clinic.example", FirstName: "Zoë"}
	later := loaders.Agent{Email: "zoe@clinic.example", FirstName: "Zoë", Roles: "Supervisor"}
	customer := func(i int) loaders.Customer {
		return loaders.Customer{SourceID: "P-" + string(rune('a'+i)), FirstName: "Pat"}
	}
	t.Run("later file", func(t *testing.T) {
		db := feedtest.OpenDB(t)
		var id string
		people(t, db, "twoway", func(b *loaders.Batch) { id = agent(t, b, first) })
		people(t, db, "twoway", func(b *loaders.Batch) { agent(t, b, later) })
		if got := roles(t, db, id); got != "Supervisor" {
			t.Fatalf("roles %q after a later file said Supervisor", got)
		}
	})
	t.Run("cache forgot", func(t *testing.T) {
		defer loaders.SetPeopleCached(2)()
		db := feedtest.OpenDB(t)
		var id string
		people(t, db, "twoway", func(b *loaders.Batch) {
			id = agent(t, b, first)
			for i := range 3 {
				if _, err := b.Customer(customer(i)); err != nil {
					t.Fatal(err)
				}
			}
			agent(t, b, later)
		})
		if got := roles(t, db, id); got != "Supervisor" {
			t.Fatalf("roles %q after the cache forgot the agent", got)
		}
	})
	t.Run("customer in a later file", func(t *testing.T) {
		db := feedtest.OpenDB(t)
		var id string
		people(t, db, "liveperson", func(b *loaders.Batch) {
			var err error
			id, err = b.Customer(loaders.Customer{Email: "pat@example.invalid", FirstName: "Pat"})
			if err != nil {
				t.Fatal(err)
			}
		})
		people(t, db, "liveperson", func(b *loaders.Batch) {
			if _, err := b.Customer(loaders.Customer{Phone: "+15550100", Email: "pat@example.invalid", LastName: "Smith"}); err != nil {
				t.Fatal(err)
			}
		})
		var last any
		if err := openRO(t, db).QueryRow(`SELECT lastName FROM Customers WHERE id = ?`, id).Scan(&last); err != nil || last != "Smith" {
			t.Fatalf("lastName %v (%v) after a later file named the customer", last, err)
		}
	})
}
