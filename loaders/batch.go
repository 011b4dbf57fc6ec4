package loaders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

// Batch is what a Source writes one file into: rows, rejects and staged
// records, all in the file's single transaction.
type Batch struct {
	ctx    context.Context
	lt     *store.LoadTx
	model  *edm.Model
	Tenant string
	Source string
	File   string
	// Loc is the tenant's time zone, for sources that write local times.
	Loc *time.Location
	// Now is when the load started.
	Now time.Time

	loadID   string
	read     int64
	rejected int64
	// people caches the rows of agents and customers this batch resolved.
	people map[string]person
	// Progress is told how many records were read (may be nil).
	Progress func(records int64)
}

func newBatch(ctx context.Context, lt *store.LoadTx, m *edm.Model, tenant, source, file, loadID string, loc *time.Location, now time.Time) *Batch {
	return &Batch{ctx: ctx, lt: lt, model: m, Tenant: tenant, Source: source, File: file,
		Loc: loc, Now: now, loadID: loadID, people: map[string]person{}}
}

// NewTestBatch gives source tests a Batch over lt without the pipeline.
func NewTestBatch(ctx context.Context, lt *store.LoadTx, m *edm.Model, tenant, source, file string, loc *time.Location) *Batch {
	return newBatch(ctx, lt, m, tenant, source, file, tenant+":loader:test", loc, time.Now())
}

// Context is the load's context.
func (b *Batch) Context() context.Context { return b.ctx }

// ID is the key of a row of this tenant and source.
func (b *Batch) ID(native string) string { return b.Tenant + ":" + b.Source + ":" + native }

// owns reports whether id is a row of this tenant and source (see ID): the
// rows this source may write.
func (b *Batch) owns(id string) bool { return strings.HasPrefix(id, b.ID("")) }

// Row starts a row of set with its identity columns.
func (b *Batch) Row(set, native string) *store.Row {
	s := b.model.Set(set)
	if s == nil {
		panic("loaders: unknown set " + set)
	}
	r := store.NewRow(s.Type.Table)
	r.Set("id", b.ID(native)).Set("tenantId", b.Tenant).Set("source", b.Source).Set("sourceId", native)
	return r
}

// Put writes a row (insert, update or leave unchanged). Rows are written in
// groups (store.Writer.Put); lookups through the Batch see them all.
func (b *Batch) Put(r *store.Row) error {
	return b.lt.Put(b.ctx, r)
}

// Read counts one record read from the file.
func (b *Batch) Read() {
	b.read++
	if b.Progress != nil && b.read%1024 == 0 {
		b.Progress(b.read)
	}
}

// AddRead counts n records read (for sources that read in batches).
func (b *Batch) AddRead(n int64) { b.read += n }

// Records is the number of records read so far.
func (b *Batch) Records() int64 { return b.read }

// Reject records a refused record: file, line, field, reason and a short
// excerpt of the raw value. Loading goes on.
func (b *Batch) Reject(line int64, field, reason, raw string) error {
	b.rejected++
	native := fmt.Sprintf("%s-r%d", b.loadID[strings.LastIndexByte(b.loadID, ':')+1:], b.rejected)
	s := b.model.Set("LoadRejects")
	r := store.NewRow(s.Type.Table)
	r.Set("id", b.Tenant+":loader:"+native).Set("tenantId", b.Tenant).Set("source", b.Source).Set("sourceId", native).
		Set("loadId", b.loadID).Set("fileName", b.File).Set("line", line).Set("field", field).
		Set("reason", reason).Set("excerpt", Excerpt(raw, 80))
	_, err := b.lt.Upsert(b.ctx, r)
	return err
}

// Rejected is the number of records refused so far.
func (b *Batch) Rejected() int64 { return b.rejected }

// Excerpt shortens s to n characters for reject messages.
func Excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// Stage keeps a raw record of this source (see store.LoadTx.Stage).
func (b *Batch) Stage(group, record string, seq int64, payload []byte, replace bool) (bool, error) {
	return b.lt.Stage(b.ctx, b.Tenant, b.Source, record, group, seq, payload, replace)
}

// StageMany keeps packed records, the first copy of each winning (see
// store.LoadTx.StageMany).
func (b *Batch) StageMany(recs []store.StagedRecord) (int, error) {
	return b.lt.StageMany(b.ctx, b.Tenant, b.Source, recs)
}

// StagedGroups reports which of the groups already have staged records.
func (b *Batch) StagedGroups(groups []string) (map[string]bool, error) {
	return b.lt.StagedGroups(b.ctx, b.Tenant, b.Source, groups)
}

// Staged reads back every staged record of the groups.
func (b *Batch) Staged(groups []string, fn func(group string, payload []byte) error) error {
	return b.lt.Staged(b.ctx, b.Tenant, b.Source, groups, fn)
}

// Agent describes a person who handles conversations, as a source knows it.
type Agent struct {
	// SourceID is the source's own id for the agent, if it has one.
	SourceID     string
	Email        string
	Name         string
	FirstName    string
	LastName     string
	Roles        string
	ControlGroup string
	CustomID     string
}

// Agent returns the key of the Agents row for a, merging across sources: a
// source id seen before maps to the same row; otherwise the same email
// address (case-insensitive) is the same person; a source that gives only a
// display name matches by name within the tenant when exactly one agent has
// it, and a mention with an address matches the one row of that name that
// has no address. When no row matches, a new one is written for this source.
func (b *Batch) Agent(a Agent) (string, error) {
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		a.Name = strings.TrimSpace(a.FirstName + " " + a.LastName)
	}
	key := a.SourceID
	switch {
	case key != "":
	case a.Email != "":
		key = "email:" + a.Email
	case a.Name != "":
		key = "name:" + strings.ToLower(a.Name)
	default:
		return "", nil
	}
	sig := signature(a.Name, a.FirstName, a.LastName, a.Email, a.Roles, a.ControlGroup, a.CustomID)
	if p, ok := b.people["agent\x00"+key]; ok {
		// A later mention in the same file may know more (a name where the
		// first gave only an id): merge it into the row this source owns.
		if p.own && p.sig != sig {
			if err := b.putAgent(p.id, a); err != nil {
				return "", err
			}
			p.sig = sig
			b.people["agent\x00"+key] = p
		}
		return p.id, nil
	}
	table := b.model.Set("Agents").Type.Table
	id, found, err := b.lt.Alias(b.ctx, b.Tenant, "agent", b.Source, key)
	if err != nil {
		return "", err
	}
	if !found && a.Email != "" {
		ids, err := b.lt.FindBy(b.ctx, table, "emailAddress", b.Tenant, a.Email)
		if err != nil {
			return "", err
		}
		if len(ids) > 0 {
			id, found = ids[0], true
		}
	}
	if !found && a.Email == "" && a.Name != "" {
		ids, err := b.lt.FindBy(b.ctx, table, "name", b.Tenant, a.Name)
		if err != nil {
			return "", err
		}
		if len(ids) == 1 {
			id, found = ids[0], true
		}
	}
	if !found && a.Email != "" && a.Name != "" {
		// A source that knew only the name may have met the person first
		// (CxEngage, ino): its row has no address. The one row with this
		// name and no address is the same person, as it would have been
		// in the other order.
		ids, err := b.lt.FindBy(b.ctx, table, "name", b.Tenant, a.Name, "emailAddress")
		if err != nil {
			return "", err
		}
		if len(ids) == 1 {
			id, found = ids[0], true
			// The row now has an address: another person of the same
			// name with another address will not match it.
			if err := b.lt.FillNull(b.ctx, table, b.Tenant, id, "emailAddress", a.Email); err != nil {
				return "", err
			}
		}
	}
	// A row found that this source wrote (in an earlier file, or before the
	// cache forgot the person) is still this source's to update.
	own := found && b.owns(id)
	if !found {
		id, own = b.ID("agent:"+shortHash(key)), true
		// This source's row may have been absorbed by another source's
		// (AdoptAgent): go on using that one.
		into, merged, err := b.lt.MergedInto(b.ctx, b.Tenant, id)
		if err != nil {
			return "", err
		}
		if merged {
			id, own = into, false
		}
	}
	if own {
		if err := b.putAgent(id, a); err != nil {
			return "", err
		}
	}
	// An alias is written only when it says something: the row of this
	// source and key has a deterministic id, so "no alias" means that row.
	if id != b.ID("agent:"+shortHash(key)) {
		if err := b.lt.SetAlias(b.ctx, b.Tenant, "agent", b.Source, key, id); err != nil {
			return "", err
		}
	}
	b.remember("agent\x00"+key, person{id: id, own: own, sig: sig})
	return id, nil
}

// peopleCached bounds the people a Batch remembers (about 10 MB). A report
// names tens of thousands of customers, and remembering them saves a lookup
// and a write per mention; remembering every one would grow a load with its
// file. Forgetting costs only that: the next mention resolves the person
// again, to the same row, which this source may still update.
var peopleCached = 1 << 16

// remember caches a resolved person, forgetting them all when the cache is
// full (simpler than an LRU, and a report's mentions of one person are
// close together).
func (b *Batch) remember(key string, p person) {
	if len(b.people) >= peopleCached {
		clear(b.people)
	}
	b.people[key] = p
}

// person is a resolved agent or customer: its row, whether this source owns
// that row (and may write it), and what was last written to it.
type person struct {
	id  string
	own bool
	sig uint64
}

// sigSeed seeds signature; signatures live in memory only.
var sigSeed = maphash.MakeSeed()

// signature identifies what a mention says of a person: a later mention with
// another signature is written again. (A hash, not the text: the cache holds
// tens of thousands of people.)
func signature(fields ...string) uint64 {
	var h maphash.Hash
	h.SetSeed(sigSeed)
	for _, f := range fields {
		h.WriteString(f)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// putAgent writes what a knows into the agent row id, keeping stored values
// a leaves empty.
func (b *Batch) putAgent(id string, a Agent) error {
	native := strings.TrimPrefix(id, b.ID(""))
	r := b.Row("Agents", native).Set("name", nz(a.Name)).Set("firstName", nz(a.FirstName)).
		Set("lastName", nz(a.LastName)).Set("emailAddress", nz(a.Email)).Set("roles", nz(a.Roles)).
		Set("controlGroup", nz(a.ControlGroup)).Set("customId", nz(a.CustomID))
	r.Merge = true
	return b.Put(r)
}

// Customer describes a customer as a source knows them.
type Customer struct {
	SourceID     string
	Email        string
	Phone        string
	FirstName    string
	LastName     string
	ProductGroup string
}

// Customer returns the key of the Customers row for c, merging across
// sources by source id, then email address, then phone number.
func (b *Batch) Customer(c Customer) (string, error) {
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	c.Phone = NormalizePhone(c.Phone)
	key := c.SourceID
	switch {
	case key != "":
	case c.Email != "":
		key = "email:" + c.Email
	case c.Phone != "":
		key = "phone:" + c.Phone
	default:
		return "", nil
	}
	sig := signature(c.Email, c.Phone, c.FirstName, c.LastName, c.ProductGroup)
	if p, ok := b.people["customer\x00"+key]; ok {
		if p.own && p.sig != sig {
			if err := b.putCustomer(p.id, c); err != nil {
				return "", err
			}
			p.sig = sig
			b.people["customer\x00"+key] = p
		}
		return p.id, nil
	}
	table := b.model.Set("Customers").Type.Table
	id, found, err := b.lt.Alias(b.ctx, b.Tenant, "customer", b.Source, key)
	if err != nil {
		return "", err
	}
	for _, m := range []struct{ col, v string }{{"emailAddress", c.Email}, {"phoneNumber", c.Phone}} {
		if found || m.v == "" {
			continue
		}
		ids, err := b.lt.FindBy(b.ctx, table, m.col, b.Tenant, m.v)
		if err != nil {
			return "", err
		}
		if len(ids) == 1 {
			id, found = ids[0], true
		}
	}
	own := found && b.owns(id) // as for agents
	if !found {
		id, own = b.ID("customer:"+shortHash(key)), true
	}
	if own {
		if err := b.putCustomer(id, c); err != nil {
			return "", err
		}
	}
	if id != b.ID("customer:"+shortHash(key)) {
		if err := b.lt.SetAlias(b.ctx, b.Tenant, "customer", b.Source, key, id); err != nil {
			return "", err
		}
	}
	b.remember("customer\x00"+key, person{id: id, own: own, sig: sig})
	return id, nil
}

// putCustomer writes what c knows into the customer row id, keeping stored
// values c leaves empty.
func (b *Batch) putCustomer(id string, c Customer) error {
	native := strings.TrimPrefix(id, b.ID(""))
	r := b.Row("Customers", native).Set("firstName", nz(c.FirstName)).Set("lastName", nz(c.LastName)).
		Set("emailAddress", nz(c.Email)).Set("phoneNumber", nz(c.Phone)).Set("productGroup", nz(c.ProductGroup))
	r.Merge = true
	return b.Put(r)
}

// NormalizePhone keeps a leading '+' and the digits; "0" and values without
// digits (LivePerson's placeholder) are no phone number.
func NormalizePhone(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || (c == '+' && len(out) == 0) {
			out = append(out, c)
		}
	}
	p := string(out)
	if strings.Trim(p, "+0") == "" {
		return ""
	}
	return p
}

// nz turns "" into nil so empty text is stored as NULL.
func nz(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NZ is nz for source packages.
func NZ(s string) any { return nz(s) }

// shortHash names a person's row without putting their email address or
// phone number into the key (keys travel in URLs).
func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// AdoptAgent makes the Agents row id the one row of its person. It is for
// sources that keep their own agent ids, which their other rows reference
// (Buzzeasy): rather than pointing at another source's row, such a row
// absorbs the rows other sources wrote earlier for the same person (the same
// email address, or else the one row of the same name with no address),
// whose references move to it. Rows of the adopting source itself are never
// absorbed: two of its agents are two people, whatever their names. A later
// mention from another source finds it by address or name, as it would have
// in the other load order.
func (b *Batch) AdoptAgent(id, email, name string) error {
	set := b.model.Set("Agents")
	table := set.Type.Table
	email = strings.ToLower(strings.TrimSpace(email))
	name = strings.TrimSpace(name)
	mine := b.ID("")
	for range 16 { // a person has few rows; bound the loop all the same
		var others []string
		var err error
		if email != "" {
			others, err = b.lt.FindOthers(b.ctx, table, "emailAddress", b.Tenant, email, mine)
		}
		if err == nil && len(others) == 0 && name != "" {
			var byName []string
			byName, err = b.lt.FindOthers(b.ctx, table, "name", b.Tenant, name, mine, "emailAddress")
			if len(byName) == 1 { // two rows of that name: not knowable
				others = byName
			}
		}
		if err != nil {
			return err
		}
		if len(others) == 0 {
			return nil
		}
		for _, o := range others {
			if err := b.lt.MergeInto(b.ctx, set, b.Tenant, o, id); err != nil {
				return err
			}
		}
	}
	return nil
}
