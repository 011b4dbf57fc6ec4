package loaders

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The identity rule: which mentions are one person. It is a function of the
// tenant's whole set of mentions of one kind (agents, or customers), so the
// people the feed serves never depend on the order files were loaded in.
//
//  1. A mention is what one source says about one person, keyed by the
//     source and the source's natural key for them (see Batch.Agent and
//     Batch.Customer).
//  2. It carries strong identifiers: an email address ("e:"), and for
//     customers a phone number ("p:") or a vendor customer id ("v:"); and,
//     for agents, at most one name ("n:", folded: case, accents and spacing
//     do not count).
//  3. Mentions that share a strong identifier are one person, transitively.
//     An identifier carried by more than maxIdentMentions mentions is shared
//     (a team inbox, a clinic's switchboard) and links nobody.
//  4. A mention without a usable strong identifier is weak. A weak mention
//     with a name joins the one person of step 3 that carries that name
//     (any of its strong mentions has it), when exactly one does, that
//     person has no strong mention of the weak mention's own source (two
//     ids of one source are two people, to that source), and no source has
//     two weak mentions of the name. When no person of step 3 has the name,
//     or several do, the weak mentions of the name form one person together
//     (unless one source has two of them, when each stands alone). A name
//     carried by more than maxNameMentions mentions is crowded and joins
//     nothing. A weak mention without a name stands alone.
//  5. A person's key is the tenant, the kind and a hash of its smallest
//     strong identifier; a person of weak mentions only is keyed by its
//     smallest mention key instead. Keys thus change only when what is
//     known about a person changes, and never with load order.
//
// The same rule is written out in README.md ("How sources merge").

const (
	// maxIdentMentions is how many mentions one strong identifier may link
	// before it counts as shared.
	maxIdentMentions = 64
	// maxNameMentions is how many mentions one name may have before it is
	// too common to tell anybody apart.
	maxNameMentions = 256
)

// Kinds of people.
const (
	kindAgent    = "agent"
	kindCustomer = "customer"
)

// idMention is a mention as the identity rule sees it.
type idMention struct {
	key    string // source + ":" + natural key
	source string
	strong []string // strong identifiers, shared ones included
	name   string   // folded name ("" for none)
}

// identify assigns each mention of ms the inner key of its person ("s:" +
// identifier or "w:" + mention key; see personKey). ms must hold, with
// every mention, every mention it shares a usable strong identifier with,
// and for every name of a weak mention in ms every mention of that name
// (with their own strong links): then the answer for each weak mention and
// each strong component of ms is what the whole tenant's mentions give.
// shared names the strong identifiers that link nobody, crowded the names
// that join nothing.
func identify(ms []idMention, shared, crowded map[string]bool) map[string]string {
	parent := make([]int, len(ms))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	byIdent := map[string]int{}
	strong := make([]bool, len(ms))
	for i, m := range ms {
		for _, id := range m.strong {
			if shared[id] {
				continue
			}
			strong[i] = true
			if j, ok := byIdent[id]; ok {
				parent[find(i)] = find(j)
			} else {
				byIdent[id] = i
			}
		}
	}
	// The strong components: their key (smallest usable identifier),
	// names and sources.
	type comp struct {
		key     string
		names   map[string]bool
		sources map[string]bool
	}
	comps := map[int]*comp{}
	for i, m := range ms {
		if !strong[i] {
			continue
		}
		r := find(i)
		c := comps[r]
		if c == nil {
			c = &comp{names: map[string]bool{}, sources: map[string]bool{}}
			comps[r] = c
		}
		for _, id := range m.strong {
			if !shared[id] && (c.key == "" || "s:"+id < c.key) {
				c.key = "s:" + id
			}
		}
		if m.name != "" {
			c.names[m.name] = true
		}
		c.sources[m.source] = true
	}
	out := make(map[string]string, len(ms))
	weakByName := map[string][]int{}
	for i, m := range ms {
		switch {
		case strong[i]:
			out[m.key] = comps[find(i)].key
		case m.name == "" || crowded[m.name]:
			out[m.key] = "w:" + m.key
		default:
			weakByName[m.name] = append(weakByName[m.name], i)
		}
	}
	// Each name's candidates, in a fixed order so that nothing depends on
	// map iteration.
	var named []*comp
	for _, r := range sortedKeys(comps) {
		named = append(named, comps[r])
	}
	for name, weak := range weakByName {
		perSource := map[string]int{}
		for _, i := range weak {
			perSource[ms[i].source]++
		}
		twice := false
		for _, n := range perSource {
			twice = twice || n > 1
		}
		var holders []*comp
		for _, c := range named {
			if c.names[name] {
				holders = append(holders, c)
			}
		}
		switch {
		case twice:
			for _, i := range weak {
				out[ms[i].key] = "w:" + ms[i].key
			}
		case len(holders) == 1:
			for _, i := range weak {
				if holders[0].sources[ms[i].source] {
					out[ms[i].key] = "w:" + ms[i].key
				} else {
					out[ms[i].key] = holders[0].key
				}
			}
		default:
			group := ""
			for _, i := range weak {
				if group == "" || "w:"+ms[i].key < group {
					group = "w:" + ms[i].key
				}
			}
			for _, i := range weak {
				out[ms[i].key] = group
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// personKey turns an inner key of identify into the key of the person's row.
func personKey(tenant, kind, inner string) string {
	return tenant + ":" + kind + ":" + shortHash(inner)
}

// shortHash names a person's row without putting their email address or
// phone number into the key (keys travel in URLs).
func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// mentionRef is the number a fact row keeps for the mention it named (see
// store.PersonRef): the first 63 bits of the SHA-256 of the kind and key
// (an agent and a customer may have the same mention key).
func mentionRef(kind, key string) int64 {
	h := sha256.Sum256([]byte(kind + "\x00" + key))
	var v int64
	for _, b := range h[:8] {
		v = v<<8 | int64(b)
	}
	return v & (1<<63 - 1)
}

// foldName is the form names are matched in: letters without accents, lower
// case, single spaces.
func foldName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
