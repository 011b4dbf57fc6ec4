package cxengage

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// message is one entry of a messaging transcript.
type message struct {
	Sent   time.Time
	Body   string
	Kind   string // text or file
	Sender string // customer, agent, system, bot or ""
	From   string
	Raw    json.RawMessage
}

// rawEntry is the shape a transcript entry is read in. The reporting API
// documents messagingTranscript only as the transcript of the conversation;
// this shape is inferred from CxEngage's messaging payloads: an object,
// possibly wrapped in "payload", with a timestamp, a body (text, or an
// object with "text" and perhaps "file") and a sender kind.
type rawEntry struct {
	Payload    *rawEntry `json:"payload"`
	Timestamp  text      `json:"timestamp"`
	Time       text      `json:"time"`
	Created    text      `json:"created"`
	CreatedAt  text      `json:"createdAt"`
	From       text      `json:"from"`
	Type       text      `json:"type"`
	SenderType text      `json:"senderType"`
	Role       text      `json:"role"`
	Metadata   *struct {
		Type text `json:"type"`
	} `json:"metadata"`
	Body    json.RawMessage `json:"body"`
	Text    json.RawMessage `json:"text"`
	Message json.RawMessage `json:"message"`
}

// transcript reads a messaging transcript as messages. ok is false when it
// is not a list of entries that each have a time and a text or a file; the
// caller then keeps the transcript whole, as JSON.
func transcript(raw json.RawMessage, ix *interaction) ([]message, bool) {
	var entries []json.RawMessage
	if json.Unmarshal(raw, &entries) != nil || len(entries) == 0 {
		return nil, false
	}
	agents := map[string]bool{}
	for _, a := range ix.Agents {
		agents[a.Agent] = true
	}
	out := make([]message, 0, len(entries))
	for _, e := range entries {
		var r rawEntry
		if json.Unmarshal(e, &r) != nil {
			return nil, false
		}
		if r.Payload != nil {
			r = *r.Payload
		}
		m := message{From: string(r.From), Raw: e, Kind: "text"}
		var err error
		if m.Sent, err = entryTime(first(r.Timestamp, r.Time, r.Created, r.CreatedAt)); err != nil || m.Sent.IsZero() {
			return nil, false
		}
		body, file := entryBody(r.Body)
		if body == "" && !file {
			body = firstString(r.Text, r.Message)
		}
		if body == "" && !file {
			return nil, false
		}
		m.Body = body
		if file && body == "" {
			m.Kind, m.Body = "file", fileName(r.Body)
		}
		var meta text
		if r.Metadata != nil {
			meta = r.Metadata.Type
		}
		for _, k := range []text{meta, r.SenderType, r.Role, r.Type} {
			if s, ok := senderTypes[strings.ToLower(string(k))]; ok {
				m.Sender = s
				break
			}
		}
		if m.Sender == "" {
			switch {
			case m.From == "":
			case m.From == ix.Customer:
				m.Sender = "customer"
			case agents[m.From]:
				m.Sender = "agent"
			case strings.EqualFold(m.From, "system"):
				m.Sender = "system"
			}
		}
		out = append(out, m)
	}
	return out, true
}

// entryBody reads a body that is a string or an object with "text" and
// "file" (non-empty when a file was sent).
func entryBody(b json.RawMessage) (string, bool) {
	if len(b) == 0 {
		return "", false
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s, false
	}
	var o struct {
		Text string          `json:"text"`
		File json.RawMessage `json:"file"`
	}
	if json.Unmarshal(b, &o) != nil {
		return "", false
	}
	f := strings.TrimSpace(string(o.File))
	return o.Text, f != "" && f != "null" && f != "{}"
}

// fileName is the readable text of a file message: its name, else its link.
func fileName(b json.RawMessage) string {
	var o struct {
		File struct {
			Filename string `json:"filename"`
			Name     string `json:"name"`
			MediaURL string `json:"mediaUrl"`
			URL      string `json:"url"`
		} `json:"file"`
	}
	_ = json.Unmarshal(b, &o)
	f := o.File
	for _, s := range []string{f.Filename, f.Name, f.MediaURL, f.URL} {
		if s != "" {
			return s
		}
	}
	return ""
}

func firstString(vs ...json.RawMessage) string {
	for _, v := range vs {
		var s string
		if json.Unmarshal(v, &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

// entryTime reads an ISO time or epoch milliseconds (or seconds).
func entryTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 1e11 {
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return parseTime(s)
}
