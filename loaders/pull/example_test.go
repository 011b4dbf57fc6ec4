package pull_test

import (
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/loaders/pull"
)

func ExampleParseConfig() {
	yml := `tenants:
  acme:
    sources:
      - kind: pulltest
        name: eu
        endpoint: https://api.example.invalid
        credential: {env: ACME_TOKEN}
        lookback: 3d
        rate: 600/m
`
	env := func(name string) (string, bool) { return "token-from-env", name == "ACME_TOKEN" }
	cfg, err := pull.ParseConfig("sources.yaml", []byte(yml), env)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range cfg.Sources {
		fmt.Println(s, s.Config.Kind, s.Interval, s.Lookback, s.Rate, s.Credential)
	}
	// A secret written in the file is refused, and not repeated.
	_, err = pull.ParseConfig("sources.yaml", []byte(strings.Replace(yml, "{env: ACME_TOKEN}", "token-inline", 1)), env)
	fmt.Println(err)
	// Output:
	// acme/eu pulltest 15m0s 72h0m0s 10 env ACME_TOKEN
	// sources.yaml:7:21: tenant acme, source eu: credential: a secret may not be written in the sources file; give {env: NAME} or {file: PATH}
}
