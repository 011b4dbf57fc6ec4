package loaders

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

// How a person's row is derived from the mentions that make the person (the
// identity rule, identity.go, says which those are). Each column has one
// rule, and the rules are this table:
//
//   - pick: among the mentions that give a value, the source listed first in
//     prefer wins (unlisted sources come after the listed ones, as equals);
//     then the fresher statement; then the fixed source rank (sourceRank);
//     then the smaller mention key, then the smaller value. A mention that
//     gives no value never erases one: a value beats a missing value.
//   - all: every distinct value of every mention, smallest first, separated
//     by ", " (a source's own ids: a person can have several).
//
// The identity columns are not mentions' fields: id is the person's key,
// source the sources that mention the person (sorted, comma-separated),
// sourceId the last part of the key.

type fieldRule struct {
	col    string
	prefer []string
	all    bool
}

// sourceRank breaks ties between sources that a rule does not order:
// Buzzeasy first (the model is shaped like its feed), then the sources that
// know people best.
var sourceRank = []string{KindBuzzeasy, KindTwoWay, KindLivePerson, KindCxEngage, KindIno}

var personRules = map[string][]fieldRule{
	kindAgent: {
		{col: "name", prefer: []string{KindBuzzeasy, KindTwoWay, KindLivePerson, KindCxEngage, KindIno}},
		{col: "firstName", prefer: []string{KindTwoWay}},
		{col: "lastName", prefer: []string{KindTwoWay}},
		{col: "emailAddress", prefer: []string{KindBuzzeasy, KindTwoWay, KindLivePerson}},
		{col: "customId", prefer: []string{KindBuzzeasy}},
		{col: "roles", prefer: []string{KindTwoWay}},
		{col: "controlGroup", prefer: []string{KindTwoWay}},
		{col: "deletedAtUTC", prefer: []string{KindBuzzeasy}},
		{col: "isBot", prefer: []string{KindLivePerson}},
		{col: "buzzeasyAgentId", all: true},
		{col: "cxengageAgentId", all: true},
		{col: "livepersonAgentId", all: true},
	},
	kindCustomer: {
		// Two-way is a patient-messaging product: its names are the
		// patient's; LivePerson's consumer names are often a placeholder
		// ("Visitor"), so they come last.
		{col: "firstName", prefer: []string{KindTwoWay, KindBuzzeasy, KindCxEngage, KindIno, KindLivePerson}},
		{col: "lastName", prefer: []string{KindTwoWay, KindBuzzeasy, KindCxEngage, KindIno, KindLivePerson}},
		{col: "phoneNumber", prefer: []string{KindIno, KindCxEngage, KindBuzzeasy, KindLivePerson}},
		{col: "emailAddress", prefer: []string{KindBuzzeasy, KindLivePerson, KindCxEngage}},
		{col: "productGroup", prefer: []string{KindTwoWay}},
		{col: "ccid", all: true},
		{col: "messagingId", all: true},
		{col: "livepersonConsumerId", all: true},
		{col: "buzzeasyCustomerId", all: true},
	},
}

func rankOf(list []string, src string) int {
	for i, s := range list {
		if s == src {
			return i
		}
	}
	return len(list)
}

// derivePerson builds the row of person from its mentions.
func (b *Batch) derivePerson(kind, person string, ms []said) (*store.Row, error) {
	type stmt struct {
		m *said
		o obs
	}
	byCol := map[string][]stmt{}
	sources := map[string]bool{}
	for i := range ms {
		m := &ms[i]
		sources[m.source] = true
		for _, x := range m.fields {
			byCol[x.col] = append(byCol[x.col], stmt{m, x.obs})
		}
	}
	set := b.model.Set(personSet[kind])
	r := store.NewRow(set.Type.Table)
	srcs := make([]string, 0, len(sources))
	for s := range sources {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	r.Set("id", person).Set("tenantId", b.Tenant).Set("source", strings.Join(srcs, ",")).
		Set("sourceId", person[strings.LastIndexByte(person, ':')+1:])
	for _, rule := range personRules[kind] {
		cands := byCol[rule.col]
		if len(cands) == 0 {
			continue
		}
		if rule.all {
			seen := map[string]bool{}
			var vals []string
			for _, c := range cands {
				if !seen[c.o.V] {
					seen[c.o.V] = true
					vals = append(vals, c.o.V)
				}
			}
			sort.Strings(vals)
			r.Set(rule.col, strings.Join(vals, ", "))
			continue
		}
		sort.Slice(cands, func(i, j int) bool {
			a, c := cands[i], cands[j]
			if pa, pc := rankOf(rule.prefer, a.m.source), rankOf(rule.prefer, c.m.source); pa != pc {
				return pa < pc
			}
			if a.o.F != c.o.F {
				return a.o.F > c.o.F
			}
			if ra, rc := rankOf(sourceRank, a.m.source), rankOf(sourceRank, c.m.source); ra != rc {
				return ra < rc
			}
			if a.m.key != c.m.key {
				return a.m.key < c.m.key
			}
			return a.o.V < c.o.V
		})
		v, err := typed(set.Type.Table.Column(rule.col), cands[0].o.V)
		if err != nil {
			return nil, fmt.Errorf("loaders: %s of mention %s: %w", rule.col, cands[0].m.key, err)
		}
		r.Set(rule.col, v)
	}
	return r, nil
}

// typed turns a field's text into the column's value.
func typed(c *edm.Property, v string) (any, error) {
	switch c.Type {
	case edm.DateTimeOffset:
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, err
		}
		return time.UnixMilli(ms).UTC(), nil
	case edm.Boolean:
		return v == "true", nil
	}
	return v, nil
}
