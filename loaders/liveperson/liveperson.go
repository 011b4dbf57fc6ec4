// Package liveperson loads LivePerson Messaging Interactions data: the
// response of the conversations search method (a file saved from it, or a
// page pulled through Fetch), whose conversationHistoryRecords each hold a
// whole messaging conversation.
//
// # Where things land
//
//	info                      Conversations (a Chats row), the skill as queueId, the
//	                          agent group as agentGroup; other info fields, campaign
//	                          and monitoring as CapturedData (info, campaign, monitoring)
//	messageRecords            Messages; rich content and files reduced to text in body,
//	                          the message data kept in rawContent
//	messageStatuses, -Scores  Messages.deliveryStatus (latest by time), Messages.score
//	agentParticipants         Agents (merged by login address) and one Workitem each
//	consumerParticipant(s)    Customers and the conversation's customer fields
//	transfers                 Transfers, skills as Queues, and QueueSegments with the
//	                          queue time up to the next agent assignment (interactions)
//	conversationSurveys       SurveyAnswers
//	sdes, unAuthSdes          CapturedData, category = sdeType, dotted names, typed values
//	summary                   Conversations.summary
//
// # Natural keys
//
// A conversation is its conversationId; a message is conversationId + seq
// (the conversation is always the record's, never the one embedded in a
// messageId, which can name another conversation). The other rows are keyed
// under their conversation: a transfer by its time (and its rank among
// transfers at the same millisecond), a workitem by agent and join time, a
// queue segment by skill and queue time, a survey answer by its survey's and
// its own position, a captured value by its category and dotted name (and,
// for engagement attributes, the attribute's server time stamp).
//
// # Later loads
//
// The API returns open conversations with a duration that keeps growing and
// adds surveys, statuses and summaries after the close, so the same
// conversation arrives again in later files and pulls. The newer record
// replaces the older: each conversation's freshness (closed before open,
// then the end or the "as of" time start+duration, then the latest time
// anywhere in the record) is staged, and a record older than the staged one
// (a file loaded again out of order) is read but changes nothing. Rows are
// upserted by their keys, so a record loaded twice changes nothing either.
// Rows are never deleted: a message missing from a newer, partial record
// keeps its row.
//
// # Sentinels
//
// LivePerson marks missing values per field, not with one rule:
//
//	field                                       sentinel           meaning
//	endTime, email, names, summary text, ...    "undefined"        no value
//	device                                      "undefined", "NA"  no value
//	endTimeL and every *L time                  -1 (or 0)          no time (open conversation)
//	latestSkillId, sourceSkillId, targetSkillId -1                 unassigned: no queue
//	latestAgentGroupId                          -1                 unassigned: no group
//	latestAgentId and other agent ids           "-1", "null"       no agent
//	transfers[].assignedAgentId                 "null" (text)      no agent
//	consumer phone                              "0"                no phone number
//	alertedMCS                                  -1                 a real value (negative), kept
//	engagement attribute values                 null, "undefined"  no value
//
// A close reason on a conversation that has not ended (the vendor's example
// has one) is not an end reason and is left out.
//
// Numbers arrive as strings as often as numbers (ids, time stamps, "total":
// "11.7", "quantity": "1" beside "quantity": 3); every numeric field accepts
// both. For the two clocks (epoch milliseconds and text) see clock: the
// epoch milliseconds win.
//
// # Invalid files
//
// A file that is not valid JSON (the vendor's published examples are not:
// typographic quotes, a missing comma) fails as a whole with the line and
// column of the first error, and nothing of it is kept. A record that is
// valid JSON but unusable (no conversationId, a field of the wrong shape) is
// rejected and the others load.
package liveperson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/jsonin"
)

func init() { loaders.Register(Source{}) }

// Source is LivePerson Messaging Interactions, from files and by API.
type Source struct{}

// Kind implements loaders.Source.
func (Source) Kind() string { return loaders.KindLivePerson }

// Sniff recognises a conversations search response by its records field,
// or a bare array of records by the fields of a conversation record.
func (Source) Sniff(name string, head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return false
	}
	if bytes.Contains(head, []byte(`"conversationHistoryRecords"`)) {
		return true
	}
	return bytes.Contains(head, []byte(`"conversationId"`)) && bytes.Contains(head, []byte(`"info"`)) &&
		(bytes.Contains(head, []byte(`"messageRecords"`)) || bytes.Contains(head, []byte(`"agentParticipants"`)))
}

// Load implements loaders.Source: it streams the records and derives each
// conversation's rows as soon as its record is read.
func (Source) Load(ctx context.Context, f *loaders.File, b *loaders.Batch) error {
	l := &loader{b: b}
	w := newLimitedWalker(f.Name, f.R, f.Limits, func(ve *jsonin.ValueError) error {
		// Past a limit, or not UTF-8: refused on its own.
		b.ReadLarge()
		return b.Reject(int64(ve.At.Line), ve.Path, "conversation record refused: "+ve.Msg, ve.Excerpt)
	})
	return w.walk(func(raw json.RawMessage, line int64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return l.record(raw, func() int64 { return line })
	})
}

// loader is the state of one file.
type loader struct {
	b *loaders.Batch
}

// record loads one conversation record; line tells the line the record
// starts on, for rejects.
func (l *loader) record(raw json.RawMessage, line func() int64) error {
	l.b.ReadLarge()
	c, err := l.parse(raw, line)
	if err != nil || c == nil {
		return err
	}
	return l.load(c.id, raw, c)
}

// parse reads a record, or rejects it (nil conv).
func (l *loader) parse(raw json.RawMessage, line func() int64) (*conv, error) {
	b := l.b
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		field, why := shapeError("", err)
		return nil, b.Reject(line(), field, why, string(raw))
	}
	var in info
	if len(rec.Info) > 0 {
		if err := json.Unmarshal(rec.Info, &in); err != nil {
			field, why := shapeError("info", err)
			return nil, b.Reject(line(), field, why, string(rec.Info))
		}
	}
	id := in.ConversationID.text(loaders.SentinelLPNull)
	if id == "" {
		return nil, b.Reject(line(), "info.conversationId", "missing conversation id", string(raw))
	}
	c := &conv{l: l, b: b, id: id, key: b.ID(id), rec: &rec, in: &in, line: line}
	c.times()
	c.ver = c.version()
	c.fresh = max(c.ver.AsOf, c.ver.Last)
	return c, nil
}

// shapeError says which field of a record has the wrong JSON shape (an
// object where a list belongs...), in the words of the JSON, not of Go.
func shapeError(prefix string, err error) (field, why string) {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return prefix, "not a conversation record: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	field = te.Field
	if prefix != "" {
		field = prefix + "." + field
	}
	want := "a " + te.Type.Kind().String()
	switch te.Type.Kind() {
	case reflect.Slice, reflect.Array:
		want = "a list"
	case reflect.Struct, reflect.Map:
		want = "an object"
	case reflect.String:
		want = "text"
	}
	return field, fmt.Sprintf("expected %s, found a JSON %s", want, te.Value)
}
