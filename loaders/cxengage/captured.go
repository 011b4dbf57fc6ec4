package cxengage

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// captured writes what has no column of its own as name/value rows:
// hooks, the disposition, statistics, notes that are not plain text, the
// recording link, and a transcript that is not readable as messages (one
// that is becomes Messages).
func (l *loader) captured(ix *interaction, conv string, agentIDs map[string]loaders.PersonRef) error {
	b := l.b
	put := func(key, category, name, value, valueType string, at time.Time) error {
		r := b.Row("CapturedData", ix.ID+":"+key).Set("conversationId", conv).Set("category", category).
			Set("name", name).Set("value", value).Set("valueType", valueType).Set("timestampUTC", at)
		return b.Put(r)
	}
	for i, h := range ix.Hooks {
		key := h.ID
		if key == "" {
			key = fmt.Sprintf("%d", i)
		}
		name := strings.Trim(h.Type+"."+h.SubType, ".")
		if name == "" {
			name = "hook"
		}
		if v := firstNonEmpty(h.Name, h.HookID); v != "" {
			if err := put("hook:"+key, "hook", name, v, "string", h.At); err != nil {
				return err
			}
		}
		// The linked record's id (a ticket or case number) beside its title.
		if h.Name != "" && h.HookID != "" {
			if err := put("hook:"+key+":hookId", "hook", name+".hookId", h.HookID, "string", h.At); err != nil {
				return err
			}
		}
	}
	for _, d := range []struct{ key, name, value string }{{"disposition:name", "dispositionName", ix.Disposition}, {"disposition:id", "dispositionId", ix.DispoID}} {
		if d.value != "" {
			if err := put(d.key, "disposition", d.name, d.value, "string", ix.End); err != nil {
				return err
			}
		}
	}
	for _, s := range ix.Stats {
		r := b.Row("CapturedData", ix.ID+":stat:"+s.Name).Set("conversationId", conv).Set("category", "statistic").
			Set("name", s.Name).Set("value", s.Raw).Set("valueType", "number").Set("numberValue", s.Value)
		if err := b.Put(r); err != nil {
			return err
		}
	}
	var notes string
	if ix.Notes != nil && json.Unmarshal(ix.Notes, &notes) != nil {
		if err := put("notes", "note", "notes", string(ix.Notes), "json", time.Time{}); err != nil {
			return err
		}
	}
	if ix.Audio != nil {
		var link string
		v, typ := string(ix.Audio), "json"
		if json.Unmarshal(ix.Audio, &link) == nil {
			v, typ = link, "string"
		}
		if err := put("recording", "recording", "audioRecording", v, typ, time.Time{}); err != nil {
			return err
		}
	}
	if ix.Transcript == nil {
		return nil
	}
	msgs, ok := transcript(ix.Transcript, ix)
	if !ok {
		var s string
		v, typ := string(ix.Transcript), "json"
		if json.Unmarshal(ix.Transcript, &s) == nil {
			v, typ = s, "string"
		}
		return put("transcript", "transcript", "messagingTranscript", v, typ, time.Time{})
	}
	for i, m := range msgs {
		r := b.Row("Messages", fmt.Sprintf("%s:msg:%d", ix.ID, i)).Set("conversationId", conv).
			Set("senderType", loaders.NZ(m.Sender)).Set("sentAtUTC", m.Sent).Set("messageIndex", int64(i)).
			Set("body", loaders.NZ(m.Body)).Set("contentType", m.Kind)
		if m.Kind == "file" {
			r.Set("rawContent", string(m.Raw))
		}
		if m.Sender == "agent" {
			// Only an agent of this interaction: a transcript's "from" may
			// be any handle, which must not become an Agents row.
			r.Set("agentId", agentIDs[m.From])
		}
		if err := b.Put(r); err != nil {
			return err
		}
	}
	return nil
}
