package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

// A RowPreparer prepares only complete rows of its tenant; the others stay
// as they were, and Put writes or refuses them the ordinary way. A row
// prepared in one load is refused by another, whose time and zone may
// differ.
func TestRowPreparerRefusals(t *testing.T) {
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	var stale *store.Row
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		prep, err := lt.Preparer(ctx, "acme")
		if err != nil {
			return err
		}
		other := row("Queues", "globex", "q1").Set("name", "Q")
		prep.Prepare(other)
		if other.Prepared() {
			t.Error("a row of another tenant was prepared")
		}
		if err := lt.Put(ctx, other); err != nil {
			t.Errorf("the other tenant's row, written the ordinary way: %v", err)
		}
		incomplete := row("Queues", "acme", "q2").Set("sourceId", "")
		prep.Prepare(incomplete)
		if incomplete.Prepared() {
			t.Error("a row without its sourceId was prepared")
		}
		if err := lt.Put(ctx, incomplete); err == nil || !strings.Contains(err.Error(), "lacks sourceId") {
			t.Errorf("Put of the incomplete row: %v, want the missing column named", err)
		}
		stale = row("Queues", "acme", "q3").Set("name", "Q")
		prep.Prepare(stale)
		if !stale.Prepared() {
			t.Error("a complete row of the tenant was not prepared")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Load(ctx, func(lt *store.LoadTx) error { return lt.Put(ctx, stale) })
	if err == nil || !strings.Contains(err.Error(), "prepared for another load") {
		t.Fatalf("a row prepared in an earlier load: %v, want it refused", err)
	}
}

// PutMentions writes many mentions to a statement (77: every statement
// size); writing a stored mention again replaces its fields and keeps its
// person. MentionsByKey reads them back with their identifiers, in one
// call for more keys than one statement takes, and leaves out the keys the
// store lacks.
func TestPutMentionsAndMentionsByKey(t *testing.T) {
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	key := func(i int) string { return fmt.Sprintf("twoway:id:P-%03d", i) }
	var ms []store.Mention
	for i := range 77 {
		ms = append(ms, store.Mention{Kind: "customer", Key: key(i), Source: "twoway", Person: fmt.Sprint("acme:customer:p", i), Fields: []byte{1, byte(i)}})
	}
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		if err := lt.PutMentions(ctx, "acme", ms); err != nil {
			return err
		}
		if err := lt.AddIdents(ctx, "acme", "customer", key(5), []string{"p:+15550005", "e:five@x.example"}); err != nil {
			return err
		}
		// Again, with new fields and other people: fields change, people
		// stay (only SetMentionPerson moves a mention).
		again := append([]store.Mention(nil), ms[:40]...)
		for i := range again {
			again[i].Fields = []byte{1, byte(i), 9}
			again[i].Person = "acme:customer:other"
		}
		return lt.PutMentions(ctx, "acme", again)
	})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]store.Mention
	err = db.Load(ctx, func(lt *store.LoadTx) error {
		var keys []string
		for i := range 450 {
			keys = append(keys, key(i))
		}
		var err error
		got, err = lt.MentionsByKey(ctx, "acme", "customer", keys)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 77 {
		t.Fatalf("read %d mentions, want the 77 stored", len(got))
	}
	for i := range 77 {
		m, ok := got[key(i)]
		if !ok || !m.Present || m.Source != "twoway" {
			t.Fatalf("mention %s: %+v", key(i), m)
		}
		wantFields := string([]byte{1, byte(i)})
		if i < 40 {
			wantFields += "\x09"
		}
		if string(m.Fields) != wantFields || m.Person != fmt.Sprint("acme:customer:p", i) {
			t.Errorf("mention %s: fields %x person %s, want %x and its first person", key(i), m.Fields, m.Person, wantFields)
		}
		wantIdents := ""
		if i == 5 {
			wantIdents = "e:five@x.example,p:+15550005"
		}
		if strings.Join(m.Idents, ",") != wantIdents {
			t.Errorf("mention %s: identifiers %q, want %q", key(i), m.Idents, wantIdents)
		}
	}
}
