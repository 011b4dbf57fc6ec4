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
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// The positions of the columns in the columns list.
const (
	cAgentEmail = iota
	cAgentFirst
	cAgentLast
	cAgentRoles
	cAgentGroup
	cCCID
	cCustFirst
	cCustLast
	cProduct
	cEventType
	cEventSubtype
	cEventTime
	cControlTag
	cChannel
	cBody
	cEnglishVersion
	cLanguage
	cConversation
	cClosedReason
	cClosedInfo
	cAfterHours
	cSender
	cStatus
	cMessageIndex
	cEnglish
)

// fields reads a record's fields by the loader's column positions, resolved
// against the file's header once.
type fields struct {
	r   *csvin.Reader
	pos []int // by column position: the field's index in a record, or -1
	rec []string
}

func newFields(r *csvin.Reader) *fields {
	f := &fields{r: r, pos: make([]int, len(columns))}
	for i, c := range columns {
		f.pos[i] = r.Index(c)
	}
	return f
}

// raw returns a field as written; "" when the file lacks the column.
func (f *fields) raw(c int) string {
	if i := f.pos[c]; i >= 0 && i < len(f.rec) {
		return f.rec[i]
	}
	return ""
}

// get returns a field without surrounding spaces.
func (f *fields) get(c int) string { return strings.TrimSpace(f.raw(c)) }

// name is a column's header as the file writes it, for rejects.
func (f *fields) name(c int) string { return f.r.Column(columns[c]) }

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
	Amb bool `json:"amb,omitempty"`
	// Local marks a time read in the tenant's zone (no offset in the
	// file); not staged.
	Local     bool   `json:"-"`
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
// of this many, whatever the size of the file. (A variable so that tests
// can cut small files into many batches.)
var flushEvery = 500

// Load implements loaders.Source. Events are collected per conversation;
// every flushEvery conversations, each conversation's events from this file
// are staged as one record (a chunk) and the conversation is rebuilt. A
// conversation first seen in this file is rebuilt from memory; one with
// events staged by earlier files is rebuilt from all its staged chunks, with
// repeated events (overlapping reports) counted once.
//
// Only the goroutine that owns the transaction may use SQLite, and SQLite is
// what a load waits for, so everything else runs beside it, in three
// stages over each batch:
//
//   - the reader parses, hashes, encodes the chunks and plans each
//     conversation (plan: what its events say, before any lookup);
//   - the writer stages the chunks and looks up or writes the people the
//     new conversations mention (resolve);
//   - the builder turns plans and people into rows (convPlan.rows), which
//     the writer writes while the next batch is being built.
//
// The writer writes a batch's rows before it rebuilds the next batch's
// conversations that earlier batches began, so a rebuild, which reads
// every staged event, is always the last word.
func (Source) Load(ctx context.Context, f *loaders.File, b *loaders.Batch) error {
	r, err := csvin.Open(f.Name, f.R, nil, f.CSVLimits())
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
	// Written batches go back to the reader to be filled again: a load
	// then allocates little beyond the strings it reads, whatever its size.
	free := make(chan *batch, 3)
	go read(ctx, f.Name, b.Tenant, r, b.Loc, b.Progress, f.Limits.OrDefault().MaxConversationEvents, batches, free)
	prep, err := b.Preparer()
	if err != nil {
		return err
	}
	jobs, built := make(chan *batch, 1), make(chan *batch, 1)
	go build(ctx, b, prep, jobs, built)
	defer close(jobs)
	// building is the batch the builder has; next, when not nil, goes to
	// the builder as soon as it is free, before the writer writes the rows
	// the builder hands back.
	var building *batch
	writeBuilt := func(next *batch) error {
		var bt *batch
		if building != nil {
			select {
			case bt = <-built:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		building = next
		if next != nil {
			jobs <- next
		}
		if bt == nil {
			return nil
		}
		for _, rows := range bt.rows {
			if err := putAll(b, rows); err != nil {
				return err
			}
		}
		select {
		case free <- bt:
		default:
		}
		return nil
	}
	for bt := range batches {
		if bt.err != nil {
			return bt.err
		}
		again, err := stage(b, bt)
		if err != nil {
			return err
		}
		if err := writeBuilt(bt); err != nil {
			return err
		}
		if err := rebuild(b, again); err != nil {
			return err
		}
	}
	if err := writeBuilt(nil); err != nil {
		return err
	}
	return ctx.Err()
}

// build turns the new conversations of each batch into rows, ready to be
// written (prep): the writer, which the load waits for, only writes them.
func build(ctx context.Context, b *loaders.Batch, prep *store.RowPreparer, jobs <-chan *batch, built chan<- *batch) {
	for bt := range jobs {
		bt.rows = bt.rows[:0]
		for k, p := range bt.fresh {
			rows := p.rows(b, bt.people[k])
			for _, r := range rows {
				prep.Prepare(r)
			}
			bt.rows = append(bt.rows, rows)
		}
		select {
		case built <- bt:
		case <-ctx.Done():
			return
		}
	}
}

// batch is what the reader hands the writer: up to flushEvery conversations
// with their events and staged chunks, and the rejected records.
type batch struct {
	records int64
	// local is set when an event's time was read in the tenant's zone.
	local   bool
	rejects []reject
	// slot maps a conversation id to its index in names, lists and chunks.
	slot  map[string]int
	names []string
	// lists hold the events by slot while the reader fills the batch
	// (see detachLists).
	lists  [][]event
	chunks []chunk
	// order lists the slots by conversation id.
	order []int
	// arena holds the chunks' payloads.
	arena []byte
	// plans are the conversations' plans, by slot.
	plans []*convPlan
	// staged is stage's scratch list of the chunks to stage.
	staged []store.StagedRecord
	// fresh are the plans of the conversations first seen in this batch,
	// in order, with their people (from stage) and rows (from build).
	fresh  []*convPlan
	people []people
	// customers is stage's scratch list of the fresh plans' customers.
	customers []loaders.Customer
	rows      [][]*store.Row
	err       error
}

func newBatch() *batch { return &batch{slot: make(map[string]int, flushEvery)} }

// reset empties a batch for reuse, keeping its memory.
func (bt *batch) reset() {
	bt.records, bt.err, bt.local = 0, nil, false
	bt.rejects = bt.rejects[:0]
	clear(bt.slot)
	bt.names, bt.chunks, bt.order, bt.arena = bt.names[:0], bt.chunks[:0], bt.order[:0], bt.arena[:0]
	clear(bt.plans)
	clear(bt.fresh)
	clear(bt.people)
	clear(bt.rows)
	clear(bt.customers) // drop references to the last batch's strings
	bt.customers = bt.customers[:0]
	bt.plans, bt.fresh, bt.people, bt.rows = bt.plans[:0], bt.fresh[:0], bt.people[:0], bt.rows[:0]
	for i := range bt.lists {
		clear(bt.lists[i]) // drop references to the last batch's strings
		bt.lists[i] = bt.lists[i][:0]
	}
}

// detachLists empties the batch's event lists, dropping their events, and
// hands them over for the next batch to fill.
func (bt *batch) detachLists() [][]event {
	lists := bt.lists
	for i := range lists {
		clear(lists[i]) // drop references to this batch's strings
		lists[i] = lists[i][:0]
	}
	bt.lists = nil
	return lists
}

// add appends an event to its conversation's list.
func (bt *batch) add(ev event) {
	i, ok := bt.slot[ev.Conv]
	if !ok {
		i = len(bt.names)
		bt.slot[ev.Conv] = i
		bt.names = append(bt.names, ev.Conv)
		if i == len(bt.lists) {
			bt.lists = append(bt.lists, nil)
		}
	}
	bt.lists[i] = append(bt.lists[i], ev)
}

// conversations is the number of conversations in the batch.
func (bt *batch) conversations() int { return len(bt.names) }

type reject struct {
	line               int64
	field, reason, raw string
}

type chunk struct {
	key     string
	seq     int64
	payload []byte
}

// A batch is handed on once it holds flushEvery conversations, or
// batchEvents events or rejects, or batchBytes bytes of records, whichever
// comes first: a file of a few conversations with very many events, or of
// nothing but rejects, cannot grow it either.
const (
	batchEvents = 20_000
	batchBytes  = 32 << 20
	// heavyAt is the number of events in one batch from which a
	// conversation's events are counted across batches (for
	// loaders.Limits.MaxConversationEvents); counting every conversation
	// of a file would cost memory in the number of conversations.
	heavyAt = 100
)

// read parses the file into batches. It stops at the first error (sent as
// a batch) or when ctx ends. It takes batches to fill from free when there
// are any.
//
// The reader keeps memory bounded whatever the file holds: a record past
// the csvin limits is a reject; an event repeated within a batch (the same
// line twice) is kept once, as the rebuild would keep it; and a
// conversation takes at most maxEvents events of the file (see heavyAt for
// how they are counted), the rest being rejected.
func read(ctx context.Context, file, tenant string, r *csvin.Reader, loc *time.Location, progress func(int64), maxEvents int, out chan<- *batch, free <-chan *batch) {
	defer close(out)
	send := func(bt *batch) bool {
		select {
		case out <- bt:
			return true
		case <-ctx.Done():
			return false
		}
	}
	next := func() *batch {
		select {
		case bt := <-free:
			bt.reset()
			return bt
		default:
			return newBatch()
		}
	}
	var total int64
	fs := newFields(r)
	var enc encoder
	var hb []byte
	bt := next()
	// seen holds the batch's event hashes; heavy the events of the
	// file's busiest conversations in the batches already handed on.
	seen := make(map[string]struct{}, batchEvents)
	heavy := map[string]int{}
	events, size := 0, 0
	for {
		if ctx.Err() != nil {
			return
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if re := csvin.AsRecordError(err); re != nil {
			bt.records++
			total++
			bt.rejects = append(bt.rejects, reject{int64(re.Line), re.Column, re.Msg, re.Excerpt})
		} else if err != nil {
			send(&batch{err: asFileError(err)})
			return
		} else {
			bt.records++
			total++
			if progress != nil && total%1024 == 0 {
				progress(total)
			}
			size += recordSize(rec)
			ev, rj, ok := readEvent(fs, rec, loc, file, &hb)
			if rj.reason == noZone {
				send(&batch{err: loaders.NoZoneFileError(file, tenant, rj.line, rj.field)})
				return
			}
			if !ok {
				bt.rejects = append(bt.rejects, rj)
			} else if _, dup := seen[ev.Hash]; !dup {
				n := heavy[ev.Conv]
				if i, ok := bt.slot[ev.Conv]; ok {
					n += len(bt.lists[i])
				}
				if n >= maxEvents {
					bt.rejects = append(bt.rejects, reject{ev.Line, fs.name(cConversation),
						fmt.Sprintf("conversation %s has more events in this file than the limit of %d events per conversation", ev.Conv, maxEvents), ev.Conv})
				} else {
					seen[ev.Hash] = struct{}{}
					bt.local = bt.local || ev.Local
					bt.add(ev)
					events++
				}
			}
		}
		if bt.conversations() >= flushEvery || events >= batchEvents || len(bt.rejects) >= batchEvents || size >= batchBytes {
			for i, name := range bt.names {
				if n := len(bt.lists[i]); n >= heavyAt || heavy[name] > 0 {
					heavy[name] += n
				}
			}
			bt.pack(&enc)
			// The events are packed: the lists go on with the reader
			// to the next batch, not with this one to the writer. One
			// set of lists then serves every batch, where each batch
			// in flight held its own (most of a load's live heap).
			lists := bt.detachLists()
			if !send(bt) {
				return
			}
			bt = next()
			bt.lists = lists
			clear(seen)
			events, size = 0, 0
		}
	}
	bt.pack(&enc)
	send(bt)
}

// readEvent parses one record into an event, or the reject that refuses it.
func readEvent(fs *fields, rec []string, loc *time.Location, file string, hb *[]byte) (event, reject, bool) {
	line := int64(fs.r.Line())
	if err := fs.r.Width(rec); err != nil {
		return event{}, reject{line, "", err.Error(), rejectExcerpt(strings.Join(rec, string(fs.r.Delim)))}, false
	}
	fs.rec = rec
	ev, field, why, raw := parse(fs, loc)
	if why != "" {
		return event{}, reject{line, field, why, rejectExcerpt(raw)}, false
	}
	ev.Line, ev.File = line, file
	ev.Hash, *hb = ev.hashInto(*hb)
	return ev, reject{}, true
}

// recordSize is the bytes of a record's fields.
func recordSize(rec []string) int {
	n := 0
	for _, f := range rec {
		n += len(f)
	}
	return n
}

// rejectExcerpt cuts a rejected value to what a reject keeps (an excerpt),
// so rejects held until their batch is written stay small.
func rejectExcerpt(s string) string {
	const most = 512
	if len(s) <= most {
		return s
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// pack sorts the batch's conversations and encodes each one's chunk.
func (bt *batch) pack(enc *encoder) {
	for i := range bt.names {
		bt.order = append(bt.order, i)
	}
	sort.Slice(bt.order, func(i, j int) bool { return bt.names[bt.order[i]] < bt.names[bt.order[j]] })
	var hashes []byte
	for i, name := range bt.names {
		evs := bt.lists[i]
		hashes = hashes[:0]
		seq := evs[0].Time
		for _, e := range evs {
			hashes = append(hashes, e.Hash...)
			seq = min(seq, e.Time)
		}
		// The key names the chunk by its events, so the same events from
		// a file loaded again are the same record.
		sum := sha256.Sum256(hashes)
		start := len(bt.arena)
		bt.arena = store.AppendRaw(bt.arena, enc.encode(evs))
		bt.chunks = append(bt.chunks, chunk{key: name + ":" + hex.EncodeToString(sum[:12]), seq: seq, payload: bt.arena[start:len(bt.arena):len(bt.arena)]})
		// Planned here, off the writer's path; used if the conversation
		// turns out to be new to the store.
		bt.plans = append(bt.plans, plan(name, dedupe(evs)))
	}
}

// stage writes the batch's rejects and chunks, and resolves the people of
// the conversations first seen in it (bt.fresh, bt.people). It returns the
// conversations that earlier batches or files began, to be rebuilt from
// everything staged.
func stage(b *loaders.Batch, bt *batch) ([]string, error) {
	b.AddRead(bt.records)
	if bt.local {
		b.UsedLocalTime()
	}
	for _, r := range bt.rejects {
		if err := b.Reject(r.line, r.field, r.reason, r.raw); err != nil {
			return nil, err
		}
	}
	if len(bt.names) == 0 {
		return nil, nil
	}
	sorted := make([]string, len(bt.order))
	for k, i := range bt.order {
		sorted[k] = bt.names[i]
	}
	known, err := b.StagedGroups(sorted)
	if err != nil {
		return nil, err
	}
	bt.staged = bt.staged[:0]
	for _, i := range bt.order {
		c := bt.chunks[i]
		bt.staged = append(bt.staged, store.StagedRecord{Record: c.key, Group: bt.names[i], Seq: c.seq, Payload: c.payload})
	}
	if _, err := b.StageMany(bt.staged); err != nil {
		return nil, err
	}
	var again []string
	for _, i := range bt.order {
		if g := bt.names[i]; known[g] {
			again = append(again, g)
		} else {
			bt.fresh = append(bt.fresh, bt.plans[i])
		}
	}
	bt.customers = bt.customers[:0]
	for _, p := range bt.fresh {
		bt.customers = append(bt.customers, p.customer())
	}
	if err := b.PrefetchCustomers(bt.customers); err != nil {
		return nil, err
	}
	said, err := sayAgents(b, bt.fresh)
	if err != nil {
		return nil, err
	}
	for _, p := range bt.fresh {
		ppl, err := p.resolve(b, said)
		if err != nil {
			return nil, err
		}
		bt.people = append(bt.people, ppl)
	}
	return again, nil
}

func asFileError(err error) error {
	var pe *csvin.ParseError
	if errors.As(err, &pe) {
		return &loaders.FileError{File: pe.File, Line: pe.Line, Col: pe.Col, Msg: pe.Msg}
	}
	return err
}

// parse reads one CSV record into an event, or says which field is wrong.
func parse(f *fields, loc *time.Location) (ev event, field, why, raw string) {
	ev.Type = eventType(f.get(cEventType), f.get(cEventSubtype))
	if ev.Type == "" {
		return ev, f.name(cEventSubtype), "missing event type", f.get(cEventType)
	}
	ts := f.get(cEventTime)
	t, amb, local, err := loaders.ParseTimeLocal(ts, loc)
	if loaders.IsNoZone(err) {
		return ev, f.name(cEventTime), noZone, ts
	}
	if err != nil {
		return ev, f.name(cEventTime), "not an ISO 8601 date-time", ts
	}
	ev.Time, ev.Amb, ev.Local = t.UnixMilli(), amb, local
	ev.Conv = f.get(cConversation)
	if ev.Conv == "" {
		return ev, f.name(cConversation), "missing conversation id", ""
	}
	ev.Channel, ev.CCID = f.get(cChannel), f.get(cCCID)
	ev.CustFirst, ev.CustLast, ev.Product = f.get(cCustFirst), f.get(cCustLast), f.get(cProduct)
	ev.Email, ev.AgFirst, ev.AgLast = strings.ToLower(f.get(cAgentEmail)), f.get(cAgentFirst), f.get(cAgentLast)
	ev.Roles, ev.Group, ev.Tag = f.get(cAgentRoles), f.get(cAgentGroup), f.get(cControlTag)
	ev.Body, ev.Lang = f.raw(cBody), strings.ToUpper(f.get(cLanguage))
	ev.English = f.raw(cEnglish)
	if ev.English == "" {
		ev.English = f.raw(cEnglishVersion)
	}
	ev.Closed, ev.ClosedTxt = f.get(cClosedReason), f.raw(cClosedInfo)
	ev.Sender, ev.Status = strings.ToLower(f.get(cSender)), strings.ToLower(f.get(cStatus))
	if s := f.get(cAfterHours); s != "" {
		v, ok := parseBool(s)
		if !ok {
			return ev, f.name(cAfterHours), "not a boolean (true/false)", s
		}
		ev.After = &v
	}
	if s := f.get(cMessageIndex); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return ev, f.name(cMessageIndex), "not an integer", s
		}
		ev.Index = &n
	}
	if isMessage(ev.Type) && ev.Index == nil {
		return ev, f.name(cMessageIndex), "a message event needs a message_index", ""
	}
	return ev, "", "", ""
}

// noZone is parse's reason for a local time read for a tenant without a
// time zone: it fails the file, where other reasons reject the record.
const noZone = "\x00no zone"

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
	h, _ := e.hashInto(nil)
	return h
}

// hashInto is hash using buf as scratch space (returned for reuse): the
// fields are hashed as one byte string, each followed by a NUL.
func (e event) hashInto(buf []byte) (string, []byte) {
	b := buf[:0]
	for _, s := range [...]string{e.Type, strconv.FormatInt(e.Time, 10), e.Conv, e.Channel, e.CCID, e.CustFirst,
		e.CustLast, e.Product, e.Email, e.AgFirst, e.AgLast, e.Roles, e.Group, e.Tag, e.Body, e.English,
		e.Lang, e.Closed, e.ClosedTxt, boolText(e.After), e.Sender, e.Status, intText(e.Index)} {
		b = append(b, s...)
		b = append(b, 0)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16]), b
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
