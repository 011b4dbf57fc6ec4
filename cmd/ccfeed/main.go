// Command ccfeed loads contact-center data from several platforms into one
// SQLite store and serves it as an OData v4 feed for Power BI, Excel and
// curl. This package is the composition root: it reads flags and
// environment, opens the store and wires it to the server.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	// The binary carries the time zone database, so tenant time zones work
	// in a minimal container without tzdata.
	_ "time/tzdata"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

const usage = `ccfeed: contact-center data as an OData v4 feed

Usage:
  ccfeed serve [--db PATH] [--addr HOST:PORT] [flags]   serve the feed (creates a demo database if PATH does not exist)
  ccfeed token --db PATH --tenant NAME [--admin]         print an access token (last line of output)
  ccfeed token --db PATH --rotate-key | --revoke ID      manage signing keys and revocations
  ccfeed load --db PATH --tenant NAME [--source KIND] FILE...   load vendor files (one transaction per file)
  ccfeed demo --out DIR [--scale N] [--seed S]                   write the demo data set as vendor files
  ccfeed tenant --db PATH --tenant NAME [--timezone ZONE]       tenant settings
  ccfeed sync --db PATH --sources FILE                           run every configured API pull once
  ccfeed loads [--db PATH] [--tenant T] [--since D]             list loads and pulls with status, counts and rejects
  ccfeed rejects [--db PATH] --load ID | --file NAME             print the records a load refused, and why
  ccfeed powerbi --url FEED_URL --out DIR [--sets A,B] [--incremental]   write a Power BI project (PBIP) and .pbids for the feed
  ccfeed healthcheck [--url URL]                         probe a running server's /healthz (for containers)

Run "ccfeed <command> -h" for the flags of a command and the environment
variables it reads. Only serve and tenant create a database; the other
commands refuse a --db that does not exist.
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errHelp) {
			return
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "ccfeed:", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"ccfeed: missing command"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "token":
		return cmdToken(ctx, args[1:], stdout, stderr)
	case "load":
		return cmdLoad(ctx, args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(ctx, args[1:], stdout, stderr)
	case "tenant":
		return cmdTenant(ctx, args[1:], stdout, stderr)
	case "sync":
		return cmdSync(ctx, args[1:], stdout, stderr)
	case "loads":
		return cmdLoads(ctx, args[1:], stdout, stderr)
	case "rejects":
		return cmdRejects(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return cmdHealthcheck(ctx, args[1:], stdout, stderr)
	case "powerbi":
		return cmdPowerBI(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{"ccfeed: unknown command " + args[0]}
}

// openStore opens the database with the merged model, creating it when
// missing. Only serve and tenant call it; every other command works on a
// database that exists (openExisting).
func openStore(path string) (*store.DB, error) {
	return store.Open(path, edm.Default(), store.Options{})
}

// openStoreWith is openStore with the store's options (serve's read pool).
func openStoreWith(path string, opt store.Options) (*store.DB, error) {
	return store.Open(path, edm.Default(), opt)
}

// openExisting opens a database that must already exist. SQLite would
// create a missing file, so a mistyped --db would otherwise mint a token
// for, load into, or list an empty new database without a word.
func openExisting(path string) (*store.DB, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("no database at %s: check --db or CCFEED_DB (\"ccfeed serve\" or \"ccfeed tenant\" creates one)", path)
	case err != nil:
		return nil, err
	case st.IsDir():
		return nil, fmt.Errorf("%s is a folder, not a database file: check --db or CCFEED_DB", path)
	}
	return openStore(path)
}

// checkLogFormat refuses a --log-format other than json or console (or
// empty: console on a terminal, json otherwise).
func checkLogFormat(f string) error {
	switch strings.ToLower(f) {
	case "", "json", "console":
		return nil
	}
	return fmt.Errorf("--log-format %q: want json or console", f)
}

// newLogger writes human-readable lines on a terminal and JSON otherwise.
func newLogger(w io.Writer, format string) zerolog.Logger {
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "console"
			}
		}
	}
	if strings.EqualFold(format, "console") {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).With().Timestamp().Logger()
}
