package ccfeed

import (
	"context"
	"slices"
)

// Scopes a credential can carry.
const (
	ScopeRead  = "read"
	ScopeAdmin = "admin"
)

// AllTenants in Principal.Tenants means every tenant in the store.
const AllTenants = "*"

// Principal is who a request acts for, as established by the auth layer. The
// store turns it into the row filter that every table reference carries, so
// a query can never reach rows outside Tenants.
type Principal struct {
	// Subject identifies the credential (a token id or an OIDC subject) for
	// audit lines and for binding paging tokens to their caller.
	Subject string
	// Tenants the principal may read; AllTenants grants every tenant.
	Tenants []string
	// BusinessUnits, when non-empty, narrows rows that carry a business unit
	// to these business unit ids.
	BusinessUnits []string
	Scope         string
	// Credential is how the credential travelled (one of the Credential
	// constants), for metrics: which Power Query credential kinds are in
	// use. It grants nothing.
	Credential string
	// KeyParam names the query parameter the credential came in (Power BI's
	// Web API key, ApiKeyName), or is empty when it came in a header. Links
	// the feed writes leave that parameter out, so the key does not travel
	// in response bodies.
	KeyParam string
}

// How a credential travelled; see Principal.Credential.
const (
	CredentialBearer = "bearer" // Authorization: Bearer with a ccfeed token
	CredentialBasic  = "basic"  // the token as the password of HTTP Basic
	CredentialQuery  = "query"  // the token in a query parameter (Web API key)
	CredentialOIDC   = "oidc"   // an organizational (OpenID provider) token
	CredentialCookie = "cookie" // the home page's sign-in cookie
)

// AllTenantsAllowed reports whether the principal may read every tenant.
func (p *Principal) AllTenantsAllowed() bool {
	return slices.Contains(p.Tenants, AllTenants)
}

// IsAdmin reports whether the principal carries the admin scope.
func (p *Principal) IsAdmin() bool { return p.Scope == ScopeAdmin }

// CanSeeTenant reports whether rows of tenant t are visible to the principal.
func (p *Principal) CanSeeTenant(t string) bool {
	return p.AllTenantsAllowed() || slices.Contains(p.Tenants, t)
}

type serviceRootKey struct{}

// WithServiceRoot records in ctx the service root clients reach the feed
// at ("https://feed.example.com/odata/"), as the server computes it for
// @odata.nextLink: the configured public URL, else the proxy's forwarded
// headers, else the request. Handlers outside the server (the Power BI
// project) build their links from it.
func WithServiceRoot(ctx context.Context, root string) context.Context {
	return context.WithValue(ctx, serviceRootKey{}, root)
}

// ServiceRoot returns the service root recorded by WithServiceRoot, or "".
func ServiceRoot(ctx context.Context) string {
	s, _ := ctx.Value(serviceRootKey{}).(string)
	return s
}
