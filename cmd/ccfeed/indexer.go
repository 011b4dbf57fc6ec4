package main

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed/store"
)

// indexEvery is how often "ccfeed serve" brings the full-text index up to
// date with rows loaded by anything (pulls, the inbox, a "ccfeed load" in
// another process). A search also catches up by itself; this keeps that
// work off the requests.
const indexEvery = time.Second

// optimizeEvery spaces the refreshes of the planner's statistics while
// loads keep coming.
var optimizeEvery = 10 * time.Second

// drainBatch is how many fact rows one transaction of store.DrainMoves
// moves: a load waiting for the write lock waits for at most one batch.
const drainBatch = 50_000

// startIndexer runs store.IndexText every indexEvery until ctx ends, each
// time followed by store.DrainMoves (fact rows that a load's merge of
// people left to move, in transactions of drainBatch rows, so loads
// interleave), store.CheckpointWAL (commits leave the write-ahead log to
// it, see store.registerDriver) and, after loads, store.Optimize.
func startIndexer(ctx context.Context, db *store.DB, log zerolog.Logger) {
	go func() {
		optimized, lastOptimize := db.Loads(), time.Now()
		t := time.NewTicker(indexEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			start := time.Now()
			n, err := db.IndexText(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error().Err(err).Msg("full-text index")
			case n > 0:
				log.Info().Int("rows", n).Dur("took", time.Since(start)).Msg("full-text index up to date")
			}
			start = time.Now()
			if n, err := db.DrainMoves(ctx, drainBatch); err != nil && ctx.Err() == nil {
				log.Error().Err(err).Msg("moving rows between merged people")
			} else if n > 0 {
				log.Info().Int("rows", n).Dur("took", time.Since(start)).Msg("rows moved between merged people")
			}
			if _, err := db.CheckpointWAL(ctx); err != nil && ctx.Err() == nil {
				log.Error().Err(err).Msg("checkpoint")
			}
			// The planner's statistics, after the inbox or a pull loaded
			// something (ccfeed load and sync do it after their files).
			if l := db.Loads(); l != optimized && time.Since(lastOptimize) >= optimizeEvery {
				if err := db.Optimize(ctx); err != nil && ctx.Err() == nil {
					log.Error().Err(err).Msg("planner statistics")
				}
				optimized, lastOptimize = l, time.Now()
			}
		}
	}()
}
