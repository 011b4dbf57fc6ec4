package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// LivePerson: responses of the Messaging Interactions conversations
// search, lpPageSize records each (the API's page limit), oldest first. A
// record is a whole conversation: info, messages with their delivery
// statuses, agent and consumer participants, skill transfers, the
// post-conversation survey, engagement attributes and a summary. Both of
// LivePerson's clocks are written (text and epoch milliseconds), agents
// log in with their email address (which merges them with the other
// sources' rows), and consumers known to the CRM give theirs.
const (
	lpConversations = 300
	lpPageSize      = 100
	srcLivePerson   = 0x1e9e

	kindLPConversation = 0x2a
	kindLPConsumer     = 0x2b
	kindLPVisitor      = 0x2c
)

// lpText is LivePerson's text time stamp.
const lpText = "2006-01-02 15:04:05.000-0700"

func lpAgentID(a agent) string { return strconv.Itoa(3677470000 + a.n) }
func lpSkillID(q queue) string { return strconv.Itoa(1000 + q.n) }

// lpBotID is the agent id of the welcome bot that opens some chats.
const lpBotID = "3677460001"

// lpPager writes the search responses.
func (g *tgen) lpPager(total int) *recordPager {
	w := g.w
	return &recordPager{size: lpPageSize,
		create: func(page int) *out {
			return g.create("liveperson", fmt.Sprintf("conversations-search_%04d.json", page))
		},
		envelope: func(e *enc, page int) {
			e.K("_metadata").Obj()
			e.K("count").I(int64(total))
			self := fmt.Sprintf("https://lo.msghist.liveperson.net/messaging_history/api/account/%d/conversations/search?offset=%d&limit=%d",
				70071000+w.index, (page-1)*lpPageSize, lpPageSize)
			e.K("self").Obj()
			e.K("rel").S("self")
			e.K("href").S(self)
			e.EndObj()
			e.K("shardsStatusResult").Obj()
			e.K("partialResult").B(false)
			e.EndObj()
			e.EndObj()
			e.K("conversationHistoryRecords")
		}}
}

func (g *tgen) liveperson() error {
	w := g.w
	rnd := w.rng(4)
	total := lpConversations * w.scale
	p := g.lpPager(total)
	var e enc
	n := 0
	for d := 0; d < Days; d++ {
		if g.ctx.Err() != nil || g.err != nil {
			break
		}
		for _, start := range w.officeTimes(rnd, d, perDay(total, d)) {
			n++
			e.reset()
			msgs := lpRecord(&e, w, rnd, n, start.UTC(), total)
			p.add(e.b, msgs)
		}
	}
	p.finish()
	return g.err
}

// lpMsg is one message of a record.
type lpMsg struct {
	at     time.Time
	by     string // Consumer, Agent, System
	agent  string // participant id
	text   string
	status string
}

// lpRecord writes conversation n and returns its number of messages.
func lpRecord(e *enc, w *world, rnd *rand.Rand, n int, start time.Time, total int) int {
	id := guid(kindLPConversation, srcLivePerson, n)
	// Conversations of the period's last days are still open when the
	// search runs, and a few older ones too.
	open := n%97 == 0 || n > total-total/60
	outbound := n%11 == 0
	source := pick(rnd, []string{"SHARK", "SHARK", "APP", "FACEBOOK", "SMS"})
	if outbound {
		source = "AGENT"
	}
	q := w.queues[rnd.IntN(len(w.queues))]
	ag := w.agents[rnd.IntN(len(w.agents))]
	transfer := !open && rnd.IntN(7) == 0
	q2, other := w.queues[(q.n+3)%len(w.queues)], w.agents[(ag.n+5)%len(w.agents)]
	bot := !outbound && rnd.IntN(4) == 0
	known := rnd.IntN(10) < 7
	cust := w.customer(rnd.IntN(w.customers))
	topic := pick(rnd, topics)

	// The conversation as it unfolds: who joins when, what is said.
	wait := secs(rnd, 35, 2)
	joined := start.Add(dur(wait))
	var msgs []lpMsg
	t := start.Add(time.Second)
	if outbound {
		joined = start
		msgs = append(msgs, lpMsg{at: start, by: "Agent", agent: lpAgentID(ag), text: fill("Hello, this is about your %s.", topic), status: "READ"})
	} else {
		if bot {
			msgs = append(msgs, lpMsg{at: t, by: "Agent", agent: lpBotID, text: pick(rnd, botLines), status: "READ"})
			t = t.Add(3 * time.Second)
		}
		msgs = append(msgs, lpMsg{at: t, by: "Consumer", text: fill(pick(rnd, customerLines), topic)})
		if t.After(joined) {
			joined = t.Add(time.Second)
		}
		t = joined
	}
	var xferAt, joined2 time.Time
	turns := 3 + rnd.IntN(7)
	current := ag
	for k := 0; k < turns; k++ {
		t = t.Add(time.Duration(8000+rnd.IntN(50000)) * time.Millisecond)
		if transfer && k == turns/2 {
			xferAt = t
			msgs = append(msgs, lpMsg{at: t, by: "Agent", agent: lpAgentID(current), text: fill("I'm transferring you to a colleague who handles %s.", topic), status: "READ"})
			t = t.Add(dur(secs(rnd, 30, 3)))
			joined2 = t
			current = other
			continue
		}
		msgs = append(msgs, lpMsg{at: t, by: "Agent", agent: lpAgentID(current), text: fill(pick(rnd, agentLines), topic),
			status: []string{"READ", "READ", "ACCEPT"}[rnd.IntN(3)]})
		t = t.Add(time.Duration(10000+rnd.IntN(80000)) * time.Millisecond)
		msgs = append(msgs, lpMsg{at: t, by: "Consumer", text: fill(pick(rnd, customerLines), topic)})
	}
	end := t.Add(time.Duration(20000+rnd.IntN(120000)) * time.Millisecond)
	if !open {
		msgs = append(msgs, lpMsg{at: end, by: "System", text: "Conversation closed"})
	}
	duration := end.Sub(start)

	e.Obj()
	e.K("info").Obj()
	e.K("startTime").S(start.Format(lpText))
	e.K("startTimeL").I(start.UnixMilli())
	if open {
		e.K("endTime").S("undefined")
		e.K("endTimeL").I(-1)
	} else {
		e.K("endTime").S(end.Format(lpText))
		e.K("endTimeL").I(end.UnixMilli())
	}
	e.K("duration").I(duration.Milliseconds())
	e.K("conversationId").S(id)
	e.K("brandId").S(strconv.Itoa(70071000 + w.index))
	e.K("latestAgentId").S(lpAgentID(current))
	e.K("latestAgentNickname").S(current.first)
	e.K("latestAgentFullName").S(current.name)
	e.K("latestAgentLoginName").S(current.email)
	e.K("agentDeleted").B(false)
	last := q
	if transfer {
		last = q2
	}
	e.K("latestSkillId").S(lpSkillID(last))
	e.K("latestSkillName").S(last.name)
	e.K("source").S(source)
	if !open {
		why := pick(rnd, []string{"AGENT", "AGENT", "CONSUMER", "SYSTEM"})
		e.K("closeReason").S(why)
		e.K("closeReasonDescription").S(map[string]string{"AGENT": "MANUAL_CLOSE", "CONSUMER": "MANUAL_CLOSE", "SYSTEM": "AUTO_CLOSE"}[why])
	}
	e.K("mcs").I(int64(20 + rnd.IntN(80)))
	e.K("status").S(map[bool]string{true: "OPEN", false: "CLOSE"}[open])
	e.K("firstConversation").B(rnd.IntN(3) == 0)
	if !open && rnd.IntN(3) > 0 {
		e.K("csat").I(int64(1 + rnd.IntN(5)))
	}
	e.K("device").S(pick(rnd, []string{"DESKTOP", "SMARTPHONE", "SMARTPHONE", "TABLET"}))
	e.K("latestAgentGroupId").S(strconv.Itoa(10 + current.n%3))
	e.K("latestAgentGroupName").S(current.team)
	e.K("isPartial").B(false)
	e.EndObj()

	e.K("campaign").Obj()
	e.K("campaignName").S(map[bool]string{true: "Proactive follow-up", false: "Live chat on the website"}[outbound])
	e.K("engagementSource").S(map[string]string{"SHARK": "WEB_SITE", "APP": "APP", "FACEBOOK": "SOCIAL", "SMS": "SMS", "AGENT": "AGENT"}[source])
	e.EndObj()

	e.K("messageRecords").Arr()
	for seq, m := range msgs {
		e.Obj()
		e.K("type").S("TEXT_PLAIN")
		e.K("messageData").Obj()
		e.K("msg").Obj()
		e.K("text").S(m.text)
		e.EndObj()
		e.EndObj()
		e.K("messageId").S(fmt.Sprintf("ms::conv:%s::msg:%d", id, seq))
		e.K("seq").I(int64(seq))
		e.K("dialogId").S(id)
		switch m.by {
		case "Consumer":
			e.K("participantId").S(lpConsumerID(w, n, cust, known))
		case "Agent":
			e.K("participantId").S(m.agent)
		default:
			e.K("participantId").S("undefined")
		}
		e.K("source").S(source)
		e.K("time").S(m.at.Format(lpText))
		e.K("timeL").I(m.at.UnixMilli())
		e.K("device").S("undefined")
		e.K("sentBy").S(m.by)
		e.EndObj()
	}
	e.EndArr()

	e.K("agentParticipants").Arr()
	if bot {
		lpParticipant(e, lpBotID, "Welcome bot", "Welcome bot", "welcome-bot", "2", "Bot", "", start.Add(time.Second))
	}
	lpParticipant(e, lpAgentID(ag), ag.name, ag.first, ag.email, "1", "Human", ag.team, joined)
	if transfer {
		lpParticipant(e, lpAgentID(other), other.name, other.first, other.email, "1", "Human", other.team, joined2)
	}
	e.EndArr()

	e.K("consumerParticipants").Arr()
	e.Obj()
	e.K("participantId").S(lpConsumerID(w, n, cust, known))
	if known {
		e.K("firstName").S(cust.first)
		e.K("lastName").S(cust.last)
		e.K("email").S(cust.email)
		e.K("phone").S(cust.phone)
		e.K("consumerName").S(cust.first)
	} else {
		e.K("firstName").S("Visitor")
		e.K("lastName").S("undefined")
		e.K("email").S("undefined")
		e.K("phone").S("0")
		e.K("consumerName").S("Visitor")
	}
	e.K("token").S("undefined")
	e.K("time").S(start.Format(lpText))
	e.K("timeL").I(start.UnixMilli())
	e.K("dialogId").S(id)
	e.EndObj()
	e.EndArr()

	if transfer {
		e.K("transfers").Arr()
		e.Obj()
		e.K("timeL").I(xferAt.UnixMilli())
		e.K("time").S(xferAt.Format(lpText))
		e.K("assignedAgentId").S("null")
		e.K("targetSkillId").S(lpSkillID(q2))
		e.K("targetSkillName").S(q2.name)
		e.K("reason").S("Skill")
		e.K("by").S(lpAgentID(ag))
		e.K("sourceSkillId").S(lpSkillID(q))
		e.K("sourceSkillName").S(q.name)
		e.K("sourceAgentId").S(lpAgentID(ag))
		e.K("sourceAgentFullName").S(ag.name)
		e.K("sourceAgentLoginName").S(ag.email)
		e.K("sourceAgentNickname").S(ag.first)
		e.K("dialogId").S(id)
		e.EndObj()
		e.EndArr()
	}

	e.K("interactions").Arr()
	lpInteraction(e, ag, joined, 1, id)
	if transfer {
		lpInteraction(e, other, joined2, 2, id)
	}
	e.EndArr()

	e.K("messageStatuses").Arr()
	for seq, m := range msgs {
		if m.status == "" {
			continue
		}
		for _, st := range []string{"ACCEPT", "READ"} {
			at := m.at.Add(time.Duration(300+rnd.IntN(2000)) * time.Millisecond)
			if st == "READ" {
				if m.status != "READ" {
					continue
				}
				at = at.Add(time.Duration(1+rnd.IntN(20)) * time.Second)
			}
			e.Obj()
			e.K("messageId").S(fmt.Sprintf("ms::conv:%s::msg:%d", id, seq))
			e.K("seq").I(int64(seq))
			e.K("time").S(at.Format(lpText))
			e.K("timeL").I(at.UnixMilli())
			e.K("participantId").S(lpConsumerID(w, n, cust, known))
			e.K("participantType").S("Consumer")
			e.K("messageDeliveryStatus").S(st)
			e.K("dialogId").S(id)
			e.EndObj()
		}
	}
	e.EndArr()

	if !open && n%4 == 0 {
		e.K("conversationSurveys").Arr()
		e.Obj()
		e.K("surveyType").S("Satisfaction")
		e.K("surveyStatus").S("FILLED")
		e.K("dialogId").S(id)
		e.K("surveyData").Arr()
		for k, qa := range [][2]string{{"Did we solve your problem?", []string{"Yes", "Yes", "No"}[n%3]},
			{"How would you rate the agent?", strconv.Itoa(1 + (n/4)%5)}} {
			if k == 1 && n%3 == 0 {
				continue
			}
			e.Obj()
			e.K("question").S(qa[0])
			e.K("answer").S(qa[1])
			e.EndObj()
		}
		e.EndArr()
		e.EndObj()
		e.EndArr()
	}

	if n%3 == 0 {
		at := start.Add(20 * time.Second)
		e.K("sdes").Obj()
		e.K("events").Arr()
		e.Obj()
		e.K("cartStatus").Obj()
		e.K("serverTimeStamp").S(strconv.FormatInt(at.UnixMilli(), 10))
		e.K("cartStatus").Obj()
		e.K("total").S(fmt.Sprintf("%d.%02d", 10+rnd.IntN(400), rnd.IntN(100)))
		e.K("currency").S("USD")
		e.K("numItems").I(int64(1 + rnd.IntN(4)))
		e.EndObj()
		e.EndObj()
		e.K("sdeType").S("CART_STATUS")
		e.K("serverTimeStamp").S(strconv.FormatInt(at.UnixMilli(), 10))
		e.EndObj()
		e.EndArr()
		e.EndObj()
	}

	if !open && n%5 == 0 {
		e.K("summary").Obj()
		e.K("text").S(fmt.Sprintf("Customer asked about %s; %s.", topic, pick(rnd, []string{"resolved in the chat", "follow-up email sent", "escalated to tier 2"})))
		e.K("lastUpdatedTime").I(end.Add(time.Minute).UnixMilli())
		e.EndObj()
	}
	e.EndObj()
	return len(msgs)
}

// lpConsumerID is a known customer's stable id, or a visitor's own.
func lpConsumerID(w *world, n int, c customer, known bool) string {
	if known {
		return guid(kindLPConsumer, srcLivePerson, c.n+1)
	}
	return guid(kindLPVisitor, srcLivePerson, n)
}

func lpParticipant(e *enc, id, full, nick, login, userType, typeName, group string, at time.Time) {
	e.Obj()
	e.K("agentFullName").S(full)
	e.K("agentNickname").S(nick)
	e.K("agentLoginName").S(login)
	e.K("agentId").S(id)
	e.K("userType").S(userType)
	e.K("userTypeName").S(typeName)
	e.K("role").S("ASSIGNED_AGENT")
	if group != "" {
		e.K("agentGroupName").S(group)
	}
	e.K("time").S(at.Format(lpText))
	e.K("timeL").I(at.UnixMilli())
	e.K("permission").S("ASSIGNED_AGENT")
	e.EndObj()
}

func lpInteraction(e *enc, a agent, at time.Time, seq int, dialog string) {
	e.Obj()
	e.K("assignedAgentId").S(lpAgentID(a))
	e.K("assignedAgentFullName").S(a.name)
	e.K("assignedAgentLoginName").S(a.email)
	e.K("assignedAgentNickname").S(a.first)
	e.K("interactionTimeL").I(at.UnixMilli())
	e.K("interactionTime").S(at.Format(lpText))
	e.K("interactiveSequence").I(int64(seq))
	e.K("dialogId").S(dialog)
	e.EndObj()
}
