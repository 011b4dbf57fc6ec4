package ino

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// flush rebuilds the interactions and SMS this file touched.
func (l *loader) flush() error {
	if err := l.flushSMS(); err != nil {
		return err
	}
	if len(l.pending) == 0 {
		return nil
	}
	iids := make([]string, 0, len(l.pending))
	for iid := range l.pending {
		iids = append(iids, iid)
	}
	clear(l.pending)
	sort.Strings(iids)
	return l.rebuild(iids)
}

// staged is one copy of a staged row, with what orders it among the copies
// of the same row.
type staged struct {
	payload []byte
	hash    string
	end     int64 // the row's end: a re-export that saw the end is newer
	later   int64 // its latest other time
}

// newest orders copies of one row newest first: the one that ended later,
// then the one with a later time elsewhere, then (copies a re-export cannot
// order) the smaller content hash.
func newest(cs []staged) {
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.end != b.end {
			return a.end > b.end
		}
		if a.later != b.later {
			return a.later > b.later
		}
		return a.hash < b.hash
	})
}

// rebuild derives every row of the interactions from all the rows staged
// for them, from this file and earlier ones, of both exports: the
// distributions give queue segments, workitems and transfers, and the
// conversation (an interaction exported only as distributions is a
// conversation too); the messages export gives the conversation's own
// fields, which come first. Copies of one row (exports that overlap) are
// merged, newest first (loaders.MergeObjects).
func (l *loader) rebuild(iids []string) error {
	groups := make([]string, 0, 2*len(iids))
	for _, iid := range iids {
		groups = append(groups, iid, messagesGroup+iid)
	}
	type rows struct {
		dists    map[string][]staged
		sessions map[string][]staged
	}
	byIID := map[string]*rows{}
	err := l.b.Staged(groups, func(g string, payload []byte) error {
		iid, isSession := strings.CutPrefix(g, messagesGroup)
		r := byIID[iid]
		if r == nil {
			r = &rows{dists: map[string][]staged{}, sessions: map[string][]staged{}}
			byIID[iid] = r
		}
		cp := staged{payload: payload, hash: loaders.ContentHash(payload)}
		if isSession {
			var s session
			if err := json.Unmarshal(payload, &s); err != nil {
				return fmt.Errorf("ino: staged row of %s: %w", g, err)
			}
			cp.end, cp.later = s.End, s.DistStart
			r.sessions[s.key()] = append(r.sessions[s.key()], cp)
			return nil
		}
		var d dist
		if err := json.Unmarshal(payload, &d); err != nil {
			return fmt.Errorf("ino: staged row of %s: %w", g, err)
		}
		cp.end, cp.later = d.End, max(d.TrRelease, d.TrDate)
		r.dists[d.key()] = append(r.dists[d.key()], cp)
		return nil
	})
	if err != nil {
		return err
	}
	for _, iid := range iids {
		r := byIID[iid]
		if r == nil {
			continue
		}
		var ds []dist
		for _, k := range sortedKeys(r.dists) {
			var d dist
			if err := mergeCopies(r.dists[k], &d); err != nil {
				return err
			}
			ds = append(ds, d)
		}
		var ss []session
		for _, k := range sortedKeys(r.sessions) {
			var s session
			if err := mergeCopies(r.sessions[k], &s); err != nil {
				return err
			}
			ss = append(ss, s)
		}
		if err := l.deriveInteraction(iid, ds, ss); err != nil {
			return err
		}
	}
	return nil
}

func mergeCopies(cs []staged, dst any) error {
	newest(cs)
	payloads := make([][]byte, len(cs))
	for i, c := range cs {
		payloads[i] = c.payload
	}
	merged, err := loaders.MergeObjects(payloads)
	if err != nil {
		return err
	}
	return json.Unmarshal(merged, dst)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (l *loader) queueID(name string, fresh int64) (string, error) {
	if name == "" {
		return "", nil
	}
	native := "queue:" + slug(name)
	// Names that differ only in case or punctuation are one queue; the
	// freshest export's spelling is its name.
	name, err := l.b.Claim(native+":name", fresh, name)
	if err != nil {
		return "", err
	}
	if err := l.b.Put(l.b.Row("Queues", native).Set("name", name)); err != nil {
		return "", err
	}
	return l.b.ID(native), nil
}

// deriveInteraction writes the rows of one interaction.
func (l *loader) deriveInteraction(iid string, ds []dist, ss []session) error {
	b := l.b
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Start < ds[j].Start })
	sort.SliceStable(ss, func(i, j int) bool {
		if ss[i].DistStart != ss[j].DistStart {
			return ss[i].DistStart < ss[j].DistStart
		}
		return ss[i].Start < ss[j].Start
	})
	conv := b.ID(iid)
	var convRows [][]*store.Row
	if len(ss) > 0 {
		c, err := l.sessionConversation(iid, ss)
		if err != nil {
			return err
		}
		convRows = append(convRows, []*store.Row{c})
	}
	if len(ds) > 0 {
		c, err := l.distConversation(iid, ds)
		if err != nil {
			return err
		}
		convRows = append(convRows, []*store.Row{c})
	}
	for _, r := range loaders.MergeRows(convRows) {
		if err := b.Put(r); err != nil {
			return err
		}
	}
	prevTransfer := false
	for _, d := range ds {
		qid, err := l.queueID(d.Queue, d.Start)
		if err != nil {
			return err
		}
		start := time.UnixMilli(d.Start)
		suffix := fmt.Sprintf("%d", d.Start)
		if !d.ToUser {
			q := b.Row("QueueSegments", iid+":q:"+slug(d.Queue)+":"+suffix).Set("conversationId", conv).
				Set("queueId", loaders.NZ(qid)).Set("queuedAtUTC", start).Set("durationInSeconds", num(d.Wait)).
				Set("dequeuedReason", loaders.NZ(dequeuedReason(d.Detailed))).Set("sourceDequeuedReason", loaders.NZ(d.Detailed))
			// A queue row's end date is when the whole distribution ended
			// (the agent's row ends at the same moment); the customer
			// left the queue after the wait time, at once when it is zero.
			// A row with neither is still queued.
			if d.Wait != nil && (*d.Wait > 0 || d.End > 0) {
				q.Set("dequeuedAtUTC", start.Add(time.Duration(*d.Wait*float64(time.Second))))
			} else if d.Wait == nil && d.End > 0 {
				q.Set("dequeuedAtUTC", time.UnixMilli(d.End))
			}
			if prevTransfer {
				q.Set("entryType", "transfer")
			}
			if err := b.Put(q); err != nil {
				return err
			}
		} else {
			agentID, err := l.agent(d.User, d.Start)
			if err != nil {
				return err
			}
			custID, err := l.party(d.Party, d.Start)
			if err != nil {
				return err
			}
			w := b.Row("Workitems", iid+":w:"+slug(d.User)+":"+suffix).Set("agentId", agentID).
				Set("queueId", loaders.NZ(qid)).Set("primaryConversationId", conv).Set("customerId", custID).
				Set("mediaType", loaders.NZ(strings.ToLower(d.Media))).Set("startTimeUTC", start).
				Set("activeDurationInSeconds", num(d.Exchange)).Set("wrapUpDuration", num(d.Post)).
				Set("result", workitemResult(d.Status, d.Detailed)).Set("sourceResult", loaders.NZ(d.Detailed))
			if d.Total != nil {
				w.Set("durationInSeconds", *d.Total)
			} else if d.End > 0 {
				w.Set("durationInSeconds", float64(d.End-d.Start)/1000)
			}
			if d.End > 0 {
				w.Set("endTimeUTC", time.UnixMilli(d.End))
			}
			if err := b.Put(w); err != nil {
				return err
			}
		}
		at := "dist:" + suffix + ":q:" + slug(d.Queue)
		if d.ToUser {
			at = "dist:" + suffix + ":u:" + slug(d.User)
		}
		if err := l.captured(iid, at, d.Extra, d.Start); err != nil {
			return err
		}
		prevTransfer = d.Transfer
		if !d.Transfer {
			continue
		}
		if err := l.transfer(iid, conv, qid, d); err != nil {
			return err
		}
	}
	for _, s := range ss {
		if err := l.captured(iid, fmt.Sprintf("session:%d:%d", s.Start, s.DistStart), s.Extra, s.Start); err != nil {
			return err
		}
	}
	return nil
}

// num is a measured duration, or NULL.
func num(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// captured keeps the cells of columns no property takes.
func (l *loader) captured(iid, at string, extra map[string]string, ts int64) error {
	for _, h := range sortedKeys(extra) {
		r := l.b.Row("CapturedData", iid+":"+at+":"+slug(h)).Set("conversationId", l.b.ID(iid)).
			Set("category", "ino").Set("name", h).Set("value", extra[h]).Set("valueType", "string").
			Set("timestampUTC", time.UnixMilli(ts))
		if err := l.b.Put(r); err != nil {
			return err
		}
	}
	return nil
}

// distConversation is the conversation as the distributions tell it: from
// the first distribution's start to the last one's end, through the first
// queue, last handled by the last user.
func (l *loader) distConversation(iid string, ds []dist) (*store.Row, error) {
	b := l.b
	first, last := ds[0], ds[len(ds)-1]
	start, end := first.Start, int64(0)
	var user, queue, party string
	for _, d := range ds {
		start = min(start, d.Start)
		end = max(end, d.End)
		if d.User != "" {
			user = d.User
		}
		if queue == "" && d.Queue != "" {
			queue = d.Queue
		}
		if party == "" {
			party = d.Party
		}
	}
	c := b.Row("Conversations", iid).Set("mediaType", edm.MediaChat).Set("channelType", loaders.NZ(first.Media)).
		Set("startedAtUTC", time.UnixMilli(start)).Set("isOutbound", first.Outgoing).
		Set("status", loaders.NZ(last.Status)).Set("sourceEndedReason", loaders.NZ(last.Detailed)).Set("isComplete", true)
	if err := l.conversationPeople(c, party, user, queue, start); err != nil {
		return nil, err
	}
	if end > 0 {
		c.Set("endedAtUTC", time.UnixMilli(end)).Set("durationInSeconds", float64(end-start)/1000).
			Set("conversationEndedReason", loaders.NZ(endedReason(last.Detailed)))
	}
	return c, nil
}

// sessionConversation is the conversation as the messages export tells it:
// the earliest start, the latest end, the last agent.
func (l *loader) sessionConversation(iid string, ss []session) (*store.Row, error) {
	b := l.b
	first, last := ss[0], ss[len(ss)-1]
	start, end := first.Start, int64(0)
	var user, queue string
	for _, s := range ss {
		start = min(start, s.Start)
		end = max(end, s.End)
		if s.User != "" {
			user = s.User
		}
		if s.Queue != "" {
			queue = s.Queue
		}
	}
	c := b.Row("Conversations", iid).Set("mediaType", edm.MediaChat).Set("channelType", loaders.NZ(first.Media)).
		Set("startedAtUTC", time.UnixMilli(start)).Set("isOutbound", first.Outgoing).
		Set("contactPoint", loaders.NZ(first.Entry)).Set("workflowName", loaders.NZ(first.Smart)).
		Set("status", loaders.NZ(last.Status)).Set("sourceEndedReason", loaders.NZ(last.Detailed)).
		Set("isComplete", true)
	if err := l.conversationPeople(c, first.Party, user, queue, start); err != nil {
		return nil, err
	}
	switch {
	case end > 0:
		c.Set("endedAtUTC", time.UnixMilli(end)).Set("durationInSeconds", float64(end-start)/1000).
			Set("conversationEndedReason", loaders.NZ(endedReason(last.Detailed)))
	case first.Total != nil:
		c.Set("durationInSeconds", *first.Total)
	}
	return c, nil
}

// conversationPeople sets a conversation's customer, agent and queue.
func (l *loader) conversationPeople(c *store.Row, party, user, queue string, fresh int64) error {
	custID, err := l.party(party, fresh)
	if err != nil {
		return err
	}
	c.Set("customerId", custID)
	if strings.HasPrefix(party, "+") {
		c.Set("customerPhoneNumber", party)
	}
	qid, err := l.queueID(queue, fresh)
	if err != nil {
		return err
	}
	c.Set("queueId", loaders.NZ(qid))
	aid, err := l.agent(user, fresh)
	if err != nil {
		return err
	}
	c.Set("agentId", aid)
	return nil
}

// agent is the reference to an ino user: the Reporter knows users by their
// display name only, which keys the mention.
func (l *loader) agent(user string, fresh int64) (loaders.PersonRef, error) {
	if user == "" {
		return loaders.PersonRef{}, nil
	}
	return l.b.Agent(loaders.Agent{Name: user, Fresh: fresh})
}

func (l *loader) transfer(iid, conv, fromQueue string, d dist) error {
	b := l.b
	at := d.TrDate
	if at == 0 {
		at = d.End
	}
	if at == 0 {
		at = d.Start
	}
	toQueue, err := l.queueID(d.TrQueue, d.Start)
	if err != nil {
		return err
	}
	t := b.Row("Transfers", fmt.Sprintf("%s:t:%d", iid, d.Start)).Set("conversationId", conv).
		Set("transferredAtUTC", time.UnixMilli(at)).Set("fromQueueId", loaders.NZ(fromQueue)).
		Set("toQueueId", loaders.NZ(toQueue)).Set("reason", loaders.NZ(d.Detailed)).Set("initiatedBy", "agent")
	switch {
	case d.TrUser:
		t.Set("transferType", "agent")
	case d.TrQueue != "" || d.TrGroup != "":
		t.Set("transferType", "queue")
	case d.TrSmart != "" || d.TrEntry != "":
		t.Set("transferType", "workflow")
	}
	if d.ToUser && d.User != "" {
		id, err := l.agent(d.User, d.Start)
		if err != nil {
			return err
		}
		t.Set("fromAgentId", id)
	}
	if d.TrRelease > 0 {
		t.Set("result", "released").Set("queueTimeInSeconds", float64(d.TrRelease-at)/1000)
	}
	return b.Put(t)
}

// party is the customer behind a sender or recipient: a phone number in
// international form, or a messaging id (a Messenger page-scoped id, a
// Telegram id), which keys the mention and lands in Customers.messagingId.
func (l *loader) party(p string, fresh int64) (loaders.PersonRef, error) {
	if p == "" {
		return loaders.PersonRef{}, nil
	}
	if strings.HasPrefix(p, "+") && loaders.NormalizePhone(p) != "" {
		return l.b.Customer(loaders.Customer{Phone: p, Fresh: fresh})
	}
	return l.b.Customer(loaders.Customer{SourceID: p, Fresh: fresh})
}
