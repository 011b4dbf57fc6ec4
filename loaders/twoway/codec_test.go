package twoway

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestChunkRoundTrip(t *testing.T) {
	base := event{File: "day-1.csv", Type: "customer_message_sent", Conv: "conv-1", Channel: "CH1", CCID: "P-1",
		CustFirst: "李", CustLast: "雷", Product: "pg", Tag: "tag-a", Status: "open"}
	msg := func(line, ts int64, idx int64, body string) event {
		e := base
		e.Line, e.Time, e.Index, e.Body, e.Sender = line, ts, ptr(idx), body, "customer"
		return e
	}
	cases := []struct {
		name string
		evs  []event
	}{
		{"one event, every field", []event{{File: "f.csv", Line: 2, Amb: true, Type: "agent_message_sent", Time: -5,
			Conv: "c", Channel: "ch", CCID: "cc", CustFirst: "a", CustLast: "b", Product: "p", Email: "x@y", AgFirst: "X",
			AgLast: "Y", Roles: "Agent, Admin", Group: "G", Tag: "t", Body: "multi\nline, \"quoted\" 🙏", English: "en",
			Lang: "ES", Closed: "Inactivity", ClosedTxt: "free text", After: ptr(true), Sender: "agent", Status: "closed",
			Index: ptr(int64(0))}}},
		{"repeated text shares the table", []event{msg(2, 1000, 1, "hi"), msg(3, 2000, 3, "hi"), msg(5, 1500, 4, "other")}},
		{"lines going back (two files)", []event{msg(900, 10, 1, "a"), func() event { e := msg(2, 5, 2, "b"); e.File = "day-2.csv"; return e }()}},
		{"after-hours false and no index", []event{func() event { e := base; e.Type, e.After = "channel_added", ptr(false); return e }()}},
		{"negative index", []event{msg(2, 1, -7, "")}},
	}
	var enc encoder
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.evs {
				c.evs[i].Hash = c.evs[i].hash()
			}
			got, err := decodeChunk(append([]byte(nil), enc.encode(c.evs)...))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.evs) {
				t.Fatalf("round trip changed the events:\n got %+v\nwant %+v", got, c.evs)
			}
		})
	}
}

// TestChunkLegacyJSON: chunks staged by earlier versions are JSON arrays
// carrying their hashes; they must still decode to the same events.
func TestChunkLegacyJSON(t *testing.T) {
	evs := []event{{File: "f.csv", Line: 3, Type: "member_added", Time: 1700000000000, Conv: "c", Email: "a@b", After: ptr(false)},
		{File: "f.csv", Line: 4, Type: "customer_message_sent", Time: 1700000001000, Conv: "c", Body: "x", Index: ptr(int64(2))}}
	for i := range evs {
		evs[i].Hash = evs[i].hash()
	}
	p, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeChunk(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, evs) {
		t.Fatalf("legacy chunk decoded to\n%+v\nwant\n%+v", got, evs)
	}
}

// TestChunkCorrupt: a damaged chunk is an error naming the byte, never a
// panic or a silently shorter list.
func TestChunkCorrupt(t *testing.T) {
	var enc encoder
	e := event{File: "f.csv", Line: 2, Type: "channel_added", Time: 1, Conv: "conv-1", Body: "hello there"}
	good := append([]byte(nil), enc.encode([]event{e, e})...)
	for _, c := range []struct {
		name string
		p    []byte
	}{
		{"empty", nil},
		{"truncated in a string", good[:len(good)-3]},
		{"truncated in a number", append([]byte{chunkBinary}, 0x80)},
		{"reference past the table", append(append([]byte{chunkBinary}, 0, 0, 0), 9)},
		{"length past the end", append(append([]byte{chunkBinary}, 0, 0, 0), 0, 100, 'x')},
		{"not JSON either", []byte("{oops")},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs, err := decodeChunk(c.p)
			if err == nil {
				t.Fatalf("decoded %d events from a corrupt chunk", len(evs))
			}
			if c.p != nil && c.p[0] == chunkBinary && !strings.Contains(err.Error(), "at byte") {
				t.Fatalf("error %q does not say where", err)
			}
		})
	}
}

func FuzzDecodeChunk(f *testing.F) {
	var enc encoder
	f.Add(append([]byte(nil), enc.encode([]event{{File: "f", Line: 1, Type: "t", Conv: "c", Index: ptr(int64(3))}})...))
	f.Add([]byte(`[{"h":"x","l":1,"t":"a","ts":1,"c":"c"}]`))
	f.Fuzz(func(t *testing.T, p []byte) {
		evs, err := decodeChunk(p)
		if err != nil {
			return
		}
		if len(p) > 0 && p[0] == chunkBinary {
			// What decodes re-encodes to a chunk that decodes the same.
			again, err := decodeChunk(append([]byte(nil), enc.encode(evs)...))
			if err != nil || !reflect.DeepEqual(again, evs) {
				t.Fatalf("re-encoding changed the events: %v", err)
			}
		}
	})
}

// The column constants name the positions of the columns list.
func TestColumnPositions(t *testing.T) {
	for c, want := range map[int]string{
		cAgentEmail: "agent email", cAgentFirst: "agent first name", cAgentLast: "agent last name",
		cAgentRoles: "agent roles", cAgentGroup: "agent control group", cCCID: "ccid",
		cCustFirst: "customer first name", cCustLast: "customer last name", cProduct: "product group id",
		cEventType: "event type", cEventSubtype: "event subtype", cEventTime: "event time", cControlTag: "control tag",
		cChannel: "twoway channel sid", cBody: "twoway body", cEnglishVersion: "english version",
		cLanguage: "translation language code", cConversation: "conversation id", cClosedReason: "closed reason",
		cClosedInfo: "closed additional information", cAfterHours: "after hours flag", cSender: "sender type",
		cStatus: "conversation status", cMessageIndex: "message index", cEnglish: "english translation",
	} {
		if columns[c] != want {
			t.Errorf("column %d is %q, want %q", c, columns[c], want)
		}
	}
	if len(columns) != cEnglish+1 {
		t.Errorf("%d columns, %d constants", len(columns), cEnglish+1)
	}
}
