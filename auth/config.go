package auth

import (
	"fmt"
	"net/url"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/ccfeed/ccfeed"
)

// OIDCConfig configures organizational sign-in. Example (YAML or JSON):
//
//	issuers: ["https://login.microsoftonline.com/<directory id>/v2.0",
//	          "https://sts.windows.net/<directory id>/"]
//	audiences: ["https://feed.example.com"]
//	jwksURL: https://login.microsoftonline.com/<directory id>/discovery/v2.0/keys
//	authorizationURI: https://login.microsoftonline.com/<directory id>/oauth2/authorize
//	mappings:
//	  - claim: groups
//	    value: <group object id>
//	    tenants: [contoso]
//	  - claim: roles
//	    value: Feed.Admin
//	    tenants: ["*"]
//	    scope: admin
//
// Power Query asks Entra ID for a token whose audience is the feed's scheme
// and host, so that is the audience to list. A person gets the union of the
// tenants of every mapping their token matches, and admin if any of those
// mappings says so.
type OIDCConfig struct {
	Issuers          []string  `yaml:"issuers"`
	Audiences        []string  `yaml:"audiences"`
	JWKSURL          string    `yaml:"jwksURL"`
	AuthorizationURI string    `yaml:"authorizationURI"`
	Mappings         []Mapping `yaml:"mappings"`
}

// Mapping grants tenants (and optionally business units and the admin
// scope) to tokens whose Claim holds Value.
type Mapping struct {
	Claim         string   `yaml:"claim"`
	Value         string   `yaml:"value"`
	Tenants       []string `yaml:"tenants"`
	BusinessUnits []string `yaml:"businessUnits"`
	Scope         string   `yaml:"scope"`
}

// LoadOIDCConfig reads and checks an OIDC configuration file.
func LoadOIDCConfig(path string) (OIDCConfig, error) {
	var c OIDCConfig
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	dec := yaml.NewDecoder(bytesReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %v", path, err)
	}
	return c, c.check(path)
}

func (c OIDCConfig) check(path string) error {
	if len(c.Issuers) == 0 || len(c.Audiences) == 0 || c.JWKSURL == "" {
		return fmt.Errorf("%s: issuers, audiences and jwksURL are required", path)
	}
	for _, u := range append([]string{c.JWKSURL}, c.AuthorizationURI) {
		if u == "" {
			continue
		}
		if pu, err := url.Parse(u); err != nil || pu.Scheme == "" || pu.Host == "" {
			return fmt.Errorf("%s: %q is not an absolute URL", path, u)
		}
	}
	if len(c.Mappings) == 0 {
		return fmt.Errorf("%s: no mappings: nobody could read anything", path)
	}
	for i, m := range c.Mappings {
		if m.Claim == "" || m.Value == "" || len(m.Tenants) == 0 {
			return fmt.Errorf("%s: mapping %d needs claim, value and tenants", path, i+1)
		}
		if m.Scope != "" && m.Scope != ccfeed.ScopeRead && m.Scope != ccfeed.ScopeAdmin {
			return fmt.Errorf("%s: mapping %d: scope must be read or admin", path, i+1)
		}
	}
	return nil
}
