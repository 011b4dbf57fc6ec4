// Package buzzeasy loads the Buzzeasy OData feed: pages of its tables as
// OData v4 JSON ({"@odata.context": ".../$metadata#Calls", "value": [...]}),
// from files or pulled from the feed (see Fetch).
//
// The model follows Buzzeasy, so a table lands in the entity set of the same
// name (Calls, Chats, Emails and Conversations in the Conversations table,
// with the medium the set stands for) and a field in the property of the
// same name, compared case-insensitively: the model's spelling is Buzzeasy's
// majority spelling (channelID is channelId, startTimeUtc is startTimeUTC).
// The few fields the rule does not cover are in renames. Unknown fields are
// ignored and reported once per file in LoadRejects; the record is loaded.
//
// Keys: a row's id is tenant:buzzeasy:<Buzzeasy id>, and every foreign key
// (channelId, queueId, conversationId, nextConversationId, workitemId, ...)
// is rewritten the same way, so navigation joins rows loaded from different
// tables and pages. Agents and customers are people, derived from every
// source's mentions: an Agents record, an agent's Users row, and every
// agentId and customerId are mentions (see row and resolvePeople). Natural
// key: id per table; every distinct copy of a row is kept, and the row is
// derived from all of them, newest first (see row), whatever the order the
// pages were loaded in.
//
// Times: Buzzeasy writes most timestamps twice, tenant-local without offset
// and UTC. The UTC field is used; the store derives the local twin from it
// and the tenant's zone. Where a table has only the local time (campaign
// record createdAt and closedAt, bot segment startedAt and endedAt) it is read
// in the tenant's zone with loaders.ParseTime (a time in the repeated autumn
// hour is its first occurrence). Durations are seconds; booleans come as
// true/false or 0/1.
//
// The value array is streamed one record at a time. Invalid JSON fails the
// file with its line and column, and nothing of the file is kept (the load's
// transaction rolls back). A record that cannot be used (no id, a value of
// the wrong type) is rejected with its line and field, and loading goes on.
package buzzeasy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/jsonin"
	"github.com/ccfeed/ccfeed/store"
)

func init() { loaders.Register(Source{}) }

// Source is the Buzzeasy OData feed, as files and as an API.
type Source struct{}

var (
	_ loaders.Source = Source{}
	_ loaders.API    = Source{}
)

// Kind implements loaders.Source.
func (Source) Kind() string { return loaders.KindBuzzeasy }

// Sniff recognises an OData JSON response by its context URL. A page without
// one (odata.metadata=none) needs --source buzzeasy and a file name that
// names the table.
func (Source) Sniff(name string, head []byte) bool {
	head = bytes.TrimPrefix(head, bom)
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '{' &&
		(bytes.Contains(head, []byte(`"@odata.context"`)) || bytes.Contains(head, []byte(`"@context"`)))
}

var bom = []byte("\xEF\xBB\xBF")

// Load implements loaders.Source.
func (Source) Load(ctx context.Context, f *loaders.File, b *loaders.Batch) error {
	lim := f.Limits.OrDefault()
	rd := jsonin.NewReader(f.R, jsonin.Limits{MaxField: lim.MaxField, MaxRecord: lim.MaxRecord})
	l := &loader{b: b, file: f.Name, rd: rd, reported: map[string]bool{}}
	return l.run(ctx)
}

// loader is the state of one file.
type loader struct {
	b    *loaders.Batch
	file string
	rd   *jsonin.Reader
	tbl  *table
	rows int
	// reported holds the unknown fields already reported in this file.
	reported map[string]bool
}

// fileError locates a problem at p.
func (l *loader) fileError(p jsonin.Pos, format string, args ...any) error {
	return &loaders.FileError{File: l.file, Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)}
}

// jsonError turns a reader error into a FileError at its line and column;
// other errors (the context's, a read error) pass through.
func (l *loader) jsonError(err error) error {
	var le *jsonin.LimitError
	if errors.As(err, &le) {
		return l.fileError(le.Pos, "%s", le.Msg)
	}
	var se *jsonin.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case se.EOF && se.Pos.Line == 1 && se.Pos.Col == 1:
		return l.fileError(se.Pos, "the file is empty (expected an OData JSON response)")
	case se.EOF:
		return l.fileError(se.Pos, "invalid JSON: the file ends in the middle of the response")
	case se.Context == "after top-level value":
		return l.fileError(se.Pos, "unexpected data after the end of the response")
	}
	// A character outside ASCII is named with its code point: a
	// typographic quote looks like a plain one.
	return l.fileError(se.Pos, "invalid JSON: %s", se.CharWithCode())
}

// token reads a structural token.
func (l *loader) token() (jsonin.Token, error) {
	t, err := l.rd.Next()
	if err != nil {
		return t, l.jsonError(err)
	}
	return t, nil
}

// decode reads one whole value (outside the rows: the context URL, an
// error) into v.
func (l *loader) decode(v any) error {
	raw, start, err := l.rd.Value()
	var ve *jsonin.ValueError
	if errors.As(err, &ve) {
		return l.fileError(ve.At, "%s", ve.Msg)
	}
	if err != nil {
		return l.jsonError(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return l.fileError(start, "%v", err)
	}
	return nil
}

// run reads the response object: its context, the value array (one record at
// a time) and whatever else it holds (nextLink, count), which is skipped.
func (l *loader) run(ctx context.Context) error {
	t, err := l.token()
	if err != nil {
		return err
	}
	if t.Kind != jsonin.BeginObject {
		return l.fileError(t.Pos, "expected an OData JSON response (an object with a value array), found %s", describe(t.Kind))
	}
	sawValue := false
	for l.rd.More() {
		t, err := l.token()
		if err != nil {
			return err
		}
		key := t.Text
		keyOff := t.End
		switch key {
		case "@odata.context", "@context", "odata.context":
			var s any
			if err := l.decode(&s); err != nil {
				return err
			}
			str, _ := s.(string)
			name, tbl := tableFromContext(str)
			switch {
			case tbl == nil && name == "":
				return l.fileError(keyOff, "the context URL %q names no table (expected .../$metadata#Calls)", str)
			case tbl == nil:
				return l.fileError(keyOff, "unknown Buzzeasy table %q in the context URL", name)
			case l.tbl != nil && l.tbl != tbl && l.rows > 0:
				return l.fileError(keyOff, "the context URL names %s, but the rows before it were read as %s (from the file name)", name, l.tbl.set.Name)
			}
			l.tbl = tbl
		case "value":
			if sawValue {
				return l.fileError(keyOff, "the response has two value arrays")
			}
			sawValue = true
			if l.tbl == nil {
				if l.tbl = tableFromFileName(l.file); l.tbl == nil {
					return l.fileError(keyOff, "cannot tell which table the rows are from: no @odata.context before the value array, and the file name names no table")
				}
			}
			if err := l.values(ctx); err != nil {
				return err
			}
		case "error":
			var e struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			if err := l.decode(&e); err != nil {
				return err
			}
			return l.fileError(keyOff, "the feed answered with an error instead of rows: %s %s", e.Code, loaders.Excerpt(e.Message, 200))
		default:
			if err := l.rd.Skip(); err != nil {
				return l.jsonError(err)
			}
		}
	}
	end, err := l.token() // '}'
	if err != nil {
		return err
	}
	if _, err := l.token(); err != nil { // nothing may follow
		return err
	}
	if !sawValue {
		return l.fileError(end.End, "no value array: not an OData collection response")
	}
	return nil
}

// values streams the value array.
func (l *loader) values(ctx context.Context) error {
	t, err := l.token()
	if err != nil {
		return err
	}
	if t.Kind != jsonin.BeginArray {
		return l.fileError(t.Pos, "value must be an array of rows, found %s", describe(t.Kind))
	}
	for l.rd.More() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := l.readRecord(); err != nil {
			return err
		}
	}
	_, err = l.token() // ']'
	return err
}

// rawField is one field of a record as read.
type rawField struct {
	name string
	raw  json.RawMessage
}

// readRecord reads one element of the value array and writes its row.
func (l *loader) readRecord() error {
	l.b.Read()
	l.rows++
	raw, start, err := l.rd.Value()
	var ve *jsonin.ValueError
	if errors.As(err, &ve) {
		// Past a limit, or not UTF-8: refused on its own.
		return l.b.Reject(int64(ve.At.Line), ve.Path, "row refused: "+ve.Msg, ve.Excerpt)
	}
	if err != nil {
		return l.jsonError(err)
	}
	rec := &record{raw: raw, line: start.Line}
	if raw[0] != '{' {
		return l.b.Reject(int64(rec.line), "", "a row must be a JSON object, found "+describeRaw(raw), "")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return err // raw is a valid object: cannot happen
	}
	rec.fields = make([]rawField, 0, len(m))
	for k, v := range m {
		rec.fields = append(rec.fields, rawField{name: k, raw: v})
	}
	// Map order is random; rejects and reports must not be.
	sort.Slice(rec.fields, func(i, j int) bool { return rec.fields[i].name < rec.fields[j].name })
	return l.row(rec)
}

// record is one element of the value array.
type record struct {
	raw    json.RawMessage
	line   int // of its opening brace
	fields []rawField
}

// lineOf returns the line of a field's key, for rejects: the record's line
// plus the line breaks before the key. It walks the record again, which only
// the rare reject pays for.
func (r *record) lineOf(name string) int64 {
	dec := json.NewDecoder(bytes.NewReader(r.raw))
	if _, err := dec.Token(); err != nil {
		return int64(r.line)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		if k, _ := t.(string); k == name {
			return int64(r.line + bytes.Count(r.raw[:dec.InputOffset()], []byte{'\n'}))
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			break
		}
	}
	return int64(r.line)
}

// row maps one record's fields to a row and writes it, or rejects the
// record. A record of the Agents table is a mention of the agent, not a
// row of its own (see agentMention); every other record is a copy of its
// row, kept with the copies loaded before (loaders.StageCopy), and the row
// is derived from all of them, newest first (see newestFirst), field by
// field: lookup tables come again every day, and which copy was loaded last
// must not matter.
func (l *loader) row(rec *record) error {
	r, err := l.build(rec)
	if err != nil || r == nil {
		return err
	}
	switch l.tbl.set.Name {
	case "Agents":
		return l.agentMention(r)
	case "Customers":
		// Not a Buzzeasy table; a ccfeed feed upstream serves one.
		return l.customerMention(r)
	case "Users":
		if err := l.userMention(r); err != nil {
			return err
		}
	}
	b := l.b
	id, _ := r.Get("id").(string)
	rkey := l.tbl.set.Name + ":" + strings.TrimPrefix(id, b.ID(""))
	var canon bytes.Buffer
	if err := json.Compact(&canon, rec.raw); err != nil {
		return err
	}
	hash, isNew, err := b.StageCopy(rkey, canon.Bytes())
	if err != nil || !isNew {
		return err
	}
	if only, err := b.OnlyCopy(rkey); err != nil || only {
		if err != nil {
			return err
		}
		return b.Put(r)
	}
	copies, err := b.Copies(rkey)
	if err != nil {
		return err
	}
	type version struct {
		row   *store.Row
		fresh int64
		hash  string
	}
	var vs []version
	for _, cp := range copies {
		cr := r
		if cp.Hash != hash {
			// Loaded before, and read then without reject.
			err := b.Muted(func() error {
				var err error
				cr, err = l.build(&record{raw: cp.Payload, line: rec.line, fields: sortedFields(cp.Payload)})
				return err
			})
			if err != nil {
				return err
			}
			if cr == nil {
				continue
			}
		}
		vs = append(vs, version{cr, freshness(cr), cp.Hash})
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].fresh != vs[j].fresh {
			return vs[i].fresh > vs[j].fresh
		}
		return vs[i].hash < vs[j].hash
	})
	sets := make([][]*store.Row, len(vs))
	for i, v := range vs {
		sets[i] = []*store.Row{v.row}
	}
	for _, m := range loaders.MergeRows(sets) {
		if err := b.Put(m); err != nil {
			return err
		}
	}
	return nil
}

// freshness is how new a copy of a row is: its latest time (an end, a
// deletion). Buzzeasy rows carry no version; of two copies of a lookup row
// with no time at all, neither is newer, and the content decides, so the
// result never depends on load order. So a deletion Buzzeasy reported
// stays even if a later copy of the row has none: nothing in the copies
// says which came last.
func freshness(r *store.Row) int64 {
	var t int64
	for i, c := range r.Table.Columns {
		if c.Type != edm.DateTimeOffset || c.UTC != nil {
			continue
		}
		if v, ok := r.Values[i].(time.Time); ok && v.UnixMilli() > t {
			t = v.UnixMilli()
		}
	}
	return t
}

// sortedFields reads the fields of a staged record copy.
func sortedFields(raw []byte) []rawField {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	out := make([]rawField, 0, len(m))
	for k, v := range m {
		out = append(out, rawField{name: k, raw: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// build maps one record's fields to a row, or rejects the record (nil row).
func (l *loader) build(rec *record) (*store.Row, error) {
	recLine, fields := rec.line, rec.fields
	tbl := l.tbl
	var id string
	for _, f := range fields {
		if normalize(f.name) == "id" {
			s, err := scalarText(f.raw)
			if err != nil {
				return nil, l.b.Reject(rec.lineOf(f.name), f.name, "the id "+err.Error(), string(f.raw))
			}
			id = strings.TrimSpace(s)
		}
	}
	keyed := naturalKeys[tbl.set.Name]
	if id == "" && keyed == nil {
		return nil, l.b.Reject(int64(recLine), "id", "the row has no id", "")
	}
	// A row without an id gets its key once its fields are read.
	r := l.b.Row(tbl.set.Name, id)
	var mediaType, channelType string
	locals := map[string]localTime{} // UTC column -> instant from its local twin
	localField := map[string]string{}
	people := map[string]personID{} // person foreign keys, resolved last
	for _, f := range fields {
		if strings.Contains(f.name, "@") { // annotations: @odata.etag, x@odata.type
			continue
		}
		fd, ok := tbl.lookup(f.name)
		if !ok {
			if !l.reported[f.name] {
				l.reported[f.name] = true
				if err := l.b.Reject(rec.lineOf(f.name), f.name, "unknown field of "+tbl.set.Name+", ignored (the row was loaded)", string(f.raw)); err != nil {
					return nil, err
				}
			}
			continue
		}
		if fd.kind == ignored {
			if tbl.conv && fd.col.Name == "mediaType" {
				mediaType, _ = scalarText(f.raw)
			}
			continue
		}
		v, err := l.value(fd, f.raw)
		if err != nil {
			return nil, l.b.Reject(rec.lineOf(f.name), f.name, err.Error(), string(f.raw))
		}
		if fd.col.Name == "channelType" && v != nil {
			channelType = v.(string)
		}
		if fd.kind == instantLocal {
			if v != nil {
				locals[fd.col.UTC.Name] = v.(localTime)
				localField[fd.col.UTC.Name] = f.name
			}
			continue
		}
		if p, ok := v.(personID); ok {
			people[fd.col.Name] = p
			continue
		}
		// Two spellings of one field in a record (channelID and
		// channelId): a value beats a null.
		if v == nil && r.Get(fd.col.Name) != nil {
			continue
		}
		r.Set(fd.col.Name, v)
	}
	// A local time counts only where the UTC field is missing.
	fromLocal := map[string]bool{}
	for _, utcName := range sortedKeys(locals) {
		v := locals[utcName]
		if r.Get(utcName) != nil {
			continue
		}
		if v.noZone {
			return nil, l.b.NoZoneError(rec.lineOf(localField[utcName]), localField[utcName])
		}
		if v.local {
			l.b.UsedLocalTime()
		}
		r.Set(utcName, v.t)
		fromLocal[utcName] = true
	}
	for _, iv := range intervals {
		if fromLocal[iv[1]] {
			start, _ := r.Get(iv[0]).(time.Time)
			if !start.IsZero() {
				r.Set(iv[1], orderEnd(start, locals[iv[1]]))
			}
		}
	}
	if id == "" {
		for col := range people {
			// The natural key reads person columns as text.
			r.Values[r.Table.Index(col)] = string(people[col])
		}
		native, missing := naturalID(tbl.set.Name, keyed, r)
		if missing != "" {
			return nil, l.b.Reject(int64(recLine), "id", "the row has no id, nor the "+missing+" that identifies a row of "+tbl.set.Name+" without one", "")
		}
		r.Set("id", l.b.ID(native)).Set("sourceId", native)
		for col := range people {
			r.Values[r.Table.Index(col)] = nil
		}
	}
	if tbl.conv {
		media := tbl.media
		if media == "" {
			media = mediaOf(mediaType, channelType)
		}
		r.Set("mediaType", media)
	}
	if err := l.resolvePeople(r, people); err != nil {
		return nil, err
	}
	return r, nil
}

// resolvePeople sets a row's foreign keys to people: each Buzzeasy id is a
// mention of its agent or customer. A conversation's customer fields are
// what Buzzeasy says about the customer.
func (l *loader) resolvePeople(r *store.Row, people map[string]personID) error {
	fresh := freshness(r)
	for _, col := range sortedKeys(people) {
		id := string(people[col])
		c := r.Table.Column(col)
		var ref loaders.PersonRef
		var err error
		if target := personTarget(c); target == "Customers" {
			text := func(n string) string {
				if r.Table.Column(n) == nil {
					return ""
				}
				s, _ := r.Get(n).(string)
				return s
			}
			ref, err = l.b.Customer(loaders.Customer{SourceID: id, FirstName: text("customerFirstName"),
				LastName: text("customerLastName"), Phone: text("customerPhoneNumber"), Email: text("customerEmailAddress"), Fresh: fresh})
		} else {
			ref, err = l.b.Agent(loaders.Agent{SourceID: id, Fresh: fresh})
		}
		if err != nil {
			return err
		}
		r.Set(col, ref)
	}
	return nil
}

// personTarget names the set a person foreign key points at.
func personTarget(c *edm.Property) string {
	for _, t := range edm.Default().Types {
		for _, n := range t.Navigations {
			if !n.Collection && n.SourceProp == c {
				return n.Target.Name
			}
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// agentMention records what a record of Buzzeasy's Agents table says about
// the agent: its name, custom id and deletion, under the agent's Buzzeasy
// id. Buzzeasy's other rows name the agent by the same id, so they point
// at the same person.
//
// Buzzeasy's table has a name, a custom id and a deletion time; a ccfeed
// feed upstream (whose Agents are shaped the same) also gives the rest of
// what ccfeed knows of the person, which is kept as well.
func (l *loader) agentMention(r *store.Row) error {
	text := func(n string) string { s, _ := r.Get(n).(string); return s }
	deleted, _ := r.Get("deletedAtUTC").(time.Time)
	bot, _ := r.Get("isBot").(bool)
	_, err := l.b.Agent(loaders.Agent{SourceID: text("sourceId"), Name: text("name"), CustomID: text("customId"),
		Email: text("emailAddress"), FirstName: text("firstName"), LastName: text("lastName"), Roles: text("roles"),
		ControlGroup: text("controlGroup"), DeletedAt: deleted, Bot: bot, Fresh: freshness(r)})
	return err
}

// customerMention records what a Customers record says of the customer,
// under its id, which conversations name it by.
func (l *loader) customerMention(r *store.Row) error {
	text := func(n string) string { s, _ := r.Get(n).(string); return s }
	_, err := l.b.Customer(loaders.Customer{SourceID: text("sourceId"), FirstName: text("firstName"), LastName: text("lastName"),
		Email: text("emailAddress"), Phone: text("phoneNumber"), ProductGroup: text("productGroup"), Fresh: freshness(r)})
	return err
}

// userMention gives an agent's Users row to the agent's mention: agents are
// users in Buzzeasy, of the same id, and the Users row has the email
// address the other sources' agents are matched on.
func (l *loader) userMention(u *store.Row) error {
	text := func(n string) string { s, _ := u.Get(n).(string); return s }
	if !strings.EqualFold(text("userType"), "agent") {
		return nil
	}
	_, err := l.b.Agent(loaders.Agent{SourceID: text("sourceId"), Email: text("emailAddress"), Name: text("name"),
		CustomID: text("customId"), Fresh: freshness(u)})
	return err
}

// describeRaw names the kind of a JSON value for messages.
func describeRaw(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// describe names a token for messages.
func describe(k jsonin.Kind) string {
	if k == jsonin.BeginArray {
		return "an array"
	}
	return k.Describe()
}
