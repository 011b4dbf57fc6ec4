package ino

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
)

// session is one staged row of the messages data source.
type session struct {
	Line      int64   `json:"l"`
	Start     int64   `json:"s"`
	End       int64   `json:"e,omitempty"`
	Wait      float64 `json:"w,omitempty"`
	Exchange  float64 `json:"x,omitempty"`
	Total     float64 `json:"t,omitempty"`
	Entry     string  `json:"ep,omitempty"`
	Status    string  `json:"st,omitempty"`
	Detailed  string  `json:"d,omitempty"`
	Outgoing  bool    `json:"o,omitempty"`
	Media     string  `json:"m,omitempty"`
	Smart     string  `json:"sr,omitempty"`
	Party     string  `json:"p,omitempty"`
	Queue     string  `json:"q,omitempty"`
	User      string  `json:"u,omitempty"`
	Transfer  bool    `json:"tr,omitempty"`
	DistStart int64   `json:"ds,omitempty"`
}

// interaction stages one row of the messages data source (one per
// interaction, or one per distribution of it).
func (l *loader) interaction(rec []string) error {
	get := func(c string) string { return l.r.Get(rec, c) }
	iid := get(colInteractionID)
	if iid == "" {
		return l.reject(l.r.Column(colInteractionID), "missing interaction id", "")
	}
	s := session{Line: int64(l.r.Line())}
	start, err := parseLocal(get(colSessionStart), l.b.Loc)
	if err != nil {
		return l.reject(l.r.Column(colSessionStart), "not a date-time", get(colSessionStart))
	}
	s.Start = start.UnixMilli()
	if v := get(colSessionEnd); v != "" {
		end, err := parseLocal(v, l.b.Loc)
		if err != nil {
			return l.reject(l.r.Column(colSessionEnd), "not a date-time", v)
		}
		s.End = orderInterval(start, end).UnixMilli()
	}
	if v := get(colDistDate); v != "" {
		if t, err := parseLocal(v, l.b.Loc); err == nil {
			s.DistStart = t.UnixMilli()
		}
	}
	for _, f := range []struct {
		col string
		dst *float64
	}{{colWait, &s.Wait}, {colExchange, &s.Exchange}, {colTotal, &s.Total}} {
		v, err := parseDuration(get(f.col))
		if err != nil {
			return l.reject(l.r.Column(f.col), "not a duration (HH:MM:SS or seconds)", get(f.col))
		}
		*f.dst = v
	}
	dir := strings.ToLower(get(colDirection))
	s.Outgoing = strings.HasPrefix(dir, "out") || strings.HasPrefix(dir, "sortant")
	s.Entry, s.Status, s.Detailed = get(colEntryPoint), get(colMsgStatus), get(colDetailed)
	s.Media, s.Smart, s.Party = get(colMessagingType), get(colSmartRouting), get(colCorrespondent)
	s.Queue, s.User = get(colQueue), get(colUser)
	if v := get(colTransfer); v != "" {
		s.Transfer, _ = parseYesNo(v)
	}
	// The distribution exports stage rows of the same interactions under
	// the bare interaction id; the messages export keeps its own group and
	// keys, so each rebuild reads only rows of its own shape.
	key := fmt.Sprintf("messages\x00%s\x00%d\x00%d\x00%s\x00%s", iid, s.Start, s.DistStart, s.Queue, s.User)
	payload, _ := json.Marshal(s)
	group := messagesGroup + iid
	if _, err := l.b.Stage(group, key, s.Start, payload, true); err != nil {
		return err
	}
	l.pending[group] = true
	return nil
}

// messagesGroup prefixes the staging group of an interaction's rows from the
// messages export.
const messagesGroup = "messages:"

// rebuildInteractions writes one Conversations row per interaction from all
// its staged rows: the earliest start, the latest end, the last agent.
func (l *loader) rebuildInteractions(groups []string) error {
	byIID := map[string][]session{}
	err := l.b.Staged(groups, func(g string, payload []byte) error {
		var s session
		if err := json.Unmarshal(payload, &s); err != nil {
			return err
		}
		iid := strings.TrimPrefix(g, messagesGroup)
		byIID[iid] = append(byIID[iid], s)
		return nil
	})
	if err != nil {
		return err
	}
	iids := make([]string, 0, len(byIID))
	for k := range byIID {
		iids = append(iids, k)
	}
	sort.Strings(iids)
	b := l.b
	for _, iid := range iids {
		ss := byIID[iid]
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].DistStart < ss[j].DistStart })
		first, last := ss[0], ss[len(ss)-1]
		start, end := first.Start, int64(0)
		var user, queue string
		for _, s := range ss {
			start = min(start, s.Start)
			end = max(end, s.End)
			if s.User != "" {
				user = s.User
			}
			if s.Queue != "" {
				queue = s.Queue
			}
		}
		custID, err := l.party(first.Party)
		if err != nil {
			return err
		}
		qid, err := l.queueID(queue)
		if err != nil {
			return err
		}
		c := b.Row("Conversations", iid).Set("mediaType", edm.MediaChat).Set("channelType", loaders.NZ(first.Media)).
			Set("startedAtUTC", time.UnixMilli(start)).Set("isOutbound", first.Outgoing).
			Set("contactPoint", loaders.NZ(first.Entry)).Set("customerId", loaders.NZ(custID)).
			Set("workflowName", loaders.NZ(first.Smart)).Set("queueId", loaders.NZ(qid)).
			Set("status", loaders.NZ(last.Status)).Set("sourceEndedReason", loaders.NZ(last.Detailed)).
			Set("isComplete", true)
		if strings.HasPrefix(first.Party, "+") {
			c.Set("customerPhoneNumber", first.Party)
		}
		if user != "" {
			id, err := b.Agent(loaders.Agent{Name: user})
			if err != nil {
				return err
			}
			c.Set("agentId", loaders.NZ(id))
		}
		switch {
		case end > 0:
			c.Set("endedAtUTC", time.UnixMilli(end)).Set("durationInSeconds", float64(end-start)/1000).
				Set("conversationEndedReason", loaders.NZ(endedReason(last.Detailed)))
		case first.Total > 0:
			c.Set("durationInSeconds", first.Total)
		}
		if err := b.Put(c); err != nil {
			return err
		}
	}
	return nil
}

// sms writes one Messages row per SMS (no staging: an SMS is one record).
func (l *loader) sms(rec []string) error {
	get := func(c string) string { return l.r.Get(rec, c) }
	b := l.b
	id := get(colSMSID)
	if id == "" {
		return l.reject(l.r.Column(colSMSID), "missing SMS id", "")
	}
	sent, err := parseLocal(get(colSendDate), b.Loc)
	if err != nil {
		return l.reject(l.r.Column(colSendDate), "not a date-time", get(colSendDate))
	}
	m := b.Row("Messages", "sms:"+id).Set("sentAtUTC", sent).Set("body", loaders.NZ(l.r.Raw(rec, colContent))).
		Set("contentType", "text").Set("deliveryStatus", loaders.NZ(get(colMsgStatus)))
	origin := strings.ToLower(get(colOrigin))
	sender := "system"
	if origin == "user" || origin == "utilisateur" {
		sender = "agent"
	}
	m.Set("senderType", sender)
	if iid := get(colInteractionID); iid != "" {
		m.Set("conversationId", b.ID(iid))
	}
	if u := get(colUser); u != "" {
		aid, err := b.Agent(loaders.Agent{Name: u})
		if err != nil {
			return err
		}
		m.Set("agentId", loaders.NZ(aid))
	}
	if c := get(colCredits); c != "" {
		if _, err := parseNumber(c); err != nil {
			return l.reject(l.r.Column(colCredits), "not a number", c)
		}
	}
	if err := b.Put(m); err != nil {
		return err
	}
	// Template, category and credits are kept as captured data of the SMS.
	for _, kv := range []struct{ name, col string }{{"smsTemplate", colSMSTemplate}, {"smsCategory", colSMSCategory}, {"smsType", colSMSType}, {"credits", colCredits}, {"origin", colOrigin}} {
		v := get(kv.col)
		if v == "" {
			continue
		}
		d := b.Row("CapturedData", "sms:"+id+":"+kv.name).Set("category", "sms").Set("name", kv.name).
			Set("value", v).Set("valueType", "string").Set("timestampUTC", sent)
		if n, err := parseNumber(v); err == nil && kv.name == "credits" {
			d.Set("valueType", "number").Set("numberValue", n)
		}
		if iid := get(colInteractionID); iid != "" {
			d.Set("conversationId", b.ID(iid))
		}
		if err := b.Put(d); err != nil {
			return err
		}
	}
	return nil
}
