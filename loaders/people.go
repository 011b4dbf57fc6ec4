package loaders

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/store"
)

// PersonRef is what a fact row stores for a person: see store.PersonRef.
type PersonRef = store.PersonRef

// Agent is what one source says about a person who handles conversations.
type Agent struct {
	// SourceID is the source's own id for the agent, if it has one: it is
	// then the mention's key, and lands in the Agents column of the
	// source's agent ids.
	SourceID     string
	Email        string
	Name         string
	FirstName    string
	LastName     string
	Roles        string
	ControlGroup string
	CustomID     string
	// DeletedAt is when the source reported the agent deleted.
	DeletedAt time.Time
	// Bot is set when the source reports the participant as a bot.
	Bot bool
	// Fresh is when the source said this (Unix milliseconds; 0 when the
	// source gives no time): between two statements of one mention, the
	// fresher wins a field.
	Fresh int64
}

// Customer is what one source says about a customer.
type Customer struct {
	// SourceID is the source's own id for the customer (two-way ccid,
	// LivePerson participant id, Buzzeasy customer id, a messaging id):
	// the mention's key when given.
	SourceID string
	// VendorID is an id the source shares with others for the customer (a
	// CxEngage contact id, a LivePerson authenticated customer id): a
	// strong identifier.
	VendorID     string
	Email        string
	Phone        string
	FirstName    string
	LastName     string
	ProductGroup string
	Fresh        int64
}

// mentionState is a mention a load has met, as it stands.
type mentionState struct {
	kind, key, source string
	fields            fields
	idents            []string
	name              string // the folded name identifier ("" for none)
	person            string
	stored            bool // in the store (else new in this load)
	dirty             bool // fields changed since stored
	// gen is the cache generation the mention was last used in (see
	// mentionState).
	gen uint32
}

// people is a load's view of the mentions it met, and what must be
// derived again before it commits.
type people struct {
	// cache holds mentions by kind and key; bounded (peopleCached).
	cache map[string]*mentionState
	// dirty holds, per kind, the people whose row must be derived again.
	dirty map[string]map[string]bool
	// gen counts the times the cache was full.
	gen uint32
}

func newPeople() *people {
	return &people{cache: map[string]*mentionState{}, dirty: map[string]map[string]bool{kindAgent: {}, kindCustomer: {}}}
}

// peopleCached bounds the mentions a load keeps in memory (a report names
// tens of thousands of customers): past it, what they changed is written
// and half of the cache is let go (evictPeople). At 16K, a million-row
// two-way report naming 50,000 customers at random read most of them back
// from the store again and again (84K rows/s); at 32K it loads at 100K
// rows/s or more under the load's heap limit, its heap peaking at 68 MB.
// A variable so that tests can make it small.
var peopleCached = 1 << 15

// mentionsWritten is how many changed mentions flushPeople encodes at once
// (a variable so that tests can make it small).
var mentionsWritten = 1024

// dirtyPeople bounds the people a load derives at once.
var dirtyPeople = 1 << 15

// vendorIDColumns is where a source's own id for a person lands.
var vendorIDColumns = map[string]map[string]string{
	kindAgent: {KindBuzzeasy: "buzzeasyAgentId", KindCxEngage: "cxengageAgentId", KindLivePerson: "livepersonAgentId"},
	kindCustomer: {KindTwoWay: "ccid", KindLivePerson: "livepersonConsumerId", KindBuzzeasy: "buzzeasyCustomerId",
		KindIno: "messagingId"},
}

// Agent records what the source says about an agent (a mention) and
// returns the reference a fact row stores for them: the person the mention
// belongs to under the identity rule (identity.go), and the mention. The
// mention's key is the source's id for the agent, else the email address,
// else the name. A mention without any of them is no agent (zero ref).
func (b *Batch) Agent(a Agent) (PersonRef, error) {
	email := strings.ToLower(strings.TrimSpace(a.Email))
	name := strings.Join(strings.Fields(a.Name), " ")
	if name == "" {
		name = strings.Join(strings.Fields(a.FirstName+" "+a.LastName), " ")
	}
	var natural string
	switch {
	case strings.TrimSpace(a.SourceID) != "":
		natural = "id:" + strings.TrimSpace(a.SourceID)
	case email != "":
		natural = "email:" + email
	case name != "":
		natural = "name:" + foldName(name)
	default:
		return PersonRef{}, nil
	}
	var f fields
	put := func(col, v string) {
		if v = strings.TrimSpace(v); v != "" {
			f.put(col, obs{V: v, F: a.Fresh})
		}
	}
	put("name", name)
	put("firstName", a.FirstName)
	put("lastName", a.LastName)
	put("emailAddress", email)
	put("roles", a.Roles)
	put("controlGroup", a.ControlGroup)
	put("customId", a.CustomID)
	if !a.DeletedAt.IsZero() {
		put("deletedAtUTC", strconv.FormatInt(a.DeletedAt.UnixMilli(), 10))
	}
	if a.Bot {
		put("isBot", "true")
	}
	if col := vendorIDColumns[kindAgent][b.Source]; col != "" {
		put(col, a.SourceID)
	}
	var idents []string
	if email != "" {
		idents = append(idents, "e:"+email)
	}
	return b.mention(kindAgent, natural, f, idents)
}

// Customer records what the source says about a customer, as Agent does
// for agents. The mention's key is the source's id for the customer, else
// the email address, else the phone number.
func (b *Batch) Customer(c Customer) (PersonRef, error) {
	email := strings.ToLower(strings.TrimSpace(c.Email))
	phone := NormalizePhone(c.Phone)
	natural := customerNatural(c, email, phone)
	if natural == "" {
		return PersonRef{}, nil
	}
	var f fields
	put := func(col, v string) {
		if v = strings.TrimSpace(v); v != "" {
			f.put(col, obs{V: v, F: c.Fresh})
		}
	}
	put("firstName", c.FirstName)
	put("lastName", c.LastName)
	put("emailAddress", email)
	put("phoneNumber", phone)
	put("productGroup", c.ProductGroup)
	if col := vendorIDColumns[kindCustomer][b.Source]; col != "" {
		put(col, c.SourceID)
	}
	var idents []string
	if email != "" {
		idents = append(idents, "e:"+email)
	}
	if phone != "" {
		idents = append(idents, "p:"+phone)
	}
	if v := strings.TrimSpace(c.VendorID); v != "" {
		idents = append(idents, "v:"+b.Source+":"+v)
	}
	return b.mention(kindCustomer, natural, f, idents)
}

// customerNatural is a customer mention's natural key (see Customer), ""
// for none; email and phone are c's, normalized.
func customerNatural(c Customer, email, phone string) string {
	switch {
	case strings.TrimSpace(c.SourceID) != "":
		return "id:" + strings.TrimSpace(c.SourceID)
	case email != "":
		return "email:" + email
	case phone != "":
		return "phone:" + phone
	case strings.TrimSpace(c.VendorID) != "":
		return "vendor:" + strings.TrimSpace(c.VendorID)
	}
	return ""
}

// PrefetchCustomers reads into the load's cache, in a few statements, the
// stored mentions of the customers a batch of records names, before
// Customer joins what each record says. A two-way report names a new
// conversation's customer once per conversation, and most of them are not
// in the cache: one statement per customer cost a tenth of the load.
func (b *Batch) PrefetchCustomers(cs []Customer) error {
	var keys []string
	seen := map[string]bool{}
	for _, c := range cs {
		natural := customerNatural(c, strings.ToLower(strings.TrimSpace(c.Email)), NormalizePhone(c.Phone))
		if natural == "" {
			continue
		}
		key := b.Source + ":" + natural
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := b.people.cache[kindCustomer+"\x00"+key]; !ok {
			keys = append(keys, key)
		}
	}
	// What does not fit in half the cache is read one by one, as before.
	keys = keys[:min(len(keys), peopleCached/2)]
	if len(keys) == 0 {
		return nil
	}
	if err := b.makeRoom(len(keys)); err != nil {
		return err
	}
	ms, err := b.lt.MentionsByKey(b.ctx, b.Tenant, kindCustomer, keys)
	if err != nil {
		return err
	}
	for _, key := range keys {
		m := ms[key]
		m.Kind, m.Key = kindCustomer, key
		if _, err := b.adopt(m); err != nil {
			return err
		}
	}
	return nil
}

// mention joins a statement into its mention and returns the reference.
// Strong identifiers only accumulate; an agent's name (the identifier
// name-only mentions are matched by) is the mention's joined name field,
// so it may change when a fresher statement names the agent otherwise.
func (b *Batch) mention(kind, natural string, f fields, idents []string) (PersonRef, error) {
	key := b.Source + ":" + natural
	st, err := b.mentionState(kind, key)
	if err != nil {
		return PersonRef{}, err
	}
	changed, valued := st.fields.join(f)
	var added []string
	for _, id := range idents {
		if !slices.Contains(st.idents, id) {
			added = append(added, id)
		}
	}
	oldName := st.name
	if kind == kindAgent {
		name, _ := st.fields.get("name")
		if n := foldName(name.V); n != st.name {
			st.name = n
			if n != "" {
				added = append(added, "n:"+n)
			}
		}
	}
	switch {
	case !st.stored || len(added) > 0 || oldName != st.name:
		st.idents = append(st.idents, added...)
		isNew := !st.stored
		if isNew {
			// A mention with no identifier stands alone: no need to ask.
			st.person = personKey(b.Tenant, kind, "w:"+key)
		}
		if isNew && len(st.idents) == 0 && oldName == "" {
			// Nothing reads a mention without identifiers from the store
			// before flushPeople writes it (it is cached until then, and
			// no identifier leads another mention to it): it is written
			// with others, many to a statement.
			st.stored, st.dirty = true, true
		} else if err := b.storeMention(st); err != nil {
			return PersonRef{}, err
		}
		if oldName != st.name && oldName != "" {
			st.idents = slices.DeleteFunc(st.idents, func(id string) bool { return id == "n:"+oldName })
			if err := b.lt.RemoveIdent(b.ctx, b.Tenant, kind, key, "n:"+oldName); err != nil {
				return PersonRef{}, err
			}
		}
		if err := b.lt.AddIdents(b.ctx, b.Tenant, kind, key, added); err != nil {
			return PersonRef{}, err
		}
		b.people.dirty[kind][st.person] = true
		if len(st.idents) > 0 || oldName != "" {
			if err := b.reidentify(kind, key, isNew, oldName); err != nil {
				return PersonRef{}, err
			}
		}
	case changed:
		st.dirty = true
		// A mention without identifiers is its person's only mention, so
		// its row is its values: a statement that only says a value again,
		// later, changes the mention (the freshness decides between its
		// statements) but not the row. A two-way report names each regular
		// customer again and again; deriving them again each time was a
		// third of its people's rows.
		if valued || len(st.idents) > 0 {
			b.people.dirty[kind][st.person] = true
		}
	}
	if len(b.people.dirty[kind]) >= dirtyPeople {
		if err := b.flushPeople(); err != nil {
			return PersonRef{}, err
		}
	}
	return PersonRef{ID: st.person, Mention: mentionRef(kind, key)}, nil
}

// mentionState returns the mention from the cache, the store or new.
func (b *Batch) mentionState(kind, key string) (*mentionState, error) {
	ck := kind + "\x00" + key
	if st, ok := b.people.cache[ck]; ok {
		st.gen = b.people.gen
		return st, nil
	}
	if err := b.makeRoom(1); err != nil {
		return nil, err
	}
	m, err := b.lt.Mention(b.ctx, b.Tenant, kind, key)
	if err != nil {
		return nil, err
	}
	return b.adopt(m)
}

// makeRoom makes room for n more mentions in the cache: when they would not
// fit, what the cached mentions changed is written and half of the cache is
// let go.
func (b *Batch) makeRoom(n int) error {
	if len(b.people.cache)+n <= peopleCached {
		return nil
	}
	if err := b.flushPeople(); err != nil {
		return err
	}
	b.evictPeople()
	return nil
}

// adopt caches a mention read from the store (m.Kind and m.Key set; not
// Present when the store lacks it: new in this load).
func (b *Batch) adopt(m store.Mention) (*mentionState, error) {
	st := &mentionState{kind: m.Kind, key: m.Key, source: b.Source, gen: b.people.gen}
	if m.Present {
		var err error
		if st.fields, err = decodeFields(m.Fields); err != nil {
			return nil, fmt.Errorf("loaders: mention %s: %w", m.Key, err)
		}
		st.idents = m.Idents
		for _, id := range m.Idents {
			if n, ok := strings.CutPrefix(id, "n:"); ok {
				st.name = n
			}
		}
		st.person, st.stored = m.Person, true
	}
	b.people.cache[m.Kind+"\x00"+m.Key] = st
	return st, nil
}

// evictPeople makes room in a full cache, whose mentions flushPeople has
// just stored: it drops those not used since the cache was last full, then,
// if that is not half of them, others. A report names its regular
// customers again and again; clearing the whole cache made every one of
// them a read of the store after each fill (a third of the reads of a
// million-row two-way report).
func (b *Batch) evictPeople() {
	for k, st := range b.people.cache {
		if st.gen != b.people.gen {
			delete(b.people.cache, k)
		}
	}
	for k := range b.people.cache {
		if len(b.people.cache) <= peopleCached/2 {
			break
		}
		delete(b.people.cache, k)
	}
	b.people.gen++
}

// storeMention writes a mention's fields and person.
func (b *Batch) storeMention(st *mentionState) error {
	err := b.lt.PutMention(b.ctx, b.Tenant, st.record())
	st.stored, st.dirty = err == nil, false
	return err
}

// record is the mention as the store keeps it.
func (st *mentionState) record() store.Mention {
	return store.Mention{Kind: st.kind, Key: st.key, Source: st.source, Person: st.person, Fields: st.fields.encode()}
}

// flushPeople writes the mentions whose fields changed and derives the rows
// of the people they belong to.
func (b *Batch) flushPeople() error {
	var sts []*mentionState
	for _, st := range b.people.cache {
		if st.dirty {
			sts = append(sts, st)
		}
	}
	// In key order: the writes walk the table's b-tree once. Encoded a
	// part at a time, so a full cache's changes are not all held twice.
	sort.Slice(sts, func(i, j int) bool {
		if sts[i].kind != sts[j].kind {
			return sts[i].kind < sts[j].kind
		}
		return sts[i].key < sts[j].key
	})
	ms := make([]store.Mention, 0, min(len(sts), mentionsWritten))
	for start := 0; start < len(sts); start += mentionsWritten {
		part := sts[start:min(start+mentionsWritten, len(sts))]
		ms = ms[:0]
		for _, st := range part {
			ms = append(ms, st.record())
		}
		if err := b.lt.PutMentions(b.ctx, b.Tenant, ms); err != nil {
			return err
		}
		for _, st := range part {
			st.stored, st.dirty = true, false
		}
	}
	for _, kind := range []string{kindAgent, kindCustomer} {
		if err := b.derivePeople(kind, b.people.dirty[kind]); err != nil {
			return err
		}
		clear(b.people.dirty[kind])
	}
	return nil
}

// finishPeople ends a load's work on people: every row derived, and the
// fact rows of mentions that changed person moved, up to the load's budget
// (store.DrainMoves; the rest is drained after the commit).
func (b *Batch) finishPeople() error {
	if err := b.flushPeople(); err != nil {
		return err
	}
	_, _, err := b.lt.DrainMoves(b.ctx, MoveBudget)
	return err
}

// MoveBudget is how many fact rows a load moves between people itself
// before it commits; what is left is moved after the commit, in batches, and
// reads follow the pending moves meanwhile. A merge of two people who each
// handled a million conversations must not make one load rewrite two
// million rows.
var MoveBudget = 100_000

// reidentify works out again the people of the mentions the identity of
// mention key depends on (see identity.go), records the mentions that
// changed person, and the moves of their fact rows. isNew says the mention
// was just created: no fact row names it yet, so it needs no move. oldName
// is a name the mention no longer has.
func (b *Batch) reidentify(kind, key string, isNew bool, oldName string) error {
	r, err := b.region(kind, key, oldName)
	if err != nil {
		return err
	}
	inner := identify(r.ms, r.shared, r.crowded)
	for _, m := range r.ms {
		person := personKey(b.Tenant, kind, inner[m.key])
		old := r.person[m.key]
		if person == old {
			continue
		}
		if err := b.lt.SetMentionPerson(b.ctx, b.Tenant, kind, m.key, person); err != nil {
			return err
		}
		if st, ok := b.people.cache[kind+"\x00"+m.key]; ok {
			st.person = person
		}
		if !(isNew && m.key == key) {
			if err := b.lt.RecordMove(b.ctx, b.Tenant, kind, mentionRef(kind, m.key), old, person); err != nil {
				return err
			}
		}
		b.people.dirty[kind][old] = true
		b.people.dirty[kind][person] = true
	}
	return nil
}

// region is the mentions whose people are worked out again.
type region struct {
	ms      []idMention
	person  map[string]string // person each mention belongs to now
	shared  map[string]bool
	crowded map[string]bool
}

// region gathers what identify needs to work out the people of the
// mentions that depend on mention seed: the mentions linked to it through
// strong identifiers (the core), every mention of a name the core carries,
// and the mentions linked to those (the context). A core mention's name is
// followed; a context mention's other names are not, because nothing about
// them changed. An identifier or name that has just become shared or
// crowded (its count is one past the limit) brings every mention carrying
// it into the core, since they may part.
func (b *Batch) region(kind, seed, oldName string) (*region, error) {
	r := &region{person: map[string]string{}, shared: map[string]bool{}, crowded: map[string]bool{}}
	seen := map[string]bool{}     // mentions loaded
	core := map[string]bool{}     // mentions whose names are followed
	explored := map[string]bool{} // identifiers and names already followed
	coreQ, ctxQ := []string{seed}, []string(nil)
	var names []string
	if oldName != "" {
		// The seed's former name: its other mentions may part from the
		// seed's person, or join another.
		explored["n:"+oldName] = true
		names = append(names, "n:"+oldName)
	}
	for len(coreQ)+len(ctxQ)+len(names) > 0 {
		var batch []string
		inCore := len(coreQ) > 0
		switch {
		case inCore:
			batch, coreQ = coreQ, nil
		case len(names) > 0:
			name := names[0]
			names = names[1:]
			found, err := b.lt.MentionsWith(b.ctx, b.Tenant, kind, []string{name}, maxNameMentions+1)
			if err != nil {
				return nil, err
			}
			switch n := len(found[name]); {
			case n > maxNameMentions+1:
				r.crowded[strings.TrimPrefix(name, "n:")] = true
			case n == maxNameMentions+1:
				r.crowded[strings.TrimPrefix(name, "n:")] = true
				coreQ = append(coreQ, found[name]...)
			default:
				ctxQ = append(ctxQ, found[name]...)
			}
			continue
		default:
			batch, ctxQ = ctxQ, nil
		}
		var fresh []string
		for _, k := range batch {
			if inCore && !core[k] {
				core[k] = true
				if seen[k] {
					// Met as context first: its names are followed now.
					for _, m := range r.ms {
						if m.key == k && m.name != "" && !explored["n:"+m.name] {
							explored["n:"+m.name] = true
							names = append(names, "n:"+m.name)
						}
					}
				}
			}
			if !seen[k] {
				seen[k] = true
				fresh = append(fresh, k)
			}
		}
		if len(fresh) == 0 {
			continue
		}
		sort.Strings(fresh)
		rows, err := b.lt.Mentions(b.ctx, b.Tenant, kind, fresh)
		if err != nil {
			return nil, err
		}
		ids, err := b.lt.IdentsOf(b.ctx, b.Tenant, kind, fresh)
		if err != nil {
			return nil, err
		}
		var strong []string
		for _, row := range rows {
			m := idMention{key: row.Key, source: row.Source}
			r.person[row.Key] = row.Person
			for _, id := range ids[row.Key] {
				switch {
				case strings.HasPrefix(id, "n:"):
					m.name = id[2:]
					if core[row.Key] && !explored[id] {
						explored[id] = true
						names = append(names, id)
					}
				default:
					m.strong = append(m.strong, id)
					if !explored[id] {
						explored[id] = true
						strong = append(strong, id)
					}
				}
			}
			r.ms = append(r.ms, m)
		}
		if len(strong) == 0 {
			continue
		}
		found, err := b.lt.MentionsWith(b.ctx, b.Tenant, kind, strong, maxIdentMentions+1)
		if err != nil {
			return nil, err
		}
		for _, id := range strong {
			switch n := len(found[id]); {
			case n > maxIdentMentions+1:
				r.shared[id] = true
			case n == maxIdentMentions+1:
				r.shared[id] = true
				coreQ = append(coreQ, found[id]...)
			case inCore:
				coreQ = append(coreQ, found[id]...)
			default:
				ctxQ = append(ctxQ, found[id]...)
			}
		}
	}
	return r, nil
}

// derivePeople writes the rows of the given people of one kind from all
// their mentions, and deletes the rows of people no mention names any more.
func (b *Batch) derivePeople(kind string, persons map[string]bool) error {
	if len(persons) == 0 {
		return nil
	}
	// A mention without any identifier is its person's only mention
	// (nothing can link another to it): its row is derived from what the
	// load holds, without asking the store. Most customers of a two-way
	// report are such (a ccid and names).
	byPerson := map[string][]said{}
	for _, st := range b.people.cache {
		if st.kind == kind && len(st.idents) == 0 && persons[st.person] {
			byPerson[st.person] = []said{{key: st.key, source: st.source, fields: st.fields}}
		}
	}
	list := make([]string, 0, len(persons))
	var ask []string
	for p := range persons {
		list = append(list, p)
		if byPerson[p] == nil {
			ask = append(ask, p)
		}
	}
	sort.Strings(list)
	sort.Strings(ask)
	ms, err := b.lt.MentionsOf(b.ctx, b.Tenant, kind, ask)
	if err != nil {
		return err
	}
	for _, m := range ms {
		f, err := decodeFields(m.Fields)
		if err != nil {
			return fmt.Errorf("loaders: mention %s: %w", m.Key, err)
		}
		byPerson[m.Person] = append(byPerson[m.Person], said{key: m.Key, source: m.Source, fields: f})
	}
	set := personSet[kind]
	for _, p := range list {
		if len(byPerson[p]) == 0 {
			if err := b.lt.DeleteRow(b.ctx, set, b.Tenant, p); err != nil {
				return err
			}
			continue
		}
		r, err := b.derivePerson(kind, p, byPerson[p])
		if err != nil {
			return err
		}
		// Straight to the store: people are derived, never collected
		// with the rows of a record's copies (Collect).
		if err := b.lt.Put(b.ctx, r); err != nil {
			return err
		}
	}
	return nil
}

var personSet = map[string]string{kindAgent: "Agents", kindCustomer: "Customers"}

// said is what one mention says, for deriving its person's row.
type said struct {
	key, source string
	fields      fields
}
