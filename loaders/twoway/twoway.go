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
	"github.com/ccfeed/ccfeed/store"
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
const flushEvery = 1000

// Load implements loaders.Source. Events are collected per conversation;
// every flushEvery conversations, each conversation's events from this file
// are staged as one record (a chunk) and the conversation is rebuilt. A
// conversation first seen in this file is rebuilt from memory; one with
// events staged by earlier files is rebuilt from all its staged chunks, with
// repeated events (overlapping reports) counted once.
//
// Reading runs in its own goroutine, one batch ahead of writing: parsing,
// hashing and packing the chunks overlap with SQLite, which only the
// goroutine that owns the transaction may use.
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *batch, 1)
	go read(ctx, f.Name, r, b.Loc, b.Progress, batches)
	for bt := range batches {
		if bt.err != nil {
			return bt.err
		}
		if err := write(b, bt); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// batch is what the reader hands the writer: up to flushEvery conversations
// with their events and packed chunks, and the rejected records.
type batch struct {
	records int64
	rejects []reject
	groups  []string
	events  map[string][]event
	chunks  map[string]chunk
	err     error
}

type reject struct {
	line               int64
	field, reason, raw string
}

type chunk struct {
	key     string
	seq     int64
	payload []byte
}

// read parses the file into batches. It stops at the first error (sent as
// a batch) or when ctx ends.
func read(ctx context.Context, file string, r *csvin.Reader, loc *time.Location, progress func(int64), out chan<- *batch) {
	defer close(out)
	send := func(bt *batch) bool {
		select {
		case out <- bt:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var total int64
	bt := &batch{events: map[string][]event{}}
	for {
		if ctx.Err() != nil {
			return
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			send(&batch{err: asFileError(err)})
			return
		}
		bt.records++
		total++
		if progress != nil && total%1024 == 0 {
			progress(total)
		}
		line := int64(r.Line())
		if err := r.Width(rec); err != nil {
			bt.rejects = append(bt.rejects, reject{line, "", err.Error(), strings.Join(rec, string(r.Delim))})
			continue
		}
		ev, field, why, raw := parse(r, rec, loc)
		if why != "" {
			bt.rejects = append(bt.rejects, reject{line, field, why, raw})
			continue
		}
		ev.Line, ev.File = line, file
		ev.Hash = ev.hash()
		bt.events[ev.Conv] = append(bt.events[ev.Conv], ev)
		if len(bt.events) >= flushEvery {
			bt.pack()
			if !send(bt) {
				return
			}
			bt = &batch{events: map[string][]event{}}
		}
	}
	bt.pack()
	send(bt)
}

// pack sorts the batch's conversations and encodes each one's chunk.
func (bt *batch) pack() {
	bt.groups = make([]string, 0, len(bt.events))
	for g := range bt.events {
		bt.groups = append(bt.groups, g)
	}
	sort.Strings(bt.groups)
	bt.chunks = make(map[string]chunk, len(bt.events))
	for _, g := range bt.groups {
		evs := bt.events[g]
		h := sha256.New()
		seq := evs[0].Time
		for _, e := range evs {
			h.Write([]byte(e.Hash))
			seq = min(seq, e.Time)
		}
		payload, _ := json.Marshal(evs)
		bt.chunks[g] = chunk{key: g + ":" + hex.EncodeToString(h.Sum(nil)[:12]), seq: seq, payload: store.Pack(payload)}
	}
}

// write stages the batch's chunks and rebuilds its conversations.
func write(b *loaders.Batch, bt *batch) error {
	b.AddRead(bt.records)
	for _, r := range bt.rejects {
		if err := b.Reject(r.line, r.field, r.reason, r.raw); err != nil {
			return err
		}
	}
	if len(bt.groups) == 0 {
		return nil
	}
	known, err := b.StagedGroups(bt.groups)
	if err != nil {
		return err
	}
	var again []string
	for _, g := range bt.groups {
		c := bt.chunks[g]
		if _, err := b.StagePacked(g, c.key, c.seq, c.payload); err != nil {
			return err
		}
		if known[g] {
			again = append(again, g)
			continue
		}
		if err := derive(b, g, dedupe(bt.events[g])); err != nil {
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

// dedupe keeps the first copy of each event (a report may repeat a row). A
// conversation has a handful of events, so a scan beats a map.
func dedupe(evs []event) []event {
	// In place: the callers' slices are not read again, and copying every
	// event (about 400 bytes) was a fifth of a load's allocations.
	out := evs[:0]
next:
	for _, e := range evs {
		for _, o := range out {
			if o.Hash == e.Hash {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}
