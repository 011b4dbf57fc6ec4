package powerbi

import (
	"fmt"
	"sort"

	"github.com/ccfeed/ccfeed/edm"
)

// relationship is a many-to-one relationship: many rows of from (by
// fromCol) to one row of to (by toCol). Filters flow from to into from
// only (single direction).
type relationship struct {
	from, fromCol, to, toCol string
	active                   bool
	// rank orders the candidates for being active; see activate.
	rank int
	// why says, for an inactive relationship, which active path it would
	// have doubled.
	why string
}

func (r *relationship) String() string {
	return r.from + "." + r.fromCol + " -> " + r.to + "." + r.toCol
}

// Ranks of relationships, in the order they are offered to the active set.
const (
	rankDate       = iota // a fact table's day to the date table
	rankFactLookup        // a fact table to a lookup (Conversations -> Agents)
	rankLookup            // a lookup to a lookup (Channels -> BusinessUnits)
	rankFactFact          // a fact table to another (Messages -> Conversations)
)

// relationships derives the candidate relationships from the navigation
// properties between the chosen sets: every single-valued navigation (its
// foreign key to the target's key), and every collection navigation that
// has no single-valued partner (the target's foreign key to this key).
// Navigation from a table to itself (NextConversation) is left out: Power
// BI relates two different tables only. The date table relates to each
// fact table's day.
func relationships(m *edm.Model, tables []*table) []*relationship {
	byName := map[string]*table{}
	for _, t := range tables {
		byName[t.name] = t
	}
	var out []*relationship
	seen := map[string]bool{}
	add := func(r *relationship) {
		if r.from == r.to || byName[r.from] == nil || byName[r.to] == nil || seen[r.String()] {
			return
		}
		seen[r.String()] = true
		from, to := byName[r.from], byName[r.to]
		switch {
		case r.to == dateTable:
			r.rank = rankDate
		case from.fact && !to.fact:
			r.rank = rankFactLookup
		case !from.fact && !to.fact:
			r.rank = rankLookup
		default:
			r.rank = rankFactFact
		}
		out = append(out, r)
	}
	for _, t := range tables {
		if t.dayColumn != nil && byName[dateTable] != nil {
			add(&relationship{from: t.name, fromCol: t.dayColumn.name, to: dateTable, toCol: dateColumn})
		}
	}
	for _, t := range tables {
		if t.set == nil {
			continue
		}
		for _, n := range t.set.Type.Navigations {
			if !n.Collection {
				add(&relationship{from: t.name, fromCol: n.SourceProp.Name, to: n.Target.Name, toCol: n.TargetProp.Name})
			} else if n.Partner == nil {
				add(&relationship{from: n.Target.Name, fromCol: n.TargetProp.Name, to: t.name, toCol: n.SourceProp.Name})
			}
		}
	}
	order := map[string]int{}
	for i, t := range tables {
		order[t.name] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].rank != out[j].rank {
			return out[i].rank < out[j].rank
		}
		return order[out[i].from] < order[out[j].from]
	})
	return out
}

// activate decides which relationships are active. Power BI refuses a model
// in which a filter can travel from one table to another along two active
// paths, so candidates are offered in rank order (date table first, then
// facts to lookups, lookups to lookups, facts to facts) and each becomes
// active only if it creates no second path between any two tables. The
// others stay in the model, inactive, for USERELATIONSHIP in a measure.
// The result is the star schema an analyst would draw: each fact table
// filtered directly by the date table and the lookups, fact-to-fact and
// lookup-to-lookup links inactive where they would double a path.
func activate(tables []*table, rels []*relationship) error {
	var active []*relationship
	for _, r := range rels {
		trial := append(active, r)
		if a, b, n := secondPath(tables, trial); n > 1 {
			r.why = fmt.Sprintf("%d paths from %s to %s", n, a, b)
			continue
		}
		r.active = true
		active = trial
	}
	if a, b, n := secondPath(tables, active); n > 1 {
		return fmt.Errorf("internal: %d active paths from %s to %s", n, a, b)
	}
	return nil
}

// secondPath counts, for every pair of tables, the distinct directed paths
// a filter can take from one to the other along rels (from the one side to
// the many side), and returns a pair with more than one path, or n <= 1
// when there is none. A cycle counts as two paths.
func secondPath(tables []*table, rels []*relationship) (from, to string, n int) {
	next := map[string][]string{}
	for _, r := range rels {
		next[r.to] = append(next[r.to], r.from)
	}
	for _, start := range tables {
		counts := map[string]int{}
		var walk func(node string, onPath map[string]bool) bool
		walk = func(node string, onPath map[string]bool) bool {
			for _, m := range next[node] {
				if onPath[m] || m == start.name {
					counts[m] = 2
					return false
				}
				counts[m]++
				onPath[m] = true
				ok := walk(m, onPath)
				delete(onPath, m)
				if !ok {
					return false
				}
			}
			return true
		}
		walk(start.name, map[string]bool{start.name: true})
		for _, t := range tables {
			if counts[t.name] > 1 {
				return start.name, t.name, counts[t.name]
			}
		}
	}
	return "", "", 0
}
