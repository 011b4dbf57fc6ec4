package loaders

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

// JournalPull is the Loads.kind of the pages of an API pull.
const JournalPull = "pull"

// journalTimeout bounds writing the journal row of a load that was
// interrupted: the load's own context is done by then, and the row is
// what tells the operator where the pull stopped.
const journalTimeout = 10 * time.Second

// PulledPage is one page an API returned, to be loaded as a file would be.
type PulledPage struct {
	// Name is the journal's fileName: source, window and page. It must
	// never hold a credential.
	Name string
	Body []byte
	// Start is when fetching the page began (zero means now), so the
	// journal's duration covers the request as well as the load.
	Start time.Time
}

// LoadPage loads a pulled page through src as LoadFile loads a file: its
// rows commit in one transaction with their journal row (kind "pull"), and
// also, when set, runs last inside that same transaction, so the puller's
// position after this page commits with the page or not at all. A page that
// fails is journaled as failed and changes nothing else.
func LoadPage(ctx context.Context, db *store.DB, tenant string, src Source, p PulledPage, also func(lt *store.LoadTx) error) Result {
	start := p.Start
	if start.IsZero() {
		start = time.Now()
	}
	sum := sha256.Sum256(p.Body)
	res := Result{File: p.Name, Kind: src.Kind(), Status: edm.LoadFailed, Checksum: hex.EncodeToString(sum[:])}
	loadID, err := newLoadID(start)
	if err != nil {
		res.Message = err.Error()
		return res
	}
	res.LoadID = tenant + ":loader:" + loadID
	size := int64(len(p.Body))
	fail := func(err error) Result {
		if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			err = fmt.Errorf("%s: interrupted; nothing of the page was kept, the next run fetches it again", p.Name)
		}
		res.Status, res.Message = edm.LoadFailed, err.Error()
		res.Counts, res.Records, res.Rejected = nil, 0, 0
		res.Duration = time.Since(start)
		journalFailure(ctx, db, tenant, loadID, &res, start, size)
		return res
	}
	if err := store.ValidTenantName(tenant); err != nil {
		res.Message = err.Error()
		return res
	}
	if err := db.EnsureTenant(ctx, tenant); err != nil {
		return fail(err)
	}
	loc, zoneSet, err := db.TenantZone(ctx, tenant)
	if err != nil {
		return fail(err)
	}
	if !zoneSet {
		loc = nil // local times are refused (loaders.ErrNoZone)
	}
	err = db.Load(ctx, func(lt *store.LoadTx) error {
		b := newBatch(ctx, lt, db.Model, tenant, src.Kind(), p.Name, res.LoadID, loc, start)
		f := &File{Name: p.Name, R: bytes.NewReader(p.Body), RA: bytes.NewReader(p.Body), Size: size}
		if err := src.Load(ctx, f, b); err != nil {
			return err
		}
		if err := b.Finish(); err != nil {
			return err
		}
		if err := b.recordLocal(); err != nil {
			return err
		}
		if also != nil {
			if err := also(lt); err != nil {
				return err
			}
		}
		// Counts are complete once every held row is written.
		if err := lt.Flush(ctx); err != nil {
			return err
		}
		res.Records, res.Rejected = b.read, b.rejected
		res.Counts = lt.Counts
		res.Status = edm.LoadLoaded
		res.Duration = time.Since(start)
		return writePullJournal(ctx, lt, db.Model, tenant, loadID, &res, start, size)
	})
	if err != nil {
		return fail(err)
	}
	// Real data is in: the demo's printed tokens stop working.
	_, _ = db.RevokeDemoTokens(ctx)
	return res
}

// JournalPullFailure writes the failed journal row of a pull that stopped
// before it had a page to load: a refused credential, an API that kept
// failing, an interruption. err's message must already be free of secrets.
func JournalPullFailure(ctx context.Context, db *store.DB, tenant, kind, name string, start time.Time, err error) Result {
	res := Result{File: name, Kind: kind, Status: edm.LoadFailed, Message: err.Error(), Duration: time.Since(start)}
	loadID, idErr := newLoadID(start)
	if idErr != nil {
		return res
	}
	res.LoadID = tenant + ":loader:" + loadID
	if store.ValidTenantName(tenant) != nil || db.EnsureTenant(context.WithoutCancel(ctx), tenant) != nil {
		return res
	}
	journalFailure(ctx, db, tenant, loadID, &res, start, 0)
	return res
}

// journalFailure records a failed load on its own transaction (the data
// transaction rolled back), even when ctx is done.
func journalFailure(ctx context.Context, db *store.DB, tenant, loadID string, res *Result, start time.Time, size int64) {
	jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), journalTimeout)
	defer cancel()
	_ = db.Load(jctx, func(lt *store.LoadTx) error {
		return writePullJournal(jctx, lt, db.Model, tenant, loadID, res, start, size)
	})
}

// writePullJournal writes the Loads row of a pulled page. It is
// writeJournal's row with kind "pull"; the counts are summed the same way.
func writePullJournal(ctx context.Context, lt *store.LoadTx, m *edm.Model, tenant, loadID string, res *Result, start time.Time, size int64) error {
	var ins, upd, same int64
	for set, c := range res.Counts {
		// Rejects are rows of LoadRejects, not data: they count once, as
		// rejected.
		if set == "LoadRejects" {
			continue
		}
		ins += int64(c.Inserted)
		upd += int64(c.Updated)
		same += int64(c.Unchanged)
	}
	r := store.NewRow(m.Set("Loads").Type.Table)
	r.Set("id", tenant+":loader:"+loadID).Set("tenantId", tenant).Set("source", nzKind(res.Kind)).Set("sourceId", loadID).
		Set("kind", JournalPull).Set("fileName", res.File).Set("checksum", nz(res.Checksum)).Set("sizeBytes", size).
		Set("status", res.Status).Set("message", nz(res.Message)).Set("startedAtUTC", start).
		Set("finishedAtUTC", start.Add(res.Duration)).Set("rowsRead", res.Records).
		Set("inserted", ins).Set("updated", upd).Set("unchanged", same).Set("rejected", res.Rejected)
	_, err := lt.Upsert(ctx, r)
	return err
}
