package loaders

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

// inner runs identify over mentions given as "source key strong,... name".
func inner(t *testing.T, ms []idMention) map[string]string {
	t.Helper()
	return identify(ms, map[string]bool{}, map[string]bool{})
}

func m(source, key string, name string, strong ...string) idMention {
	return idMention{key: source + ":" + key, source: source, strong: strong, name: name}
}

// TestIdentifyRule: each clause of the rule in identity.go, on the smallest
// set of mentions that shows it.
func TestIdentifyRule(t *testing.T) {
	cases := []struct {
		name string
		ms   []idMention
		// same lists groups of mention keys that must be one person;
		// keys in different groups must be different people.
		same [][]string
	}{
		{"one email, two sources", []idMention{
			m("twoway", "email:a@x", "ann lee", "e:a@x"), m("liveperson", "id:7", "ann lee", "e:a@x")},
			[][]string{{"twoway:email:a@x", "liveperson:id:7"}}},
		{"transitive identifiers", []idMention{
			m("cxengage", "phone:+1", "", "p:+1"), m("liveperson", "id:c1", "", "e:p@x", "p:+1"), m("cxengage", "email:p@x", "", "e:p@x")},
			[][]string{{"cxengage:phone:+1", "liveperson:id:c1", "cxengage:email:p@x"}}},
		{"a name joins the one person who has it", []idMention{
			m("twoway", "email:d@x", "dana smith", "e:d@x"), m("cxengage", "id:9", "dana smith"), m("ino", "name:dana smith", "dana smith")},
			[][]string{{"twoway:email:d@x", "cxengage:id:9", "ino:name:dana smith"}}},
		{"a namesake detaches the name-only mentions", []idMention{
			m("twoway", "email:d@x", "dana smith", "e:d@x"), m("buzzeasy", "id:b2", "dana smith", "e:d2@x"),
			m("cxengage", "id:9", "dana smith"), m("ino", "name:dana smith", "dana smith")},
			[][]string{{"twoway:email:d@x"}, {"buzzeasy:id:b2"}, {"cxengage:id:9", "ino:name:dana smith"}}},
		{"names without any strong person group together", []idMention{
			m("cxengage", "id:9", "sam roe"), m("ino", "name:sam roe", "sam roe")},
			[][]string{{"cxengage:id:9", "ino:name:sam roe"}}},
		{"two weak ids of one source are two people", []idMention{
			m("twoway", "email:s@x", "sam roe", "e:s@x"), m("cxengage", "id:1", "sam roe"), m("cxengage", "id:2", "sam roe"), m("ino", "name:sam roe", "sam roe")},
			[][]string{{"twoway:email:s@x"}, {"cxengage:id:1"}, {"cxengage:id:2"}, {"ino:name:sam roe"}}},
		{"a weak mention never joins a person its own source already has", []idMention{
			m("liveperson", "id:1", "kim ito", "e:k@x"), m("liveperson", "id:2", "kim ito")},
			[][]string{{"liveperson:id:1"}, {"liveperson:id:2"}}},
		{"no identifier at all stands alone", []idMention{
			m("buzzeasy", "id:b1", ""), m("buzzeasy", "id:b2", "")},
			[][]string{{"buzzeasy:id:b1"}, {"buzzeasy:id:b2"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := inner(t, c.ms)
			for _, g := range c.same {
				for _, k := range g {
					if got[k] != got[g[0]] {
						t.Errorf("%s is %s, %s is %s: want one person", k, got[k], g[0], got[g[0]])
					}
				}
			}
			for i := range c.same {
				for j := i + 1; j < len(c.same); j++ {
					if got[c.same[i][0]] == got[c.same[j][0]] {
						t.Errorf("%s and %s are one person (%s), want two", c.same[i][0], c.same[j][0], got[c.same[i][0]])
					}
				}
			}
		})
	}
}

// A shared identifier (a team inbox, more than maxIdentMentions mentions)
// links nobody; a crowded name joins nothing.
func TestIdentifyShared(t *testing.T) {
	ms := []idMention{m("twoway", "email:a@x", "", "e:a@x", "e:team@x"), m("twoway", "email:b@x", "", "e:b@x", "e:team@x")}
	if got := identify(ms, map[string]bool{}, nil); got["twoway:email:a@x"] != got["twoway:email:b@x"] {
		t.Fatalf("not shared: one inbox must link them: %v", got)
	}
	if got := identify(ms, map[string]bool{"e:team@x": true}, nil); got["twoway:email:a@x"] == got["twoway:email:b@x"] {
		t.Fatalf("a shared inbox linked two people: %v", got)
	}
	ms = []idMention{m("twoway", "email:a@x", "al", "e:a@x"), m("ino", "name:al", "al")}
	if got := identify(ms, nil, map[string]bool{"al": true}); got["ino:name:al"] == got["twoway:email:a@x"] {
		t.Fatalf("a crowded name joined a person: %v", got)
	}
}

// identify answers the same whatever the order of its input.
func TestIdentifyIgnoresOrder(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		rnd := rand.New(rand.NewPCG(seed, 3))
		ms := randomMentions(rnd, 30)
		want := identify(ms, nil, nil)
		for range 5 {
			rnd.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
			if got := identify(ms, nil, nil); fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
				t.Fatalf("seed %d: another input order gives other people:\n%v\n%v", seed, sorted(got), sorted(want))
			}
		}
	}
}

func sorted(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// randomMentions draws mentions from few sources, emails and names, so that
// they collide: shared addresses, namesakes, weak ids of one source.
func randomMentions(rnd *rand.Rand, n int) []idMention {
	sources := []string{"twoway", "liveperson", "cxengage", "ino", "buzzeasy"}
	names := []string{"ann lee", "bo kim", "cy roe", ""}
	seen := map[string]bool{}
	var out []idMention
	for len(out) < n {
		src := sources[rnd.IntN(len(sources))]
		key := fmt.Sprintf("%s:id:%d", src, rnd.IntN(12))
		if seen[key] {
			continue
		}
		seen[key] = true
		x := idMention{key: key, source: src, name: names[rnd.IntN(len(names))]}
		for range rnd.IntN(3) {
			x.strong = append(x.strong, fmt.Sprintf("e:%d@x", rnd.IntN(8)))
		}
		out = append(out, x)
	}
	return out
}
