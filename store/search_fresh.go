package store

import (
	"context"
	"time"

	"github.com/ccfeed/ccfeed/query"
)

// freshText brings the full-text index up to date before a read that
// searches, so $search sees every committed row even when no indexer has
// run since the load. It never makes the read wait long: it gives up at
// once if this process is already writing, and after a second if another
// process holds the write lock; the search then uses the index as it is.
func (db *DB) freshText(ctx context.Context) {
	if !db.textBehind(ctx) {
		return // nothing waits (or no answer: search as it is)
	}
	if !db.writeMu.TryLock() {
		return
	}
	defer db.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, _ = db.indexText(ctx, db.writeHeld)
}

// searches reports whether a shape or any of its expansions uses $search.
func searches(s *query.Shape) bool {
	if s.Search != nil {
		return true
	}
	for _, e := range s.Expand {
		if searches(&e.Shape) {
			return true
		}
	}
	return false
}

// planSearches reports whether a plan searches anywhere, $apply included.
func planSearches(p *query.Plan) bool {
	if searches(&p.Shape) {
		return true
	}
	if p.Apply != nil {
		for _, s := range p.Apply.Steps {
			if _, ok := s.(*query.SearchStep); ok {
				return true
			}
		}
	}
	return false
}
