package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// command is one subcommand's flag set. A flag may take its default from an
// environment variable, so a container needs no command line. Every value,
// from the command line or the environment, is parsed at start-up and a
// value that does not parse stops the command with the flag or variable and
// the value: a typo (CCFEED_PAGE_SIZE=abc, CCFEED_BASIC=1 read as false)
// must never start a server configured otherwise than its operator meant.
type command struct {
	fs       *flag.FlagSet
	name     string
	synopsis string // the usage line after "ccfeed NAME"
	about    string // what the command does, for -h
	stdout   io.Writer
	env      []envVar
	envErrs  []error
}

type envVar struct{ name, flag, usage string }

func newCommand(name, synopsis, about string, stdout io.Writer) *command {
	c := &command{fs: flag.NewFlagSet("ccfeed "+name, flag.ContinueOnError), name: name,
		synopsis: synopsis, about: about, stdout: stdout}
	// The flag package's own messages are replaced by parse's: one error
	// line on failure, the whole help on -h, never both.
	c.fs.SetOutput(io.Discard)
	c.fs.Usage = func() {}
	return c
}

// envNote names the variable in a flag's help line.
func envNote(usage, env string) string {
	if env == "" {
		return usage
	}
	return usage + " (env " + env + ")"
}

// lookupEnv returns a variable's value; an empty value counts as unset, so
// "CCFEED_PAGE_SIZE=" in a compose file means the default.
func (c *command) lookupEnv(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	v, ok := os.LookupEnv(name)
	return v, ok && v != ""
}

// define registers v under name, first setting it from env when present.
func (c *command) define(v flag.Value, name, env, usage string) {
	if env != "" {
		c.env = append(c.env, envVar{name: env, flag: name, usage: usage})
		if s, ok := c.lookupEnv(env); ok {
			if err := v.Set(s); err != nil {
				c.envErrs = append(c.envErrs, fmt.Errorf("environment variable %s=%q: %v", env, s, err))
			}
		}
	}
	c.fs.Var(v, name, envNote(usage, env))
}

// String defines a string flag with an optional environment variable.
func (c *command) String(name, env, def, usage string) *string {
	p := new(string)
	*p = def
	c.define((*stringValue)(p), name, env, usage)
	return p
}

// Int defines an integer flag.
func (c *command) Int(name, env string, def int, usage string) *int {
	p := new(int)
	*p = def
	c.define((*intValue)(p), name, env, usage)
	return p
}

// Uint64 defines an unsigned integer flag.
func (c *command) Uint64(name, env string, def uint64, usage string) *uint64 {
	p := new(uint64)
	*p = def
	c.define((*uint64Value)(p), name, env, usage)
	return p
}

// Float defines a number flag.
func (c *command) Float(name, env string, def float64, usage string) *float64 {
	p := new(float64)
	*p = def
	c.define((*floatValue)(p), name, env, usage)
	return p
}

// Duration defines a duration flag ("90s", "15m", "720h").
func (c *command) Duration(name, env string, def time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	*p = def
	c.define((*durationValue)(p), name, env, usage)
	return p
}

// Bool defines a boolean flag; see parseBool for the values it takes.
func (c *command) Bool(name, env string, def bool, usage string) *bool {
	p := new(bool)
	*p = def
	c.define((*boolValue)(p), name, env, usage)
	return p
}

// errHelp is -h or --help: the help went to stdout and the command exits 0.
var errHelp = errors.New("help requested")

// parse reads args. With positional false, a leftover argument is a usage
// error. Environment errors are reported together with the first flag
// error, so one run names every bad value it can.
func (c *command) parse(args []string, positional bool) error {
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.help(c.stdout)
			return errHelp
		}
		return c.usageErr(errors.Join(append(c.envErrs, err)...).Error())
	}
	if len(c.envErrs) > 0 {
		return c.usageErr(errors.Join(c.envErrs...).Error())
	}
	if !positional && c.fs.NArg() > 0 {
		return c.usageErr("unexpected argument " + c.fs.Arg(0))
	}
	return nil
}

// usageErr is a usage error that tells where the help is.
func (c *command) usageErr(msg string) error {
	return usageError{fmt.Sprintf("ccfeed %s: %s\nRun \"ccfeed %s -h\" for help.", c.name, msg, c.name)}
}

// help prints the usage line, what the command does, its flags and the
// environment variables it reads.
func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: ccfeed %s %s\n\n%s\n\nFlags:\n", c.name, c.synopsis, strings.TrimSpace(c.about))
	c.fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if name == "value" {
			name = valueName(f.Value)
		}
		fmt.Fprintf(w, "  %s\n      %s", strings.TrimSpace("--"+f.Name+" "+name), usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	if len(c.env) == 0 {
		fmt.Fprintln(w, "\nEnvironment: none (flags only).")
		return
	}
	fmt.Fprintln(w, "\nEnvironment (a flag on the command line wins; an empty variable counts as unset):")
	for _, e := range c.env {
		fmt.Fprintf(w, "  %-24s --%s\n", e.name, e.flag)
	}
}

// valueName names what a flag takes in the help when its usage does not.
func valueName(v flag.Value) string {
	switch v.(type) {
	case *intValue, *uint64Value:
		return "n"
	case *floatValue:
		return "number"
	case *durationValue:
		return "duration"
	case *boolValue:
		return ""
	}
	return "string"
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return errors.New("not a whole number")
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type uint64Value uint64

func (v *uint64Value) Set(s string) error {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return errors.New("not a whole number of zero or more")
	}
	*v = uint64Value(n)
	return nil
}
func (v *uint64Value) String() string { return strconv.FormatUint(uint64(*v), 10) }

type floatValue float64

func (v *floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return errors.New("not a number")
	}
	*v = floatValue(f)
	return nil
}
func (v *floatValue) String() string { return strconv.FormatFloat(float64(*v), 'g', -1, 64) }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return errors.New(`not a duration (write a number with a unit: "90s", "15m", "720h")`)
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := parseBool(s)
	if err != nil {
		return err
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string { return strconv.FormatBool(bool(*v)) }

// IsBoolFlag lets "--basic" stand for "--basic=true".
func (v *boolValue) IsBoolFlag() bool { return true }

// parseBool accepts true/false, 1/0 and yes/no in any case: the spellings
// operators write in compose files and Helm values. Anything else is an
// error, never a silent false.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, errors.New("not a boolean (true/false, 1/0 or yes/no)")
}
