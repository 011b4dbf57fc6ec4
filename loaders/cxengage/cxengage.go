// Package cxengage loads interactions from the CxEngage reporting API, as
// exported files or pulled pages: a single interaction (the response for
// one interaction) or a list page ({page, limit, offset, total, tenantId,
// tenantName, tenantTimezone, results[]}). Times are ISO 8601 in UTC,
// durations float seconds.
//
// Natural keys, each the vendor's own id, so a row is replaced in place
// when a later copy of its interaction arrives:
//
//	interactionId         Conversations (and the key part of its CapturedData and Messages)
//	interactionQueueId    QueueSegments: one per entry of the interaction into a queue
//	interactionAgentId    Workitems: one per allocation of an agent
//	interactionSegmentId  Transfers: one per segment started by a transfer or add-participant
//	agentId, queueId      Agents (merged across sources by Batch.Agent), Queues
//	interactionHookId     CapturedData of a hook
//
// An interaction carries its whole state, so every load rewrites all its
// rows: an interaction first loaded incomplete (dataComplete false,
// flagged, no end) is completed, and its flags cleared, by the next copy;
// the same copy again changes nothing. One exception: an incomplete copy
// of an interaction already loaded complete is older (the API only ever
// completes an interaction) and is skipped.
//
// Where things go: the interaction to Conversations, sliced into Calls,
// Chats or Emails by channelType (see mediaTypes); queues[] to
// QueueSegments, the exit type mapped to the model's dequeued reasons (see
// dequeuedReasons); agents[] to Workitems and Agents; segments[] to
// Transfers; hooks, the disposition, statistics without a column and
// anything unreadable as messages to CapturedData; a messaging transcript
// to Messages. A field the loader cannot read refuses its interaction as a
// reject; invalid JSON fails the whole file with its line and column.
package cxengage

import (
	"bytes"
	"context"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/jsonin"
)

func init() { loaders.Register(Source{}) }

// Source is the CxEngage reporting API; it is both a file format and a
// pullable API.
type Source struct{}

var _ loaders.API = Source{}

// Kind implements loaders.Source.
func (Source) Kind() string { return loaders.KindCxEngage }

// Sniff recognises a JSON object that is a list page (results with the
// tenant envelope) or an interaction (interactionId with fields only
// CxEngage sends), or a bare list of such interactions.
func (Source) Sniff(name string, head []byte) bool {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(head) == 0 || head[0] != '{' && head[0] != '[' {
		return false
	}
	has := func(k string) bool { return bytes.Contains(head, []byte(`"`+k+`"`)) }
	if has("results") && (has("tenantTimezone") || has("tenantName")) {
		return true
	}
	if !has("interactionId") {
		return false
	}
	for _, k := range []string{"channelType", "dataComplete", "interactionQueueId", "interactionSegmentId", "interactionAgentId"} {
		if has(k) {
			return true
		}
	}
	return false
}

// Load implements loaders.Source. It streams a list page one interaction
// at a time, so memory does not grow with the page.
func (Source) Load(ctx context.Context, f *loaders.File, b *loaders.Batch) error {
	l := newLoader(b)
	return newWalker(ctx, f.Name, f.R, f.Limits, func(raw []byte, line int64) error {
		b.ReadLarge()
		return l.interaction(raw, line)
	}, func(ve *jsonin.ValueError) error {
		// Past a limit, or not UTF-8: refused on its own.
		b.ReadLarge()
		return b.Reject(int64(ve.At.Line), ve.Path, "interaction refused: "+ve.Msg, ve.Excerpt)
	}).run()
}
