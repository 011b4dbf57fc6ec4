// Command ccfeed loads contact-center data from several platforms into one
// SQLite store and serves it as an OData v4 feed for Power BI, Excel and
// curl. This package is the composition root: it reads flags and
// environment, opens the store and wires it to the server.
package main

import (
	"context"
	"errors"
	"flag"
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
  ccfeed powerbi --url FEED_URL --out DIR [--sets A,B] [--incremental]   write a Power BI project (PBIP) and .pbids for the feed
  ccfeed healthcheck [--url URL]                         probe a running server's /healthz (for containers)

Run "ccfeed <command> -h" for the flags of a command.
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
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

// env returns the environment variable or the default; every flag of serve
// has one, so a container is configured without a command line.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err == nil {
			return n
		}
	}
	return def
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ccfeed "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usageError{""}
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected argument " + fs.Arg(0)}
	}
	return nil
}

// openStore opens the database with the merged model.
func openStore(path string) (*store.DB, error) {
	return store.Open(path, edm.Default(), store.Options{})
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
