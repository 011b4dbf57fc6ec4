package demo

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"time"
)

// ino: monthly Reporter exports of its four messaging data sources
// (incoming and outgoing message distributions, messages, SMS). Every
// interaction has a distribution to a queue, then to an agent (a transfer
// adds a second pair); the messages export repeats it with the session's
// times, and an agent often follows up by SMS. Agents and queues are known
// by display name only. Times are local to the tenant.
//
// The French tenant (contoso) gets the French export: French headers and
// values, semicolons, DD/MM/YYYY, a byte order mark. fabrikam's incoming
// distributions come as XLSX workbooks, with real date and duration cells.
const inoConversations = 100

// inoSharedIDs says whether an interaction appears both in the messages
// export and in a distributions export, as it does in the Reporter (when
// false, each goes to one of the two: odd ones to the messages export, even
// ones to the distributions, twice as many interactions in all).
const inoSharedIDs = true

// inoLang holds one export language's headers and words.
type inoLang struct {
	french                          bool
	incoming, outgoing, msgs, sms   []string
	queue, user, yes, no            string
	treated, dissuaded              string
	accepted, completed, transfered string
	abandoned, in, out              string
	userOrigin, workflowOrigin      string
	followUp                        string
	names                           [4]string // file names: incoming, outgoing, messages, sms
}

var inoEnglish = inoLang{
	incoming: []string{"Distribution date", "Distribution end date", "Type", "Messaging type", "Sender", "Queue", "User", "Wait time",
		"Exchange time", "Post-interaction time", "Total interaction time", "Interaction status", "Transferred",
		"Detailed interaction status", "Transfer date", "Transfer release date", "Transfer to user", "Transfer to the queue",
		"Interaction ID", "Routing type"},
	outgoing: []string{"Distribution date", "Distribution end date", "Type", "Messaging type", "Recipient", "Queue", "User", "Wait time",
		"Exchange time", "Post-interaction time", "Total interaction time", "Interaction status", "Transferred",
		"Detailed interaction status", "Transfer date", "Transfer release date", "Transfer to user", "Transfer to the queue",
		"Interaction ID", "Routing type"},
	msgs: []string{"Interaction ID", "Session start", "Wait time", "Exchange time", "Total interaction time", "Entry point", "Status",
		"Session end", "Routing type", "Direction", "Messaging type", "Smart Routing name", "Correspondent",
		"Detailed interaction status", "Distribution date", "Type", "Queue", "User"},
	sms: []string{"SMS ID", "Send date", "SMS template", "Sender", "Origin", "SMS type", "SMS category", "Recipient", "Credits",
		"Content", "Status", "Interaction ID", "User"},
	queue: "Queue", user: "User", yes: "Yes", no: "No", treated: "treated", dissuaded: "dissuaded",
	accepted: "accepted", completed: "successfully completed", transfered: "transferred", abandoned: "abandoned",
	in: "incoming", out: "outgoing", userOrigin: "User", workflowOrigin: "Workflow", followUp: "Follow-up",
	names: [4]string{"incoming-message-distributions", "outgoing-message-distributions", "messages", "sms"},
}

var inoFrench = inoLang{
	french: true,
	incoming: []string{"Date de distribution", "Date de fin de distribution", "Type", "Type de messagerie", "Expéditeur", "File d'attente",
		"Utilisateur", "Temps d'attente", "Temps d'échange", "Temps de post-interaction", "Temps total d'interaction",
		"Statut de l'interaction", "Transférée", "Statut détaillé de l'interaction", "Date de transfert",
		"Date de libération du transfert", "Transfert vers utilisateur", "Transfert vers la file", "ID de l'interaction", "Type de routage"},
	outgoing: []string{"Date de distribution", "Date de fin de distribution", "Type", "Type de messagerie", "Destinataire", "File d'attente",
		"Utilisateur", "Temps d'attente", "Temps d'échange", "Temps de post-interaction", "Temps total d'interaction",
		"Statut de l'interaction", "Transférée", "Statut détaillé de l'interaction", "Date de transfert",
		"Date de libération du transfert", "Transfert vers utilisateur", "Transfert vers la file", "ID de l'interaction", "Type de routage"},
	msgs: []string{"ID de l'interaction", "Début de session", "Temps d'attente", "Temps d'échange", "Temps total d'interaction",
		"Point d'entrée", "Statut", "Fin de session", "Type de routage", "Sens", "Type de messagerie", "Nom du smart routing",
		"Correspondant", "Statut détaillé de l'interaction", "Date de distribution", "Type", "File d'attente", "Utilisateur"},
	sms: []string{"ID du SMS", "Date d'envoi", "Modèle de SMS", "Expéditeur", "Origine", "Type de SMS", "Catégorie de SMS",
		"Destinataire", "Crédits", "Contenu", "Statut", "ID de l'interaction", "Utilisateur"},
	queue: "File d'attente", user: "Utilisateur", yes: "Oui", no: "Non", treated: "traitée", dissuaded: "dissuadée",
	accepted: "acceptée", completed: "traitée", transfered: "transférée", abandoned: "abandonnée",
	in: "entrant", out: "sortant", userOrigin: "Utilisateur", workflowOrigin: "Workflow", followUp: "Suivi",
	names: [4]string{"distributions-messages-entrantes", "distributions-messages-sortantes", "messages", "sms"},
}

// inoTable is one export being written: a CSV file or an XLSX sheet.
type inoTable interface {
	row(cells []inoCell)
	close()
	meta() *File
}

// inoCell is one value: text, or a local time or a duration, which CSV
// writes as text and XLSX as a typed number.
type inoCell struct {
	text string
	at   time.Time
	secs float64
	kind byte // 't' text, 'd' date-time, 's' duration
}

func txt(s string) inoCell { return inoCell{text: s, kind: 't'} }

// inoDist is one distribution of an interaction.
type inoDist struct {
	toUser           bool
	start, end       time.Time
	queue            queue
	user             agent
	wait, exch, post float64
	status, detail   string
	transfer         bool
	trAt, trRelease  time.Time
	trQueue          string
}

func (g *tgen) ino() error {
	w := g.w
	rnd := w.rng(3)
	lang := inoEnglish
	if w.tenant.Name == "contoso" {
		lang = inoFrench
	}
	xlsxIncoming := w.tenant.Name == "fabrikam"
	total := inoConversations * w.scale
	if !inoSharedIDs {
		total *= 2
	}
	var month string
	var tables [4]inoTable
	open := func(m string) {
		for _, t := range tables {
			if t != nil {
				t.close()
			}
		}
		month = m
		for k, header := range [][]string{lang.incoming, lang.outgoing, lang.msgs, lang.sms} {
			name := lang.names[k] + "_" + m
			if k == 0 && xlsxIncoming {
				tables[k] = g.newXLSX("ino", name+".xlsx", header)
				continue
			}
			tables[k] = g.newInoCSV(name+".csv", header, lang)
		}
	}
	n, sms := 0, 0
	for d := 0; d < Days; d++ {
		if g.ctx.Err() != nil || g.err != nil {
			break
		}
		if m := w.day(d).Format("2006-01"); m != month {
			open(m)
		}
		for _, start := range w.officeTimes(rnd, d, perDay(total, d)) {
			n++
			sessions := inoSharedIDs || n%2 == 1
			dists := inoSharedIDs || n%2 == 0
			sent := g.inoInteraction(rnd, lang, tables, n, &sms, start, sessions, dists)
			tables[3].meta().Messages += sent
			if sessions {
				tables[2].meta().Conversations++
			}
		}
		// Campaign texts the workflow sends on its own, without an
		// interaction.
		if d%3 == 0 {
			for k := 0; k < w.scale; k++ {
				sms++
				c := w.customer(rnd.IntN(w.customers))
				at := w.day(d).Add(time.Duration(10*3600+rnd.IntN(3600)) * time.Second)
				tables[3].row(inoSMS(lang, w, sms, at, "", lang.workflowOrigin, "", c.phone,
					"Promo: -10% on your next "+pick(rnd, topics)+" 🎉", "marketing", "basic"))
				tables[3].meta().Messages++
			}
		}
	}
	for _, t := range tables {
		if t != nil {
			t.close()
		}
	}
	return g.err
}

// inoInteraction writes interaction n to the exports and returns the
// number of SMS it sent.
func (g *tgen) inoInteraction(rnd *rand.Rand, lang inoLang, tables [4]inoTable, n int, sms *int, start time.Time, sessions, dists bool) int {
	w := g.w
	iid := fmt.Sprintf("%d", 48120000+n)
	outgoing := n%7 == 0
	media := pick(rnd, []string{"WhatsApp", "WhatsApp", "Messenger", "Chat", "SMS"})
	c := w.customer(rnd.IntN(w.customers))
	party := c.phone
	switch media {
	case "Messenger":
		party = fmt.Sprintf("psid-%015d", mix(uint64(w.index)<<32|uint64(n))%1e15)
	case "Chat":
		party = fmt.Sprintf("visitor-%06x", mix(uint64(n)<<8|uint64(w.index))&0xffffff)
	}
	q := w.queues[rnd.IntN(len(w.queues))]
	ag := w.agents[rnd.IntN(len(w.agents))]
	abandoned := !outgoing && rnd.IntN(12) == 0
	transfer := !outgoing && !abandoned && rnd.IntN(8) == 0

	var ds []inoDist
	t := start
	wait := float64(2 + rnd.IntN(90))
	if outgoing {
		wait = 3
	}
	qd := inoDist{start: t, end: t.Add(dur(wait)), queue: q, wait: wait, status: lang.treated, detail: lang.accepted}
	if abandoned {
		qd.status, qd.detail = lang.dissuaded, lang.abandoned
	}
	ds = append(ds, qd)
	t = qd.end
	agents := []agent{ag}
	if transfer {
		agents = append(agents, w.agents[(ag.n+7)%len(w.agents)])
	}
	for i, a := range agents {
		if abandoned {
			break
		}
		exch := float64(60 + rnd.IntN(900))
		post := float64(rnd.IntN(120))
		ud := inoDist{toUser: true, start: t, end: t.Add(dur(exch)), queue: q, user: a, wait: 1, exch: exch, post: post,
			status: lang.treated, detail: lang.completed}
		if i == 0 && transfer {
			q2 := w.queues[(q.n+4)%len(w.queues)]
			ud.transfer, ud.detail, ud.trQueue = true, lang.transfered, q2.name
			ud.trAt = ud.end
			ud.trRelease = ud.end.Add(time.Duration(20+rnd.IntN(60)) * time.Second)
			ds = append(ds, ud)
			w2 := ud.trRelease.Sub(ud.trAt).Seconds()
			ds = append(ds, inoDist{start: ud.trAt, end: ud.trRelease, queue: q2, wait: w2, status: lang.treated, detail: lang.accepted})
			t = ud.trRelease
			q = q2
			continue
		}
		ds = append(ds, ud)
		t = ud.end
	}
	end := t

	// The distributions export.
	table := tables[0]
	if outgoing {
		table = tables[1]
	}
	for _, d := range ds {
		if !dists {
			break
		}
		typ, user := lang.queue, ""
		if d.toUser {
			typ, user = lang.user, d.user.name
		}
		cells := []inoCell{{at: d.start, kind: 'd'}, {at: d.end, kind: 'd'}, txt(typ), txt(media), txt(party), txt(d.queue.name), txt(user),
			{secs: d.wait, kind: 's'}, {secs: d.exch, kind: 's'}, {secs: d.post, kind: 's'},
			{secs: d.wait + d.exch + d.post, kind: 's'}, txt(d.status), txt(map[bool]string{true: lang.yes, false: lang.no}[d.transfer]),
			txt(d.detail)}
		if d.transfer {
			cells = append(cells, inoCell{at: d.trAt, kind: 'd'}, inoCell{at: d.trRelease, kind: 'd'}, txt(lang.no), txt(d.trQueue))
		} else {
			cells = append(cells, txt(""), txt(""), txt(""), txt(""))
		}
		cells = append(cells, txt(iid), txt([]string{"Smart", "Direct"}[n%2]))
		table.row(cells)
	}

	// The messages export: one row per distribution, with the session.
	entry := map[string]string{"WhatsApp": "+15550100003", "Messenger": "facebook-page", "Chat": "chat-widget", "SMS": "+15550100004"}[media]
	direction := lang.in
	if outgoing {
		direction = lang.out
	}
	last := ds[len(ds)-1]
	for _, d := range ds {
		if !sessions {
			break
		}
		typ, user := lang.queue, ""
		if d.toUser {
			typ, user = lang.user, d.user.name
		}
		tables[2].row([]inoCell{txt(iid), {at: start, kind: 'd'}, {secs: ds[0].wait, kind: 's'}, {secs: end.Sub(ds[0].end).Seconds(), kind: 's'},
			{secs: end.Sub(start).Seconds(), kind: 's'}, txt(entry), txt(last.status), {at: end, kind: 'd'},
			txt([]string{"Smart", "Direct"}[n%2]), txt(direction), txt(media), txt("Main routing"), txt(party), txt(last.detail),
			{at: d.start, kind: 'd'}, txt(typ), txt(d.queue.name), txt(user)})
	}

	// A follow-up text from the agent for a third of the handled ones.
	if abandoned || n%3 != 0 {
		return 0
	}
	*sms++
	a := agents[len(agents)-1]
	body := fmt.Sprintf("Thank you for your message about your %s 😊 Reply STOP to opt out.", pick(rnd, topics))
	if lang.french {
		body = fmt.Sprintf("Merci pour votre échange (%s) 😊; à bientôt", pick(rnd, topics))
	}
	tables[3].row(inoSMS(lang, w, *sms, end.Add(2*time.Minute), iid, lang.userOrigin, a.name, c.phone, body, "notification", "interaction"))
	return 1
}

func inoSMS(lang inoLang, w *world, n int, at time.Time, iid, origin, user, to, body, category, typ string) []inoCell {
	credits := "1"
	if len(body) > 70 {
		credits = "2"
		if lang.french {
			credits = "1,5"
		}
	}
	template := lang.followUp
	if iid == "" {
		template = ""
	}
	return []inoCell{txt(fmt.Sprintf("SMS-%d-%06d", w.index+1, n)), {at: at, kind: 'd'}, txt(template), txt(w.channels[4].phone),
		txt(origin), txt(typ), txt(category), txt(to), txt(credits), txt(body), txt("sent"), txt(iid), txt(user)}
}

// inoCSV writes one export as CSV.
type inoCSV struct {
	o    *out
	cw   *csv.Writer
	lang inoLang
	loc  *time.Location
}

func (g *tgen) newInoCSV(name string, header []string, lang inoLang) *inoCSV {
	o := g.create("ino", name)
	t := &inoCSV{o: o, cw: csv.NewWriter(writerFunc(o.write)), lang: lang, loc: g.w.loc}
	if lang.french {
		// Excel in French writes semicolons and a byte order mark.
		t.cw.Comma = ';'
		o.writeString("\uFEFF")
	}
	g.fail(t.cw.Write(header))
	return t
}

func (t *inoCSV) row(cells []inoCell) {
	rec := make([]string, len(cells))
	for i, c := range cells {
		switch c.kind {
		case 'd':
			if !c.at.IsZero() {
				layout := "2006-01-02 15:04:05"
				if t.lang.french {
					layout = "02/01/2006 15:04:05"
				}
				rec[i] = c.at.In(t.loc).Format(layout)
			}
		case 's':
			rec[i] = clock(c.secs)
		default:
			rec[i] = c.text
		}
	}
	t.o.g.fail(t.cw.Write(rec))
	t.o.meta.Records++
}

func (t *inoCSV) close() {
	t.cw.Flush()
	t.o.g.fail(t.cw.Error())
	t.o.close()
}

func (t *inoCSV) meta() *File { return &t.o.meta }

// clock writes seconds as HH:MM:SS, the Reporter's duration format.
func clock(s float64) string {
	n := int64(s + 0.5)
	return fmt.Sprintf("%02d:%02d:%02d", n/3600, n/60%60, n%60)
}
