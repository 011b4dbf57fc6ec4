package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// A world is one tenant's contact center as every source sees it: the same
// business units, channels, queues, agents and customers, each with the id
// every vendor gives it. The sources draw their conversations from it, so
// the loaders meet one agent (by email address or display name) and one
// customer (by email address or phone number) in several files.
type world struct {
	tenant Tenant
	index  int
	loc    *time.Location
	scale  int
	seed   uint64

	channels  []channel
	queues    []queue
	agents    []agent
	customers int
}

// Reference data. Names carry accents, apostrophes and umlauts on purpose:
// they travel through CSV, XLSX and JSON and must arrive intact.
var (
	firstNames = []string{"Camille", "Léa", "Hugo", "Chloé", "Noah", "Amira", "Lucas", "Inès", "Mateo", "Zoë",
		"Aiden", "Sofia", "Yuki", "Kwame", "Priya", "Oliver", "Fatima", "Diego", "Hana", "Björn"}
	lastNames = []string{"Dupont", "Martin", "Nguyen", "García", "Okafor", "Schmidt", "Rossi", "Kowalski", "Haddad",
		"Silva", "Tanaka", "O'Neil", "Müller", "Dubois", "Andersen", "Kim", "Moreau", "Patel", "Ivanova", "Lefèvre"}
	businessUnits = []string{"Retail", "Business", "Health"}
	topics        = []string{"billing", "delivery", "password reset", "appointment", "refund", "invoice", "upgrade",
		"cancellation", "address change", "technical issue"}
	queueNames = []string{"Support", "Billing", "Sales", "Escalations", "Claims", "VIP", "Spanish", "Night shift"}
)

type channel struct {
	n                      int
	name, typ, media       string
	bu                     int
	phone, address, widget string
}

type queue struct {
	n       int
	name    string
	channel int
	mode    string
}

type agent struct {
	n                  int
	first, last, name  string
	email, customID    string
	controlGroup, team string
	bu                 int
}

type customer struct {
	n                  int
	first, last        string
	phone, email       string
	productGroup, ccid string
}

func newWorld(t Tenant, index int, opt Options) (*world, error) {
	loc, err := time.LoadLocation(t.Timezone)
	if err != nil {
		return nil, fmt.Errorf("demo: tenant %s: %w", t.Name, err)
	}
	w := &world{tenant: t, index: index, loc: loc, scale: opt.Scale, seed: opt.Seed, customers: 200 * opt.Scale}
	specs := []struct{ name, typ, media string }{
		{"Main hotline", "Voice", "voice"}, {"Priority line", "Voice", "voice"}, {"Website chat", "Webchat", "chat"},
		{"WhatsApp", "WhatsApp", "chat"}, {"SMS", "SMS", "chat"}, {"Support mailbox", "Email", "email"},
	}
	for i, s := range specs {
		w.channels = append(w.channels, channel{n: i + 1, name: s.name, typ: s.typ, media: s.media, bu: i % len(businessUnits),
			phone: fmt.Sprintf("+1555010%04d", i), address: "support@" + t.Name + ".example", widget: s.name})
	}
	for i, n := range queueNames {
		mode := "Automatic"
		if i%4 == 3 {
			mode = "Manual"
		}
		w.queues = append(w.queues, queue{n: i + 1, name: n, channel: i % len(w.channels), mode: mode})
	}
	for i := 0; i < 20*opt.Scale; i++ {
		first, last := agentName(i)
		name, tag := first+" "+last, ""
		if pairs := len(firstNames) * len(lastNames); i >= pairs {
			// Past every pair of names, a middle initial keeps display
			// names unique: ino and CxEngage know agents by name only.
			mid := string(rune('A' + (i/pairs-1)%26))
			name, tag = first+" "+mid+". "+last, strings.ToLower(mid)+"."
			if i >= 27*pairs {
				name, tag = fmt.Sprintf("%s %s %d", first, last, i), fmt.Sprintf("%d.", i)
			}
		}
		email := fmt.Sprintf("%s.%s%s@%s.example", strings.ToLower(asciiFold(first)), tag, strings.ToLower(asciiFold(last)), t.Name)
		w.agents = append(w.agents, agent{n: i + 1, first: first, last: last, name: name, email: email,
			customID: fmt.Sprintf("EMP%04d", 100+i), controlGroup: []string{"Team A", "Team B"}[i%2],
			team: []string{"Tier 1", "Tier 2", "Specialists"}[i%3], bu: i % len(businessUnits)})
	}
	return w, nil
}

// agentName pairs first and last names so that the first
// len(firstNames)*len(lastNames) agents all differ: the last name index
// steps by len(firstNames)+1, which is prime to len(lastNames).
func agentName(i int) (string, string) {
	f, l := len(firstNames), len(lastNames)
	return firstNames[i%f], lastNames[(i/f*(f+1)+i%f)%l]
}

// customer is the i-th customer (0-based) of the tenant, derived from i
// alone so no list of customers is held, whatever the scale.
func (w *world) customer(i int) customer {
	h := mix(w.seed ^ uint64(w.index)<<40 ^ uint64(i))
	first, last := firstNames[h%uint64(len(firstNames))], lastNames[(h>>16)%uint64(len(lastNames))]
	return customer{n: i, first: first, last: last,
		phone:        fmt.Sprintf("+1555%07d", 1000000+i),
		email:        fmt.Sprintf("%s.%s.%d@mail.example", strings.ToLower(asciiFold(first)), strings.ToLower(asciiFold(last)), i+1),
		productGroup: []string{"standard", "premium", "family"}[(h>>32)%3],
		ccid:         fmt.Sprintf("P-%07d", 100000+i)}
}

// day returns the local midnight of day d of the period in the tenant's zone.
func (w *world) day(d int) time.Time {
	s := Start.AddDate(0, 0, d)
	return time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, w.loc)
}

// rng is a source of randomness of its own for one source of one tenant,
// so adding a field to one vendor's files does not change another's.
func (w *world) rng(source uint64) *rand.Rand {
	return rand.New(rand.NewPCG(w.seed, uint64(w.index)<<16|source))
}

// officeTimes returns n start times on day d, in order: working hours of
// the tenant's zone, busier late morning and mid afternoon.
func (w *world) officeTimes(rnd *rand.Rand, d, n int) []time.Time {
	base := w.day(d)
	out := make([]time.Time, n)
	for i := range out {
		// The sum of two uniform draws peaks in the middle of the day.
		sec := 8*3600 + (rnd.IntN(5*3600) + rnd.IntN(6*3600))
		out[i] = base.Add(time.Duration(sec)*time.Second + time.Duration(rnd.IntN(1000))*time.Millisecond)
	}
	sortTimes(out)
	return out
}

// perDay spreads total over the period's days as evenly as integers allow.
func perDay(total, d int) int { return total*(d+1)/Days - total*d/Days }

// sortTimes orders times; equal times are equal values, so the result is
// the same whatever the sort does with ties.
func sortTimes(ts []time.Time) { slices.SortFunc(ts, time.Time.Compare) }

// secs returns a duration around mean seconds, never below minimum, in
// whole milliseconds.
func secs(rnd *rand.Rand, mean, minimum float64) float64 {
	v := rnd.ExpFloat64() * mean
	if v < minimum {
		v = minimum
	}
	return float64(int64(v*1000)) / 1000
}

func pick[T any](rnd *rand.Rand, list []T) T { return list[rnd.IntN(len(list))] }

// mix is SplitMix64's finalizer: a cheap, well-spread hash of a counter.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// guid writes a deterministic identifier in the 8-4-4-4-12 form vendors
// use: kind names the entity, src the vendor, n the counter. Readable on
// purpose: a demo user can tell a call's id from an agent's.
func guid(kind uint32, src uint16, n int) string {
	return fmt.Sprintf("%08x-%04x-4000-8000-%012d", kind, src, n)
}

// asciiFold keeps email addresses plain.
func asciiFold(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ë", "e", "ö", "o", "ü", "u", "í", "i", "á", "a", "ñ", "n", "'", "", "ç", "c", " ", "")
	return r.Replace(s)
}

// Timestamp layouts of the vendors.
const (
	isoUTC   = "2006-01-02T15:04:05.000Z"
	isoLocal = "2006-01-02T15:04:05.000"
)

func utc(t time.Time) string { return t.UTC().Format(isoUTC) }

func (w *world) local(t time.Time) string { return t.In(w.loc).Format(isoLocal) }

func dur(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
