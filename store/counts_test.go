package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

// checkCounts compares, for every set and each principal, the count the
// store keeps (an unfiltered $count) with a count of the rows themselves
// ($filter=true reads them), and every copy column with its owner's value.
func checkCounts(t *testing.T, db *store.DB, what string) {
	t.Helper()
	unit1 := principal("contoso")
	unit1.BusinessUnits = []string{demoUnit1}
	two := principal("contoso")
	two.BusinessUnits = []string{demoUnit1, demoUnit2, "contoso:test:bu-x"}
	principals := map[string]*ccfeed.Principal{
		"all tenants":        principal(ccfeed.AllTenants),
		"one tenant":         principal("contoso"),
		"two tenants":        principal("contoso", "acme"),
		"one business unit":  unit1,
		"two business units": two,
	}
	for pname, p := range principals {
		for _, s := range edm.Default().Sets {
			if s.AdminOnly {
				continue
			}
			kept := count(t, db, p, s.Name)
			real := count(t, db, p, s.Name+"?$filter=true")
			if kept != real {
				t.Errorf("%s: %s as %s: kept count %d, rows %d", what, s.Name, pname, kept, real)
			}
		}
	}
	raw := rawDB(t, db)
	for _, tbl := range edm.Default().Tables {
		for _, c := range tbl.Columns {
			if c.Copy == nil {
				continue
			}
			var n int
			q := fmt.Sprintf(`SELECT count(*) FROM %q AS x WHERE x.%q IS NOT (SELECT o.%q FROM %q AS o WHERE o.tenantId = x.tenantId AND o.id = x.%q)`,
				tbl.Name, c.Name, c.Copy.From.Name, c.Copy.From.Table().Name, c.Copy.Via.Name)
			if err := raw.QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s: %d rows of %s whose %s differs from their owner's", what, n, tbl.Name, c.Name)
			}
		}
	}
}

// TestCountsAndCopiesFollowWrites changes rows every way a load can (new
// rows, children before their owner, a conversation changing medium or
// business unit, a child moving to another conversation, a person deleted)
// and checks the kept counts and the copies after each step.
func TestCountsAndCopiesFollowWrites(t *testing.T) {
	// A window of one row id makes each load's new rows span many windows.
	for _, window := range []int64{0, 1} {
		t.Run(fmt.Sprintf("window %d", window), func(t *testing.T) {
			if window > 0 {
				defer store.SetCountWindow(window)()
			}
			countsFollowWrites(t)
		})
	}
}

func countsFollowWrites(t *testing.T) {
	db := feedtest.DemoDB(t)
	checkCounts(t, db, "demo")

	// Children first: their conversation does not exist yet.
	upsertAll(t, db,
		row("Messages", "contoso", "early-1").Set("conversationId", "contoso:test:late").Set("body", "first"),
		row("QueueSegments", "contoso", "early-qs").Set("conversationId", "contoso:test:late").Set("queueId", demoQueue),
		row("Messages", "acme", "m-1").Set("conversationId", "acme:test:c-1"),
	)
	checkCounts(t, db, "children before their owner")
	unit1 := principal("contoso")
	unit1.BusinessUnits = []string{demoUnit1}
	before := count(t, db, unit1, "Messages")

	// The owner arrives, in a business unit: its children join the unit.
	upsertAll(t, db, row("Conversations", "contoso", "late").Set("mediaType", "chat").Set("businessUnitId", demoUnit1))
	checkCounts(t, db, "owner after its children")
	if got := count(t, db, unit1, "Messages"); got != before+1 {
		t.Errorf("bu-1 messages %d after the owner arrived, want %d", got, before+1)
	}

	// The owner moves to another unit and medium.
	upsertAll(t, db, row("Conversations", "contoso", "late").Set("mediaType", "voice").Set("businessUnitId", demoUnit2))
	checkCounts(t, db, "owner changed unit and medium")
	if got := count(t, db, unit1, "Messages"); got != before {
		t.Errorf("bu-1 messages %d after the owner left the unit, want %d", got, before)
	}

	// A child moves to a conversation of another unit.
	upsertAll(t, db, row("Messages", "contoso", "early-1").Set("conversationId", demoCall).Set("body", "first"))
	checkCounts(t, db, "child moved")

	// Loading the same rows again changes nothing, counts included.
	upsertAll(t, db, row("Messages", "contoso", "early-1").Set("conversationId", demoCall).Set("body", "first"))
	checkCounts(t, db, "same rows again")

	// A person deleted (merged away) leaves the counts.
	var agent string
	if err := rawDB(t, db).QueryRow(`SELECT id FROM Agents WHERE tenantId = 'contoso' ORDER BY rid LIMIT 1`).Scan(&agent); err != nil {
		t.Fatal(err)
	}
	err := db.Load(context.Background(), func(lt *store.LoadTx) error {
		return lt.DeleteRow(context.Background(), "Agents", "contoso", agent)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, db, "person deleted")
}

// TestCountsOfOlderDatabase: a database from before the kept counts gets
// them when it is opened.
func TestCountsOfOlderDatabase(t *testing.T) {
	db := feedtest.DemoDB(t)
	path := db.Path
	db.Close()
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, raw, `DELETE FROM ccfeed_counts`, `PRAGMA user_version = 3`, `UPDATE ccfeed_meta SET value = 'old' WHERE key = 'schema_fingerprint'`)
	raw.Close()
	db = openAt(t, path)
	defer db.Close()
	checkCounts(t, db, "upgraded")
	if n := count(t, db, principal("contoso"), "Conversations"); n == 0 {
		t.Fatal("no contoso conversations: the check proves nothing")
	}
}
