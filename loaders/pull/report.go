package pull

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Report is the outcome of one run of one source.
type Report struct {
	Tenant, Source, Kind string
	// Resumed is set when the run began by finishing a window an earlier
	// run left in progress.
	Resumed bool
	// Windows counts the windows completed, Pages the pages loaded.
	Windows, Pages int
	// Records and Rejected are what the pages held; Inserted, Updated and
	// Unchanged what they did to the store's data rows.
	Records, Rejected            int64
	Inserted, Updated, Unchanged int64
	// Requests counts the HTTP requests sent, Retries those that were
	// retries.
	Requests, Retries int64
	// DoneTo is the end of the last completed window after the run.
	DoneTo time.Time
	// Err is why the run stopped early (nil when it completed). Its
	// message names no secret.
	Err      error
	Started  time.Time
	Duration time.Duration
}

// Failed reports whether the run stopped early.
func (r *Report) Failed() bool { return r.Err != nil }

// Name is "tenant/source".
func (r *Report) Name() string { return r.Tenant + "/" + r.Source }

// Summary renders reports for the command line, one line per source.
func Summary(reports []Report) string {
	var b strings.Builder
	for _, r := range reports {
		status := "ok    "
		if r.Failed() {
			status = "FAILED"
		}
		fmt.Fprintf(&b, "%s  %s (%s): %d windows, %d pages, %d records (%d inserted, %d updated, %d unchanged), %d rejected, %d requests (%d retries), %s",
			status, r.Name(), r.Kind, r.Windows, r.Pages, r.Records, r.Inserted, r.Updated, r.Unchanged, r.Rejected,
			r.Requests, r.Retries, r.Duration.Round(time.Millisecond))
		if r.Resumed {
			b.WriteString(", resumed a window in progress")
		}
		if !r.DoneTo.IsZero() {
			fmt.Fprintf(&b, ", complete to %s", r.DoneTo.UTC().Format(time.RFC3339))
		}
		b.WriteByte('\n')
		if r.Failed() {
			fmt.Fprintf(&b, "        %s\n", r.Err)
		}
	}
	return b.String()
}

// LogReport writes one line for a run: counts and durations, the error of a
// failed run; never a secret (Report holds none) and never data.
func LogReport(log zerolog.Logger, r Report) {
	ev := log.Info()
	msg := "pull"
	if r.Failed() {
		ev, msg = log.Error().Str("error", r.Err.Error()), "pull failed"
	}
	ev.Str("tenant", r.Tenant).Str("source", r.Source).Str("kind", r.Kind).Bool("resumed", r.Resumed).
		Int("windows", r.Windows).Int("pages", r.Pages).Int64("records", r.Records).
		Int64("inserted", r.Inserted).Int64("updated", r.Updated).Int64("unchanged", r.Unchanged).
		Int64("rejected", r.Rejected).Int64("requests", r.Requests).Int64("retries", r.Retries).
		Dur("duration", r.Duration).Msg(msg)
}

// redactor removes a secret from messages. An error from a source or an API
// may quote it (an echoed header, a URL with a key); messages go to the
// journal, the logs and the terminal, so every form the secret travels in
// is replaced.
type redactor []string

// minRedact is the shortest secret form redacted: replacing a one- or
// two-character string everywhere would garble messages and hide nothing.
const minRedact = 4

func newRedactor(secret string) redactor {
	if secret == "" {
		return nil
	}
	forms := []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), url.QueryEscape(secret), url.PathEscape(secret)}
	if _, pass, ok := strings.Cut(secret, ":"); ok {
		forms = append(forms, pass, url.QueryEscape(pass))
	}
	var r redactor
	for _, f := range forms {
		if len(f) >= minRedact {
			r = append(r, f)
		}
	}
	// Longer forms first, so a form inside another is not left half done.
	sort.Slice(r, func(i, j int) bool { return len(r[i]) > len(r[j]) })
	return r
}

func (r redactor) String(s string) string {
	for _, f := range r {
		s = strings.ReplaceAll(s, f, "[redacted]")
	}
	return s
}

// redactedError is err with a message cleared of the secret; errors.As
// still finds what it wraps.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
