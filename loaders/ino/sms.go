package ino

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// smsRec is one staged row of the SMS data source.
type smsRec struct {
	Line        int64             `json:"l,omitempty"`
	Sent        int64             `json:"s"`
	Content     string            `json:"c,omitempty"`
	Status      string            `json:"st,omitempty"`
	Origin      string            `json:"o,omitempty"`
	Interaction string            `json:"i,omitempty"`
	User        string            `json:"u,omitempty"`
	Sender      string            `json:"f,omitempty"`
	Recipient   string            `json:"t,omitempty"`
	Template    string            `json:"tp,omitempty"`
	Category    string            `json:"ca,omitempty"`
	Type        string            `json:"ty,omitempty"`
	Credits     string            `json:"cr,omitempty"`
	Extra       map[string]string `json:"x2,omitempty"`
}

// smsColumns are the columns SMS rows put in properties.
var smsColumns = map[string]bool{colSMSID: true, colSendDate: true, colContent: true, colMsgStatus: true,
	colOrigin: true, colInteractionID: true, colUser: true, colSender: true, colRecipient: true,
	colSMSTemplate: true, colSMSCategory: true, colSMSType: true, colCredits: true}

// smsGroup is the staging group of an SMS's copies.
func smsGroup(id string) string { return "sms:" + id }

// sms stages one SMS row; the SMS is written when the file's rows are
// flushed, from every copy of it loaded (an export run again may give a
// later status).
func (l *loader) sms(rec []string) error {
	get := func(c string) string { return l.r.Get(rec, c) }
	id := get(colSMSID)
	if id == "" {
		return l.reject(l.r.Column(colSMSID), "missing SMS id", "")
	}
	sent, err := l.local(colSendDate, get(colSendDate))
	if err != nil || sent.IsZero() {
		return l.timeError(colSendDate, get(colSendDate), err)
	}
	if c := get(colCredits); c != "" {
		if _, err := parseNumber(c); err != nil {
			return l.reject(l.r.Column(colCredits), "not a number", c)
		}
	}
	s := smsRec{Line: int64(l.r.Line()), Sent: sent.UnixMilli(), Content: l.r.Raw(rec, colContent),
		Status: get(colMsgStatus), Origin: get(colOrigin), Interaction: get(colInteractionID), User: get(colUser),
		Sender: get(colSender), Recipient: get(colRecipient), Template: get(colSMSTemplate),
		Category: get(colSMSCategory), Type: get(colSMSType), Credits: get(colCredits), Extra: l.extra(rec, smsColumns)}
	payload, err := json.Marshal(s)
	if err != nil {
		return err
	}
	g := smsGroup(id)
	if _, err := l.b.Stage(g, g+"\x00"+loaders.ContentHash(payload), s.Sent, payload, false); err != nil {
		return err
	}
	l.pendingSMS[id] = true
	return nil
}

// flushSMS writes the SMS this file touched from all their copies.
func (l *loader) flushSMS() error {
	if len(l.pendingSMS) == 0 {
		return nil
	}
	ids := make([]string, 0, len(l.pendingSMS))
	groups := make([]string, 0, len(l.pendingSMS))
	for id := range l.pendingSMS {
		ids = append(ids, id)
	}
	clear(l.pendingSMS)
	sort.Strings(ids)
	for _, id := range ids {
		groups = append(groups, smsGroup(id))
	}
	copies := map[string][]staged{}
	err := l.b.Staged(groups, func(g string, payload []byte) error {
		var s smsRec
		if err := json.Unmarshal(payload, &s); err != nil {
			return fmt.Errorf("ino: staged SMS %s: %w", g, err)
		}
		// No time tells SMS copies apart but the status: a delivered or
		// received SMS is further along than a sent one.
		cp := staged{payload: payload, hash: loaders.ContentHash(payload), end: statusRank(s.Status)}
		copies[g] = append(copies[g], cp)
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		cs := copies[smsGroup(id)]
		if len(cs) == 0 {
			continue
		}
		var s smsRec
		if err := mergeCopies(cs, &s); err != nil {
			return err
		}
		if err := l.writeSMS(id, s); err != nil {
			return err
		}
	}
	return nil
}

func statusRank(s string) int64 {
	switch strings.ToLower(s) {
	case "received", "reçu", "delivered", "distribué":
		return 2
	case "sent", "envoyé":
		return 1
	}
	return 0
}

// writeSMS writes one Messages row per SMS, its template, category, type,
// credits and origin as captured data, and every other column too.
func (l *loader) writeSMS(id string, s smsRec) error {
	b := l.b
	sent := time.UnixMilli(s.Sent)
	m := b.Row("Messages", "sms:"+id).Set("sentAtUTC", sent).Set("body", loaders.NZ(s.Content)).
		Set("contentType", "text").Set("deliveryStatus", loaders.NZ(s.Status)).
		Set("senderAddress", loaders.NZ(s.Sender)).Set("recipientAddress", loaders.NZ(s.Recipient))
	sender := "system"
	if o := strings.ToLower(s.Origin); o == "user" || o == "utilisateur" {
		sender = "agent"
	}
	m.Set("senderType", sender)
	if s.Interaction != "" {
		m.Set("conversationId", b.ID(s.Interaction))
	}
	aid, err := l.agent(s.User, s.Sent)
	if err != nil {
		return err
	}
	m.Set("agentId", aid)
	if err := b.Put(m); err != nil {
		return err
	}
	extra := map[string]string{}
	for k, v := range s.Extra {
		extra[k] = v
	}
	for _, kv := range []struct{ name, v string }{{"smsTemplate", s.Template}, {"smsCategory", s.Category},
		{"smsType", s.Type}, {"credits", s.Credits}, {"origin", s.Origin}} {
		if kv.v == "" {
			continue
		}
		d := b.Row("CapturedData", "sms:"+id+":"+kv.name).Set("category", "sms").Set("name", kv.name).
			Set("value", kv.v).Set("valueType", "string").Set("timestampUTC", sent)
		if n, err := parseNumber(kv.v); err == nil && kv.name == "credits" {
			d.Set("valueType", "number").Set("numberValue", n)
		}
		if s.Interaction != "" {
			d.Set("conversationId", b.ID(s.Interaction))
		}
		if err := b.Put(d); err != nil {
			return err
		}
	}
	for _, h := range sortedKeys(extra) {
		d := b.Row("CapturedData", "sms:"+id+":"+slug(h)).Set("category", "sms").Set("name", h).
			Set("value", extra[h]).Set("valueType", "string").Set("timestampUTC", sent)
		if s.Interaction != "" {
			d.Set("conversationId", b.ID(s.Interaction))
		}
		if err := b.Put(d); err != nil {
			return err
		}
	}
	return nil
}
