package liveperson

import (
	"strings"

	"github.com/ccfeed/ccfeed/loaders"
)

// directory gathers what the record says about each agent, wherever it
// says it (latest agent, participants, transfers, interactions), so each
// agent is written once with everything known about them.
func (c *conv) directory() {
	c.people, c.bots, c.agentIDs = map[string]loaders.Agent{}, map[string]bool{}, map[string]loaders.PersonRef{}
	in := c.in
	c.know(in.LatestAgentID.id(), in.LatestAgentLoginName, in.LatestAgentNickname, in.LatestAgentFullName)
	for _, p := range c.rec.AgentParticipants {
		id := p.AgentID.id()
		c.know(id, p.AgentLoginName, p.AgentNickname, p.AgentFullName)
		if id != "" && (strings.EqualFold(p.UserTypeName.text(""), "bot") || p.UserType.text("") == "2") {
			c.bots[id] = true
		}
	}
	for _, t := range c.rec.Transfers {
		c.know(t.SourceAgentID.id(), t.SourceAgentLoginName, t.SourceAgentNickname, t.SourceAgentFullName)
		c.know(t.AssignedAgentID.id(), t.AssignedAgentLoginName, t.AssignedAgentNickname, t.AssignedAgentFullName)
	}
	for _, i := range c.rec.Interactions {
		c.know(i.AssignedAgentID.id(), i.AssignedAgentLoginName, i.AssignedAgentNickname, i.AssignedAgentFullName)
	}
}

// know merges one mention of an agent: the login name is often an email
// address, which is what merges an agent across sources; the display name
// is the full name, else the nickname, else the login name.
func (c *conv) know(id string, login, nick, full scalar) {
	if id == "" {
		return
	}
	a := c.people[id]
	l := login.text(loaders.SentinelLPNull)
	setIf(&a.Email, emailText(l))
	setIf(&a.Name, full.text(loaders.SentinelLPNull))
	setIf(&a.Name, nick.text(loaders.SentinelLPNull))
	setIf(&a.Name, l)
	c.people[id] = a
}

// agent returns the reference to a LivePerson agent id: a mention keyed by
// the id, with what the record says about the agent (a login that is an
// address, the names, whether the participant is a bot).
func (c *conv) agent(id string) (loaders.PersonRef, error) {
	if id == "" {
		return loaders.PersonRef{}, nil
	}
	if k, ok := c.agentIDs[id]; ok {
		return k, nil
	}
	a := c.people[id]
	a.SourceID, a.Bot, a.Fresh = id, c.bots[id], c.fresh
	k, err := c.b.Agent(a)
	if err != nil {
		return loaders.PersonRef{}, err
	}
	c.agentIDs[id] = k
	return k, nil
}

// skillNative is the key of a skill's Queues row: LivePerson routes by
// skill, and the model keeps skills as queues.
func skillNative(id string) string { return "skill:" + id }

// queues writes a Queues row for every skill the record names. A skill's
// name is the one the freshest record gives (loaders.Batch.Claim), so a
// renamed skill shows its new name whatever the order of loads, and a
// record that gives no name erases none.
func (c *conv) queues() error {
	named := map[string]string{}
	var order []string
	add := func(id, name string) {
		if id == "" {
			return
		}
		if _, ok := named[id]; !ok {
			order = append(order, id)
		}
		if named[id] == "" && !strings.EqualFold(name, "Unassigned") {
			named[id] = name
		}
	}
	in := c.in
	add(in.LatestSkillID.id(), in.LatestSkillName.text(loaders.SentinelLPText))
	for _, t := range c.rec.Transfers {
		add(t.SourceSkillID.id(), t.SourceSkillName.text(loaders.SentinelLPText))
		add(t.TargetSkillID.id(), t.TargetSkillName.text(loaders.SentinelLPText))
	}
	for _, d := range c.rec.dialogs() {
		add(d.SkillID.id(), d.SkillName.text(loaders.SentinelLPText))
	}
	for _, id := range order {
		name, err := c.b.Claim(skillNative(id)+":name", c.fresh, named[id])
		if err != nil {
			return err
		}
		if err := c.b.Put(c.b.Row("Queues", skillNative(id)).Set("name", loaders.NZ(name))); err != nil {
			return err
		}
	}
	return nil
}
