package loaders

import (
	"context"
	"fmt"
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
	// Loc is the tenant's time zone, for sources that write local times;
	// nil when the tenant has none (see LocalZone).
	Loc *time.Location
	// Now is when the load started.
	Now time.Time

	loadID   string
	read     int64
	rejected int64
	// people are the mentions of agents and customers this load met.
	people *people
	// collect, when set, receives the rows Put is given (Collect).
	collect *[]*store.Row
	// muted drops rejects (Muted).
	muted bool
	// claims caches the winning statement of each claim (Claim).
	claims map[string]obs
	// usedLocal is set once the load read a local time (LocalZone).
	usedLocal bool
	// Progress is told how many records were read (may be nil).
	Progress func(records int64)
}

func newBatch(ctx context.Context, lt *store.LoadTx, m *edm.Model, tenant, source, file, loadID string, loc *time.Location, now time.Time) *Batch {
	return &Batch{ctx: ctx, lt: lt, model: m, Tenant: tenant, Source: source, File: file,
		Loc: loc, Now: now, loadID: loadID, people: newPeople(), claims: map[string]obs{}}
}

// NewTestBatch gives source tests a Batch over lt without the pipeline.
func NewTestBatch(ctx context.Context, lt *store.LoadTx, m *edm.Model, tenant, source, file string, loc *time.Location) *Batch {
	return newBatch(ctx, lt, m, tenant, source, file, tenant+":loader:test", loc, time.Now())
}

// Finish completes what a load derives from all it read: the rows of the
// people it mentioned, and the moves of fact rows between people (see
// finishPeople). The pipeline calls it after the source's Load; tests that
// drive a Batch themselves call it before the transaction ends.
func (b *Batch) Finish() error { return b.finishPeople() }

// Context is the load's context.
func (b *Batch) Context() context.Context { return b.ctx }

// ID is the key of a row of this tenant and source.
func (b *Batch) ID(native string) string { return b.Tenant + ":" + b.Source + ":" + native }

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
	if b.collect != nil {
		if r.Prepared() {
			// Collected rows are read as Go values (copies.go).
			return fmt.Errorf("loaders: a prepared %s row cannot be collected", r.Table.Name)
		}
		*b.collect = append(*b.collect, r)
		return nil
	}
	return b.lt.Put(b.ctx, r)
}

// Preparer returns what prepares the batch's rows for writing on another
// goroutine (store.RowPreparer), to be given to Put on this one.
func (b *Batch) Preparer() (*store.RowPreparer, error) { return b.lt.Preparer(b.ctx, b.Tenant) }

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
	if b.muted {
		return nil
	}
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
