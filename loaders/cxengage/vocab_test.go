package cxengage

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/edm"
)

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in, want string
		bad      bool
	}{
		{"2017-12-07T19:22:07.638Z", "2017-12-07T19:22:07.638Z", false},
		{"2017-12-29T24:00:00.000Z", "2017-12-30T00:00:00.000Z", false},
		{"2024-02-29T24:00:00Z", "2024-03-01T00:00:00.000Z", false},
		{"2024-12-31T24:00:00.000+00:00", "2025-01-01T00:00:00.000Z", false},
		{"2024-03-10T07:00:00.5+02:00", "2024-03-10T05:00:00.500Z", false},
		{"2024-03-10T07:00:00", "2024-03-10T07:00:00.000Z", false}, // no offset: UTC, as documented
		{"", "", false},
		{"2024-02-29T24:30:00.000Z", "", true},
		{"2024-02-29T24:00:01Z", "", true},
		{"2024-02-29T25:00:00Z", "", true},
		{"yesterday", "", true},
	} {
		got, err := parseTime(c.in)
		if (err != nil) != c.bad {
			t.Errorf("parseTime(%q) error %v, want error %v", c.in, err, c.bad)
			continue
		}
		if s := format(got); !c.bad && s != c.want {
			t.Errorf("parseTime(%q) = %s, want %s", c.in, s, c.want)
		}
	}
}

func format(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func TestDequeuedReason(t *testing.T) {
	for exit, want := range map[string]string{
		"success": "AgentConnected", "abandon": "CustomerDisconnected", "timeout": "QueueTimedOut",
		"callback": "CallbackRequested", "add-participant-cancel": "Ended", "Add Participant Cancel": "Ended",
		"interaction-end": "Ended", "something-new": "Ended", "": "",
	} {
		if got := dequeuedReason(exit); got != want {
			t.Errorf("dequeuedReason(%q) = %q, want %q", exit, got, want)
		}
	}
}

func TestMediaType(t *testing.T) {
	for ch, want := range map[string]string{
		"voice": edm.MediaVoice, "Voice": edm.MediaVoice, "sms": edm.MediaChat, "messaging": edm.MediaChat,
		"chat": edm.MediaChat, "email": edm.MediaEmail, "work-item": edm.MediaOther, "": edm.MediaOther,
	} {
		if got := mediaType(ch); got != want {
			t.Errorf("mediaType(%q) = %q, want %q", ch, got, want)
		}
	}
}

func TestTransferKind(t *testing.T) {
	for start, want := range map[string]string{
		"transfer": "transfer", "addParticant": "add-participant", "addParticipant": "add-participant",
		"add-participant": "add-participant", "interaction": "", "": "",
	} {
		if got, ok := transferKind(start); got != want || ok != (want != "") {
			t.Errorf("transferKind(%q) = %q, %v; want %q", start, got, ok, want)
		}
	}
}

func TestTransferResult(t *testing.T) {
	success := segment{EndType: "success"}
	for _, c := range []struct {
		name string
		s    segment
		prev *segment
		want string
	}{
		{"accepted", segment{To: "a2", EndType: "interaction-end"}, nil, "success"},
		{"previous leg ended by the transfer", segment{EndType: "interaction-end"}, &success, "success"},
		{"agent cancelled", segment{EndType: "cancelled", Cancelled: true}, nil, "cancelled"},
		{"cancelled without end type", segment{Cancelled: true}, nil, "cancelled"},
		{"customer hung up first", segment{EndType: "customer-disconnect", Cancelled: true, To: "a2"}, nil, "customer-disconnect"},
		{"still open", segment{}, nil, ""},
	} {
		if got := transferResult(c.s, c.prev); got != c.want {
			t.Errorf("%s: transferResult = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestWorkitemResult(t *testing.T) {
	for _, c := range []struct {
		a      allocation
		segEnd string
		want   string
	}{
		{allocation{}, "interaction-end", "Handled"},
		{allocation{}, "success", "Transferred"},
		{allocation{WorkCancelled: true}, "success", "Cancelled"},
		{allocation{}, "", "Handled"},
	} {
		if got := workitemResult(c.a, c.segEnd); got != c.want {
			t.Errorf("workitemResult(%+v, %q) = %q, want %q", c.a, c.segEnd, got, c.want)
		}
	}
}

func TestFlagType(t *testing.T) {
	for _, c := range []struct {
		flagged flag
		typ     string
		want    string
	}{
		{flag{true, true}, "Stuck", "Stuck"},
		{flag{true, true}, "", "flagged"},
		{flag{false, true}, "Stuck", ""},
		{flag{}, "Queue", "Queue"},
		{flag{}, "null", ""},
		{flag{}, "", ""},
	} {
		if got := flagType(c.flagged, c.typ); got != c.want {
			t.Errorf("flagType(%v, %q) = %q, want %q", c.flagged, c.typ, got, c.want)
		}
	}
}

// TestTolerantScalars: ids and numbers may arrive quoted or unquoted, and
// null or missing reads as nothing; other shapes are refused.
func TestTolerantScalars(t *testing.T) {
	var v struct {
		A, B, C text
		N, M, O num
		F, G    flag
	}
	in := `{"A": 743, "B": " x ", "C": null, "N": "11.7", "M": 3, "O": null, "F": "true", "G": false}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "743" || v.B != "x" || v.C != "" || v.N != (num{11.7, true}) || v.M != (num{3, true}) || v.O.ok ||
		v.F != (flag{true, true}) || v.G != (flag{false, true}) {
		t.Errorf("decoded %+v", v)
	}
	for _, bad := range []string{`{"A": {}}`, `{"N": "many"}`, `{"N": []}`, `{"F": "yes"}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}

func TestTranscript(t *testing.T) {
	ix := &interaction{Customer: "+15555550100", Agents: []allocation{{Agent: "a1"}}}
	for _, c := range []struct {
		name    string
		in      string
		ok      bool
		senders []string
	}{
		{"payload shape", `[{"payload": {"from": "+15555550100", "timestamp": "2024-01-01T00:00:00Z", "body": {"text": "hi"}}},
			{"payload": {"from": "a1", "timestamp": "2024-01-01T00:00:05Z", "body": {"text": "hello"}}}]`, true, []string{"customer", "agent"}},
		{"flat shape, epoch ms", `[{"role": "bot", "time": 1704067200000, "text": "Welcome"}]`, true, []string{"bot"}},
		{"plain text transcript", `"customer: hi\nagent: hello"`, false, nil},
		{"entry without time", `[{"text": "hi"}]`, false, nil},
		{"entry without text", `[{"timestamp": "2024-01-01T00:00:00Z"}]`, false, nil},
		{"empty", `[]`, false, nil},
	} {
		msgs, ok := transcript(json.RawMessage(c.in), ix)
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.name, ok, c.ok)
			continue
		}
		var senders []string
		for _, m := range msgs {
			senders = append(senders, m.Sender)
		}
		if len(senders) != len(c.senders) || (len(senders) > 0 && senders[0] != c.senders[0]) || (len(senders) > 1 && senders[1] != c.senders[1]) {
			t.Errorf("%s: senders %v, want %v", c.name, senders, c.senders)
		}
	}
}
