package demo

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// CxEngage: list pages of the reporting API's interactions ({page, limit,
// offset, total, tenantId, tenantName, tenantTimezone, results}), oldest
// first, cxPageSize to a page. Each interaction carries its queue entries,
// agent allocations, segments (a transfer starts a new one), a CRM hook
// for some calls, and for messaging and SMS the transcript. Agents are
// named but carry no email address: the loader merges them with the
// Buzzeasy agent of the same display name. Times are UTC with a Z.
const (
	cxConversations = 250
	cxPageSize      = 100
	srcCxEngage     = 0x0c0e

	kindCxInteraction = 0x1a
	kindCxQueueEntry  = 0x1b
	kindCxAllocation  = 0x1c
	kindCxSegment     = 0x1d
	kindCxHook        = 0x1e
)

func cx(kind uint32, n int) string { return guid(kind, srcCxEngage, n) }

// cxPager writes the list pages.
func (g *tgen) cxPager(total int) *recordPager {
	w := g.w
	return &recordPager{size: cxPageSize,
		create: func(page int) *out {
			return g.create("cxengage", fmt.Sprintf("interactions_page-%04d.json", page))
		},
		envelope: func(e *enc, page int) {
			e.K("page").I(int64(page))
			e.K("limit").I(cxPageSize)
			e.K("offset").I(int64((page - 1) * cxPageSize))
			e.K("tenantId").S(cx(0x7e, w.index+1))
			e.K("total").I(int64(total))
			e.K("tenantName").S(w.tenant.Name)
			e.K("tenantTimezone").S(w.tenant.Timezone)
			e.K("results")
		}}
}

func (g *tgen) cxengage() error {
	w := g.w
	rnd := w.rng(2)
	total := cxConversations * w.scale
	p := g.cxPager(total)
	var e enc
	n := 0
	for d := 0; d < Days; d++ {
		if g.ctx.Err() != nil || g.err != nil {
			break
		}
		for _, start := range w.officeTimes(rnd, d, perDay(total, d)) {
			n++
			e.reset()
			msgs := cxInteraction(&e, w, rnd, n, start.UTC())
			p.add(e.b, msgs)
		}
	}
	p.finish()
	return g.err
}

// cxInteraction writes interaction n and returns its number of messages.
func cxInteraction(e *enc, w *world, rnd *rand.Rand, n int, start time.Time) int {
	channel := []string{"voice", "voice", "voice", "voice", "voice", "messaging", "messaging", "sms", "email", "email"}[rnd.IntN(10)]
	id := cx(kindCxInteraction, n)
	q := w.queues[rnd.IntN(len(w.queues))]
	ag := w.agents[rnd.IntN(len(w.agents))]
	known := rnd.IntN(100) < 85
	cust := w.customer(rnd.IntN(w.customers))
	var customer, contact string
	switch channel {
	case "voice":
		contact = w.channels[0].phone
		customer = cust.phone
		if !known {
			customer = fmt.Sprintf("+1555%07d", 9500000+rnd.IntN(400000))
		}
	case "sms":
		contact = w.channels[4].phone
		customer = cust.phone
	case "email":
		contact = w.channels[5].address
		customer = cust.email
	default:
		contact = w.channels[2].widget
		customer = fmt.Sprintf("web-visitor-%06x", mix(uint64(n))&0xffffff)
	}
	direction := "inbound"
	if channel == "voice" && n%13 == 0 {
		direction = "outbound"
	}
	ivr := secs(rnd, 15, 0.2)
	queueAt := start.Add(dur(ivr))
	wait := secs(rnd, 40, 1)
	abandoned := channel == "voice" && rnd.IntN(10) == 0
	incomplete := n%89 == 0 && !abandoned
	handle := secs(rnd, 280, 30)
	if channel == "email" {
		handle = secs(rnd, 600, 60)
	}
	transfer := !abandoned && !incomplete && rnd.IntN(8) == 0
	other := w.agents[(ag.n+rnd.IntN(len(w.agents)-1))%len(w.agents)]
	q2 := w.queues[(q.n+2)%len(w.queues)]

	pickup := queueAt.Add(dur(wait))
	end := pickup.Add(dur(handle))
	var xferAt, pickup2 time.Time
	var wait2 float64
	if transfer {
		xferAt = pickup.Add(dur(handle / 2))
		wait2 = secs(rnd, 30, 2)
		pickup2 = xferAt.Add(dur(wait2))
		end = pickup2.Add(dur(secs(rnd, 200, 20)))
	}
	if abandoned {
		end = pickup
	}
	// An incomplete interaction is still going on: the API has no end yet.
	if incomplete {
		end = time.Time{}
	}

	e.Obj()
	e.K("tenantId").S(cx(0x7e, w.index+1))
	e.K("interactionId").S(id)
	e.K("startTimestamp").T(start, isoUTC)
	e.K("endTimestamp").T(end, isoUTC)
	e.K("channelType").S(channel)
	e.K("direction").S(direction)
	e.K("customer").S(customer)
	e.K("contactPoint").S(contact)
	e.K("flowId").S(cx(0xf1, 1+rnd.IntN(3)))
	e.K("flowName").S(map[string]string{"voice": "Main IVR", "messaging": "Chat flow", "sms": "SMS flow", "email": "Email routing"}[channel])
	if !end.IsZero() {
		e.K("interactionTime").F(float64(end.Sub(start).Milliseconds()) / 1000)
	}
	if channel == "voice" {
		e.K("ivrTime").F(ivr)
		holds := rnd.IntN(3)
		e.K("customerHolds").I(int64(holds))
		if holds > 0 {
			e.K("customerHoldTime").F(secs(rnd, 25, 3))
		}
		if abandoned {
			e.K("customerAbandonTime").F(float64(end.Sub(start).Milliseconds()) / 1000)
		} else if !end.IsZero() {
			e.K("customerTalkTime").F(float64(end.Sub(pickup).Milliseconds()) / 1000)
		}
	}
	if !abandoned && !incomplete && rnd.IntN(3) == 0 {
		e.K("customerSatisfactionScore").I(int64(1 + rnd.IntN(10)))
	}

	// Segments: the interaction, and the transfer's second segment.
	e.K("segments").Arr()
	seg1, seg2 := cx(kindCxSegment, n*2), cx(kindCxSegment, n*2+1)
	e.Obj()
	e.K("segmentNumber").I(0)
	e.K("interactionSegmentId").S(seg1)
	e.K("segmentStartType").S("interaction")
	switch {
	case abandoned:
		e.K("segmentCancelled").B(true)
		e.K("segmentEndType").S("customer-disconnect")
	case transfer:
		e.K("segmentEndType").S("success")
	case incomplete:
	default:
		e.K("segmentEndType").S("interaction-end")
	}
	e.K("startTimestamp").T(start, isoUTC)
	if transfer {
		e.K("endTimestamp").T(xferAt, isoUTC)
	} else {
		e.K("endTimestamp").T(end, isoUTC)
	}
	e.K("segmentAgentId").N()
	if !abandoned {
		e.K("segmentToAgentId").S(cx(kindAgent, ag.n))
	}
	e.EndObj()
	if transfer {
		e.Obj()
		e.K("segmentNumber").I(1)
		e.K("interactionSegmentId").S(seg2)
		e.K("segmentStartType").S("transfer")
		e.K("segmentEndType").S("interaction-end")
		e.K("startTimestamp").T(xferAt, isoUTC)
		e.K("endTimestamp").T(end, isoUTC)
		e.K("segmentAgentId").S(cx(kindAgent, ag.n))
		e.K("segmentToAgentId").S(cx(kindAgent, other.n))
		e.EndObj()
	}
	e.EndArr()

	e.K("queues").Arr()
	cxQueue(e, cx(kindCxQueueEntry, n*2), seg1, q, "ivr", queueAt, wait, abandoned, ag, !abandoned)
	if transfer {
		cxQueue(e, cx(kindCxQueueEntry, n*2+1), seg2, q2, "transfer", xferAt, wait2, false, other, true)
	}
	e.EndArr()

	if !abandoned {
		e.K("agents").Arr()
		first := end
		if transfer {
			first = xferAt
		}
		cxAgent(e, w, cx(kindCxAllocation, n*2), seg1, ag, q, pickup, first)
		if transfer {
			cxAgent(e, w, cx(kindCxAllocation, n*2+1), seg2, other, q2, pickup2, end)
		}
		e.EndArr()
	}

	if channel == "voice" && !abandoned && n%6 == 0 {
		e.K("hooks").Arr()
		e.Obj()
		e.K("interactionHookId").S(cx(kindCxHook, n))
		e.K("hookId").S(fmt.Sprintf("CASE-%06d", 100000+n))
		e.K("hookName").S(fmt.Sprintf("Case %06d", 100000+n))
		e.K("hookType").S("salesforce")
		e.K("hookSubType").S("case")
		e.K("timestamp").T(pickup.Add(5*time.Second), isoUTC)
		e.EndObj()
		e.EndArr()
	}

	msgs := 0
	if (channel == "messaging" || channel == "sms") && !incomplete {
		msgs = cxTranscript(e, rnd, customer, ag, other, transfer, pickup, xferAt, pickup2, end)
	}

	e.K("details").Obj()
	e.K("interactionId").S(id)
	e.K("startTimestamp").T(start, isoUTC)
	e.K("endTimestamp").T(end, isoUTC)
	e.K("customer").S(customer)
	e.K("contactPoint").S(contact)
	e.K("direction").S(direction)
	e.K("channelType").S(channel)
	e.K("contactId").N()
	e.K("csat").N()
	e.EndObj()

	e.K("dataComplete").B(!incomplete)
	e.K("flagged").B(false)
	e.K("flagType").N()
	if !abandoned && !incomplete {
		topic := pick(rnd, topics)
		e.K("dispositionName").S("Resolved: " + topic)
		e.K("dispositionId").S(cx(0xd1, 1+indexOf(topics, topic)))
	}
	e.EndObj()
	return msgs
}

func cxQueue(e *enc, id, seg string, q queue, entry string, at time.Time, wait float64, abandoned bool, ag agent, taken bool) {
	e.Obj()
	e.K("interactionSegmentId").S(seg)
	e.K("queueId").S(cx(kindQueue, q.n))
	e.K("queueName").S(q.name)
	e.K("queueEntryLength").I(1)
	e.K("queueTime").F(wait)
	if abandoned {
		e.K("queueAbandoned").B(true)
		e.K("queueExitType").S("abandon")
	} else {
		e.K("queueExitType").S("success")
	}
	e.K("interactionQueueId").S(id)
	e.K("queueType").S("queue")
	e.K("queueEntryType").S(entry)
	if taken {
		e.K("agentId").S(cx(kindAgent, ag.n))
	}
	e.K("slaAbandoned").B(abandoned && wait < 20)
	e.K("slaTime").F(min(wait, 20))
	e.K("startTimestamp").T(at, isoUTC)
	e.K("endTimestamp").T(at.Add(dur(wait)), isoUTC)
	e.EndObj()
}

func cxAgent(e *enc, w *world, id, seg string, ag agent, q queue, from, to time.Time) {
	e.Obj()
	e.K("agentId").S(cx(kindAgent, ag.n))
	e.K("agentName").S(ag.name)
	e.K("interactionAgentId").S(id)
	e.K("interactionSegmentId").S(seg)
	e.K("sessionId").S(cx(0x5e55, ag.n))
	e.K("queueId").S(cx(kindQueue, q.n))
	e.K("startTimestamp").T(from, isoUTC)
	e.K("endTimestamp").T(to, isoUTC)
	e.EndObj()
}

// cxTranscript writes a messaging transcript: the customer and the agent
// take turns, the second agent after a transfer, and the system closes.
func cxTranscript(e *enc, rnd *rand.Rand, customer string, ag, other agent, transfer bool, pickup, xferAt, pickup2, end time.Time) int {
	topic := pick(rnd, topics)
	e.K("messagingTranscript").Arr()
	count := 0
	line := func(from, kind, text string, at time.Time) {
		e.Obj()
		e.K("payload").Obj()
		e.K("from").S(from)
		e.K("timestamp").T(at, isoUTC)
		if kind != "" {
			e.K("metadata").Obj()
			e.K("type").S(kind)
			e.EndObj()
		}
		e.K("body").Obj()
		e.K("text").S(text)
		e.EndObj()
		e.EndObj()
		e.EndObj()
		count++
	}
	t := pickup.Add(-time.Duration(5+rnd.IntN(20)) * time.Second)
	line(customer, "customer", fill(pick(rnd, customerLines), topic), t)
	agentNow := ag
	turns := 2 + rnd.IntN(5)
	for k := 0; k < turns; k++ {
		t = t.Add(time.Duration(10+rnd.IntN(60)) * time.Second)
		if transfer && !t.Before(xferAt) && agentNow.n == ag.n {
			agentNow = other
			if t.Before(pickup2) {
				t = pickup2.Add(time.Second)
			}
		}
		line(cx(kindAgent, agentNow.n), "agent", fill(pick(rnd, agentLines), topic), t)
		t = t.Add(time.Duration(15+rnd.IntN(90)) * time.Second)
		line(customer, "customer", fill(pick(rnd, customerLines), topic), t)
	}
	if end.After(t) {
		t = end
	}
	line("system", "", "Conversation ended", t)
	e.EndArr()
	return count
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
