package ccfeed

import "time"

// SourceStatus is what the load journal says about one kind of load (files
// or pulls) of one source of one tenant. The home page and /metrics read
// it instead of counting data rows: the journal is small, and every load
// writes its row in the load's own transaction, so it is exact.
type SourceStatus struct {
	Tenant string
	// Source is the source kind (twoway, ino, cxengage, liveperson,
	// buzzeasy).
	Source string
	// Kind is "file" (ccfeed load, the drop folder) or "pull" (one page
	// of a scheduled API pull).
	Kind string
	// Loaded and Failed count the journal's rows by outcome.
	Loaded, Failed int64
	// Records, Rejected, Inserted and Updated add up the successful loads.
	Records, Rejected, Inserted, Updated int64
	// LastLoaded is when the newest successful load finished (zero when
	// none did); LastFailed the same for failures, with its message.
	LastLoaded  time.Time
	LastFailed  time.Time
	LastFailure string
}

// LoadEntry is one row of the load journal.
type LoadEntry struct {
	ID, Tenant, Source, Kind string
	File, Status, Message    string
	Started, Finished        time.Time
	SizeBytes                int64
	Records, Rejected        int64
	Inserted, Updated        int64
	Unchanged                int64
}

// Reject is one record a load refused. Its excerpt can hold personal data:
// only admin-scope callers and the command line see rejects.
type Reject struct {
	LoadID, Tenant, Source string
	File                   string
	Line                   int64
	Field, Reason, Excerpt string
	// LoadStarted is when the load that refused it started.
	LoadStarted time.Time
}
