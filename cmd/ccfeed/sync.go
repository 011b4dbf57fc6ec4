package main

import (
	"context"
	"errors"
	"io"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed/store"
)

// cmdSync runs every configured API pull once ("ccfeed sync").
func cmdSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("ccfeed sync: not implemented yet")
}

// startPulls schedules the configured API pulls inside "ccfeed serve"; it
// returns once they are scheduled. sourcesPath is the --sources file ("" for
// none).
func startPulls(ctx context.Context, db *store.DB, sourcesPath string, log zerolog.Logger) error {
	if sourcesPath == "" {
		return nil
	}
	return errors.New("scheduled pulls: not implemented yet")
}
