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
// (channelId, queueId, conversationId, agentId, nextConversationId,
// workitemId, ...) is rewritten the same way, so navigation joins rows loaded
// from different tables and pages. Natural key: id per table; a later copy of
// a row replaces the stored one (lookup tables are refreshed once a day and
// may set deletedAt later). Buzzeasy rows carry no version, so the copy
// loaded last wins: load pages in the order they were pulled.
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

// row maps one record's fields to a row and writes it, or rejects the record.
func (l *loader) row(rec *record) error {
	recLine, fields := rec.line, rec.fields
	tbl := l.tbl
	var id string
	for _, f := range fields {
		if normalize(f.name) == "id" {
			s, err := scalarText(f.raw)
			if err != nil {
				return l.b.Reject(rec.lineOf(f.name), f.name, "the id "+err.Error(), string(f.raw))
			}
			id = strings.TrimSpace(s)
		}
	}
	keyed := naturalKeys[tbl.set.Name]
	if id == "" && keyed == nil {
		return l.b.Reject(int64(recLine), "id", "the row has no id", "")
	}
	// A row without an id gets its key once its fields are read.
	r := l.b.Row(tbl.set.Name, id)
	var mediaType, channelType string
	locals := map[string]localTime{} // UTC column -> instant from its local twin
	for _, f := range fields {
		if strings.Contains(f.name, "@") { // annotations: @odata.etag, x@odata.type
			continue
		}
		fd, ok := tbl.lookup(f.name)
		if !ok {
			if !l.reported[f.name] {
				l.reported[f.name] = true
				if err := l.b.Reject(rec.lineOf(f.name), f.name, "unknown field of "+tbl.set.Name+", ignored (the row was loaded)", string(f.raw)); err != nil {
					return err
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
			return l.b.Reject(rec.lineOf(f.name), f.name, err.Error(), string(f.raw))
		}
		if fd.col.Name == "channelType" && v != nil {
			channelType = v.(string)
		}
		if fd.kind == instantLocal {
			if v != nil {
				locals[fd.col.UTC.Name] = v.(localTime)
			}
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
	for utcName, v := range locals {
		if r.Get(utcName) == nil {
			r.Set(utcName, v.t)
			fromLocal[utcName] = true
		}
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
		native, missing := naturalID(tbl.set.Name, keyed, r)
		if missing != "" {
			return l.b.Reject(int64(recLine), "id", "the row has no id, nor the "+missing+" that identifies a row of "+tbl.set.Name+" without one", "")
		}
		r.Set("id", l.b.ID(native)).Set("sourceId", native)
	}
	if tbl.conv {
		media := tbl.media
		if media == "" {
			media = mediaOf(mediaType, channelType)
		}
		r.Set("mediaType", media)
	}
	switch tbl.set.Name {
	case "Agents":
		// Buzzeasy's Agents table has no email address; its Users row of
		// the same id does, and may have given it already: keep it (and
		// only it: a deletedAt cleared upstream is cleared here too).
		r.Keep = []string{"emailAddress"}
	}
	if err := l.b.Put(r); err != nil {
		return err
	}
	switch tbl.set.Name {
	case "Agents":
		// Buzzeasy's rows point at its own agent ids, so its agent is the
		// person's row: it takes over rows other sources wrote for the
		// same person.
		email, _ := r.Get("emailAddress").(string)
		name, _ := r.Get("name").(string)
		return l.b.AdoptAgent(r.Get("id").(string), email, name)
	case "Users":
		return l.agentFromUser(r, id)
	}
	return nil
}

// agentFromUser gives an agent's Users row's email address to the Agents
// row of the same id: agents are users in Buzzeasy, and the address is what
// the other sources' agents are matched on.
func (l *loader) agentFromUser(u *store.Row, native string) error {
	kind, _ := u.Get("userType").(string)
	email, _ := u.Get("emailAddress").(string)
	if !strings.EqualFold(kind, "agent") || email == "" || native == "" {
		return nil
	}
	name, _ := u.Get("name").(string)
	// Agents' addresses are kept lower-cased, the form they are matched in.
	email = strings.ToLower(strings.TrimSpace(email))
	a := l.b.Row("Agents", native).Set("emailAddress", email)
	if name != "" {
		a.Set("name", name)
	}
	a.Merge = true
	if err := l.b.Put(a); err != nil {
		return err
	}
	return l.b.AdoptAgent(a.Get("id").(string), email, name)
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
