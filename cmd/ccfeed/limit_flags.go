package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/ccfeed/ccfeed/internal/bytesize"
	"github.com/ccfeed/ccfeed/loaders"
)

// sizeValue is a flag holding a size ("1MiB", "16 MiB", "1048576").
type sizeValue struct{ n *int64 }

func (v sizeValue) String() string {
	if v.n == nil || *v.n == 0 {
		return ""
	}
	return bytesize.Format(*v.n)
}

func (v sizeValue) Set(s string) error {
	n, err := bytesize.Parse(s)
	if err != nil {
		return err
	}
	*v.n = n
	return nil
}

// loadLimits holds the limits of loaders.Limits as flags.
type loadLimits struct {
	field, record, inflated int64
	events                  int
	envErr                  error
}

// limitFlags declares the flags of the load limits on fs. With withEnv,
// each has an environment variable (CCFEED_MAX_FIELD, ...) for serve, whose
// inbox loads files too; a variable that does not parse is reported by
// limits (flags are checked by the flag package itself).
func limitFlags(fs *flag.FlagSet, withEnv bool) *loadLimits {
	d := loaders.DefaultLimits
	l := &loadLimits{field: int64(d.MaxField), record: int64(d.MaxRecord), inflated: d.MaxInflated, events: d.MaxConversationEvents}
	envSize := func(name string, dst *int64) string {
		if !withEnv {
			return ""
		}
		if v := os.Getenv(name); v != "" {
			if err := (sizeValue{dst}).Set(v); err != nil && l.envErr == nil {
				l.envErr = fmt.Errorf("%s=%s: %v", name, v, err)
			}
		}
		return " (env " + name + ")"
	}
	fs.Var(sizeValue{&l.field}, "max-field", "largest field, JSON string or cell a record may hold; a record with a larger one is rejected"+envSize("CCFEED_MAX_FIELD", &l.field))
	fs.Var(sizeValue{&l.record}, "max-record", "largest record (CSV line or lines, JSON record, sheet row); a larger one is rejected"+envSize("CCFEED_MAX_RECORD", &l.record))
	fs.Var(sizeValue{&l.inflated}, "max-inflated", "largest size one part of an XLSX workbook may inflate to; a larger one fails the file"+envSize("CCFEED_MAX_INFLATED", &l.inflated))
	eventsEnv := ""
	if withEnv {
		eventsEnv = " (env CCFEED_MAX_CONVERSATION_EVENTS)"
		if v := os.Getenv("CCFEED_MAX_CONVERSATION_EVENTS"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				if l.envErr == nil {
					l.envErr = fmt.Errorf("CCFEED_MAX_CONVERSATION_EVENTS=%s: not a positive number", v)
				}
			} else {
				l.events = n
			}
		}
	}
	fs.IntVar(&l.events, "max-conversation-events", l.events, "most events of one conversation a two-way report may hold; the rest are rejected"+eventsEnv)
	return l
}

// limits returns the limits set, or the error of an environment variable
// or flag that cannot be used.
func (l *loadLimits) limits() (loaders.Limits, error) {
	if l.envErr != nil {
		return loaders.Limits{}, l.envErr
	}
	const most = 1 << 30 // a record is held in memory: a GiB is already absurd
	for _, c := range []struct {
		name string
		n    int64
	}{{"--max-field", l.field}, {"--max-record", l.record}} {
		if c.n <= 0 || c.n > most {
			return loaders.Limits{}, usageError{fmt.Sprintf("%s must be between 1 byte and 1 GiB", c.name)}
		}
	}
	if l.events <= 0 {
		return loaders.Limits{}, usageError{"--max-conversation-events must be positive"}
	}
	return loaders.Limits{MaxField: int(l.field), MaxRecord: int(l.record), MaxInflated: l.inflated, MaxConversationEvents: l.events}, nil
}
