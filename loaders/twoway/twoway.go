// Package twoway loads the two-way (patient messaging) conversation report:
// a daily, weekly or monthly CSV of channel, membership and message events.
//
// Natural keys: an event is identified by its content (the report's
// documented key, ccid + event_time, is not unique: several events share a
// second); a message by conversation_id + message_index. Events are staged,
// and each conversation they touch is rebuilt from all of its staged events,
// so overlapping reports leave every row once and late events (an edit, a
// close the next day) update the rows they concern.
package twoway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/csvin"
)

func init() { loaders.Register(Source{}) }

// Source is the two-way conversation report.
type Source struct{}

// Kind implements loaders.Source.
func (Source) Kind() string { return loaders.KindTwoWay }

// columns the loader reads, by their normalized header names.
var columns = []string{
	"agent email", "agent first name", "agent last name", "agent roles", "agent control group",
	"ccid", "customer first name", "customer last name", "product group id", "event type",
	"event subtype", "event time", "control tag", "twoway channel sid", "twoway body",
	"english version", "translation language code", "conversation id", "closed reason",
	"closed additional information", "after hours flag", "sender type", "conversation status",
	"message index", "english translation",
}

// Sniff recognises the report by its distinctive columns.
func (Source) Sniff(name string, head []byte) bool {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	l := csvin.Normalize(string(line))
	return strings.Contains(l, "twoway channel sid") || (strings.Contains(l, "event subtype") && strings.Contains(l, "ccid"))
}

// event is one row of the report: the fields the rebuild needs.
type event struct {
	// Hash identifies the event by its content (see hash).
	Hash string `json:"h"`
	Line int64  `json:"l"`
	File string `json:"f,omitempty"`
	// Amb marks a local time in the repeated autumn hour (see derive).
	Amb       bool   `json:"amb,omitempty"`
	Type      string `json:"t"`
	Time      int64  `json:"ts"`
	Conv      string `json:"c"`
	Channel   string `json:"ch,omitempty"`
	CCID      string `json:"cc,omitempty"`
	CustFirst string `json:"cf,omitempty"`
	CustLast  string `json:"cl,omitempty"`
	Product   string `json:"pg,omitempty"`
	Email     string `json:"ae,omitempty"`
	AgFirst   string `json:"af,omitempty"`
	AgLast    string `json:"al,omitempty"`
	Roles     string `json:"ar,omitempty"`
	Group     string `json:"ag,omitempty"`
	Tag       string `json:"tg,omitempty"`
	Body      string `json:"b,omitempty"`
	English   string `json:"en,omitempty"`
	Lang      string `json:"lc,omitempty"`
	Closed    string `json:"cr,omitempty"`
	ClosedTxt string `json:"ci,omitempty"`
	After     *bool  `json:"ah,omitempty"`
	Sender    string `json:"s,omitempty"`
	Status    string `json:"st,omitempty"`
	Index     *int64 `json:"mi,omitempty"`
}

// flushEvery bounds memory: conversations are staged and rebuilt in groups
// of this many, whatever the size of the file.
const flushEvery = 5000

// Load implements loaders.Source. Events are collected per conversation;
// every flushEvery conversations, each conversation's events from this file
// are staged as one record (a chunk) and the conversation is rebuilt. A
// conversation first seen in this file is rebuilt from memory; one with
// events staged by earlier files is rebuilt from all its staged chunks, with
// repeated events (overlapping reports) counted once.
func (Source) Load(ctx context.Context, f *loaders.File, b *loaders.Batch) error {
	r, err := csvin.Open(f.Name, f.R, nil)
	if err != nil {
		return asFileError(err)
	}
	for _, need := range []string{"event time", "conversation id"} {
		if !r.Has(need) {
			return &loaders.FileError{File: f.Name, Line: 1, Msg: fmt.Sprintf("the header has no %q column: not a two-way conversation report", strings.ReplaceAll(need, " ", "_"))}
		}
	}
	pending := map[string][]event{}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return asFileError(err)
		}
		b.Read()
		line := int64(r.Line())
		if err := r.Width(rec); err != nil {
			if err := b.Reject(line, "", err.Error(), strings.Join(rec, string(r.Delim))); err != nil {
				return err
			}
			continue
		}
		ev, field, why, raw := parse(r, rec, b.Loc)
		if why != "" {
			if err := b.Reject(line, field, why, raw); err != nil {
				return err
			}
			continue
		}
		ev.Line, ev.File = line, f.Name
		ev.Hash = ev.hash()
		pending[ev.Conv] = append(pending[ev.Conv], ev)
		if len(pending) >= flushEvery {
			if err := flush(b, pending); err != nil {
				return err
			}
			clear(pending)
		}
	}
	return flush(b, pending)
}

// flush stages each pending conversation's events as one chunk and rebuilds
// the conversations.
func flush(b *loaders.Batch, pending map[string][]event) error {
	if len(pending) == 0 {
		return nil
	}
	groups := make([]string, 0, len(pending))
	for g := range pending {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	known, err := b.StagedGroups(groups)
	if err != nil {
		return err
	}
	var again []string
	for _, g := range groups {
		evs := pending[g]
		h := sha256.New()
		for _, e := range evs {
			h.Write([]byte(e.Hash))
		}
		key := g + ":" + hex.EncodeToString(h.Sum(nil)[:12])
		payload, _ := json.Marshal(evs)
		seq := evs[0].Time
		for _, e := range evs {
			seq = min(seq, e.Time)
		}
		if _, err := b.Stage(g, key, seq, payload, false); err != nil {
			return err
		}
		if known[g] {
			again = append(again, g)
			continue
		}
		if err := derive(b, g, dedupe(evs)); err != nil {
			return err
		}
	}
	return rebuild(b, again)
}

func asFileError(err error) error {
	var pe *csvin.ParseError
	if errors.As(err, &pe) {
		return &loaders.FileError{File: pe.File, Line: pe.Line, Col: pe.Col, Msg: pe.Msg}
	}
	return err
}

// parse reads one CSV record into an event, or says which field is wrong.
func parse(r *csvin.Reader, rec []string, loc *time.Location) (ev event, field, why, raw string) {
	get := func(c string) string { return r.Get(rec, c) }
	ev.Type = eventType(get("event type"), get("event subtype"))
	if ev.Type == "" {
		return ev, r.Column("event subtype"), "missing event type", get("event type")
	}
	ts := get("event time")
	t, amb, err := loaders.ParseTimeAmbiguous(ts, loc)
	if err != nil {
		return ev, r.Column("event time"), "not an ISO 8601 date-time", ts
	}
	ev.Time, ev.Amb = t.UnixMilli(), amb
	ev.Conv = get("conversation id")
	if ev.Conv == "" {
		return ev, r.Column("conversation id"), "missing conversation id", ""
	}
	ev.Channel, ev.CCID = get("twoway channel sid"), get("ccid")
	ev.CustFirst, ev.CustLast, ev.Product = get("customer first name"), get("customer last name"), get("product group id")
	ev.Email, ev.AgFirst, ev.AgLast = strings.ToLower(get("agent email")), get("agent first name"), get("agent last name")
	ev.Roles, ev.Group, ev.Tag = get("agent roles"), get("agent control group"), get("control tag")
	ev.Body, ev.Lang = r.Raw(rec, "twoway body"), strings.ToUpper(get("translation language code"))
	ev.English = r.Raw(rec, "english translation")
	if ev.English == "" {
		ev.English = r.Raw(rec, "english version")
	}
	ev.Closed, ev.ClosedTxt = get("closed reason"), r.Raw(rec, "closed additional information")
	ev.Sender, ev.Status = strings.ToLower(get("sender type")), strings.ToLower(get("conversation status"))
	if s := get("after hours flag"); s != "" {
		v, ok := parseBool(s)
		if !ok {
			return ev, r.Column("after hours flag"), "not a boolean (true/false)", s
		}
		ev.After = &v
	}
	if s := get("message index"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return ev, r.Column("message index"), "not an integer", s
		}
		ev.Index = &n
	}
	if isMessage(ev.Type) && ev.Index == nil {
		return ev, r.Column("message index"), "a message event needs a message_index", ""
	}
	return ev, "", "", ""
}

// eventType reads "twoway_webhook" + "customer_message_sent", or the dotted
// form "twoway_webhook.customer_message_sent" in one column, as the subtype.
func eventType(typ, sub string) string {
	if sub == "" {
		if i := strings.LastIndexByte(typ, '.'); i >= 0 {
			sub = typ[i+1:]
		}
	}
	return strings.ToLower(sub)
}

func isMessage(t string) bool {
	return t == "customer_message_sent" || t == "agent_message_sent" || t == "system_message_sent" || t == "message_updated"
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "1", "yes", "y", "t":
		return true, true
	case "false", "0", "no", "n", "f":
		return false, true
	}
	return false, false
}

// hash identifies an event by its content: the same event on another line of
// another (overlapping) report is the same event. Line and file are left out.
func (e event) hash() string {
	h := sha256.New()
	for _, s := range []string{e.Type, strconv.FormatInt(e.Time, 10), e.Conv, e.Channel, e.CCID, e.CustFirst,
		e.CustLast, e.Product, e.Email, e.AgFirst, e.AgLast, e.Roles, e.Group, e.Tag, e.Body, e.English,
		e.Lang, e.Closed, e.ClosedTxt, boolText(e.After), e.Sender, e.Status, intText(e.Index)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func intText(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

// dedupe keeps the first copy of each event (a report may repeat a row).
func dedupe(evs []event) []event {
	seen := make(map[string]bool, len(evs))
	out := evs[:0:0]
	for _, e := range evs {
		if !seen[e.Hash] {
			seen[e.Hash] = true
			out = append(out, e)
		}
	}
	return out
}
