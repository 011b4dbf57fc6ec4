package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

// TestExportAcrossLoads walks an export that asks for no order (storage
// order: the stable row id) while loads change the set under it: between
// pages, rows already sent and rows still to come are updated, new rows
// are inserted, and the database is vacuumed. Every row that existed when
// the export started and still belongs to the set is sent exactly once;
// rows inserted meanwhile at most once; nothing is sent twice.
func TestExportAcrossLoads(t *testing.T) {
	db := feedtest.DemoDB(t)
	f := feedtest.Start(t, db, feedtest.Options{})
	tok := f.Token(t, ccfeed.ScopeRead, "contoso")
	ctx := context.Background()
	raw, err := sql.Open("sqlite3", "file:"+db.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	before := map[string]bool{}
	rows, err := raw.Query(`SELECT id FROM Conversations WHERE tenantId = 'contoso' AND mediaType = 'chat'`)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		before[id] = true
		order = append(order, id)
	}
	rows.Close()
	if len(before) < 300 {
		t.Fatalf("%d contoso chats: too few to page through", len(before))
	}

	conv := edm.Default().Set("Conversations").Type.Table
	update := func(step int) {
		// Rows on both sides of the export's position, and new ones.
		err := db.Load(ctx, func(lt *store.LoadTx) error {
			for i, id := range order {
				if i%7 != step%7 {
					continue
				}
				r := store.NewRow(conv).Set("id", id).Set("tenantId", "contoso").Set("source", "test").
					Set("sourceId", id).Set("mediaType", "chat").Set("status", fmt.Sprintf("step-%d", step))
				if _, err := lt.Upsert(ctx, r); err != nil {
					return err
				}
			}
			for i := 0; i < 5; i++ {
				native := fmt.Sprintf("late-%d-%d", step, i)
				r := store.NewRow(conv).Set("id", "contoso:test:"+native).Set("tenantId", "contoso").Set("source", "test").
					Set("sourceId", native).Set("mediaType", "chat").Set("status", "new")
				if _, err := lt.Upsert(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	seen := map[string]int{}
	next := f.URL + "Chats?$select=id,status"
	pages := 0
	for next != "" {
		c, _ := collectionOf(t, f, next, tok, "Prefer", "odata.maxpagesize=97")
		for _, id := range ids(t, c.Value) {
			seen[id]++
		}
		next = c.NextLink
		pages++
		switch {
		case pages%3 == 0:
			update(pages)
		case pages == 4:
			// VACUUM rebuilds the file; the declared row id survives it.
			if _, err := raw.Exec(`VACUUM`); err != nil {
				t.Fatal(err)
			}
		}
		if pages > 1000 {
			t.Fatal("more than 1000 pages")
		}
	}
	if pages < 5 {
		t.Fatalf("%d pages: the loads did not happen between pages", pages)
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("%s sent %d times", id, n)
		}
	}
	for id := range before {
		if seen[id] != 1 {
			t.Errorf("%s, a chat before the export, sent %d times", id, seen[id])
		}
	}
	late := 0
	for id := range seen {
		if !before[id] {
			late++
		}
	}
	if late == 0 {
		t.Error("no row inserted during the export was sent: the walk did not reach them")
	}
	// The walk saw the updates: rows sent after an update carry it.
	n := count(t, f, f.URL+"Chats/$count?$filter="+url.QueryEscape("startswith(status,'step-')"), tok)
	if n == 0 {
		t.Error("no row was updated")
	}
}
