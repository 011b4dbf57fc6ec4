package loaders_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
)

// Every sentinel of the table is no value, in its class only, whatever its
// case and spacing; a neighbouring real value stays one.
func TestSentinelTable(t *testing.T) {
	classes := map[string]bool{}
	for _, s := range loaders.Sentinels {
		classes[s.Class] = true
		if s.Meaning == "" || s.Fields == "" || s.Source == "" {
			t.Errorf("%s: the table must say which fields and what the sentinel means", s.Class)
		}
		for _, v := range s.Values {
			for _, form := range []string{v, " " + v + " ", strings.ToUpper(v)} {
				if !loaders.NoValue(s.Class, form) {
					t.Errorf("%s: %q is not taken as no value", s.Class, form)
				}
			}
		}
		if loaders.NoValue(s.Class, "42 real") {
			t.Errorf("%s: a real value is taken as no value", s.Class)
		}
	}
	// alertedMCS -1 is a real value: no class may swallow it by accident.
	for c := range classes {
		if strings.HasPrefix(c, "lp-") && c != loaders.SentinelLPID && c != loaders.SentinelLPTime && c != loaders.SentinelLPCSAT && loaders.NoValue(c, "-1") {
			t.Errorf("%s treats -1 as no value, but -1 is a value in most LivePerson fields", c)
		}
	}
}

// Each sentinel, in a file of its source, loads as no value (NULL) in the
// field it stands in, where the vendor's documents put it.
func TestSentinelsLoad(t *testing.T) {
	dir := t.TempDir()
	lp := `{"conversationHistoryRecords":[{"info":{"conversationId":"s-1","startTimeL":1717405200000,"endTime":"undefined","endTimeL":-1,
		"duration":60000,"status":"OPEN","csatRate":-1,"latestSkillId":-1,"latestSkillName":"Unassigned","latestAgentGroupId":-1,
		"latestAgentId":"null","device":"NA","alertedMCS":-1,"source":"undefined"},
		"consumerParticipant":[{"participantId":"c-9","firstName":"undefined","lastName":"null","email":"undefined","phone":"0","timeL":1717405201000}],
		"transfers":[{"timeL":1717405230000,"assignedAgentId":"null","targetSkillId":-1,"sourceSkillId":-1,"reason":"undefined"}]}]}`
	ino := "Distribution date,Distribution end date,Type,Messaging type,Sender,Queue,User,Wait time,Exchange time,Post-interaction time,Total interaction time,Interaction ID\n" +
		"2024-06-03 10:00:00,,Queue,WhatsApp,+33600000009,Q,,,-,--:--:--,,i-9\n"
	cx := `{"interactionId":"cx-9","startTimestamp":"2024-06-03T10:00:00Z","channelType":"voice","dataComplete":true,"endTimestamp":"2024-06-03T10:01:00Z",
		"contactId":"null","flagType":"null","dispositionName":"undefined"}`
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	if err := db.SetTenantTimezone(ctx, tenant, "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"lp.json": lp, "ino.csv": ino, "cx.json": cx} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if r := loaders.LoadFile(ctx, db, tenant, p, loaders.Options{}); r.Status != edm.LoadLoaded || r.Rejected != 0 {
			t.Fatalf("%s: %s, %d rejected: %s", name, r.Status, r.Rejected, r.Message)
		}
	}
	raw := openRO(t, db)
	for _, c := range []struct{ what, query string }{
		{"csatRate -1 (lp-csat)", `SELECT csat FROM Conversations WHERE id = 'acme:liveperson:s-1'`},
		{"endTimeL -1 (lp-epoch-ms)", `SELECT endedAtUTC FROM Conversations WHERE id = 'acme:liveperson:s-1'`},
		{"latestSkillId -1 (lp-id)", `SELECT queueId FROM Conversations WHERE id = 'acme:liveperson:s-1'`},
		{"latestAgentGroupId -1 (lp-id)", `SELECT agentGroup FROM Conversations WHERE id = 'acme:liveperson:s-1'`},
		{"latestAgentId null (lp-id)", `SELECT agentId FROM Conversations WHERE id = 'acme:liveperson:s-1'`},
		{"device NA (lp-device)", `SELECT customerDevice FROM Conversations WHERE id = 'acme:liveperson:s-1'`},
		{"source undefined (lp-text)", `SELECT channelType FROM Conversations WHERE id = 'acme:liveperson:s-1'`},
		{"consumer names undefined and null (lp-text-or-null)", `SELECT coalesce(firstName, lastName) FROM Customers WHERE livepersonConsumerId = 'c-9'`},
		{"consumer phone 0 (lp-phone)", `SELECT phoneNumber FROM Customers WHERE livepersonConsumerId = 'c-9'`},
		{"transfer agent null (lp-id)", `SELECT toAgentId FROM Transfers WHERE conversationId = 'acme:liveperson:s-1'`},
		{"ino empty wait time (ino-duration)", `SELECT durationInSeconds FROM QueueSegments WHERE conversationId = 'acme:ino:i-9'`},
		{"CxEngage contactId null (cx-text)", `SELECT contactId FROM Conversations WHERE id = 'acme:cxengage:cx-9'`},
		{"CxEngage flagType null (cx-text)", `SELECT flagType FROM Conversations WHERE id = 'acme:cxengage:cx-9'`},
	} {
		var v any
		if err := raw.QueryRow(c.query).Scan(&v); err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		if v != nil {
			t.Errorf("%s: stored %v, want no value", c.what, v)
		}
	}
	// alertedMCS -1 is a value, kept as captured data.
	var mcs string
	if err := raw.QueryRow(`SELECT value FROM CapturedData WHERE conversationId = 'acme:liveperson:s-1' AND name = 'alertedMCS'`).Scan(&mcs); err != nil || mcs != "-1" {
		t.Errorf("alertedMCS: %q %v, want the value -1 kept", mcs, err)
	}
}
