package loaders

import (
	"errors"
	"fmt"
	"time"
)

// A local time (one written without a UTC offset: ino, Buzzeasy's local-only
// fields, a two-way report without offsets) is only an instant in a time
// zone. Read for a tenant whose zone was never set, it would silently be
// taken as UTC; so it is refused instead, and the whole file fails with a
// message that says how to set the zone. A load that read local times is
// recorded (store.LoadTx.RecordLocalLoad), so that changing the zone later
// can say which loads were read in the old one.

// ErrNoZone is a local time read for a tenant without a time zone.
var ErrNoZone = errors.New("a local time without a UTC offset, and the tenant has no time zone")

// IsNoZone reports whether err is (or wraps) ErrNoZone.
func IsNoZone(err error) bool { return errors.Is(err, ErrNoZone) }

// LocalZone returns the zone local times of this load are read in, or
// ErrNoZone when the tenant has none. A source calls it when it meets a
// local time; the load is then recorded as one read in that zone.
func (b *Batch) LocalZone() (*time.Location, error) {
	if b.Loc == nil {
		return nil, ErrNoZone
	}
	b.usedLocal = true
	return b.Loc, nil
}

// UsedLocalTime records that the load read local times in b.Loc (for
// sources that parse with b.Loc themselves, off the Batch's goroutine).
func (b *Batch) UsedLocalTime() { b.usedLocal = true }

// NoZoneError is the error that fails a file holding a local time (at line,
// in field) for a tenant without a time zone.
func (b *Batch) NoZoneError(line int64, field string) error {
	return NoZoneFileError(b.File, b.Tenant, line, field)
}

// NoZoneFileError is NoZoneError for code without a Batch.
func NoZoneFileError(file, tenant string, line int64, field string) error {
	return &FileError{File: file, Line: int(line), Msg: fmt.Sprintf(
		"%s holds a local time (no UTC offset), and tenant %s has no time zone to read it in; nothing of the file was loaded: "+
			"set the zone with `ccfeed tenant --tenant %s --timezone ZONE` (an IANA name such as Europe/Paris), then load the file again",
		field, tenant, tenant)}
}

// recordLocal records the load as one that read local times, if it did.
func (b *Batch) recordLocal() error {
	if !b.usedLocal || b.Loc == nil {
		return nil
	}
	return b.lt.RecordLocalLoad(b.ctx, b.Tenant, b.loadID, b.Source, b.File, b.Loc.String())
}
