package auth

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLoadOIDCConfig reads each file under testdata/oidc/: the valid ones
// load as written, the others fail with a message naming the file and what
// is wrong, so that "ccfeed serve --oidc" stops at start-up rather than
// serving with a configuration that lets nobody (or everybody) in.
func TestLoadOIDCConfig(t *testing.T) {
	for _, tc := range []struct {
		file string
		err  string // "" for a valid file
	}{
		{"valid.yaml", ""},
		{"valid.json", ""},
		{"no_jwks.yaml", "issuers, audiences and jwksURL are required"},
		{"no_issuer.yaml", "issuers, audiences and jwksURL are required"},
		{"relative_jwks.yaml", `"/discovery/keys" is not an absolute URL`},
		{"relative_authorization.yaml", `"oauth2/authorize" is not an absolute URL`},
		{"no_mappings.yaml", "no mappings"},
		{"mapping_without_tenants.yaml", "mapping 2 needs claim, value and tenants"},
		{"bad_scope.yaml", "mapping 1: scope must be read or admin"},
		{"unknown_field.yaml", "field audience not found"},
		{"malformed.yaml", "malformed.yaml"},
		{"missing.yaml", "no such file"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "oidc", tc.file)
			c, err := LoadOIDCConfig(path)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(c.Issuers) == 0 || len(c.Audiences) == 0 || c.JWKSURL == "" || len(c.Mappings) == 0 {
					t.Errorf("loaded %+v", c)
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded %+v, want an error containing %q", c, tc.err)
			}
			if !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q, want it to name %s and say %q", err, tc.file, tc.err)
			}
		})
	}
	c, err := LoadOIDCConfig(filepath.Join("testdata", "oidc", "valid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Mappings
	if len(m) != 3 || m[0].Claim != "tid" || !slices.Equal(m[1].BusinessUnits, []string{"contoso:demo:bu-0"}) ||
		m[2].Scope != "admin" || !slices.Equal(m[2].Tenants, []string{"*"}) || len(c.Issuers) != 2 ||
		!strings.HasSuffix(c.AuthorizationURI, "/oauth2/authorize") {
		t.Errorf("valid.yaml loaded as %+v", c)
	}
}
