package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/dbdump"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

// Put holds rows and writes them in groups; whatever the sequence of rows,
// deletions and single upserts, the stored rows and the counts must be those
// of writing every row with Upsert, one at a time. The
// sequences run over few ids and a few column sets, so rows repeat, change,
// merge and alternate between groups.
func TestPutMatchesUpsert(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			ops := randomOps(seed, 400)
			// Half the rows exist before: the groups meet stored rows.
			before := randomOps(seed+1000, 60)
			seq, seqCounts := applyOps(t, before, ops, writeUpsert)
			// Rows prepared for writing (store.RowPreparer) are written
			// as they would be otherwise, by Put and by Upsert.
			for _, how := range []writeMode{writePut, writePrepared} {
				put, putCounts := applyOps(t, before, ops, how)
				if !reflect.DeepEqual(put, seq) {
					t.Fatalf("%s: stored rows differ:\nput    %v\nupsert %v", how, put, seq)
				}
				if !reflect.DeepEqual(putCounts, seqCounts) {
					t.Fatalf("%s: counts differ:\nput    %v\nupsert %v", how, putCounts, seqCounts)
				}
			}
		})
	}
}

type op struct {
	kind  string // "row", "upsert" or "delete"
	set   string
	id    string
	cols  map[string]any
	merge bool
}

func randomOps(seed uint64, n int) []op {
	rnd := rand.New(rand.NewPCG(seed, 99))
	names := []string{"Ana", "Bo", "Cy"}
	bodies := []string{"hello", "refund please", "merci", ""}
	var out []op
	for range n {
		switch k := rnd.IntN(10); {
		case k == 0:
			out = append(out, op{kind: "delete", set: "Agents", id: fmt.Sprint("a", rnd.IntN(6))})
		case k < 5:
			o := op{kind: "row", set: "Agents", id: fmt.Sprint("a", rnd.IntN(6)), cols: map[string]any{}, merge: rnd.IntN(2) == 0}
			if rnd.IntN(3) > 0 {
				o.cols["name"] = names[rnd.IntN(len(names))]
			}
			if rnd.IntN(2) == 0 {
				o.cols["emailAddress"] = fmt.Sprintf("x%d@example.invalid", rnd.IntN(3))
			}
			if rnd.IntN(2) == 0 {
				o.cols["roles"] = "Agent"
			}
			out = append(out, o)
		default:
			o := op{kind: "row", set: "Messages", id: fmt.Sprint("m", rnd.IntN(40)), cols: map[string]any{
				"conversationId": "c1", "messageIndex": rnd.IntN(5),
				"sentAtUTC": time.Date(2024, 3, 1, 8, rnd.IntN(60), 0, 0, time.UTC),
			}}
			if b := bodies[rnd.IntN(len(bodies))]; b != "" {
				o.cols["body"] = b
			}
			if rnd.IntN(3) == 0 {
				o.cols["agentId"] = store.PersonRef{ID: "acme:test:a1", Mention: 7}
			}
			out = append(out, o)
		}
		if rnd.IntN(15) == 0 && out[len(out)-1].kind == "row" {
			out[len(out)-1].kind = "upsert"
		}
	}
	return out
}

// writeMode is how applyOps writes its rows.
type writeMode string

const (
	writeUpsert   writeMode = "upsert"   // Upsert, one at a time
	writePut      writeMode = "put"      // Put, held and written in groups
	writePrepared writeMode = "prepared" // Put and Upsert, rows prepared first
)

// applyOps writes before with Upsert in one load, then ops in another, the
// way how says, and returns the tables and the second load's counts.
func applyOps(t *testing.T, before, ops []op, how writeMode) (map[string][]string, map[string]store.Counts) {
	t.Helper()
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	mk := func(o op) *store.Row {
		r := row(o.set, "acme", o.id)
		for c, v := range o.cols {
			r.Set(c, v)
		}
		r.Merge = o.merge
		return r
	}
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		for _, o := range before {
			if o.kind != "delete" {
				if _, err := lt.Upsert(ctx, mk(o)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]store.Counts{}
	err = db.Load(ctx, func(lt *store.LoadTx) error {
		prep, err := lt.Preparer(ctx, "acme")
		if err != nil {
			return err
		}
		for _, o := range ops {
			r := mk(o)
			if how == writePrepared {
				prep.Prepare(r)
				if !r.Prepared() {
					return fmt.Errorf("a complete %s row of the tenant was not prepared", o.set)
				}
			}
			var err error
			switch {
			case o.kind == "delete":
				// A delete writes the rows Put holds for its table first.
				err = lt.DeleteRow(ctx, o.set, "acme", "acme:test:"+o.id)
			case o.kind == "row" && how != writeUpsert:
				err = lt.Put(ctx, r)
			default:
				_, err = lt.Upsert(ctx, r)
			}
			if err != nil {
				return err
			}
		}
		if err := lt.Flush(ctx); err != nil {
			return err
		}
		for k, c := range lt.Counts {
			counts[k] = *c
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, db)
	tables := map[string][]string{}
	for _, name := range []string{"Agents", "Messages"} {
		rows, err := dbdump.Rows(raw, name)
		if err != nil {
			t.Fatal(err)
		}
		tables[name] = rows
	}
	return tables, counts
}

// Rows held by Put are written when the load ends, and a load that fails
// keeps none of them.
func TestPutHeldRowsCommitOrRollBack(t *testing.T) {
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		for i := range 5 {
			if err := lt.Put(ctx, row("Queues", "acme", fmt.Sprint("q", i)).Set("name", "Q")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, db)
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM Queues`).Scan(&n); err != nil || n != 5 {
		t.Fatalf("%d queues after the load (%v), want the 5 held ones", n, err)
	}
	err = db.Load(ctx, func(lt *store.LoadTx) error {
		for i := range 100 {
			if err := lt.Put(ctx, row("Queues", "acme", fmt.Sprint("r", i)).Set("name", "R")); err != nil {
				return err
			}
		}
		return fmt.Errorf("the file is broken")
	})
	if err == nil {
		t.Fatal("the failing load reported success")
	}
	if err := raw.QueryRow(`SELECT count(*) FROM Queues`).Scan(&n); err != nil || n != 5 {
		t.Fatalf("%d queues after a failed load (%v), want 5", n, err)
	}
}

// StageMany keeps the first copy of each record, in statements of several
// records, and counts only the new ones; Staged reads them all back in
// order.
func TestStageMany(t *testing.T) {
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	recs := func(from, to int, payload string) []store.StagedRecord {
		var out []store.StagedRecord
		for i := from; i < to; i++ {
			out = append(out, store.StagedRecord{Record: fmt.Sprintf("r%03d", i), Group: fmt.Sprintf("g%d", i%7),
				Seq: int64(i), Payload: store.AppendRaw(nil, []byte(payload+fmt.Sprint(i)))})
		}
		return out
	}
	for _, step := range []struct {
		recs []store.StagedRecord
		want int
	}{
		{recs(0, 77, "first "), 77},
		{recs(50, 120, "second "), 43}, // r050..r076 are kept as they were
		{recs(0, 0, ""), 0},
	} {
		err := db.Load(ctx, func(lt *store.LoadTx) error {
			n, err := lt.StageMany(ctx, "acme", "test", step.recs)
			if err == nil && n != step.want {
				err = fmt.Errorf("%d new records, want %d", n, step.want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		return lt.Staged(ctx, "acme", "test", []string{"g3"}, func(g string, p []byte) error {
			got = append(got, string(p))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 3; i < 120; i += 7 {
		prefix := "first "
		if i >= 77 {
			prefix = "second "
		}
		want = append(want, prefix+fmt.Sprint(i))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("group g3 holds\n%q\nwant\n%q", got, want)
	}
}

// A Writer made outside DB.Load runs Put's statements through database/sql
// rather than the load's driver connection; it counts the same.
func TestPutOutsideLoad(t *testing.T) {
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	put := func(names ...string) map[string]*store.Counts {
		return write(t, db, func(w *store.Writer) error {
			for i, n := range names {
				if err := w.Put(ctx, row("Queues", "acme", fmt.Sprint("q", i)).Set("name", n)); err != nil {
					return err
				}
			}
			return w.Flush(ctx)
		})
	}
	names := make([]string, 45)
	for i := range names {
		names[i] = fmt.Sprint("Queue ", i)
	}
	if c := put(names...)["Queues"]; c == nil || *c != (store.Counts{Inserted: 45}) {
		t.Fatalf("first write: %+v", c)
	}
	names[3], names[40] = "Renamed", "Renamed too"
	if c := put(append(names, "New")...)["Queues"]; c == nil || *c != (store.Counts{Inserted: 1, Updated: 2, Unchanged: 43}) {
		t.Fatalf("second write: %+v", c)
	}
	var got string
	if err := rawDB(t, db).QueryRow(`SELECT name FROM Queues WHERE id = 'acme:test:q40'`).Scan(&got); err != nil || got != "Renamed too" {
		t.Fatalf("q40 is %q (%v)", got, err)
	}
}
