package cxengage

import (
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// mediaTypes slices conversations into Calls, Chats and Emails by
// channelType; any other channel (work items, channels added later) is
// "other". The raw channelType stays in the channelType column.
var mediaTypes = map[string]string{
	"voice":     edm.MediaVoice,
	"sms":       edm.MediaChat,
	"messaging": edm.MediaChat,
	"chat":      edm.MediaChat,
	"email":     edm.MediaEmail,
}

func mediaType(channel string) string {
	if m, ok := mediaTypes[strings.ToLower(channel)]; ok {
		return m
	}
	return edm.MediaOther
}

// dequeuedReasons maps queueExitType (the six documented values) to the
// model's dequeuedReason vocabulary. add-participant-cancel is an agent
// withdrawing a conference request while it waited, and interaction-end
// the flow ending the interaction in the queue: neither connects, neither
// is the customer leaving, so both are Ended. The raw value is kept in
// sourceDequeuedReason.
var dequeuedReasons = map[string]string{
	"success":                "AgentConnected",
	"abandon":                "CustomerDisconnected",
	"timeout":                "QueueTimedOut",
	"callback":               "CallbackRequested",
	"add-participant-cancel": "Ended",
	"interaction-end":        "Ended",
}

// dequeuedReason maps an exit type; "" while the interaction is still in
// the queue, Ended for a value the vendor has not documented.
func dequeuedReason(exit string) string {
	e := token(exit)
	if e == "" {
		return ""
	}
	if r, ok := dequeuedReasons[e]; ok {
		return r
	}
	return "Ended"
}

// token lower-cases a vendor enumeration and spells its word breaks with
// dashes ("add participant" and "add_participant" read as "add-participant").
func token(s string) string {
	return strings.NewReplacer(" ", "-", "_", "-").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// transferKind reports whether a segment was started by a transfer or an
// add-participant (conference) action, the two kinds kept in Transfers.
// The vendor spells the second "addParticant"; the correct spelling and a
// dashed form are accepted too.
func transferKind(startType string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(startType) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	switch b.String() {
	case "transfer":
		return "transfer", true
	case "addparticant", "addparticipant":
		return "add-participant", true
	}
	return "", false
}

// transferResult says how a transfer segment ended, in the vendor's own
// segmentEndType words (success, cancelled, customer-disconnect), which are
// the model's examples for Transfers.result. A cancelled segment (the
// agent withdrew, or the customer hung up first) is cancelled unless the
// end type says more; a segment some agent accepted is a success although
// it only ends with the interaction.
func transferResult(s segment, prev *segment) string {
	end := token(s.EndType)
	switch {
	case s.Cancelled && end != "":
		return end
	case s.Cancelled, end == "cancelled":
		return "cancelled"
	case s.To != "", prev != nil && token(prev.EndType) == "success":
		return "success"
	}
	return end
}

// workitemResult maps an agent allocation to the model's results: an offer
// withdrawn before the agent took it (agentWorkCancelTime) is Cancelled; an
// allocation whose segment ended in "success" (another agent accepted the
// transfer, which deallocates this one) is Transferred; anything else is
// Handled.
func workitemResult(a allocation, segEnd string) string {
	switch {
	case a.WorkCancelled:
		return "Cancelled"
	case token(segEnd) == "success":
		return "Transferred"
	}
	return "Handled"
}

// endedReason maps how the interaction ended to the model's vocabulary:
// Abandoned when the customer left a queue before any agent was allocated,
// CustomerDisconnected when the last segment ended with the customer
// hanging up, Default otherwise. raw is the last segment's end type.
func endedReason(ix *interaction, raw string) string {
	if ix.End.IsZero() {
		return ""
	}
	if len(ix.Agents) == 0 {
		for _, q := range ix.Queues {
			if token(q.Exit) == "abandon" {
				return "Abandoned"
			}
		}
	}
	if token(raw) == "customer-disconnect" {
		return "CustomerDisconnected"
	}
	return "Default"
}

// senderTypes maps the sender kinds a transcript may name to the model's.
var senderTypes = map[string]string{
	"customer": "customer", "visitor": "customer", "consumer": "customer", "contact": "customer", "user": "customer",
	"agent": "agent", "resource": "agent",
	"system": "system",
	"bot":    "bot",
}
