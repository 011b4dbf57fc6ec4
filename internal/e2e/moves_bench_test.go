package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

// BenchmarkMoves measures what it costs to move fact rows between people
// (see store/moves.go) both ways the issue allows: rewriting them (DrainMoves,
// in transactions of 50,000 rows, which a load does for up to
// loaders.MoveBudget rows and the serving process for the rest), and
// reading through a pending move instead (the mapping every read of a
// person's foreign key joins while a move is pending).
//
//	go test -tags "sqlite_fts5 sqlite_math_functions" -run '^$' -bench Moves -benchtime 1x ./internal/e2e/
//
// It prints the rewrite rate, and the time of three questions about the
// agent (a count by agentId, a groupby over every message, a navigation)
// with the move pending and after it is drained.
// CCFEED_BENCH_MOVE_ROWS (default 1000000) sets the messages moved.
func BenchmarkMoves(b *testing.B) {
	n := envRows(b, "CCFEED_BENCH_MOVE_ROWS", 1_000_000)
	ctx := context.Background()
	const (
		from = "bench:agent:from"
		to   = "bench:agent:to"
		ref  = int64(4242)
	)
	for range b.N {
		db := feedtest.OpenDB(b)
		t := edm.Default().Set("Messages").Type.Table
		agents := edm.Default().Set("Agents").Type.Table
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		err := db.Load(ctx, func(lt *store.LoadTx) error {
			for _, id := range []string{from, to} {
				r := store.NewRow(agents).Set("id", id).Set("tenantId", "bench").Set("source", "twoway").Set("sourceId", id[len("bench:agent:"):]).Set("name", id)
				if err := lt.Put(ctx, r); err != nil {
					return err
				}
			}
			for i := range n {
				// One message in four names another agent, so a
				// question about this one has others to skip.
				who := store.PersonRef{ID: from, Mention: ref}
				if i%4 == 3 {
					who = store.PersonRef{ID: "bench:agent:other", Mention: 7}
				}
				r := store.NewRow(t).Set("id", fmt.Sprintf("bench:twoway:m%d", i)).Set("tenantId", "bench").Set("source", "twoway").
					Set("sourceId", fmt.Sprintf("m%d", i)).Set("conversationId", fmt.Sprintf("bench:twoway:c%d", i/5)).
					Set("senderType", "agent").Set("agentId", who).Set("sentAtUTC", start.Add(time.Duration(i)*time.Second)).
					Set("body", "hello")
				if err := lt.Put(ctx, r); err != nil {
					return err
				}
			}
			// The mention's person changed: its messages must follow.
			return lt.RecordMove(ctx, "bench", "agent", ref, from, to)
		})
		if err != nil {
			b.Fatal(err)
		}
		moved := n - n/4
		f := feedtest.Start(b, db, feedtest.Options{})
		tok := f.ReadToken(b)
		questions := []struct{ name, path string }{
			{"count", "Messages/$count?$filter=agentId eq '" + to + "'"},
			{"groupby", "Messages?$apply=groupby((agentId),aggregate($count as n))"},
			{"navigation", "Agents('" + to + "')/Messages/$count"},
		}
		timeAll := func(state string) map[string]float64 {
			out := map[string]float64{}
			for _, q := range questions {
				s := time.Now()
				body := benchGet(b, f, tok, q.path)
				out[q.name] = time.Since(s).Seconds()
				if q.name != "groupby" && strings.TrimSpace(body) != fmt.Sprint(moved) {
					b.Fatalf("%s (%s): %q, want %d", q.name, state, body, moved)
				}
			}
			return out
		}
		pending := timeAll("pending")
		s := time.Now()
		rewritten, err := db.DrainMoves(ctx, 50_000)
		if err != nil {
			b.Fatal(err)
		}
		drain := time.Since(s)
		if rewritten != moved {
			b.Fatalf("drained %d rows, want %d", rewritten, moved)
		}
		drained := timeAll("drained")
		b.ReportMetric(float64(rewritten)/drain.Seconds(), "rewritten-rows/s")
		for _, q := range questions {
			b.ReportMetric(pending[q.name]*1000, q.name+"-pending-ms")
			b.ReportMetric(drained[q.name]*1000, q.name+"-drained-ms")
		}
	}
}

// benchGet GETs a path under the service root and returns the body.
func benchGet(b *testing.B, f *feedtest.Feed, tok, path string) string {
	b.Helper()
	resp := f.Get(b, f.URL+strings.ReplaceAll(path, " ", "%20"), tok)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return string(body)
}
