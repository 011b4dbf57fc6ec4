package ino

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// dist is one staged distribution row. Durations are pointers: an empty
// cell is no duration (see loaders.SentinelInoDuration), not a zero.
type dist struct {
	Line      int64    `json:"l,omitempty"`
	Outgoing  bool     `json:"o,omitempty"`
	Start     int64    `json:"s"`
	End       int64    `json:"e,omitempty"`
	ToUser    bool     `json:"u,omitempty"`
	Media     string   `json:"m,omitempty"`
	Party     string   `json:"p,omitempty"`
	Queue     string   `json:"q,omitempty"`
	User      string   `json:"us,omitempty"`
	Wait      *float64 `json:"w,omitempty"`
	Exchange  *float64 `json:"x,omitempty"`
	Post      *float64 `json:"pi,omitempty"`
	Total     *float64 `json:"t,omitempty"`
	Status    string   `json:"st,omitempty"`
	Transfer  bool     `json:"tr,omitempty"`
	Detailed  string   `json:"d,omitempty"`
	TrDate    int64    `json:"td,omitempty"`
	TrRelease int64    `json:"trl,omitempty"`
	TrUser    bool     `json:"tu,omitempty"`
	TrQueue   string   `json:"tq,omitempty"`
	TrGroup   string   `json:"tg,omitempty"`
	TrSmart   string   `json:"ts,omitempty"`
	TrEntry   string   `json:"te,omitempty"`
	Routing   string   `json:"r,omitempty"`
	// Extra holds the columns no property takes, by header, so that
	// nothing the export said is lost (they become CapturedData).
	Extra map[string]string `json:"x2,omitempty"`
}

// key is the distribution's natural key within its interaction: an
// interaction has several distributions (to a queue, then a user...), and a
// re-export repeats them with a later end or status.
func (d *dist) key() string {
	return strings.Join([]string{fmt.Sprint(d.ToUser), d.Queue, d.User, fmt.Sprint(d.Start)}, "\x00")
}

// distribution parses and stages one distribution row.
func (l *loader) distribution(rec []string) error {
	get := func(c string) string { return l.r.Get(rec, c) }
	iid := get(colInteractionID)
	if iid == "" {
		return l.reject(l.r.Column(colInteractionID), "missing interaction id", "")
	}
	d := dist{Line: int64(l.r.Line()), Outgoing: l.kind == outgoingDistributions}
	start, err := l.local(colDistDate, get(colDistDate))
	if err != nil || start.IsZero() {
		return l.timeError(colDistDate, get(colDistDate), err)
	}
	d.Start = start.UnixMilli()
	if s := get(colDistEnd); s != "" {
		end, err := l.local(colDistEnd, s)
		if err != nil {
			return l.timeError(colDistEnd, s, err)
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
		dst **float64
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
			t, err := l.local(f.col, s)
			if err != nil {
				return l.timeError(f.col, s, err)
			}
			*f.dst = t.UnixMilli()
		}
	}
	d.TrQueue, d.TrGroup, d.TrSmart, d.TrEntry = get(colTransferQueue), get(colTransferGroup), get(colTransferSmart), get(colTransferEntry)
	d.Extra = l.extra(rec, distColumns)
	return l.stage(iid, d.key(), d.Start, d)
}

// distColumns are the columns distribution rows put in properties.
var distColumns = map[string]bool{colDistDate: true, colDistEnd: true, colType: true, colMessagingType: true,
	colSender: true, colRecipient: true, colQueue: true, colUser: true, colWait: true, colExchange: true,
	colPost: true, colTotal: true, colStatus: true, colTransferred: true, colDetailed: true, colTransferDate: true,
	colTransferRel: true, colTransferUser: true, colTransferQueue: true, colTransferGroup: true,
	colTransferSmart: true, colTransferEntry: true, colInteractionID: true, colRoutingType: true}

// extra collects the non-empty cells of columns outside known.
func (l *loader) extra(rec []string, known map[string]bool) map[string]string {
	var out map[string]string
	for i, h := range l.r.Header {
		if known[h] || i >= len(rec) {
			continue
		}
		if v := strings.TrimSpace(rec[i]); v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[h] = v
		}
	}
	return out
}

// stage keeps one copy of a row of an interaction (a distribution, a
// session) under its natural key, and marks the interaction for rebuilding.
// Every distinct copy is kept: the rebuild merges them, newest first.
func (l *loader) stage(iid, key string, seq int64, v any) error {
	payload, err := json.Marshal(v)
	if err != nil {
		return err
	}
	group := l.group(iid)
	if _, err := l.b.Stage(group, group+"\x00"+key+"\x00"+loaders.ContentHash(payload), seq, payload, false); err != nil {
		return err
	}
	l.pending[iid] = true
	return nil
}

// group is the staging group of an interaction's rows of this file's data
// source: distributions under the bare interaction id, sessions of the
// messages export under messages:<id>, so each reads back its own shape.
func (l *loader) group(iid string) string {
	if l.kind == messagesSource {
		return messagesGroup + iid
	}
	return iid
}

// messagesGroup prefixes the staging group of an interaction's rows from the
// messages export.
const messagesGroup = "messages:"

// local reads a local date-time of the tenant; a tenant without a time zone
// cannot read one (see loaders.Batch.LocalZone).
func (l *loader) local(col, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	loc, err := l.b.LocalZone()
	if err != nil {
		return time.Time{}, err
	}
	return parseLocal(s, loc)
}

// timeError rejects an unreadable date-time, or fails the file when the
// tenant has no time zone to read it in.
func (l *loader) timeError(col, s string, err error) error {
	if loaders.IsNoZone(err) {
		return l.b.NoZoneError(int64(l.r.Line()), l.r.Column(col))
	}
	return l.reject(l.r.Column(col), "not a date-time (DD/MM/YYYY HH:MM:SS or YYYY-MM-DD HH:MM:SS)", s)
}
