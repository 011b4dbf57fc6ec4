package demo

import (
	"fmt"
	"strings"
	"time"
)

var (
	firstNames = []string{"Camille", "Léa", "Hugo", "Chloé", "Noah", "Amira", "Lucas", "Inès", "Mateo", "Zoë",
		"Aiden", "Sofia", "Yuki", "Kwame", "Priya", "Oliver", "Fatima", "Diego", "Hana", "Björn"}
	lastNames = []string{"Dupont", "Martin", "Nguyen", "García", "Okafor", "Schmidt", "Rossi", "Kowalski", "Haddad",
		"Silva", "Tanaka", "O'Neil", "Müller", "Dubois", "Andersen", "Kim", "Moreau", "Patel", "Ivanova", "Lefèvre"}
	topics = []string{"billing", "delivery", "password reset", "appointment", "refund", "invoice", "upgrade",
		"cancellation", "address change", "technical issue"}
	customerLines = []string{
		"Hello, I have a question about my %s.",
		"Hi! Can you help me with a %s please?",
		"Bonjour, j'ai un souci avec ma %s.",
		"I was charged twice, this is about my %s 😕",
		"Is there any update on the %s?",
		"Thanks, that solved my %s problem 👍",
	}
	agentLines = []string{
		"Thanks for reaching out, let me look into your %s.",
		"I can help with the %s. Could you confirm your account number?",
		"I've updated the %s for you.",
		"Is there anything else I can help with today?",
		"I'm transferring you to a colleague who handles %s.",
	}
	botLines = []string{"Welcome! Choose 1 for billing, 2 for support.", "Please describe your issue in a few words."}
)

func (g *gen) lookups() {
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("bu-%d", i)
		g.businessUnits = append(g.businessUnits, g.id(id))
		g.put("BusinessUnits", g.row("BusinessUnits", id).Set("name", []string{"Retail", "Business", "Health"}[i-1]))
	}
	specs := []struct{ name, typ, media string }{
		{"Main hotline", "Voice", "voice"}, {"Priority line", "Voice", "voice"}, {"Website chat", "Webchat", "chat"},
		{"WhatsApp", "WhatsApp", "chat"}, {"SMS", "SMS", "chat"}, {"Support mailbox", "Email", "email"},
	}
	for i, s := range specs {
		id := fmt.Sprintf("ch-%d", i+1)
		c := channel{id: g.id(id), name: s.name, typ: s.typ, media: s.media, bu: g.businessUnits[i%3],
			phone: fmt.Sprintf("+1555010%04d", i)}
		g.channels = append(g.channels, c)
		r := g.row("Channels", id).Set("name", s.name).Set("channelType", s.typ).Set("businessUnitId", c.bu)
		if i == 1 && g.tenant == "northwind" {
			r.Set("deletedAtUTC", Start.Add(40*24*time.Hour))
		}
		g.put("Channels", r)
	}
	qnames := []string{"Support", "Billing", "Sales", "Escalations", "Claims", "VIP", "Spanish", "Night shift"}
	for i, n := range qnames {
		id := fmt.Sprintf("q-%d", i+1)
		ch := g.channels[i%len(g.channels)]
		g.queues = append(g.queues, queue{id: g.id(id), name: n, channel: ch.id})
		mode := "Automatic"
		if i%4 == 3 {
			mode = "Manual"
		}
		g.put("Queues", g.row("Queues", id).Set("name", n).Set("channelId", ch.id).Set("routingMode", mode))
	}
	stepTypes := []string{"autoAttendant", "menuSelection", "qna", "question", "identifyCustomer", "customBot"}
	for i := 0; i < 6; i++ {
		id := fmt.Sprintf("bot-%d", i+1)
		g.botSteps = append(g.botSteps, g.id(id))
		media := []string{"Voice", "Chat", "Chat", "Chat", "Voice", "Email"}[i]
		g.put("BotSteps", g.row("BotSteps", id).Set("name", strings.ToUpper(stepTypes[i][:1])+stepTypes[i][1:]+" step").
			Set("type", stepTypes[i]).Set("mediaGroup", media))
	}
	for i, n := range []string{"Renewal callbacks", "Win-back preview"} {
		id := fmt.Sprintf("camp-%d", i+1)
		g.campaigns = append(g.campaigns, g.id(id))
		g.put("Campaigns", g.row("Campaigns", id).Set("name", n).Set("campaignType", []string{"Callback", "Preview"}[i]))
	}
}

func (g *gen) people() {
	n := 20
	for i := 0; i < n; i++ {
		first, last := firstNames[(i*7)%len(firstNames)], lastNames[(i*3)%len(lastNames)]
		id := fmt.Sprintf("agent-%02d", i+1)
		email := strings.ToLower(fmt.Sprintf("%s.%s@%s.example", asciiFold(first), asciiFold(last), g.tenant))
		a := agent{native: id, id: g.id(id), name: first + " " + last, email: email, first: first, last: last}
		g.agents = append(g.agents, a)
		r := g.row("Agents", id).Set("name", a.name).Set("firstName", first).Set("lastName", last).
			Set("emailAddress", email).Set("customId", fmt.Sprintf("EMP%04d", 100+i)).
			Set("roles", "Agent").Set("controlGroup", []string{"Team A", "Team B"}[i%2])
		g.put("Agents", r)
		g.put("Users", g.row("Users", "user-"+id).Set("name", a.name).Set("emailAddress", email).Set("userType", "Agent").
			Set("customId", fmt.Sprintf("EMP%04d", 100+i)))
	}
	for i := 0; i < 3; i++ {
		id := fmt.Sprintf("sup-%d", i+1)
		g.users = append(g.users, g.id(id))
		g.put("Users", g.row("Users", id).Set("name", "Supervisor "+lastNames[i]).
			Set("emailAddress", fmt.Sprintf("supervisor%d@%s.example", i+1, g.tenant)).Set("userType", "Supervisor"))
	}
	for i := 0; i < 200*g.scale; i++ {
		id := fmt.Sprintf("cust-%05d", i+1)
		c := customer{id: g.id(id), first: g.pick(firstNames), last: g.pick(lastNames),
			phone: fmt.Sprintf("+1555%07d", 1000000+i), email: fmt.Sprintf("customer%05d@mail.example", i+1)}
		g.customers = append(g.customers, c)
		g.put("Customers", g.row("Customers", id).Set("firstName", c.first).Set("lastName", c.last).
			Set("phoneNumber", c.phone).Set("emailAddress", c.email).Set("productGroup", []string{"standard", "premium"}[i%2]))
	}
	// Agent states and business unit assignments.
	for ai, a := range g.agents {
		day := Start
		for d := 0; d < Days; d += 3 {
			t := day.Add(time.Duration(d)*24*time.Hour + time.Duration(8+ai%3)*time.Hour)
			for k, st := range []string{"Idle", "Busy", "Break", "Idle", "LoggedOut"} {
				dur := g.secs(1800, 60)
				r := g.row("AgentStates", fmt.Sprintf("st-%s-%d-%d", a.native, d, k)).
					Set("agentId", a.id).Set("state", st).Set("startTimeUTC", t).Set("durationInSeconds", dur).
					Set("isLogin", k == 0).Set("isLogout", st == "LoggedOut")
				if st == "Break" {
					r.Set("breakName", []string{"Lunch", "Coffee", "Training"}[d%3])
				}
				if st == "LoggedOut" {
					r.Set("logoutReason", "AgentLogout")
				}
				g.put("AgentStates", r)
				t = t.Add(time.Duration(dur) * time.Second)
			}
		}
		g.put("AgentBusinessUnitChanges", g.row("AgentBusinessUnitChanges", fmt.Sprintf("abu-%d", ai)).
			Set("agentId", a.id).Set("businessUnitId", g.businessUnits[ai%3]).Set("assigned", true).
			Set("timestampUTC", Start.Add(-time.Duration(ai)*24*time.Hour)))
	}
}

// asciiFold keeps email addresses plain.
func asciiFold(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ë", "e", "ö", "o", "ü", "u", "í", "i", "á", "a", "ñ", "n", "'", "", "ç", "c")
	return r.Replace(s)
}
