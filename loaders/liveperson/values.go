package liveperson

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// scalar is one JSON value of a field the loader reads, kept as it came:
// LivePerson sends the same field as a number in one record and as a string
// in the next ("quantity": "1" beside "quantity": 3), and writes "undefined",
// "null" or -1 where a value is missing. A scalar never fails to decode; the
// field's own rule (see the package comment) decides what a value means.
type scalar struct {
	// kind is 0 when the key was absent or null, else 's' (JSON string),
	// 'n' (number), 'b' (boolean) or 'j' (object or array).
	kind byte
	// v is the string's content, or the literal text of anything else.
	v string
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*s = scalar{}
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case 'n':
		return nil
	case '"':
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*s = scalar{kind: 's', v: str}
	case 't', 'f':
		*s = scalar{kind: 'b', v: string(b)}
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return err
		}
		*s = scalar{kind: 'j', v: buf.String()}
	default:
		*s = scalar{kind: 'n', v: string(b)}
	}
	return nil
}

// text is the value as text, or "" when it is absent or a sentinel of the
// field's class (loaders.Sentinels; "" for a field without sentinels).
func (s scalar) text(class string) string {
	if s.kind == 0 || s.kind == 'j' {
		return ""
	}
	v := strings.TrimSpace(s.v)
	if class != "" && loaders.NoValue(class, v) {
		return ""
	}
	return v
}

// id is the value of an id field: text, without LivePerson's "no id"
// sentinels ("undefined", "null", -1).
func (s scalar) id() string { return s.text(loaders.SentinelLPID) }

// float reads a number, from a JSON number or a numeric string.
func (s scalar) float() (float64, bool) {
	if s.kind != 'n' && s.kind != 's' {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s.v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// int reads a whole number, from a JSON number or a numeric string ("3",
// "3.0").
func (s scalar) int() (int64, bool) {
	f, ok := s.float()
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// bool reads a boolean, from JSON true/false or the strings "true"/"false".
func (s scalar) bool() (bool, bool) {
	if s.kind != 'b' && s.kind != 's' {
		return false, false
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s.v))
	return b, err == nil
}

// epochMS reads an epoch-millisecond field (the *L fields, SDE time
// stamps): -1 and 0 mean "no time" there (endTimeL is -1 while a
// conversation is open), as does anything that is not a whole number.
func (s scalar) epochMS() (int64, bool) {
	n, ok := s.int()
	if !ok || n <= 0 || loaders.NoValue(loaders.SentinelLPTime, s.v) {
		return 0, false
	}
	return n, true
}

// clock is a time LivePerson gives twice: as epoch milliseconds (the *L
// field) and as "yyyy-MM-dd HH:mm:ss.SSS+0000" text. The two can disagree:
// the vendor's own example has a message whose time and timeL are a second
// apart. The epoch milliseconds win, everywhere and consistently:
//
//   - they are what the API itself filters and pages on (start.from and
//     start.to are epoch milliseconds), so a conversation stored with its
//     startTimeL falls in the same pull window the API put it in, and
//     overlapping windows agree on every conversation;
//   - a number has no format or zone to interpret; the text form is not
//     RFC 3339 ("+0000", a space), and a third-party schema of this API
//     already declares it as something it is not;
//   - the *L field is present on every timed element, while the text is
//     "undefined" where there is no time.
//
// The text is read only when the *L field is missing or not a time.
func clock(ms, text scalar) (int64, bool) {
	if n, ok := ms.epochMS(); ok {
		return n, true
	}
	s := text.text(loaders.SentinelLPID)
	if s == "" {
		return 0, false
	}
	t, err := loaders.ParseTime(s, time.UTC)
	if err != nil || t.UnixMilli() <= 0 {
		return 0, false
	}
	return t.UnixMilli(), true
}

// at turns epoch milliseconds into the time the store writes.
func at(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// seconds is a span of milliseconds in seconds, as the model's durations are.
func seconds(ms int64) float64 { return float64(ms) / 1000 }
