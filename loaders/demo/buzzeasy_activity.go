package demo

import (
	"fmt"
	"time"
)

// The Buzzeasy share of the conversations, per scale step and tenant:
// calls, chats and emails with their queue stays, bot passes, workitems and
// captured values. Buzzeasy starts a new conversation when one is
// transferred, linked by nextConversationID; it has no messages.
const buzzConversations = 600

// convTables are Buzzeasy's conversation tables by medium.
var convTables = map[string]string{"voice": "Calls", "chat": "Chats", "email": "Emails"}

// carry is a conversation that a transfer continues: the next conversation
// starts where it ended, with the same customer and medium.
type carry struct {
	at       time.Time
	customer int
	media    string
}

func (b *buzz) activity() {
	w, rnd := b.w, b.rnd
	byMedia := map[string][]channel{}
	for _, c := range w.channels {
		byMedia[c.media] = append(byMedia[c.media], c)
	}
	endReasons := map[string][]string{
		"voice": {"Default", "Default", "Default", "CustomerDisconnected", "Abandoned", "TransferToChannel", "CallbackRequested"},
		"chat":  {"Default", "Default", "CustomerDisconnected", "IdleTimeout", "TransferredToQueue"},
		"email": {"Default", "Default", "IdleTimeout", "TransferToChannel"},
	}
	total := buzzConversations * w.scale
	n, wi, qs := 0, 0, 0
	var next *carry
	for d := 0; d < Days; d++ {
		if b.g.ctx.Err() != nil || b.g.err != nil {
			return
		}
		for _, start := range w.officeTimes(rnd, d, perDay(total, d)) {
			n++
			media := []string{"voice", "voice", "voice", "chat", "chat", "email"}[rnd.IntN(6)]
			cust := rnd.IntN(w.customers)
			if next != nil {
				start, cust, media = next.at, next.customer, next.media
				next = nil
			}
			ch := pick(rnd, byMedia[media])
			q := w.queues[rnd.IntN(len(w.queues))]
			ag := w.agents[rnd.IntN(len(w.agents))]
			c := w.customer(cust)
			queueTime := secs(rnd, 45, 2)
			handle := secs(rnd, 300, 20)
			reason := pick(rnd, endReasons[media])
			abandoned := reason == "Abandoned" || reason == "CustomerDisconnected"
			if abandoned {
				handle = 0
			}
			end := start.Add(dur(queueTime + handle + 5))
			open := n%97 == 0 // a few conversations are still going on
			transferred := !open && (reason == "TransferToChannel" || reason == "TransferredToQueue") && n < total
			if transferred {
				next = &carry{at: end.Add(2 * time.Second), customer: cust, media: media}
			}
			id := bz(kindConversation, n)
			e := b.row()
			e.K("id").S(id)
			e.K("businessUnitId").S(bz(kindBusinessUnit, ch.bu+1))
			switch media {
			case "voice":
				e.K("channelId").S(bz(kindChannel, ch.n))
				e.K("channelPhoneNumber").S(ch.phone)
			default:
				e.K("channelID").S(bz(kindChannel, ch.n))
			}
			e.K("channelType").S(ch.typ)
			if open {
				e.K("conversationEndedReason").N()
			} else {
				e.K("conversationEndedReason").S(reason)
			}
			e.K("customerFirstName").S(c.first)
			e.K("customerId").S(bz(kindCustomer, cust+1))
			e.K("customerLastName").S(c.last)
			length := end.Sub(start).Seconds()
			if open {
				length = queueTime + handle/2
				e.K("durationInSeconds").I(int64(length + 0.5))
				e.K("endedAt").N()
				e.K("endedAtUTC").N()
			} else {
				e.K("durationInSeconds").I(int64(length + 0.5))
				e.K("endedAt").S(w.local(end))
				e.K("endedAtUTC").S(utc(end))
			}
			outbound := n%11 == 0
			switch media {
			case "voice":
				e.K("customerJoinedAt").S(w.local(start))
				e.K("customerJoinedAtUTC").S(utc(start))
				e.K("customerPhoneNumber").S(c.phone)
				if outbound {
					e.K("customerRingDuration").I(int64(3 + rnd.IntN(20)))
				} else {
					e.K("customerRingDuration").I(0)
				}
				e.K("holdCount").I(int64(rnd.IntN(3)))
				e.K("holdDurationInSeconds").I(int64(secs(rnd, 20, 0)))
				e.K("isConsult").B(n%53 == 0)
				e.K("isOutbound").B(outbound)
			case "chat":
				e.K("averageAgentAnswerSpeedInSeconds").I(int64(secs(rnd, 25, 2)))
				e.K("averageBotAnswerSpeedInSeconds").I(int64(secs(rnd, 2, 1)))
				e.K("averageCustomerAnswerSpeedInSeconds").I(int64(secs(rnd, 40, 3)))
				if outbound {
					e.K("firstCustomerAnswerSpeedInSeconds").I(int64(secs(rnd, 120, 5)))
				}
			case "email":
				e.K("customerEmailAddress").S(c.email)
				e.K("firstReplyTimeInSeconds").I(int64(secs(rnd, 3600, 60)))
				e.K("isOutbound").B(outbound)
				e.K("subject").S("About my " + pick(rnd, topics))
				e.K("threadID").S(fmt.Sprintf("thread-%06d", cust+1))
			}
			// Buzzeasy's names for the time inside and outside opening hours.
			if media == "email" {
				e.K("inChannelClosedDurationInSeconds").I(0)
				e.K("inChannelOpenDurationInSeconds").I(int64(length + 0.5))
			} else {
				e.K("isChannelClosed").I(0)
				e.K("isChannelOpen").I(int64(length + 0.5))
			}
			if transferred {
				e.K("nextConversationID").S(bz(kindConversation, n+1))
			} else {
				e.K("nextConversationID").N()
			}
			e.K("openingCheckResult").S("Open")
			e.K("startedAt").S(w.local(start))
			e.K("startedAtUTC").S(utc(start))
			if media == "voice" {
				if reason == "TransferToChannel" {
					e.K("TransferInitiatedBy").S("agent")
				} else {
					e.K("TransferInitiatedBy").N()
				}
				e.K("TransferToExternalDestinationPhoneNumber").N()
			}
			if !abandoned {
				e.K("agentId").S(bz(kindAgent, ag.n))
			}
			e.K("queueId").S(bz(kindQueue, q.n))
			b.put(convTables[media])

			// The stay in the queue.
			qs++
			deq := start.Add(dur(queueTime))
			e = b.row()
			e.K("id").S(bz(kindQueueSegment, qs))
			e.K("channelId").S(bz(kindChannel, ch.n))
			e.K("queueId").S(bz(kindQueue, q.n))
			e.K("conversationId").S(id)
			e.K("queuedAt").S(w.local(start))
			e.K("queuedAtUTC").S(utc(start))
			e.K("dequeuedAt").S(w.local(deq))
			e.K("dequeuedAtUTC").S(utc(deq))
			e.K("durationInSeconds").I(int64(queueTime + 0.5))
			if abandoned {
				e.K("dequeuedReason").S("CustomerDisconnected")
			} else {
				e.K("dequeuedReason").S("AgentConnected")
			}
			b.put("QueueSegments")
			if n%29 == 0 {
				e = b.row()
				e.K("channelId").S(bz(kindChannel, ch.n))
				e.K("conversationId").S(id)
				e.K("id").S(bz(kindReject, n))
				e.K("queueId").S(bz(kindQueue, w.queues[(q.n)%len(w.queues)].n))
				e.K("rejectedAt").S(w.local(start))
				e.K("rejectedAtUTC").S(utc(start))
				e.K("rejectReason").S([]string{"NoAgentLoggedIn", "QueueSizeLimitReached", "NoAvailableStaffedAgent"}[n%3])
				b.put("RejectedEnqueueAttempts")
			}
			if n%3 == 0 {
				// Bot segments have local times only.
				e = b.row()
				e.K("id").S(bz(kindBotSegment, n))
				e.K("conversationID").S(id)
				e.K("botStepId").S(bz(kindBotStep, 1+rnd.IntN(6)))
				e.K("botFinishedInfo").S(fmt.Sprintf("%d", 1+n%3))
				e.K("botFinishedResult").S("success")
				e.K("botInfo").N()
				e.K("durationInSeconds").I(30)
				e.K("startedAt").S(w.local(start.Add(-30 * time.Second)))
				e.K("endedAt").S(w.local(start))
				e.K("result").S([]string{"Success", "Success", "CustomerDisconnect"}[rnd.IntN(3)])
				e.K("channelId").S(bz(kindChannel, ch.n))
				b.put("BotSegments")
			}
			e = b.row()
			e.K("ConversationId").S(id)
			e.K("name").S("intent")
			e.K("value").S(pick(rnd, topics))
			e.K("TimestampUtc").S(utc(start))
			b.put("CapturedData")
			if n%5 == 0 {
				e = b.row()
				e.K("ConversationId").S(id)
				e.K("name").S("cartTotal")
				e.K("value").S(fmt.Sprintf("%d.50", 10+rnd.IntN(500)))
				e.K("TimestampUtc").S(utc(start.Add(time.Second)))
				b.put("CapturedData")
			}
			if abandoned {
				continue
			}
			wi++
			b.workitem(wi, n, id, media, start, deq, handle, ch, q, ag, cust)
		}
	}
}

// workitem writes the agent's task on a conversation with its session,
// collected values and, for one task in ten, a quality evaluation.
func (b *buzz) workitem(wi, n int, conv, media string, start, deq time.Time, handle float64, ch channel, q queue, ag agent, cust int) {
	w, rnd := b.w, b.rnd
	id := bz(kindWorkitem, wi)
	wrap := secs(rnd, 30, 0)
	end := deq.Add(dur(handle + wrap + 1))
	e := b.row()
	e.K("activeDurationInSeconds").I(int64(handle + 0.5))
	e.K("agentId").S(bz(kindAgent, ag.n))
	e.K("agentPhoneNumber").N()
	e.K("businessUnitId").S(bz(kindBusinessUnit, ch.bu+1))
	e.K("completionCode").S(pick(rnd, topics))
	e.K("customerId").S(bz(kindCustomer, cust+1))
	e.K("durationInSeconds").I(int64(handle + wrap + 1.5))
	e.K("endTime").S(w.local(end))
	e.K("endTimeUTC").S(utc(end))
	e.K("id").S(id)
	e.K("lookupDuration").I(0)
	e.K("mediaType").S(map[string]string{"voice": "voice", "chat": "webchat", "email": "email"}[media])
	if n%7 == 0 {
		e.K("notes").S("Customer asked about " + pick(rnd, topics) + "; follow up next week.")
	} else {
		e.K("notes").N()
	}
	e.K("previewDuration").I(1)
	e.K("primaryChannelId").S(bz(kindChannel, ch.n))
	e.K("primaryConversationID").S(conv)
	e.K("queueID").S(bz(kindQueue, q.n))
	e.K("result").S("Handled")
	e.K("scriptId").N()
	e.K("startTime").S(w.local(deq))
	e.K("startTimeUTC").S(utc(deq))
	e.K("wrapUpDuration").I(int64(wrap + 0.5))
	b.put("Workitems")

	holds := 0
	if media == "voice" {
		holds = rnd.IntN(3)
	}
	e = b.row()
	e.K("conversationID").S(conv)
	e.K("endedReason").S("ConversationEnded")
	e.K("holdCount").I(int64(holds))
	e.K("id").S(bz(kindSession, wi))
	if holds > 0 {
		last := secs(rnd, 15, 2)
		e.K("lastHoldDuration").I(int64(last + 0.5))
		e.K("totalHoldDuration").I(int64(last + secs(rnd, 10, 0)*float64(holds-1) + 0.5))
	} else {
		e.K("lastHoldDuration").N()
		e.K("totalHoldDuration").I(0)
	}
	e.K("workitemId").S(id)
	b.put("WorkitemConversationSessions")

	e = b.row()
	e.K("createdAtUtc").S(utc(deq.Add(time.Minute)))
	e.K("name").S("reason")
	e.K("value").S(pick(rnd, topics))
	e.K("workitemId").S(id)
	b.put("CollectedData")

	if wi%10 != 0 {
		return
	}
	by := bz(kindSupervisor, 1+rnd.IntN(2))
	evStart := end.Add(48 * time.Hour)
	e = b.row()
	e.K("createdBy").S(by)
	e.K("endedAt").S(w.local(evStart.Add(6 * time.Minute)))
	e.K("endedAtUTC").S(utc(evStart.Add(6 * time.Minute)))
	e.K("id").S(bz(kindEvaluation, wi))
	e.K("scriptID").S("qa-script-1")
	e.K("startedAt").S(w.local(evStart))
	e.K("startedAtUtc").S(utc(evStart))
	e.K("workitemID").S(id)
	b.put("WorkitemEvaluations")
	for k, key := range []string{"greeting", "resolution", "tone"} {
		at := evStart.Add(time.Duration(2+k) * time.Minute)
		e = b.row()
		e.K("createdAt").S(w.local(at))
		e.K("createdAtUTC").S(utc(at))
		e.K("createdBy").S(by)
		e.K("evaluationID").S(bz(kindEvaluation, wi))
		e.K("id").S(bz(kindEvalAnswer, wi*10+k))
		e.K("name").S(key)
		e.K("scriptID").S("qa-script-1")
		e.K("value").S(fmt.Sprintf("%d", 3+rnd.IntN(3)))
		e.K("workitemId").S(id)
		b.put("WorkitemEvaluationData")
	}
}
