package loaders

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// What one source says about one person is kept field by field, each value
// with how fresh its statement is, so that statements join the same way
// whatever order they arrive in; this file is that type and its stored form.

// obs is one field of a mention: the value and how fresh the statement is.
type obs struct {
	V string `json:"v"`
	F int64  `json:"f,omitempty"`
}

// beats orders two statements of one field of one mention: the fresher
// wins, then (for a tie) the larger value, so that the result of joining
// statements never depends on their order.
func (o obs) beats(p obs) bool {
	if o.F != p.F {
		return o.F > p.F
	}
	return o.V > p.V
}

// field is one field of a mention: the column it lands in and the
// statement.
type field struct {
	col string
	obs
}

// fields is what one mention says, field by field, sorted by column. A
// slice, not a map: a load keeps tens of thousands of mentions in memory
// (peopleCached), and a map per mention tripled a large load's heap. It is
// stored as a JSON object of column -> {v, f}.
type fields []field

// get returns the statement of a column, if any.
func (f fields) get(col string) (obs, bool) {
	for _, x := range f {
		if x.col == col {
			return x.obs, true
		}
	}
	return obs{}, false
}

// put adds a statement for a column (one the fields do not have yet), in
// its place.
func (f *fields) put(col string, o obs) {
	i := len(*f)
	for i > 0 && (*f)[i-1].col > col {
		i--
	}
	*f = slices.Insert(*f, i, field{col, o})
}

// join adds what another statement of the same mention says: a value beats
// no value, then the fresher statement wins. It reports whether anything
// changed, and whether a value did (not only how fresh a value is). Joining
// is commutative, associative and idempotent, which is what makes a mention
// the same whatever order its statements arrive in.
func (f *fields) join(o fields) (changed, valued bool) {
	for _, x := range o {
		if x.V == "" {
			continue
		}
		i := sort.Search(len(*f), func(i int) bool { return (*f)[i].col >= x.col })
		switch {
		case i < len(*f) && (*f)[i].col == x.col:
			if x.beats((*f)[i].obs) {
				if x.V == (*f)[i].V {
					(*f)[i].F = x.F
				} else {
					(*f)[i].obs = obs{V: strings.Clone(x.V), F: x.F}
					valued = true
				}
				changed = true
			}
		default:
			// Cloned: a statement's values are slices of the record they
			// were read from, and a mention the load caches would keep
			// that whole record alive (tens of thousands of them).
			*f = append(*f, field{})
			copy((*f)[i+1:], (*f)[i:])
			(*f)[i] = field{x.col, obs{V: strings.Clone(x.V), F: x.F}}
			changed, valued = true, true
		}
	}
	return changed, valued
}

// MarshalJSON writes the fields as an object of column -> statement, in
// column order.
func (f fields) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32*len(f)+2)
	b = append(b, '{')
	for i, x := range f {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, x.col)
		b = append(b, `:{"v":`...)
		v, err := json.Marshal(x.V)
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
		if x.F != 0 {
			b = append(b, `,"f":`...)
			b = strconv.AppendInt(b, x.F, 10)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *fields) UnmarshalJSON(b []byte) error {
	var m map[string]obs
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*f = (*f)[:0]
	for k, v := range m {
		*f = append(*f, field{k, v})
	}
	sort.Slice(*f, func(i, j int) bool { return (*f)[i].col < (*f)[j].col })
	return nil
}

// fieldsBinary tags the stored form of fields written by encode; older
// loads stored JSON (MarshalJSON), which begins with '{'.
const fieldsBinary = 1

// encode is how a mention's fields are stored: a tag byte, then per field
// its column, value and freshness, lengths as varints. JSON cost a tenth of
// a two-way load (every customer's mention is written, and read back when
// the cache lets it go).
func (f fields) encode() []byte {
	n := 1
	for _, x := range f {
		n += len(x.col) + len(x.V) + 3*binary.MaxVarintLen64
	}
	b := make([]byte, 1, n)
	b[0] = fieldsBinary
	for _, x := range f {
		b = binary.AppendUvarint(b, uint64(len(x.col)))
		b = append(b, x.col...)
		b = binary.AppendUvarint(b, uint64(len(x.V)))
		b = append(b, x.V...)
		b = binary.AppendVarint(b, x.F)
	}
	return b
}

// decodeFields reads what encode writes, or the JSON of older loads.
func decodeFields(b []byte) (fields, error) {
	if len(b) > 0 && b[0] == '{' {
		var f fields
		err := f.UnmarshalJSON(b)
		return f, err
	}
	if len(b) == 0 || b[0] != fieldsBinary {
		return nil, fmt.Errorf("unknown stored form of a mention's fields")
	}
	b = b[1:]
	var f fields
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		v := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return v, true
	}
	for len(b) > 0 {
		col, ok1 := str()
		v, ok2 := str()
		fresh, k := binary.Varint(b)
		if !ok1 || !ok2 || k <= 0 {
			return nil, fmt.Errorf("a mention's fields are cut short")
		}
		b = b[k:]
		f = append(f, field{col, obs{V: v, F: fresh}})
	}
	return f, nil
}
