package buzzeasy

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
)

// nilGUID is how .NET feeds write "no id"; as a foreign key it means none
// (a Workitem of an outbound task has no queue).
const nilGUID = "00000000-0000-0000-0000-000000000000"

var errComposite = errors.New("is an object or array, expected a single value")

// scalarText reads a JSON string, number or boolean as text; null is "".
func scalarText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case raw[0] == '{' || raw[0] == '[':
		return "", errComposite
	}
	return string(raw), nil // number, true, false: their literal
}

// value converts one field to its column's Go value (nil for null and for
// empty text).
func (l *loader) value(f field, raw json.RawMessage) (any, error) {
	s, err := scalarText(raw)
	if err != nil {
		return nil, err
	}
	quoted := len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '"'
	if s == "" || (!quoted && s == "null") {
		return nil, nil
	}
	switch f.kind {
	case foreignKey:
		if s = strings.TrimSpace(s); s == "" || s == nilGUID {
			return nil, nil
		}
		return l.b.ID(s), nil
	case personKey:
		if s = strings.TrimSpace(s); s == "" || s == nilGUID {
			return nil, nil
		}
		// Resolved once the row's other fields are read (person).
		return personID(s), nil
	case instantUTC, instantLocal:
		if !quoted {
			return nil, errors.New("not a date-time (expected a string such as 2026-09-08T14:48:00Z)")
		}
		loc := time.UTC
		if f.kind == instantLocal {
			loc = l.b.Loc
		}
		t, ambiguous, local, err := loaders.ParseTimeLocal(strings.TrimSpace(s), loc)
		if loaders.IsNoZone(err) {
			// Only a problem if the row has no UTC twin (see row).
			return localTime{noZone: true}, nil
		}
		if err != nil {
			return nil, errors.New("not a date-time")
		}
		if f.kind == instantLocal {
			return localTime{t: t, ambiguous: ambiguous, local: local}, nil
		}
		return t, nil
	}
	switch f.col.Type {
	case edm.Boolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, errors.New("not a boolean (expected true/false or 0/1)")
	case edm.Double, edm.Single, edm.Decimal:
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, errors.New("not a number")
		}
		return v, nil
	case edm.Int32, edm.Int64, edm.Int16, edm.Byte, edm.SByte:
		if v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			return v, nil
		}
		// 3.0 and 3e2 are whole numbers too.
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return nil, errors.New("not a whole number")
		}
		return int64(v), nil
	}
	if f.col.Name == "emailAddress" {
		// The model keeps email addresses lower-cased, the key people are
		// matched on across sources.
		t := f.col.Table().Name
		if t == "Agents" || t == "Customers" {
			return strings.ToLower(strings.TrimSpace(s)), nil
		}
	}
	return s, nil
}

// localTime is an instant read from a tenant-local time without offset;
// ambiguous is true when the wall time fell in the repeated autumn hour and
// was read as its first occurrence.
type localTime struct {
	t         time.Time
	ambiguous bool
	// local: read in the tenant's zone (the field had no offset); noZone:
	// a local time for a tenant without a zone, unreadable.
	local, noZone bool
}

// personID is a Buzzeasy agent or customer id, before it is resolved to a
// person.
type personID string

// intervals pairs the start and end times of a row, by the model's names.
var intervals = [][2]string{
	{"startedAtUTC", "endedAtUTC"},
	{"startTimeUTC", "endTimeUTC"},
	{"queuedAtUTC", "dequeuedAtUTC"},
	{"createdAtUTC", "closedAtUTC"},
}

// orderEnd resolves an end read from an ambiguous local time: if it reads
// earlier than the start, it was the second occurrence of the repeated
// hour, one hour later (02:59 CEST to 02:00 CET is a minute, not -59).
func orderEnd(start time.Time, end localTime) time.Time {
	if end.ambiguous && end.t.Before(start) {
		if later := end.t.Add(time.Hour); !later.Before(start) {
			return later
		}
	}
	return end.t
}
