package e2e

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"github.com/ccfeed/ccfeed/loaders/twoway"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ccfeed/ccfeed/internal/jsonw"
)

// The floor benchmark's data set for one tenant, written as the vendors'
// files and loaded by `ccfeed load`:
//
//   - Buzzeasy OData pages (loaders/buzzeasy): business units, channels, 50
//     queues, the agents (Agents and their Users rows, which carry the
//     email address other sources know them by), half of the chats (web
//     chats, each with four queue stays) and a tenth as many calls;
//   - two-way conversation reports, one CSV per day (loaders/twoway): the
//     other half of the chats (SMS conversations, which the two-way loader
//     stores as chats) with ten messages each, which is where the 5M
//     Messages come from: the two-way loader is the fastest source by far
//     (about 100K rows/s, against under 10K for Buzzeasy pages), and its
//     messages belong to the conversations they were written in.
//
// So Chats is a slice of Conversations from two sources (web chats with a
// queue and a business unit, SMS chats with neither), Conversations holds
// the calls as well, and the business-unit token sees part of the web
// chats only.
//
// Every value is a function of the row's number (a hash), not of a random
// stream, so the files are the same for the same scale.

// floorSpec is the size of the data set.
type floorSpec struct {
	Agents        int
	WebChats      int // Buzzeasy chats
	SMSChats      int // two-way conversations
	Calls         int
	Segments      int // queue stays of the web chats
	Messages      int // of the SMS chats
	Queues, Units int
}

// Chats is the size of the Chats slice.
func (s floorSpec) Chats() int { return s.WebChats + s.SMSChats }

// Conversations is the size of the Conversations set.
func (s floorSpec) Conversations() int { return s.Chats() + s.Calls }

const (
	segmentsPerChat = 4
	messagesPerSMS  = 10
)

// floorSpecFor scales the data set: 10,000 Agents, 1,000,000
// Chats, 2,000,000 QueueSegments and 5,000,000 Messages at scale 1 (plus
// 100,000 calls).
func floorSpecFor(scale float64) floorSpec {
	n := func(full int) int { return max(1, int(math.Round(float64(full)*scale))) }
	chats := max(2, n(1_000_000))
	s := floorSpec{Agents: n(10_000), WebChats: chats / 2, Queues: 50, Units: 8}
	s.SMSChats = chats - s.WebChats
	s.Calls = max(1, chats/10)
	s.Segments = segmentsPerChat * s.WebChats
	s.Messages = messagesPerSMS * s.SMSChats
	return s
}

const (
	floorTenant   = benchTenant
	floorTimezone = "Europe/Berlin"
	// floorPageRows is Buzzeasy's default page size.
	floorPageRows = 5000
	// floorDays is the period: every day of 2026.
	floorDays = 365
)

// floorYear is the first day of the period, UTC.
var floorYear = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Buzzeasy-shaped ids: a GUID per row, its first group the kind.
const (
	kindUnit    = 0xb0
	kindChannel = 0xc4a
	kindQueue   = 0x9e
	kindAgent   = 0xa9e
	kindChat    = 0xc0
	kindCall    = 0xca1
	kindSegment = 0x95
)

func floorGUID(kind uint32, n int) string {
	return fmt.Sprintf("%08x-0b0e-4000-8000-%012x", kind, n)
}

// floorBuzzID is the id the store gives a Buzzeasy row.
func floorBuzzID(kind uint32, n int) string {
	return floorTenant + ":buzzeasy:" + floorGUID(kind, n)
}

// floorSMSConv is the two-way report's id of SMS conversation n.
func floorSMSConv(n int) string { return fmt.Sprintf("CV-%08d", n) }

// floorSMSID is the id the store gives SMS conversation n.
func floorSMSID(n int) string { return floorTenant + ":twoway:" + floorSMSConv(n) }

// floorAgentEmail is agent a's (0-based) address, in the Users rows and in
// the two-way report.
func floorAgentEmail(a int) string { return fmt.Sprintf("agent%05d@bench.example", a+1) }

// smsAgents is how many agents (the first ones) answer SMS.
func (s floorSpec) smsAgents() int { return min(s.Agents, 2000) }

// mix is splitmix64: a well-spread hash of a row number and a salt.
func mix(n int, salt uint64) uint64 {
	z := uint64(n)*0x9e3779b97f4a7c15 + salt*0xbf58476d1ce4e5b9 + 0x94d049bb133111eb
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func pick[T any](h uint64, from []T) T { return from[h%uint64(len(from))] }

// Reference data. About one first name in nine starts with "an" once
// lower-cased, in several cases ("Anna", "andré", "ANTON"), so
// startswith(tolower(customerFirstName),'an') has a real answer.
var (
	floorFirstNames = []string{"Anna", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inès", "Jonas",
		"Kwame", "Léa", "Mateo", "Noah", "Olivia", "Priya", "Quentin", "Rosa", "Sofia", "Tariq", "Uma", "Victor",
		"Wei", "Xavier", "Yuki", "Zoë", "andré", "Amira", "Björn", "Camille", "Diego", "Elif", "Fatima", "Gustav",
		"Hana", "Ivan", "ANTON", "Anouk"}
	floorLastNames = []string{"Johnson", "Larsson", "Martin", "Nguyen", "Olsen", "Peterson", "Quinn", "Rossi",
		"Svensson", "Tanaka", "García", "O'Neil", "Müller", "Dubois", "Kowalski", "Okafor", "Haddad", "Silva"}
	floorUnitNames = []string{"Retail", "Business", "Health", "Travel", "Energy", "Telecom", "Insurance", "Public"}
	floorEnded     = []string{"Default", "Default", "Default", "Default", "CustomerDisconnected", "IdleTimeout", "Abandoned", "TransferredToQueue"}
	floorDequeued  = []string{"AgentConnected", "AgentConnected", "AgentConnected", "AgentConnected", "AgentConnected",
		"AgentConnected", "CustomerDisconnected", "QueueTimedOut", "CallbackRequested"}
	floorClosed = []string{"Resolved", "Resolved", "Resolved", "Patient inactivity", "Transferred to front desk", "Opted out"}
	// floorWords are what messages are made of; floorSearchWord is rarer
	// (about one message in a hundred), the word the $search question
	// looks for.
	floorWords = []string{"hello", "thanks", "please", "appointment", "refill", "prescription", "today", "tomorrow",
		"monday", "friday", "morning", "afternoon", "doctor", "nurse", "clinic", "pharmacy", "results", "question",
		"insurance", "card", "payment", "address", "change", "cancel", "reschedule", "confirm", "time", "work",
		"sure", "great", "minutes", "parking", "form", "portal", "password", "number", "call", "back", "soon", "okay"}
	floorSearchWord = "reimbursement"
)

// floorChat is what the generator decides about web chat n; its queue
// stays derive from it.
type floorChat struct {
	start    time.Time
	queue    int // 0-based
	agent    int // 0-based; -1 when nobody took it
	ended    string
	duration float64
}

// floorStart spreads row n of total evenly over the days of the year (pages
// come in time order, as a pull by window gives them) and over office
// hours, 07:00 to 20:00 UTC, busier in the middle of the day.
func floorStart(n, total int, h uint64) time.Time {
	day := (n - 1) * floorDays / total
	sec := 7*3600 + int(h%uint64(6*3600)) + int((h>>20)%uint64(7*3600))
	return floorYear.AddDate(0, 0, day).Add(time.Duration(sec)*time.Second + time.Duration((h>>40)%1000)*time.Millisecond)
}

func floorChatOf(n int, s floorSpec) floorChat {
	h := mix(n, 1)
	c := floorChat{start: floorStart(n, s.WebChats, h)}
	c.queue = int((h >> 8) % uint64(s.Queues))
	c.ended = pick(h>>16, floorEnded)
	c.agent = -1
	if c.ended != "Abandoned" {
		c.agent = int((h >> 24) % uint64(s.Agents))
	}
	// Handle times from half a minute to about an hour, most short.
	c.duration = 30 + math.Floor(3600*math.Pow(float64((h>>32)%10000)/10000, 3))
	return c
}

// floorUnitOfQueue: queue q belongs to channel q%Units, which belongs to
// business unit q%Units, so a business unit's token sees the web chats of
// its queues.
func floorUnitOfQueue(q int, s floorSpec) int { return q % s.Units }

// pageWriter writes one table as a series of Buzzeasy pages of
// floorPageRows rows, with file names that sort in load order.
type pageWriter struct {
	dir, stem, table string
	rows, page       int
	f                *os.File
	w                *bufio.Writer
	files            []string
	err              error
}

func newPageWriter(dir, stem, table string) *pageWriter {
	return &pageWriter{dir: dir, stem: stem, table: table}
}

// add writes one row, a JSON object.
func (p *pageWriter) add(row []byte) {
	if p.err != nil {
		return
	}
	if p.f != nil && p.rows == floorPageRows {
		p.finish(fmt.Sprintf("https://bench.buzzeasy.example/odata/%s?$skiptoken=%d", p.table, p.page*floorPageRows))
	}
	if p.f == nil {
		p.page++
		p.rows = 0
		name := filepath.Join(p.dir, fmt.Sprintf("%s-%s-%05d.json", p.stem, p.table, p.page))
		if p.f, p.err = os.Create(name); p.err != nil {
			return
		}
		p.files = append(p.files, name)
		p.w = bufio.NewWriterSize(p.f, 1<<18)
		p.w.WriteString(`{"@odata.context":"https://bench.buzzeasy.example/odata/$metadata#` + p.table + `","value":[`)
	}
	if p.rows > 0 {
		p.w.WriteByte(',')
	}
	p.w.WriteByte('\n')
	p.w.Write(row)
	p.rows++
}

// finish ends the current page, with a link to the next one if any.
func (p *pageWriter) finish(next string) {
	if p.f == nil || p.err != nil {
		return
	}
	p.w.WriteString("\n]")
	if next != "" {
		p.w.WriteString(`,"@odata.nextLink":`)
		p.w.Write(jsonw.AppendString(nil, next))
	}
	p.w.WriteString("}\n")
	if err := p.w.Flush(); err != nil {
		p.err = err
	}
	if err := p.f.Close(); err != nil && p.err == nil {
		p.err = err
	}
	p.f = nil
}

// close ends the last page and returns the files written.
func (p *pageWriter) close() ([]string, error) {
	p.finish("")
	return p.files, p.err
}

// obj appends a JSON object member by member: the generator writes
// millions of rows, and appending bytes keeps it a small part of the build.
type obj struct{ b []byte }

func (o *obj) start() { o.b = append(o.b[:0], '{') }
func (o *obj) key(k string) {
	if len(o.b) > 1 {
		o.b = append(o.b, ',')
	}
	o.b = jsonw.AppendString(o.b, k)
	o.b = append(o.b, ':')
}
func (o *obj) str(k, v string) { o.key(k); o.b = jsonw.AppendString(o.b, v) }
func (o *obj) null(k string)   { o.key(k); o.b = append(o.b, "null"...) }
func (o *obj) num(k string, v float64) {
	o.key(k)
	o.b = strconv.AppendFloat(o.b, v, 'f', -1, 64)
}
func (o *obj) int(k string, v int) { o.key(k); o.b = strconv.AppendInt(o.b, int64(v), 10) }
func (o *obj) time(k string, t time.Time) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = t.UTC().AppendFormat(o.b, "2006-01-02T15:04:05.000Z")
	o.b = append(o.b, '"')
}
func (o *obj) end() []byte { o.b = append(o.b, '}'); return o.b }

// floorFiles are the written files in load order, by kind: Buzzeasy
// lookups, Buzzeasy conversations and queue stays, two-way reports.
type floorFiles struct {
	Lookups, Conversations, Segments, Reports []string
}

// All returns every file in load order.
func (f floorFiles) All() []string {
	var out []string
	for _, part := range [][]string{f.Lookups, f.Conversations, f.Segments, f.Reports} {
		out = append(out, part...)
	}
	return out
}

// writeFloorFiles writes the data set's files into dir.
func writeFloorFiles(dir string, s floorSpec) (floorFiles, error) {
	var fs floorFiles
	var o obj
	table := func(dst *[]string, stem, name string, rows int, row func(i int)) error {
		p := newPageWriter(dir, stem, name)
		for i := range rows {
			o.start()
			row(i)
			p.add(o.end())
		}
		files, err := p.close()
		*dst = append(*dst, files...)
		return err
	}
	steps := []func() error{
		func() error {
			return table(&fs.Lookups, "01", "BusinessUnits", s.Units, func(u int) {
				o.str("id", floorGUID(kindUnit, u+1))
				o.str("name", floorUnitNames[u%len(floorUnitNames)])
				o.null("deletedAt")
			})
		},
		func() error {
			return table(&fs.Lookups, "02", "Channels", s.Units, func(u int) {
				o.str("id", floorGUID(kindChannel, u+1))
				o.str("businessUnitId", floorGUID(kindUnit, u+1))
				o.str("channelType", "Webchat")
				o.str("name", floorUnitNames[u%len(floorUnitNames)]+" chat")
				o.null("deletedAt")
			})
		},
		func() error {
			return table(&fs.Lookups, "03", "Queues", s.Queues, func(q int) {
				o.str("Name", fmt.Sprintf("%s queue %02d", floorUnitNames[floorUnitOfQueue(q, s)%len(floorUnitNames)], q+1))
				o.str("id", floorGUID(kindQueue, q+1))
				o.null("deletedAt")
				o.str("channelID", floorGUID(kindChannel, floorUnitOfQueue(q, s)+1))
				o.str("routing mode", "LongestIdle")
			})
		},
		// Agents are users too, under the same id; the Users row has the
		// email address the two-way report knows them by.
		func() error {
			return table(&fs.Lookups, "04", "Users", s.Agents, func(a int) {
				o.str("customId", fmt.Sprintf("A%05d", a+1))
				o.null("deletedAt")
				o.str("emailAddress", floorAgentEmail(a))
				o.str("id", floorGUID(kindAgent, a+1))
				o.str("Name", floorAgentName(a))
				o.str("userType", "Agent")
			})
		},
		func() error {
			return table(&fs.Lookups, "05", "Agents", s.Agents, func(a int) {
				o.str("id", floorGUID(kindAgent, a+1))
				o.str("name", floorAgentName(a))
				o.str("customID", fmt.Sprintf("A%05d", a+1))
				o.null("deletedAt")
			})
		},
		func() error {
			return table(&fs.Conversations, "10", "Chats", s.WebChats, func(i int) {
				n := i + 1
				c := floorChatOf(n, s)
				h := mix(n, 2)
				u := floorUnitOfQueue(c.queue, s)
				o.str("id", floorGUID(kindChat, n))
				o.str("businessUnitId", floorGUID(kindUnit, u+1))
				o.str("channelID", floorGUID(kindChannel, u+1))
				o.str("channelType", "Webchat")
				o.str("conversationEndedReason", c.ended)
				o.str("customerFirstName", pick(h, floorFirstNames))
				o.str("customerLastName", pick(h>>8, floorLastNames))
				o.num("durationInSeconds", c.duration)
				o.time("startedAtUTC", c.start)
				o.time("endedAtUTC", c.start.Add(time.Duration(c.duration)*time.Second))
				o.int("averageAgentAnswerSpeedInSeconds", int(5+(h>>16)%40))
				o.int("averageCustomerAnswerSpeedInSeconds", int(10+(h>>24)%60))
				o.int("isChannelOpen", int(c.duration))
				o.int("isChannelClosed", 0)
				o.str("openingCheckResult", "Open")
				o.null("nextConversationID")
				if c.agent >= 0 {
					o.str("agentId", floorGUID(kindAgent, c.agent+1))
				}
				o.str("queueId", floorGUID(kindQueue, c.queue+1))
			})
		},
		// Calls, without stays or messages: the other slice of
		// Conversations.
		func() error {
			return table(&fs.Conversations, "11", "Calls", s.Calls, func(i int) {
				n := i + 1
				h := mix(n, 3)
				q := int(h % uint64(s.Queues))
				u := floorUnitOfQueue(q, s)
				start := floorStart(n, s.Calls, h>>3)
				dur := float64(20 + (h>>8)%900)
				o.str("id", floorGUID(kindCall, n))
				o.str("businessUnitId", floorGUID(kindUnit, u+1))
				o.str("channelId", floorGUID(kindChannel, u+1))
				o.str("channelType", "Voice")
				o.str("conversationEndedReason", "Default")
				o.str("customerFirstName", pick(h>>4, floorFirstNames))
				o.str("customerLastName", pick(h>>12, floorLastNames))
				o.num("durationInSeconds", dur)
				o.time("startedAtUTC", start)
				o.time("endedAtUTC", start.Add(time.Duration(dur)*time.Second))
				o.str("queueId", floorGUID(kindQueue, q+1))
			})
		},
		// Four queue stays per web chat: an entry queue, then queues it
		// was transferred to; the last stay is in the chat's queue and
		// ends as the chat did.
		func() error {
			return table(&fs.Segments, "20", "QueueSegments", s.Segments, func(i int) {
				k := i + 1
				n, j := i/segmentsPerChat+1, i%segmentsPerChat
				c := floorChatOf(n, s)
				h := mix(k, 4)
				wait := math.Floor(600*math.Pow(float64(h%10000)/10000, 2)*1000) / 1000
				q, reason := c.queue, pick(h>>16, floorDequeued)
				if j < segmentsPerChat-1 {
					q = (c.queue + 1 + j + int((h>>24)%uint64(s.Queues-segmentsPerChat))) % s.Queues
					wait = math.Floor(wait / 4)
					reason = "Transferred"
				}
				queued := c.start.Add(time.Duration(j*45) * time.Second)
				o.str("id", floorGUID(kindSegment, k))
				o.str("channelId", floorGUID(kindChannel, floorUnitOfQueue(q, s)+1))
				o.str("queueId", floorGUID(kindQueue, q+1))
				o.str("conversationId", floorGUID(kindChat, n))
				o.time("queuedAtUTC", queued)
				o.time("dequeuedAtUTC", queued.Add(time.Duration(wait*1000)*time.Millisecond))
				o.num("durationInSeconds", wait)
				o.str("dequeuedReason", reason)
			})
		},
		func() error {
			var err error
			fs.Reports, err = writeFloorReports(dir, s)
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fs, err
		}
	}
	return fs, nil
}

func floorAgentName(a int) string {
	h := mix(a, 7)
	return pick(h, floorFirstNames) + " " + pick(h>>8, floorLastNames)
}

// writeFloorReports writes the SMS chats as two-way conversation reports,
// one file per UTC day as the vendor delivers them: per conversation the
// channel opening, the agent joining, ten messages (customer and agent in
// turn), the agent leaving and the close.
func writeFloorReports(dir string, s floorSpec) ([]string, error) {
	var files []string
	var (
		f   *os.File
		bw  *bufio.Writer
		cw  *csv.Writer
		day = -1
	)
	closeFile := func() error {
		if f == nil {
			return nil
		}
		cw.Flush()
		err := cw.Error()
		if e := bw.Flush(); err == nil {
			err = e
		}
		if e := f.Close(); err == nil {
			err = e
		}
		f = nil
		return err
	}
	rec := make([]string, len(twoway.Header))
	var body []byte
	for n := 1; n <= s.SMSChats; n++ {
		h := mix(n, 5)
		start := floorStart(n, s.SMSChats, h)
		if d := int(start.Sub(floorYear) / (24 * time.Hour)); d != day {
			if err := closeFile(); err != nil {
				return files, err
			}
			day = d
			name := filepath.Join(dir, "40-two_way_conversation_report_"+start.Format("2006-01-02")+".csv")
			var err error
			if f, err = os.Create(name); err != nil {
				return files, err
			}
			files = append(files, name)
			bw = bufio.NewWriterSize(f, 1<<18)
			cw = csv.NewWriter(bw)
			if err := cw.Write(twoway.Header); err != nil {
				return files, err
			}
		}
		a := int((h >> 8) % uint64(s.smsAgents()))
		conv := floorSMSConv(n)
		ccid := fmt.Sprintf("P-%07d", 1+(h>>16)%uint64(max(s.SMSChats/3, 10)))
		first, last := pick(h>>24, floorFirstNames), pick(h>>32, floorLastNames)
		t := start
		emit := func(typ, sub string, agent bool, fill func(r []string)) error {
			clear(rec)
			if agent {
				rec[0], rec[1], rec[2], rec[3], rec[4] = floorAgentEmail(a), "", "", "Agent", "SMS team"
			}
			rec[5], rec[6], rec[7], rec[8] = ccid, first, last, "pg-1"
			rec[9], rec[10], rec[11] = typ, sub, t.Format("2006-01-02T15:04:05.000Z")
			rec[12], rec[13], rec[17], rec[20], rec[22] = "tag-a", fmt.Sprintf("CH%030x", n), conv, "false", "open"
			if fill != nil {
				fill(rec)
			}
			return cw.Write(rec)
		}
		if err := emit("twoway_webhook", "channel_added", false, nil); err != nil {
			return files, err
		}
		t = t.Add(time.Duration(5+(h>>40)%60) * time.Second)
		if err := emit("twoway_webhook", "member_added", true, nil); err != nil {
			return files, err
		}
		for m := range messagesPerSMS {
			hm := mix(n*messagesPerSMS+m, 6)
			t = t.Add(time.Duration(10+hm%240) * time.Second)
			body = body[:0]
			for w := range 4 + int((hm>>8)%9) {
				if w > 0 {
					body = append(body, ' ')
				}
				body = append(body, pick(hm>>(12+4*w), floorWords)...)
			}
			if (hm>>56)%100 == 0 {
				body = append(body, " about the "+floorSearchWord...)
			}
			cust := m%2 == 0
			sub, sender := "agent_message_sent", "agent"
			if cust {
				sub, sender = "customer_message_sent", "customer"
			}
			err := emit("twoway_webhook", sub, !cust, func(r []string) {
				r[14], r[21], r[23] = string(body), sender, strconv.Itoa(m)
			})
			if err != nil {
				return files, err
			}
		}
		t = t.Add(time.Duration(60+(h>>48)%600) * time.Second)
		if err := emit("twoway_webhook", "member_removed", true, func(r []string) { r[22] = "closed" }); err != nil {
			return files, err
		}
		err := emit("twoway", "channel_closed", true, func(r []string) { r[18], r[22] = pick(h>>52, floorClosed), "closed" })
		if err != nil {
			return files, err
		}
	}
	return files, closeFile()
}
