package liveperson

import (
	"github.com/ccfeed/ccfeed/loaders"

	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
)

// msg is a message as the rows need it.
type msg struct {
	seq    int64
	sender string // customer, agent, bot or system
	agent  string // LivePerson agent id, for agent and bot messages
	sent   int64  // epoch ms, 0 when unknown
}

// parseMessages reads the record's message records in seq order,
// rejecting those without a usable seq. A seq given twice keeps its last
// record.
func (c *conv) parseMessages() error {
	c.bySeq = map[int64]message{}
	meta := map[int64]*msg{}
	for i, m := range c.rec.MessageRecords {
		seq, ok := m.Seq.int()
		if !ok || seq < 0 {
			if err := c.b.Reject(c.line(), fmt.Sprintf("messageRecords[%d].seq", i), "a message needs a whole, non-negative seq", m.Seq.v); err != nil {
				return err
			}
			continue
		}
		c.bySeq[seq] = m
		x := &msg{seq: seq, sender: c.senderType(m)}
		if x.sender == "agent" || x.sender == "bot" {
			x.agent = m.ParticipantID.id()
		}
		x.sent, _ = clock(m.TimeL, m.Time)
		meta[seq] = x
	}
	c.msgs = make([]*msg, 0, len(meta))
	for _, m := range meta {
		c.msgs = append(c.msgs, m)
	}
	sort.Slice(c.msgs, func(i, j int) bool { return c.msgs[i].seq < c.msgs[j].seq })
	return nil
}

// senderType maps sentBy (Consumer, Agent, System) to the model's sender
// types; an agent participant whose user type is bot sends as bot.
func (c *conv) senderType(m message) string {
	switch s := strings.ToLower(m.SentBy.text(loaders.SentinelLPText)); s {
	case "consumer", "visitor", "customer":
		return "customer"
	case "agent":
		if c.bots[m.ParticipantID.id()] {
			return "bot"
		}
		return "agent"
	case "system":
		return "system"
	case "bot":
		return "bot"
	default:
		return s
	}
}

// messages writes one Messages row per message record, with its latest
// delivery status and score.
func (c *conv) messages() error {
	b := c.b
	ms, bySeq := c.msgs, c.bySeq
	// Scores and statuses name their message by messageId (statuses also
	// by seq). The messageId is matched as a whole against the record's
	// own messages: the conversation id inside it may be another one's.
	seqOf := map[string]int64{}
	for _, m := range ms {
		if id := bySeq[m.seq].MessageID.text(loaders.SentinelLPNull); id != "" {
			seqOf[id] = m.seq
		}
	}
	statuses := c.latestStatuses(seqOf)
	scores := c.latestScores(seqOf)
	for _, m := range ms {
		rec := bySeq[m.seq]
		body, kind, raw := content(rec.Type.text(loaders.SentinelLPText), rec.MessageData)
		r := b.Row("Messages", fmt.Sprintf("%s:%d", c.id, m.seq)).Set("conversationId", c.key).
			Set("senderType", nzs(m.sender)).Set("messageIndex", m.seq).
			Set("body", nzs(body)).Set("contentType", kind).Set("rawContent", nzs(raw))
		if m.sent > 0 {
			r.Set("sentAtUTC", at(m.sent))
		}
		if m.agent != "" {
			id, err := c.agent(m.agent)
			if err != nil {
				return err
			}
			r.Set("agentId", id)
		}
		if s, ok := statuses[m.seq]; ok {
			r.Set("deliveryStatus", s.value)
		}
		if s, ok := scores[m.seq]; ok {
			r.Set("score", s.score)
		}
		if err := b.Put(r); err != nil {
			return err
		}
	}
	return nil
}

type latestStatus struct {
	value string
	at    int64
}

// statusRank orders statuses reported at the same millisecond: the one
// further along wins.
var statusRank = map[string]int{"SENT": 1, "ACCEPT": 2, "DELIVERED": 3, "READ": 4, "ACTION": 5}

// latestStatuses picks each message's latest status by time, whatever the
// order of the list.
func (c *conv) latestStatuses(seqOf map[string]int64) map[int64]latestStatus {
	out := map[int64]latestStatus{}
	for _, s := range c.rec.MessageStatuses {
		v := strings.ToUpper(s.MessageDeliveryStatus.text(loaders.SentinelLPNull))
		if v == "" {
			continue
		}
		seq, ok := seqOf[s.MessageID.text(loaders.SentinelLPNull)]
		if !ok {
			if seq, ok = s.Seq.int(); !ok {
				continue
			}
		}
		t, _ := clock(s.TimeL, s.Time)
		prev, had := out[seq]
		if !had || t > prev.at || (t == prev.at && (statusRank[v] > statusRank[prev.value] ||
			(statusRank[v] == statusRank[prev.value] && v > prev.value))) {
			out[seq] = latestStatus{value: v, at: t}
		}
	}
	return out
}

type latestScore struct {
	score float64
	at    int64
}

// latestScores picks each message's latest raw score.
func (c *conv) latestScores(seqOf map[string]int64) map[int64]latestScore {
	out := map[int64]latestScore{}
	for _, s := range append(append(list[score]{}, c.rec.MessageScore...), c.rec.MessageScores...) {
		seq, ok := seqOf[s.MessageID.text(loaders.SentinelLPNull)]
		if !ok {
			continue
		}
		v, ok := s.MessageRawScore.float()
		if !ok {
			continue
		}
		t, _ := clock(s.TimeL, s.Time)
		if prev, had := out[seq]; !had || t > prev.at || (t == prev.at && v > prev.score) {
			out[seq] = latestScore{score: v, at: t}
		}
	}
	return out
}

// answerSpeeds computes the mean time agents, bots and the customer took to
// answer, from consecutive messages in seq order.
func (c *conv) answerSpeeds() map[string]float64 {
	waits := map[string][]float64{}
	var prev *msg
	for _, m := range c.msgs {
		if prev != nil && prev.sent > 0 && m.sent >= prev.sent {
			gap := seconds(m.sent - prev.sent)
			switch {
			case prev.sender == "customer" && m.sender == "agent":
				waits["averageAgentAnswerSpeedInSeconds"] = append(waits["averageAgentAnswerSpeedInSeconds"], gap)
			case prev.sender == "customer" && m.sender == "bot":
				waits["averageBotAnswerSpeedInSeconds"] = append(waits["averageBotAnswerSpeedInSeconds"], gap)
			case (prev.sender == "agent" || prev.sender == "bot") && m.sender == "customer":
				waits["averageCustomerAnswerSpeedInSeconds"] = append(waits["averageCustomerAnswerSpeedInSeconds"], gap)
			}
		}
		if m.sent > 0 {
			prev = m
		}
	}
	out := map[string]float64{}
	for k, xs := range waits {
		var s float64
		for _, x := range xs {
			s += x
		}
		out[k] = math.Round(s/float64(len(xs))*1000) / 1000
	}
	return out
}

// messageData is the content of a message record.
type messageData struct {
	Msg *struct {
		Text scalar `json:"text"`
	} `json:"msg"`
	RichContent *struct {
		Content scalar `json:"content"`
	} `json:"richContent"`
	QuickReplies *struct {
		Content scalar `json:"content"`
	} `json:"quickReplies"`
	File *fileData `json:"file"`
	Link *fileData `json:"link"`
}

type fileData struct {
	RelativePath     scalar `json:"relativePath"`
	ExternalFileLink scalar `json:"externalFileLink"`
	FileType         scalar `json:"fileType"`
	Caption          scalar `json:"caption"`
}

// content reduces a message to readable text. It returns the body, the
// content type (text, rich or file) and, for anything but plain text, the
// message data exactly as sent (compacted JSON), so nothing is lost.
func content(typ string, data json.RawMessage) (body, kind, raw string) {
	var d messageData
	if len(data) == 0 {
		return "", "text", ""
	}
	if json.Unmarshal(data, &d) != nil {
		// Not the documented shape: nothing to read, all to keep.
		var buf bytes.Buffer
		if json.Compact(&buf, data) == nil {
			raw = buf.String()
		}
		return "", "rich", raw
	}
	var parts []string
	if d.Msg != nil {
		t := d.Msg.Text.text("")
		if strings.EqualFold(typ, "TEXT_HTML") {
			t = htmlText(t)
		}
		if t != "" {
			parts = append(parts, t)
		}
	}
	kind = "text"
	if d.RichContent != nil {
		kind = "rich"
		parts = append(parts, richText(d.RichContent.Content.text(""))...)
	}
	if d.QuickReplies != nil {
		kind = "rich"
		parts = append(parts, richText(d.QuickReplies.Content.text(""))...)
	}
	for _, f := range []*fileData{d.File, d.Link} {
		if f != nil {
			kind = "file"
			parts = append(parts, f.describe())
		}
	}
	up := strings.ToUpper(typ)
	switch {
	case kind == "text" && (up == "HOSTED_FILE" || up == "LINK" || up == "IMG"):
		kind = "file"
	case kind == "text" && up != "" && up != "TEXT_PLAIN" && up != "TEXT_HTML":
		kind = "rich"
	}
	if kind != "text" || strings.EqualFold(typ, "TEXT_HTML") {
		var buf bytes.Buffer
		if json.Compact(&buf, data) == nil {
			raw = buf.String()
		}
	}
	return strings.Join(parts, "\n"), kind, raw
}

// describe renders a hosted or linked file as text: "[file JPG] caption
// (path)".
func (f *fileData) describe() string {
	head := "[file"
	if t := f.FileType.text(loaders.SentinelLPText); t != "" {
		head += " " + t
	}
	head += "]"
	out := []string{head}
	if cap := f.Caption.text(loaders.SentinelLPText); cap != "" {
		out = append(out, cap)
	}
	where := f.RelativePath.text(loaders.SentinelLPText)
	if where == "" {
		where = f.ExternalFileLink.text(loaders.SentinelLPText)
	}
	if where != "" {
		out = append(out, "("+where+")")
	}
	return strings.Join(out, " ")
}

// richText extracts what a person reads from rich content (structured
// content and quick replies are JSON documents in a string): text
// elements, button titles, image captions; actions and metadata are left
// out. Content that is not JSON yields nothing (rawContent keeps it).
func richText(doc string) []string {
	var v any
	if doc == "" || json.Unmarshal([]byte(doc), &v) != nil {
		return nil
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			str := func(k string) string { s, _ := x[k].(string); return strings.TrimSpace(s) }
			switch strings.ToLower(str("type")) {
			case "text":
				if t := str("text"); t != "" {
					out = append(out, t)
				}
			case "button":
				if t := str("title"); t != "" {
					out = append(out, "["+t+"]")
				}
			case "image":
				alt := str("caption")
				if alt == "" {
					alt = str("tooltip")
				}
				if alt != "" {
					out = append(out, "[image: "+alt+"]")
				} else {
					out = append(out, "[image]")
				}
			case "map":
				out = append(out, "[map]")
			}
			for _, k := range []string{"elements", "replies"} {
				if e, ok := x[k]; ok {
					walk(e)
				}
			}
		}
	}
	walk(v)
	return out
}

// htmlText is the text of an HTML message: tags removed, entities decoded.
func htmlText(s string) string {
	var out strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			out.WriteRune(r)
		}
	}
	return strings.TrimSpace(html.UnescapeString(out.String()))
}

// nzs turns "" into nil so empty text is stored as NULL.
func nzs(s string) any {
	if s == "" {
		return nil
	}
	return s
}
