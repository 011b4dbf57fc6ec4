package loaders

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/ccfeed/ccfeed/store"
)

// A vendor record (a LivePerson conversation, a CxEngage interaction, a
// Buzzeasy row, an ino distribution) can arrive more than once: a pull that
// overlaps the last one, a file exported again, an open conversation and
// later its closed copy, an older export loaded after a newer pull. Each
// distinct copy is kept, staged under the record's key and a hash of its
// content, and the record's rows are derived from all its copies, newest
// first, field by field: a value beats no value, then the newer copy wins
// (MergeRows). So a survey or a csat that arrives with a later copy is
// never undone by an older copy loaded after it, and which copy was loaded
// last does not matter.

// Copy is one staged copy of a record.
type Copy struct {
	Payload []byte
	// Hash identifies the content; it breaks ties between copies that
	// their source cannot order.
	Hash string
}

// copyGroup is the staging group of a record's copies.
func copyGroup(record string) string { return "copy:" + record }

// StageCopy keeps one copy of a record and returns its hash and whether it
// is new: an identical copy loaded before changes nothing, so its record
// need not be derived again.
func (b *Batch) StageCopy(record string, payload []byte) (string, bool, error) {
	h := copyHash(payload)
	g := copyGroup(record)
	isNew, err := b.Stage(g, g+"#"+h, 0, payload, false)
	return h, isNew, err
}

func copyHash(p []byte) string {
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:12])
}

// OnlyCopy reports whether a record has a single staged copy, without
// reading it back. Most records of a load are new and have one copy, the
// one just staged: reading it back (a query, unpacking, hashing) was a third
// of a Buzzeasy load's time.
func (b *Batch) OnlyCopy(record string) (bool, error) {
	n, err := b.lt.StagedCount(b.ctx, b.Tenant, b.Source, copyGroup(record))
	return n <= 1, err
}

// Copies returns every staged copy of a record, by hash.
func (b *Batch) Copies(record string) ([]Copy, error) {
	var out []Copy
	err := b.Staged([]string{copyGroup(record)}, func(_ string, p []byte) error {
		out = append(out, Copy{Payload: append([]byte(nil), p...), Hash: copyHash(p)})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Hash < out[j].Hash })
	return out, err
}

// Collect runs fn with Put keeping rows instead of writing them, and
// returns them in the order fn put them. People (Agent, Customer) and
// rejects are written as usual.
func (b *Batch) Collect(fn func() error) ([]*store.Row, error) {
	prev := b.collect
	var rows []*store.Row
	b.collect = &rows
	defer func() { b.collect = prev }()
	err := fn()
	return rows, err
}

// MergeRows merges the rows derived from several copies of one record,
// given newest copy first: a row is the newest copy's, each column it
// leaves empty filled from the next copy that has a value. A row only older
// copies have is kept as they have it. Rows keep the order in which they
// are first met. decided names columns ("Table.column") whose emptiness in
// the newest copy is itself a statement (a flag the source cleared):
// those are never filled from older copies.
func MergeRows(copies [][]*store.Row, decided ...string) []*store.Row {
	keep := map[string]bool{}
	for _, d := range decided {
		keep[d] = true
	}
	type key struct{ table, id string }
	byKey := map[key]*store.Row{}
	var out []*store.Row
	for _, rows := range copies {
		for _, r := range rows {
			id, _ := r.Get("id").(string)
			k := key{r.Table.Name, id}
			m := byKey[k]
			if m == nil {
				m = &store.Row{Table: r.Table, Values: append([]any(nil), r.Values...)}
				byKey[k] = m
				out = append(out, m)
				continue
			}
			for i, v := range m.Values {
				if v == nil && !keep[r.Table.Name+"."+r.Table.Columns[i].Name] {
					m.Values[i] = r.Values[i]
				}
			}
		}
	}
	return out
}

// Muted runs fn with Reject dropping what it is given: for deriving again
// copies of a record loaded earlier, whose rejects that load reported.
func (b *Batch) Muted(fn func() error) error {
	prev := b.muted
	b.muted = true
	defer func() { b.muted = prev }()
	return fn()
}

// Claim records that the source stated value for key at fresh (Unix
// milliseconds; 0 when the source gives no time) and returns the value that
// wins over every statement loaded for the key so far: the freshest, then,
// between statements of the same time, the larger value. For a lookup row
// that many records name (a queue's name in every interaction), so the row
// says what the freshest record said, whatever the order of loads.
func (b *Batch) Claim(key string, fresh int64, value string) (string, error) {
	g := "claim:" + key
	cur, known := b.claims[g]
	if !known {
		err := b.Staged([]string{g}, func(_ string, p []byte) error {
			if err := json.Unmarshal(p, &cur); err != nil {
				return fmt.Errorf("loaders: claim %s: %w", key, err)
			}
			known = true
			return nil
		})
		if err != nil {
			return "", err
		}
		if len(b.claims) >= peopleCached {
			clear(b.claims)
		}
		b.claims[g] = cur
	}
	// A value beats no value: a statement without one changes nothing.
	st := obs{V: value, F: fresh}
	if value == "" || (known && cur.V != "" && !st.beats(cur)) {
		return cur.V, nil
	}
	payload, _ := json.Marshal(st)
	if _, err := b.Stage(g, g, 0, payload, true); err != nil {
		return "", err
	}
	b.claims[g] = st
	return value, nil
}

// ContentHash identifies a payload by its content (for staging keys that
// keep every distinct copy of a record).
func ContentHash(p []byte) string { return copyHash(p) }

// MergeObjects merges copies of one JSON object record, given newest first:
// every member of the newest copy, then the members it lacks from the next
// copy that has them, member objects merged the same way. For records staged
// with empty members left out (omitempty), a value beats no value and the
// newer copy wins.
func MergeObjects(copies [][]byte) ([]byte, error) {
	var out map[string]json.RawMessage
	for _, c := range copies {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(c, &m); err != nil {
			return nil, err
		}
		if out == nil {
			out = m
			continue
		}
		for k, v := range m {
			cur, ok := out[k]
			if !ok {
				out[k] = v
				continue
			}
			if len(cur) > 0 && cur[0] == '{' && len(v) > 0 && v[0] == '{' {
				merged, err := MergeObjects([][]byte{cur, v})
				if err != nil {
					return nil, err
				}
				out[k] = merged
			}
		}
	}
	return json.Marshal(out)
}
