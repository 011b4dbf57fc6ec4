package twoway

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// A conversation's events are staged as one chunk (see Load). Its events
// repeat most of their text: the conversation and channel ids, the
// customer, the agent, the tag. The chunk is therefore encoded with a
// string table: each text field is either a reference to a string already
// in the chunk or a new literal. That is as small as deflate on these
// chunks for a fraction of the CPU (deflate and JSON were a fifth of a
// load's CPU time), and it needs no separate compression step.
//
// Layout, after the leading chunkBinary byte, per event:
//
//	uvarint flags (flagAmb, flagAfter, flagAfterTrue, flagIndex)
//	varint  line - previous line
//	varint  time - previous time (Unix milliseconds)
//	varint  message index (only with flagIndex)
//	one text reference per field of textFields
//
// A text reference is uvarint 0 followed by uvarint length and the bytes (a
// new string, appended to the table), or uvarint k > 0 for the table's
// string k-1. The table starts with the empty string.
//
// Chunks staged before this encoding are JSON arrays; they still decode.
const chunkBinary byte = 0xB1

const (
	flagAmb = 1 << iota
	flagAfter
	flagAfterTrue
	flagIndex
)

// textFields lists an event's text fields in their encoded order.
func textFields(e *event) [21]*string {
	return [21]*string{&e.File, &e.Type, &e.Conv, &e.Channel, &e.CCID, &e.CustFirst, &e.CustLast, &e.Product,
		&e.Email, &e.AgFirst, &e.AgLast, &e.Roles, &e.Group, &e.Tag, &e.Body, &e.English, &e.Lang, &e.Closed,
		&e.ClosedTxt, &e.Sender, &e.Status}
}

// encoder encodes chunks; it keeps its buffers from one chunk to the next.
type encoder struct {
	buf   []byte
	table map[string]uint64
}

// encode returns the chunk of evs. The result is only valid until the next
// call.
func (c *encoder) encode(evs []event) []byte {
	if c.table == nil {
		c.table = make(map[string]uint64, 64)
	}
	clear(c.table)
	c.table[""] = 1
	b := append(c.buf[:0], chunkBinary)
	var line, ts int64
	for i := range evs {
		e := &evs[i]
		var flags uint64
		if e.Amb {
			flags |= flagAmb
		}
		if e.After != nil {
			flags |= flagAfter
			if *e.After {
				flags |= flagAfterTrue
			}
		}
		if e.Index != nil {
			flags |= flagIndex
		}
		b = binary.AppendUvarint(b, flags)
		b = binary.AppendVarint(b, e.Line-line)
		b = binary.AppendVarint(b, e.Time-ts)
		line, ts = e.Line, e.Time
		if e.Index != nil {
			b = binary.AppendVarint(b, *e.Index)
		}
		for _, f := range textFields(e) {
			if k, ok := c.table[*f]; ok {
				b = binary.AppendUvarint(b, k)
				continue
			}
			c.table[*f] = uint64(len(c.table)) + 1
			b = binary.AppendUvarint(b, 0)
			b = binary.AppendUvarint(b, uint64(len(*f)))
			b = append(b, *f...)
		}
	}
	c.buf = b
	return b
}

// decodeChunk reads a staged chunk in either encoding. Events decoded from
// the binary encoding get their content hash recomputed (it is not stored).
func decodeChunk(p []byte) ([]event, error) {
	if len(p) == 0 {
		return nil, errors.New("empty chunk")
	}
	if p[0] != chunkBinary {
		var evs []event
		if err := json.Unmarshal(p, &evs); err != nil {
			return nil, err
		}
		return evs, nil
	}
	d := decoder{p: p, i: 1, table: []string{""}}
	var evs []event
	var line, ts int64
	for d.i < len(d.p) && d.err == nil {
		var e event
		flags := d.uvarint()
		line += d.varint()
		ts += d.varint()
		e.Line, e.Time = line, ts
		e.Amb = flags&flagAmb != 0
		if flags&flagAfter != 0 {
			v := flags&flagAfterTrue != 0
			e.After = &v
		}
		if flags&flagIndex != 0 {
			n := d.varint()
			e.Index = &n
		}
		for _, f := range textFields(&e) {
			*f = d.text()
		}
		e.Hash = e.hash()
		evs = append(evs, e)
	}
	if d.err != nil {
		return nil, d.err
	}
	return evs, nil
}

type decoder struct {
	p     []byte
	i     int
	table []string
	err   error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("corrupt chunk: bad %s at byte %d", what, d.i)
	}
}

func (d *decoder) uvarint() uint64 { return number(d, binary.Uvarint) }

func (d *decoder) varint() int64 { return number(d, binary.Varint) }

// number reads one varint with read, or records where the chunk is bad.
func number[T uint64 | int64](d *decoder, read func([]byte) (T, int)) T {
	v, n := read(d.p[d.i:])
	if n <= 0 {
		d.fail("number")
		d.i = len(d.p)
		return 0
	}
	d.i += n
	return v
}

func (d *decoder) text() string {
	k := d.uvarint()
	if d.err != nil {
		return ""
	}
	if k > 0 {
		if k > uint64(len(d.table)) {
			d.fail("string reference")
			return ""
		}
		return d.table[k-1]
	}
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.p)-d.i) {
		d.fail("string length")
		d.i = len(d.p)
		return ""
	}
	s := string(d.p[d.i : d.i+int(n)])
	d.i += int(n)
	d.table = append(d.table, s)
	return s
}
