package liveperson

import (
	"strings"

	"github.com/ccfeed/ccfeed/loaders"
)

// directory gathers what the record says about each agent, wherever it
// says it (latest agent, participants, transfers, interactions), so each
// agent is written once with everything known about them.
func (c *conv) directory() {
	c.people, c.bots, c.agentIDs = map[string]loaders.Agent{}, map[string]bool{}, map[string]string{}
	in := c.in
	c.know(in.LatestAgentID.id(), in.LatestAgentLoginName, in.LatestAgentNickname, in.LatestAgentFullName)
	for _, p := range c.rec.AgentParticipants {
		id := p.AgentID.id()
		c.know(id, p.AgentLoginName, p.AgentNickname, p.AgentFullName)
		if id != "" && (strings.EqualFold(p.UserTypeName.text(), "bot") || p.UserType.text() == "2") {
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
	l := login.text(undefined, "null")
	setIf(&a.Email, emailText(l))
	setIf(&a.Name, full.text(undefined, "null"))
	setIf(&a.Name, nick.text(undefined, "null"))
	setIf(&a.Name, l)
	c.people[id] = a
}

// agent returns the Agents row id of a LivePerson agent id.
func (c *conv) agent(id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if k, ok := c.agentIDs[id]; ok {
		return k, nil
	}
	a := c.people[id]
	if a.Email != "" {
		// Two LivePerson ids with one login address are one person to
		// loaders.Agent, which rewrites the merged row with the details of
		// whichever id it is given on a later load; giving every id of an
		// address the details first seen for it keeps a reload from
		// changing the row.
		if first, ok := c.l.agentByEmail[a.Email]; ok {
			a = first
		} else {
			c.l.agentByEmail[a.Email] = a
		}
	}
	a.SourceID = id
	k, err := c.b.Agent(a)
	if err != nil {
		return "", err
	}
	c.agentIDs[id] = k
	return k, nil
}

// skillNative is the key of a skill's Queues row: LivePerson routes by
// skill, and the model keeps skills as queues.
func skillNative(id string) string { return "skill:" + id }

// queues writes a Queues row for every skill the record names. A skill
// whose name the record does not give is written without one only if no
// earlier load named it (a row written with an empty name would erase the
// name), which the staged registry of skill names tells.
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
	add(in.LatestSkillID.id(), in.LatestSkillName.text(undefined))
	for _, t := range c.rec.Transfers {
		add(t.SourceSkillID.id(), t.SourceSkillName.text(undefined))
		add(t.TargetSkillID.id(), t.TargetSkillName.text(undefined))
	}
	for _, d := range c.rec.dialogs() {
		add(d.SkillID.id(), d.SkillName.text(undefined))
	}
	for _, id := range order {
		if err := c.l.skill(id, named[id]); err != nil {
			return err
		}
	}
	return nil
}

// skill writes the Queues row of a skill once per load and name.
func (l *loader) skill(id, name string) error {
	b := l.b
	prev, seen := l.skills[id]
	if seen && (name == "" || name == prev) {
		return nil
	}
	group := skillNative(id)
	if name == "" {
		known, err := b.StagedGroups([]string{group})
		if err != nil {
			return err
		}
		l.skills[id] = ""
		if known[group] {
			return nil
		}
		return b.Put(b.Row("Queues", group))
	}
	l.skills[id] = name
	if _, err := b.Stage(group, group, 0, []byte(name), true); err != nil {
		return err
	}
	return b.Put(b.Row("Queues", group).Set("name", name))
}
