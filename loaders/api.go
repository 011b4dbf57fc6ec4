package loaders

import (
	"context"
	"net/http"
	"time"
)

// Window is a span of source time to fetch: [From, To).
type Window struct{ From, To time.Time }

// SourceConfig is one configured API source of one tenant (see the pull
// package for the file that declares them). Secrets are resolved from
// environment variables or files before they get here; they are never on a
// command line or in a log.
type SourceConfig struct {
	Tenant   string
	Kind     string
	Name     string // unique per tenant; defaults to Kind
	Endpoint string // base URL of the API
	Account  string // account, site or tenant id at the vendor
	// Secret is the credential (a token, or "user:password" for Basic).
	Secret string
	// Options holds source-specific settings (table lists, page sizes).
	Options map[string]string
}

// Page is one response of an API: its body, loaded with the source's Load
// exactly as a file would be, and the cursor of the next page ("" at the
// end of the window).
type Page struct {
	Body []byte
	Next string
}

// Doer sends a request, with the pull framework's retries (429 and 5xx,
// honouring Retry-After), rate limit and error reporting. A 401 or 403
// comes back as a *CredentialError.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// CredentialError is an API refusing the configured credential.
type CredentialError struct {
	Status int
	Body   string
}

func (e *CredentialError) Error() string {
	return "the API refused the credential (HTTP " + http.StatusText(e.Status) + "): check the secret configured for this source"
}

// API is a source that can be pulled. The pull framework asks it for the
// pages of a window, one at a time, and loads each page in its own
// transaction together with the cursor of the next, so an interrupted pull
// resumes at the page it stopped at.
type API interface {
	Source
	// MaxWindow is the longest window one query may cover (a vendor limit,
	// such as LivePerson's three months).
	MaxWindow() time.Duration
	// Fetch requests one page of window w; cursor is "" for the first
	// page, else a value this API returned as Page.Next.
	Fetch(ctx context.Context, h Doer, cfg *SourceConfig, w Window, cursor string) (Page, error)
}
