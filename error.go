// Package ccfeed holds the few domain types every other package shares: the
// error vocabulary and the principal a request acts for. It imports nothing of
// the project, so every package may depend on it (see ../shared/STYLE.md).
package ccfeed

import (
	"errors"
	"fmt"
)

// Error codes. The list is short and closed on purpose: every failure in the
// service maps to one of these, and exactly one table (server/errors.go) maps
// a code to an HTTP status.
const (
	EINVALID        = "invalid"         // malformed request: bad syntax, bad literal, wrong type
	ENOTFOUND       = "not_found"       // unknown entity set, key, property or route
	ENOTIMPLEMENTED = "not_implemented" // valid OData this read-only feed does not offer
	ENOTACCEPTABLE  = "not_acceptable"  // no representation the client accepts
	EUNAUTHORIZED   = "unauthorized"    // no or bad credential
	EFORBIDDEN      = "forbidden"       // credential valid but lacks the scope
	ELIMIT          = "limit_exceeded"  // a documented request limit was crossed
	ETOOMANY        = "too_many"        // rate limit or concurrency cap
	EUNAVAILABLE    = "unavailable"     // store not readable
	EINTERNAL       = "internal"        // a bug; never echoed to the client
)

// Error is the one error type that crosses package boundaries. Message is safe
// to show to the client; it names what was wrong and where. Target is the
// OData "target": the query option or property the message is about.
type Error struct {
	Code    string
	Message string
	Target  string
	Details []Detail
	// RetryAfter, in seconds, is sent as Retry-After with ETOOMANY.
	RetryAfter int
	// Err is an underlying cause kept for logs; it is never shown.
	Err error
}

// Detail is one entry of the OData error "details" array.
type Detail struct {
	Code    string
	Message string
	Target  string
}

func (e *Error) Error() string {
	if e.Target != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Target, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL
// for any other error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// AsError returns the first *Error in err's chain, or an EINTERNAL *Error that
// wraps err and says nothing about it.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EINTERNAL, Message: "internal error", Err: err}
}

// ErrNoCredential marks an EUNAUTHORIZED error for a request that carried no
// credential at all (a first probe, an empty "Bearer"), as opposed to one
// whose credential was refused: only the latter costs a failed sign-in.
var ErrNoCredential = errors.New("no credential")
