package loaders_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// statement is one source's statement about an agent, and the message row
// a load writes beside it, naming the agent as the source did.
type statement struct {
	source string
	agent  loaders.Agent
	msg    string
}

// TestPeopleOrderIndependent feeds random statements about agents (shared
// addresses, namesakes, weak ids, addresses learned late) through real
// loads, in random orders, split into random loads, with repeats, and with
// the people cache and the batch of derived people made tiny so that
// eviction and flushing happen too. Whatever the order:
//   - every mention belongs to the person the identity rule gives for the
//     whole set of mentions at once (loaders.ExpectedPeople);
//   - every fact row points at the person of the mention it named, after
//     the moves are drained, and reads through pending moves see the same
//     (MoveBudget 0 leaves every move pending);
//   - the Agents rows are the same, key for key and column for column.
func TestPeopleOrderIndependent(t *testing.T) {
	defer loaders.SetPeopleCached(3)()
	defer loaders.SetDirtyPeople(2)()
	seeds := uint64(8)
	if n, err := strconv.ParseUint(os.Getenv("CCFEED_PEOPLE_SEEDS"), 10, 64); err == nil {
		seeds = n // a longer run: CCFEED_PEOPLE_SEEDS=200
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, 11))
			sts := randomStatements(rnd, 20+int(seed%3)*20)
			want := expectedPeople(sts)
			var first []string
			for order := range 3 {
				budget := []int{loaders.MoveBudget, 0, 1}[order]
				restore := loaders.SetMoveBudget(budget)
				perm := append([]statement(nil), sts...)
				rnd.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
				// Repeats: a few statements are loaded twice.
				for range 5 {
					perm = append(perm, perm[rnd.IntN(len(perm))])
				}
				db := feedtest.OpenDB(t)
				for len(perm) > 0 {
					n := 1 + rnd.IntN(6)
					n = min(n, len(perm))
					loadStatements(t, db, perm[:n])
					perm = perm[n:]
				}
				restore()
				checkMentions(t, db, want)
				if budget == 0 {
					// Every move is still pending: reads must follow them.
					checkMessagesThroughFeed(t, db, sts, want)
				}
				if _, err := db.DrainMoves(context.Background(), 7); err != nil {
					t.Fatal(err)
				}
				checkMessages(t, db, sts, want)
				got := dumpTable(t, db, "Agents")
				if order == 0 {
					first = got
				} else if strings.Join(got, "\n") != strings.Join(first, "\n") {
					t.Fatalf("order %d gives other Agents rows:\n%s\n--- first order:\n%s", order, strings.Join(got, "\n"), strings.Join(first, "\n"))
				}
			}
		})
	}
}

func randomStatements(rnd *rand.Rand, n int) []statement {
	sources := []string{loaders.KindTwoWay, loaders.KindLivePerson, loaders.KindCxEngage, loaders.KindIno, loaders.KindBuzzeasy}
	names := []string{"Ann Lee", "Bo Kim", "Cy Roe", "Ann  lée"}
	var out []statement
	for i := range n {
		src := sources[rnd.IntN(len(sources))]
		a := loaders.Agent{Name: names[rnd.IntN(len(names))], Fresh: int64(rnd.IntN(4))}
		switch src {
		case loaders.KindTwoWay:
			a.Email = fmt.Sprintf("p%d@x.example", rnd.IntN(5))
			a.FirstName, a.LastName = strings.Fields(a.Name)[0], "L"+fmt.Sprint(rnd.IntN(2))
			a.Name = ""
		case loaders.KindIno:
		default:
			a.SourceID = fmt.Sprint(rnd.IntN(6))
			if rnd.IntN(2) == 0 {
				a.Email = fmt.Sprintf("p%d@x.example", rnd.IntN(5))
			}
		}
		out = append(out, statement{source: src, agent: a, msg: fmt.Sprintf("m%d", i)})
	}
	return out
}

// mentionKey is the key Batch.Agent gives a statement's mention.
func mentionKey(s statement) string {
	a := s.agent
	switch {
	case a.SourceID != "":
		return s.source + ":id:" + a.SourceID
	case a.Email != "":
		return s.source + ":email:" + strings.ToLower(a.Email)
	}
	name := a.Name
	if name == "" {
		name = a.FirstName + " " + a.LastName
	}
	return s.source + ":name:" + loaders.FoldName(name)
}

// expectedPeople applies the identity rule to every statement at once. A
// mention's name is what its freshest statement says (between statements
// as fresh, the larger text), as the loads join it.
func expectedPeople(sts []statement) map[string]string {
	byKey := map[string]*loaders.IdentityMention{}
	type named struct {
		fresh int64
		name  string
	}
	best := map[string]named{}
	for _, s := range sts {
		k := mentionKey(s)
		m := byKey[k]
		if m == nil {
			m = &loaders.IdentityMention{Key: k, Source: s.source}
			byKey[k] = m
		}
		if s.agent.Email != "" {
			m.Strong = appendNew(m.Strong, "e:"+strings.ToLower(s.agent.Email))
		}
		name := strings.Join(strings.Fields(s.agent.Name), " ")
		if name == "" {
			name = strings.Join(strings.Fields(s.agent.FirstName+" "+s.agent.LastName), " ")
		}
		if b, ok := best[k]; !ok || s.agent.Fresh > b.fresh || s.agent.Fresh == b.fresh && name > b.name {
			best[k] = named{s.agent.Fresh, name}
		}
	}
	for k, b := range best {
		byKey[k].Name = loaders.FoldName(b.name)
	}
	var ms []loaders.IdentityMention
	for _, m := range byKey {
		ms = append(ms, *m)
	}
	return loaders.ExpectedPeople("acme", "agent", ms)
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func loadStatements(t *testing.T, db *store.DB, sts []statement) {
	t.Helper()
	ctx := context.Background()
	bySource := map[string][]statement{}
	for _, s := range sts {
		bySource[s.source] = append(bySource[s.source], s)
	}
	for src, list := range bySource {
		err := db.Load(ctx, func(lt *store.LoadTx) error {
			b := loaders.NewTestBatch(ctx, lt, db.Model, "acme", src, "test", time.UTC)
			for _, s := range list {
				ref, err := b.Agent(s.agent)
				if err != nil {
					return err
				}
				r := b.Row("Messages", s.msg).Set("agentId", ref).Set("senderType", "agent")
				if err := b.Put(r); err != nil {
					return err
				}
			}
			return b.Finish()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func checkMentions(t *testing.T, db *store.DB, want map[string]string) {
	t.Helper()
	raw := openRO(t, db)
	rows, err := raw.Query(`SELECT mention, person FROM ccfeed_mentions WHERE kind = 'agent'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var k, p string
		if err := rows.Scan(&k, &p); err != nil {
			t.Fatal(err)
		}
		n++
		if want[k] != p {
			t.Errorf("mention %s belongs to %s, the rule says %s", k, p, want[k])
		}
	}
	if n != len(want) {
		t.Errorf("%d mentions stored, want %d", n, len(want))
	}
	persons := map[string]bool{}
	for _, p := range want {
		persons[p] = true
	}
	var ids []string
	r2, err := raw.Query(`SELECT id FROM Agents`)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	for r2.Next() {
		var id string
		r2.Scan(&id)
		ids = append(ids, id)
		if !persons[id] {
			t.Errorf("Agents row %s is nobody's person", id)
		}
	}
	if len(ids) != len(persons) {
		t.Errorf("%d Agents rows, want %d people", len(ids), len(persons))
	}
}

// checkMessages reads the messages' stored foreign keys.
func checkMessages(t *testing.T, db *store.DB, sts []statement, want map[string]string) {
	t.Helper()
	raw := openRO(t, db)
	for _, s := range sts {
		var got string
		if err := raw.QueryRow(`SELECT agentId FROM Messages WHERE sourceId = ? AND source = ?`, s.msg, s.source).Scan(&got); err != nil {
			t.Fatalf("message %s: %v", s.msg, err)
		}
		if w := want[mentionKey(s)]; got != w {
			t.Errorf("message %s of mention %s points at %s, want %s", s.msg, mentionKey(s), got, w)
		}
	}
	var left int
	if err := raw.QueryRow(`SELECT count(*) FROM ccfeed_moves`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d moves left after draining (%v)", left, err)
	}
}

// checkMessagesThroughFeed reads every message's agentId through a running
// feed and requires the person of its mention, and Agents navigation to
// find them, while moves are pending.
func checkMessagesThroughFeed(t *testing.T, db *store.DB, sts []statement, want map[string]string) {
	t.Helper()
	var pending int
	raw := openRO(t, db)
	raw.QueryRow(`SELECT count(*) FROM ccfeed_moves`).Scan(&pending)
	f := feedtest.Start(t, db, feedtest.Options{})
	tok := f.ReadToken(t)
	got := map[string]string{}
	for _, r := range feedRows(t, f, tok, "Messages?$select=id,agentId") {
		id, _ := r["id"].(string)
		a, _ := r["agentId"].(string)
		got[id] = a
	}
	for _, s := range sts {
		id := "acme:" + s.source + ":" + s.msg
		if w := want[mentionKey(s)]; got[id] != w {
			t.Errorf("through the feed (%d moves pending), message %s points at %s, want %s", pending, id, got[id], w)
		}
	}
	// Navigation from each person finds exactly its messages.
	byPerson := map[string]int{}
	for _, s := range sts {
		byPerson[want[mentionKey(s)]]++
	}
	for p, n := range byPerson {
		rows := feedRows(t, f, tok, "Agents('"+p+"')/Messages?$select=id")
		if len(rows) != n {
			t.Errorf("Agents('%s')/Messages: %d rows, want %d (%d moves pending)", p, len(rows), n, pending)
		}
	}
}

// dumpTable lists a table's rows as text, internal columns left out.
func dumpTable(t *testing.T, db *store.DB, table string) []string {
	t.Helper()
	raw := openRO(t, db)
	tbl := db.Model.Set(table).Type.Table
	var cols []string
	for _, c := range tbl.Columns {
		if !c.Internal {
			cols = append(cols, fmt.Sprintf("coalesce(quote(%q), 'NULL')", c.Name))
		}
	}
	rows, err := raw.Query(fmt.Sprintf(`SELECT %s FROM %q ORDER BY id`, strings.Join(cols, " || '|' || "), table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
