package main

import (
	"fmt"

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
	events                  *int
}

// limitFlags declares the flags of the load limits on c. With withEnv,
// each has an environment variable (CCFEED_MAX_FIELD, ...): serve's inbox
// loads files too.
func limitFlags(c *command, withEnv bool) *loadLimits {
	d := loaders.DefaultLimits
	l := &loadLimits{field: int64(d.MaxField), record: int64(d.MaxRecord), inflated: d.MaxInflated}
	env := func(name string) string {
		if withEnv {
			return name
		}
		return ""
	}
	c.define(sizeValue{&l.field}, "max-field", env("CCFEED_MAX_FIELD"), "largest field, JSON string or sheet cell (a `size`: 1MiB); a record with a larger one is rejected")
	c.define(sizeValue{&l.record}, "max-record", env("CCFEED_MAX_RECORD"), "largest record: CSV line or lines, JSON record, sheet row (a `size`); a larger one is rejected")
	c.define(sizeValue{&l.inflated}, "max-inflated", env("CCFEED_MAX_INFLATED"), "largest size one part of an XLSX workbook may inflate to (a `size`); a larger one fails the file")
	l.events = c.Int("max-conversation-events", env("CCFEED_MAX_CONVERSATION_EVENTS"), d.MaxConversationEvents, "most events of one conversation a two-way report may hold; the rest are rejected")
	return l
}

// limits returns the limits set, or a usage error for one that cannot be.
func (l *loadLimits) limits(c *command) (loaders.Limits, error) {
	const most = 1 << 30 // a record is held in memory: a GiB is already absurd
	for _, v := range []struct {
		name string
		n    int64
	}{{"--max-field", l.field}, {"--max-record", l.record}} {
		if v.n <= 0 || v.n > most {
			return loaders.Limits{}, c.usageErr(fmt.Sprintf("%s must be between 1 byte and 1 GiB", v.name))
		}
	}
	if *l.events <= 0 {
		return loaders.Limits{}, c.usageErr("--max-conversation-events must be positive")
	}
	return loaders.Limits{MaxField: int(l.field), MaxRecord: int(l.record), MaxInflated: l.inflated, MaxConversationEvents: *l.events}, nil
}
