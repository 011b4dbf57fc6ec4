package liveperson

import (
	"github.com/ccfeed/ccfeed/loaders"

	"fmt"
	"sort"
	"strings"
)

// activity writes what happened between the conversation's start and end:
// transfers, the stays in skills (queue segments) and the agents' work
// (workitems). LivePerson keeps one conversation across transfers; the
// transfers are rows of Transfers, not new conversations.
//
// Queue time is derived, where the record allows it, from when the next
// agent was assigned: a stay in a skill starts at the conversation's start
// (its first skill) or at a transfer to the skill, and ends when an agent
// is assigned (interactions, and agent participants whose permission is an
// assignment), at the next transfer, or at the close.
func (c *conv) activity() error {
	assigns := c.assignments()
	trs := c.transfers()
	segs := c.segments(trs)
	for i := range segs {
		if err := c.segment(segs, i, trs, assigns); err != nil {
			return err
		}
	}
	for i := range trs {
		if err := c.transferRow(trs, i, assigns); err != nil {
			return err
		}
	}
	return c.workitems(trs, segs)
}

type assignment struct {
	at    int64
	agent string
}

// assignments lists when agents were assigned, in time order.
func (c *conv) assignments() []assignment {
	var out []assignment
	for _, i := range c.rec.Interactions {
		if t, ok := clock(i.InteractionTimeL, i.InteractionTime); ok {
			out = append(out, assignment{t, i.AssignedAgentID.id()})
		}
	}
	for _, p := range c.rec.AgentParticipants {
		if !strings.Contains(strings.ToUpper(p.Permission.text("")), "ASSIGN") {
			continue
		}
		if t, ok := clock(p.TimeL, p.Time); ok {
			out = append(out, assignment{t, p.AgentID.id()})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

// firstAssignment is the first assignment at or after from and before
// until (0: no bound).
func firstAssignment(as []assignment, from, until int64) (assignment, bool) {
	for _, a := range as {
		if a.at >= from && (until == 0 || a.at < until) {
			return a, true
		}
	}
	return assignment{}, false
}

// xfer is a transfer with its times and ids read.
type xfer struct {
	t              transfer
	at             int64 // 0 when the record gives no time
	native         string
	fromSkill      string
	toSkill        string
	fromAgent      string
	toAgent        string
	nextTransferAt int64 // the following timed transfer, 0 if none
}

// transfers reads the record's transfers in time order (untimed ones
// last, in record order).
func (c *conv) transfers() []xfer {
	out := make([]xfer, 0, len(c.rec.Transfers))
	for _, t := range c.rec.Transfers {
		x := xfer{t: t, fromSkill: t.SourceSkillID.id(), toSkill: t.TargetSkillID.id(),
			fromAgent: t.SourceAgentID.id(), toAgent: t.AssignedAgentID.id()}
		x.at, _ = clock(t.TimeL, t.Time)
		out = append(out, x)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].at == 0) != (out[j].at == 0) {
			return out[j].at == 0
		}
		return out[i].at < out[j].at
	})
	same := map[int64]int{}
	for i := range out {
		if out[i].at == 0 {
			out[i].native = fmt.Sprintf("%s:transfer:n%d", c.id, i)
			continue
		}
		out[i].native = fmt.Sprintf("%s:transfer:%d:%d", c.id, out[i].at, same[out[i].at])
		same[out[i].at]++
		for j := i + 1; j < len(out); j++ {
			if out[j].at > out[i].at {
				out[i].nextTransferAt = out[j].at
				break
			}
		}
	}
	return out
}

// seg is a stay of the conversation in a skill.
type seg struct {
	skill string
	from  int64
	entry string
	until int64 // the next timed transfer, 0 if none
}

// segments lists the stays in skills: the first skill from the start (the
// first transfer's source skill, else the latest skill when there was no
// transfer), then each skill a transfer sent the conversation to.
func (c *conv) segments(trs []xfer) []seg {
	var out []seg
	first := c.in.LatestSkillID.id()
	if len(trs) > 0 {
		first = trs[0].fromSkill
	}
	if first != "" && c.hasStart {
		s := seg{skill: first, from: c.start}
		for _, t := range trs {
			if t.at >= c.start {
				s.until = t.at
				break
			}
		}
		out = append(out, s)
	}
	for _, t := range trs {
		if t.at > 0 && t.toSkill != "" {
			out = append(out, seg{skill: t.toSkill, from: t.at, entry: "transfer", until: t.nextTransferAt})
		}
	}
	return out
}

// segment writes one QueueSegments row.
func (c *conv) segment(segs []seg, i int, trs []xfer, as []assignment) error {
	s := segs[i]
	r := c.b.Row("QueueSegments", fmt.Sprintf("%s:queue:%d:%s", c.id, s.from, s.skill)).
		Set("conversationId", c.key).Set("queueId", c.b.ID(skillNative(s.skill))).
		Set("queuedAtUTC", at(s.from)).Set("entryType", nzs(s.entry))
	var out int64
	var why string
	if a, ok := firstAssignment(as, s.from, s.until); ok {
		out, why = a.at, "AgentConnected"
		if a.agent != "" {
			id, err := c.agent(a.agent)
			if err != nil {
				return err
			}
			r.Set("agentId", id)
		}
	} else if s.until > 0 {
		out, why = s.until, "Transferred"
	} else if c.ended && c.end >= s.from {
		out, why = c.end, "Ended"
	}
	if why != "" {
		r.Set("dequeuedAtUTC", at(out)).Set("durationInSeconds", seconds(out-s.from)).Set("dequeuedReason", why)
	}
	return c.b.Put(r)
}

// transferRow writes one Transfers row.
func (c *conv) transferRow(trs []xfer, i int, as []assignment) error {
	x := trs[i]
	t := x.t
	r := c.b.Row("Transfers", x.native).Set("conversationId", c.key).Set("reason", nzs(t.Reason.text(loaders.SentinelLPNull)))
	if x.at > 0 {
		r.Set("transferredAtUTC", at(x.at))
		if a, ok := firstAssignment(as, x.at, x.nextTransferAt); ok {
			r.Set("queueTimeInSeconds", seconds(a.at-x.at))
		}
	}
	reason := strings.ToLower(t.Reason.text(loaders.SentinelLPNull))
	switch {
	case x.toAgent != "" || reason == "agent" || reason == "takeover":
		r.Set("transferType", "agent")
	case x.toSkill != "" || reason == "skill" || reason == "back2q":
		r.Set("transferType", "queue")
	}
	switch by := t.By.id(); {
	case by != "" && (c.bots[by] || by == x.fromAgent && c.bots[x.fromAgent]):
		// A bot handed the conversation on: not an agent's decision.
		r.Set("initiatedBy", "bot")
	case by != "":
		r.Set("initiatedBy", "agent")
	default:
		r.Set("initiatedBy", "system")
	}
	if x.fromSkill != "" {
		r.Set("fromQueueId", c.b.ID(skillNative(x.fromSkill)))
	}
	if x.toSkill != "" {
		r.Set("toQueueId", c.b.ID(skillNative(x.toSkill)))
	}
	for _, p := range []struct{ col, agent string }{{"fromAgentId", x.fromAgent}, {"toAgentId", x.toAgent}} {
		if p.agent == "" {
			continue
		}
		id, err := c.agent(p.agent)
		if err != nil {
			return err
		}
		r.Set(p.col, id)
	}
	return c.b.Put(r)
}

// workitems writes one Workitems row per agent participation: from the
// time the agent joined to when they left (agentParticipantsLeave), handed
// the conversation on (a transfer from them), or the conversation closed.
func (c *conv) workitems(trs []xfer, segs []seg) error {
	type part struct {
		p     participant
		agent string
		at    int64
		has   bool
	}
	var parts []part
	for _, p := range c.rec.AgentParticipants {
		id := p.AgentID.id()
		if id == "" {
			continue
		}
		t, ok := clock(p.TimeL, p.Time)
		parts = append(parts, part{p, id, t, ok})
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].at < parts[j].at })
	media := mediaOf(c.in.Source.text(loaders.SentinelLPText))
	seen := map[string]int{}
	for i, pt := range parts {
		if c.bots[pt.agent] {
			// A bot is a participant, not an agent with a task: its
			// work is in the messages it sent (senderType bot).
			continue
		}
		agentKey, err := c.agent(pt.agent)
		if err != nil {
			return err
		}
		native := fmt.Sprintf("%s:work:%s:%d", c.id, pt.agent, pt.at)
		if !pt.has {
			native = fmt.Sprintf("%s:work:%s:n%d", c.id, pt.agent, seen[pt.agent])
		}
		seen[pt.agent]++
		r := c.b.Row("Workitems", native).Set("agentId", agentKey).Set("primaryConversationId", c.key).
			Set("customerId", c.customer).Set("mediaType", nzs(media))
		if !pt.has {
			if err := c.b.Put(r); err != nil {
				return err
			}
			continue
		}
		r.Set("startTimeUTC", at(pt.at))
		// The agent's next participation bounds this one.
		var next int64
		for _, q := range parts[i+1:] {
			if q.agent == pt.agent && q.has && q.at > pt.at {
				next = q.at
				break
			}
		}
		before := func(t int64) bool { return t >= pt.at && (next == 0 || t < next) }
		var end int64
		result := ""
		for _, l := range c.rec.AgentParticipantsLeave {
			if t, ok := clock(l.TimeL, l.Time); ok && l.AgentID.id() == pt.agent && before(t) && (end == 0 || t < end) {
				end = t
			}
		}
		for _, x := range trs {
			if x.at > 0 && x.fromAgent == pt.agent && before(x.at) && (end == 0 || x.at <= end) {
				end, result = x.at, "Transferred"
				break
			}
		}
		if end == 0 && c.ended && c.end >= pt.at {
			end = c.end
		}
		if result == "" && c.sentBetween(pt.agent, pt.at, end) {
			result = "Handled"
		}
		if end > 0 {
			r.Set("endTimeUTC", at(end)).Set("durationInSeconds", seconds(end-pt.at))
		}
		r.Set("result", nzs(result))
		if q := skillAt(segs, pt.at); q != "" {
			r.Set("queueId", c.b.ID(skillNative(q)))
		}
		if err := c.b.Put(r); err != nil {
			return err
		}
	}
	return nil
}

// sentBetween reports whether the agent sent a message from from through
// to (to 0: no end).
func (c *conv) sentBetween(agent string, from, to int64) bool {
	for _, m := range c.msgs {
		if m.agent == agent && m.sent >= from && (to == 0 || m.sent <= to) {
			return true
		}
	}
	return false
}

// skillAt is the skill the conversation was in at time t.
func skillAt(segs []seg, t int64) string {
	out := ""
	for _, s := range segs {
		if s.from <= t {
			out = s.skill
		}
	}
	return out
}

// mediaOf names the medium of a workitem from the conversation's source.
func mediaOf(source string) string {
	s := strings.ToLower(source)
	switch {
	case s == "":
		return "chat"
	case s == "shark" || s == "web" || strings.Contains(s, "web"):
		return "webchat"
	case strings.Contains(s, "whatsapp"):
		return "whatsapp"
	case strings.Contains(s, "sms"):
		return "sms"
	case strings.Contains(s, "facebook"):
		return "facebook"
	case strings.Contains(s, "apple"):
		return "applebusinesschat"
	case s == "app":
		return "inapp"
	}
	return strings.ReplaceAll(s, " ", "")
}

// surveys writes one SurveyAnswers row per question answered.
func (c *conv) surveys() error {
	for i, s := range c.rec.ConversationSurveys {
		for j, qa := range s.SurveyData {
			r := c.b.Row("SurveyAnswers", fmt.Sprintf("%s:survey:%d:%d", c.id, i, j)).Set("conversationId", c.key).
				Set("surveyType", nzs(s.SurveyType.text(loaders.SentinelLPText))).Set("surveyStatus", nzs(s.SurveyStatus.text(loaders.SentinelLPText))).
				Set("question", nzs(qa.Question.text(loaders.SentinelLPText))).Set("answer", nzs(qa.Answer.text(loaders.SentinelLPText)))
			if err := c.b.Put(r); err != nil {
				return err
			}
		}
	}
	return nil
}
