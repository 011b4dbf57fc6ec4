package loaders_test

import (
	"context"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// modifiedAt reads a row's modifiedAtUTC.
func modifiedAt(t *testing.T, db *store.DB, table, id string) int64 {
	t.Helper()
	var ms int64
	if err := openRO(t, db).QueryRow(`SELECT modifiedAtUTC FROM "`+table+`" WHERE id = ?`, id).Scan(&ms); err != nil {
		t.Fatalf("%s %s: %v", table, id, err)
	}
	return ms
}

// modifiedAtUTC moves when, and only when, a row's values change: a load
// sets it, a reload that changes nothing leaves it, a later copy that
// changes a row moves that row's only, and rows moved to another person
// (another source's mention joined theirs) move too, while a person's
// other rows, recomputed the same, stay.
func TestModifiedAt(t *testing.T) {
	dir := t.TempDir()
	open := writeFile(t, dir, "open.json", `{"conversationHistoryRecords":[{"info":{"conversationId":"m-1","startTimeL":1717405200000,
		"endTimeL":-1,"duration":60000,"status":"OPEN","latestAgentId":"7","latestAgentFullName":"Kim Ito"},
		"messageRecords":[{"seq":0,"timeL":1717405205000,"sentBy":"Consumer","participantId":"c","messageData":{"msg":{"text":"hi"}}}],
		"agentParticipants":[{"agentId":"7","agentFullName":"Kim Ito","timeL":1717405201000,"permission":"ASSIGNED_AGENT"}]}]}`)
	closed := writeFile(t, dir, "closed.json", `{"conversationHistoryRecords":[{"info":{"conversationId":"m-1","startTimeL":1717405200000,
		"endTimeL":1717405500000,"duration":300000,"status":"CLOSE","csat":5,"latestAgentId":"7","latestAgentFullName":"Kim Ito"},
		"messageRecords":[{"seq":0,"timeL":1717405205000,"sentBy":"Consumer","participantId":"c","messageData":{"msg":{"text":"hi"}}}],
		"agentParticipants":[{"agentId":"7","agentFullName":"Kim Ito","timeL":1717405201000,"permission":"ASSIGNED_AGENT"}]}]}`)
	// Kim's address, from the two-way report: the LivePerson agent (name
	// only) joins her, and its rows move to her.
	twoway := writeFile(t, dir, "tw.csv", "agent_email,agent_first_name,agent_last_name,event_type,event_subtype,event_time,conversation_id,ccid\n"+
		"kim@x.example,Kim,Ito,twoway_webhook,member_added,2024-06-03T08:00:00Z,tw-1,P-1\n")
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	load := func(p string) {
		t.Helper()
		// Each load's transaction starts at a later millisecond.
		time.Sleep(5 * time.Millisecond)
		if r := loaders.LoadFile(ctx, db, tenant, p, loaders.Options{}); r.Status != edm.LoadLoaded {
			t.Fatalf("%s: %s", r.File, r.Message)
		}
	}
	const conv, msg = "acme:liveperson:m-1", "acme:liveperson:m-1:0"
	load(open)
	c1, m1 := modifiedAt(t, db, "Conversations", conv), modifiedAt(t, db, "Messages", msg)
	if c1 == 0 || m1 != c1 {
		t.Fatalf("first load: conversation %d, message %d: want one load time", c1, m1)
	}
	load(open)
	if c, m := modifiedAt(t, db, "Conversations", conv), modifiedAt(t, db, "Messages", msg); c != c1 || m != m1 {
		t.Errorf("a reload that changes nothing moved modifiedAtUTC: %d %d, was %d %d", c, m, c1, m1)
	}
	load(closed)
	c2, m2 := modifiedAt(t, db, "Conversations", conv), modifiedAt(t, db, "Messages", msg)
	if c2 <= c1 {
		t.Errorf("the closed copy changed the conversation, but modifiedAtUTC stayed %d", c2)
	}
	if m2 != m1 {
		t.Errorf("the closed copy left the message as it was, but its modifiedAtUTC moved %d -> %d", m1, m2)
	}
	load(twoway)
	if _, err := db.DrainMoves(ctx, 100); err != nil {
		t.Fatal(err)
	}
	c3, m3 := modifiedAt(t, db, "Conversations", conv), modifiedAt(t, db, "Messages", msg)
	if c3 <= c2 {
		t.Errorf("the conversation's agent became another person, but modifiedAtUTC stayed %d", c3)
	}
	if m3 != m2 {
		t.Errorf("the consumer's message names no agent and did not change, but modifiedAtUTC moved %d -> %d", m2, m3)
	}
	// Loading the closed copy again, after the move, changes nothing.
	load(closed)
	if c := modifiedAt(t, db, "Conversations", conv); c != c3 {
		t.Errorf("a reload after the move moved modifiedAtUTC %d -> %d", c3, c)
	}
}
