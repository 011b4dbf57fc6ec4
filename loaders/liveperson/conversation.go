package liveperson

import (
	"encoding/json"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
)

// conv derives the rows of one conversation record.
type conv struct {
	l    *loader
	b    *loaders.Batch
	id   string // LivePerson conversationId
	key  string // the Conversations row id
	rec  *record
	in   *info
	line func() int64

	start, end int64 // epoch ms; end is 0 while open
	hasStart   bool
	ended      bool

	people   map[string]loaders.Agent     // LivePerson agent id -> what the record says
	bots     map[string]bool              // agent ids whose user type is bot
	agentIDs map[string]loaders.PersonRef // LivePerson agent id -> the agent
	customer loaders.PersonRef

	msgs  []*msg            // messages in seq order
	bySeq map[int64]message // message records by seq
	sdes  *[]sdeEvent       // engagement attribute events, once read
	ver   version
	// fresh is when the record was current (see version), for what it
	// says about people.
	fresh int64
}

func (c *conv) derive() error {
	c.directory()
	if err := c.parseMessages(); err != nil {
		return err
	}
	if err := c.queues(); err != nil {
		return err
	}
	if err := c.conversation(); err != nil {
		return err
	}
	for _, step := range []func() error{c.messages, c.activity, c.surveys, c.captured} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// times reads start and end. A conversation has ended when endTimeL (or
// endTime) is a time or its status is CLOSE; a closed record without an end
// time ends at start + duration.
func (c *conv) times() {
	in := c.in
	c.start, c.hasStart = clock(in.StartTimeL, in.StartTime)
	end, ok := clock(in.EndTimeL, in.EndTime)
	closed := strings.EqualFold(in.Status.text(""), "CLOSE") || strings.EqualFold(in.Status.text(""), "CLOSED")
	switch {
	case ok:
		c.end, c.ended = end, true
	case closed && c.hasStart:
		if d, ok := in.Duration.int(); ok && d >= 0 {
			c.end, c.ended = c.start+d, true
		}
	}
	if c.ended && c.hasStart && c.end < c.start {
		c.end = c.start
	}
}

// conversation writes the Conversations row (a Chats row: mediaType chat)
// and the customer.
func (c *conv) conversation() error {
	b, in := c.b, c.in
	cust, err := c.customerRow()
	if err != nil {
		return err
	}
	r := b.Row("Conversations", c.id).Set("mediaType", edm.MediaChat).
		Set("channelType", loaders.NZ(in.Source.text(loaders.SentinelLPText))).
		Set("customerDevice", loaders.NZ(c.device())).
		Set("status", loaders.NZ(statusText(in.Status.text(loaders.SentinelLPText)))).
		Set("summary", loaders.NZ(c.rec.Summary.Text.text(loaders.SentinelLPText))).
		Set("isComplete", !isTrue(in.IsPartial))
	r.Set("customerId", cust.id)
	r.Set("customerFirstName", loaders.NZ(cust.first)).Set("customerLastName", loaders.NZ(cust.last)).
		Set("customerEmailAddress", loaders.NZ(cust.email)).Set("customerPhoneNumber", loaders.NZ(cust.phone))
	if c.hasStart {
		r.Set("startedAtUTC", at(c.start))
	}
	if d, ok := in.Duration.int(); ok && d >= 0 {
		r.Set("durationInSeconds", seconds(d))
	} else if c.ended && c.hasStart {
		r.Set("durationInSeconds", seconds(c.end-c.start))
	}
	if c.ended {
		r.Set("endedAtUTC", at(c.end))
		// A close reason on an open conversation (the vendor's example has
		// one) says nothing about an end that has not happened.
		why, detail := in.CloseReason.text(loaders.SentinelLPNull), in.CloseReasonDescription.text(loaders.SentinelLPNull)
		r.Set("conversationEndedReason", endedReason(why, detail)).
			Set("sourceEndedReason", loaders.NZ(why)).Set("endedReasonDetail", loaders.NZ(detail))
	}
	if src := in.Source.text(loaders.SentinelLPText); src != "" {
		// AGENT is LivePerson's source for conversations an agent opened.
		r.Set("isOutbound", strings.EqualFold(src, "AGENT"))
	}
	if v, ok := c.csat(); ok {
		r.Set("csat", v)
	}
	if skill := in.LatestSkillID.id(); skill != "" {
		r.Set("queueId", b.ID(skillNative(skill)))
	}
	// -1 is "unassigned", not a group.
	if g := in.LatestAgentGroupID.id(); g != "" {
		name := in.LatestAgentGroupName.text(loaders.SentinelLPText)
		if name == "" {
			name = g
		}
		r.Set("agentGroup", name)
	}
	if a := c.latestAgent(); a != "" {
		id, err := c.agent(a)
		if err != nil {
			return err
		}
		r.Set("agentId", id)
	}
	for col, v := range c.answerSpeeds() {
		r.Set(col, v)
	}
	if err := b.Put(r); err != nil {
		return err
	}
	c.customer = cust.id
	return nil
}

// latestAgent is the info's latest agent, else the agent last assigned
// among the participants.
func (c *conv) latestAgent() string {
	if a := c.in.LatestAgentID.id(); a != "" {
		return a
	}
	var last string
	var lastAt int64 = -1
	for _, p := range c.rec.AgentParticipants {
		id := p.AgentID.id()
		if id == "" || !strings.Contains(strings.ToUpper(p.Permission.text("")), "ASSIGN") {
			continue
		}
		if t, _ := clock(p.TimeL, p.Time); t >= lastAt {
			last, lastAt = id, t
		}
	}
	return last
}

// device is the customer's device: the info's, else the monitoring's.
func (c *conv) device() string {
	if d := c.in.Device.text(loaders.SentinelLPDevice); d != "" {
		return d
	}
	var m struct {
		Device scalar `json:"device"`
	}
	if len(c.rec.Monitoring) > 0 && json.Unmarshal(c.rec.Monitoring, &m) == nil {
		return m.Device.text(loaders.SentinelLPDevice)
	}
	return ""
}

// csat reads csat, or csatRate (the examples' spelling).
func (c *conv) csat() (float64, bool) {
	for _, s := range []scalar{c.in.CSAT, c.in.CSATRate} {
		if s.text(loaders.SentinelLPCSAT) == "" {
			continue
		}
		if v, ok := s.float(); ok {
			return v, true
		}
	}
	return 0, false
}

// statusText maps OPEN and CLOSE to the model's open and closed; other
// states are kept in lower case.
func statusText(s string) string {
	switch strings.ToUpper(s) {
	case "":
		return ""
	case "OPEN":
		return "open"
	case "CLOSE", "CLOSED":
		return "closed"
	}
	return strings.ToLower(s)
}

func isTrue(s scalar) bool {
	v, ok := s.bool()
	return ok && v
}

// endedReason maps LivePerson's closeReason (who closed: AGENT, CONSUMER,
// SYSTEM) and closeReasonDescription (how: MANUAL_CLOSE, AUTO_CLOSE,
// TIMEOUT...) to the model's vocabulary (Buzzeasy's):
//
//	CONSUMER                                   CustomerDisconnected
//	any, description says auto/timeout/idle    IdleTimeout
//	AGENT, SYSTEM, other                       Default
//
// The raw values stay in sourceEndedReason and endedReasonDetail.
func endedReason(why, detail string) string {
	w, d := strings.ToUpper(why), strings.ToUpper(detail)
	switch {
	case w == "CONSUMER" || w == "VISITOR":
		return "CustomerDisconnected"
	case strings.Contains(d, "AUTO") || strings.Contains(d, "TIMEOUT") || strings.Contains(d, "IDLE") || strings.Contains(d, "INACTIV"):
		return "IdleTimeout"
	}
	return "Default"
}

// customer is the consumer as the conversation row shows it.
type customer struct {
	id                        loaders.PersonRef
	first, last, email, phone string
}

// customerRow writes the Customers row of the consumer. The consumer
// participant's own fields come first; when it has no email address or
// phone number, those of an authenticated personal-info engagement
// attribute (set by the brand for a logged-in visitor) stand in, so the
// customer can be matched across sources. Unauthenticated attributes are
// what a visitor typed and never identify anyone.
func (c *conv) customerRow() (customer, error) {
	var cu customer
	var pid string
	for _, p := range append(append(list[consumer]{}, c.rec.ConsumerParticipant...), c.rec.ConsumerParticipants...) {
		if pid == "" {
			pid = p.ParticipantID.id()
		}
		setIf(&cu.first, p.FirstName.text(loaders.SentinelLPNull))
		setIf(&cu.last, p.LastName.text(loaders.SentinelLPNull))
		if cu.first == "" {
			setIf(&cu.first, p.ConsumerName.text(loaders.SentinelLPNull))
		}
		setIf(&cu.email, emailText(p.Email.text(loaders.SentinelLPNull)))
		// "0" is LivePerson's placeholder for no phone number.
		setIf(&cu.phone, loaders.NormalizePhone(p.Phone.text(loaders.SentinelLPPhone)))
	}
	if cu.email == "" || cu.phone == "" {
		email, phone := c.authenticatedContact()
		setIf(&cu.email, email)
		setIf(&cu.phone, phone)
	}
	if pid == "" && cu.email == "" && cu.phone == "" {
		return cu, nil
	}
	id, err := c.b.Customer(loaders.Customer{SourceID: pid, VendorID: c.authenticatedCustomerID(), Email: cu.email, Phone: cu.phone,
		FirstName: cu.first, LastName: cu.last, Fresh: c.fresh})
	cu.id = id
	return cu, err
}

// emailText keeps a value that looks like an email address.
func emailText(s string) string {
	if !strings.Contains(s, "@") {
		return ""
	}
	return strings.ToLower(s)
}

func setIf(dst *string, v string) {
	if *dst == "" && v != "" {
		*dst = v
	}
}
