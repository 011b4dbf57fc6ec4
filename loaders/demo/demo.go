// Package demo makes the demonstration data set: the files five contact
// center platforms would hand over for three tenants of a fictional
// company, generated deterministically, and loaded through the real loaders
// the way a customer's files are.
//
// Every tenant gets every source, in the vendor's own format (see each
// source's file for what it writes and why):
//
//	<tenant>/buzzeasy/NN-<Table>-NNNN.json    OData pages of every Buzzeasy table
//	<tenant>/cxengage/interactions_page-NNNN.json    reporting API list pages
//	<tenant>/ino/<data source>_YYYY-MM.csv|.xlsx    Reporter exports (French for contoso)
//	<tenant>/liveperson/conversations-search_NNNN.json    conversation history pages
//	<tenant>/twoway/two_way_conversation_report_YYYY-MM-DD.csv    daily reports
//
// One world lies behind all of them: the same agents (one email address and
// display name each), queues and skills of the same names, and customers
// known by email address or phone number appear in several sources, so the
// merged model shows one agent, and one customer, across sources. Buzzeasy
// loads first: its agents and customers are the rows the others merge into.
//
// Scale 1 (the default, loaded by ccfeed serve into a new database) is
// 1,500 conversations per tenant (4,500 in all) and about 20,000 messages;
// everything grows linearly with the scale, so scale 223 gives about a
// million conversations. The seed changes every random choice; the same
// scale and seed give the same bytes.
package demo

import (
	"time"

	// Tenant time zones must resolve in a minimal container too.
	_ "time/tzdata"
)

// Tenant is one demo tenant and its time zone.
type Tenant struct {
	Name     string
	Timezone string
}

// Tenants are the demo tenants, in three time zones so local-time columns
// and daylight-saving changes are visible.
var Tenants = []Tenant{
	{"contoso", "Europe/Paris"},
	{"fabrikam", "America/New_York"},
	{"northwind", "UTC"},
}

// Start and Days bound the demo period (fixed, so the data is reproducible).
var Start = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// Days is the length of the period.
const Days = 61

// PerScale is the number of conversations one scale step adds per tenant:
// the sum of every source's share.
const PerScale = buzzConversations + cxConversations + inoConversations + lpConversations + twConversations

// Options size the data set.
type Options struct {
	// Scale multiplies every volume; 0 means 1.
	Scale int
	// Seed changes every random choice.
	Seed uint64
}
