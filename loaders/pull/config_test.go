package pull_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/pull"
)

// fileOnly is a registered source without an API.
type fileOnly struct{}

func (fileOnly) Kind() string                                              { return "pulltest-file" }
func (fileOnly) Sniff(string, []byte) bool                                 { return false }
func (fileOnly) Load(context.Context, *loaders.File, *loaders.Batch) error { return nil }

func init() { loaders.Register(fileOnly{}) }

const inlineSecret = "xoxo-INLINE-s3cret"

// TestConfigErrors: each mistake is reported with the file, line and
// column where it is, and no message repeats what a credential holds.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	credFile := filepath.Join(dir, "token")
	if err := os.WriteFile(credFile, []byte("  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{"TOKEN": "t0k3n-value", "EMPTY": " "})
	for _, tc := range []struct {
		name, yaml string
		want       []string // each must appear in the error
	}{
		{"inline secret", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: ` + inlineSecret,
			[]string{"sources.yaml:6:21: tenant acme, source pulltest: credential: a secret may not be written in the sources file"}},
		{"other credential key", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {value: ` + inlineSecret + `}`,
			[]string{"sources.yaml:6:22: tenant acme, source pulltest: credential: only env or file is accepted"}},
		{"two credential keys", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {env: TOKEN, file: /x}`,
			[]string{"sources.yaml:6:21: tenant acme, source pulltest: credential: give {env: NAME} or {file: PATH} (exactly one of them)"}},
		{"secret as a source key", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {env: TOKEN}
        token: ` + inlineSecret,
			[]string{"sources.yaml:7:9: tenant acme, source: a secret may not be written in the sources file"}},
		{"missing env", `
tenants:
  acme:
    sources:
      - kind: pulltest
        name: lp
        credential: {env: NOPE}`,
			[]string{"sources.yaml:7:27: tenant acme, source lp: credential: environment variable NOPE is not set"}},
		{"empty env", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {env: EMPTY}`,
			[]string{"sources.yaml:6:27: tenant acme, source pulltest: credential: environment variable EMPTY is empty"}},
		{"unreadable file", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {file: ` + filepath.Join(dir, "missing") + `}`,
			[]string{"sources.yaml:6:28: tenant acme, source pulltest: credential: cannot read " + filepath.Join(dir, "missing") + ": no such file or directory"}},
		{"empty file", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {file: ` + credFile + `}`,
			[]string{"sources.yaml:6:28: tenant acme, source pulltest: credential: " + credFile + " is empty"}},
		{"missing credential", `
tenants:
  acme:
    sources:
      - kind: pulltest`,
			[]string{"sources.yaml:5:9: tenant acme, source pulltest: missing credential"}},
		{"unknown kind", `
tenants:
  acme:
    sources:
      - kind: nosuch
        credential: {env: TOKEN}`,
			[]string{`sources.yaml:5:15: tenant acme, source nosuch: unknown kind "nosuch" (pullable kinds: `, "pulltest"}},
		{"file-only kind", `
tenants:
  acme:
    sources:
      - kind: pulltest-file
        credential: {env: TOKEN}`,
			[]string{`sources.yaml:5:15: tenant acme, source pulltest-file: kind "pulltest-file" loads files only`}},
		{"missing kind", `
tenants:
  acme:
    sources:
      - name: x
        credential: {env: TOKEN}`,
			[]string{"sources.yaml:5:9: tenant acme, source x: missing kind"}},
		{"duplicate name", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {env: TOKEN}
      - kind: pulltest
        credential: {env: TOKEN}`,
			[]string{`sources.yaml:7:9: tenant acme: duplicate source name "pulltest" (first at line 5)`}},
		{"same name in two tenants is fine, bad tenant is not", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {env: TOKEN}
  "bad:name":
    sources: []`,
			[]string{`sources.yaml:7:3: tenant name "bad:name" may only hold`}},
		{"unknown key", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {env: TOKEN}
        intervall: 5m`,
			[]string{`sources.yaml:7:9: tenant acme, source: unknown key "intervall" (known: account, attempts`}},
		{"bad values", `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {env: TOKEN}
        interval: 10s
        overlap: soon
        rate: fast
        attempts: 99
        options: [a, b]`,
			[]string{
				"sources.yaml:7:19: tenant acme, source: interval: 10s is less than 1m0s",
				"sources.yaml:8:18: tenant acme, source: overlap: expected a duration",
				"sources.yaml:9:15: tenant acme, source: rate: expected requests per time",
				"sources.yaml:10:19: tenant acme, source: attempts: expected a whole number from 1 to 20",
				"sources.yaml:11:18: tenant acme, source: options: expected a mapping",
			}},
		{"endpoint with a password", `
tenants:
  acme:
    sources:
      - kind: pulltest
        endpoint: https://user:` + inlineSecret + `@api.example.invalid
        credential: {env: TOKEN}`,
			[]string{"sources.yaml:6:19: tenant acme, source pulltest: endpoint: a user or password in the URL is not accepted"}},
		{"endpoint with a query", `
tenants:
  acme:
    sources:
      - kind: pulltest
        endpoint: https://api.example.invalid/?key=` + inlineSecret + `
        credential: {env: TOKEN}`,
			[]string{"sources.yaml:6:19: tenant acme, source pulltest: endpoint: a query string is not accepted"}},
		{"no tenants", `sources: []`, []string{`sources.yaml:1:1: the file: unknown key "sources"`, "missing tenants"}},
		{"not yaml", "tenants:\n  acme: [\n", []string{"sources.yaml:2: did not find expected node content"}},
		{"empty", "", []string{"sources.yaml: empty file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pull.ParseConfig("sources.yaml", []byte(tc.yaml), env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%s\nwant it to contain:\n%s", err, w)
				}
			}
			for _, s := range []string{inlineSecret, "t0k3n-value"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error shows a secret: %s", err)
				}
			}
		})
	}
}

// TestConfigDefaultsAndValues reads every setting and the defaults.
func TestConfigDefaultsAndValues(t *testing.T) {
	dir := t.TempDir()
	credFile := filepath.Join(dir, "token")
	if err := os.WriteFile(credFile, []byte("user:pa55word\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yml := `
tenants:
  acme:
    sources:
      - kind: pulltest
        credential: {env: TOKEN}
      - kind: pulltest
        name: second
        endpoint: https://api.example.invalid/v2
        account: "0042"
        credential: {file: ` + credFile + `}
        interval: 1h
        overlap: 0s
        lookback: 1d12h
        lag: 30s
        rate: 120/m
        burst: 3
        timeout: 45s
        attempts: 2
        options: {pageSize: 50, tables: "a,b"}
  other:
    sources:
      - kind: pulltest
        credential: {env: TOKEN}
`
	cfg, err := pull.ParseConfig("sources.yaml", []byte(yml), envOf(map[string]string{"TOKEN": " t0k3n \n"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 3 {
		t.Fatalf("%d sources", len(cfg.Sources))
	}
	a, b := cfg.Sources[0], cfg.Sources[1]
	if a.String() != "acme/pulltest" || a.Config.Secret != "t0k3n" || a.Credential != "env TOKEN" || a.API == nil ||
		a.Interval != pull.DefaultInterval || a.Overlap != pull.DefaultOverlap || a.Lookback != pull.DefaultLookback ||
		a.Lag != pull.DefaultLag || a.Rate != pull.DefaultRate || a.Burst != pull.DefaultBurst ||
		a.Timeout != pull.DefaultTimeout || a.Attempts != pull.DefaultAttempts || a.Line != 5 {
		t.Errorf("defaults: %+v", *a)
	}
	if b.String() != "acme/second" || b.Config.Secret != "user:pa55word" || b.Config.Endpoint != "https://api.example.invalid/v2" ||
		b.Config.Account != "0042" || b.Interval != time.Hour || b.Overlap != 0 || b.Lookback != 36*time.Hour ||
		b.Lag != 30*time.Second || b.Rate != 2 || b.Burst != 3 || b.Timeout != 45*time.Second || b.Attempts != 2 ||
		b.Config.Options["pageSize"] != "50" || b.Config.Options["tables"] != "a,b" {
		t.Errorf("values: %+v", *b)
	}
	if got := cfg.Select("acme", ""); len(got) != 2 {
		t.Errorf("Select(acme) = %v", got)
	}
	if got := cfg.Select("", "pulltest"); len(got) != 2 {
		t.Errorf("Select(pulltest) = %v", got)
	}
	for _, s := range []string{a.String(), b.GoString()} {
		if strings.Contains(s, "t0k3n") || strings.Contains(s, "pa55word") {
			t.Errorf("%q shows the secret", s)
		}
	}
}
