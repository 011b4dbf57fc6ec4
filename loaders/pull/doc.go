// Package pull runs the scheduled pulls of API sources: it reads the
// sources file, walks each source forward through time in windows, fetches
// pages through a retrying, rate-limited HTTP client, and loads every page
// in one transaction with its journal row and the pull's new position, so a
// pull interrupted anywhere resumes at the page it stopped at.
//
// # The sources file
//
// A YAML file declares, per tenant, the API sources to pull:
//
//	tenants:
//	  acme:                              # tenant name
//	    sources:
//	      - kind: liveperson             # a registered kind that can be pulled (required)
//	        name: lp-eu                  # unique within the tenant (default: the kind)
//	        endpoint: https://lp.example.invalid   # base URL of the API
//	        account: "12345678"          # account, site or tenant id at the vendor
//	        credential: {env: ACME_LP_TOKEN}       # or {file: /run/secrets/acme-lp}
//	        interval: 15m                # how often to pull (default 15m, at least 1m)
//	        overlap: 2h                  # re-read before the last window's end, for late updates (default 2h)
//	        lookback: 7d                 # how far back the first pull reaches (default 7d)
//	        lag: 1m                      # stay this far behind now (default 1m)
//	        rate: 5/s                    # requests per second (/s), minute (/m) or hour (/h) (default 5/s)
//	        burst: 1                     # requests allowed at once above the rate (default 1)
//	        timeout: 2m                  # per request, body included (default 2m)
//	        attempts: 6                  # tries per request on 429, 5xx and network errors (default 6)
//	        options:                     # free-form settings of the source, passed as text
//	          pageSize: 100
//
// Durations are Go durations ("90m", "1h30m") with days allowed in front
// ("7d", "1d12h"). The credential is given only by reference: {env: NAME}
// reads an environment variable, {file: PATH} a file (surrounding white
// space trimmed). A secret written in the file itself, a credential with
// any other key, and an endpoint with a user or query string in it are
// refused, so the sources file can be kept in version control. Secrets are
// resolved when the file is loaded; errors name the file, line, tenant and
// source, never the secret.
//
// # Windows, pages and resumption
//
// Each run of a source reads the window from the end of the last completed
// window minus the overlap (on the first run: now minus the lookback) to
// now minus the lag, split into windows no longer than the source's
// MaxWindow, oldest first. Each window is fetched page by page with the
// cursors the source returns. Each page is loaded, with a Loads row of kind
// "pull" and the cursor of the next page (or the window marked complete),
// in one transaction. A run that finds a window in progress first finishes
// it from its saved cursor.
package pull
