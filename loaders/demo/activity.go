package demo

import (
	"fmt"
	"strings"
	"time"
)

// activity generates conversations and everything that hangs off them:
// queue segments, workitems, bot segments, transfers, messages, captured and
// collected data, evaluations and surveys.
func (g *gen) activity() {
	n := 1500 * g.scale
	endReasons := map[string][]string{
		"voice": {"Default", "Default", "Default", "CustomerDisconnected", "Abandoned", "TransferToChannel", "CallbackRequested"},
		"chat":  {"Default", "Default", "CustomerDisconnected", "IdleTimeout", "TransferredToQueue"},
		"email": {"Default", "Default", "IdleTimeout", "TransferToChannel"},
	}
	for i := 0; i < n; i++ {
		native := fmt.Sprintf("conv-%06d", i+1)
		cid := g.id(native)
		ch := g.channels[g.rnd.IntN(len(g.channels))]
		q := g.queues[g.rnd.IntN(len(g.queues))]
		cust := g.customers[g.rnd.IntN(len(g.customers))]
		ag := g.agents[g.rnd.IntN(len(g.agents))]
		// Spread over the period, busier in office hours.
		start := Start.Add(time.Duration(g.rnd.IntN(Days))*24*time.Hour +
			time.Duration(7*3600+g.rnd.IntN(12*3600))*time.Second + time.Duration(g.rnd.IntN(1000))*time.Millisecond)
		queueTime := g.secs(45, 2)
		handle := g.secs(300, 20)
		reason := g.pick(endReasons[ch.media])
		abandoned := reason == "Abandoned" || reason == "CustomerDisconnected"
		if abandoned {
			handle = 0
		}
		end := start.Add(time.Duration((queueTime + handle + 5) * float64(time.Second)))
		open := i%97 == 0 // a few conversations are still open
		r := g.row("Conversations", native).
			Set("mediaType", ch.media).Set("channelId", ch.id).Set("channelType", ch.typ).
			Set("businessUnitId", ch.bu).Set("customerId", cust.id).
			Set("customerFirstName", cust.first).Set("customerLastName", cust.last).
			Set("queueId", q.id).Set("startedAtUTC", start).
			Set("isOutbound", i%11 == 0).Set("afterHours", start.Hour() >= 18).
			Set("openingCheckResult", "Open").Set("workflowName", "Main flow").Set("isComplete", true)
		if !abandoned {
			r.Set("agentId", ag.id)
		}
		if open {
			r.Set("status", "open").Set("durationInSeconds", queueTime+handle/2)
		} else {
			r.Set("status", "closed").Set("endedAtUTC", end).Set("durationInSeconds", end.Sub(start).Seconds()).
				Set("conversationEndedReason", reason).Set("sourceEndedReason", reason).
				Set("inChannelOpenDurationInSeconds", end.Sub(start).Seconds()).Set("inChannelClosedDurationInSeconds", 0)
		}
		switch ch.media {
		case "voice":
			r.Set("channelPhoneNumber", ch.phone).Set("customerPhoneNumber", cust.phone).
				Set("customerJoinedAtUTC", start).Set("holdCount", g.rnd.IntN(3)).
				Set("holdDurationInSeconds", g.secs(20, 0)).Set("isConsult", false).Set("contactPoint", ch.phone)
			if reason == "TransferToChannel" {
				r.Set("transferInitiatedBy", "agent")
			}
		case "chat":
			r.Set("averageAgentAnswerSpeedInSeconds", g.secs(25, 2)).Set("averageBotAnswerSpeedInSeconds", g.secs(2, 0.3)).
				Set("averageCustomerAnswerSpeedInSeconds", g.secs(40, 3)).Set("customerPhoneNumber", cust.phone).
				Set("csat", float64(1+g.rnd.IntN(5)))
		case "email":
			r.Set("subject", "About my "+g.pick(topics)).Set("customerEmailAddress", cust.email).
				Set("firstReplyTimeInSeconds", g.secs(3600, 60)).Set("threadId", fmt.Sprintf("thread-%05d", i/2))
		}
		if i > 0 && i%13 == 0 {
			r.Set("nextConversationId", g.id(fmt.Sprintf("conv-%06d", i+2)))
		}
		g.put("Conversations", r)

		// Queue segment(s).
		qs := g.row("QueueSegments", native+"-q1").Set("conversationId", cid).Set("channelId", ch.id).
			Set("queueId", q.id).Set("queuedAtUTC", start).Set("durationInSeconds", queueTime).Set("entryType", "ivr")
		deq := start.Add(time.Duration(queueTime * float64(time.Second)))
		qs.Set("dequeuedAtUTC", deq)
		if abandoned {
			qs.Set("dequeuedReason", "CustomerDisconnected").Set("sourceDequeuedReason", "abandon").Set("slaAbandoned", queueTime > 20)
		} else {
			qs.Set("dequeuedReason", "AgentConnected").Set("sourceDequeuedReason", "success").Set("agentId", ag.id).Set("slaAbandoned", false)
		}
		qs.Set("slaTimeInSeconds", queueTime)
		g.put("QueueSegments", qs)
		if i%29 == 0 {
			g.put("RejectedEnqueueAttempts", g.row("RejectedEnqueueAttempts", native+"-rej").Set("conversationId", cid).
				Set("channelId", ch.id).Set("queueId", g.queues[(i+1)%len(g.queues)].id).Set("rejectedAtUTC", start).
				Set("rejectReason", []string{"NoAgentLoggedIn", "QueueSizeLimitReached", "NoAvailableStaffedAgent"}[i%3]))
		}
		if i%3 == 0 {
			bs := g.row("BotSegments", native+"-bot").Set("conversationId", cid).Set("channelId", ch.id).
				Set("botStepId", g.pick(g.botSteps)).Set("startedAtUTC", start.Add(-30*time.Second)).
				Set("endedAtUTC", start).Set("durationInSeconds", 30.0).
				Set("result", []string{"Success", "Success", "CustomerDisconnect"}[g.rnd.IntN(3)]).
				Set("botFinishedInfo", fmt.Sprintf("%d", 1+i%3)).Set("botFinishedResult", "success")
			g.put("BotSegments", bs)
		}
		if abandoned {
			continue
		}
		// Workitem and its details.
		wid := native + "-w1"
		wiStart := deq
		wrap := g.secs(30, 0)
		wi := g.row("Workitems", wid).Set("agentId", ag.id).Set("businessUnitId", ch.bu).Set("customerId", cust.id).
			Set("queueId", q.id).Set("primaryChannelId", ch.id).Set("primaryConversationId", cid).
			Set("mediaType", map[string]string{"voice": "voice", "chat": "webchat", "email": "email"}[ch.media]).
			Set("startTimeUTC", wiStart).Set("activeDurationInSeconds", handle).Set("previewDuration", 1.0).
			Set("wrapUpDuration", wrap).Set("durationInSeconds", handle+wrap+1).
			Set("endTimeUTC", wiStart.Add(time.Duration((handle+wrap+1)*float64(time.Second)))).
			Set("result", "Handled").Set("sourceResult", "Handled").Set("completionCode", g.pick(topics))
		if i%7 == 0 {
			wi.Set("notes", "Customer asked about "+g.pick(topics)+"; follow up next week.")
		}
		g.put("Workitems", wi)
		g.put("WorkitemConversationSessions", g.row("WorkitemConversationSessions", wid+"-s1").Set("workitemId", g.id(wid)).
			Set("conversationId", cid).Set("endedReason", "ConversationEnded").Set("holdCount", 0).Set("totalHoldDuration", 0.0))
		g.put("CollectedData", g.row("CollectedData", wid+"-cd1").Set("workitemId", g.id(wid)).Set("name", "reason").
			Set("value", g.pick(topics)).Set("createdAtUTC", wiStart.Add(time.Minute)))
		if i%10 == 0 {
			evid := wid + "-ev"
			by := g.pick(g.users)
			evStart := wiStart.Add(48 * time.Hour)
			g.put("WorkitemEvaluations", g.row("WorkitemEvaluations", evid).Set("workitemId", g.id(wid)).Set("createdBy", by).
				Set("scriptId", "qa-script-1").Set("startedAtUTC", evStart).Set("endedAtUTC", evStart.Add(6*time.Minute)))
			for k, key := range []string{"greeting", "resolution", "tone"} {
				g.put("WorkitemEvaluationData", g.row("WorkitemEvaluationData", fmt.Sprintf("%s-%d", evid, k)).
					Set("workitemId", g.id(wid)).Set("evaluationId", g.id(evid)).Set("createdBy", by).
					Set("scriptId", "qa-script-1").Set("name", key).Set("value", fmt.Sprintf("%d", 3+g.rnd.IntN(3))).
					Set("createdAtUTC", evStart.Add(5*time.Minute)))
			}
		}
		g.put("CapturedData", g.row("CapturedData", native+"-cap1").Set("conversationId", cid).Set("category", "workflow").
			Set("name", "intent").Set("value", g.pick(topics)).Set("valueType", "string").Set("timestampUTC", start))
		if i%5 == 0 {
			amount := float64(10+g.rnd.IntN(500)) + 0.5
			g.put("CapturedData", g.row("CapturedData", native+"-cap2").Set("conversationId", cid).Set("category", "CART_STATUS").
				Set("name", "total").Set("value", fmt.Sprintf("%.2f", amount)).Set("valueType", "number").
				Set("numberValue", amount).Set("timestampUTC", start))
		}
		if i%17 == 0 {
			other := g.agents[(g.rnd.IntN(len(g.agents)-1)+1)%len(g.agents)]
			g.put("Transfers", g.row("Transfers", native+"-t1").Set("conversationId", cid).
				Set("transferredAtUTC", deq.Add(time.Duration(handle/2*float64(time.Second)))).Set("transferType", "agent").
				Set("fromAgentId", ag.id).Set("toAgentId", other.id).Set("fromQueueId", q.id).Set("toQueueId", q.id).
				Set("initiatedBy", "agent").Set("reason", "Skill").Set("result", "success").Set("queueTimeInSeconds", g.secs(20, 1)))
		}
		if ch.media == "chat" && i%4 == 0 {
			g.put("SurveyAnswers", g.row("SurveyAnswers", native+"-sv1").Set("conversationId", cid).Set("surveyType", "Satisfaction").
				Set("surveyStatus", "FILLED").Set("question", "Did we solve your problem?").
				Set("answer", []string{"Yes", "Yes", "No"}[i%3]).Set("answeredAtUTC", end.Add(time.Minute)))
		}
		if ch.media != "voice" {
			g.messages(native, cid, start.Add(time.Duration(queueTime*float64(time.Second))), ag, ch.media)
		}
	}
}

// messages writes a short exchange for a chat or email conversation. Indexes
// start above zero and skip values, as the two-way report's do.
func (g *gen) messages(native, cid string, t time.Time, ag agent, media string) {
	count := 6 + g.rnd.IntN(14)
	if media == "email" {
		count = 2 + g.rnd.IntN(3)
	}
	idx := int64(1 + g.rnd.IntN(3))
	topic := g.pick(topics)
	for k := 0; k < count; k++ {
		var sender, body string
		r := g.row("Messages", fmt.Sprintf("%s-m%03d", native, k))
		switch {
		case k == 0 && media == "chat" && g.rnd.IntN(2) == 0:
			sender, body = "bot", g.pick(botLines)
		case k%2 == 0:
			sender, body = "customer", strings.ReplaceAll(g.pick(customerLines), "%s", topic)
		default:
			sender, body = "agent", strings.ReplaceAll(g.pick(agentLines), "%s", topic)
			r.Set("agentId", ag.id)
		}
		r.Set("conversationId", cid).Set("senderType", sender).Set("sentAtUTC", t).Set("messageIndex", idx).
			Set("body", body).Set("contentType", "text").Set("deliveryStatus", "READ")
		if sender == "customer" && body[:4] == "Bonj" {
			r.Set("translation", "Hello, I have a problem with my "+topic+".").Set("language", "FR")
		}
		g.put("Messages", r)
		t = t.Add(time.Duration(5+g.rnd.IntN(90)) * time.Second)
		idx += int64(1 + g.rnd.IntN(2))
	}
}

func (g *gen) campaignRecords() {
	for i := 0; i < 40*g.scale; i++ {
		native := fmt.Sprintf("rec-%05d", i+1)
		camp := g.campaigns[i%len(g.campaigns)]
		cust := g.customers[i%len(g.customers)]
		created := Start.Add(time.Duration(i) * 3 * time.Hour)
		r := g.row("CampaignRecords", native).Set("campaignId", camp).Set("customerFirstName", cust.first).
			Set("customerLastName", cust.last).Set("customerPhone", cust.phone).Set("createdAtUTC", created).
			Set("newStatusDuration", g.secs(600, 10)).Set("queuedStatusDuration", g.secs(300, 10)).
			Set("totalCustomerRingTimeInSeconds", g.secs(25, 5)).Set("totalTalkTimeInSeconds", g.secs(200, 0))
		if i%3 == 0 {
			r.Set("status", "Completed").Set("closedAtUTC", created.Add(26*time.Hour))
		} else {
			r.Set("status", []string{"Processing", "Rescheduled"}[i%2]).Set("rescheduledStatusDuration", g.secs(3600, 60))
		}
		g.put("CampaignRecords", r)
		rid := g.id(native)
		g.put("CampaignRecordRegistrations", g.row("CampaignRecordRegistrations", native+"-reg").Set("campaignRecordId", rid).
			Set("campaignId", camp).Set("customerFirstName", cust.first).Set("customerLastName", cust.last).Set("customerPhone", cust.phone))
		g.put("CampaignRecordCustomFields", g.row("CampaignRecordCustomFields", native+"-f1").Set("campaignRecordId", rid).
			Set("customFieldName", "contractEnd").Set("customFieldValue", created.AddDate(0, 3, 0).Format("2006-01-02")))
		if i%4 == 0 {
			g.put("CampaignRecordAdditionalPhoneNumbers", g.row("CampaignRecordAdditionalPhoneNumbers", native+"-p1").
				Set("campaignRecordId", rid).Set("phoneNumber", fmt.Sprintf("+1555%07d", 2000000+i)))
		}
	}
}
