package twoway

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
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
}

type membership struct {
	email      string
	start, end int64
	messages   int
}

func derive(b *loaders.Batch, conv string, evs []event) error {
	secondOccurrences(evs)
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].Time != evs[j].Time {
			return evs[i].Time < evs[j].Time
		}
		return rank[evs[i].Type] < rank[evs[j].Type]
	})
	var (
		start, closedAt, last           int64 = evs[0].Time, 0, 0
		channel, ccid, first, lastName  string
		product, tag, status, closedWhy string
		closedTxt, lastAgent            string
		after                           *bool
		msgs                            = map[int64]*message{}
		members                         []*membership
		agents                          = map[string]loaders.Agent{}
	)
	open := func(email string, t int64) *membership {
		for i := len(members) - 1; i >= 0; i-- {
			if members[i].email == email && members[i].end == 0 {
				return members[i]
			}
		}
		m := &membership{email: email, start: t}
		members = append(members, m)
		return m
	}
	for _, e := range evs {
		last = max(last, e.Time)
		setIf(&channel, e.Channel)
		setIf(&ccid, e.CCID)
		setIf(&first, e.CustFirst)
		setIf(&lastName, e.CustLast)
		setIf(&product, e.Product)
		setIf(&tag, e.Tag)
		setIf(&status, e.Status)
		if after == nil && e.After != nil {
			after = e.After
		}
		if e.Email != "" {
			agents[e.Email] = loaders.Agent{Email: e.Email, FirstName: e.AgFirst, LastName: e.AgLast, Roles: e.Roles, ControlGroup: e.Group}
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
			if m.sender == "agent" && e.Email != "" {
				m.agentEmail = e.Email
				lastAgent = e.Email
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
			closedAt, status = e.Time, "closed"
			setIf(&closedWhy, e.Closed)
			setIf(&closedTxt, e.ClosedTxt)
		}
	}
	agentIDs := map[string]string{}
	emails := make([]string, 0, len(agents))
	for e := range agents {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	for _, e := range emails {
		id, err := b.Agent(agents[e])
		if err != nil {
			return err
		}
		agentIDs[e] = id
	}
	custID, err := b.Customer(loaders.Customer{SourceID: ccid, FirstName: first, LastName: lastName, ProductGroup: product})
	if err != nil {
		return err
	}
	convID := b.ID(conv)

	// Messages, in index order.
	idx := make([]int64, 0, len(msgs))
	for i := range msgs {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })
	var agentWait, custWait []float64
	var prev *message
	for _, i := range idx {
		m := msgs[i]
		r := b.Row("Messages", conv+":"+strconv.FormatInt(m.index, 10)).Set("conversationId", convID).
			Set("senderType", loaders.NZ(m.sender)).Set("sentAtUTC", time.UnixMilli(m.sent)).Set("messageIndex", m.index).
			Set("body", loaders.NZ(m.body)).Set("contentType", "text")
		if m.lang != "" {
			r.Set("translation", loaders.NZ(m.english)).Set("language", m.lang)
		}
		if m.edited > 0 {
			r.Set("editedAtUTC", time.UnixMilli(m.edited))
		}
		if id := agentIDs[m.agentEmail]; id != "" {
			r.Set("agentId", id)
		}
		if err := b.Put(r); err != nil {
			return err
		}
		if prev != nil && m.sent >= prev.sent {
			gap := float64(m.sent-prev.sent) / 1000
			switch {
			case prev.sender == "customer" && m.sender == "agent":
				agentWait = append(agentWait, gap)
			case prev.sender == "agent" && m.sender == "customer":
				custWait = append(custWait, gap)
			}
		}
		prev = m
	}

	// The conversation (a Chats row: two-way messaging is SMS).
	c := b.Row("Conversations", conv).Set("mediaType", edm.MediaChat).Set("channelType", "SMS").
		Set("threadId", loaders.NZ(channel)).Set("customerId", loaders.NZ(custID)).
		Set("customerFirstName", loaders.NZ(first)).Set("customerLastName", loaders.NZ(lastName)).
		Set("startedAtUTC", time.UnixMilli(start)).Set("status", loaders.NZ(status)).
		Set("controlTag", loaders.NZ(tag)).Set("isComplete", true)
	if after != nil {
		c.Set("afterHours", *after)
	}
	if id := agentIDs[lastAgent]; id != "" {
		c.Set("agentId", id)
	} else if len(members) > 0 {
		c.Set("agentId", loaders.NZ(agentIDs[members[len(members)-1].email]))
	}
	if len(idx) > 0 {
		c.Set("isOutbound", msgs[idx[0]].sender == "agent")
	}
	end := last
	if closedAt > 0 && status == "closed" {
		end = closedAt
		c.Set("endedAtUTC", time.UnixMilli(closedAt)).Set("conversationEndedReason", endedReason(closedWhy)).
			Set("sourceEndedReason", loaders.NZ(closedWhy)).Set("endedReasonDetail", loaders.NZ(closedTxt))
	}
	c.Set("durationInSeconds", float64(end-start)/1000)
	if len(agentWait) > 0 {
		c.Set("averageAgentAnswerSpeedInSeconds", mean(agentWait))
	}
	if len(custWait) > 0 {
		c.Set("averageCustomerAnswerSpeedInSeconds", mean(custWait))
	}
	if err := b.Put(c); err != nil {
		return err
	}

	// One workitem per stretch of agent membership.
	seen := map[string]int{}
	for _, m := range members {
		id := agentIDs[m.email]
		if id == "" {
			continue
		}
		seen[id]++
		wend := m.end
		if wend == 0 && closedAt > 0 {
			wend = closedAt
		}
		w := b.Row("Workitems", conv+":wi:"+id[strings.LastIndexByte(id, ':')+1:]+":"+strconv.Itoa(seen[id])).
			Set("agentId", id).Set("customerId", loaders.NZ(custID)).Set("primaryConversationId", convID).
			Set("mediaType", "sms").Set("startTimeUTC", time.UnixMilli(m.start))
		if wend > 0 {
			w.Set("endTimeUTC", time.UnixMilli(wend)).Set("durationInSeconds", float64(wend-m.start)/1000)
		}
		result := "Handled"
		if m.messages == 0 {
			result = "Joined"
		}
		w.Set("result", result).Set("sourceResult", result)
		if err := b.Put(w); err != nil {
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
