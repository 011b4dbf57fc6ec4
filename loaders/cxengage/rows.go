package cxengage

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
)

// loader writes the interactions of one file.
type loader struct {
	b *loaders.Batch
	// names holds the display names of agents and queues by CxEngage id
	// ("agent:<id>", "queue:<id>"), "" when none is known; see name.
	names map[string]string
	// queues holds the name each Queues row was written with in this load.
	queues map[string]string
	// nameless holds the agents whose row this load wrote without a name.
	nameless map[string]bool
}

func newLoader(b *loaders.Batch) *loader {
	return &loader{b: b, names: map[string]string{}, queues: map[string]string{}, nameless: map[string]bool{}}
}

// interaction loads one interaction: it is checked whole first, so a bad
// field refuses it (a reject) without writing any of its rows.
func (l *loader) interaction(raw []byte, line int64) error {
	ix, bad := parseInteraction(raw)
	if bad != nil {
		return l.b.Reject(line, bad.field, bad.reason, bad.value)
	}
	if stale, err := l.stale(ix); err != nil || stale {
		return err
	}
	return l.write(ix)
}

// stale reports whether ix is an incomplete copy of an interaction already
// loaded complete: an old export loaded after a newer pull. The API only
// ever completes an interaction, so such a copy is older and is skipped
// rather than allowed to undo the complete one. (A complete copy always
// replaces what is stored: a correction arrives complete.)
func (l *loader) stale(ix *interaction) (bool, error) {
	key := "complete:" + ix.ID
	if ix.Complete {
		_, err := l.b.Stage(key, key, 0, []byte{1}, false)
		return false, err
	}
	seen, err := l.b.StagedGroups([]string{key})
	return seen[key], err
}

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
	agentIDs, queueIDs := map[string]string{}, map[string]string{}
	agent := func(id string) (string, error) {
		if v, ok := agentIDs[id]; ok || id == "" {
			return v, nil
		}
		v, err := l.agent(id, agentNames[id])
		agentIDs[id] = v
		return v, err
	}
	queue := func(id string) (string, error) {
		if v, ok := queueIDs[id]; ok || id == "" {
			return v, nil
		}
		v, err := l.queue(id, queueNames[id])
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
			Set("agentId", loaders.NZ(aid)).Set("queuedAtUTC", q.Start).Set("dequeuedAtUTC", q.End).
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
	var lastAgent string
	for i, a := range allocs {
		aid, err := agent(a.Agent)
		if err != nil {
			return err
		}
		qid, err := queue(a.Queue)
		if err != nil {
			return err
		}
		if !a.WorkCancelled && aid != "" {
			lastAgent = aid
		}
		w := b.Row("Workitems", a.ID).Set("agentId", loaders.NZ(aid)).Set("customerId", loaders.NZ(custID)).
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
	if lastAgent == "" && len(allocs) > 0 {
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
		Set("customerId", loaders.NZ(custID)).Set("customerPhoneNumber", loaders.NZ(phone)).
		Set("customerEmailAddress", loaders.NZ(email)).Set("agentId", loaders.NZ(lastAgent)).
		Set("queueId", loaders.NZ(lastQueue)).Set("startedAtUTC", ix.Start).Set("endedAtUTC", ix.End).
		Set("durationInSeconds", seconds(ix.Duration, ix.Start, ix.End)).
		Set("conversationEndedReason", loaders.NZ(endedReason(ix, lastEnd))).
		Set("contactPoint", loaders.NZ(ix.ContactPoint)).Set("workflowName", loaders.NZ(ix.Flow)).
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
	agent, queue func(string) (string, error)) error {
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
			Set("fromAgentId", loaders.NZ(from)).Set("toAgentId", loaders.NZ(to)).Set("reason", kind).
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
