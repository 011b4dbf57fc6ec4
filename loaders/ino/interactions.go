package ino

import (
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/loaders"
)

// session is one staged row of the messages data source.
type session struct {
	Line      int64             `json:"l,omitempty"`
	Start     int64             `json:"s"`
	End       int64             `json:"e,omitempty"`
	Wait      *float64          `json:"w,omitempty"`
	Exchange  *float64          `json:"x,omitempty"`
	Total     *float64          `json:"t,omitempty"`
	Post      *float64          `json:"pi,omitempty"`
	Entry     string            `json:"ep,omitempty"`
	Status    string            `json:"st,omitempty"`
	Detailed  string            `json:"d,omitempty"`
	Outgoing  bool              `json:"o,omitempty"`
	Media     string            `json:"m,omitempty"`
	Smart     string            `json:"sr,omitempty"`
	Party     string            `json:"p,omitempty"`
	Queue     string            `json:"q,omitempty"`
	User      string            `json:"u,omitempty"`
	Transfer  bool              `json:"tr,omitempty"`
	DistStart int64             `json:"ds,omitempty"`
	Routing   string            `json:"r,omitempty"`
	Extra     map[string]string `json:"x2,omitempty"`
}

// key is the session row's natural key within its interaction: the export
// has one row per interaction, or one per distribution of it.
func (s *session) key() string {
	return fmt.Sprintf("%d\x00%d\x00%s\x00%s", s.Start, s.DistStart, s.Queue, s.User)
}

// sessionColumns are the columns session rows put in properties.
var sessionColumns = map[string]bool{colInteractionID: true, colSessionStart: true, colSessionEnd: true,
	colDistDate: true, colWait: true, colExchange: true, colTotal: true, colPost: true, colDirection: true,
	colEntryPoint: true, colMsgStatus: true, colDetailed: true, colMessagingType: true, colSmartRouting: true,
	colCorrespondent: true, colQueue: true, colUser: true, colTransfer: true, colRoutingType: true}

// interaction stages one row of the messages data source (one per
// interaction, or one per distribution of it).
func (l *loader) interaction(rec []string) error {
	get := func(c string) string { return l.r.Get(rec, c) }
	iid := get(colInteractionID)
	if iid == "" {
		return l.reject(l.r.Column(colInteractionID), "missing interaction id", "")
	}
	s := session{Line: int64(l.r.Line())}
	start, err := l.local(colSessionStart, get(colSessionStart))
	if err != nil || start.IsZero() {
		return l.timeError(colSessionStart, get(colSessionStart), err)
	}
	s.Start = start.UnixMilli()
	if v := get(colSessionEnd); v != "" {
		end, err := l.local(colSessionEnd, v)
		if err != nil {
			return l.timeError(colSessionEnd, v, err)
		}
		s.End = orderInterval(start, end).UnixMilli()
	}
	if v := get(colDistDate); v != "" {
		if t, err := l.local(colDistDate, v); err == nil {
			s.DistStart = t.UnixMilli()
		} else if loaders.IsNoZone(err) {
			return l.timeError(colDistDate, v, err)
		}
	}
	for _, f := range []struct {
		col string
		dst **float64
	}{{colWait, &s.Wait}, {colExchange, &s.Exchange}, {colTotal, &s.Total}, {colPost, &s.Post}} {
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
	s.Queue, s.User, s.Routing = get(colQueue), get(colUser), get(colRoutingType)
	if v := get(colTransfer); v != "" {
		s.Transfer, _ = parseYesNo(v)
	}
	s.Extra = l.extra(rec, sessionColumns)
	return l.stage(iid, s.key(), s.Start, s)
}
