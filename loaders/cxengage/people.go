package cxengage

import (
	"strings"

	"github.com/ccfeed/ccfeed/loaders"
)

// customer resolves the interaction's customer: an address with "@" is an
// email address, one made of phone characters a phone number, anything
// else (a messaging handle) the customer's id at the vendor. A CxEngage
// contact id, when there is one, keys the mention and is a strong
// identifier (the contact record another interaction may name).
func (l *loader) customer(ix *interaction) (id loaders.PersonRef, phone, email string, err error) {
	c := loaders.Customer{SourceID: ix.ContactID, VendorID: ix.ContactID, Fresh: fresh(ix)}
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

// agent returns the reference to a CxEngage agent id: a mention keyed by the
// id, with the name the interaction gives (a segment's agent absent from
// agents[] gives none, which erases nothing: see loaders.Batch.Agent).
func (l *loader) agent(ix *interaction, id, name string) (loaders.PersonRef, error) {
	return l.b.Agent(loaders.Agent{SourceID: id, Name: name, Fresh: fresh(ix)})
}

// queue writes the Queues row of a CxEngage queue id and returns its key. Its
// name and platform number are what the freshest interaction that gives
// them says (loaders.Batch.Claim), whatever the order of loads.
func (l *loader) queue(ix *interaction, id, name, platform string) (string, error) {
	native := "queue:" + id
	t := fresh(ix)
	name, err := l.b.Claim(native+":name", t, name)
	if err != nil {
		return "", err
	}
	platform, err = l.b.Claim(native+":platformQueueId", t, platform)
	if err != nil {
		return "", err
	}
	r := l.b.Row("Queues", native).Set("name", loaders.NZ(name)).Set("platformQueueId", loaders.NZ(platform))
	if err := l.b.Put(r); err != nil {
		return "", err
	}
	return l.b.ID(native), nil
}
