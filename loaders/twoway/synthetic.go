package twoway

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Header is the report's column order as the vendor documents it (with its
// duplicated translation_language_code).
var Header = []string{"agent_email", "agent_first_name", "agent_last_name", "agent_roles", "agent_control_group",
	"ccid", "customer_first_name", "customer_last_name", "product_group_id", "event_type", "event_subtype",
	"event_time", "control_tag", "twoway_channel_sid", "twoway_body", "english_version", "translation_language_code",
	"conversation_id", "closed_reason", "closed_additional_information", "after_hours_flag", "sender_type",
	"conversation_status", "message_index", "english_translation"}

// SyntheticAgent is an agent of the synthetic report.
type SyntheticAgent struct{ Email, First, Last string }

// Synthetic writes a deterministic two-way report of at least rows events:
// conversations of a channel open, an agent joining, a few messages with
// gaps in message_index, and a close. Start is the first event's time.
func Synthetic(w io.Writer, rows int, seed uint64, start time.Time, agents []SyntheticAgent) error {
	rnd := rand.New(rand.NewPCG(seed, 7))
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	if err := cw.Write(Header); err != nil {
		return err
	}
	if len(agents) == 0 {
		agents = []SyntheticAgent{{"agent.one@clinic.example", "Agent", "One"}, {"agent.two@clinic.example", "Agent", "Two"}}
	}
	bodies := []string{"Hello, I need to move my appointment.", "Can I get a refill, please?", "Is the clinic open on Saturday?",
		"Thanks! 🙏", "Mi cita es el lunes, ¿correcto?", "I was billed twice, can you check?"}
	replies := []string{"Of course, which day suits you?", "Your refill has been sent to the pharmacy.", "Yes, from 9 to 12.",
		"You're welcome!", "Sí, el lunes a las 10.", "I see the duplicate charge; it is refunded."}
	written, conv := 0, 0
	t := start
	rec := make([]string, len(Header))
	emit := func(f func(r []string)) error {
		for i := range rec {
			rec[i] = ""
		}
		f(rec)
		written++
		return cw.Write(rec)
	}
	for written < rows {
		conv++
		id := fmt.Sprintf("conv-%08d", conv)
		ccid := fmt.Sprintf("P-%07d", rnd.IntN(max(rows/20, 10)))
		ch := fmt.Sprintf("CH%032x", conv)
		ag := agents[rnd.IntN(len(agents))]
		t = t.Add(time.Duration(5+rnd.IntN(60)) * time.Second)
		ct := t
		base := func(r []string, sub string, typ string) {
			r[5], r[6], r[7], r[8] = ccid, "Pat", "Ient", "pg-1"
			r[9], r[10], r[11] = typ, sub, ct.UTC().Format("2006-01-02T15:04:05.000Z")
			r[12], r[13], r[17], r[20], r[22] = "tag-a", ch, id, "false", "open"
		}
		agent := func(r []string) { r[0], r[1], r[2], r[3], r[4] = ag.Email, ag.First, ag.Last, "Agent", "Team A" }
		if err := emit(func(r []string) { base(r, "channel_added", "twoway_webhook") }); err != nil {
			return err
		}
		if err := emit(func(r []string) { base(r, "member_added", "twoway_webhook"); agent(r) }); err != nil {
			return err
		}
		idx := rnd.IntN(3)
		for m := 0; m < 3+rnd.IntN(6); m++ {
			ct = ct.Add(time.Duration(10+rnd.IntN(300)) * time.Second)
			k := rnd.IntN(len(bodies))
			cust := m%2 == 0
			err := emit(func(r []string) {
				if cust {
					base(r, "customer_message_sent", "twoway_webhook")
					r[14], r[21] = bodies[k], "customer"
				} else {
					base(r, "agent_message_sent", "twoway_webhook")
					agent(r)
					r[14], r[21] = replies[k], "agent"
				}
				r[23] = strconv.Itoa(idx)
			})
			if err != nil {
				return err
			}
			idx += 1 + rnd.IntN(2)
		}
		ct = ct.Add(time.Duration(60+rnd.IntN(600)) * time.Second)
		if err := emit(func(r []string) { base(r, "member_removed", "twoway_webhook"); agent(r); r[22] = "closed" }); err != nil {
			return err
		}
		if err := emit(func(r []string) {
			base(r, "channel_closed", "twoway")
			agent(r)
			r[18], r[22] = "Resolved", "closed"
		}); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
