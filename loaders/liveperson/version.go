package liveperson

import (
	"encoding/json"
	"sort"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
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

// record is the staging key of a conversation's copies.
func copyRecord(id string) string { return "conversation:" + id }

// load derives a conversation from every copy of its record that was
// loaded (loaders.StageCopy): one copy alone is derived as it is; several
// are each derived, newest first by version (a tie goes to the smaller
// content hash, so that nothing depends on load order), and merged field by
// field (loaders.MergeRows). An identical copy loaded before changes
// nothing and is not derived again.
func (l *loader) load(id string, raw json.RawMessage, first *conv) error {
	b := l.b
	hash, isNew, err := b.StageCopy(copyRecord(id), raw)
	if err != nil || !isNew {
		return err
	}
	if only, err := b.OnlyCopy(copyRecord(id)); err != nil || only {
		if err != nil {
			return err
		}
		return first.derive()
	}
	copies, err := b.Copies(copyRecord(id))
	if err != nil {
		return err
	}
	type versioned struct {
		c    *conv
		hash string
	}
	var vs []versioned
	for _, cp := range copies {
		c, err := l.parse(cp.Payload, first.line)
		if err != nil || c == nil {
			// Every staged copy parsed when it was loaded; a copy
			// this version cannot read is left out, not fatal.
			continue
		}
		vs = append(vs, versioned{c, cp.Hash})
	}
	sort.SliceStable(vs, func(i, j int) bool {
		a, c := vs[i].c.ver, vs[j].c.ver
		if a != c {
			return c.older(a)
		}
		return vs[i].hash < vs[j].hash
	})
	sets := make([][]*store.Row, 0, len(vs))
	for _, v := range vs {
		derive := func() error {
			rows, err := b.Collect(v.c.derive)
			sets = append(sets, rows)
			return err
		}
		if v.hash != hash {
			// Loaded before: its rejects were reported then.
			err = b.Muted(derive)
		} else {
			err = derive()
		}
		if err != nil {
			return err
		}
	}
	for _, r := range loaders.MergeRows(sets) {
		if err := b.Put(r); err != nil {
			return err
		}
	}
	return nil
}
