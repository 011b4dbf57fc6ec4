package twoway

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// rebuild derives the rows of the given conversations from all their staged
// chunks. The chunks are read first and the rows written after, so no query
// is open on the transaction while it writes.
func rebuild(b *loaders.Batch, groups []string) error {
	if len(groups) == 0 {
		return nil
	}
	byConv := map[string][]event{}
	err := b.Staged(groups, func(g string, payload []byte) error {
		evs, err := decodeChunk(payload)
		if err != nil {
			return fmt.Errorf("twoway: staged events of %s: %w", g, err)
		}
		byConv[g] = append(byConv[g], evs...)
		return nil
	})
	if err != nil {
		return err
	}
	convs := make([]string, 0, len(byConv))
	for c := range byConv {
		convs = append(convs, c)
	}
	sort.Strings(convs)
	for _, c := range convs {
		if err := derive(b, c, dedupe(byConv[c])); err != nil {
			return err
		}
	}
	return nil
}

// rank orders events that share a timestamp in the order they happen.
var rank = map[string]int{
	"agent_ping": 0, "agent_invite": 1, "channel_added": 2, "member_added": 3,
	"customer_message_sent": 4, "agent_message_sent": 4, "system_message_sent": 4,
	"message_updated": 5, "member_removed": 6, "channel_closed": 7,
}

type message struct {
	index              int64
	sender, agentEmail string
	sent, edited       int64
	body, english      string
	lang               string
	after              *bool
}

type membership struct {
	email      string
	start, end int64
	messages   int
}

// convPlan is what a conversation's events say, before any lookup: the
// conversation, its messages in index order, its agents' stretches of
// membership, and the people it mentions. Planning needs no database, so a
// conversation first seen in a file is planned by the reading goroutine.
type convPlan struct {
	conv                            string
	start, closedAt, last           int64
	channel, ccid, first, lastName  string
	product, tag, status, closedWhy string
	closedTxt, lastAgent            string
	after                           *bool
	msgs                            []*message
	members                         []*membership
	agents                          []loaders.Agent // by email
	agentWait, custWait             []float64
}

// plan reads a conversation's events (deduplicated; sorted here in place).
func plan(conv string, evs []event) *convPlan {
	secondOccurrences(evs)
	// A total order: events at the same time and of the same rank come
	// in the order of their content hash, never in the order files were
	// loaded (which decides the order they are staged and read back in).
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].Time != evs[j].Time {
			return evs[i].Time < evs[j].Time
		}
		if ri, rj := rank[evs[i].Type], rank[evs[j].Type]; ri != rj {
			return ri < rj
		}
		return evs[i].Hash < evs[j].Hash
	})
	p := &convPlan{conv: conv, start: evs[0].Time}
	msgs := map[int64]*message{}
	agents := map[string]loaders.Agent{}
	open := func(email string, t int64) *membership {
		for i := len(p.members) - 1; i >= 0; i-- {
			if p.members[i].email == email && p.members[i].end == 0 {
				return p.members[i]
			}
		}
		m := &membership{email: email, start: t}
		p.members = append(p.members, m)
		return m
	}
	for _, e := range evs {
		p.last = max(p.last, e.Time)
		setIf(&p.channel, e.Channel)
		setIf(&p.ccid, e.CCID)
		setIf(&p.first, e.CustFirst)
		setIf(&p.lastName, e.CustLast)
		setIf(&p.product, e.Product)
		setIf(&p.tag, e.Tag)
		setIf(&p.status, e.Status)
		if p.after == nil && e.After != nil {
			p.after = e.After
		}
		if e.Email != "" {
			// What the latest event says of the agent, stated as of
			// that event: between reports, the fresher statement wins.
			agents[e.Email] = loaders.Agent{Email: e.Email, FirstName: e.AgFirst, LastName: e.AgLast, Roles: e.Roles,
				ControlGroup: e.Group, Fresh: e.Time}
		}
		switch e.Type {
		case "member_added", "agent_invite":
			if e.Email != "" {
				open(e.Email, e.Time)
			}
		case "member_removed":
			if e.Email != "" {
				open(e.Email, e.Time).end = e.Time
			}
		case "customer_message_sent", "agent_message_sent", "system_message_sent":
			m := msgs[*e.Index]
			if m == nil {
				m = &message{index: *e.Index, sent: e.Time}
				msgs[*e.Index] = m
			} else if e.Time > m.sent {
				m.edited = e.Time
			}
			m.sender = senderOf(e)
			m.body, m.english, m.lang = e.Body, e.English, e.Lang
			if e.After != nil {
				m.after = e.After
			}
			if m.sender == "agent" && e.Email != "" {
				m.agentEmail = e.Email
				p.lastAgent = e.Email
				open(e.Email, e.Time).messages++
			}
		case "message_updated":
			// An edit replaces the text of the message with the same index;
			// the message keeps its original send time.
			m := msgs[*e.Index]
			if m == nil {
				m = &message{index: *e.Index, sent: e.Time, sender: senderOf(e)}
				msgs[*e.Index] = m
			}
			m.body, m.english, m.lang, m.edited = e.Body, e.English, e.Lang, e.Time
		case "channel_closed":
			p.closedAt, p.status = e.Time, "closed"
			setIf(&p.closedWhy, e.Closed)
			setIf(&p.closedTxt, e.ClosedTxt)
		}
	}
	for _, a := range agents {
		p.agents = append(p.agents, a)
	}
	sort.Slice(p.agents, func(i, j int) bool { return p.agents[i].Email < p.agents[j].Email })
	for _, m := range msgs {
		p.msgs = append(p.msgs, m)
	}
	sort.Slice(p.msgs, func(i, j int) bool { return p.msgs[i].index < p.msgs[j].index })
	var prev *message
	for _, m := range p.msgs {
		if prev != nil && m.sent >= prev.sent {
			gap := float64(m.sent-prev.sent) / 1000
			switch {
			case prev.sender == "customer" && m.sender == "agent":
				p.agentWait = append(p.agentWait, gap)
			case prev.sender == "agent" && m.sender == "customer":
				p.custWait = append(p.custWait, gap)
			}
		}
		prev = m
	}
	return p
}

// people are the references to a conversation's agents (by email) and
// customer.
type people struct {
	agents   map[string]loaders.PersonRef
	customer loaders.PersonRef
}

// resolve finds or writes the conversation's agents and customer. It runs
// on the goroutine that owns the load's transaction; people are merged
// across sources (loaders.Batch.Agent). said holds agents already said
// (sayAgents), by statement without its freshness; nil for none.
func (p *convPlan) resolve(b *loaders.Batch, said map[loaders.Agent]loaders.PersonRef) (people, error) {
	ppl := people{agents: make(map[string]loaders.PersonRef, len(p.agents))}
	for _, a := range p.agents {
		k := a
		k.Fresh = 0
		id, ok := said[k]
		if !ok {
			var err error
			if id, err = b.Agent(a); err != nil {
				return ppl, err
			}
		}
		ppl.agents[a.Email] = id
	}
	var err error
	ppl.customer, err = b.Customer(p.customer())
	return ppl, err
}

// sayAgents says what the plans say of their agents, each statement once:
// statements that differ only in how fresh they are join into the
// freshest of them (joining keeps, field by field, the fresher value, and
// theirs are the same), so only that one is joined. A batch's five hundred
// conversations name a handful of agents. It returns the references by
// statement without its freshness, for resolve.
func sayAgents(b *loaders.Batch, plans []*convPlan) (map[loaders.Agent]loaders.PersonRef, error) {
	freshest := map[loaders.Agent]int64{}
	for _, p := range plans {
		for _, a := range p.agents {
			k := a
			k.Fresh = 0
			if f, ok := freshest[k]; !ok || a.Fresh > f {
				freshest[k] = a.Fresh
			}
		}
	}
	// In a fixed order, so that a load does the same work each time.
	keys := make([]loaders.Agent, 0, len(freshest))
	names := make(map[loaders.Agent]string, len(freshest))
	for k := range freshest {
		keys = append(keys, k)
		names[k] = fmt.Sprintf("%#v", k)
	}
	sort.Slice(keys, func(i, j int) bool { return names[keys[i]] < names[keys[j]] })
	refs := make(map[loaders.Agent]loaders.PersonRef, len(keys))
	for _, k := range keys {
		a := k
		a.Fresh = freshest[k]
		ref, err := b.Agent(a)
		if err != nil {
			return nil, err
		}
		refs[k] = ref
	}
	return refs, nil
}

// customer is what the conversation says of its customer.
func (p *convPlan) customer() loaders.Customer {
	return loaders.Customer{SourceID: p.ccid, FirstName: p.first, LastName: p.lastName, ProductGroup: p.product, Fresh: p.last}
}

// rows builds the conversation's rows: its messages in index order, the
// conversation (a Chats row: two-way messaging is SMS), and one workitem
// per stretch of agent membership. It reads b's identity only, so any
// goroutine may run it.
func (p *convPlan) rows(b *loaders.Batch, ppl people) []*store.Row {
	out := make([]*store.Row, 0, len(p.msgs)+1+len(p.members))
	conv, convID, custID := p.conv, b.ID(p.conv), ppl.customer
	for _, m := range p.msgs {
		r := b.Row("Messages", conv+":"+strconv.FormatInt(m.index, 10)).Set("conversationId", convID).
			Set("senderType", loaders.NZ(m.sender)).Set("sentAtUTC", time.UnixMilli(m.sent)).Set("messageIndex", m.index).
			Set("body", loaders.NZ(m.body)).Set("contentType", "text")
		if m.lang != "" {
			r.Set("translation", loaders.NZ(m.english)).Set("language", m.lang)
		}
		if m.edited > 0 {
			r.Set("editedAtUTC", time.UnixMilli(m.edited))
		}
		if m.after != nil {
			r.Set("afterHours", *m.after)
		}
		r.Set("agentId", ppl.agents[m.agentEmail])
		out = append(out, r)
	}

	c := b.Row("Conversations", conv).Set("mediaType", edm.MediaChat).Set("channelType", "SMS").
		Set("threadId", loaders.NZ(p.channel)).Set("customerId", custID).
		Set("customerFirstName", loaders.NZ(p.first)).Set("customerLastName", loaders.NZ(p.lastName)).
		Set("startedAtUTC", time.UnixMilli(p.start)).Set("status", loaders.NZ(p.status)).
		Set("controlTag", loaders.NZ(p.tag)).Set("isComplete", true)
	if p.after != nil {
		c.Set("afterHours", *p.after)
	}
	if id := ppl.agents[p.lastAgent]; !id.IsZero() {
		c.Set("agentId", id)
	} else if len(p.members) > 0 {
		c.Set("agentId", ppl.agents[p.members[len(p.members)-1].email])
	}
	if len(p.msgs) > 0 {
		c.Set("isOutbound", p.msgs[0].sender == "agent")
	}
	end := p.last
	if p.closedAt > 0 && p.status == "closed" {
		end = p.closedAt
		c.Set("endedAtUTC", time.UnixMilli(p.closedAt)).Set("conversationEndedReason", endedReason(p.closedWhy)).
			Set("sourceEndedReason", loaders.NZ(p.closedWhy)).Set("endedReasonDetail", loaders.NZ(p.closedTxt))
	}
	c.Set("durationInSeconds", float64(end-p.start)/1000)
	if len(p.agentWait) > 0 {
		c.Set("averageAgentAnswerSpeedInSeconds", mean(p.agentWait))
	}
	if len(p.custWait) > 0 {
		c.Set("averageCustomerAnswerSpeedInSeconds", mean(p.custWait))
	}
	out = append(out, c)

	seen := map[string]int{}
	for _, m := range p.members {
		id := ppl.agents[m.email]
		if id.IsZero() {
			continue
		}
		seen[m.email]++
		wend := m.end
		if wend == 0 && p.closedAt > 0 {
			wend = p.closedAt
		}
		// The key names the membership by the agent's address as the
		// report gives it (hashed: keys travel in URLs), never by the
		// person it resolves to, which other sources can change.
		w := b.Row("Workitems", conv+":wi:"+emailKey(m.email)+":"+strconv.Itoa(seen[m.email])).
			Set("agentId", id).Set("customerId", custID).Set("primaryConversationId", convID).
			Set("mediaType", "sms").Set("startTimeUTC", time.UnixMilli(m.start))
		if wend > 0 {
			w.Set("endTimeUTC", time.UnixMilli(wend)).Set("durationInSeconds", float64(wend-m.start)/1000)
		}
		result := "Handled"
		if m.messages == 0 {
			result = "Joined"
		}
		w.Set("result", result).Set("sourceResult", result)
		out = append(out, w)
	}
	return out
}

// derive plans, resolves and writes one conversation on the writing
// goroutine (a conversation rebuilt from its staged events).
func derive(b *loaders.Batch, conv string, evs []event) error {
	p := plan(conv, evs)
	ppl, err := p.resolve(b, nil)
	if err != nil {
		return err
	}
	return putAll(b, p.rows(b, ppl))
}

// emailKey is an agent's address as a key part: a short hash.
func emailKey(email string) string {
	h := sha256.Sum256([]byte(email))
	return hex.EncodeToString(h[:8])
}

func putAll(b *loaders.Batch, rows []*store.Row) error {
	for _, r := range rows {
		if err := b.Put(r); err != nil {
			return err
		}
	}
	return nil
}

// secondOccurrences resolves local times in a repeated autumn hour. They are
// read as the first occurrence; but the report lists events in order, so an
// ambiguous time that would go back before an earlier line of the same file
// is the second occurrence, an hour later.
func secondOccurrences(evs []event) {
	byFile := map[string][]*event{}
	for i := range evs {
		byFile[evs[i].File] = append(byFile[evs[i].File], &evs[i])
	}
	for _, list := range byFile {
		sort.Slice(list, func(i, j int) bool { return list[i].Line < list[j].Line })
		var latest int64
		for _, e := range list {
			if e.Amb && e.Time < latest && e.Time+3600_000 >= latest {
				e.Time += 3600_000
			}
			latest = max(latest, e.Time)
		}
	}
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func senderOf(e event) string {
	if e.Sender != "" {
		return e.Sender
	}
	return strings.TrimSuffix(e.Type, "_message_sent")
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return float64(int(s/float64(len(xs))*1000)) / 1000
}

// endedReason maps the report's closed_reason (configured per client) to
// Buzzeasy's vocabulary; the raw text stays in sourceEndedReason.
func endedReason(why string) string {
	w := strings.ToLower(why)
	switch {
	case strings.Contains(w, "inactiv") || strings.Contains(w, "idle") || strings.Contains(w, "timeout") || strings.Contains(w, "expired"):
		return "IdleTimeout"
	case strings.Contains(w, "transfer"):
		return "TransferredToQueue"
	case strings.Contains(w, "opt") || strings.Contains(w, "customer") || strings.Contains(w, "patient"):
		return "CustomerDisconnected"
	}
	return "Default"
}
