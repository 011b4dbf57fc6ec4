package cxengage

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// The raw* types follow the reporting API's field names. Every scalar is
// one of the tolerant types below: the API leaves null values out unless
// asked for them, and ids or numbers may arrive quoted.

type rawInteraction struct {
	InteractionID       text            `json:"interactionId"`
	StartTimestamp      text            `json:"startTimestamp"`
	Start               text            `json:"start"`
	EndTimestamp        text            `json:"endTimestamp"`
	End                 text            `json:"end"`
	ChannelType         text            `json:"channelType"`
	Direction           text            `json:"direction"`
	Customer            text            `json:"customer"`
	ContactPoint        text            `json:"contactPoint"`
	ContactID           text            `json:"contactId"`
	FlowName            text            `json:"flowName"`
	FlowID              text            `json:"flowId"`
	OutboundIdentifier  *rawOutbound    `json:"outboundIdentifier"`
	InteractionTime     num             `json:"interactionTime"`
	CustomerHolds       num             `json:"customerHolds"`
	CustomerHoldTime    num             `json:"customerHoldTime"`
	CSAT                num             `json:"csat"`
	SatisfactionScore   num             `json:"customerSatisfactionScore"`
	DataComplete        flag            `json:"dataComplete"`
	Flagged             flag            `json:"flagged"`
	FlagType            text            `json:"flagType"`
	DispositionName     text            `json:"dispositionName"`
	DispositionID       text            `json:"dispositionId"`
	Notes               json.RawMessage `json:"notes"`
	MessagingTranscript json.RawMessage `json:"messagingTranscript"`
	AudioRecording      json.RawMessage `json:"audioRecording"`
	Segments            []rawSegment    `json:"segments"`
	Queues              []rawQueue      `json:"queues"`
	Agents              []rawAgent      `json:"agents"`
	Hooks               []rawHook       `json:"hooks"`
	Details             *rawDetails     `json:"details"`
}

// rawDetails repeats some top-level fields; it fills the ones missing there.
type rawDetails struct {
	StartTimestamp text `json:"startTimestamp"`
	EndTimestamp   text `json:"endTimestamp"`
	Customer       text `json:"customer"`
	ContactPoint   text `json:"contactPoint"`
	ContactID      text `json:"contactId"`
	CSAT           num  `json:"csat"`
	Direction      text `json:"direction"`
	ChannelType    text `json:"channelType"`
}

type rawSegment struct {
	InteractionSegmentID text `json:"interactionSegmentId"`
	SegmentNumber        num  `json:"segmentNumber"`
	SegmentStartType     text `json:"segmentStartType"`
	SegmentEndType       text `json:"segmentEndType"`
	SegmentCancelled     flag `json:"segmentCancelled"`
	StartTimestamp       text `json:"startTimestamp"`
	EndTimestamp         text `json:"endTimestamp"`
	SegmentAgentID       text `json:"segmentAgentId"`
	SegmentToAgentID     text `json:"segmentToAgentId"`
}

// rawOutbound is the address an outbound interaction showed the customer.
// The vendor's reference spells the name field outboundIdentitiferName;
// both spellings are read.
type rawOutbound struct {
	InteractionOutboundIdentifierID text `json:"interactionOutboundIdentifierID"`
	OutboundIdentifierID            text `json:"outboundIdentifierId"`
	OutboundIdentifierValue         text `json:"outboundIdentifierValue"`
	OutboundIdentifierName          text `json:"outboundIdentifierName"`
	OutboundIdentitiferName         text `json:"outboundIdentitiferName"`
}

type rawQueue struct {
	InteractionQueueID   text `json:"interactionQueueId"`
	PlatformQueueID      text `json:"platformQueueId"`
	QueueType            text `json:"queueType"`
	InteractionSegmentID text `json:"interactionSegmentId"`
	QueueID              text `json:"queueId"`
	QueueName            text `json:"queueName"`
	QueueExitType        text `json:"queueExitType"`
	QueueEntryType       text `json:"queueEntryType"`
	AgentID              text `json:"agentId"`
	StartTimestamp       text `json:"startTimestamp"`
	EndTimestamp         text `json:"endTimestamp"`
	QueueTime            num  `json:"queueTime"`
	SLATime              num  `json:"slaTime"`
	SLAAbandoned         flag `json:"slaAbandoned"`
}

type rawAgent struct {
	InteractionAgentID   text `json:"interactionAgentId"`
	InteractionSegmentID text `json:"interactionSegmentId"`
	AgentID              text `json:"agentId"`
	AgentName            text `json:"agentName"`
	QueueID              text `json:"queueId"`
	StartTimestamp       text `json:"startTimestamp"`
	EndTimestamp         text `json:"endTimestamp"`
	AgentWorkCancelTime  num  `json:"agentWorkCancelTime"`
}

type rawHook struct {
	InteractionHookID text `json:"interactionHookId"`
	HookID            text `json:"hookId"`
	HookName          text `json:"hookName"`
	HookType          text `json:"hookType"`
	HookSubType       text `json:"hookSubType"`
	Timestamp         text `json:"timestamp"`
}

// interaction is one interaction, checked and with its times parsed.
type interaction struct {
	ID                       string
	Start, End               time.Time
	Channel, Direction       string
	Customer, ContactPoint   string
	ContactID, Flow, FlowID  string
	Outbound                 outbound
	Duration, Holds          num
	HoldTime, CSAT           num
	Complete                 bool
	FlagType                 string // empty when not flagged
	Disposition, DispoID     string
	Notes, Transcript, Audio json.RawMessage
	Segments                 []segment
	Queues                   []queueEntry
	Agents                   []allocation
	Hooks                    []hook
	// Stats are top-level numbers that no column holds (ivrTime,
	// customerTalkTime and whatever the API adds), by name.
	Stats []stat
}

type segment struct {
	ID, StartType, EndType string
	Number                 num
	Cancelled              bool
	Start, End             time.Time
	From, To               string // CxEngage agent ids
}

// outbound is the outbound identifier an interaction showed the customer.
type outbound struct{ Value, ID, Name string }

type queueEntry struct {
	ID, Segment        string
	Queue, Name        string
	Platform, Type     string
	Exit, Entry, Agent string
	Start, End         time.Time
	Time, SLATime      num
	SLAAbandoned       flag
}

type allocation struct {
	ID, Segment, Agent, Name, Queue string
	Start, End                      time.Time
	WorkCancelled                   bool
}

type hook struct {
	ID, HookID, Name, Type, SubType string
	At                              time.Time
}

type stat struct {
	Name, Raw string
	Value     float64
}

// mapped are the top-level numbers that have a column of their own.
var mapped = map[string]bool{"interactionTime": true, "customerHolds": true, "customerHoldTime": true,
	"csat": true, "customerSatisfactionScore": true}

// badField says which field of an interaction cannot be used, and why.
type badField struct{ field, reason, value string }

// parseInteraction decodes and checks one interaction. A field it cannot
// read refuses the whole interaction: half an interaction would replace a
// good earlier copy with a worse one.
func parseInteraction(raw []byte) (*interaction, *badField) {
	var r rawInteraction
	if err := json.Unmarshal(raw, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, &badField{te.Field, "expected " + typeName(te.Type) + ", found " + te.Value, ""}
		}
		return nil, &badField{"", "not an interaction: " + err.Error(), ""}
	}
	if r.InteractionID == "" {
		return nil, &badField{"interactionId", "missing interactionId", ""}
	}
	d := r.Details
	if d == nil {
		d = &rawDetails{}
	}
	ix := &interaction{
		ID:           string(r.InteractionID),
		Channel:      first(r.ChannelType, d.ChannelType),
		Direction:    strings.ToLower(first(r.Direction, d.Direction)),
		Customer:     first(r.Customer, d.Customer),
		ContactPoint: first(r.ContactPoint, d.ContactPoint),
		ContactID:    first(r.ContactID, d.ContactID),
		Flow:         string(r.FlowName),
		FlowID:       string(r.FlowID),
		Duration:     r.InteractionTime,
		Holds:        r.CustomerHolds,
		HoldTime:     r.CustomerHoldTime,
		CSAT:         firstNum(r.CSAT, d.CSAT, r.SatisfactionScore),
		Disposition:  string(r.DispositionName),
		DispoID:      string(r.DispositionID),
		Notes:        nonNull(r.Notes),
		Transcript:   nonNull(r.MessagingTranscript),
		Audio:        nonNull(r.AudioRecording),
	}
	p := &timeParser{}
	ix.Start = p.time("startTimestamp", first(r.StartTimestamp, r.Start, d.StartTimestamp))
	ix.End = p.time("endTimestamp", first(r.EndTimestamp, r.End, d.EndTimestamp))
	if p.bad == nil && ix.Start.IsZero() {
		return nil, &badField{"startTimestamp", "missing startTimestamp", ""}
	}
	// dataComplete is always sent (false is not null); should it be
	// missing, an interaction with an end is taken as complete.
	ix.Complete = r.DataComplete.v
	if !r.DataComplete.ok {
		ix.Complete = !ix.End.IsZero()
	}
	ix.FlagType = flagType(r.Flagged, string(r.FlagType))

	for i, s := range r.Segments {
		f := fmt.Sprintf("segments[%d].", i)
		if _, ok := transferKind(string(s.SegmentStartType)); ok && s.InteractionSegmentID == "" && p.bad == nil {
			p.bad = &badField{f + "interactionSegmentId", "missing interactionSegmentId (the transfer's key)", ""}
		}
		ix.Segments = append(ix.Segments, segment{ID: string(s.InteractionSegmentID), Number: s.SegmentNumber,
			StartType: string(s.SegmentStartType), EndType: string(s.SegmentEndType), Cancelled: s.SegmentCancelled.v,
			Start: p.time(f+"startTimestamp", string(s.StartTimestamp)), End: p.time(f+"endTimestamp", string(s.EndTimestamp)),
			From: string(s.SegmentAgentID), To: string(s.SegmentToAgentID)})
	}
	for i, q := range r.Queues {
		f := fmt.Sprintf("queues[%d].", i)
		ix.Queues = append(ix.Queues, queueEntry{ID: string(q.InteractionQueueID), Segment: string(q.InteractionSegmentID),
			Queue: string(q.QueueID), Name: string(q.QueueName), Platform: string(q.PlatformQueueID), Type: string(q.QueueType),
			Exit: string(q.QueueExitType), Entry: string(q.QueueEntryType),
			Agent: string(q.AgentID), Start: p.time(f+"startTimestamp", string(q.StartTimestamp)),
			End: p.time(f+"endTimestamp", string(q.EndTimestamp)), Time: q.QueueTime, SLATime: q.SLATime, SLAAbandoned: q.SLAAbandoned})
		if q.InteractionQueueID == "" && p.bad == nil {
			p.bad = &badField{f + "interactionQueueId", "missing interactionQueueId (the queue entry's key)", ""}
		}
	}
	for i, a := range r.Agents {
		f := fmt.Sprintf("agents[%d].", i)
		ix.Agents = append(ix.Agents, allocation{ID: string(a.InteractionAgentID), Segment: string(a.InteractionSegmentID),
			Agent: string(a.AgentID), Name: string(a.AgentName), Queue: string(a.QueueID),
			Start: p.time(f+"startTimestamp", string(a.StartTimestamp)), End: p.time(f+"endTimestamp", string(a.EndTimestamp)),
			WorkCancelled: a.AgentWorkCancelTime.ok})
		if a.InteractionAgentID == "" && p.bad == nil {
			p.bad = &badField{f + "interactionAgentId", "missing interactionAgentId (the agent allocation's key)", ""}
		}
	}
	for i, h := range r.Hooks {
		ix.Hooks = append(ix.Hooks, hook{ID: string(h.InteractionHookID), HookID: string(h.HookID), Name: string(h.HookName),
			Type: string(h.HookType), SubType: string(h.HookSubType), At: p.time(fmt.Sprintf("hooks[%d].timestamp", i), string(h.Timestamp))})
	}
	if o := r.OutboundIdentifier; o != nil {
		ix.Outbound = outbound{Value: string(o.OutboundIdentifierValue), ID: string(o.OutboundIdentifierID),
			Name: first(o.OutboundIdentifierName, o.OutboundIdentitiferName)}
	}
	if p.bad != nil {
		return nil, p.bad
	}
	ix.Stats = stats(raw)
	return ix, nil
}

// stats collects the top-level numbers without a column, sorted by name.
func stats(raw []byte) []stat {
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return nil
	}
	var out []stat
	for k, v := range top {
		if mapped[k] || len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
			continue
		}
		if f, err := strconv.ParseFloat(string(v), 64); err == nil {
			out = append(out, stat{Name: k, Raw: string(v), Value: f})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// flagType is why the interaction is flagged, or "" when it is not. The
// vendor lists "null" among the flag types, meaning "not flagged".
func flagType(flagged flag, typ string) string {
	if strings.EqualFold(typ, "null") {
		typ = ""
	}
	switch {
	case flagged.ok && !flagged.v:
		return ""
	case flagged.v && typ == "":
		return "flagged"
	}
	return typ
}

// timeParser parses the times of one interaction and keeps the first error.
type timeParser struct{ bad *badField }

func (p *timeParser) time(field, s string) time.Time {
	t, err := parseTime(s)
	if err != nil && p.bad == nil {
		p.bad = &badField{field, "not an ISO 8601 date-time", s}
	}
	return t
}

// parseTime reads a reporting timestamp: ISO 8601 in UTC ("Z"); one without
// an offset is UTC too, as the API documents all its times. One of the
// vendor's own examples writes midnight as hour 24 ("...T24:00:00.000Z"),
// which ISO 8601 allows: it is read as 00:00 of the next day. Any other
// time in hour 24 is an error.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) > 13 && (s[10] == 'T' || s[10] == 't' || s[10] == ' ') && s[11:13] == "24" {
		rest := s[13:]
		for i := 0; i < len(rest); i++ {
			c := rest[i]
			if c == 'Z' || c == 'z' || c == '+' || c == '-' {
				break
			}
			if c != '0' && c != ':' && c != '.' {
				return time.Time{}, fmt.Errorf("not a date-time: %q (hour 24 is only 24:00:00)", s)
			}
		}
		t, err := loaders.ParseTime(s[:11]+"00"+rest, time.UTC)
		if err != nil {
			return time.Time{}, err
		}
		return t.Add(24 * time.Hour).UTC(), nil
	}
	t, err := loaders.ParseTime(s, time.UTC)
	return t.UTC(), err
}

// text is a string field that also takes a number written without quotes
// (an id), a boolean, or null (read as empty). Blanks around it are dropped.
type text string

func (s *text) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		if loaders.NoValue(loaders.SentinelCxText, v) {
			v = ""
		}
		*s = text(strings.TrimSpace(v))
	case string(b) == "true", string(b) == "false", len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*s = text(b)
	default:
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[string]()}
	}
	return nil
}

// num is a number that may be missing, null, or written as a string.
type num struct {
	v  float64
	ok bool
}

func (n *num) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*n = num{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s = strings.TrimSpace(s); s == "" {
			*n = num{}
			return nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[float64]()}
	}
	*n = num{v, true}
	return nil
}

// val is the number, or nil (NULL) when missing.
func (n num) val() any {
	if !n.ok {
		return nil
	}
	return n.v
}

// flag is a boolean that may be missing, null, or "true"/"false".
type flag struct{ v, ok bool }

func (f *flag) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(strings.Trim(string(b), `"`)) {
	case "null", "":
		*f = flag{}
	case "true":
		*f = flag{true, true}
	case "false":
		*f = flag{false, true}
	default:
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[bool]()}
	}
	return nil
}

// val is the boolean, or nil (NULL) when missing.
func (f flag) val() any {
	if !f.ok {
		return nil
	}
	return f.v
}

func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string " + loaders.Excerpt(string(b), 40)
	case 't', 'f':
		return "bool"
	}
	return "number " + loaders.Excerpt(string(b), 40)
}

func typeName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[text](), reflect.TypeFor[string]():
		return "text"
	case reflect.TypeFor[num](), reflect.TypeFor[float64]():
		return "a number"
	case reflect.TypeFor[flag](), reflect.TypeFor[bool]():
		return "true or false"
	}
	switch t.Kind() {
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Pointer:
		return "an object"
	}
	return t.String()
}

func first(vs ...text) string {
	for _, v := range vs {
		if v != "" {
			return string(v)
		}
	}
	return ""
}

func firstNum(vs ...num) num {
	for _, v := range vs {
		if v.ok {
			return v
		}
	}
	return num{}
}

func nonNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 || string(r) == "null" {
		return nil
	}
	return r
}
