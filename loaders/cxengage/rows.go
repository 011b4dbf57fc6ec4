package cxengage

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// loader writes the interactions of one file.
type loader struct {
	b *loaders.Batch
}

func newLoader(b *loaders.Batch) *loader { return &loader{b: b} }

// interaction loads one interaction: it is checked whole first, so a bad
// field refuses it (a reject) without writing any of its rows. Every
// distinct copy of an interaction is kept (loaders.StageCopy), and its rows
// are derived from all of them, newest first (see newer), merged field by
// field: an incomplete copy loaded after the complete one fills nothing the
// complete one has, and which copy came last does not matter.
func (l *loader) interaction(raw []byte, line int64) error {
	ix, bad := parseInteraction(raw)
	if bad != nil {
		return l.b.Reject(line, bad.field, bad.reason, bad.value)
	}
	b := l.b
	record := "interaction:" + ix.ID
	_, isNew, err := b.StageCopy(record, raw)
	if err != nil || !isNew {
		return err
	}
	if only, err := b.OnlyCopy(record); err != nil || only {
		if err != nil {
			return err
		}
		return l.write(ix)
	}
	copies, err := b.Copies(record)
	if err != nil {
		return err
	}
	type versioned struct {
		ix   *interaction
		hash string
	}
	var vs []versioned
	for _, cp := range copies {
		if x, bad := parseInteraction(cp.Payload); bad == nil {
			vs = append(vs, versioned{x, cp.Hash})
		}
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if c := newer(vs[i].ix, vs[j].ix); c != 0 {
			return c > 0
		}
		return vs[i].hash < vs[j].hash
	})
	sets := make([][]*store.Row, 0, len(vs))
	for _, v := range vs {
		rows, err := b.Collect(func() error { return l.write(v.ix) })
		if err != nil {
			return err
		}
		sets = append(sets, rows)
	}
	// The newest copy says whether the interaction is still flagged: a
	// complete copy clears the flag of an incomplete one.
	for _, r := range loaders.MergeRows(sets, "Conversations.flagType") {
		if err := b.Put(r); err != nil {
			return err
		}
	}
	return nil
}

// newer compares two copies of one interaction: a complete copy is newer
// than an incomplete one (the API only ever completes an interaction), then
// the one that ended (or, open, started) later, then the one whose latest
// time anywhere is later. 0: they cannot be told apart.
func newer(a, b *interaction) int {
	if a.Complete != b.Complete {
		if a.Complete {
			return 1
		}
		return -1
	}
	for _, p := range [][2]time.Time{{a.End, b.End}, {latest(a), latest(b)}} {
		if c := p[0].Compare(p[1]); c != 0 {
			return c
		}
	}
	return 0
}

// latest is the latest time an interaction mentions.
func latest(ix *interaction) time.Time {
	t := ix.End
	if ix.Start.After(t) {
		t = ix.Start
	}
	for _, s := range ix.Segments {
		t = later(t, s.Start, s.End)
	}
	for _, q := range ix.Queues {
		t = later(t, q.Start, q.End)
	}
	for _, a := range ix.Agents {
		t = later(t, a.Start, a.End)
	}
	for _, h := range ix.Hooks {
		t = later(t, h.At)
	}
	return t
}

func later(t time.Time, ts ...time.Time) time.Time {
	for _, x := range ts {
		if x.After(t) {
			t = x
		}
	}
	return t
}

// fresh is when an interaction's statements about people and queues were
// current.
func fresh(ix *interaction) int64 { return latest(ix).UnixMilli() }

// write replaces every row of the interaction. Each row is keyed by the
// vendor's id for it, so a newer copy updates the same rows and an
// unchanged copy leaves them as they are.
func (l *loader) write(ix *interaction) error {
	b := l.b
	conv := b.ID(ix.ID)

	// Agents and queues: names from agents[] and queues[] first, so that
	// ids met elsewhere (a segment's agents) find them.
	agentNames, queueNames := map[string]string{}, map[string]string{}
	for _, a := range ix.Agents {
		if a.Agent != "" && a.Name != "" {
			agentNames[a.Agent] = a.Name
		}
	}
	for _, q := range ix.Queues {
		if q.Queue != "" && q.Name != "" {
			queueNames[q.Queue] = q.Name
		}
	}
	agentIDs, queueIDs := map[string]loaders.PersonRef{}, map[string]string{}
	agent := func(id string) (loaders.PersonRef, error) {
		if v, ok := agentIDs[id]; ok || id == "" {
			return v, nil
		}
		v, err := l.agent(ix, id, agentNames[id])
		agentIDs[id] = v
		return v, err
	}
	platforms := map[string]string{}
	for _, q := range ix.Queues {
		if q.Queue != "" && q.Platform != "" {
			platforms[q.Queue] = q.Platform
		}
	}
	queue := func(id string) (string, error) {
		if v, ok := queueIDs[id]; ok || id == "" {
			return v, nil
		}
		v, err := l.queue(ix, id, queueNames[id], platforms[id])
		queueIDs[id] = v
		return v, err
	}
	for _, a := range ix.Agents {
		if _, err := agent(a.Agent); err != nil {
			return err
		}
	}
	custID, phone, email, err := l.customer(ix)
	if err != nil {
		return err
	}

	segs := append([]segment(nil), ix.Segments...)
	sort.SliceStable(segs, func(i, j int) bool { return segBefore(segs[i], segs[j]) })
	segEnd := map[string]string{}
	for _, s := range segs {
		segEnd[s.ID] = s.EndType
	}

	// Queue segments, in the order they were entered.
	queues := append([]queueEntry(nil), ix.Queues...)
	sort.SliceStable(queues, func(i, j int) bool { return queues[i].Start.Before(queues[j].Start) })
	var lastQueue string
	for _, q := range queues {
		qid, err := queue(q.Queue)
		if err != nil {
			return err
		}
		aid, err := agent(q.Agent)
		if err != nil {
			return err
		}
		if qid != "" {
			lastQueue = qid
		}
		r := b.Row("QueueSegments", q.ID).Set("conversationId", conv).Set("queueId", loaders.NZ(qid)).
			Set("agentId", aid).Set("queuedAtUTC", q.Start).Set("dequeuedAtUTC", q.End).
			Set("durationInSeconds", seconds(q.Time, q.Start, q.End)).
			Set("dequeuedReason", loaders.NZ(dequeuedReason(q.Exit))).Set("sourceDequeuedReason", loaders.NZ(q.Exit)).
			Set("entryType", loaders.NZ(q.Entry)).Set("slaAbandoned", q.SLAAbandoned.val()).
			Set("slaTimeInSeconds", q.SLATime.val())
		if err := b.Put(r); err != nil {
			return err
		}
	}

	// Workitems, one per agent allocation. The disposition is the last
	// agent's completion code: it is chosen in the wrap-up that closes the
	// interaction, not by an agent who transferred it on.
	allocs := append([]allocation(nil), ix.Agents...)
	sort.SliceStable(allocs, func(i, j int) bool { return allocs[i].Start.Before(allocs[j].Start) })
	var lastAgent loaders.PersonRef
	for i, a := range allocs {
		aid, err := agent(a.Agent)
		if err != nil {
			return err
		}
		qid, err := queue(a.Queue)
		if err != nil {
			return err
		}
		if !a.WorkCancelled && !aid.IsZero() {
			lastAgent = aid
		}
		w := b.Row("Workitems", a.ID).Set("agentId", aid).Set("customerId", custID).
			Set("queueId", loaders.NZ(qid)).Set("primaryConversationId", conv).
			Set("mediaType", loaders.NZ(strings.ToLower(ix.Channel))).Set("startTimeUTC", a.Start).Set("endTimeUTC", a.End).
			Set("durationInSeconds", seconds(num{}, a.Start, a.End)).
			Set("result", workitemResult(a, segEnd[a.Segment])).Set("sourceResult", loaders.NZ(segEnd[a.Segment]))
		if i == len(allocs)-1 {
			w.Set("completionCode", loaders.NZ(firstNonEmpty(ix.Disposition, ix.DispoID)))
		}
		if err := b.Put(w); err != nil {
			return err
		}
	}
	if lastAgent.IsZero() && len(allocs) > 0 {
		lastAgent = agentIDs[allocs[len(allocs)-1].Agent]
	}

	if err := l.transfers(ix, conv, segs, queues, agent, queue); err != nil {
		return err
	}

	// The conversation. How it ended is told by the segment that ended
	// last: a later-numbered one (a cancelled add-participant) may have
	// ended long before the call.
	var lastEnd string
	var lastAt time.Time
	for _, s := range segs {
		if !s.End.Before(lastAt) {
			lastEnd, lastAt = s.EndType, s.End
		}
	}
	media := mediaType(ix.Channel)
	c := b.Row("Conversations", ix.ID).Set("mediaType", media).Set("channelType", loaders.NZ(ix.Channel)).
		Set("customerId", custID).Set("customerPhoneNumber", loaders.NZ(phone)).
		Set("customerEmailAddress", loaders.NZ(email)).Set("agentId", lastAgent).
		Set("queueId", loaders.NZ(lastQueue)).Set("startedAtUTC", ix.Start).Set("endedAtUTC", ix.End).
		Set("durationInSeconds", seconds(ix.Duration, ix.Start, ix.End)).
		Set("conversationEndedReason", loaders.NZ(endedReason(ix, lastEnd))).
		Set("contactPoint", loaders.NZ(ix.ContactPoint)).Set("workflowName", loaders.NZ(ix.Flow)).
		Set("workflowId", loaders.NZ(ix.FlowID)).Set("contactId", loaders.NZ(ix.ContactID)).
		Set("outboundIdentifier", loaders.NZ(ix.Outbound.Value)).Set("outboundIdentifierId", loaders.NZ(ix.Outbound.ID)).
		Set("outboundIdentifierName", loaders.NZ(ix.Outbound.Name)).
		Set("csat", ix.CSAT.val()).Set("isComplete", ix.Complete).Set("flagType", loaders.NZ(ix.FlagType))
	if ix.End.IsZero() {
		c.Set("status", "open")
	} else {
		c.Set("status", "closed").Set("sourceEndedReason", loaders.NZ(lastEnd))
	}
	switch ix.Direction {
	case "inbound":
		c.Set("isOutbound", false)
	case "outbound":
		c.Set("isOutbound", true)
	}
	if media == edm.MediaVoice {
		c.Set("channelPhoneNumber", loaders.NZ(ix.ContactPoint))
	}
	if ix.Holds.ok {
		c.Set("holdCount", int64(math.Round(ix.Holds.v)))
	}
	c.Set("holdDurationInSeconds", ix.HoldTime.val())
	var notes string
	if json.Unmarshal(ix.Notes, &notes) == nil {
		c.Set("summary", loaders.NZ(strings.TrimSpace(notes)))
	}
	if err := b.Put(c); err != nil {
		return err
	}
	return l.captured(ix, conv, agentIDs)
}

// transfers writes a Transfers row for each segment started by a transfer
// or an add-participant action: from the agent who started it to the agent
// who accepted, through the queue the segment waited in.
func (l *loader) transfers(ix *interaction, conv string, segs []segment, queues []queueEntry,
	agent func(string) (loaders.PersonRef, error), queue func(string) (string, error)) error {
	for i, s := range segs {
		kind, ok := transferKind(s.StartType)
		if !ok {
			continue
		}
		from, err := agent(s.From)
		if err != nil {
			return err
		}
		to, err := agent(s.To)
		if err != nil {
			return err
		}
		// The queue the segment waited in, and the one the conversation
		// was in before it (the last queue of an earlier segment).
		earlier := map[string]bool{}
		for _, p := range segs[:i] {
			earlier[p.ID] = true
		}
		var toQ, fromQ *queueEntry
		for k := range queues {
			q := &queues[k]
			if q.Segment == s.ID && toQ == nil {
				toQ = q
			}
			if earlier[q.Segment] {
				fromQ = q
			}
		}
		var prev *segment
		if i > 0 {
			prev = &segs[i-1]
		}
		t := l.b.Row("Transfers", s.ID).Set("conversationId", conv).Set("transferredAtUTC", s.Start).
			Set("fromAgentId", from).Set("toAgentId", to).Set("reason", kind).
			Set("result", loaders.NZ(transferResult(s, prev)))
		if s.From != "" {
			t.Set("initiatedBy", "agent")
		} else {
			t.Set("initiatedBy", "workflow")
		}
		if fromQ != nil {
			id, err := queue(fromQ.Queue)
			if err != nil {
				return err
			}
			t.Set("fromQueueId", loaders.NZ(id))
		}
		switch {
		case toQ != nil:
			id, err := queue(toQ.Queue)
			if err != nil {
				return err
			}
			t.Set("transferType", "queue").Set("toQueueId", loaders.NZ(id)).
				Set("queueTimeInSeconds", seconds(toQ.Time, toQ.Start, toQ.End))
		case s.To != "":
			t.Set("transferType", "agent")
		}
		if err := l.b.Put(t); err != nil {
			return err
		}
	}
	return nil
}

// seconds is a duration the source gives, or else the time between start
// and end; nil when neither is known.
func seconds(given num, start, end time.Time) any {
	if given.ok {
		return given.v
	}
	if start.IsZero() || end.IsZero() || end.Before(start) {
		return nil
	}
	return float64(end.Sub(start).Milliseconds()) / 1000
}

// segBefore orders segments by number, then start.
func segBefore(a, b segment) bool {
	if a.Number.ok && b.Number.ok && a.Number.v != b.Number.v {
		return a.Number.v < b.Number.v
	}
	return a.Start.Before(b.Start)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
