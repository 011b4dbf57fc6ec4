package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/internal/jsonw"
)

// Buzzeasy: pages of its OData feed, one table per file series, as a pull
// would save them ({"@odata.context": ".../$metadata#Calls", "value": [...],
// "@odata.nextLink": ...}). Field names are the vendor's, with its mixed
// spellings (channelID beside channelId, startTimeUtc beside startTimeUTC,
// "routing mode"); timestamps come twice, tenant-local and UTC, except
// where the vendor writes only local times. Tables the vendor documents
// without an id (CollectedData, CapturedData, AgentBusinessUnitChanges and
// the campaign record details) have none.
//
// Buzzeasy carries the sets no other source has: users, business units,
// channels, bot steps and segments, campaigns and their records, agent
// states, evaluations. Three additions follow what a ccfeed feed upstream
// serves rather than the vendor's field lists, each so the merged model can
// join across sources (see the package documentation): agents carry their
// email address (Buzzeasy gives it only on the Users row of the same id),
// conversations name their agent and queue, and a Customers table lists the
// customers the conversations point to.

// Buzzeasy id kinds.
const (
	srcBuzzeasy = 0x0b0e

	kindBusinessUnit = 0xb0
	kindChannel      = 0xc4a
	kindQueue        = 0x9e
	kindBotStep      = 0xb05
	kindCampaign     = 0xca4
	kindAgent        = 0xa9e
	kindSupervisor   = 0x5e9
	kindCustomer     = 0xc05
	kindConversation = 0xc0
	kindQueueSegment = 0x95
	kindReject       = 0x4e1
	kindBotSegment   = 0xb5e
	kindWorkitem     = 0x3d
	kindSession      = 0x5e5
	kindEvaluation   = 0xe7
	kindEvalAnswer   = 0xe7d
	kindState        = 0xa57
	kindRecord       = 0x4ec
)

// buzzPageRows is the rows per page: what the feed sends by default.
const buzzPageRows = 5000

func bz(kind uint32, n int) string { return guid(kind, srcBuzzeasy, n) }

// pager writes one table as a series of pages.
type pager struct {
	g           *tgen
	stem, table string
	host        string
	o           *out
	rows, page  int
	isConv      bool
}

func (g *tgen) pager(stem, table string) *pager {
	return &pager{g: g, stem: stem, table: table, host: "https://" + g.w.tenant.Name + ".buzzeasy.example/odata/",
		isConv: table == "Calls" || table == "Chats" || table == "Emails"}
}

// add writes one row (a JSON object).
func (p *pager) add(row []byte) {
	if p.o != nil && p.rows == buzzPageRows {
		p.finish(fmt.Sprintf("%s%s?$skiptoken=%d", p.host, p.table, p.page*buzzPageRows))
	}
	if p.o == nil {
		p.page++
		p.rows = 0
		p.o = p.g.create("buzzeasy", fmt.Sprintf("%s-%04d.json", p.stem, p.page))
		p.o.writeString(`{"@odata.context":"` + p.host + `$metadata#` + p.table + `","value":[`)
	}
	if p.rows > 0 {
		p.o.writeString(",")
	}
	p.o.writeString("\n")
	p.o.write(row)
	p.rows++
	p.o.meta.Records++
	if p.isConv {
		p.o.meta.Conversations++
	}
}

// finish ends the current page, with a link to the next one if any.
func (p *pager) finish(next string) {
	if p.o == nil {
		return
	}
	p.o.writeString("\n]")
	if next != "" {
		p.o.writeString(`,"@odata.nextLink":` + string(jsonw.AppendString(nil, next)))
	}
	p.o.writeString("}\n")
	p.o.close()
	p.o = nil
}

func (g *tgen) buzzeasy() error {
	b := &buzz{g: g, w: g.w, rnd: g.w.rng(1), p: map[string]*pager{}}
	b.lookups()
	b.activity()
	b.agentStates()
	b.campaignRecords()
	for _, p := range b.order {
		p.finish("")
	}
	return g.err
}

// buzz holds the state of one tenant's Buzzeasy pages.
type buzz struct {
	g     *tgen
	w     *world
	rnd   *rand.Rand
	p     map[string]*pager
	order []*pager
	e     enc
}

// stems number the tables so that a sorted listing loads lookups first.
var buzzStems = map[string]string{
	"BusinessUnits": "01", "Channels": "02", "Queues": "03", "BotSteps": "04", "Campaigns": "05", "Users": "06",
	"Agents": "07", "Customers": "08", "Calls": "10", "Chats": "11", "Emails": "12", "QueueSegments": "13",
	"RejectedEnqueueAttempts": "14", "BotSegments": "15", "Workitems": "16", "WorkitemConversationSessions": "17",
	"CollectedData": "18", "CapturedData": "19", "WorkitemEvaluations": "20", "WorkitemEvaluationData": "21",
	"AgentStates": "22", "AgentBusinessUnitChanges": "23", "CampaignRecords": "24", "CampaignRecordRegistrations": "25",
	"CampaignRecordCustomFields": "26", "CampaignRecordAdditionalPhoneNumbers": "27",
}

// row starts a row of table in the shared encoder; put writes it.
func (b *buzz) row() *enc { b.e.reset(); return b.e.Obj() }

func (b *buzz) put(table string) {
	b.e.EndObj()
	p := b.p[table]
	if p == nil {
		p = b.g.pager(buzzStems[table]+"-"+table, table)
		b.p[table] = p
		b.order = append(b.order, p)
	}
	p.add(b.e.b)
}

func (b *buzz) lookups() {
	w := b.w
	for i, name := range businessUnits {
		e := b.row()
		e.K("id").S(bz(kindBusinessUnit, i+1))
		e.K("name").S(name)
		e.K("deletedAt").N()
		b.put("BusinessUnits")
	}
	for _, c := range w.channels {
		e := b.row()
		e.K("businessUnitId").S(bz(kindBusinessUnit, c.bu+1))
		e.K("channelType").S(c.typ)
		e.K("name").S(c.name)
		// A channel of northwind was removed during the period: lookups
		// keep it, with the day the refresh noticed.
		if c.n == 2 && w.tenant.Name == "northwind" {
			e.K("deletedAt").S(utc(Start.AddDate(0, 0, 40)))
		} else {
			e.K("deletedAt").N()
		}
		e.K("id").S(bz(kindChannel, c.n))
		b.put("Channels")
	}
	for _, q := range w.queues {
		e := b.row()
		e.K("Name").S(q.name)
		e.K("id").S(bz(kindQueue, q.n))
		e.K("deletedAt").N()
		e.K("channelID").S(bz(kindChannel, w.channels[q.channel].n))
		e.K("routing mode").S(q.mode)
		b.put("Queues")
	}
	stepTypes := []string{"autoAttendant", "menuSelection", "qna", "question", "identifyCustomer", "customBot"}
	for i, typ := range stepTypes {
		e := b.row()
		e.K("deletedAt").N()
		e.K("id").S(bz(kindBotStep, i+1))
		e.K("mediaGroup").S([]string{"Voice", "Chat", "Chat", "Chat", "Voice", "Email"}[i])
		e.K("name").S(strings.ToUpper(typ[:1]) + typ[1:] + " step")
		e.K("type").S(typ)
		b.put("BotSteps")
	}
	for i, name := range []string{"Renewal callbacks", "Win-back preview"} {
		e := b.row()
		e.K("campaignType").S([]string{"Callback", "Preview"}[i])
		e.K("deletedAt").N()
		e.K("id").S(bz(kindCampaign, i+1))
		e.K("name").S(name)
		b.put("Campaigns")
	}
	// Agents are users too, under the same id.
	for _, a := range w.agents {
		e := b.row()
		e.K("customId").S(a.customID)
		e.K("deletedAt").N()
		e.K("emailAddress").S(a.email)
		e.K("id").S(bz(kindAgent, a.n))
		e.K("Name").S(a.name)
		e.K("userType").S("Agent")
		b.put("Users")
	}
	for i := 0; i < 3; i++ {
		e := b.row()
		e.K("customId").N()
		e.K("deletedAt").N()
		e.K("emailAddress").S(fmt.Sprintf("supervisor%d@%s.example", i+1, w.tenant.Name))
		e.K("id").S(bz(kindSupervisor, i+1))
		e.K("Name").S("Supervisor " + lastNames[i])
		e.K("userType").S([]string{"Supervisor", "Supervisor", "User"}[i])
		b.put("Users")
	}
	for _, a := range w.agents {
		e := b.row()
		e.K("id").S(bz(kindAgent, a.n))
		e.K("name").S(a.name)
		e.K("customID").S(a.customID)
		e.K("deletedAt").N()
		b.put("Agents")
	}
	for i := 0; i < w.customers; i++ {
		c := w.customer(i)
		e := b.row()
		e.K("id").S(bz(kindCustomer, i+1))
		e.K("firstName").S(c.first)
		e.K("lastName").S(c.last)
		e.K("phoneNumber").S(c.phone)
		e.K("emailAddress").S(c.email)
		e.K("productGroup").S(c.productGroup)
		b.put("Customers")
	}
}

// agentStates writes each agent's day every third day: login, work,
// a break, more work, logout.
func (b *buzz) agentStates() {
	w := b.w
	n := 0
	for ai, a := range w.agents {
		for d := ai % 3; d < Days; d += 3 {
			t := w.day(d).Add(time.Duration(8+ai%3)*time.Hour + time.Duration(b.rnd.IntN(1800))*time.Second)
			for k, st := range []string{"Idle", "Busy", "Break", "Idle", "LoggedOut"} {
				n++
				length := secs(b.rnd, 1800, 60)
				if st == "LoggedOut" {
					length = 0
				}
				e := b.row()
				e.K("agentID").S(bz(kindAgent, a.n))
				if st == "Break" {
					e.K("breakName").S([]string{"Lunch", "Coffee", "Training"}[(d+ai)%3])
				} else {
					e.K("breakName").N()
				}
				e.K("durationInSeconds").I(int64(length))
				e.K("id").S(bz(kindState, n))
				e.K("isLogin").B(k == 0)
				e.K("isLogout").B(st == "LoggedOut")
				if st == "LoggedOut" {
					e.K("logoutReason").S([]string{"AgentLogout", "AgentLogout", "ConnectionTimeout", "ForceLogout"}[n%4])
				} else {
					e.K("logoutReason").N()
				}
				e.K("startTimeUtc").T(t, isoUTC)
				e.K("startTime").S(w.local(t))
				e.K("state").S(st)
				b.put("AgentStates")
				t = t.Add(time.Duration(int64(length)) * time.Second)
			}
		}
		// Every agent joined a business unit before the period; every
		// seventh moved to another one during it.
		joined := Start.Add(-time.Duration(ai+1) * 24 * time.Hour)
		b.unitChange(a, a.bu, true, joined)
		if ai%7 == 3 {
			moved := Start.AddDate(0, 0, 20+ai%30).Add(9 * time.Hour)
			b.unitChange(a, a.bu, false, moved)
			b.unitChange(a, (a.bu+1)%len(businessUnits), true, moved.Add(time.Minute))
		}
	}
}

func (b *buzz) unitChange(a agent, bu int, assigned bool, at time.Time) {
	e := b.row()
	e.K("agentId").S(bz(kindAgent, a.n))
	e.K("assigned").B(assigned)
	e.K("businessUnitId").S(bz(kindBusinessUnit, bu+1))
	e.K("tenantId").S(guid(0x7e, srcBuzzeasy, b.w.index+1))
	e.K("timestampUtc").S(utc(at))
	b.put("AgentBusinessUnitChanges")
}

// campaignRecords writes the outbound campaigns' records. Their times are
// local only, as the vendor writes them.
func (b *buzz) campaignRecords() {
	w := b.w
	for i := 0; i < 40*w.scale; i++ {
		id := bz(kindRecord, i+1)
		camp := bz(kindCampaign, i%2+1)
		c := w.customer((i * 7) % w.customers)
		created := w.day(i * Days / (40 * w.scale)).Add(time.Duration(9*3600+b.rnd.IntN(8*3600)) * time.Second)
		e := b.row()
		e.K("campaignID").S(camp)
		switch i % 3 {
		case 0:
			e.K("closedAt").S(w.local(created.Add(26 * time.Hour)))
		default:
			e.K("closedAt").N()
		}
		e.K("CreatedAt").S(w.local(created))
		e.K("customerFirstName").S(c.first)
		e.K("customerLastName").S(c.last)
		e.K("customerPhone").S(c.phone)
		e.K("id").S(id)
		e.K("newStatusDuration").I(int64(secs(b.rnd, 600, 10)))
		e.K("queuedStatusDuration").I(int64(secs(b.rnd, 300, 10)))
		if i%3 == 0 {
			e.K("rescheduledStatusDuration").N()
			e.K("status").S("Completed")
		} else {
			e.K("rescheduledStatusDuration").I(int64(3600 + b.rnd.IntN(86400)))
			e.K("status").S([]string{"Processing", "Rescheduled"}[i%2])
		}
		e.K("totalCustomerRingTimeInSeconds").I(int64(5 + b.rnd.IntN(60)))
		e.K("totalTalkTimeInSeconds").I(int64(b.rnd.IntN(600)))
		b.put("CampaignRecords")

		e = b.row()
		e.K("recordId").S(id)
		e.K("campaignId").S(camp)
		e.K("customerFirstName").S(c.first)
		e.K("customerLastName").S(c.last)
		e.K("primaryPhoneNumber").S(c.phone)
		b.put("CampaignRecordRegistrations")

		for k, f := range []struct{ name, value string }{
			{"contractEnd", created.AddDate(0, 3, 0).Format("2006-01-02")},
			{"preferredTime", []string{"morning", "afternoon", "evening"}[i%3]},
		} {
			if k == 1 && i%2 == 1 {
				continue
			}
			e = b.row()
			e.K("recordId").S(id)
			e.K("customFieldName").S(f.name)
			e.K("customFieldValues").S(f.value)
			b.put("CampaignRecordCustomFields")
		}
		if i%4 == 0 {
			e = b.row()
			e.K("recordId").S(id)
			e.K("additionalPhoneNumber").S(fmt.Sprintf("+1555%07d", 9000000+i))
			b.put("CampaignRecordAdditionalPhoneNumbers")
		}
	}
}
