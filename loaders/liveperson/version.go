package liveperson

import (
	"encoding/json"
	"fmt"
)

// version is how fresh a conversation record is. Records of one
// conversation compare by: closed after open (a closed conversation does
// not reopen), then asOf (the end, or for an open conversation start +
// duration, which the API computes at the time of the request and so grows
// from one pull to the next), then the latest time anywhere in the record
// (a survey, status or summary added after the close).
type version struct {
	Closed bool  `json:"c"`
	AsOf   int64 `json:"a"`
	Last   int64 `json:"l"`
}

func (v version) older(w version) bool {
	if v.Closed != w.Closed {
		return !v.Closed
	}
	if v.AsOf != w.AsOf {
		return v.AsOf < w.AsOf
	}
	return v.Last < w.Last
}

func (c *conv) versionGroup() string { return "conversation:" + c.id }

// version computes the record's version (times must have been read).
func (c *conv) version() version {
	in := c.in
	v := version{Closed: c.ended}
	switch {
	case c.ended:
		v.AsOf = c.end
	case c.hasStart:
		v.AsOf = c.start
		if d, ok := in.Duration.int(); ok && d > 0 {
			v.AsOf += d
		}
	}
	last := func(ms, text scalar) {
		if t, ok := clock(ms, text); ok {
			v.Last = max(v.Last, t)
		}
	}
	rec := c.rec
	for _, m := range rec.MessageRecords {
		last(m.TimeL, m.Time)
	}
	for _, s := range rec.MessageStatuses {
		last(s.TimeL, s.Time)
	}
	for _, s := range append(append(list[score]{}, rec.MessageScore...), rec.MessageScores...) {
		last(s.TimeL, s.Time)
	}
	for _, p := range append(append(list[participant]{}, rec.AgentParticipants...), rec.AgentParticipantsLeave...) {
		last(p.TimeL, p.Time)
	}
	for _, t := range rec.Transfers {
		last(t.TimeL, t.Time)
	}
	for _, i := range rec.Interactions {
		last(i.InteractionTimeL, i.InteractionTime)
	}
	for _, d := range rec.dialogs() {
		last(d.EndTimeL, scalar{})
	}
	last(rec.Summary.LastUpdatedTime, scalar{})
	for _, e := range c.sdeEvents() {
		v.Last = max(v.Last, e.ts)
	}
	return v
}

// fresher reports whether the record is at least as fresh as the one staged
// for the conversation by an earlier file or an earlier page; an older one
// is read and left out. A tie goes to the record being loaded.
func (c *conv) fresher() (bool, error) {
	c.times()
	c.ver = c.version()
	var staged *version
	err := c.b.Staged([]string{c.versionGroup()}, func(_ string, payload []byte) error {
		var v version
		if err := json.Unmarshal(payload, &v); err != nil {
			return fmt.Errorf("liveperson: staged version of %s: %w", c.id, err)
		}
		staged = &v
		return nil
	})
	if err != nil {
		return false, err
	}
	return staged == nil || !c.ver.older(*staged), nil
}

// stageVersion records the version of the record just loaded.
func (c *conv) stageVersion() error {
	payload, _ := json.Marshal(c.ver)
	g := c.versionGroup()
	_, err := c.b.Stage(g, g, 0, payload, true)
	return err
}
