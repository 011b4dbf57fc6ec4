package pull

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

// Defaults of the sources file (see the package comment).
const (
	DefaultInterval = 15 * time.Minute
	DefaultOverlap  = 2 * time.Hour
	DefaultLookback = 7 * 24 * time.Hour
	DefaultLag      = time.Minute
	DefaultRate     = 5.0 // requests per second
	DefaultBurst    = 1
	DefaultTimeout  = 2 * time.Minute
	DefaultAttempts = 6
)

// Limits of the sources file.
const (
	// MinInterval keeps a typo ("15s" for "15m") from hammering an API.
	MinInterval = time.Minute
	// MaxAttempts bounds the tries of one request.
	MaxAttempts = 20
)

// Config is a parsed sources file.
type Config struct {
	// File is the path it was read from.
	File string
	// Sources in the order of the file.
	Sources []*Source
}

// Source is one configured API source of one tenant, its secret resolved.
// Its String names it without the secret; never print its Config with %v.
type Source struct {
	Config loaders.SourceConfig
	API    loaders.API
	// Interval is the time between the starts of two runs.
	Interval time.Duration
	// Overlap is how far before the end of the last completed window the
	// next run starts, to catch records updated after they were read.
	Overlap time.Duration
	// Lookback is how far back the first run starts.
	Lookback time.Duration
	// Lag keeps windows this far behind now: the vendor's latest records
	// may still be indexed.
	Lag time.Duration
	// Rate is the most requests per second (Burst at once).
	Rate  float64
	Burst int
	// Timeout bounds one request, reading the body included.
	Timeout time.Duration
	// Attempts bounds the tries of one request.
	Attempts int
	// Credential says where the secret comes from ("env ACME_TOKEN"), for
	// messages.
	Credential string
	// Line is where the source is declared in File.
	Line int
}

// String is "tenant/name".
func (s *Source) String() string { return s.Config.Tenant + "/" + s.Config.Name }

// GoString keeps %#v from printing the secret.
func (s *Source) GoString() string { return "pull.Source(" + s.String() + ")" }

// ConfigError is a mistake in the sources file, at a line and column.
type ConfigError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *ConfigError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// syntaxError turns yaml's "yaml: line N: msg" into a ConfigError at line N.
func syntaxError(file string, err error) *ConfigError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				return &ConfigError{File: file, Line: n, Msg: text}
			}
		}
	}
	return &ConfigError{File: file, Msg: msg}
}

// ConfigErrors are all the mistakes found in a sources file.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// LoadConfig reads a sources file and resolves its credentials from the
// environment and the files it names.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sources file: %w", err)
	}
	return ParseConfig(path, data, os.LookupEnv)
}

// ParseConfig parses a sources file named file; env looks up environment
// variables (os.LookupEnv outside tests). Every mistake is reported, each
// with its line.
func ParseConfig(file string, data []byte, env func(string) (string, bool)) (*Config, error) {
	p := &configParser{file: file, env: env}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(file, err)
	}
	cfg := &Config{File: file}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &ConfigError{File: file, Msg: "empty file: expected a tenants: mapping"}
	}
	root := resolve(doc.Content[0])
	p.mapping(root, "the file", map[string]func(k, v *yaml.Node){
		"tenants": func(_, v *yaml.Node) { cfg.Sources = p.tenants(v) },
	})
	if _, ok := lookupKey(root, "tenants"); root.Kind == yaml.MappingNode && !ok {
		p.errorf(root, "missing tenants: the file declares its sources under tenants: NAME: sources:")
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return cfg, nil
}

type configParser struct {
	file string
	env  func(string) (string, bool)
	errs ConfigErrors
}

func (p *configParser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &ConfigError{File: p.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// resolve follows YAML aliases (*anchor) to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func lookupKey(m *yaml.Node, key string) (*yaml.Node, bool) {
	if m.Kind != yaml.MappingNode {
		return nil, false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolve(m.Content[i+1]), true
		}
	}
	return nil, false
}

// mapping calls the handler of each key of m, refusing unknown and repeated
// keys. what names m in messages.
func (p *configParser) mapping(m *yaml.Node, what string, handlers map[string]func(k, v *yaml.Node)) {
	if m.Kind != yaml.MappingNode {
		p.errorf(m, "expected a mapping for %s, found %s", what, kindName(m))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		if first, dup := seen[k.Value]; dup {
			p.errorf(k, "%s: %s given twice (first at line %d)", what, k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		h, ok := handlers[k.Value]
		if !ok {
			if secretKey(k.Value) {
				p.errorf(k, "%s: a secret may not be written in the sources file; use credential: {env: NAME} or {file: PATH}", what)
				continue
			}
			p.errorf(k, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(sortedKeys(handlers), ", "))
			continue
		}
		h(k, v)
	}
}

// secretKey reports keys that look like an attempt to write a secret inline.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"secret", "token", "password", "passwd", "apikey", "api_key", "api-key", "key"} {
		if k == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a value"
	}
	return "nothing"
}

// tenants parses "tenants:": tenant name -> {sources: [...]}.
func (p *configParser) tenants(m *yaml.Node) []*Source {
	if m.Kind != yaml.MappingNode {
		p.errorf(m, "expected a mapping of tenant names for tenants, found %s", kindName(m))
		return nil
	}
	var out []*Source
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		tenant := k.Value
		if err := store.ValidTenantName(tenant); err != nil {
			p.errorf(k, "%v", err)
			continue
		}
		if first, dup := seen[tenant]; dup {
			p.errorf(k, "tenant %s given twice (first at line %d)", tenant, first)
			continue
		}
		seen[tenant] = k.Line
		names := map[string]int{}
		p.mapping(v, "tenant "+tenant, map[string]func(k, v *yaml.Node){
			"sources": func(_, list *yaml.Node) {
				if list.Kind != yaml.SequenceNode {
					p.errorf(list, "tenant %s: expected a list of sources, found %s", tenant, kindName(list))
					return
				}
				for _, item := range list.Content {
					s := p.source(tenant, resolve(item))
					if s == nil {
						continue
					}
					if first, dup := names[s.Config.Name]; dup {
						p.errorf(item, "tenant %s: duplicate source name %q (first at line %d): give each source of a tenant its own name", tenant, s.Config.Name, first)
						continue
					}
					names[s.Config.Name] = s.Line
					out = append(out, s)
				}
			},
		})
	}
	return out
}

// source parses one entry of a tenant's sources. It returns nil when the
// entry has errors (already reported).
func (p *configParser) source(tenant string, m *yaml.Node) *Source {
	before := len(p.errs)
	s := &Source{
		Config:   loaders.SourceConfig{Tenant: tenant, Options: map[string]string{}},
		Interval: DefaultInterval, Overlap: DefaultOverlap, Lookback: DefaultLookback, Lag: DefaultLag,
		Rate: DefaultRate, Burst: DefaultBurst, Timeout: DefaultTimeout, Attempts: DefaultAttempts,
		Line: m.Line,
	}
	what := "tenant " + tenant + ", source"
	var kindNode, credNode *yaml.Node
	str := func(dst *string) func(k, v *yaml.Node) {
		return func(k, v *yaml.Node) {
			if v.Kind != yaml.ScalarNode {
				p.errorf(v, "%s: %s: expected a value, found %s", what, k.Value, kindName(v))
				return
			}
			*dst = v.Value
		}
	}
	dur := func(dst *time.Duration, min time.Duration) func(k, v *yaml.Node) {
		return func(k, v *yaml.Node) {
			d, err := parseDuration(v.Value)
			switch {
			case v.Kind != yaml.ScalarNode || err != nil:
				p.errorf(v, "%s: %s: expected a duration such as 90m, 2h or 7d", what, k.Value)
			case d < min:
				p.errorf(v, "%s: %s: %s is less than %s", what, k.Value, v.Value, fmtDuration(min))
			default:
				*dst = d
			}
		}
	}
	integer := func(dst *int, lo, hi int) func(k, v *yaml.Node) {
		return func(k, v *yaml.Node) {
			n, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || n < lo || n > hi {
				p.errorf(v, "%s: %s: expected a whole number from %d to %d", what, k.Value, lo, hi)
				return
			}
			*dst = n
		}
	}
	p.mapping(m, what, map[string]func(k, v *yaml.Node){
		"kind":     func(k, v *yaml.Node) { kindNode = v; str(&s.Config.Kind)(k, v) },
		"name":     str(&s.Config.Name),
		"endpoint": str(&s.Config.Endpoint),
		"account":  str(&s.Config.Account),
		"credential": func(_, v *yaml.Node) {
			credNode = v
		},
		"interval": dur(&s.Interval, MinInterval),
		"overlap":  dur(&s.Overlap, 0),
		"lookback": dur(&s.Lookback, time.Second),
		"lag":      dur(&s.Lag, 0),
		"timeout":  dur(&s.Timeout, time.Second),
		"rate": func(k, v *yaml.Node) {
			r, err := parseRate(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				p.errorf(v, "%s: rate: expected requests per time such as 5/s, 100/m or 1000/h", what)
				return
			}
			s.Rate = r
		},
		"burst":    integer(&s.Burst, 1, 1000),
		"attempts": integer(&s.Attempts, 1, MaxAttempts),
		"options": func(_, v *yaml.Node) {
			if v.Kind != yaml.MappingNode {
				p.errorf(v, "%s: options: expected a mapping of names to values, found %s", what, kindName(v))
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				ok, ov := v.Content[i], resolve(v.Content[i+1])
				if ov.Kind != yaml.ScalarNode {
					p.errorf(ov, "%s: options: %s: expected a value, found %s", what, ok.Value, kindName(ov))
					continue
				}
				s.Config.Options[ok.Value] = ov.Value
			}
		},
	})
	if m.Kind != yaml.MappingNode {
		return nil
	}
	if s.Config.Name == "" {
		s.Config.Name = s.Config.Kind
	}
	if s.Config.Name != "" {
		what = "tenant " + tenant + ", source " + s.Config.Name
	}
	if kindNode == nil {
		p.errorf(m, "%s: missing kind (pullable kinds: %s)", what, strings.Join(pullableKinds(), ", "))
	} else if s.Config.Kind != "" {
		src, ok := loaders.Lookup(s.Config.Kind)
		api, isAPI := src.(loaders.API)
		switch {
		case !ok:
			p.errorf(kindNode, "%s: unknown kind %q (pullable kinds: %s)", what, s.Config.Kind, strings.Join(pullableKinds(), ", "))
		case !isAPI:
			p.errorf(kindNode, "%s: kind %q loads files only; it has no API to pull", what, s.Config.Kind)
		default:
			s.API = api
		}
	}
	if strings.ContainsAny(s.Config.Name, "/ \t\n") {
		p.errorf(m, "%s: name may not contain '/' or spaces", what)
	}
	if s.Config.Endpoint != "" {
		if msg := checkEndpoint(s.Config.Endpoint); msg != "" {
			n, _ := lookupKey(m, "endpoint")
			p.errorf(n, "%s: endpoint: %s", what, msg)
		}
	}
	if credNode == nil {
		p.errorf(m, "%s: missing credential: give {env: NAME} or {file: PATH}", what)
	} else {
		p.credential(s, what, credNode)
	}
	if len(p.errs) > before {
		return nil
	}
	return s
}

// credential resolves {env: NAME} or {file: PATH} into s.Config.Secret.
// Messages name the variable or the file, never what they hold.
func (p *configParser) credential(s *Source, what string, n *yaml.Node) {
	const want = "give {env: NAME} or {file: PATH}"
	if n.Kind == yaml.ScalarNode {
		p.errorf(n, "%s: credential: a secret may not be written in the sources file; %s", what, want)
		return
	}
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		p.errorf(n, "%s: credential: %s (exactly one of them)", what, want)
		return
	}
	k, v := n.Content[0], resolve(n.Content[1])
	if k.Value != "env" && k.Value != "file" {
		// The key is not echoed: a secret written as a key would be.
		p.errorf(k, "%s: credential: only env or file is accepted; %s", what, want)
		return
	}
	if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
		p.errorf(v, "%s: credential: %s needs a name; %s", what, k.Value, want)
		return
	}
	switch k.Value {
	case "env":
		s.Credential = "env " + v.Value
		val, ok := p.env(v.Value)
		switch {
		case !ok:
			p.errorf(v, "%s: credential: environment variable %s is not set", what, v.Value)
		case strings.TrimSpace(val) == "":
			p.errorf(v, "%s: credential: environment variable %s is empty", what, v.Value)
		default:
			s.Config.Secret = strings.TrimSpace(val)
		}
	case "file":
		s.Credential = "file " + v.Value
		b, err := os.ReadFile(v.Value)
		var pe *fs.PathError
		switch {
		case errors.As(err, &pe):
			p.errorf(v, "%s: credential: cannot read %s: %v", what, v.Value, pe.Err)
		case err != nil:
			p.errorf(v, "%s: credential: cannot read %s", what, v.Value)
		case strings.TrimSpace(string(b)) == "":
			p.errorf(v, "%s: credential: %s is empty", what, v.Value)
		default:
			s.Config.Secret = strings.TrimSpace(string(b))
		}
	}
}

// pullableKinds lists the registered kinds that implement loaders.API.
func pullableKinds() []string {
	var out []string
	for _, k := range loaders.Kinds() {
		if s, _ := loaders.Lookup(k); s != nil {
			if _, ok := s.(loaders.API); ok {
				out = append(out, k)
			}
		}
	}
	if len(out) == 0 {
		return []string{"none registered"}
	}
	return out
}

// Select returns the sources of a tenant and name ("" matches any).
func (c *Config) Select(tenant, name string) []*Source {
	var out []*Source
	for _, s := range c.Sources {
		if (tenant == "" || s.Config.Tenant == tenant) && (name == "" || s.Config.Name == name) {
			out = append(out, s)
		}
	}
	return out
}
