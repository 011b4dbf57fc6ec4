package ino

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// dist is one staged distribution row.
type dist struct {
	Line      int64   `json:"l"`
	Outgoing  bool    `json:"o,omitempty"`
	Start     int64   `json:"s"`
	End       int64   `json:"e,omitempty"`
	ToUser    bool    `json:"u,omitempty"`
	Media     string  `json:"m,omitempty"`
	Party     string  `json:"p,omitempty"`
	Queue     string  `json:"q,omitempty"`
	User      string  `json:"us,omitempty"`
	Wait      float64 `json:"w,omitempty"`
	Exchange  float64 `json:"x,omitempty"`
	Post      float64 `json:"pi,omitempty"`
	Total     float64 `json:"t,omitempty"`
	Status    string  `json:"st,omitempty"`
	Transfer  bool    `json:"tr,omitempty"`
	Detailed  string  `json:"d,omitempty"`
	TrDate    int64   `json:"td,omitempty"`
	TrRelease int64   `json:"trl,omitempty"`
	TrUser    bool    `json:"tu,omitempty"`
	TrQueue   string  `json:"tq,omitempty"`
	TrGroup   string  `json:"tg,omitempty"`
	TrSmart   string  `json:"ts,omitempty"`
	TrEntry   string  `json:"te,omitempty"`
	Routing   string  `json:"r,omitempty"`
}

// distribution parses and stages one distribution row.
func (l *loader) distribution(rec []string) error {
	get := func(c string) string { return l.r.Get(rec, c) }
	iid := get(colInteractionID)
	if iid == "" {
		return l.reject(l.r.Column(colInteractionID), "missing interaction id", "")
	}
	d := dist{Line: int64(l.r.Line()), Outgoing: l.kind == outgoingDistributions}
	start, err := parseLocal(get(colDistDate), l.b.Loc)
	if err != nil {
		return l.reject(l.r.Column(colDistDate), "not a date-time (DD/MM/YYYY HH:MM:SS or YYYY-MM-DD HH:MM:SS)", get(colDistDate))
	}
	d.Start = start.UnixMilli()
	if s := get(colDistEnd); s != "" {
		end, err := parseLocal(s, l.b.Loc)
		if err != nil {
			return l.reject(l.r.Column(colDistEnd), "not a date-time", s)
		}
		d.End = orderInterval(start, end).UnixMilli()
	}
	typ := strings.ToLower(get(colType))
	switch {
	case strings.HasPrefix(typ, "user"), strings.HasPrefix(typ, "utilisateur"), strings.HasPrefix(typ, "agent"):
		d.ToUser = true
	case strings.HasPrefix(typ, "queue"), strings.HasPrefix(typ, "file"):
	default:
		return l.reject(l.r.Column(colType), "expected Queue or User (File d'attente or Utilisateur)", get(colType))
	}
	d.Media, d.Queue, d.User = get(colMessagingType), get(colQueue), get(colUser)
	d.Party = get(colSender)
	if d.Outgoing {
		d.Party = get(colRecipient)
	}
	for _, f := range []struct {
		col string
		dst *float64
	}{{colWait, &d.Wait}, {colExchange, &d.Exchange}, {colPost, &d.Post}, {colTotal, &d.Total}} {
		v, err := parseDuration(get(f.col))
		if err != nil {
			return l.reject(l.r.Column(f.col), "not a duration (HH:MM:SS or seconds)", get(f.col))
		}
		*f.dst = v
	}
	d.Status, d.Detailed, d.Routing = get(colStatus), get(colDetailed), get(colRoutingType)
	if s := get(colTransferred); s != "" {
		v, ok := parseYesNo(s)
		if !ok {
			return l.reject(l.r.Column(colTransferred), "expected yes or no", s)
		}
		d.Transfer = v
	}
	if s := get(colTransferUser); s != "" {
		d.TrUser, _ = parseYesNo(s)
	}
	for _, f := range []struct {
		col string
		dst *int64
	}{{colTransferDate, &d.TrDate}, {colTransferRel, &d.TrRelease}} {
		if s := get(f.col); s != "" {
			t, err := parseLocal(s, l.b.Loc)
			if err != nil {
				return l.reject(l.r.Column(f.col), "not a date-time", s)
			}
			*f.dst = t.UnixMilli()
		}
	}
	d.TrQueue, d.TrGroup, d.TrSmart, d.TrEntry = get(colTransferQueue), get(colTransferGroup), get(colTransferSmart), get(colTransferEntry)
	key := strings.Join([]string{iid, fmt.Sprint(d.ToUser), d.Queue, d.User, fmt.Sprint(d.Start)}, "\x00")
	payload, _ := json.Marshal(d)
	if _, err := l.b.Stage(iid, key, d.Start, payload, true); err != nil {
		return err
	}
	l.pending[iid] = true
	return nil
}

// rebuildDistributions derives queue segments, workitems and transfers of
// the interactions from all their staged distributions.
func (l *loader) rebuildDistributions(groups []string) error {
	byIID := map[string][]dist{}
	err := l.b.Staged(groups, func(g string, payload []byte) error {
		var d dist
		if err := json.Unmarshal(payload, &d); err != nil {
			return err
		}
		byIID[g] = append(byIID[g], d)
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
	for _, iid := range iids {
		if err := l.deriveInteraction(iid, byIID[iid]); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) queueID(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	native := "queue:" + slug(name)
	if err := l.b.Put(l.b.Row("Queues", native).Set("name", name)); err != nil {
		return "", err
	}
	return l.b.ID(native), nil
}

func (l *loader) deriveInteraction(iid string, ds []dist) error {
	b := l.b
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Start < ds[j].Start })
	conv := b.ID(iid)
	prevTransfer := false
	for _, d := range ds {
		qid, err := l.queueID(d.Queue)
		if err != nil {
			return err
		}
		start := time.UnixMilli(d.Start)
		suffix := fmt.Sprintf("%d", d.Start)
		if !d.ToUser {
			q := b.Row("QueueSegments", iid+":q:"+slug(d.Queue)+":"+suffix).Set("conversationId", conv).
				Set("queueId", loaders.NZ(qid)).Set("queuedAtUTC", start).Set("durationInSeconds", d.Wait).
				Set("dequeuedReason", loaders.NZ(dequeuedReason(d.Detailed))).Set("sourceDequeuedReason", loaders.NZ(d.Detailed))
			// A queue row's end date is when the whole distribution ended
			// (the agent's row ends at the same moment); the customer
			// left the queue after the wait time, at once when it is zero.
			// A row with neither is still queued.
			if d.Wait > 0 || d.End > 0 {
				q.Set("dequeuedAtUTC", start.Add(time.Duration(d.Wait*float64(time.Second))))
			}
			if prevTransfer {
				q.Set("entryType", "transfer")
			}
			if err := b.Put(q); err != nil {
				return err
			}
		} else {
			agentID, err := b.Agent(loaders.Agent{Name: d.User})
			if err != nil {
				return err
			}
			custID, err := l.party(d.Party)
			if err != nil {
				return err
			}
			w := b.Row("Workitems", iid+":w:"+slug(d.User)+":"+suffix).Set("agentId", loaders.NZ(agentID)).
				Set("queueId", loaders.NZ(qid)).Set("primaryConversationId", conv).Set("customerId", loaders.NZ(custID)).
				Set("mediaType", loaders.NZ(strings.ToLower(d.Media))).Set("startTimeUTC", start).
				Set("activeDurationInSeconds", d.Exchange).Set("wrapUpDuration", d.Post).
				Set("result", workitemResult(d.Status, d.Detailed)).Set("sourceResult", loaders.NZ(d.Detailed))
			if d.Total > 0 {
				w.Set("durationInSeconds", d.Total)
			} else if d.End > 0 {
				w.Set("durationInSeconds", float64(d.End-d.Start)/1000)
			}
			if d.End > 0 {
				w.Set("endTimeUTC", time.UnixMilli(d.End))
			}
			if err := b.Put(w); err != nil {
				return err
			}
		}
		prevTransfer = d.Transfer
		if !d.Transfer {
			continue
		}
		if err := l.transfer(iid, conv, qid, d); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) transfer(iid, conv, fromQueue string, d dist) error {
	b := l.b
	at := d.TrDate
	if at == 0 {
		at = d.End
	}
	if at == 0 {
		at = d.Start
	}
	toQueue, err := l.queueID(d.TrQueue)
	if err != nil {
		return err
	}
	t := b.Row("Transfers", fmt.Sprintf("%s:t:%d", iid, d.Start)).Set("conversationId", conv).
		Set("transferredAtUTC", time.UnixMilli(at)).Set("fromQueueId", loaders.NZ(fromQueue)).
		Set("toQueueId", loaders.NZ(toQueue)).Set("reason", loaders.NZ(d.Detailed)).Set("initiatedBy", "agent")
	switch {
	case d.TrUser:
		t.Set("transferType", "agent")
	case d.TrQueue != "" || d.TrGroup != "":
		t.Set("transferType", "queue")
	case d.TrSmart != "" || d.TrEntry != "":
		t.Set("transferType", "workflow")
	}
	if d.ToUser && d.User != "" {
		id, err := b.Agent(loaders.Agent{Name: d.User})
		if err != nil {
			return err
		}
		t.Set("fromAgentId", loaders.NZ(id))
	}
	if d.TrRelease > 0 {
		t.Set("result", "released").Set("queueTimeInSeconds", float64(d.TrRelease-at)/1000)
	}
	return b.Put(t)
}

// party is the customer behind a sender or recipient: a phone number in
// international form, or a messaging id.
func (l *loader) party(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	if strings.HasPrefix(p, "+") && loaders.NormalizePhone(p) != "" {
		return l.b.Customer(loaders.Customer{Phone: p})
	}
	return l.b.Customer(loaders.Customer{SourceID: p})
}
