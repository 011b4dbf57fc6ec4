package cxengage

import (
	"strings"

	"github.com/ccfeed/ccfeed/loaders"
)

// customer resolves the interaction's customer: an address with "@" is an
// email address, one made of phone characters a phone number, anything
// else (a messaging handle) the customer's id at the vendor; a CxEngage
// contact id, when there is one, identifies the customer first.
func (l *loader) customer(ix *interaction) (id, phone, email string, err error) {
	c := loaders.Customer{SourceID: ix.ContactID}
	switch v := ix.Customer; {
	case v == "":
	case strings.Contains(v, "@"):
		email = strings.ToLower(v)
		c.Email = email
	case isPhone(v):
		phone = v
		c.Phone = v
	case c.SourceID == "":
		c.SourceID = "handle:" + v
	}
	id, err = l.b.Customer(c)
	return id, phone, email, err
}

func isPhone(s string) bool {
	if loaders.NormalizePhone(s) == "" {
		return false
	}
	return strings.Trim(s, "+0123456789 -().") == ""
}

// agent returns the Agents row of a CxEngage agent id. The row carries
// the agent's name; an id met without one (a segment's agent absent from
// agents[]) takes the name last seen for it, from this file or an earlier
// one, so it never blanks a name already stored.
func (l *loader) agent(id, name string) (string, error) {
	name, err := l.name("agent", id, name)
	if err != nil {
		return "", err
	}
	row, err := l.b.Agent(loaders.Agent{SourceID: id, Name: name})
	if err != nil {
		return "", err
	}
	switch {
	case name == "":
		l.nameless[id] = true
	case l.nameless[id]:
		// Batch.Agent writes a person once per load; the row written
		// nameless earlier in this load gets the name now.
		delete(l.nameless, id)
		own := l.b.Tenant + ":" + l.b.Source + ":"
		if strings.HasPrefix(row, own) {
			if err := l.b.Put(l.b.Row("Agents", strings.TrimPrefix(row, own)).Set("name", name)); err != nil {
				return "", err
			}
		}
	}
	return row, nil
}

// queue writes the Queues row of a CxEngage queue id and returns its key.
func (l *loader) queue(id, name string) (string, error) {
	name, err := l.name("queue", id, name)
	if err != nil {
		return "", err
	}
	native := "queue:" + id
	if written, ok := l.queues[id]; !ok || written != name {
		if err := l.b.Put(l.b.Row("Queues", native).Set("name", loaders.NZ(name))); err != nil {
			return "", err
		}
		l.queues[id] = name
	}
	return l.b.ID(native), nil
}

// name remembers a display name given with an id, or finds the one last
// remembered when none is given. Names are staged, so they outlive the
// load: the next file that names the id only by itself still finds it.
func (l *loader) name(kind, id, name string) (string, error) {
	key := "name:" + kind + ":" + id
	if name != "" {
		if l.names[key] == name {
			return name, nil
		}
		l.names[key] = name
		_, err := l.b.Stage(key, key, 0, []byte(name), true)
		return name, err
	}
	if v, ok := l.names[key]; ok {
		return v, nil
	}
	err := l.b.Staged([]string{key}, func(_ string, p []byte) error {
		name = string(p)
		return nil
	})
	l.names[key] = name
	return name, err
}
