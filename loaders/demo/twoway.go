package demo

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/ccfeed/ccfeed/loaders/twoway"
)

// Two-way: the daily conversation report, one CSV per UTC day, in the
// vendor's column order. A conversation is a run of events: the channel
// opens, an agent joins, patient and agent exchange messages (indexes
// ascending with gaps, an agent's message edited now and then, Spanish
// messages with their English translation), the agent leaves and the
// channel closes. A conversation that runs past midnight UTC continues in
// the next day's report, as the vendor's does; the last days' conversations
// are still open.
const (
	twConversations = 250
	srcTwoWay       = 0x2a7
	kindTwConv      = 0x3a
)

// twRow is one report line and when it happened.
type twRow struct {
	at   time.Time
	seq  int
	rec  []string
	conv bool // the conversation's first line
	msg  bool // a new message
}

func (g *tgen) twoway() error {
	if len(twoway.Header) != twEnglish+1 {
		return fmt.Errorf("the two-way report has %d columns, the generator knows %d", len(twoway.Header), twEnglish+1)
	}
	w := g.w
	rnd := w.rng(5)
	total := twConversations * w.scale
	days := map[string][]twRow{}
	n, seq := 0, 0
	for d := 0; d < Days; d++ {
		if g.ctx.Err() != nil || g.err != nil {
			break
		}
		for _, start := range w.officeTimes(rnd, d, perDay(total, d)) {
			n++
			for _, r := range twConversation(w, rnd, n, start.UTC(), total) {
				seq++
				r.seq = seq
				day := r.at.Format("2006-01-02")
				days[day] = append(days[day], r)
			}
		}
		// Every conversation of local day d has its lines on UTC day d or
		// later: the reports before it are complete and can be written.
		today := w.day(d).UTC().Format("2006-01-02")
		for _, day := range sortedKeys(days) {
			if day < today {
				g.twReport(day, days[day])
				delete(days, day)
			}
		}
	}
	for _, day := range sortedKeys(days) {
		g.twReport(day, days[day])
	}
	return g.err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// twReport writes one day's report, its lines in time order.
func (g *tgen) twReport(day string, rows []twRow) {
	sort.Slice(rows, func(i, j int) bool {
		if !rows[i].at.Equal(rows[j].at) {
			return rows[i].at.Before(rows[j].at)
		}
		return rows[i].seq < rows[j].seq
	})
	o := g.create("twoway", "two_way_conversation_report_"+day+".csv")
	cw := csv.NewWriter(writerFunc(o.write))
	g.fail(cw.Write(twoway.Header))
	for _, r := range rows {
		g.fail(cw.Write(r.rec))
		o.meta.Records++
		if r.conv {
			o.meta.Conversations++
		}
		if r.msg {
			o.meta.Messages++
		}
	}
	cw.Flush()
	g.fail(cw.Error())
	o.close()
}

// writerFunc adapts a write method to io.Writer.
type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// Column positions in twoway.Header.
const (
	twAgentEmail = iota
	twAgentFirst
	twAgentLast
	twAgentRoles
	twAgentGroup
	twCCID
	twCustFirst
	twCustLast
	twProduct
	twEventType
	twEventSubtype
	twEventTime
	twControlTag
	twChannel
	twBody
	twEnglishVersion
	twLanguage
	twConvID
	twClosedReason
	twClosedInfo
	twAfterHours
	twSender
	twStatus
	twIndex
	twEnglish
)

var (
	twPatientLines = []string{
		"Hello, I need to move my appointment.", "Can I get a refill, please?", "Is the clinic open on Saturday?",
		"Thanks! 🙏", "I was billed twice, can you check?", "What time should I arrive?",
	}
	twAgentReplies = []string{
		"Of course, which day suits you?", "Your refill has been sent to the pharmacy.", "Yes, from 9 to 12.",
		"You're welcome!", "I see the duplicate charge; it is refunded.", "Please arrive 15 minutes early.",
	}
	twSpanish = [][2]string{
		{"Mi cita es el lunes, ¿correcto?", "My appointment is on Monday, right?"},
		{"Necesito ayuda con mi factura, por favor.", "I need help with my bill, please."},
	}
	twClosed = []string{"Resolved", "Resolved", "Inactivity", "Patient opted out"}
)

// twConversation returns the report lines of conversation n.
func twConversation(w *world, rnd *rand.Rand, n int, start time.Time, total int) []twRow {
	id := guid(kindTwConv, srcTwoWay, n)
	channel := fmt.Sprintf("CH%016x%016x", mix(uint64(w.index)<<32|uint64(n)), mix(uint64(n)))
	ag := w.agents[rnd.IntN(len(w.agents))]
	c := w.customer(rnd.IntN(w.customers))
	open := n%97 == 0 || n > total-total/80
	outbound := n%9 == 0
	after := start.In(w.loc).Hour() >= 18
	tag := []string{"tag-general", "tag-billing", "tag-clinical"}[rnd.IntN(3)]

	var out []twRow
	line := func(at time.Time, typ, sub string, withAgent bool, f func(r []string)) {
		r := make([]string, len(twoway.Header))
		r[twCCID], r[twCustFirst], r[twCustLast], r[twProduct] = c.ccid, c.first, c.last, "pg-"+c.productGroup
		r[twEventType], r[twEventSubtype], r[twEventTime] = typ, sub, at.Format(isoUTC)
		r[twControlTag], r[twChannel], r[twConvID] = tag, channel, id
		r[twAfterHours], r[twStatus] = strconv.FormatBool(after), "open"
		if withAgent {
			r[twAgentEmail], r[twAgentFirst], r[twAgentLast] = ag.email, ag.first, ag.last
			r[twAgentRoles], r[twAgentGroup] = "Two Way Messaging Agent, CX Portal User", ag.controlGroup
		}
		if f != nil {
			f(r)
		}
		out = append(out, twRow{at: at, rec: r, conv: len(out) == 0})
	}
	line(start, "twoway_webhook", "channel_added", false, nil)
	t := start.Add(dur(secs(rnd, 40, 2)))
	line(t, "twoway_webhook", "member_added", true, nil)
	idx := rnd.IntN(3)
	count := 4 + rnd.IntN(13)
	patient := !outbound
	for m := 0; m < count; m++ {
		t = t.Add(time.Duration(10+rnd.IntN(240)) * time.Second)
		k := rnd.IntN(len(twPatientLines))
		index := strconv.Itoa(idx)
		if patient {
			if rnd.IntN(6) == 0 {
				es := twSpanish[rnd.IntN(len(twSpanish))]
				line(t, "twoway_webhook", "customer_message_sent", false, func(r []string) {
					r[twBody], r[twEnglishVersion], r[twLanguage], r[twEnglish] = es[0], es[1], "ES", es[1]
					r[twSender], r[twIndex] = "customer", index
				})
			} else {
				line(t, "twoway_webhook", "customer_message_sent", false, func(r []string) {
					r[twBody], r[twSender], r[twIndex] = twPatientLines[k], "customer", index
				})
			}
		} else {
			line(t, "twoway_webhook", "agent_message_sent", true, func(r []string) {
				r[twBody], r[twSender], r[twIndex] = twAgentReplies[k], "agent", index
			})
		}
		out[len(out)-1].msg = true
		if !patient && rnd.IntN(12) == 0 {
			// The agent corrects the message a minute later: same index,
			// new text.
			line(t.Add(time.Minute), "twoway_webhook", "message_updated", true, func(r []string) {
				r[twBody], r[twSender], r[twIndex] = twAgentReplies[k]+" (corrected)", "agent", index
			})
		}
		patient = !patient
		idx += 1 + rnd.IntN(2)
	}
	if rnd.IntN(10) == 0 {
		t = t.Add(5 * time.Minute)
		index := strconv.Itoa(idx)
		line(t, "twoway_webhook", "system_message_sent", false, func(r []string) {
			r[twBody], r[twSender], r[twIndex] = "This conversation will close after 10 minutes of inactivity.", "system", index
		})
		out[len(out)-1].msg = true
	}
	if open {
		return out
	}
	t = t.Add(time.Duration(60+rnd.IntN(600)) * time.Second)
	line(t, "twoway_webhook", "member_removed", true, func(r []string) { r[twStatus] = "closed" })
	why := twClosed[rnd.IntN(len(twClosed))]
	line(t, "twoway", "channel_closed", true, func(r []string) {
		r[twClosedReason], r[twStatus] = why, "closed"
		if why == "Resolved" && rnd.IntN(3) == 0 {
			r[twClosedInfo] = "resolved, no follow-up needed"
		}
	})
	return out
}
